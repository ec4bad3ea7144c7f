"""A Google calendar read through the API against a fake Google on 127.0.0.1: the first
sync, paging, incremental sync, an expired sync token, recurring instances and
cancellations, throttling, and an authorization that renews or lapses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.adapters.calendar_snapshots import DocumentCalendarSnapshotRepository
from exec_assistant.adapters.local.folder_document_store import FolderDocumentStore
from exec_assistant.adapters.memory import InMemoryCredentialStore
from exec_assistant.calendars.google.source import GoogleCalendarSource, GoogleSourceOptions
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.errors import CalendarAuthorizationExpired, CalendarUnavailable
from exec_assistant.domain.models import ResponseStatus
from exec_assistant.ports import CalendarFetch

from factories import NEW_YORK
from google_calendar_api import (
    GoogleCalendarServer,
    event_item,
    http_date,
    instance_id,
    moved,
    series_items,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EXEC = "exec@northwind.example"
TEAM = "team-7f3a@group.calendar.google.com"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026, New York wall clock."""
    return datetime(2026, 12, day, hour, minute, tzinfo=NEW_YORK)


@dataclass
class World:
    google: GoogleCalendarServer
    folder: Path
    store: InMemoryCredentialStore = field(default_factory=InMemoryCredentialStore)
    waits: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.snapshots = DocumentCalendarSnapshotRepository(FolderDocumentStore(self.folder))
        self.store.save("google", self.google.authorization())

    def source(
        self, calendar: str = "primary", *, timeout: float = 30.0, max_bytes: int = 10_000_000
    ) -> GoogleCalendarSource:
        return GoogleCalendarSource(
            calendar,
            options=GoogleSourceOptions(
                default_zone=NEW_YORK,
                timeout_seconds=timeout,
                max_bytes=max_bytes,
                api_endpoint=self.google.url,
                sleep=self.waits.append,
            ),
            credentials=self.store,
            snapshots=self.snapshots,
            clock=FixedClock(NOW),
        )

    def fetch(self, now: datetime = NOW, calendar: str = "primary") -> CalendarFetch:
        return self.source(calendar).fetch(now, now + timedelta(days=14))


@pytest.fixture
def google() -> Iterator[GoogleCalendarServer]:
    with GoogleCalendarServer(user=EXEC) as server:
        yield server


@pytest.fixture
def world(google: GoogleCalendarServer, tmp_path: Path) -> World:
    return World(google, tmp_path / "documents")


def titles(fetch: CalendarFetch) -> list[str]:
    return [e.title for e in fetch.events]


# --------------------------------------------------------------------------------------------
# First sync and paging
# --------------------------------------------------------------------------------------------


def test_the_first_sync_reads_the_window_and_names_the_primary_calendar_by_its_address(
    world: World,
) -> None:
    world.google.put_events(
        "primary",
        [
            event_item(
                "board1",
                "Board prep",
                at(2, 10),
                at(2, 11),
                attendees=[
                    (EXEC, "Alex Exec", "tentative"),
                    ("priya.raman@northwind.example", "Priya Raman", "accepted"),
                    ("room-4@resource.calendar.google.com", None, "needsAction"),
                ],
            ),
            event_item(
                "past", "Last week", at(1, 10) - timedelta(days=9), at(1, 11) - timedelta(days=9)
            ),
            event_item(
                "later", "Next year", at(1, 10) + timedelta(days=40), at(1, 11) + timedelta(days=40)
            ),
        ],
    )
    fetch = world.fetch()

    assert fetch.calendar_id == f"google:{EXEC}"
    assert fetch.name == EXEC
    assert titles(fetch) == ["Board prep"]
    event = fetch.events[0]
    assert event.calendar_id == f"google:{EXEC}"
    assert event.uid == "board1@google.com"
    assert (event.start, event.end) == (at(2, 10), at(2, 11))
    assert [(a.email, a.name, a.response) for a in event.attendees] == [
        (EXEC, "Alex Exec", ResponseStatus.TENTATIVE),
        ("priya.raman@northwind.example", "Priya Raman", ResponseStatus.ACCEPTED),
        ("room-4@resource.calendar.google.com", None, ResponseStatus.NEEDS_ACTION),
    ]
    assert event.organizer is not None and event.organizer.response == ResponseStatus.ACCEPTED
    listing = world.google.requests("events")[0].query
    assert listing["singleEvents"] == ["true"] and listing["showDeleted"] == ["true"]
    assert listing["timeMin"] == ["2026-11-30T12:00:00Z"]
    assert listing["timeMax"] == ["2026-12-21T12:00:00Z"]  # 14 days and the 7-day margin
    assert world.google.count("calendar") == 1


