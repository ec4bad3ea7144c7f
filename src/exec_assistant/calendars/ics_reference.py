"""The reference reading of iCalendar data: icalendar parses, recurring_ical_events expands.

This is what a calendar means to the product. The fast reader (`ics_fast`) must give exactly
what this gives, and asks it about the events it cannot judge. Beyond the two libraries it
reads a stream of several VCALENDAR objects (RFC 5545 §3.4), each with its own time zones
and X-WR-TIMEZONE; skips an event it cannot read with a warning that names the property and
its value; and gives an event without a UID one derived from its start, title and organizer.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.parser.ical.calendar import CalendarIcalParser
from icalendar.prop import vBroken, vText

from exec_assistant.calendars.event_fields import (
    DESCRIPTION_LIMIT,
    LOCATION_LIMIT,
    NAME_LIMIT,
    PARTSTAT,
    TITLE_LIMIT,
    clean_text,
    derived_uid,
    param_text,
)
from exec_assistant.calendars.rules import rule_problem, unreadable_rule_problem
from exec_assistant.calendars.wording import derived_uids, describe_event, noticed, quoted, skipped
from exec_assistant.domain.errors import CalendarUnavailable
from exec_assistant.domain.models import Attendee, CalendarEvent, ResponseStatus

log = logging.getLogger(__name__)

TRUNCATED = "the file ends before END:VCALENDAR: it may be truncated"
TRUNCATED_HINT = "Download or export the calendar again; meetings already stored are kept."


@dataclass
class ReferenceRead:
    name: str | None
    """X-WR-CALNAME of the first VCALENDAR that has a non-empty one."""
    events: list[CalendarEvent]
    event_warnings: list[str]
    """One per event skipped or read with care, in the order of the file."""
    derived: int
    """How many events had no UID and were given one."""

    @property
    def warnings(self) -> list[str]:
        summary = [derived_uids(self.derived)] if self.derived else []
        return [*self.event_warnings, *summary]


class ReferenceReader:
    def __init__(self, *, calendar_id: str, default_zone: ZoneInfo, location: str) -> None:
        self._calendar_id = calendar_id
        self._default_zone = default_zone
        self._location = location

    def read(self, data: bytes, window_start: datetime, window_end: datetime) -> ReferenceRead:
        """The events of `data` overlapping the window; raises CalendarUnavailable."""
        calendars = parse_stream(data, self._location)
        name: str | None = None
        events: list[CalendarEvent] = []
        warnings: list[str] = []
        derived = 0
        for calendar in calendars:
            name = name or _calendar_name(calendar)
            _check_wr_timezone(calendar, warnings, self._default_zone.key)
            uids = _prepare(calendar, warnings, self._default_zone.key)
            derived += uids.count
            recurring = _recurring_uids(calendar)
            for component in _expand(calendar, window_start, window_end, warnings, uids.derived):
                try:
                    events.append(self._to_event(component, recurring))
                except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
                    log.debug("event conversion failed", exc_info=True)
                    problem = _conversion_problem(component, exc)
                    warnings.append(skipped(_describe(component, uids.derived), problem))
        return ReferenceRead(name, events, warnings, derived)

    def drop_warnings(self, calendar_text: str) -> list[str]:
        """The warnings for the VEVENTs of this calendar that are skipped as unreadable."""
        try:
            calendars = parse_stream(calendar_text.encode(), self._location)
        except CalendarUnavailable:
            return []  # the fast reader then declines the whole file
        warnings: list[str] = []
        for calendar in calendars:
            for component in calendar.subcomponents:
                if component.name == "VEVENT":
                    problem = event_problem(component)
                    if problem is not None:
                        warnings.append(skipped(_describe(component, set()), problem))
        return warnings

    def expansion_warnings(
        self, calendar_text: str, window_start: datetime, window_end: datetime
    ) -> list[str]:
        """The warnings about the events of this calendar (not the summary of derived UIDs)."""
        try:
            return self.read(calendar_text.encode(), window_start, window_end).event_warnings
        except CalendarUnavailable:
            return []

    def _to_event(self, component: Any, recurring: set[str]) -> CalendarEvent:
        uid = str(component["UID"])
        start_value = component["DTSTART"].dt
        all_day = isinstance(start_value, date) and not isinstance(start_value, datetime)
        start = self._instant(start_value)
        if "DTEND" in component:
            end = self._instant(component["DTEND"].dt)
        elif "DURATION" in component:
            end = start + component["DURATION"].dt
        else:
            end = start + (timedelta(days=1) if all_day else timedelta(0))
        end = max(end, start)
        recurrence_id = None
        if uid in recurring and "RECURRENCE-ID" in component:
            recurrence_id = self._instant(component["RECURRENCE-ID"].dt)
        organizer = _person(_first(component.get("ORGANIZER")), ResponseStatus.ACCEPTED)
        attendees = tuple(
            a
            for a in (
                _person(r, ResponseStatus.NEEDS_ACTION) for r in _values(component, "ATTENDEE")
            )
            if a
        )
        return CalendarEvent(
            calendar_id=self._calendar_id,
            uid=uid,
            recurrence_id=recurrence_id,
            title=clean_text(_text(component, "SUMMARY"), TITLE_LIMIT) or "(no title)",
            description=clean_text(_text(component, "DESCRIPTION"), DESCRIPTION_LIMIT),
            location=clean_text(_text(component, "LOCATION"), LOCATION_LIMIT),
            start=start,
            end=end,
            timezone=self._zone_name(start_value),
            all_day=all_day,
            cancelled=_text(component, "STATUS").upper() == "CANCELLED",
            organizer=organizer,
            attendees=attendees,
        )

    def _instant(self, value: date | datetime) -> datetime:
        if not isinstance(value, datetime):
            return datetime.combine(value, time(0), tzinfo=self._default_zone).astimezone(UTC)
        if value.tzinfo is None:
            # Floating time: the executive's own wall clock.
            return value.replace(tzinfo=self._default_zone).astimezone(UTC)
        return value.astimezone(UTC)

    def _zone_name(self, value: date | datetime) -> str:
        zone: tzinfo | None = value.tzinfo if isinstance(value, datetime) else None
        if zone is None:
            return self._default_zone.key
        key = getattr(zone, "key", None)
        if key:
            return str(key)
        if value.utcoffset() == timedelta(0):  # type: ignore[union-attr]
            return "UTC"
        return self._default_zone.key


# --------------------------------------------------------------------------------------------
# The stream
# --------------------------------------------------------------------------------------------


class _FileProblem(Exception):
    """What makes the whole file unreadable, worded for the user."""


class _StreamParser(CalendarIcalParser):
    """icalendar's parser, with the file-level errors it raises worded for a person."""

    def handle_property(self, name: str, params: Any, vals: str, line: Any) -> None:
        if self.component is None and name != "X-COMMENT":
            raise _FileProblem(f"{name} appears outside BEGIN:VCALENDAR … END:VCALENDAR")
        super().handle_property(name, params, vals, line)

    def handle_end_component(self, vals: str) -> None:
        if self.component is None:
            raise _FileProblem(f"END:{vals.upper()} has no BEGIN:{vals.upper()} before it")
        super().handle_end_component(vals)

    def handle_line_parse_error(self, exception: Exception) -> None:
        component = self.component
        if component is None or not component.ignore_exceptions:
            raise _FileProblem(_unreadable_line(exception)) from None
        super().handle_line_parse_error(exception)

    def handle_property_parse_error(
        self, exception: Exception, name: str, params: Any, val: str, line: Any
    ) -> None:
        component = self.component
        if component is not None and not component.ignore_exceptions and name[:2] != "X-":
            raise _FileProblem(
                f"{name} in {component.name} has a value that cannot be read: {quoted(val)}"
            ) from None
        super().handle_property_parse_error(exception, name, params, val, line)


