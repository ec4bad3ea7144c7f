"""What model calls cost: the price table, and totals over calls."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

PER = 1_000_000
"""Prices are per million tokens."""

LOCAL_PROVIDERS = frozenset({"offline", "ollama", "llamacpp"})
"""Models run on a server of the user's own: free unless the price table says otherwise."""


MAX_PRICE = 10_000
"""US dollars per million tokens that no model costs (a cent a token): a price above it is a
mistake, and one large enough would make a call's cost overflow and show as not priced."""


class ModelPrice(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    input: float = Field(ge=0, le=MAX_PRICE)
    output: float = Field(ge=0, le=MAX_PRICE)
    cache_read: float | None = Field(default=None, ge=0, le=MAX_PRICE)
    """Input read from the prompt cache; the input price when not given."""
    cache_write: float | None = Field(default=None, ge=0, le=MAX_PRICE)
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


FREE = ModelPrice(input=0, output=0)

# Bedrock ids carry a region or scope in front ("us.", "global.") and a version behind
# ("-v1:0"); the table names the model once.
_SCOPES = ("global.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov.")
# What may follow a priced id in a longer id of the same model: a date
# ("-20250929", "-2024-08-06", "@20250929"), "-latest", a Bedrock version ("-v1", "-v1:0")
# or a tag after a colon ("llama3.1:8b"). Anything else is another model: "gpt-4.1-nano" is
# not "gpt-4.1", and "claude-sonnet-4-7" is not "claude-sonnet-4".
_SAME_MODEL_SUFFIX = re.compile(
    r"(?:[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-latest)?(?:-v\d+(?::\d+)?)?(?::[^/\s]*)?"
)


def _candidates(model_id: str) -> list[str]:
    """The id as written, then without its Bedrock scope; lower case. An inference profile
    ARN ("arn:aws:bedrock:…:inference-profile/us.anthropic.…") counts as the id it ends in."""
    model = model_id.strip().lower()
    if model.startswith("arn:"):
        model = model.rpartition("/")[2]
    ids = [model]
    for scope in _SCOPES:
        if model.startswith(scope):
            ids.append(model.removeprefix(scope))
    return ids


@dataclass(frozen=True)
class PriceTable:
    """Prices by model id.

    An id takes its own entry, else the longest entry it extends by a date or version only
    ("claude-sonnet-4-5-20250929" and "anthropic.claude-haiku-4-5-20251001-v1:0" take
    "claude-sonnet-4-5" and "anthropic.claude-haiku-4-5"). An entry for a scoped Bedrock id
    ("us.anthropic.claude-sonnet-4-6") wins over the unscoped one; without it the scope is
    ignored. Ids are compared ignoring case.
    """

    prices: Mapping[str, ModelPrice]

    def __post_init__(self) -> None:
        lowered = {key.strip().lower(): price for key, price in self.prices.items()}
        object.__setattr__(self, "prices", lowered)

    def price_of(self, model_id: str, provider: str | None = None) -> ModelPrice | None:
        """The price of `model_id`; free for a local `provider` (ollama, llamacpp) with no
        entry; None when the table does not know it."""
        candidates = _candidates(model_id)
        for candidate in candidates:
            if candidate in self.prices:
                return self.prices[candidate]
        best = max(
            (
                key
                for key in self.prices
                for candidate in candidates
                if candidate.startswith(key)
                and _SAME_MODEL_SUFFIX.fullmatch(candidate, len(key)) is not None
            ),
            key=len,
            default=None,
        )
        if best is not None:
            return self.prices[best]
        if provider is not None and provider.strip().lower() in LOCAL_PROVIDERS:
            return FREE
        return None

    def cost(
        self,
        model_id: str,
        input_tokens: int,
        output_tokens: int,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        *,
        provider: str | None = None,
    ) -> float | None:
        """US dollars for one call; None when the model has no price (see `price_of`)."""
        price = self.price_of(model_id, provider)
        if price is None:
            return None
        return price.cost(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)

    def __len__(self) -> int:
        return len(self.prices)


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
    # Read-only, so that frozen records (ModelCall) qualify.
    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cache_read_tokens(self) -> int: ...
    @property
    def cache_write_tokens(self) -> int: ...
    @property
    def cost_usd(self) -> float | None: ...


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