def test_every_page_is_read_and_the_sync_token_comes_from_the_last(world: World) -> None:
    world.google.put_events(
        "primary",
        series_items("standup", "Standup", at(1, 9), 6000, every=timedelta(minutes=4)),
    )
    fetch = world.fetch()

    assert len(fetch.events) == 4650  # the 14 days of it; the margin's are kept for later
    pages = world.google.requests("events")
    assert len(pages) == 3  # 6000 instances in pages of 2500
    assert "pageToken" not in pages[0].query and all("pageToken" in p.query for p in pages[1:])
    snapshot = world.snapshots.get("google:primary")
    assert snapshot is not None and snapshot.cursor and len(snapshot.events) == 6000


# --------------------------------------------------------------------------------------------
# Incremental sync
# --------------------------------------------------------------------------------------------


def test_an_unchanged_resync_costs_one_request_with_the_sync_token_only(world: World) -> None:
    world.google.put_events("primary", [event_item("a", "Ops review", at(3, 14), at(3, 15))])
    first = world.fetch()
    before = len(world.google.seen)

    again = world.fetch(NOW + timedelta(hours=2))

    assert again.events == first.events
    assert len(world.google.seen) == before + 1
    asked = world.google.seen[-1].query
    assert set(asked) >= {"syncToken", "singleEvents", "showDeleted"}
    assert not set(asked) & {"timeMin", "timeMax"}  # Google refuses them beside a sync token


def test_changes_are_merged_added_moved_and_cancelled(world: World) -> None:
    world.google.put_events(
        "primary",
        [
            event_item("keep", "Keep", at(2, 9), at(2, 10)),
            event_item("move", "Move", at(3, 9), at(3, 10)),
            event_item("gone", "Gone", at(4, 9), at(4, 10)),
        ],
    )
    world.fetch()
    world.google.put_events(
        "primary",
        [
            event_item("move", "Move", at(5, 15), at(5, 16)),
            event_item("new", "New", at(6, 9), at(6, 10)),
            event_item(
                "far", "Far away", at(1, 9) + timedelta(days=90), at(1, 10) + timedelta(days=90)
            ),
        ],
    )
    world.google.cancel_event("primary", "gone")

    fetch = world.fetch()

    assert titles(fetch) == ["Keep", "Move", "New"]
    assert fetch.events[1].start == at(5, 15)
    assert world.google.requests("events")[-1].query.get("syncToken")


def test_an_expired_sync_token_makes_a_full_sync(world: World) -> None:
    world.google.put_events("primary", [event_item("a", "Before", at(2, 9), at(2, 10))])
    world.fetch()
    world.google.put_events("primary", [event_item("b", "After", at(3, 9), at(3, 10))])
    world.google.expire_sync_tokens()

    fetch = world.fetch()

    assert titles(fetch) == ["Before", "After"]
    last_two = world.google.requests("events")[-2:]
    assert "syncToken" in last_two[0].query and "timeMin" in last_two[1].query
    assert world.google.count("calendar") == 1  # the identity was kept
    assert len(world.fetch().events) == 2  # and the new token works
    assert "syncToken" in world.google.requests("events")[-1].query


def test_a_window_past_the_covered_range_makes_a_full_sync(world: World) -> None:
    world.google.put_events("primary", [event_item("a", "Soon", at(2, 9), at(2, 10))])
    world.fetch()
    world.google.put_events("primary", [event_item("b", "Weeks out", at(20, 9), at(20, 10))])
    world.google.put_events(
        "primary", [event_item("c", "Past the first range", at(21, 9), at(21, 10))]
    )

    fetch = world.fetch(NOW + timedelta(days=8))  # the window now ends past Dec 21

    assert titles(fetch) == ["Weeks out", "Past the first range"]
    assert "timeMin" in world.google.requests("events")[-1].query