_CONTENT_LINE_ERROR = re.compile(r"Content line could not be parsed into parts: '(.*)': ", re.S)


def _unreadable_line(exception: Exception) -> str:
    match = _CONTENT_LINE_ERROR.match(str(exception))
    if match is None:
        return "a line is not NAME:value"
    return f"a line is not NAME:value: {quoted(match.group(1))}"


def parse_stream(data: bytes, location: str) -> list[icalendar.Calendar]:
    """Every VCALENDAR object of the file (RFC 5545 §3.4: a stream may hold several)."""
    if not _ends_with_end_vcalendar(data):
        raise CalendarUnavailable(location, TRUNCATED, hint=TRUNCATED_HINT)
    parser = _StreamParser(data, icalendar.ComponentFactory(), icalendar.Calendar.types_factory)
    try:
        components = parser.parse()
    except _FileProblem as exc:
        raise CalendarUnavailable(location, f"not valid iCalendar: {exc}") from None
    except Exception as exc:  # icalendar raises several types for what it cannot read
        log.debug("calendar parse failed", exc_info=True)
        raise CalendarUnavailable(
            location, f"not valid iCalendar: it cannot be read ({type(exc).__name__})"
        ) from None
    open_component = parser.component
    if open_component is not None:
        inside = "" if open_component.name == "VCALENDAR" else f" inside a {open_component.name}"
        raise CalendarUnavailable(
            location,
            f"the file ends{inside} before END:VCALENDAR: it may be truncated, "
            "or an END line is missing",
            hint=TRUNCATED_HINT,
        )
    for component in components:
        if component.name != "VCALENDAR":
            raise CalendarUnavailable(
                location,
                f"not valid iCalendar: a {component.name} outside BEGIN:VCALENDAR … END:VCALENDAR",
            )
    if not components:
        raise CalendarUnavailable(location, "not an iCalendar file (no BEGIN:VCALENDAR)")
    return [component for component in components if isinstance(component, icalendar.Calendar)]


