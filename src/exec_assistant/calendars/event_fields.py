"""Rules for an event's fields that both iCalendar readers apply, so that they agree.

The reference reader (`ics_reference`) and the fast one (`ics_fast`) each call these on the
values they parsed; the differential tests hold the results together.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta

from exec_assistant.domain.models import ResponseStatus

PARTSTAT = {
    "ACCEPTED": ResponseStatus.ACCEPTED,
    "DECLINED": ResponseStatus.DECLINED,
    "TENTATIVE": ResponseStatus.TENTATIVE,
}
"""PARTSTAT values that change an attendee's response; any other leaves the default."""

TITLE_LIMIT = 500
LOCATION_LIMIT = 500
NAME_LIMIT = 200
DESCRIPTION_LIMIT = 100_000
"""Longer texts are cut (ending in "…"): a calendar is a feed from elsewhere, and a 20 MB
title would otherwise travel into every list, prompt and message."""

# C0 and C1 control characters except tab and line feed: a NUL or an ESC in a title can
# break a terminal or a store, and no calendar means them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str, limit: int) -> str:
    """The text without control characters or surrounding blanks, cut at `limit`."""
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    value = value.strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


DERIVED_UID_PREFIX = "no-uid-"


def derived_uid(start: date, tzid: str | None, summary: str | None, organizer: str | None) -> str:
    """A UID for an event that has none, from what stays put between two reads of a file.

    An event at 10:00 New York time titled "Board sync", organised by jordan@x.example, gets
    the same id on every sync; change its start, title or organizer and it is another event.
    `start` is DTSTART as written (wall clock) and `tzid` its TZID parameter.
    """
    if isinstance(start, datetime):
        label = tzid or ("UTC" if start.tzinfo is not None else "floating")
        when = f"{start.replace(tzinfo=None).isoformat()} {label}"
    else:
        when = start.isoformat()
    address = organizer or ""
    email = address[7:] if address.lower().startswith("mailto:") else address
    parts = (when, (summary or "").strip(), email.strip().lower())
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return DERIVED_UID_PREFIX + digest[:16]


def param_text(value: object) -> str:
    """A parameter value as text: icalendar gives a list for CN=Lee, Jordan (unquoted)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


LONGEST_REPEATING_DAYS = 366


def span_days(start: date, end: date | None, duration: timedelta | None) -> int:
    """How many calendar days an event spans as written (DTEND first, else DURATION).

    Both readers skip a repeating event longer than LONGEST_REPEATING_DAYS: each of its
    occurrences would overlap every window, so one series begun in 1900 that lasts until
    2026 puts hundreds of thousands of meetings into a two-week sync.
    """
    first = date(start.year, start.month, start.day).toordinal()
    if end is not None:
        return date(end.year, end.month, end.day).toordinal() - first
    if duration is not None:
        return duration.days  # counted, not added: DTSTART 9999-12-31 may last 400 days
    return 0
