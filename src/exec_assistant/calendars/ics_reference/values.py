"""Reading icalendar's property values: one or several, raw or parsed."""

from __future__ import annotations

from typing import Any

from exec_assistant.calendars.event_fields import NAME_LIMIT, PARTSTAT, clean_text, param_text
from exec_assistant.calendars.wording import describe_event
from exec_assistant.domain.models import Attendee, ResponseStatus

DATED = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
"""The properties whose values are dates and times, and may name a time zone."""


def values_of(component: Any, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def text_of(component: Any, name: str) -> str:
    value = first(component.get(name))
    return str(value) if value is not None else ""


def raw_text(value: Any) -> str:
    if isinstance(value, str):
        return str(value)
    try:
        raw = value.to_ical()
    except Exception:  # a value icalendar cannot write back: show what Python sees
        return str(getattr(value, "dt", value))
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def describe(component: Any, derived: set[str]) -> str:
    uid = first(component.get("UID"))
    uid_text = str(uid) if uid else None
    if uid_text in derived:
        uid_text = None
    return describe_event(text_of(component, "SUMMARY") or None, uid_text)


def person(value: Any, default_response: ResponseStatus) -> Attendee | None:
    if value is None:
        return None
    address = str(value)
    email = address[7:] if address.lower().startswith("mailto:") else address
    email = email.strip()
    if not email:
        return None
    params = getattr(value, "params", {})
    name = param_text(params.get("CN"))
    partstat = param_text(params.get("PARTSTAT")).upper()
    return Attendee(
        email=email.lower(),
        name=clean_text(name, NAME_LIMIT) or None,
        response=PARTSTAT.get(partstat, default_response),
    )