_END_VCALENDAR = re.compile(rb"^END:VCALENDAR", re.IGNORECASE | re.MULTILINE)
_BEGIN_VCALENDAR = re.compile(rb"^BEGIN:VCALENDAR", re.IGNORECASE | re.MULTILINE)


def _ends_with_end_vcalendar(data: bytes) -> bool:
    """Whether the last VCALENDAR of the file is closed: a cheap look before parsing, so that
    a file cut in the middle of a line is reported as cut, not as a bad line."""
    for part in (data[-65536:], data):  # the end of a file is nearly always near its end
        last_end = -1
        for match in _END_VCALENDAR.finditer(part):
            last_end = match.end()
        if last_end >= 0:
            return _BEGIN_VCALENDAR.search(part, last_end) is None
    return False


def _check_wr_timezone(calendar: icalendar.Calendar, warnings: list[str], default: str) -> None:
    """X-WR-TIMEZONE moves floating and UTC times into a zone; a name that is no zone would
    fail every series, so it is left out, with a word."""
    value = calendar.get("X-WR-TIMEZONE")
    if value is None:
        return
    try:
        ZoneInfo(str(value))
    except Exception:  # zoneinfo raises several types for a bad key
        del calendar["X-WR-TIMEZONE"]
        warnings.append(
            f"X-WR-TIMEZONE {quoted(str(_first(value)))} is not a time zone; it is left out, "
            f"and times without a zone are read as {default} time"
        )


def _calendar_name(calendar: icalendar.Calendar) -> str | None:
    value = _first(calendar.get("X-WR-CALNAME"))
    return str(value) if value else None


# --------------------------------------------------------------------------------------------
# Events that cannot be read, and events without a UID
# --------------------------------------------------------------------------------------------

_ONCE = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SEQUENCE")
"""At most once in a VEVENT (RFC 5545 §3.6.1), and the event cannot be placed without knowing
which one is meant."""
_TEXT_ONCE = ("SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "ORGANIZER")
"""At most once too, but the first one is a fair reading."""
_DATED = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
OVERRIDE_WITHOUT_UID = (
    "it changes one occurrence of a series (RECURRENCE-ID) but has no UID, "
    "so the series it belongs to is unknown"
)


def event_problem(component: Any) -> str | None:
    """Why this VEVENT cannot be read, or None. The event is then skipped with a warning."""
    for name in _ONCE:
        count = len(_values(component, name))
        if count > 1:
            return f"{name} appears {count} times; an event has at most one"
    if "DTSTART" not in component:
        return "it has no DTSTART"
    if not _first(component.get("UID")) and "RECURRENCE-ID" in component:
        return OVERRIDE_WITHOUT_UID
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "DURATION", "SEQUENCE"):
        for value in _values(component, name):
            problem = _value_problem(name, value)
            if problem:
                return problem
    for name in ("RRULE", "EXDATE", "RDATE"):
        for value in _values(component, name):
            problem = _value_problem(name, value)
            if problem:
                return problem
    return None


