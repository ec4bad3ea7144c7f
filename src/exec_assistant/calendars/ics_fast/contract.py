"""What the fast reader gives its caller, and what it asks of the reference path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from exec_assistant.domain.models import CalendarEvent


class FastPathDeclined(Exception):
    """The file uses something this reader does not reproduce exactly; read it in full."""


class Reference(Protocol):
    """The reference path, asked about single events this reader could not judge."""

    def drop_warnings(self, calendar_text: str) -> list[str]:
        """The warnings for the VEVENTs of this calendar that the reference drops as broken."""
        ...

    def expansion_warnings(self, calendar_text: str) -> list[str]:
        """The warnings of a whole reference read of this calendar, without the summary of
        derived UIDs (this reader counts those itself)."""
        ...


@dataclass(frozen=True)
class FastFetch:
    name: str | None
    """X-WR-CALNAME of the first VCALENDAR object that has a non-empty one."""
    events: list[CalendarEvent]
    warnings: list[str]
