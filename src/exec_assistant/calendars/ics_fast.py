"""A fast reader for iCalendar files, for what calendars really publish.

The reference path in `ics.py` (icalendar, then recurring_ical_events) builds an object for
every property of every event and copies every occurrence with all of its attendees; on a
large calendar that is most of a sync. This module reads the same bytes straight into what
a CalendarEvent needs and expands series with dateutil.

It must give exactly what the reference gives: the same events and the same warnings. So
the expansion below is a port of recurring_ical_events' own rules (window overlap, EXDATE
matching, RECURRENCE-ID overrides, its UNTIL repairs), not a fresh reading of RFC 5545, and
the reader accepts only values whose meaning it knows to be the same as icalendar's.
Anything else raises `FastPathDeclined`, and the caller reads the whole file the reference
way. An event this reader cannot read, or a series it cannot expand, is not judged here: the
reference path is asked, on that event or series alone, whether it is broken and with which
warning, so the wording is its own and the rest of the file stays on the fast path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol, TypeVar, cast
from zoneinfo import ZoneInfo, available_timezones

from dateutil.rrule import rrule, rruleset, rrulestr
from icalendar.parser import Contentline
from icalendar.prop import TypesFactory, vDDDTypes, vRecur, vText, vUnknown

from exec_assistant.calendars.rules import rule_problem
from exec_assistant.domain.models import Attendee, CalendarEvent, ResponseStatus

# A parameter value as icalendar gives it: one string, or a list when it was comma-separated.
ParamValue = str | list[str]
Params = dict[str, ParamValue]


class FastPathDeclined(Exception):
    """The file uses something this reader does not reproduce exactly; read it in full."""


class Reference(Protocol):
    """The reference path, asked about single events this reader could not judge."""

    def drop_warnings(self, calendar_text: str) -> list[str]:
        """The warnings for the VEVENTs of this calendar that the reference drops as broken."""
        ...

    def expansion_warnings(self, calendar_text: str) -> list[str]:
        """The warnings of a whole reference fetch of this calendar."""
        ...


@dataclass(frozen=True)
class FastFetch:
    name: str | None
    """X-WR-CALNAME, when the calendar has a non-empty one."""
    events: list[CalendarEvent]
    warnings: list[str]


def read_fast(
    data: bytes,
    *,
    calendar_id: str,
    default_zone: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    reference: Reference,
) -> FastFetch:
    """The events of `data` overlapping the window, as the reference path would give them."""
    lines = _unfold(_decode(data))
    calendar = _Reader(lines).read()
    return _Expander(calendar, calendar_id, default_zone, window_start, window_end, reference).run()


# --------------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    # As icalendar decodes, so that a stray byte turns into the same replacement character.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", "replace")


# icalendar's unfolding: a line break, any blank lines after it, then a space or tab.
_FOLD = re.compile(r"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]")
_BLANK_LINES_THEN_FOLD = re.compile(r"\n(?:\r?\n)+[ \t]")


def _unfold(text: str) -> list[str]:
    if _BLANK_LINES_THEN_FOLD.search(text):
        text = _FOLD.sub("", text)
    else:
        # Without blank lines before a continuation, the fold is just "line break + one
        # space or tab"; plain replacements do the same as _FOLD several times faster.
        text = (
            text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").replace("\n\t", "")
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # a lone CR stays part of its line, as in icalendar
    return [line for line in text.split("\n") if line]


_TOKEN = r"[A-Za-z0-9-]+"
# Parameter values this reader takes as they are: icalendar would give back the same string.
# Excluded, and so left to icalendar: backslashes and carets (both are unescaped), commas
# outside quotes (lists), tabs, control characters, and "=" or spaces outside quotes (it
# strips spaces next to ";" and "=", even inside a value).
_QUOTED = r'"[^\x00-\x1f\x7f"\\^]*"'
_UNQUOTED = r'[^\x00-\x20\x7f";:,=\\^](?:[^\x00-\x1f\x7f";:,=\\^]*[^\x00-\x20\x7f";:,=\\^])?'
_HEAD = re.compile(rf"({_TOKEN})((?:;{_TOKEN}=(?:{_QUOTED}|{_UNQUOTED}))*):")
_PARAM = re.compile(rf";({_TOKEN})=({_QUOTED}|{_UNQUOTED})")
_CLEAN_NAME = re.compile(_TOKEN)
_BACKSLASH_ESCAPE = re.compile(r"\\([\\,;:nN])")


def _unescape(value: str) -> str:
    """icalendar's unescaping of a property value: \\n and \\N are line breaks."""
    if "\\" not in value:
        return value
    return _BACKSLASH_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


@dataclass(slots=True)
class _Line:
    name: str
    """Upper case, as icalendar keys properties."""
    params: Params
    raw: str
    """The value as written, before unescaping."""

    @property
    def value(self) -> str:
        return _unescape(self.raw)

    def param(self, key: str) -> ParamValue | None:
        return self.params.get(key)