def _value_problem(name: str, value: Any) -> str | None:
    if isinstance(value, vBroken):
        raw = str(value)
        tzid = value.params.get("TZID")
        if name in _DATED and isinstance(tzid, list):
            return f"{name} names several time zones: {quoted(','.join(map(str, tzid)))}"
        if name == "RRULE":
            return f"RRULE: {unreadable_rule_problem(raw)}"
        return f"{name} has a value that is not {_EXPECTED[name]}: {quoted(raw)}"
    if name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        if not isinstance(value.dt, date):
            return f"{name} has a value that is not {_EXPECTED[name]}: {quoted(_raw(value))}"
    elif name == "DURATION":
        if not isinstance(value.dt, timedelta):
            return f"DURATION has a value that is not {_EXPECTED[name]}: {quoted(_raw(value))}"
    elif name in ("EXDATE", "RDATE"):
        for item in value.dts:
            if not (isinstance(item.dt, date) or (name == "RDATE" and isinstance(item.dt, tuple))):
                return f"{name} has a value that is not {_EXPECTED[name]}: {quoted(_raw(value))}"
    elif name == "RRULE":
        problem = rule_problem(value)
        if problem:
            return f"RRULE: {problem}"
    return None


_EXPECTED = {
    "DTSTART": "a date or time",
    "DTEND": "a date or time",
    "RECURRENCE-ID": "a date or time",
    "EXDATE": "a date or time",
    "RDATE": "a date, time or period",
    "DURATION": "a duration such as PT1H",
    "SEQUENCE": "a whole number",
}


def _notices(component: Any, zones: _OwnZones, default_zone: str) -> list[str]:
    """What is odd about an event that is read all the same."""
    notices = []
    repeated = [(n, c) for n in _TEXT_ONCE if (c := len(_values(component, n))) > 1]
    if repeated:
        which = ", ".join(f"{name} appears {count} times" for name, count in repeated)
        notices.append(
            which + ("; the first is used" if len(repeated) == 1 else "; the first of each is used")
        )
    for tzid in zones.attach(component):
        notices.append(
            f"time zone {quoted(tzid)} is unknown (no VTIMEZONE in the file defines it); "
            f"its times are read as {default_zone} time"
        )
    return notices


@dataclass
class _Uids:
    derived: set[str]
    count: int


def _prepare(calendar: icalendar.Calendar, warnings: list[str], default_zone: str) -> _Uids:
    """Skip the VEVENTs that cannot be read, so one bad event does not sink the calendar;
    put this object's own time zones on the rest, and a UID on those without one."""
    zones = _OwnZones(calendar)
    uids = _Uids(set(), 0)
    kept = []
    for component in calendar.subcomponents:
        if component.name != "VEVENT":
            kept.append(component)
            continue
        problem = event_problem(component)
        if problem is not None:
            warnings.append(skipped(_describe(component, uids.derived), problem))
            continue
        notices = _notices(component, zones, default_zone)
        if not _first(component.get("UID")):
            uid = _derive_uid(component)
            component["UID"] = vText(uid)
            uids.derived.add(uid)
            uids.count += 1
        if notices:
            warnings.append(noticed(_describe(component, uids.derived), "; ".join(notices)))
        kept.append(component)
    calendar.subcomponents = kept
    return uids


def _derive_uid(component: Any) -> str:
    start = component["DTSTART"]
    tzid = start.params.get("TZID")
    organizer = _first(component.get("ORGANIZER"))
    return derived_uid(
        start.dt,
        tzid if isinstance(tzid, str) else None,
        _text(component, "SUMMARY") or None,
        str(organizer) if organizer is not None else None,
    )


