"""A Google Calendar API event as the CalendarEvent the iCalendar readers would give for it,
on the odd shapes an answer can take; and where the API's address is taken from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exec_assistant.calendars.google.client import api_base
from exec_assistant.calendars.google.events import UnreadableEvent, calendar_event
from exec_assistant.domain.models import CalendarEvent, ResponseStatus

from factories import NEW_YORK

CALENDAR = "google:exec@northwind.example"


def read(item: dict[str, object], zone: str | None = "America/New_York") -> CalendarEvent:
    return calendar_event(item, calendar_id=CALENDAR, calendar_zone=zone, default_zone=NEW_YORK)


def test_a_time_without_an_offset_is_in_its_named_zone() -> None:
    event = read(
        {
            "id": "a",
            "start": {"dateTime": "2026-12-02T10:00:00", "timeZone": "Europe/London"},
            "end": {"dateTime": "2026-12-02T11:00:00", "timeZone": "Europe/London"},
        }
    )
    assert event.start == datetime(2026, 12, 2, 10, tzinfo=UTC)


def test_an_event_without_an_ical_uid_is_named_as_googles_feed_names_it() -> None:
    one_off = read({"id": "abc", "start": {"dateTime": "2026-12-02T10:00:00Z"}})
    instance = read(
        {
            "id": "ser_20261202T100000Z",
            "recurringEventId": "ser",
            "originalStartTime": {"dateTime": "2026-12-02T10:00:00Z"},
            "start": {"dateTime": "2026-12-02T10:00:00Z"},
        }
    )
    assert (one_off.uid, one_off.end) == ("abc@google.com", one_off.start)
    assert instance.uid == "ser@google.com"


def test_a_one_off_is_named_by_its_calendars_zone_and_a_series_by_its_own() -> None:
    start = {"dateTime": "2026-12-02T10:00:00-05:00", "timeZone": "Asia/Tokyo"}
    one_off = read({"id": "a", "start": start})
    instance = read(
        {"id": "s_1", "recurringEventId": "s", "originalStartTime": start, "start": start}
    )
    assert (one_off.timezone, instance.timezone) == ("America/New_York", "Asia/Tokyo")
    assert read({"id": "a", "start": start}, zone="Not/AZone").timezone == "UTC"


def test_an_unknown_response_status_counts_as_no_answer() -> None:
    event = read(
        {
            "id": "a",
            "start": {"dateTime": "2026-12-02T10:00:00Z"},
            "attendees": [
                {"email": "a@x.example", "responseStatus": "maybe"},
                {"email": "", "responseStatus": "accepted"},
                "not an attendee",
                {"email": "B@X.example", "responseStatus": "declined"},
            ],
            "organizer": {"displayName": "No address"},
        }
    )
    assert [(a.email, a.response) for a in event.attendees] == [
        ("a@x.example", ResponseStatus.NEEDS_ACTION),
        ("b@x.example", ResponseStatus.DECLINED),
    ]
    assert event.organizer is None


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ({"id": "a"}, "it has no start"),
        ({"id": "a", "start": {"date": "2026-13-40"}}, "is not a date"),
        ({"id": "a", "start": {"timeZone": "UTC"}}, "neither a date nor a time"),
        (
            {"id": "a", "recurringEventId": "s", "start": {"dateTime": "2026-12-02T10:00:00Z"}},
            "no original start",
        ),
        ({"start": {"dateTime": "2026-12-02T10:00:00Z"}}, "neither an iCalUID nor an id"),
        ({"id": "a", "start": {"dateTime": "9999-12-31T23:00:00-05:00"}}, "out of range"),
    ],
)
def test_an_item_that_cannot_be_placed_says_why(item: dict[str, object], problem: str) -> None:
    with pytest.raises(UnreadableEvent, match=problem):
        read(item)


@pytest.mark.parametrize(
    ("endpoint", "base"),
    [
        (None, None),
        ("  ", None),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/calendar/v3/"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/calendar/v3/"),
        ("https://proxy.example/calendar/v3", "https://proxy.example/calendar/v3/"),
        ("https://proxy.example/google/calendar/v3/", "https://proxy.example/google/calendar/v3/"),
    ],
)
def test_the_api_address_is_a_base_the_methods_join_under(
    endpoint: str | None, base: str | None
) -> None:
    assert api_base(endpoint) == base