_NO_PARAMS: Params = {}  # shared by every line without parameters; never changed


class _BadLine(Exception):
    """icalendar cannot split this line into name, parameters and value."""


def _parse_line(line: str) -> _Line:
    match = _HEAD.match(line)
    if match is not None:
        params: Params = {}
        if match.group(2):
            for key, value in _PARAM.findall(match.group(2)):
                params[key.upper()] = value[1:-1] if value[:1] == '"' else value
        return _Line(match.group(1).upper(), params, line[match.end() :])
    # Anything unusual is split by icalendar itself, so its reading is the one used.
    try:
        content = cast(Any, Contentline)(line)
        name, icalendar_params, raw = content.raw_parts()
    except (ValueError, AssertionError) as exc:
        raise _BadLine(str(exc)) from None
    params = {}
    for key, value in icalendar_params.items():
        params[str(key).upper()] = (
            [str(v) for v in value] if isinstance(value, list) else str(value)
        )
    return _Line(str(name).upper(), params, str(raw))


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

_ICAL_UTC = ZoneInfo("UTC")  # what icalendar attaches to a value ending in Z
_available: set[str] | None = None
_zones: dict[str, ZoneInfo] = {}


def _known_zone_id(key: str) -> bool:
    global _available
    if _available is None:
        _available = available_timezones()
    return key in _available


def _zone(tzid: ParamValue) -> ZoneInfo:
    """The zone of a TZID, when icalendar would resolve it to that same IANA zone."""
    if not isinstance(tzid, str):
        raise FastPathDeclined("a TZID parameter with several values")
    zone = _zones.get(tzid)
    if zone is None:
        # icalendar tries the zoneinfo key first; other names it maps (Windows names, vendor
        # prefixes, VTIMEZONE definitions) are left to it.
        if tzid != tzid.strip("/") or not _known_zone_id(tzid):
            raise FastPathDeclined(f"TZID {tzid!r} is not an IANA time zone name")
        zone = _zones[tzid] = ZoneInfo(tzid)
    return zone


def _value_type(line: _Line, allowed: tuple[str, ...]) -> None:
    value_type = line.param("VALUE")
    if value_type is None:
        return
    if not isinstance(value_type, str) or value_type.upper() not in allowed:
        raise FastPathDeclined(f"{line.name} with VALUE={value_type}")


def _instant_value(text: str, zone: ZoneInfo | None) -> date | None:
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


def _when(line: _Line) -> date | None:
    _value_type(line, ("DATE", "DATE-TIME"))
    tzid = line.param("TZID")
    return _instant_value(line.value, _zone(tzid) if tzid else None)


def _when_list(line: _Line) -> list[date] | None:
    _value_type(line, ("DATE", "DATE-TIME"))
    tzid = line.param("TZID")
    zone = _zone(tzid) if tzid else None
    values: list[date] = []
    for text in line.value.split(","):
        if "/" in text or text.upper().startswith(("P", "-P", "+P")):
            raise FastPathDeclined(f"{line.name} with a period or duration")
        value = _instant_value(text, zone)
        if value is None:
            return None
        values.append(value)
    return values


_DURATION = re.compile(
    r"([-+]?)P(?:([0-9]+)W)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?\Z"
)


def _duration(line: _Line) -> timedelta | None:
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


def _remember(cache: dict[K, V], key: K, value: V) -> V:
    # The caches below hold what repeats across series and calendars (rule texts); a
    # long-running process meets new ones (each UNTIL is a new text), so they are bounded.
    if len(cache) >= 10_000:
        cache.clear()
    cache[key] = value
    return value


_rules: dict[str, str | None] = {}


def _canonical_rule(text: str) -> str | None:
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
    return _remember(_rules, text, rule)


_SEQUENCE = re.compile(r"-?[0-9]{1,10}")


def _sequence(line: _Line) -> int:
    text = line.value
    if line.params.get("VALUE") is not None or not _SEQUENCE.fullmatch(text):
        raise FastPathDeclined(f"SEQUENCE:{text}")
    value = int(text)
    if not -2_147_483_648 <= value <= 2_147_483_647:
        raise FastPathDeclined(f"SEQUENCE:{text}")
    return value


# --------------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Person:
    address: str
    cn: ParamValue | None
    partstat: ParamValue | None


def _person(line: _Line) -> _Person:
    if line.params.get("VALUE") is not None:
        raise FastPathDeclined(f"{line.name} with a VALUE parameter")
    address = line.value
    if "\r" in address or "\n" in address:  # icalendar refuses it: kept as broken
        raise FastPathDeclined(f"{line.name} with a line break")
    return _Person(address, line.params.get("CN"), line.params.get("PARTSTAT"))


