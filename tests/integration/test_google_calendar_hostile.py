"""A Google calendar when things go wrong: a lapsed authorization mid-life (the stored
meetings stay as they were), a peer that hangs, trickles, never ends or answers garbage,
a huge answer, Ctrl-C, and text that would act on a terminal or a page."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from exec_assistant.adapters.memory import (
    InMemoryCalendarSnapshotRepository,
    InMemoryCredentialStore,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.calendars.google.source import GoogleCalendarSource, GoogleSourceOptions
from exec_assistant.calendars.sources import CalendarAccess, calendar_source
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import CalendarUnavailable, Interrupted
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.services.sync_calendars import sync_calendars
from exec_assistant.settings import Settings

from factories import EXEC, NEW_YORK
from google_calendar_api import GoogleCalendarServer, event_item

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=NEW_YORK)


@pytest.fixture
def google() -> Iterator[GoogleCalendarServer]:
    with GoogleCalendarServer(user=EXEC) as server:
        yield server


@pytest.fixture
def store(google: GoogleCalendarServer) -> InMemoryCredentialStore:
    credentials = InMemoryCredentialStore()
    credentials.save("google", google.authorization())
    return credentials


def source(
    google: GoogleCalendarServer,
    store: InMemoryCredentialStore,
    *,
    timeout: float = 5.0,
    max_bytes: int = 10_000_000,
    abort: threading.Event | None = None,
) -> GoogleCalendarSource:
    return GoogleCalendarSource(
        "primary",
        options=GoogleSourceOptions(
            default_zone=NEW_YORK,
            timeout_seconds=timeout,
            max_bytes=max_bytes,
            api_endpoint=google.api_endpoint,
            sleep=lambda seconds: None,
        ),
        credentials=store,
        snapshots=InMemoryCalendarSnapshotRepository(),
        clock=FixedClock(NOW),
        abort=abort,
    )


def fetch(calendar: GoogleCalendarSource) -> list[str]:
    return [e.title for e in calendar.fetch(NOW, NOW + timedelta(days=14)).events]


# --------------------------------------------------------------------------------------------
# A lapsed authorization leaves the stored meetings as they were
# --------------------------------------------------------------------------------------------


def test_a_revoked_authorization_keeps_the_stored_meetings_and_says_so_once(
    google: GoogleCalendarServer,
    store: InMemoryCredentialStore,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
) -> None:
    google.put_events(
        "primary",
        [
            event_item("a", "Exec staff", at(1, 10), at(1, 11)),
            event_item("b", "Board prep", at(2, 10), at(2, 11)),
        ],
    )
    meetings, overrides = InMemoryMeetingRepository(), InMemorySeriesOverrideRepository()
    access = CalendarAccess(
        settings=Settings(
            timezone="America/New_York", google_api_endpoint=google.url, http_timeout_seconds=5
        ),
        clock=FixedClock(NOW),
        credentials=store,
        snapshots=InMemoryCalendarSnapshotRepository(),
    )

    def run(now: datetime) -> list[tuple[str | None, str | None]]:
        report = sync_calendars(
            [calendar_source("google:primary", access)],
            meetings,
            overrides,
            catalog,
            rules,
            executive,
            now,
            14,
        )
        return [(c.error, c.reauthorize and c.reauthorize.provider) for c in report.calendars]

    assert run(NOW) == [(None, None)]
    before = meetings.list_between(NOW, NOW + timedelta(days=14))
    assert [m.title for m in before] == ["Exec staff", "Board prep"]

    google.revoke_refresh_tokens()  # the executive removed the app's access
    google.cancel_event("primary", "b")
    errors = run(NOW + timedelta(hours=2))

    assert errors == [
        (
            "cannot read calendar google:primary: the Google authorization expired or was "
            "revoked\nRun `exec-assistant calendars add google --client-secrets FILE` to "
            "authorize exec-assistant again; meetings already stored are kept as they are.",
            "google",  # the executive is asked, once, to authorize again
        )
    ]
    assert meetings.list_between(NOW, NOW + timedelta(days=14)) == before


def test_calendar_source_reads_a_google_location_through_the_api(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    google.put_events("primary", [event_item("a", "Exec staff", at(1, 10), at(1, 11))])
    access = CalendarAccess(
        settings=Settings(timezone="America/New_York", google_api_endpoint=google.url),
        clock=FixedClock(NOW),
        credentials=store,
        snapshots=InMemoryCalendarSnapshotRepository(),
    )
    calendar = calendar_source("google:primary", access)
    assert calendar.location == "google:primary"
    assert [e.title for e in calendar.fetch(NOW, NOW + timedelta(days=14)).events] == ["Exec staff"]


# --------------------------------------------------------------------------------------------
# A peer that misbehaves
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["hang", "trickle", "endless"])
def test_a_server_that_never_finishes_is_given_up_at_the_deadline(
    google: GoogleCalendarServer, store: InMemoryCredentialStore, kind: str
) -> None:
    calendar = source(google, store, timeout=0.6, max_bytes=10**12)
    google.misbehave(kind)
    started = time.monotonic()
    with pytest.raises(CalendarUnavailable, match="no complete answer in the time a sync may"):
        fetch(calendar)
    assert time.monotonic() - started < 1.5


def test_a_token_endpoint_that_hangs_is_given_up_too(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    store.save("google", google.authorization(expired=True))
    google.misbehave("hang", target="token")
    started = time.monotonic()
    with pytest.raises(CalendarUnavailable, match="sign-in service gave no new access token"):
        fetch(source(google, store, timeout=0.6))
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b"<html><body>Sign in to the proxy</body></html>", "text/html", "not JSON"),
        (b'["not", "an", "object"]', "application/json", "not a JSON object"),
        (b"\xff\xfe\x00garbage", "application/json", "not JSON"),
        (b'{"items": "everything"}', "application/json", "not a list of events"),
    ],
)
def test_an_answer_that_is_not_googles_is_a_clear_error(
    google: GoogleCalendarServer,
    store: InMemoryCredentialStore,
    body: bytes,
    content_type: str,
    problem: str,
) -> None:
    calendar = source(google, store)
    google.put_events("primary", [event_item("a", "Exec staff", at(1, 10), at(1, 11))])
    fetch(calendar)  # calendars.get is behind it: the garbage is an events.list answer
    google.misbehave("garbage", body=body, content_type=content_type)
    with pytest.raises(CalendarUnavailable, match=problem):
        fetch(calendar)


def test_a_garbage_token_answer_is_a_clear_error(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    store.save("google", google.authorization(expired=True))
    google.misbehave("garbage", body=b"<html>oops</html>", target="token")
    with pytest.raises(CalendarUnavailable, match="sign-in service gave no new access token"):
        fetch(source(google, store))


def test_a_huge_answer_is_refused_before_it_fills_memory(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    google.put_events(
        "primary",
        [
            event_item(f"e{n}", "Big " + "x" * 400, at(1, 9), at(1, 10), description="d" * 4000)
            for n in range(300)
        ],
    )
    with pytest.raises(CalendarUnavailable, match="an answer was larger than 204,800 bytes"):
        fetch(source(google, store, max_bytes=200 * 1024))


def test_a_small_answer_that_unpacks_to_megabytes_is_refused(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    google.misbehave("gzip_bomb")
    with pytest.raises(CalendarUnavailable, match="larger than"):
        fetch(source(google, store, max_bytes=1024 * 1024))


def test_a_server_that_is_down_is_named(store: InMemoryCredentialStore) -> None:
    with GoogleCalendarServer(user=EXEC) as gone:
        endpoint = gone.url
    calendar = GoogleCalendarSource(
        "primary",
        options=GoogleSourceOptions(
            default_zone=NEW_YORK, api_endpoint=endpoint, sleep=lambda s: None
        ),
        credentials=store,
        snapshots=InMemoryCalendarSnapshotRepository(),
        clock=FixedClock(NOW),
    )
    with pytest.raises(CalendarUnavailable, match="connection refused"):
        calendar.fetch(NOW, NOW + timedelta(days=1))


# --------------------------------------------------------------------------------------------
# Ctrl-C
# --------------------------------------------------------------------------------------------


def test_ctrl_c_ends_a_request_under_way(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    stop = threading.Event()
    calendar = source(google, store, timeout=30, abort=stop)
    google.misbehave("hang")
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        fetch(calendar)
    assert time.monotonic() - started < 1.0


def test_ctrl_c_ends_a_wait_for_a_throttled_calendar(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    stop = threading.Event()
    calendar = GoogleCalendarSource(
        "primary",
        options=GoogleSourceOptions(default_zone=NEW_YORK, api_endpoint=google.url),
        credentials=store,
        snapshots=InMemoryCalendarSnapshotRepository(),
        clock=FixedClock(NOW),
        abort=stop,
    )
    google.fail(429, retry_after="20")
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        calendar.fetch(NOW, NOW + timedelta(days=1))
    assert time.monotonic() - started < 1.0


def test_a_stop_asked_before_the_sync_sends_nothing(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Interrupted):
        fetch(source(google, store, abort=stop))
    assert google.seen == []


# --------------------------------------------------------------------------------------------
# Text from the calendar
# --------------------------------------------------------------------------------------------


def test_control_characters_are_dropped_and_markup_stays_text(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    google.put_events(
        "primary",
        [
            event_item(
                "a",
                "\x1b[31mBoard\x1b[0m [link=https://evil.example]prep[/link] "
                "<script>x</script>\x00",
                at(1, 10),
                at(1, 11),
                description="line one\nline two\x07",
                location="\u202eRoom 4",
                attendees=[("Priya@Northwind.Example", "Priya\x1b]0;owned\x07 Raman", "accepted")],
            ),
            event_item("b", "   ", at(1, 12), at(1, 13)),
            event_item("c", "T" * 5000, at(1, 14), at(1, 15)),
        ],
    )
    first, blank, long = source(google, store).fetch(NOW, NOW + timedelta(days=14)).events

    assert first.title == "[31mBoard[0m [link=https://evil.example]prep[/link] <script>x</script>"
    assert first.description == "line one\nline two"
    assert first.attendees[0].email == "priya@northwind.example"
    assert first.attendees[0].name == "Priya]0;owned Raman"
    assert blank.title == "(no title)"
    assert len(long.title) == 500 and long.title.endswith("…")


def test_an_unreadable_item_is_skipped_with_a_warning(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    good = event_item("a", "Exec staff", at(1, 10), at(1, 11))
    bad = {**event_item("b", "Broken", at(1, 12), at(1, 13)), "start": {"dateTime": "soon"}}
    google.put_events("primary", [good, bad])
    read = source(google, store).fetch(NOW, NOW + timedelta(days=14))
    assert [e.title for e in read.events] == ["Exec staff"]
    assert read.warnings == [
        "skipped event 'Broken' (UID b@google.com): its start 'soon' is not a date and time"
    ]


def test_pages_that_go_round_in_a_circle_are_refused(
    google: GoogleCalendarServer, store: InMemoryCredentialStore
) -> None:
    calendar = source(google, store)
    fetch(calendar)  # the identity is known: what follows are events.list answers
    round_and_round = b'{"items": [], "nextPageToken": "again", "timeZone": "UTC"}'
    for _ in range(2):
        google.misbehave("garbage", body=round_and_round, content_type="application/json")
    with pytest.raises(CalendarUnavailable, match="its pages go round in a circle"):
        fetch(calendar)
