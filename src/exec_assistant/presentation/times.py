"""How instants read: ISO 8601 for machines; short, never-cut forms for tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo


def iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


class DateStyle(Enum):
    """How a day and time are written in a table cell, narrowest first."""

    STACKED = ("%a %d", "\n")
    """Day over time ("Mon 30" / "07:00"): 7 cells wide."""
    COMPACT = ("%a %d", " ")
    """"Mon 30 07:00": 12 cells; the day of the month is enough within a fortnight."""
    LONG = ("%a %d %b", " ")
    """"Mon 30 Nov 07:00": 16 cells."""

    def __init__(self, day: str, separator: str) -> None:
        self.day = day
        self.separator = separator

    def instant(self, value: datetime, zone: ZoneInfo) -> str:
        local = value.astimezone(zone)
        return f"{local.strftime(self.day)}{self.separator}{local:%H:%M}"

    def all_day(self, value: datetime, zone: ZoneInfo) -> str:
        """The day over "all day", so that one all-day meeting does not widen the column."""
        return f"{value.astimezone(zone).strftime(self.day)}\nall day"


def window_text(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    days = round((end - start) / timedelta(days=1))
    return (
        f"{start.astimezone(zone).strftime('%a %d %b %Y %H:%M')} → "
        f"{end.astimezone(zone).strftime('%a %d %b %Y %H:%M')} ({days} days, {zone.key})"
    )