@dataclass(eq=False, slots=True)
class _Event:
    """One VEVENT, as far as a CalendarEvent and the expansion need it.

    Compared and hashed by identity, like recurring_ical_events' component adapters.
    """

    first_line: int
    last_line: int = 0
    uid: str | None = None
    start: date | None = None
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
    organizer: _Person | None = None
    attendees: list[_Person] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    unreadable: bool = False
    """Something icalendar may judge broken: the reference decides."""

    @property
    def recurring(self) -> bool:
        return self.has_rrule or self.has_rdate or self.recurrence_id is not None


@dataclass
class _Calendar:
    lines: list[str]
    events: list[_Event]
    timezone_spans: list[tuple[int, int]]
    name: str | None
    wr_timezone: ZoneInfo | None


# The properties of a VEVENT that this reader uses; the others cannot change the result
# (icalendar keeps a broken one as "broken" and nothing reads it).
_SINGLE = frozenset(
    {"UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SUMMARY", "DESCRIPTION"}
    | {"LOCATION", "STATUS", "ORGANIZER", "SEQUENCE"}
)
_EVENT_PROPERTIES = _SINGLE | {"RRULE", "EXDATE", "RDATE", "ATTENDEE", "BEGIN", "END"}
# Common properties nobody reads, recognised without a closer look at their name.
_IGNORED = frozenset(
    {"DTSTAMP", "CREATED", "LAST-MODIFIED", "TRANSP", "CLASS", "PRIORITY", "URL", "GEO"}
    | {"CATEGORIES", "COMMENT", "CONTACT", "RESOURCES", "ATTACH", "RELATED-TO"}
)
_TEXT = ("TEXT",)
_TYPES = TypesFactory.instance()
_DATETIME_NAMES = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID", "DUE", "RDATE", "EXDATE"})


