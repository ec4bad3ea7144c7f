"""A meeting read through Graph is the meeting read from Outlook's iCalendar export of the
same calendar: the same meeting id and the same fields, for an occurrence of a series, a
moved occurrence (an exception), a lone event and an all-day event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from exec_assistant.calendars.ics_reference import ReferenceReader
from exec_assistant.domain.identity import meeting_id_for
from exec_assistant.domain.models import CalendarEvent

from graph_calendar_api import OWNER, FakeEvent, GraphCalendarApi
from graph_world import WINDOW, GraphWorld

PACIFIC = ZoneInfo("America/Los_Angeles")
SERIES_UID = "040000008200E00074C5B7101A82E00800000000D0F5A8E0A15DD901000000000000000010000000"
LONE_UID = "040000008200E00074C5B7101A82E00800000000E2C3A8E0A15DD901000000000000000010000000"
DAY_UID = "040000008200E00074C5B7101A82E0080000000011C4A8E0A15DD901000000000000000010000000"
PRIYA = ("Priya Raman", "priya.raman@northwind.example")

# Outlook's export: Windows zone names, each defined in a VTIMEZONE; the series as its
# master with RRULE and the moved occurrence as an override with RECURRENCE-ID.
OUTLOOK_EXPORT = f"""BEGIN:VCALENDAR
METHOD:PUBLISH
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
X-WR-CALNAME:Calendar
BEGIN:VTIMEZONE
TZID:Pacific Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
ORGANIZER;CN={OWNER[0]}:mailto:{OWNER[1]}
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;CN={PRIYA[0]}:mailto:{PRIYA[1]}
DESCRIPTION;LANGUAGE=en-US:Standing agenda\\n1. Numbers
RRULE:FREQ=WEEKLY;COUNT=3;INTERVAL=1;BYDAY=TU;WKST=SU
UID:{SERIES_UID}
SUMMARY;LANGUAGE=en-US:Weekly staff
DTSTART;TZID=Pacific Standard Time:20261201T090000
DTEND;TZID=Pacific Standard Time:20261201T100000
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:20261129T120000Z
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:0
LOCATION;LANGUAGE=en-US:Room 4
END:VEVENT
BEGIN:VEVENT
ORGANIZER;CN={OWNER[0]}:mailto:{OWNER[1]}
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;CN={PRIYA[0]}:mailto:{PRIYA[1]}
DESCRIPTION;LANGUAGE=en-US:Standing agenda\\n1. Numbers
UID:{SERIES_UID}
RECURRENCE-ID;TZID=Pacific Standard Time:20261208T090000
SUMMARY;LANGUAGE=en-US:Weekly staff (moved)
DTSTART;TZID=Pacific Standard Time:20261208T113000
DTEND;TZID=Pacific Standard Time:20261208T123000
DTSTAMP:20261129T120000Z
SEQUENCE:1
LOCATION;LANGUAGE=en-US:Room 4
END:VEVENT
BEGIN:VEVENT
ORGANIZER;CN={PRIYA[0]}:mailto:{PRIYA[1]}
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=TENTATIVE;RSVP=TRUE;CN={OWNER[0]}:mailto:{OWNER[1]}
UID:{LONE_UID}
SUMMARY;LANGUAGE=en-US:Budget review
DTSTART;TZID=Pacific Standard Time:20261202T100000
DTEND;TZID=Pacific Standard Time:20261202T110000
DTSTAMP:20261129T120000Z
LOCATION;LANGUAGE=en-US:Teams
END:VEVENT
BEGIN:VEVENT
ORGANIZER;CN={OWNER[0]}:mailto:{OWNER[1]}
UID:{DAY_UID}
SUMMARY;LANGUAGE=en-US:Offsite
DTSTART;VALUE=DATE:20261203
DTEND;VALUE=DATE:20261205
DTSTAMP:20261129T120000Z
X-MICROSOFT-CDO-ALLDAYEVENT:TRUE
END:VEVENT
END:VCALENDAR
"""


def graph_calendar(graph: GraphCalendarApi) -> None:
    """The same calendar as Graph holds it."""
    series = {
        "attendees": [(*PRIYA, "accepted")],
        "location": "Room 4",
        "body": "Standing agenda\r\n1. Numbers",
    }
    master = graph.add_series(
        "AAMkMaster=",
        "Weekly staff",
        datetime(2026, 12, 1, 9, 0, tzinfo=PACIFIC),
        count=3,
        **series,  # type: ignore[arg-type]
    )
    master.ical_uid = SERIES_UID
    graph.move(
        "AAMkMaster=_1",
        datetime(2026, 12, 8, 11, 30, tzinfo=PACIFIC),
        datetime(2026, 12, 8, 12, 30, tzinfo=PACIFIC),
        subject="Weekly staff (moved)",
    )
    graph.add_event(
        FakeEvent(
            "AAMkLone=",
            "Budget review",
            datetime(2026, 12, 2, 10, 0, tzinfo=PACIFIC),
            datetime(2026, 12, 2, 11, 0, tzinfo=PACIFIC),
            ical_uid=LONE_UID,
            organizer=PRIYA,
            attendees=[(*OWNER, "none")],
            response="tentativelyAccepted",
            location="Teams",
        )
    )
    graph.add_event(
        FakeEvent(
            "AAMkDay=",
            "Offsite",
            date(2026, 12, 3),
            date(2026, 12, 5),
            ical_uid=DAY_UID,
        )
    )


def by_meeting_id(events: list[CalendarEvent]) -> dict[str, CalendarEvent]:
    return {meeting_id_for(e.calendar_id, e.uid, e.recurrence_id): e for e in events}


def test_graph_and_outlooks_export_give_the_same_meetings() -> None:
    with GraphCalendarApi() as graph:
        graph_calendar(graph)
        world = GraphWorld(graph)
        fetch = world.source().fetch(*WINDOW)
    reader = ReferenceReader(
        calendar_id=fetch.calendar_id, default_zone=world.settings.zone, location="export.ics"
    )
    exported = reader.read(OUTLOOK_EXPORT.replace("\n", "\r\n").encode(), *WINDOW)

    through_graph, through_ics = by_meeting_id(fetch.events), by_meeting_id(exported.events)

    assert exported.warnings == [] and fetch.warnings == []
    assert sorted(e.title for e in through_ics.values()) == [
        "Budget review",
        "Offsite",
        "Weekly staff",
        "Weekly staff (moved)",
    ]
    assert through_graph.keys() == through_ics.keys()
    for meeting_id, event in through_ics.items():
        assert through_graph[meeting_id] == event, event.title


def test_the_moved_occurrence_is_named_by_the_start_it_was_moved_from() -> None:
    with GraphCalendarApi() as graph:
        graph_calendar(graph)
        events = GraphWorld(graph).source().fetch(*WINDOW).events
    moved = next(e for e in events if e.title == "Weekly staff (moved)")

    assert moved.uid == SERIES_UID
    assert moved.recurrence_id == datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    assert moved.start == datetime(2026, 12, 8, 19, 30, tzinfo=UTC)
    assert moved.end - moved.start == timedelta(hours=1)
