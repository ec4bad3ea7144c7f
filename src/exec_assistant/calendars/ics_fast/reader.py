"""The component tree of a file, checked against what icalendar would accept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar.prop import TypesFactory, vText, vUnknown

from exec_assistant.calendars.ics_fast.contract import FastPathDeclined
from exec_assistant.calendars.ics_fast.lines import (
    CLEAN_NAME,
    NO_PARAMS,
    BadLine,
    Line,
    ParamValue,
    parse_line,
)
from exec_assistant.calendars.ics_fast.values import (
    canonical_rule,
    known_zone_id,
    read_duration,
    read_sequence,
    read_when,
    read_when_list,
    require_value_type,
)


@dataclass(eq=False, slots=True)
class Person:
    address: str
    cn: ParamValue | None
    partstat: ParamValue | None


def _person(line: Line) -> Person:
    if line.params.get("VALUE") is not None:
        raise FastPathDeclined(f"{line.name} with a VALUE parameter")
    address = line.value
    if "\r" in address or "\n" in address:  # icalendar refuses it: kept as broken
        raise FastPathDeclined(f"{line.name} with a line break")
    return Person(address, line.params.get("CN"), line.params.get("PARTSTAT"))


@dataclass(eq=False, slots=True)
class Event:
    """One VEVENT, as far as a CalendarEvent and the expansion need it.

    Compared and hashed by identity, like recurring_ical_events' component adapters.
    """

    first_line: int
    last_line: int = 0
    uid: str | None = None
    start: date | None = None
    start_tzid: str | None = None
    end: date | None = None
    duration: timedelta | None = None
    recurrence_id: date | None = None
    rrules: list[str] = field(default_factory=list)
    exdates: list[date] = field(default_factory=list)
    rdates: list[date] = field(default_factory=list)
    has_rrule: bool = False
    has_rdate: bool = False
    has_exdate: bool = False
    sequence: int = -1
    summary: str | None = None
    description: str | None = None
    location: str | None = None
    status: str | None = None
    organizer: Person | None = None
    attendees: list[Person] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    unreadable: bool = False
    """Something icalendar may judge broken: the reference decides."""

    @property
    def recurring(self) -> bool:
        return self.has_rrule or self.has_rdate or self.recurrence_id is not None


@dataclass
class Calendar:
    """One VCALENDAR object of the file (a file may hold several, RFC 5545 §3.4)."""

    lines: list[str]
    """Every line of the file; the spans below index into it."""
    events: list[Event]
    timezone_spans: list[tuple[int, int]]
    name: str | None
    wr_timezone: ZoneInfo | None
    wr_timezone_line: int | None
    """Where X-WR-TIMEZONE is, to hand it on with events the reference is asked about."""


# The properties of a VEVENT that this reader uses; the others cannot change the result
# (icalendar keeps a broken one as "broken" and nothing reads it).
_SINGLE = frozenset(
    {"UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SUMMARY", "DESCRIPTION"}
    | {"LOCATION", "STATUS", "ORGANIZER", "SEQUENCE"}
)
_STRUCTURAL = frozenset({"UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SEQUENCE"})
"""Given twice, these make the reference skip the event, which this reader leaves to it.
The other properties of _SINGLE given twice are read from their first with a notice; this
reader declines those files."""
_EVENT_PROPERTIES = _SINGLE | {"RRULE", "EXDATE", "RDATE", "ATTENDEE", "BEGIN", "END"}
# Common properties nobody reads, recognised without a closer look at their name.
_IGNORED = frozenset(
    {"DTSTAMP", "CREATED", "LAST-MODIFIED", "TRANSP", "CLASS", "PRIORITY", "URL", "GEO"}
    | {"CATEGORIES", "COMMENT", "CONTACT", "RESOURCES", "ATTACH", "RELATED-TO"}
)
_TEXT = ("TEXT",)
_TYPES = TypesFactory.instance()
_DATETIME_NAMES = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID", "DUE", "RDATE", "EXDATE"})


class Reader:
    """The component tree of the file, checked against what icalendar would accept."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._events: list[Event] = []
        self._timezone_spans: list[tuple[int, int]] = []
        self._calendar_lines: list[Line] = []
        self._wr_timezone_line: int | None = None
        self._checked: set[tuple[str, str | None, str, str | None]] = set()
        # Calendars repeat lines (the same attendees on every instance of a series, the
        # same alarm on many events): each distinct line is split once.
        self._parsed: dict[str, Line | None] = {}
        self._people: dict[str, Person] = {}

    def _parse(self, line: str) -> Line | None:
        """The line split as icalendar splits it; None when icalendar cannot split it."""
        try:
            return self._parsed[line]
        except KeyError:
            pass
        try:
            parsed: Line | None = parse_line(line)
        except BadLine:
            parsed = None
        self._parsed[line] = parsed
        return parsed

    def read(self) -> list[Calendar]:
        lines = self._lines
        parse = self._parse
        stack: list[str] = []
        event: Event | None = None
        timezone_start = 0
        calendars: list[Calendar] = []
        for index, line in enumerate(lines):
            if event is not None and len(stack) == 2:
                # Inside a VEVENT: most lines are properties nobody reads, skipped unparsed.
                colon = line.find(":")
                parsed = None
                if colon > 0:
                    semicolon = line.find(";", 0, colon)
                    name = line[: semicolon if semicolon > 0 else colon]
                    if name not in _EVENT_PROPERTIES:
                        if name in _IGNORED:
                            continue
                        if CLEAN_NAME.fullmatch(name) is None:
                            name = ""  # let icalendar say what it is
                        elif name.upper() not in _EVENT_PROPERTIES:
                            continue
                    elif semicolon < 0:
                        # NAME:value, the name one of ours: icalendar splits it the same way.
                        parsed = Line(name, NO_PARAMS, line[colon + 1 :])
                if parsed is None:
                    parsed = parse(line)
                if parsed is None:
                    continue  # icalendar drops a line it cannot split, inside a VEVENT
                if parsed.name not in ("BEGIN", "END"):
                    if parsed.name in ("ATTENDEE", "ORGANIZER"):
                        self._event_person(event, parsed, line)
                    else:
                        self._event_property(event, parsed)
                    continue
            else:
                parsed = parse(line)
                if parsed is None:
                    raise FastPathDeclined("a line icalendar cannot read")
            if parsed.name == "BEGIN":
                name = parsed.value.upper()
                if name == "VCALENDAR":
                    if stack:
                        raise FastPathDeclined("a VCALENDAR inside another component")
                    self._begin_calendar()
                elif not stack:
                    raise FastPathDeclined(f"a {name} outside the VCALENDAR")
                elif name == "VEVENT":
                    if len(stack) != 1:
                        raise FastPathDeclined("a VEVENT inside another component")
                    event = Event(first_line=index)
                elif name == "VTIMEZONE" and len(stack) == 1:
                    timezone_start = index
                stack.append(name)
            elif parsed.name == "END":
                if not stack or stack[-1] != parsed.value.upper():
                    raise FastPathDeclined("END does not match BEGIN")
                ended = stack.pop()
                if ended == "VEVENT" and event is not None:
                    event.last_line = index
                    self._events.append(event)
                    event = None
                elif ended == "VTIMEZONE" and len(stack) == 1:
                    self._timezone_spans.append((timezone_start, index))
                elif not stack:
                    calendars.append(self._end_calendar())
            elif not stack:
                if parsed.name != "X-COMMENT":  # the one property icalendar allows outside
                    raise FastPathDeclined(f"{parsed.name} outside the VCALENDAR")
            elif len(stack) == 1:
                if parsed.name == "X-WR-TIMEZONE":
                    self._wr_timezone_line = index
                self._calendar_lines.append(parsed)
                self._check(parsed)
            else:
                if stack[-1] == "VTIMEZONE" and parsed.name == "TZID":
                    # Only unknown zones are built from their VTIMEZONE, and that may fail.
                    tzid = parsed.value
                    if not (known_zone_id(tzid.strip("/")) or known_zone_id(tzid)):
                        raise FastPathDeclined(f"VTIMEZONE {tzid!r} is not an IANA zone")
                self._check(parsed)
        if stack:  # the reference says how the file ends
            raise FastPathDeclined("the file ends inside a component")
        if not calendars:
            raise FastPathDeclined("no VCALENDAR")
        return calendars

    def _begin_calendar(self) -> None:
        self._events = []
        self._timezone_spans = []
        self._calendar_lines = []
        self._wr_timezone_line = None

    def _end_calendar(self) -> Calendar:
        return Calendar(
            self._lines,
            self._events,
            self._timezone_spans,
            self._calendar_name(),
            self._wr_timezone(),
            self._wr_timezone_line,
        )

    def _event_person(self, event: Event, parsed: Line, line: str) -> None:
        person = self._people.get(line)
        if person is None:
            person = self._people[line] = _person(parsed)
        if parsed.name == "ATTENDEE":
            event.attendees.append(person)
        else:
            if "ORGANIZER" in event.seen:
                raise FastPathDeclined("a VEVENT with two ORGANIZER properties")
            event.seen.add("ORGANIZER")
            event.organizer = person

    def _check(self, line: Line) -> None:
        """Outside VEVENTs icalendar refuses the whole file over one bad value: so do we."""
        name = line.name
        if name[:2] == "X-":
            return  # kept as broken, never fatal
        if name in ("CATEGORIES", "FREEBUSY"):
            raise FastPathDeclined(f"{name} outside a VEVENT")
        if name == "RDATE" and line.raw == "":
            return
        value_type = line.param("VALUE")
        if value_type is not None and not isinstance(value_type, str):
            raise FastPathDeclined("a VALUE parameter with several values")
        factory: Any = _TYPES.for_property(name, value_type.upper() if value_type else None)
        if factory in (vText, vUnknown):
            return  # cannot fail
        tzid = line.param("TZID") if name in _DATETIME_NAMES else None
        if tzid is not None and not isinstance(tzid, str):
            raise FastPathDeclined("a TZID parameter with several values")
        key = (name, value_type, line.raw, tzid)
        if key in self._checked:
            return
        value = line.value
        try:
            parsed = factory.from_ical(value, tzid) if tzid else factory.from_ical(value)
            factory(parsed)
        except Exception as exc:
            raise FastPathDeclined(f"{name}:{value} would not parse: {exc}") from None
        self._checked.add(key)

    def _event_property(self, event: Event, line: Line) -> None:
        name = line.name
        if name in _SINGLE:
            if name in event.seen:
                if name in _STRUCTURAL:
                    event.unreadable = True
                    return
                raise FastPathDeclined(f"a VEVENT with two {name} properties")
            event.seen.add(name)
        if name == "UID":
            require_value_type(line, _TEXT)
            event.uid = line.value
        elif name == "DTSTART":
            event.start = read_when(line)
            tzid = line.param("TZID")
            event.start_tzid = tzid if isinstance(tzid, str) else None
            event.unreadable |= event.start is None
        elif name == "DTEND":
            event.end = read_when(line)
            event.unreadable |= event.end is None
        elif name == "DURATION":
            event.duration = read_duration(line)
            event.unreadable |= event.duration is None
        elif name == "RECURRENCE-ID":
            if line.param("RANGE") is not None:
                raise FastPathDeclined("RECURRENCE-ID with a RANGE")
            event.recurrence_id = read_when(line)
            if event.recurrence_id is None:
                event.unreadable = True
                event.recurrence_id = date.min  # present, as the reference sees it
        elif name == "RRULE":
            if line.params:
                raise FastPathDeclined("RRULE with parameters")
            event.has_rrule = True
            rule = canonical_rule(line.value)
            if rule is None:
                event.unreadable = True
            elif rule not in event.rrules:
                event.rrules.append(rule)
        elif name == "EXDATE":
            event.has_exdate = True
            exdates = read_when_list(line)
            if exdates is None:
                event.unreadable = True
            else:
                event.exdates.extend(exdates)
        elif name == "RDATE":
            if line.raw == "":
                return  # icalendar skips an empty RDATE altogether
            event.has_rdate = True
            rdates = read_when_list(line)
            if rdates is None:
                event.unreadable = True
            else:
                event.rdates.extend(rdates)
        elif name == "SEQUENCE":
            sequence = read_sequence(line)
            if sequence is None:
                event.unreadable = True
            else:
                event.sequence = sequence
        elif name == "SUMMARY":
            require_value_type(line, _TEXT)
            event.summary = line.value
        elif name == "DESCRIPTION":
            require_value_type(line, _TEXT)
            event.description = line.value
        elif name == "LOCATION":
            require_value_type(line, _TEXT)
            event.location = line.value
        elif name == "STATUS":
            require_value_type(line, _TEXT)
            event.status = line.value

    def _single(self, name: str) -> Line | None:
        found = [line for line in self._calendar_lines if line.name == name]
        if len(found) > 1:
            raise FastPathDeclined(f"two {name} properties")
        return found[0] if found else None

    def _unknown_value(self, name: str) -> str | None:
        """An X- property's value: verbatim, unless it is declared TEXT (then unescaped)."""
        line = self._single(name)
        if line is None:
            return None
        value_type = line.param("VALUE")
        if value_type is None:
            return line.raw
        if isinstance(value_type, str) and value_type.upper() == "TEXT":
            return line.value
        raise FastPathDeclined(f"{name} with VALUE={value_type}")

    def _calendar_name(self) -> str | None:
        calscale = self._single("CALSCALE")
        if calscale is not None and calscale.value != "GREGORIAN":
            raise FastPathDeclined("a calendar scale other than GREGORIAN")
        return self._unknown_value("X-WR-CALNAME") or None

    def _wr_timezone(self) -> ZoneInfo | None:
        name = self._unknown_value("X-WR-TIMEZONE")
        if name is None:
            return None
        try:
            return ZoneInfo(name)
        except Exception:  # the reference then expands event by event, without it
            raise FastPathDeclined(f"X-WR-TIMEZONE {name!r} is not a zone") from None