class _Reader:
    """The component tree of the file, checked against what icalendar would accept."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._events: list[_Event] = []
        self._timezone_spans: list[tuple[int, int]] = []
        self._calendar_lines: list[_Line] = []
        self._checked: set[tuple[str, str | None, str, str | None]] = set()
        # Calendars repeat lines (the same attendees on every instance of a series, the
        # same alarm on many events): each distinct line is split once.
        self._parsed: dict[str, _Line | None] = {}
        self._people: dict[str, _Person] = {}

    def _parse(self, line: str) -> _Line | None:
        """The line split as icalendar splits it; None when icalendar cannot split it."""
        try:
            return self._parsed[line]
        except KeyError:
            pass
        try:
            parsed: _Line | None = _parse_line(line)
        except _BadLine:
            parsed = None
        self._parsed[line] = parsed
        return parsed

    def read(self) -> _Calendar:
        lines = self._lines
        parse = self._parse
        stack: list[str] = []
        event: _Event | None = None
        timezone_start = 0
        calendars = 0
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
                        if _CLEAN_NAME.fullmatch(name) is None:
                            name = ""  # let icalendar say what it is
                        elif name.upper() not in _EVENT_PROPERTIES:
                            continue
                    elif semicolon < 0:
                        # NAME:value, the name one of ours: icalendar splits it the same way.
                        parsed = _Line(name, _NO_PARAMS, line[colon + 1 :])
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
                    if stack or calendars:
                        raise FastPathDeclined("nested or several VCALENDARs")
                    calendars += 1
                elif not stack:
                    raise FastPathDeclined(f"a {name} outside the VCALENDAR")
                elif name == "VEVENT":
                    if len(stack) != 1:
                        raise FastPathDeclined("a VEVENT inside another component")
                    event = _Event(first_line=index)
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
                if parsed.name != "X-COMMENT":  # the one property icalendar allows outside
                    raise FastPathDeclined(f"{parsed.name} outside the VCALENDAR")
            elif len(stack) == 1:
                self._calendar_lines.append(parsed)
                self._check(parsed)
            else:
                if stack[-1] == "VTIMEZONE" and parsed.name == "TZID":
                    # Only unknown zones are built from their VTIMEZONE, and that may fail.
                    tzid = parsed.value
                    if not (_known_zone_id(tzid.strip("/")) or _known_zone_id(tzid)):
                        raise FastPathDeclined(f"VTIMEZONE {tzid!r} is not an IANA zone")
                self._check(parsed)
        if stack or calendars != 1:
            raise FastPathDeclined("not exactly one complete VCALENDAR")
        return _Calendar(
            lines,
            self._events,
            self._timezone_spans,
            self._calendar_name(),
            self._wr_timezone(),
        )

    def _event_person(self, event: _Event, parsed: _Line, line: str) -> None:
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

    def _check(self, line: _Line) -> None:
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

    def _event_property(self, event: _Event, line: _Line) -> None:
        name = line.name
        if name in _SINGLE:
            if name in event.seen:
                raise FastPathDeclined(f"a VEVENT with two {name} properties")
            event.seen.add(name)
        if name == "UID":
            _value_type(line, _TEXT)
            event.uid = line.value
        elif name == "DTSTART":
            event.start = _when(line)
            event.unreadable |= event.start is None
        elif name == "DTEND":
            event.end = _when(line)
            event.unreadable |= event.end is None
        elif name == "DURATION":
            event.duration = _duration(line)
            event.unreadable |= event.duration is None
        elif name == "RECURRENCE-ID":
            if line.param("RANGE") is not None:
                raise FastPathDeclined("RECURRENCE-ID with a RANGE")
            event.recurrence_id = _when(line)
            if event.recurrence_id is None:
                event.unreadable = True
                event.recurrence_id = date.min  # present, as the reference sees it
        elif name == "RRULE":
            if line.params:
                raise FastPathDeclined("RRULE with parameters")
            event.has_rrule = True
            rule = _canonical_rule(line.value)
            if rule is None:
                event.unreadable = True
            elif rule not in event.rrules:
                event.rrules.append(rule)
        elif name == "EXDATE":
            event.has_exdate = True
            exdates = _when_list(line)
            if exdates is None:
                event.unreadable = True
            else:
                event.exdates.extend(exdates)
        elif name == "RDATE":
            if line.raw == "":
                return  # icalendar skips an empty RDATE altogether
            event.has_rdate = True
            rdates = _when_list(line)
            if rdates is None:
                event.unreadable = True
            else:
                event.rdates.extend(rdates)
        elif name == "SEQUENCE":
            event.sequence = _sequence(line)
        elif name == "SUMMARY":
            _value_type(line, _TEXT)
            event.summary = line.value
        elif name == "DESCRIPTION":
            _value_type(line, _TEXT)
            event.description = line.value
        elif name == "LOCATION":
            _value_type(line, _TEXT)
            event.location = line.value
        elif name == "STATUS":
            _value_type(line, _TEXT)
            event.status = line.value

    def _single(self, name: str) -> _Line | None:
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


# --------------------------------------------------------------------------------------------
# Expansion: recurring_ical_events' rules, on plain values
# --------------------------------------------------------------------------------------------


class _SeriesFailed(Exception):
    """The reference expander would raise on this series."""


def _is_date(value: date) -> bool:
    return not isinstance(value, datetime)


def _to_datetime(value: date, zone: tzinfo | None) -> datetime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone) if zone is not None else value
    if zone is None:
        return value.replace(tzinfo=None)
    return value


def _comparable(values: Sequence[date]) -> list[date]:
    zone: tzinfo | None = None
    all_dates = True
    for value in values:
        if isinstance(value, datetime):
            all_dates = False
            if value.tzinfo is not None:
                zone = value.tzinfo
                break
    if all_dates:
        return list(values)
    return [_to_datetime(value, zone) for value in values]


def _greater(first: date, second: date) -> bool:
    a, b = _comparable((first, second))
    try:
        return a > b
    except TypeError as exc:
        raise _SeriesFailed(str(exc)) from None


def _recurrence_ids(value: date) -> tuple[datetime, ...]:
    if not isinstance(value, datetime):
        return (datetime(value.year, value.month, value.day),)
    if value.tzinfo is None:
        return (value,)
    return (value.astimezone(UTC).replace(tzinfo=None), value.replace(tzinfo=None))


def _in_span(span_start: date, span_stop: date, start: date, stop: date) -> bool:
    if isinstance(span_start, datetime) and span_start.tzinfo is not None:
        # The common case, done directly: an aware window lends its zone to the rest.
        zone = span_start.tzinfo
        span_stop = _to_datetime(span_stop, zone)
        if not isinstance(start, datetime) or start.tzinfo is None:
            start = _to_datetime(start, zone)
        if not isinstance(stop, datetime) or stop.tzinfo is None:
            stop = _to_datetime(stop, zone)
    else:
        span_start, span_stop, start, stop = _comparable((span_start, span_stop, start, stop))
    try:
        if start > stop or span_start > span_stop:
            raise _SeriesFailed("an end before its start")
        if start == stop:
            if span_start == span_stop:
                return start == span_start
            return span_start <= start < span_stop
        if span_start == span_stop:
            return start <= span_start < stop
        return start < span_stop and span_start < stop
    except TypeError as exc:
        raise _SeriesFailed(str(exc)) from None


class _Component:
    """A VEVENT as recurring_ical_events' EventAdapter sees it."""

    __slots__ = ("end", "event", "recurrence_id", "recurrence_ids", "start")

    def __init__(self, event: _Event, wr_timezone: ZoneInfo | None) -> None:
        self.event = event
        assert event.start is not None
        raw_start = _standard(event.start, wr_timezone)
        if event.end is not None:
            raw_end = _standard(event.end, wr_timezone)
        elif event.duration is not None:
            begin = raw_start
            if event.duration.seconds != 0 and _is_date(begin):
                begin = _to_datetime(begin, None)
            raw_end = begin + event.duration
        elif _is_date(raw_start):
            raw_end = raw_start + timedelta(days=1)
        else:
            raw_end = raw_start
        start, end = _comparable((raw_start, raw_end))
        try:
            if start > end:
                start, end = end, start
        except TypeError as exc:
            raise _SeriesFailed(str(exc)) from None
        self.start: date = start
        self.end: date = end
        rid = event.recurrence_id
        self.recurrence_id = _standard(rid, wr_timezone) if rid is not None else None
        self.recurrence_ids = (
            _recurrence_ids(self.recurrence_id) if self.recurrence_id is not None else ()
        )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def sequence(self) -> int:
        return self.event.sequence


