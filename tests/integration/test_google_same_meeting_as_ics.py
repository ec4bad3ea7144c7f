"""A meeting read through the Google Calendar API and through Google's own iCalendar feed of
the same calendar is one meeting: the same CalendarEvent from both iCalendar readers and
from the API, so the same meeting id, for a one-off, a recurring series, a moved instance,
an all-day event and a cancelled instance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from exec_assistant.adapters.memory import (
    InMemoryCalendarSnapshotRepository,
    InMemoryCredentialStore,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.calendars.google.source import GoogleCalendarSource, GoogleSourceOptions
from exec_assistant.calendars.ics import _ReferenceQuestions
from exec_assistant.calendars.ics_fast import read_fast
from exec_assistant.calendars.ics_reference import ReferenceReader
from exec_assistant.calendars.locations import google_calendar_of_ics_url
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.identity import meeting_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import CalendarEvent, MeetingStatus
from exec_assistant.ports import CalendarFetch, CalendarSource
from exec_assistant.services.sync_calendars import SyncReport, sync_calendars

from factories import EXEC, NEW_YORK, NEW_YORK_VTIMEZONE
from google_calendar_api import GoogleCalendarServer, event_item, instance_id

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
END = NOW + timedelta(days=14)
CALENDAR = f"google:{EXEC}"
FEED_URL = (
    f"https://calendar.google.com/calendar/ical/{EXEC.replace('@', '%40')}/private-0a1b/basic.ics"
)
PEOPLE = [
    (EXEC, "Jordan Lee", "tentative"),
    ("priya.raman@northwind.example", "Priya Raman", "accepted"),
    ("marcus.webb@northwind.example", None, "declined"),
    ("board-room@resource.calendar.google.com", None, "needsAction"),
]
ORGANIZER = ("priya.raman@northwind.example", "Priya Raman")


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=NEW_YORK)


def api_items(cancelled: bool) -> list[dict[str, object]]:
    """The calendar as events.list (singleEvents) gives it."""
    common = {"organizer": ORGANIZER, "attendees": PEOPLE}
    staff = [  # Tuesdays and Thursdays at 10:00; the 8th moved to 14:00
        event_item(
            instance_id("staff", original),
            "Exec staff",
            start,
            start + timedelta(hours=1),
            series=("staff", original),
            location="Room 4 <b>north</b>",
            **common,  # type: ignore[arg-type]
        )
        for original, start in [
            (at(1, 10), at(1, 10)),
            (at(3, 10), at(3, 10)),
            (at(8, 10), at(8, 14)),
            (at(10, 10), at(10, 10)),
        ]
    ]
    if cancelled:
        staff[1] = {**staff[1], "status": "cancelled"}
    return [
        event_item(
            "oneoff",
            "Board prep",
            at(2, 10),
            at(2, 11),
            description="Agenda:\n1. Q4 <i>numbers</i>",
            **common,  # type: ignore[arg-type]
        ),
        *staff,
        event_item("offsite", "Offsite", date(2026, 12, 3), date(2026, 12, 5), organizer=ORGANIZER),
    ]


def _attendees() -> list[str]:
    lines = []
    for email, name, rsvp in PEOPLE:
        partstat = {"needsAction": "NEEDS-ACTION"}.get(rsvp, rsvp.upper())
        cn = f";CN={name}" if name else ""
        lines.append(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat}{cn};"
            f"X-NUM-GUESTS=0:mailto:{email}"
        )
    return lines


def feed(cancelled: bool) -> bytes:
    """The same calendar as Google's secret iCalendar address serves it: one-off times in
    UTC under X-WR-TIMEZONE, series with TZID, a moved instance as RECURRENCE-ID, a
    cancelled one as an EXDATE."""
    organizer = "ORGANIZER;CN=Priya Raman:mailto:priya.raman@northwind.example"
    exdate = ["EXDATE;TZID=America/New_York:20261203T100000"] if cancelled else []
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{EXEC}",
        "X-WR-TIMEZONE:America/New_York",
        NEW_YORK_VTIMEZONE,
        "BEGIN:VEVENT",
        "DTSTART:20261202T150000Z",
        "DTEND:20261202T160000Z",
        "DTSTAMP:20261130T110000Z",
        organizer,
        "UID:oneoff@google.com",
        *_attendees(),
        "DESCRIPTION:Agenda:\\n1. Q4 <i>numbers</i>",
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        "SUMMARY:Board prep",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTART;TZID=America/New_York:20261201T100000",
        "DTEND;TZID=America/New_York:20261201T110000",
        "RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TU,TH",
        *exdate,
        "DTSTAMP:20261130T110000Z",
        organizer,
        "UID:staff@google.com",
        *_attendees(),
        "LOCATION:Room 4 <b>north</b>",
        "STATUS:CONFIRMED",
        "SUMMARY:Exec staff",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTART;TZID=America/New_York:20261208T140000",
        "DTEND;TZID=America/New_York:20261208T150000",
        "DTSTAMP:20261130T110000Z",
        organizer,
        "UID:staff@google.com",
        "RECURRENCE-ID;TZID=America/New_York:20261208T100000",
        *_attendees(),
        "LOCATION:Room 4 <b>north</b>",
        "STATUS:CONFIRMED",
        "SUMMARY:Exec staff",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTART;VALUE=DATE:20261203",
        "DTEND;VALUE=DATE:20261205",
        "DTSTAMP:20261130T110000Z",
        organizer,
        "UID:offsite@google.com",
        "STATUS:CONFIRMED",
        "SUMMARY:Offsite",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join("\r\n".join(line.splitlines()) for line in lines).encode()


class FeedSource:
    """Google's iCalendar feed of the calendar, read by the reference reader as
    IcsCalendarSource reads it (the feed's URL gives the identity google:<id>)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reader = ReferenceReader(calendar_id=CALENDAR, default_zone=NEW_YORK, location="feed")

    @property
    def calendar_id(self) -> str:
        return CALENDAR

    @property
    def location(self) -> str:
        return "feed"

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        read = self.reader.read(self.data, window_start, window_end)
        return CalendarFetch(CALENDAR, EXEC, read.events, read.warnings)


@pytest.fixture
def google() -> Iterator[GoogleCalendarServer]:
    with GoogleCalendarServer(user=EXEC) as server:
        yield server


def api_source(google: GoogleCalendarServer) -> GoogleCalendarSource:
    store = InMemoryCredentialStore()
    store.save("google", google.authorization())
    return GoogleCalendarSource(
        "primary",
        options=GoogleSourceOptions(default_zone=NEW_YORK, api_endpoint=google.url),
        credentials=store,
        snapshots=InMemoryCalendarSnapshotRepository(),
        clock=FixedClock(NOW),
    )


def by_start(events: list[CalendarEvent]) -> list[CalendarEvent]:
    return sorted(events, key=lambda e: (e.start, e.uid))


def ids(events: list[CalendarEvent]) -> set[str]:
    return {meeting_id_for(e.calendar_id, e.uid, e.recurrence_id) for e in events}


def test_the_feed_address_names_the_same_calendar() -> None:
    assert google_calendar_of_ics_url(FEED_URL) == EXEC


@pytest.mark.parametrize("cancelled", [False, True])
def test_both_readers_and_the_api_give_the_same_events(
    google: GoogleCalendarServer, cancelled: bool
) -> None:
    google.put_events("primary", api_items(cancelled))
    through_api = api_source(google).fetch(NOW, END)
    data = feed(cancelled)
    reference = ReferenceReader(calendar_id=CALENDAR, default_zone=NEW_YORK, location="feed")
    full = reference.read(data, NOW, END)
    fast = read_fast(
        data,
        calendar_id=CALENDAR,
        default_zone=NEW_YORK,
        window_start=NOW,
        window_end=END,
        reference=_ReferenceQuestions(reference, NOW, END),
    )

    assert through_api.calendar_id == CALENDAR
    assert by_start(through_api.events) == by_start(full.events) == by_start(fast.events)
    assert len(through_api.events) == (5 if cancelled else 6)
    assert ids(through_api.events) == ids(full.events)


def sync(source: CalendarSource, world: dict[str, object]) -> SyncReport:
    return sync_calendars(
        [source],
        world["meetings"],  # type: ignore[arg-type]
        world["overrides"],  # type: ignore[arg-type]
        world["catalog"],  # type: ignore[arg-type]
        world["rules"],  # type: ignore[arg-type]
        world["executive"],  # type: ignore[arg-type]
        NOW,
        14,
    )


def test_moving_from_the_feed_to_the_api_keeps_every_meeting_and_its_cancellation(
    google: GoogleCalendarServer,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
) -> None:
    meetings = InMemoryMeetingRepository()
    world: dict[str, object] = {
        "meetings": meetings,
        "overrides": InMemorySeriesOverrideRepository(),
        "catalog": catalog,
        "rules": rules,
        "executive": executive,
    }
    sync(FeedSource(feed(cancelled=False)), world)
    stored = {m.meeting_id for m in meetings.list_between(NOW, END)}
    assert len(stored) == 6

    google.put_events("primary", api_items(cancelled=True))
    then = sync(api_source(google), world)

    # No meeting is new, none vanished: each was already known by its id.
    assert (then.total("discovered"), then.total("skipped")) == (0, 0)
    assert then.total("cancelled") == 1
    after = {m.meeting_id: m for m in meetings.list_between(NOW, END)}
    assert set(after) == stored
    cancelled = [m for m in after.values() if m.status == MeetingStatus.CANCELLED]
    assert [(m.title, m.recurrence_id) for m in cancelled] == [("Exec staff", at(3, 10))]


def test_the_feed_is_google_shaped() -> None:
    """The feed above reads as one event per instance, as Google's feeds do."""
    read = FeedSource(feed(cancelled=False)).fetch(NOW, END)
    assert read.warnings == []
    assert sorted(e.title for e in read.events) == [
        "Board prep",
        "Exec staff",
        "Exec staff",
        "Exec staff",
        "Exec staff",
        "Offsite",
    ]
