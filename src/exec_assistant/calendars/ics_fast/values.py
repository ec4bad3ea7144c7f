"""Values: time zones, dates and times, durations, rules and sequence numbers."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, available_timezones

from icalendar.prop import vRecur

from exec_assistant.calendars.ics_fast.contract import FastPathDeclined
from exec_assistant.calendars.ics_fast.lines import Line, ParamValue
from exec_assistant.calendars.rules import rule_problem

_ICAL_UTC = ZoneInfo("UTC")  # what icalendar attaches to a value ending in Z
_available: set[str] | None = None
_zones: dict[str, ZoneInfo] = {}


def known_zone_id(key: str) -> bool:
    global _available
    if _available is None:
        _available = available_timezones()
    return key in _available


def zone_for(tzid: ParamValue) -> ZoneInfo:
    """The zone of a TZID, when icalendar would resolve it to that same IANA zone."""
    if not isinstance(tzid, str):
        raise FastPathDeclined("a TZID parameter with several values")
    zone = _zones.get(tzid)
    if zone is None:
        # icalendar tries the zoneinfo key first; other names it maps (Windows names, vendor
        # prefixes, VTIMEZONE definitions) are left to it.
        if tzid != tzid.strip("/") or not known_zone_id(tzid):
            raise FastPathDeclined(f"TZID {tzid!r} is not an IANA time zone name")
        zone = _zones[tzid] = ZoneInfo(tzid)
    return zone


def require_value_type(line: Line, allowed: tuple[str, ...]) -> None:
    value_type = line.param("VALUE")
    if value_type is None:
        return
    if not isinstance(value_type, str) or value_type.upper() not in allowed:
        raise FastPathDeclined(f"{line.name} with VALUE={value_type}")


def instant_value(text: str, zone: ZoneInfo | None) -> date | None:
    """A DATE or DATE-TIME as icalendar reads it; None when this reader is not sure."""
    if len(text) == 8:
        if not (text.isascii() and text.isdigit()):
            return None
        if zone is not None:  # icalendar makes that a midnight in the zone
            raise FastPathDeclined("a DATE value with a TZID")
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            return None
    if len(text) not in (15, 16) or text[8] != "T":
        return None
    digits = text[:8] + text[9:15]
    suffix = text[15:]
    if suffix not in ("", "Z") or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        value = datetime(
            int(text[:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[9:11]),
            int(text[11:13]),
            int(text[13:15]),
        )
    except ValueError:
        return None
    if zone is not None:  # a TZID wins over a trailing Z, as in icalendar
        return value.replace(tzinfo=zone)
    if suffix == "Z":
        return value.replace(tzinfo=_ICAL_UTC)
    return value


def read_when(line: Line) -> date | None:
    require_value_type(line, ("DATE", "DATE-TIME"))
    tzid = line.param("TZID")
    return instant_value(line.value, zone_for(tzid) if tzid else None)


def read_when_list(line: Line) -> list[date] | None:
    require_value_type(line, ("DATE", "DATE-TIME"))
    tzid = line.param("TZID")
    zone = zone_for(tzid) if tzid else None
    values: list[date] = []
    for text in line.value.split(","):
        if "/" in text or text.upper().startswith(("P", "-P", "+P")):
            raise FastPathDeclined(f"{line.name} with a period or duration")
        value = instant_value(text, zone)
        if value is None:
            return None
        values.append(value)
    return values


_DURATION = re.compile(
    r"([-+]?)P(?:([0-9]+)W)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?\Z"
)


def read_duration(line: Line) -> timedelta | None:
    if line.params.get("VALUE") is not None:
        raise FastPathDeclined("DURATION with a VALUE parameter")
    match = _DURATION.match(line.value)
    if match is None:
        return None
    sign, weeks, days, hours, minutes, seconds = match.groups()
    try:
        value = timedelta(
            weeks=int(weeks or 0),
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=int(seconds or 0),
        )
    except OverflowError:
        return None
    return -value if sign == "-" else value


K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V) -> V:
    # The caches below hold what repeats across series and calendars (rule texts); a
    # long-running process meets new ones (each UNTIL is a new text), so they are bounded.
    if len(cache) >= 10_000:
        cache.clear()
    cache[key] = value
    return value


_rules: dict[str, str | None] = {}


def canonical_rule(text: str) -> str | None:
    """The rule as recurring_ical_events passes it to dateutil: icalendar's rewriting of it.

    The rewriting orders the parts (UNTIL right after FREQ, which the UNTIL repairs below
    rely on) and normalises values; rules repeat across series, so each text is done once.
    """
    if text in _rules:
        return _rules[text]
    try:
        parsed = vRecur.from_ical(text)
        rule: str | None = parsed.to_ical().decode()
        if rule_problem(parsed):
            rule = None  # the full path reports it (dateutil would never finish INTERVAL=0)
    except Exception:  # icalendar marks the event broken; the reference says how
        rule = None
    return remember(_rules, text, rule)


_SEQUENCE = re.compile(r"-?[0-9]{1,10}")


def read_sequence(line: Line) -> int | None:
    """SEQUENCE as icalendar reads it; None when it may not be a number (the reference
    decides)."""
    text = line.value
    if line.params.get("VALUE") is not None:
        raise FastPathDeclined("SEQUENCE with a VALUE parameter")
    if not _SEQUENCE.fullmatch(text):
        return None
    value = int(text)
    if not -2_147_483_648 <= value <= 2_147_483_647:
        raise FastPathDeclined(f"SEQUENCE:{text}")
    return value