def _standard(value: date, wr_timezone: ZoneInfo | None) -> date:
    """x_wr_timezone's reading: UTC and floating times move into X-WR-TIMEZONE."""
    if wr_timezone is None or not isinstance(value, datetime):
        return value
    name = value.tzname()
    if name is None:
        return value.replace(tzinfo=wr_timezone)
    if name.upper() == "UTC":
        return value.astimezone(wr_timezone)
    return value


def _highest(current: _Component | None, other: _Component) -> _Component:
    """The component with the higher SEQUENCE; the first one on a tie."""
    if current is None or other.sequence > current.sequence:
        return other
    return current


_NEGATIVE_COUNT = re.compile(r"COUNT=-\d+;?")


@dataclass(frozen=True)
class _Occurrence:
    start: date
    end: date
    recurrence_id: date
    event: _Event


@dataclass(frozen=True)
class _Rule:
    """One RRULE of a series: built for its DTSTART, or a shared template (see _period)."""

    until: date | None
    rule: rrule | rruleset | None = None
    template: rrule | None = None
    period: int = 0


class _Rules:
    """The occurrences of the main component: recurring_ical_events' RecurrenceRules."""

    def __init__(self, core: _Component, wr_timezone: ZoneInfo | None) -> None:
        self.core = core
        event = core.event
        self.start: date = core.start
        self.end: date = core.end
        exdates = [_standard(e, wr_timezone) for e in event.exdates]
        rdates = [_standard(r, wr_timezone) for r in event.rdates]
        self.check_datetime: set[date] = set()
        self.check_date: set[date] = set()
        for exdate in exdates:
            self.check_datetime.update(_recurrence_ids(exdate))
            if _is_date(exdate):
                self.check_date.add(exdate)
        dates = [self.start, self.end, *exdates, *rdates]
        zones = {d.tzinfo for d in dates if isinstance(d, datetime) and d.tzinfo is not None}
        zone: tzinfo | None = None
        for value in (self.start, self.end):
            if isinstance(value, datetime) and value.tzinfo is not None:
                zone = value.tzinfo
                break
        if zone is None and zones:
            # The reference takes the first zone it meets in a set: unordered when several.
            if len(zones) > 1:
                raise FastPathDeclined("a series whose EXDATEs and RDATEs mix time zones")
            zone = next(iter(zones))
        self.zone = zone
        self.all_dates = not any(isinstance(d, datetime) for d in dates)
        begin = _to_datetime(self.start, zone)
        self.begin = begin
        exdate_set = {_to_datetime(e, zone) for e in exdates}
        rdate_set = {_to_datetime(r, zone) for r in rdates}
        self.rules: list[_Rule] = []
        last_until: date | None = None
        for text in event.rrules:
            rule = self._rule_with_start(text)
            self.rules.append(rule)
            until = rule.until
            if until is not None and (last_until is None or _greater(until, last_until)):
                last_until = until
        self.check_datetime.update(exdate_set)
        # The reference puts these in a dateutil rruleset of their own; a sorted list gives
        # what that set's between() gives, without its merging machinery.
        if last_until is None or not _greater(begin, last_until):
            rdate_set.add(begin)
        try:
            self.dates = sorted(rdate_set)
        except TypeError as exc:
            raise _SeriesFailed(str(exc)) from None

    def _rule_with_start(self, text: str) -> _Rule:
        try:
            return self._rule(text)
        except ValueError:
            # The reference's repair of an UNTIL that dateutil refuses for this DTSTART.
            parts = text.split(";UNTIL=")
            if len(parts) != 2:
                raise _SeriesFailed("UNTIL parameter is missing") from None
            end = parts[1].find(";")
            if end == -1:
                end = len(parts[1])
            until = parts[1][:end]
            if self.all_dates:
                until = until[:8]
            elif self.zone is None:
                until = until[:-1]
            else:
                if len(until) == 8:
                    until += "T000000"
                if len(until) != 15:
                    raise _SeriesFailed("UNTIL parameter has a bad format") from None
                until += "Z"
            try:
                return self._rule(parts[0] + parts[1][end:] + ";UNTIL=" + until)
            except Exception as exc:
                raise _SeriesFailed(str(exc)) from None
        except Exception as exc:
            raise _SeriesFailed(str(exc)) from None

    def _rule(self, text: str) -> _Rule:
        """The reference's rrulestr(text, dtstart=DTSTART) and the UNTIL it keeps aside."""
        text = _NEGATIVE_COUNT.sub("", text)
        until: date | None = None
        parts = text.split(";UNTIL=")
        if len(parts) > 2:
            raise _SeriesFailed("There should be only one UNTIL")
        if len(parts) == 2:
            end = parts[1].find(";")
            value = cast(Any, vDDDTypes).from_ical(parts[1][: end if end != -1 else len(parts[1])])
            if not isinstance(value, date):
                raise _SeriesFailed(f"UNTIL {value!r}")
            until = value
        period = _period(text)
        if period:
            return _Rule(until, template=_template(text, self.begin.tzinfo), period=period)
        return _Rule(until, rule=rrulestr(text, dtstart=self.begin, cache=True))

    def between(self, span_start: datetime, span_stop: datetime) -> Iterator[date]:
        first = _to_datetime(span_start, self.zone)
        last = _to_datetime(span_stop, self.zone)
        try:
            yield from (d for d in self.dates if first <= d <= last)
        except TypeError as exc:
            raise _SeriesFailed(str(exc)) from None
        for entry in self.rules:
            if entry.template is not None:
                begin = _near(self.begin, first, entry.period)
                rule: rrule | rruleset = entry.template.replace(dtstart=begin, cache=False)
            else:
                assert entry.rule is not None
                rule = entry.rule
            try:
                found = rule.between(first, last, inc=True)
            except Exception as exc:
                raise _SeriesFailed(str(exc)) from None
            until = entry.until
            if until is None:
                yield from found
            elif self.begin.tzinfo is not None:
                # What _greater does for each start, done once: next to an aware start, the
                # UNTIL takes the start's zone.
                limit = _to_datetime(until, self.begin.tzinfo)
                yield from (start for start in found if not start > limit)
            else:
                yield from (start for start in found if not _greater(start, until))


