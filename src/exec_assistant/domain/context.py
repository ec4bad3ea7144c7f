"""What a context provider returns: facts from one system of record, or why it could not."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from exec_assistant.domain.models import UtcDatetime


class ContextRequest(BaseModel):
    """What the providers need to know about the meeting being prepared."""

    model_config = ConfigDict(frozen=True)

    meeting_id: str
    series_id: str
    meeting_type: str
    title: str
    start: UtcDatetime
    now: UtcDatetime
    people: tuple[str, ...] = ()
    """Emails of the attendees other than the executive."""
    scope: Literal["people", "organisation"] = "organisation"
    """`people`: only what these attendees own (a 1:1); `organisation`: everything."""
    lookback_days: int = 30


class ContextResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    provider: str
    available: bool = True
    reason: str | None = None
    """Why the provider is unavailable."""
    facts: tuple[str, ...] = ()
    """Sentences with numbers, for the background section ("Compute is 12.5% over budget")."""
    highlights: tuple[str, ...] = ()
    """The facts that need attention in the meeting (over budget, at risk, SEV1)."""
    questions: tuple[str, ...] = ()
    """Questions worth asking the attendees, from what the data shows."""
    data: dict[str, Any] = Field(default_factory=dict)
    """A JSON-able summary of the figures, for context.json."""

    @classmethod
    def unavailable(cls, provider: str, reason: str) -> ContextResult:
        return cls(provider=provider, available=False, reason=reason)

    @property
    def headline(self) -> str:
        return f"unavailable: {self.reason}" if not self.available else "; ".join(self.facts[:1])


def within(instant: datetime, now: datetime, days: int) -> bool:
    return 0 <= (now - instant).total_seconds() <= days * 86400