def test_a_new_process_resumes_from_the_stored_snapshot(world: World) -> None:
    world.google.put_events("primary", [event_item("a", "Ops review", at(3, 14), at(3, 15))])
    world.source().fetch(NOW, NOW + timedelta(days=14))
    before = len(world.google.seen)

    fresh = world.source()  # a new source object: what a second run builds
    assert fresh.calendar_id == f"google:{EXEC}"
    assert titles(fresh.fetch(NOW, NOW + timedelta(days=14))) == ["Ops review"]
    assert len(world.google.seen) == before + 1


# --------------------------------------------------------------------------------------------
# Recurring events
# --------------------------------------------------------------------------------------------


def test_instances_of_a_series_carry_their_original_start_even_when_moved(world: World) -> None:
    weekly = series_items("staff", "Exec staff", at(1, 10), 3, every=timedelta(days=4))
    weekly[1] = moved(weekly[1], at(5, 14), at(5, 15))
    world.google.put_events("primary", weekly)

    events = world.fetch().events

    assert [e.uid for e in events] == ["staff@google.com"] * 3
    assert [e.recurrence_id for e in events] == [at(1, 10), at(5, 10), at(9, 10)]
    assert events[1].start == at(5, 14)
    assert {e.timezone for e in events} == {"America/New_York"}


def test_a_cancelled_instance_leaves_and_a_deleted_series_takes_its_instances(
    world: World,
) -> None:
    weekly = series_items("staff", "Exec staff", at(1, 10), 3, every=timedelta(days=4))
    daily = series_items("sync", "Daily sync", at(1, 9), 5, every=timedelta(days=1))
    world.google.put_events("primary", [*weekly, *daily])
    assert len(world.fetch().events) == 8

    world.google.cancel_event("primary", instance_id("staff", at(5, 10)))
    # Deleting a whole series: Google lists the series itself as cancelled.
    world.google.put_events(
        "primary", [{"kind": "calendar#event", "id": "sync", "status": "cancelled"}]
    )
    events = world.fetch().events

    assert [e.recurrence_id for e in events] == [at(1, 10), at(9, 10)]


def test_an_all_day_event_starts_at_midnight_in_the_executives_zone(world: World) -> None:
    world.google.put_events(
        "primary", [event_item("offsite", "Offsite", date(2026, 12, 3), date(2026, 12, 5))]
    )
    (event,) = world.fetch().events

    assert event.all_day
    assert (event.start, event.end) == (at(3, 0), at(5, 0))
    assert event.timezone == "America/New_York"


# --------------------------------------------------------------------------------------------
# Throttling and server errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "retry_after", "waited"),
    [
        (429, None, "7", 7.0),
        (503, None, None, 1.0),
        (500, None, "2", 2.0),
        (403, "rateLimitExceeded", None, 1.0),
        (403, "userRateLimitExceeded", "3", 3.0),
    ],
)
def test_throttling_is_waited_out_as_google_asks(
    world: World, status: int, reason: str | None, retry_after: str | None, waited: float
) -> None:
    world.google.put_events("primary", [event_item("a", "Ops review", at(3, 14), at(3, 15))])
    world.google.fail(status, reason=reason, retry_after=retry_after)

    assert titles(world.fetch()) == ["Ops review"]
    assert world.waits == [waited]


def test_a_retry_after_date_is_waited_until(world: World) -> None:
    world.google.fail(429, retry_after=http_date(4))
    world.fetch()
    assert len(world.waits) == 1 and 2.5 <= world.waits[0] <= 4.0


def test_a_retry_after_past_the_time_left_fails_at_once(world: World) -> None:
    world.google.fail(429, retry_after="120")
    with pytest.raises(CalendarUnavailable) as caught:
        world.fetch()
    assert world.waits == []
    assert "waiting 120 s" in caught.value.message and "meetings already stored" in str(
        caught.value
    )


def test_a_server_that_keeps_failing_is_given_up_after_five_attempts(world: World) -> None:
    world.google.fail(503, times=5)
    with pytest.raises(CalendarUnavailable, match="each of 5 attempts"):
        world.fetch()
    assert world.waits == [1.0, 2.0, 4.0, 8.0]


def test_a_403_that_is_not_throttling_is_not_retried(world: World) -> None:
    world.google.fail(403, reason="forbidden")
    with pytest.raises(CalendarUnavailable, match="refused"):
        world.fetch()
    assert world.waits == []