_SHIFTABLE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "UNTIL", "BYDAY", "WKST", "BYHOUR", "BYMINUTE", "BYSECOND"}
    | {"BYMONTH", "BYMONTHDAY"}
)
_periods: dict[str, int] = {}


def _period(text: str) -> int:
    """The fixed period in days of a DAILY or WEEKLY rule that may start later; else 0.

    dateutil walks every period from DTSTART, so a daily series begun two years ago costs
    hundreds of steps before the window. A DAILY or WEEKLY rule without COUNT (and without
    parts that depend on where a year or a count starts) repeats every INTERVAL days or
    weeks: started a whole number of periods later, at the same wall clock time, it gives
    the same occurrences from there on.
    """
    if text in _periods:
        return _periods[text]
    parts = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
    step = {"DAILY": 1, "WEEKLY": 7}.get(parts.get("FREQ", ""), 0)
    interval = parts.get("INTERVAL", "1")
    if (
        parts.keys() - _SHIFTABLE_PARTS
        or any(c in parts.get("BYDAY", "") for c in "+-0123456789")
        or not (interval.isascii() and interval.isdigit())
        or int(interval) < 1
    ):
        step = 0
    return _remember(_periods, text, step * int(interval) if step else 0)


_templates: dict[tuple[str, tzinfo | None], rrule | ValueError] = {}


def _template(text: str, zone: tzinfo | None) -> rrule:
    """The rule read once, for every series that shares it; each takes it with its own
    DTSTART through rrule.replace, which recomputes what DTSTART implies (the weekday of a
    WEEKLY rule without BYDAY, the time of day). Only the zone, or its absence, can make the
    reading fail (an UNTIL that does not match), so that is part of the key."""
    key = (text, zone)
    found = _templates.get(key)
    if found is None:
        try:
            rule = rrulestr(text, dtstart=datetime(2000, 1, 3, tzinfo=zone), cache=False)
            assert isinstance(rule, rrule)
            found = _remember(_templates, key, rule)
        except ValueError as exc:
            found = _remember(_templates, key, exc)
    if isinstance(found, ValueError):
        raise found
    return found


def _near(begin: datetime, first: datetime, period: int) -> datetime:
    """`begin` moved a whole number of `period` days closer to `first`, two in hand."""
    wall_begin = begin.replace(tzinfo=None)
    wall_first = (
        first.astimezone(begin.tzinfo).replace(tzinfo=None) if begin.tzinfo is not None else first
    )
    periods = (wall_first - wall_begin).days // period - 2
    if periods <= 0:
        return begin
    return (wall_begin + timedelta(days=periods * period)).replace(tzinfo=begin.tzinfo)


