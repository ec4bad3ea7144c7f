"""What model calls cost: the price table, and totals over calls."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

PER = 1_000_000
"""Prices are per million tokens."""


class ModelPrice(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    """Input read from the prompt cache; the input price when not given."""
    cache_write: float | None = Field(default=None, ge=0)
    """Input written to the prompt cache; the input price when not given."""

    def cost(
        self,
        input_tokens: int,
        output_tokens: int,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float:
        read = self.input if self.cache_read is None else self.cache_read
        write = self.input if self.cache_write is None else self.cache_write
        total = (
            input_tokens * self.input
            + output_tokens * self.output
            + cache_read_tokens * read
            + cache_write_tokens * write
        )
        return round(total / PER, 6)


# Bedrock ids carry a region or scope in front ("us.", "global.") and a version behind
# ("-v1:0"); the table names the model once.
_SCOPES = ("global.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov.")


def _candidates(model_id: str) -> list[str]:
    ids = [model_id.strip()]
    for scope in _SCOPES:
        if ids[0].startswith(scope):
            ids.append(ids[0].removeprefix(scope))
    return ids


@dataclass(frozen=True)
class PriceTable:
    """Prices by model id; an id matches its own entry, else the longest entry it starts with
    ("claude-sonnet-4-6-20260101" takes "claude-sonnet-4-6"), ignoring a Bedrock scope."""

    prices: Mapping[str, ModelPrice]

    def price_of(self, model_id: str) -> ModelPrice | None:
        for candidate in _candidates(model_id):
            if candidate in self.prices:
                return self.prices[candidate]
        best = max(
            (
                key
                for key in self.prices
                for candidate in _candidates(model_id)
                if candidate.startswith(key)
            ),
            key=len,
            default=None,
        )
        return self.prices[best] if best is not None else None

    def cost(
        self,
        model_id: str,
        input_tokens: int,
        output_tokens: int,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float | None:
        price = self.price_of(model_id)
        if price is None:
            return None
        return price.cost(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)


@dataclass(frozen=True)
class UsageTotals:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    """Calls to a model the price table does not know: their cost is not in `cost_usd`."""


class _HasUsage(Protocol):
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float | None


def total(calls: Iterable[_HasUsage]) -> UsageTotals:
    counts = [0, 0, 0, 0, 0, 0]
    cost = 0.0
    for call in calls:
        counts[0] += 1
        counts[1] += call.input_tokens
        counts[2] += call.output_tokens
        counts[3] += call.cache_read_tokens
        counts[4] += call.cache_write_tokens
        if call.cost_usd is None:
            counts[5] += 1
        else:
            cost += call.cost_usd
    return UsageTotals(
        calls=counts[0],
        input_tokens=counts[1],
        output_tokens=counts[2],
        cache_read_tokens=counts[3],
        cache_write_tokens=counts[4],
        cost_usd=round(cost, 6),
        unpriced_calls=counts[5],
    )
