"""From occurrences to CalendarEvents, and the run over a whole calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from exec_assistant.calendars.ics_fast.contract import FastFetch, FastPathDeclined, Reference
from exec_assistant.calendars.ics_fast.reader import Calendar, Event, Person
from exec_assistant.calendars.ics_fast.recurrence import Occurrence, Series, is_date
from exec_assistant.domain.models import Attendee, CalendarEvent, ResponseStatus

# The same reading of PARTSTAT as ics._PARTSTAT; the differential tests hold them together.
_PARTSTAT = {
    "ACCEPTED": ResponseStatus.ACCEPTED,
    "DECLINED": ResponseStatus.DECLINED,
    "TENTATIVE": ResponseStatus.TENTATIVE,
}


_MAX_REFERENCE_CALLS = 50
"""Each question to the reference parses a small calendar; past this many, parse it all."""


class Expander:
    def __init__(
        self,
        calendar: Calendar,
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
        self._people: dict[tuple[Person, ResponseStatus], Attendee | None] = {}
        self._common: dict[Event, dict[str, Any]] = {}

    def run(self) -> FastFetch:
        calendar = self._calendar
        warnings: list[str] = []
        kept: list[Event] = []
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
        groups: dict[str, list[Event]] = {}
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
        self, groups: dict[str, list[Event]], wr_timezone: ZoneInfo | None
    ) -> tuple[list[Occurrence], list[str]]:
        start, end = self._window
        occurrences: list[Occurrence] = []
        failed: list[str] = []
        for uid, events in groups.items():
            try:
                occurrences.extend(Series(events, wr_timezone).between(start, end))
            except FastPathDeclined:
                raise
            except Exception:  # whatever the reference then says about it is the warning
                failed.append(uid)
        return occurrences, failed

    def _text(self, events: list[Event]) -> str:
        """A calendar of these events alone (with the time zones), for the reference."""
        lines = self._calendar.lines
        body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//exec-assistant//fast path//EN"]
        for first, last in self._calendar.timezone_spans:
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

    def _person(self, person: Person | None, default: ResponseStatus) -> Attendee | None:
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