class _Series:
    """One UID's components: recurring_ical_events' Series."""

    def __init__(self, events: list[_Event], wr_timezone: ZoneInfo | None) -> None:
        by_recurrence_id: dict[datetime, _Component] = {}
        core: _Component | None = None
        for event in events:
            component = _Component(event, wr_timezone)
            if component.recurrence_ids:
                if event.has_rrule or event.has_rdate or event.has_exdate:
                    raise FastPathDeclined("a RECURRENCE-ID override with its own rules")
                for recurrence_id in component.recurrence_ids:
                    by_recurrence_id[recurrence_id] = _highest(
                        by_recurrence_id.get(recurrence_id), component
                    )
            else:
                core = _highest(core, component)
        self.by_recurrence_id = by_recurrence_id
        self.modifications = list(dict.fromkeys(by_recurrence_id.values()))
        self.rules = _Rules(core, wr_timezone) if core is not None else None

    def between(self, span_start: datetime, span_stop: datetime) -> Iterator[_Occurrence]:
        rules = self.rules
        returned: set[_Component] = set()
        check_datetime: set[date] = rules.check_datetime if rules else set()
        if rules is not None:
            core = rules.core
            duration = core.duration
            to_date = _is_date(core.start) and _is_date(core.end)
            starts: set[date] = set()
            check_date = rules.check_date
            overrides = self.by_recurrence_id
            for start in rules.between(span_start - duration, span_stop):
                if start in starts:
                    continue
                if check_date and date(start.year, start.month, start.day) in check_date:
                    continue
                component = core
                if check_datetime or overrides:  # most series have neither
                    ids = _recurrence_ids(start)
                    if not check_datetime.isdisjoint(ids):
                        continue
                    for recurrence_id in ids:  # the last id that names an override wins
                        component = overrides.get(recurrence_id, component)
                if component is core:
                    starts.add(start)
                    end = start + duration
                    if to_date:
                        start = date(start.year, start.month, start.day)
                        end = date(end.year, end.month, end.day)
                    occurrence = _Occurrence(start, end, start, core.event)
                else:
                    if component in returned:
                        continue
                    returned.add(component)
                    occurrence = self._override(component)
                if _in_span(span_start, span_stop, occurrence.start, occurrence.end):
                    yield occurrence
        for component in self.modifications:
            if component in returned or not check_datetime.isdisjoint(component.recurrence_ids):
                continue
            if _in_span(span_start, span_stop, component.start, component.end):
                returned.add(component)
                yield self._override(component)

    def _override(self, component: _Component) -> _Occurrence:
        recurrence_id = component.recurrence_id
        assert recurrence_id is not None
        return _Occurrence(component.start, component.end, recurrence_id, component.event)


# --------------------------------------------------------------------------------------------
# From occurrences to CalendarEvents
# --------------------------------------------------------------------------------------------

# The same reading of PARTSTAT as ics._PARTSTAT; the differential tests hold them together.
_PARTSTAT = {
    "ACCEPTED": ResponseStatus.ACCEPTED,
    "DECLINED": ResponseStatus.DECLINED,
    "TENTATIVE": ResponseStatus.TENTATIVE,
}


_MAX_REFERENCE_CALLS = 50
"""Each question to the reference parses a small calendar; past this many, parse it all."""