# --------------------------------------------------------------------------------------------
# The authorization
# --------------------------------------------------------------------------------------------


def test_an_expired_access_token_is_renewed_and_saved_back(world: World) -> None:
    stored = world.google.authorization(expired=True)
    world.store.save("google", {**stored, "account_note": "kept"})

    world.fetch()

    renewed = world.store.load("google")
    assert renewed is not None
    assert renewed["token"] != stored["token"] and renewed["expiry"] > stored["expiry"]
    assert renewed["refresh_token"] == stored["refresh_token"]
    assert (renewed["provider"], renewed["account_note"]) == ("google", "kept")
    grant = world.google.requests("token")
    assert len(grant) == 1


def test_a_valid_token_is_not_renewed(world: World) -> None:
    world.fetch()
    world.fetch()
    assert world.google.count("token") == 0


def test_a_revoked_refresh_token_gives_one_message_to_connect_again(world: World) -> None:
    world.google.revoke_refresh_tokens()
    with pytest.raises(CalendarUnavailable) as caught:
        world.fetch()
    assert caught.value.message == (
        "cannot read calendar google:primary: the Google authorization expired or was revoked"
    )
    assert "exec-assistant calendars add google" in (caught.value.hint or "")
    assert "gcloud" not in str(caught.value)
    # The same dead authorization is one episode (the executive is told once); a new one
    # that dies too is another.
    assert isinstance(caught.value, CalendarAuthorizationExpired)
    with pytest.raises(CalendarAuthorizationExpired) as again:
        world.fetch()
    assert again.value.episode == caught.value.episode
    world.store.save("google", {**world.google.authorization(), "expiry": "2000-01-01T00:00:00Z"})
    world.google.revoke_refresh_tokens()
    with pytest.raises(CalendarAuthorizationExpired) as later:
        world.fetch()
    assert later.value.episode != caught.value.episode


def test_a_401_after_a_renewal_is_the_same_message(world: World) -> None:
    world.google.fail(401, times=2)
    with pytest.raises(CalendarUnavailable, match="expired or was revoked"):
        world.fetch()
    assert world.google.count("token") == 1  # renewed once, then believed


def test_a_401_once_renews_the_token_and_goes_on(world: World) -> None:
    world.google.expire_access_tokens()
    world.fetch()
    assert world.google.count("token") == 1


def test_no_authorization_says_how_to_connect(world: World) -> None:
    world.store.delete("google")
    with pytest.raises(CalendarUnavailable) as caught:
        world.fetch()
    assert "no Google account is connected" in caught.value.message
    assert "calendars add google --client-secrets" in (caught.value.hint or "")
    assert world.google.seen == []


def test_an_authorization_sending_its_secret_in_the_clear_is_refused(world: World) -> None:
    stored = world.google.authorization(expired=True)
    world.store.save("google", {**stored, "token_uri": "http://tokens.example/token"})
    with pytest.raises(CalendarUnavailable, match="not an https URL"):
        world.fetch()
    assert world.google.seen == []


# --------------------------------------------------------------------------------------------
# Several calendars of one account
# --------------------------------------------------------------------------------------------


def test_each_calendar_of_the_account_is_its_own_source(world: World) -> None:
    world.google.add_calendar(TEAM, summary="Leadership team", time_zone="Europe/London")
    world.google.put_events("primary", [event_item("a", "Mine", at(2, 9), at(2, 10))])
    world.google.put_events(TEAM, [event_item("b", "Team's", at(2, 11), at(2, 12))])

    mine, team = world.fetch(), world.fetch(calendar=TEAM)

    assert (mine.calendar_id, titles(mine)) == (f"google:{EXEC}", ["Mine"])
    assert (team.calendar_id, team.name, titles(team)) == (
        f"google:{TEAM}",
        "Leadership team",
        ["Team's"],
    )
    assert team.events[0].timezone == "Europe/London"  # a one-off is named by its calendar
    assert world.google.count("token") == 0


def test_a_calendar_the_account_does_not_have_is_named(world: World) -> None:
    with pytest.raises(CalendarUnavailable) as caught:
        world.fetch(calendar="nobody@group.calendar.google.com")
    assert "has no such calendar" in caught.value.message
    assert "google:<id>" in (caught.value.hint or "")
