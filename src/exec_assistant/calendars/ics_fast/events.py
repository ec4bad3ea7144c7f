"""From occurrences to CalendarEvents, and the run over a whole calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from exec_assistant.calendars.event_fields import (
    DESCRIPTION_LIMIT,
    LOCATION_LIMIT,
    LONGEST_REPEATING_DAYS,
    NAME_LIMIT,
    PARTSTAT,
    TITLE_LIMIT,
    clean_text,
    derived_uid,
    param_text,
    span_days,
)
from exec_assistant.calendars.ics_fast.contract import FastFetch, FastPathDeclined, Reference
from exec_assistant.calendars.ics_fast.reader import Calendar, Event, Person
from exec_assistant.calendars.ics_fast.recurrence import Occurrence, Series, is_date
from exec_assistant.calendars.wording import derived_uids
from exec_assistant.domain.models import Attendee, CalendarEvent, ResponseStatus

_MAX_REFERENCE_CALLS = 50
"""Each question to the reference parses a small calendar; past this many, parse it all."""


def _suspect(event: Event) -> bool:
    """An event this reader leaves to the reference: it may be skipped as unreadable."""
    return (
        event.start is None
        or event.unreadable
        or (not event.uid and event.recurrence_id is not None)
        or (
            event.has_rrule
            and span_days(event.start, event.end, event.duration) > LONGEST_REPEATING_DAYS
        )
    )


@dataclass
class _Prepared:
    calendar: Calendar
    warnings: list[str]
    groups: dict[str, list[Event]]
    recurring: set[str]
    derived: int


class Expander:
    def __init__(
        self,
        calendars: list[Calendar],
        calendar_id: str,
        default_zone: ZoneInfo,
        window_start: datetime,
        window_end: datetime,
        reference: Reference,
    ) -> None:
        self._calendars = calendars
        self._calendar_id = calendar_id
        self._default_zone = default_zone
        self._window = (window_start, window_end)
        self._reference = reference
        self._people: dict[tuple[Person, ResponseStatus], Attendee | None] = {}
        self._common: dict[Event, dict[str, Any]] = {}

    def run(self) -> FastFetch:
        """Each VCALENDAR object read on its own, as the reference reads them, one after
        the other: its events, then its series' warnings; the summary of derived UIDs last."""
        suspects = sum(1 for c in self._calendars for e in c.events if _suspect(e))
        if suspects > _MAX_REFERENCE_CALLS:  # then reading the file in full is quicker
            raise FastPathDeclined(f"{suspects} events this reader cannot judge")
        prepared = [self._prepare(calendar) for calendar in self._calendars]
        expanded = []
        failures = 0
        for part in prepared:
            occurrences, failed = self._expand(part.groups, part.calendar.wr_timezone)
            failures += len(failed)
            if failures > _MAX_REFERENCE_CALLS:
                raise FastPathDeclined(f"{failures} series this reader cannot expand")
            expanded.append((part, occurrences, failed))

        warnings: list[str] = []
        events: list[CalendarEvent] = []
        for part, occurrences, failed in expanded:
            warnings.extend(part.warnings)
            for uid in failed:
                said = self._reference.expansion_warnings(
                    self._text(part.calendar, part.groups[uid])
                )
                if len(said) != 1:
                    raise FastPathDeclined("a series the reference path expands differently")
                warnings.extend(said)
            try:
                for occurrence in occurrences:
                    events.append(self._to_event(occurrence, part.recurring))
            except Exception as exc:  # the reference would warn; its wording is its own
                raise FastPathDeclined(f"an event that does not convert: {exc}") from None
        derived = sum(part.derived for part in prepared)
        if derived:
            warnings.append(derived_uids(derived))
        name = next((c.name for c in self._calendars if c.name), None)
        return FastFetch(name, events, warnings)

    def _prepare(self, calendar: Calendar) -> _Prepared:
        """The events the reference would keep, grouped by UID (derived where missing)."""
        warnings: list[str] = []
        kept: list[Event] = []
        derived = 0
        for event in calendar.events:
            if _suspect(event):
                dropped = self._reference.drop_warnings(self._text(calendar, [event]))
                if len(dropped) != 1:  # the reference reads what this reader could not
                    raise FastPathDeclined("an event the reference path reads differently")
                warnings.extend(dropped)
                continue
            if not event.uid:
                assert event.start is not None
                organizer = event.organizer.address if event.organizer else None
                event.uid = derived_uid(event.start, event.start_tzid, event.summary, organizer)
                derived += 1
            kept.append(event)
        groups: dict[str, list[Event]] = {}
        for event in kept:
            assert event.uid is not None
            groups.setdefault(event.uid, []).append(event)
        recurring = {uid for uid, events in groups.items() if any(e.recurring for e in events)}
        return _Prepared(calendar, warnings, groups, recurring, derived)

    def _expand(
        self, groups: dict[str, list[Event]], wr_timezone: ZoneInfo | None
    ) -> tuple[list[Occurrence], list[str]]:
        start, end = self._window
        occurrences: list[Occurrence] = []
        failed: list[str] = []
        for uid, events in groups.items():
            try:
                # All or nothing: a series that fails half way gives no occurrence at all.
                occurrences.extend(list(Series(events, wr_timezone).between(start, end)))
            except FastPathDeclined:
                raise
            except Exception:  # whatever the reference then says about it is the warning
                failed.append(uid)
        return occurrences, failed

    def _text(self, calendar: Calendar, events: list[Event]) -> str:
        """A calendar of these events alone (with the object's time zones), for the
        reference."""
        lines = calendar.lines
        body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//exec-assistant//fast path//EN"]
        if calendar.wr_timezone_line is not None:
            body.append(lines[calendar.wr_timezone_line])
        for first, last in calendar.timezone_spans:
            body.extend(lines[first : last + 1])
        for event in events:
            body.extend(lines[event.first_line : event.last_line + 1])
        body.append("END:VCALENDAR")
        return "\r\n".join(body) + "\r\n"

    def _to_event(self, occurrence: Occurrence, recurring: set[str]) -> CalendarEvent:
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
            all_day=is_date(start_value),
            **common,
        )

    def _describe(self, event: Event) -> dict[str, Any]:
        """What every occurrence of this VEVENT shares, as the reference's _to_event reads
        it; worked out once per VEVENT, not once per occurrence."""
        attendees = (self._person(p, ResponseStatus.NEEDS_ACTION) for p in event.attendees)
        return {
            "title": clean_text(event.summary or "", TITLE_LIMIT) or "(no title)",
            "description": clean_text(event.description or "", DESCRIPTION_LIMIT),
            "location": clean_text(event.location or "", LOCATION_LIMIT),
            "cancelled": (event.status or "").upper() == "CANCELLED",
            "organizer": self._person(event.organizer, ResponseStatus.ACCEPTED),
            "attendees": tuple(a for a in attendees if a),
        }

    def _person(self, person: Person | None, default: ResponseStatus) -> Attendee | None:
        # ics_reference's person() on the same strings; each is built once per calendar.
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
            attendee = Attendee(
                email=email.lower(),
                name=clean_text(param_text(person.cn), NAME_LIMIT) or None,
                response=PARTSTAT.get(param_text(person.partstat).upper(), default),
            )
        self._people[key] = attendee
        return attendee

    def _instant(self, value: date) -> datetime:
        # as the reference's ReferenceReader._instant
        if not isinstance(value, datetime):
            return datetime.combine(value, time(0), tzinfo=self._default_zone).astimezone(UTC)
        if value.tzinfo is None:
            return value.replace(tzinfo=self._default_zone).astimezone(UTC)
        return value.astimezone(UTC)

    def _zone_name(self, value: date) -> str:
        # as the reference's ReferenceReader._zone_name
        zone = value.tzinfo if isinstance(value, datetime) else None
        if zone is None:
            return self._default_zone.key
        key = getattr(zone, "key", None)
        if key:
            return str(key)
        if isinstance(value, datetime) and value.utcoffset() == timedelta(0):
            return "UTC"
        return self._default_zone.key