class _Expander:
    def __init__(
        self,
        calendar: _Calendar,
        calendar_id: str,
        default_zone: ZoneInfo,
        window_start: datetime,
        window_end: datetime,
        reference: Reference,
    ) -> None:
        self._calendar = calendar
        self._calendar_id = calendar_id
        self._default_zone = default_zone
        self._window = (window_start, window_end)
        self._reference = reference
        self._people: dict[tuple[_Person, ResponseStatus], Attendee | None] = {}
        self._common: dict[_Event, dict[str, Any]] = {}

    def run(self) -> FastFetch:
        calendar = self._calendar
        warnings: list[str] = []
        kept: list[_Event] = []
        suspects = sum(
            1 for e in calendar.events if not (e.uid and e.start is not None and not e.unreadable)
        )
        if suspects > _MAX_REFERENCE_CALLS:  # then reading the file in full is quicker
            raise FastPathDeclined(f"{suspects} events this reader cannot judge")
        for event in calendar.events:
            if event.uid and event.start is not None and not event.unreadable:
                kept.append(event)
                continue
            dropped = self._reference.drop_warnings(self._text([event]))
            if len(dropped) != 1:  # the reference reads what this reader could not
                raise FastPathDeclined("an event the reference path reads differently")
            warnings.extend(dropped)
        groups: dict[str, list[_Event]] = {}
        for event in kept:
            assert event.uid is not None
            groups.setdefault(event.uid, []).append(event)
        recurring = {uid for uid, events in groups.items() if any(e.recurring for e in events)}

        occurrences, failed = self._expand(groups, calendar.wr_timezone)
        if len(failed) > _MAX_REFERENCE_CALLS:
            raise FastPathDeclined(f"{len(failed)} series this reader cannot expand")
        if failed and calendar.wr_timezone is not None:
            # When one series fails, the reference expands series one by one, and a single
            # series' calendar has no X-WR-TIMEZONE.
            occurrences, failed = self._expand(groups, None)
        for uid in failed:
            said = self._reference.expansion_warnings(self._text(groups[uid]))
            if len(said) != 1:
                raise FastPathDeclined("a series the reference path expands differently")
            warnings.extend(said)

        events: list[CalendarEvent] = []
        try:
            for occurrence in occurrences:
                events.append(self._to_event(occurrence, recurring))
        except Exception as exc:  # the reference would warn; its wording is its own
            raise FastPathDeclined(f"an event that does not convert: {exc}") from None
        return FastFetch(calendar.name, events, warnings)

    def _expand(
        self, groups: dict[str, list[_Event]], wr_timezone: ZoneInfo | None
    ) -> tuple[list[_Occurrence], list[str]]:
        start, end = self._window
        occurrences: list[_Occurrence] = []
        failed: list[str] = []
        for uid, events in groups.items():
            try:
                occurrences.extend(_Series(events, wr_timezone).between(start, end))
            except FastPathDeclined:
                raise
            except Exception:  # whatever the reference then says about it is the warning
                failed.append(uid)
        return occurrences, failed

    def _text(self, events: list[_Event]) -> str:
        """A calendar of these events alone (with the time zones), for the reference."""
        lines = self._calendar.lines
        body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//exec-assistant//fast path//EN"]
        for first, last in self._calendar.timezone_spans:
            body.extend(lines[first : last + 1])
        for event in events:
            body.extend(lines[event.first_line : event.last_line + 1])
        body.append("END:VCALENDAR")
        return "\r\n".join(body) + "\r\n"

    def _to_event(self, occurrence: _Occurrence, recurring: set[str]) -> CalendarEvent:
        event = occurrence.event
        uid = event.uid
        assert uid is not None
        common = self._common.get(event)
        if common is None:
            common = self._common[event] = self._describe(event)
        start_value = occurrence.start
        start = self._instant(start_value)
        end = max(self._instant(occurrence.end), start)
        return CalendarEvent(
            calendar_id=self._calendar_id,
            uid=uid,
            recurrence_id=self._instant(occurrence.recurrence_id) if uid in recurring else None,
            start=start,
            end=end,
            timezone=self._zone_name(start_value),
            all_day=_is_date(start_value),
            **common,
        )

    def _describe(self, event: _Event) -> dict[str, Any]:
        """What every occurrence of this VEVENT shares, as ics.IcsCalendarSource._to_event
        reads it; worked out once per VEVENT, not once per occurrence."""
        attendees = (self._person(p, ResponseStatus.NEEDS_ACTION) for p in event.attendees)
        return {
            "title": (event.summary or "(no title)").strip(),
            "description": (event.description or "").strip(),
            "location": (event.location or "").strip(),
            "cancelled": (event.status or "").upper() == "CANCELLED",
            "organizer": self._person(event.organizer, ResponseStatus.ACCEPTED),
            "attendees": tuple(a for a in attendees if a),
        }

    def _person(self, person: _Person | None, default: ResponseStatus) -> Attendee | None:
        # ics._person on the same strings; each person is built once per calendar.
        if person is None:
            return None
        key = (person, default)
        if key in self._people:
            return self._people[key]
        address = person.address
        email = address[7:] if address.lower().startswith("mailto:") else address
        email = email.strip()
        attendee = None
        if email:
            partstat = str(person.partstat if person.partstat is not None else "").upper()
            attendee = Attendee(
                email=email.lower(),
                name=str(person.cn).strip() if person.cn else None,
                response=_PARTSTAT.get(partstat, default),
            )
        self._people[key] = attendee
        return attendee

    def _instant(self, value: date) -> datetime:
        # ics.IcsCalendarSource._instant
        if not isinstance(value, datetime):
            return datetime.combine(value, time(0), tzinfo=self._default_zone).astimezone(UTC)
        if value.tzinfo is None:
            return value.replace(tzinfo=self._default_zone).astimezone(UTC)
        return value.astimezone(UTC)

    def _zone_name(self, value: date) -> str:
        # ics.IcsCalendarSource._zone_name
        zone = value.tzinfo if isinstance(value, datetime) else None
        if zone is None:
            return self._default_zone.key
        key = getattr(zone, "key", None)
        if key:
            return str(key)
        if isinstance(value, datetime) and value.utcoffset() == timedelta(0):
            return "UTC"
        return self._default_zone.key
