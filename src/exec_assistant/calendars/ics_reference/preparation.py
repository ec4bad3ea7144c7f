"""Before expansion: events that cannot be read are skipped, odd ones noted, and events
without a UID given one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import icalendar
from icalendar.prop import vBroken, vText

from exec_assistant.calendars.event_fields import LONGEST_REPEATING_DAYS, derived_uid, span_days
from exec_assistant.calendars.ics_reference.values import (
    DATED,
    describe,
    first,
    raw_text,
    text_of,
    values_of,
)
from exec_assistant.calendars.ics_reference.zones import OwnZones
from exec_assistant.calendars.rules import rule_problem, unreadable_rule_problem
from exec_assistant.calendars.wording import noticed, quoted, skipped

_ONCE = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SEQUENCE")
"""At most once in a VEVENT (RFC 5545 §3.6.1), and the event cannot be placed without knowing
which one is meant."""
_TEXT_ONCE = ("SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "ORGANIZER")
"""At most once too, but the first one is a fair reading."""
OVERRIDE_WITHOUT_UID = (
    "it changes one occurrence of a series (RECURRENCE-ID) but has no UID, "
    "so the series it belongs to is unknown"
)


def event_problem(component: Any) -> str | None:
    """Why this VEVENT cannot be read, or None. The event is then skipped with a warning."""
    for name in _ONCE:
        count = len(values_of(component, name))
        if count > 1:
            return f"{name} appears {count} times; an event has at most one"
    if "DTSTART" not in component:
        return "it has no DTSTART"
    if not first(component.get("UID")) and "RECURRENCE-ID" in component:
        return OVERRIDE_WITHOUT_UID
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "DURATION", "SEQUENCE"):
        for value in values_of(component, name):
            problem = _value_problem(name, value)
            if problem:
                return problem
    for name in ("RRULE", "EXDATE", "RDATE"):
        for value in values_of(component, name):
            problem = _value_problem(name, value)
            if problem:
                return problem
    if "RRULE" in component:
        end, duration = first(component.get("DTEND")), first(component.get("DURATION"))
        days = span_days(
            component["DTSTART"].dt,
            end.dt if end is not None else None,
            duration.dt if duration is not None else None,
        )
        if days > LONGEST_REPEATING_DAYS:
            return (
                f"it repeats, and each occurrence lasts {days:,} days; "
                "a repeating event lasts a year at most"
            )
    return None


def _value_problem(name: str, value: Any) -> str | None:
    if isinstance(value, vBroken):
        raw = str(value)
        tzid = value.params.get("TZID")
        if name in DATED and isinstance(tzid, list):
            return f"{name} names several time zones: {quoted(','.join(map(str, tzid)))}"
        if name == "RRULE":
            return f"RRULE: {unreadable_rule_problem(raw)}"
        return f"{name} has a value that is not {_EXPECTED[name]}: {quoted(raw)}"
    if name == "RRULE":
        problem = rule_problem(value)
        return f"RRULE: {problem}" if problem else None
    if not _fits(name, value):
        return f"{name} has a value that is not {_EXPECTED[name]}: {quoted(raw_text(value))}"
    return None


def _fits(name: str, value: Any) -> bool:
    """Whether icalendar read a value of the kind the property needs (VALUE=PERIOD or TIME
    on a DTSTART parses, but places nothing)."""
    if name == "DURATION":
        return isinstance(value.dt, timedelta)
    if name in ("EXDATE", "RDATE"):
        return all(
            isinstance(item.dt, date) or (name == "RDATE" and isinstance(item.dt, tuple))
            for item in value.dts
        )
    if name == "SEQUENCE":
        return True  # a parsed SEQUENCE is a whole number
    return isinstance(value.dt, date)


_EXPECTED = {
    "DTSTART": "a date or time",
    "DTEND": "a date or time",
    "RECURRENCE-ID": "a date or time",
    "EXDATE": "a date or time",
    "RDATE": "a date, time or period",
    "DURATION": "a duration such as PT1H",
    "SEQUENCE": "a whole number",
}


def _notices(component: Any, zones: OwnZones, default_zone: str) -> list[str]:
    """What is odd about an event that is read all the same."""
    notices = []
    repeated = [(n, c) for n in _TEXT_ONCE if (c := len(values_of(component, n))) > 1]
    if repeated:
        which = ", ".join(f"{name} appears {count} times" for name, count in repeated)
        notices.append(
            which + ("; the first is used" if len(repeated) == 1 else "; the first of each is used")
        )
    for tzid in zones.attach(component):
        why = (
            "has a VTIMEZONE that cannot be read"
            if zones.defines(tzid)
            else "is unknown (no VTIMEZONE in the file defines it)"
        )
        notices.append(f"time zone {quoted(tzid)} {why}; its times are read as {default_zone} time")
    return notices


@dataclass
class Uids:
    derived: set[str]
    count: int


def prepare(calendar: icalendar.Calendar, warnings: list[str], default_zone: str) -> Uids:
    """Skip the VEVENTs that cannot be read, so one bad event does not sink the calendar;
    put this object's own time zones on the rest, and a UID on those without one."""
    zones = OwnZones(calendar)
    uids = Uids(set(), 0)
    kept = []
    for component in calendar.subcomponents:
        if component.name != "VEVENT":
            kept.append(component)
            continue
        problem = event_problem(component)
        if problem is not None:
            warnings.append(skipped(describe(component, uids.derived), problem))
            continue
        notices = _notices(component, zones, default_zone)
        nested = [c for c in component.subcomponents if c.name == "VEVENT"]
        if nested:
            # Not in any calendar a server writes; the expander would follow a rule in it.
            component.subcomponents = [c for c in component.subcomponents if c.name != "VEVENT"]
            notices.append("a VEVENT inside it is not read")
        if not first(component.get("UID")):
            uid = _derive_uid(component)
            component["UID"] = vText(uid)
            uids.derived.add(uid)
            uids.count += 1
        if notices:
            warnings.append(noticed(describe(component, uids.derived), "; ".join(notices)))
        kept.append(component)
    calendar.subcomponents = kept
    return uids


def _derive_uid(component: Any) -> str:
    start = component["DTSTART"]
    tzid = start.params.get("TZID")
    organizer = first(component.get("ORGANIZER"))
    return derived_uid(
        start.dt,
        tzid if isinstance(tzid, str) else None,
        text_of(component, "SUMMARY") or None,
        str(organizer) if organizer is not None else None,
    )


def recurring_uids(calendar: icalendar.Calendar) -> set[str]:
    # The calendar's own events only: walk() would also find a VEVENT nested inside another
    # (a broken feed's), which may have no UID at all.
    return {
        str(c["UID"])
        for c in calendar.subcomponents
        if c.name == "VEVENT"
        and "UID" in c
        and ("RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c)
    }
