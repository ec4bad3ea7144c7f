"""A monthly bill, line by line: quantity times unit price, grouped by service.

Pure arithmetic over a price list; what is used, and how much, is decided elsewhere
(`services.cost_estimate`). A line reads as the bill does: 1,460 NAT gateway-hours at $0.045
per NAT gateway-hour is $65.70.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class AwsPrice(BaseModel):
    """`usd` for every `per` units of `unit`: 0.20 per 1,000,000 requests."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    usd: float = Field(ge=0)
    per: int = Field(default=1, ge=1)
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1)

    def cost(self, quantity: float) -> float:
        return quantity * self.usd / self.per


class AwsPriceList(BaseModel):
    """The list prices of one region on one date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    region: str
    hours_per_month: float = Field(gt=0)
    prices: Mapping[str, AwsPrice]

    def __getitem__(self, key: str) -> AwsPrice:
        return self.prices[key]


@dataclass(frozen=True)
class CostLine:
    """One line of the bill."""

    service: str
    """The group it is billed under, as the specification's table groups it: "Lambda"."""
    item: str
    """What is counted within the service: "compute (arm64)"."""
    quantity: float
    unit: str
    """The counted unit, singular ("GB-second"), or a model's "input token"."""
    unit_price: float
    """US dollars per `per` units."""
    per: int
    monthly: float

    @property
    def key(self) -> str:
        return f"{self.service}: {self.item}"


def priced(service: str, item: str, quantity: float, price: AwsPrice) -> CostLine:
    """The line for `quantity` units at a list price."""
    return CostLine(service, item, quantity, price.unit, price.usd, price.per, price.cost(quantity))


def per_million_tokens(service: str, item: str, tokens: float, usd: float) -> CostLine:
    """A model's tokens at its price per million (model_prices.yaml's unit)."""
    return CostLine(service, item, tokens, "token", usd, 1_000_000, tokens * usd / 1_000_000)


@dataclass(frozen=True)
class CostEstimate:
    lines: tuple[CostLine, ...]

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def services(self) -> list[tuple[str, list[CostLine]]]:
        """The lines by service, in the order each service first appears."""
        groups: dict[str, list[CostLine]] = {}
        for line in self.lines:
            groups.setdefault(line.service, []).append(line)
        return list(groups.items())

    def of_service(self, service: str) -> float:
        return sum(line.monthly for line in self.lines if line.service == service)

    def line(self, service: str, item: str) -> CostLine:
        for line in self.lines:
            if line.service == service and line.item == item:
                return line
        raise KeyError(f"no line {service}: {item}")


def without_empty(lines: Sequence[CostLine]) -> tuple[CostLine, ...]:
    """The lines that count something: a service the stack does not use is not on its bill."""
    return tuple(line for line in lines if line.quantity > 0)