class _OwnZones:
    """The time zones an object defines with VTIMEZONE, for its own events.

    icalendar keeps one zone per TZID for the whole process, built from the first VTIMEZONE
    it met with that name: two objects (or two files) that both define "Customized Time
    Zone" differently would share the first one. Here each object's events get the zone its
    own VTIMEZONE describes, and a TZID nothing in the object defines is a floating time.
    """

    def __init__(self, calendar: icalendar.Calendar) -> None:
        self._definitions = {
            str(c["TZID"]): c
            for c in calendar.subcomponents
            if isinstance(c, icalendar.Timezone) and "TZID" in c
        }
        self._built: dict[str, tzinfo | None] = {}

    def attach(self, component: Any) -> list[str]:
        """Set this object's zones on the event's times; the TZIDs no zone was found for."""
        unknown: list[str] = []
        for name in _DATED:
            for value in _values(component, name):
                tzid = value.params.get("TZID")
                if not isinstance(tzid, str):
                    continue
                for holder in getattr(value, "dts", None) or [value]:
                    dt, known = self._retimed(holder.dt, tzid)
                    holder.dt = dt
                    if not known and tzid not in unknown:
                        unknown.append(tzid)
        return unknown

    def _retimed(self, value: Any, tzid: str) -> tuple[Any, bool]:
        if isinstance(value, tuple):
            parts = [self._retimed(part, tzid) for part in value]
            return tuple(p for p, _ in parts), all(known for _, known in parts)
        if not isinstance(value, datetime):
            return value, True
        if value.tzinfo is None:
            return value, False  # icalendar knew no zone of that name
        if isinstance(value.tzinfo, ZoneInfo):
            return value, True
        zone = self._zone(tzid)
        return value.replace(tzinfo=zone), zone is not None

    def _zone(self, tzid: str) -> tzinfo | None:
        if tzid not in self._built:
            definition = self._definitions.get(tzid)
            zone = None
            if definition is not None:
                try:
                    zone = definition.to_tz(lookup_tzid=False)
                except Exception:  # a definition icalendar cannot build: no zone
                    log.debug("VTIMEZONE not built", exc_info=True)
            self._built[tzid] = zone
        return self._built[tzid]


def _recurring_uids(calendar: icalendar.Calendar) -> set[str]:
    return {
        str(c["UID"])
        for c in calendar.walk("VEVENT")
        if "RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c
    }


# --------------------------------------------------------------------------------------------
# Expansion
# --------------------------------------------------------------------------------------------


def _expand(
    calendar: icalendar.Calendar,
    start: datetime,
    end: datetime,
    warnings: list[str],
    derived: set[str],
) -> list[Any]:
    try:
        return list(recurring_ical_events.of(calendar).between(start, end))
    except Exception:  # a series the expander rejects: find the one to blame
        log.info("calendar expansion failed; expanding series one by one")
    by_uid: dict[str, list[Any]] = defaultdict(list)
    others = []
    for component in calendar.subcomponents:
        if component.name == "VEVENT":
            by_uid[str(component["UID"])].append(component)
        else:
            others.append(component)
    occurrences: list[Any] = []
    for components in by_uid.values():
        single = icalendar.Calendar()
        if "X-WR-TIMEZONE" in calendar:  # the other series keep the calendar's zone
            single["X-WR-TIMEZONE"] = calendar["X-WR-TIMEZONE"]
        single.subcomponents = [*others, *components]
        try:
            occurrences.extend(list(recurring_ical_events.of(single).between(start, end)))
        except Exception as exc:
            log.debug("series expansion failed", exc_info=True)
            first = components[0]
            warnings.append(skipped(_describe(first, derived), _expansion_problem(first, exc)))
    return occurrences


def _out_of_range(exc: Exception) -> bool:
    return isinstance(exc, OverflowError) or "out of range" in str(exc)


def _expansion_problem(component: Any, exc: Exception) -> str:
    if _out_of_range(exc):
        return f"its dates fall outside the years 1 to 9999 once worked out ({_timing(component)})"
    return f"its occurrences cannot be worked out from {_timing(component)}"


def _conversion_problem(component: Any, exc: Exception) -> str:
    if _out_of_range(exc):
        return f"its times fall outside the years 1 to 9999 in UTC ({_timing(component)})"
    return f"its times cannot be read ({_timing(component)})"


def _timing(component: Any) -> str:
    """DTSTART '20261201T100000', RRULE 'FREQ=DAILY;BYSETPOS=0': what places the event."""
    facts = []
    for name in ("DTSTART", "DTEND", "DURATION", "RRULE"):
        for value in _values(component, name):
            facts.append(f"{name} {quoted(_raw(value))}")
    return ", ".join(facts) or "no dates"


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _values(component: Any, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(component: Any, name: str) -> str:
    value = _first(component.get(name))
    return str(value) if value is not None else ""


def _raw(value: Any) -> str:
    if isinstance(value, str):
        return str(value)
    try:
        raw = value.to_ical()
    except Exception:  # a value icalendar cannot write back: show what Python sees
        return str(getattr(value, "dt", value))
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _describe(component: Any, derived: set[str]) -> str:
    uid = _first(component.get("UID"))
    uid_text = str(uid) if uid else None
    if uid_text in derived:
        uid_text = None
    return describe_event(_text(component, "SUMMARY") or None, uid_text)


def _person(value: Any, default_response: ResponseStatus) -> Attendee | None:
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
