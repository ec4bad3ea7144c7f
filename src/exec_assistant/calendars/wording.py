"""How the iCalendar readers name an event and word what they say about it.

Both readers build their warnings here, so that the same event gets the same sentence from
either, and no sentence carries a Python internal.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def quoted(value: str, limit: int = 60) -> str:
    """A value from the file as a warning shows it: in quotes, cut when long, and with
    control characters written out ('2026\\x00') so that they show instead of acting."""
    text = value if len(value) <= limit else value[:limit] + "…"
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return f"'{text}'"


def describe_event(summary: str | None, uid: str | None) -> str:
    """'Board sync' (UID 42@example.com); "(no title)" and "(no UID)" when they are missing."""
    title = " ".join((summary or "").split())
    label = quoted(title) if title else "(no title)"
    if uid is None:
        return f"{label} (no UID)"
    return f"{label} (UID {quoted(uid, 80)[1:-1]})" if uid else label


def skipped(event: str, problem: str) -> str:
    """skipped event 'Board sync' (UID x): DTSTART has a value that is not a date or time: '…'"""
    return f"skipped event {event}: {problem}"


def noticed(event: str, notice: str) -> str:
    """A remark on an event that was read all the same."""
    return f"event {event}: {notice}"


def derived_uids(count: int) -> str:
    if count == 1:
        return "1 event has no UID; its id was derived from its start, title and organizer"
    return f"{count} events have no UID; ids were derived from their start, title and organizer"
