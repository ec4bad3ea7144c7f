"""The reference reader: one pass over a stream, object by object."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from exec_assistant.calendars.event_fields import (
    DESCRIPTION_LIMIT,
    LOCATION_LIMIT,
    TITLE_LIMIT,
    clean_text,
)
from exec_assistant.calendars.ics_reference.expansion import conversion_problem, expand
from exec_assistant.calendars.ics_reference.preparation import (
    event_problem,
    prepare,
    recurring_uids,
)
from exec_assistant.calendars.ics_reference.stream import (
    calendar_name,
    check_wr_timezone,
    parse_stream,
)
from exec_assistant.calendars.ics_reference.values import (
    describe,
    first,
    person,
    text_of,
    values_of,
)
from exec_assistant.calendars.wording import derived_uids, skipped
from exec_assistant.domain.errors import CalendarUnavailable
from exec_assistant.domain.models import CalendarEvent, ResponseStatus

log = logging.getLogger(__name__)


@dataclass
class ReferenceRead:
    name: str | None
    """X-WR-CALNAME of the first VCALENDAR that has a non-empty one."""
    events: list[CalendarEvent]
    event_warnings: list[str]
    """What was skipped or read with care, in the order of the file."""
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
            name = name or calendar_name(calendar)
            check_wr_timezone(calendar, warnings, self._default_zone.key)
            uids = prepare(calendar, warnings, self._default_zone.key)
            derived += uids.count
            recurring = recurring_uids(calendar)
            for component in expand(calendar, window_start, window_end, warnings, uids.derived):
                try:
                    events.append(self._to_event(component, recurring))
                except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
                    log.debug("event conversion failed", exc_info=True)
                    problem = conversion_problem(component, exc)
                    warnings.append(skipped(describe(component, uids.derived), problem))
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
                        warnings.append(skipped(describe(component, set()), problem))
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
        organizer = person(first(component.get("ORGANIZER")), ResponseStatus.ACCEPTED)
        attendees = tuple(
            a
            for a in (
                person(r, ResponseStatus.NEEDS_ACTION) for r in values_of(component, "ATTENDEE")
            )
            if a
        )
        return CalendarEvent(
            calendar_id=self._calendar_id,
            uid=uid,
            recurrence_id=recurrence_id,
            title=clean_text(text_of(component, "SUMMARY"), TITLE_LIMIT) or "(no title)",
            description=clean_text(text_of(component, "DESCRIPTION"), DESCRIPTION_LIMIT),
            location=clean_text(text_of(component, "LOCATION"), LOCATION_LIMIT),
            start=start,
            end=end,
            timezone=self._zone_name(start_value),
            all_day=all_day,
            cancelled=text_of(component, "STATUS").upper() == "CANCELLED",
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
