"""Builders for test data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from exec_assistant.domain.models import Attendee, CalendarEvent, ResponseStatus

NEW_YORK = ZoneInfo("America/New_York")
EXEC = "jordan.lee@northwind.example"


def person(
    name: str, response: ResponseStatus = ResponseStatus.ACCEPTED, domain: str = "northwind.example"
) -> Attendee:
    return Attendee(
        email=f"{name.lower().replace(' ', '.')}@{domain}", name=name, response=response
    )


ME = Attendee(email=EXEC, name="Jordan Lee", response=ResponseStatus.ACCEPTED)


def event(
    title: str = "Sync",
    *,
    start: datetime = datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    minutes: int = 60,
    attendees: tuple[Attendee, ...] | None = None,
    organizer: Attendee | None = ME,
    uid: str = "evt-1@test",
    recurrence_id: datetime | None = None,
    all_day: bool = False,
    cancelled: bool = False,
) -> CalendarEvent:
    return CalendarEvent(
        calendar_id="ics_test",
        uid=uid,
        recurrence_id=recurrence_id,
        title=title,
        start=start,
        end=start + timedelta(minutes=minutes),
        timezone="America/New_York",
        all_day=all_day,
        cancelled=cancelled,
        organizer=organizer,
        attendees=attendees if attendees is not None else (ME, person("Priya Raman")),
    )


NEW_YORK_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE"""


def vevent(
    uid: str,
    summary: str,
    start: str,
    end: str | None = None,
    *,
    tz: str | None = "America/New_York",
    attendees: list[str] | None = None,
    organizer: str = f"mailto:{EXEC}",
    extra: list[str] | None = None,
) -> str:
    """One VEVENT; `start`/`end` like 20261202T100000 (or 20261209 for a date)."""

    def prop(name: str, value: str) -> str:
        if len(value) == 8:
            return f"{name};VALUE=DATE:{value}"
        if tz and not value.endswith("Z"):
            return f"{name};TZID={tz}:{value}"
        return f"{name}:{value}"

    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", prop("DTSTART", start)]
    if end:
        lines.append(prop("DTEND", end))
    lines += [f"SUMMARY:{summary}", f"ORGANIZER;CN=Jordan Lee:{organizer}"]
    for attendee in (
        attendees
        if attendees is not None
        else [
            f"CN=Jordan Lee;PARTSTAT=ACCEPTED:mailto:{EXEC}",
            "CN=Priya Raman;PARTSTAT=ACCEPTED:mailto:priya.raman@northwind.example",
        ]
    ):
        lines.append(f"ATTENDEE;{attendee}")
    lines += extra or []
    lines.append("END:VEVENT")
    return "\n".join(lines)


def calendar_text(*events: str, name: str = "Test calendar") -> str:
    return "\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//exec-assistant tests//EN",
            f"X-WR-CALNAME:{name}",
            NEW_YORK_VTIMEZONE,
            *events,
            "END:VCALENDAR",
            "",
        ]
    )


LEADERS = [
    f"CN=Jordan Lee;PARTSTAT=ACCEPTED:mailto:{EXEC}",
    "CN=Priya Raman;PARTSTAT=ACCEPTED:mailto:priya.raman@northwind.example",
    "CN=Marcus Webb;PARTSTAT=ACCEPTED:mailto:marcus.webb@northwind.example",
]
"""ATTENDEE parameters and addresses of a small leadership meeting."""


def stamp(instant: datetime) -> str:
    """An instant as an iCalendar UTC value."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
