"""Expansion: recurring_ical_events' rules, on plain values."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr
from icalendar.prop import vDDDTypes

from exec_assistant.calendars.ics_fast.contract import FastPathDeclined
from exec_assistant.calendars.ics_fast.reader import Event
from exec_assistant.calendars.ics_fast.values import remember


class _SeriesFailed(Exception):
    """The reference expander would raise on this series."""


def is_date(value: date) -> bool:
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

    def __init__(self, event: Event, wr_timezone: ZoneInfo | None) -> None:
        self.event = event
        assert event.start is not None
        raw_start = _standard(event.start, wr_timezone)
        if event.end is not None:
            raw_end = _standard(event.end, wr_timezone)
        elif event.duration is not None:
            begin = raw_start
            if event.duration.seconds != 0 and is_date(begin):
                begin = _to_datetime(begin, None)
            raw_end = begin + event.duration
        elif is_date(raw_start):
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
class Occurrence:
    start: date
    end: date
    recurrence_id: date
    event: Event


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
            if is_date(exdate):
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
    return remember(_periods, text, step * int(interval) if step else 0)


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
            found = remember(_templates, key, rule)
        except ValueError as exc:
            found = remember(_templates, key, exc)
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


class Series:
    """One UID's components: recurring_ical_events' Series."""

    def __init__(self, events: list[Event], wr_timezone: ZoneInfo | None) -> None:
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

    def between(self, span_start: datetime, span_stop: datetime) -> Iterator[Occurrence]:
        rules = self.rules
        returned: set[_Component] = set()
        check_datetime: set[date] = rules.check_datetime if rules else set()
        if rules is not None:
            core = rules.core
            duration = core.duration
            to_date = is_date(core.start) and is_date(core.end)
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
                    occurrence = Occurrence(start, end, start, core.event)
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

    def _override(self, component: _Component) -> Occurrence:
        recurrence_id = component.recurrence_id
        assert recurrence_id is not None
        return Occurrence(component.start, component.end, recurrence_id, component.event)
