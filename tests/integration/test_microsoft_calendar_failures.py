"""A Microsoft 365 calendar when things go wrong: expired tokens, a revoked authorization,
throttling, and a hostile or broken server. Each says one thing the executive can act on,
and leaves what is stored alone."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from exec_assistant.adapters.memory import (
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.calendars.microsoft import MicrosoftCalendarSource
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import (
    CalendarAuthorizationExpired,
    CalendarUnavailable,
    Interrupted,
)
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.services.sync_calendars import sync_calendars

from graph_calendar_api import FakeEvent, GraphCalendarApi
from graph_world import NOW, WINDOW, GraphWorld

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@pytest.fixture
def graph() -> Iterator[GraphCalendarApi]:
    with GraphCalendarApi() as api:
        api.add_event(FakeEvent("e1", "Board prep", NOW + DAY, NOW + DAY + HOUR))
        yield api


@pytest.fixture
def world(graph: GraphCalendarApi) -> GraphWorld:
    return GraphWorld(graph)


def unavailable(
    world: GraphWorld, calendar: str = "primary", **options: object
) -> CalendarUnavailable:
    with pytest.raises(CalendarUnavailable) as caught:
        world.source(calendar, **options).fetch(*WINDOW)  # type: ignore[arg-type]
    return caught.value


# ---- tokens ---------------------------------------------------------------------------------


def test_an_expired_access_token_is_renewed_first_and_the_new_tokens_are_kept(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    world.credentials.save("microsoft", graph.authorization(expiry=datetime.now(UTC) - HOUR))
    old = world.stored()

    assert [e.title for e in world.source().fetch(*WINDOW).events] == ["Board prep"]

    [grant] = graph.identity_requests()
    assert grant.path.endswith("/oauth2/v2.0/token")
    new = world.stored()
    assert new["token"] != old["token"]
    assert new["refresh_token"] != old["refresh_token"]  # Microsoft rotates them
    assert datetime.fromisoformat(new["expiry"]) > datetime.now(UTC) + timedelta(minutes=50)
    assert {k: new[k] for k in ("token_uri", "client_id", "account", "scopes")} == {
        k: old[k] for k in ("token_uri", "client_id", "account", "scopes")
    }


def test_a_token_graph_refuses_before_its_expiry_is_renewed_once(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.expire_access_tokens()

    assert [e.title for e in world.source().fetch(*WINDOW).events] == ["Board prep"]
    assert len(graph.identity_requests()) == 1
    assert [r.headers["authorization"] != "" for r in graph.graph_requests()][:2] == [True, True]


def test_a_revoked_authorization_is_one_message_saying_to_sign_in_again(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    world.credentials.save("microsoft", graph.authorization(expiry=datetime.now(UTC) - HOUR))
    graph.revoke_refresh_tokens()

    error = unavailable(world)

    assert isinstance(error, CalendarAuthorizationExpired)
    assert error.message == (
        "cannot read calendar microsoft:primary: the Microsoft 365 authorization has "
        "expired or was revoked (invalid_grant, AADSTS50173)"
    )
    assert error.hint is not None and "exec-assistant calendars add microsoft" in error.hint
    assert "Trace ID" not in str(error)
    assert graph.graph_requests() == []  # nothing asked with a token that does not work


def test_the_same_dead_authorization_is_the_same_episode_and_a_new_one_another(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    world.credentials.save("microsoft", graph.authorization(expiry=datetime.now(UTC) - HOUR))
    graph.revoke_refresh_tokens()
    first, again = unavailable(world), unavailable(world)
    world.credentials.save("microsoft", graph.authorization(expiry=datetime.now(UTC) - HOUR))
    graph.revoke_refresh_tokens()
    later = unavailable(world)

    assert isinstance(first, CalendarAuthorizationExpired)
    assert isinstance(again, CalendarAuthorizationExpired)
    assert isinstance(later, CalendarAuthorizationExpired)
    assert first.episode == again.episode != later.episode


def test_graph_refusing_the_renewed_token_too_is_the_same_message(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.fail(401, times=2, code="InvalidAuthenticationToken")

    error = unavailable(world)

    assert isinstance(error, CalendarAuthorizationExpired)
    assert "expired or was revoked (InvalidAuthenticationToken)" in error.message
    assert len(graph.identity_requests()) == 1  # renewed once, not in a loop


def test_no_authorization_says_how_to_connect(graph: GraphCalendarApi) -> None:
    error = unavailable(GraphWorld(graph, connected=False))

    assert (
        error.message
        == "cannot read calendar microsoft:primary: no Microsoft 365 account is connected"
    )
    assert "exec-assistant calendars add microsoft" in str(error.hint)
    assert graph.requests == []


def test_a_stored_value_that_is_not_an_authorization_is_named(graph: GraphCalendarApi) -> None:
    world = GraphWorld(graph, connected=False)
    world.credentials.save("microsoft", {"token": "x"})

    assert "cannot be used (it has no refresh_token)" in unavailable(world).message


def test_a_refresh_token_is_never_sent_in_the_clear(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    stored = graph.authorization(expiry=datetime.now(UTC) - HOUR)
    world.credentials.save("microsoft", {**stored, "token_uri": "http://login.example.com/token"})

    assert "not an https URL" in unavailable(world).message
    assert graph.requests == []


def test_a_revoked_authorization_leaves_the_stored_meetings_as_they_were(
    graph: GraphCalendarApi,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
) -> None:
    world = GraphWorld(graph)
    meetings, overrides = InMemoryMeetingRepository(), InMemorySeriesOverrideRepository()

    def sync() -> object:
        return sync_calendars(
            [world.source()], meetings, overrides, catalog, rules, executive, NOW, 14
        )

    sync()
    stored = meetings.list_between(NOW, NOW + 14 * DAY)
    assert [m.title for m in stored] == ["Board prep"]
    world.credentials.save("microsoft", graph.authorization(expiry=datetime.now(UTC) - HOUR))
    graph.revoke_refresh_tokens()

    report = sync()

    [result] = report.calendars  # type: ignore[attr-defined]
    assert result.error.startswith("cannot read calendar microsoft:primary: the Microsoft 365")
    assert result.reauthorize is not None and result.reauthorize.provider == "microsoft"
    assert meetings.list_between(NOW, NOW + 14 * DAY) == stored


# ---- throttling -------------------------------------------------------------------------------


def test_throttling_is_waited_out_as_graph_asks(graph: GraphCalendarApi) -> None:
    world = GraphWorld(graph, settings_overrides={"http_timeout_seconds": 10})
    graph.fail(429, retry_after="2")
    graph.fail(503, retry_after="1")
    graph.fail(504)

    assert [e.title for e in world.source().fetch(*WINDOW).events] == ["Board prep"]
    assert world.waits == [2.0, 1.0, 4.0]  # Retry-After, then 1, 2, 4 s without one


def test_a_wait_past_the_time_a_sync_may_take_ends_the_sync_with_the_reason(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.fail(429, retry_after="120")

    error = unavailable(world)

    assert error.message == (
        "cannot read calendar microsoft:primary: Microsoft Graph is busy: it answered HTTP 429 "
        "and asks to wait 120 s, more than the 5 s this sync may still wait"
    )
    assert world.waits == []
    assert "next sync tries again" in str(error.hint)


def test_the_waits_of_one_sync_add_up_to_its_budget_at_most(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.fail(503, retry_after="3")
    graph.fail(503, retry_after="3")  # 6 s in all: past the 5 s

    assert "more than the 2 s this sync may still wait" in unavailable(world).message
    assert world.waits == [3.0]


def test_a_server_that_keeps_failing_is_given_up_after_four_attempts(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.fail(503, times=10, retry_after="0")

    assert "kept answering HTTP 503 (4 attempts)" in unavailable(world).message


def test_a_real_retry_after_is_slept(graph: GraphCalendarApi) -> None:
    world = GraphWorld(graph)
    graph.fail(429, retry_after="1")
    real = MicrosoftCalendarSource(  # with the real wait
        "primary",
        settings=world.settings,
        clock=FixedClock(NOW),
        credentials=world.credentials,
        snapshots=world.snapshots,
        http_client=world.http_client,
    )
    started = time.monotonic()

    assert [e.title for e in real.fetch(*WINDOW).events] == ["Board prep"]
    assert 1.0 <= time.monotonic() - started < 2.5


# ---- a hostile or broken server --------------------------------------------------------------


def test_a_server_sending_pages_without_end_is_stopped(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.endless_pages = True

    error = unavailable(world, max_pages=20)

    assert "kept sending pages, past 20" in error.message
    assert len(graph.graph_requests()) == 21  # the calendar, then 20 pages


def test_a_server_that_trickles_its_answer_is_cut_off_at_the_deadline(
    graph: GraphCalendarApi,
) -> None:
    world = GraphWorld(graph, settings_overrides={"http_timeout_seconds": 0.5})
    graph.trickle(path_contains="/delta")
    started = time.monotonic()

    error = unavailable(world)

    assert "no complete answer within 0.5 s" in error.message
    # A GET is asked again: four attempts of 0.5 s, and their backoff waits are past 0.5 s.
    assert time.monotonic() - started < 1.5


def test_a_server_that_never_answers_is_given_up(graph: GraphCalendarApi) -> None:
    world = GraphWorld(graph, settings_overrides={"http_timeout_seconds": 0.3})
    graph.hang(path_contains="/delta")
    started = time.monotonic()

    assert "no complete answer within 0.3 s" in unavailable(world).message
    assert time.monotonic() - started < 1.0


def test_a_page_larger_than_the_calendar_limit_is_refused(graph: GraphCalendarApi) -> None:
    world = GraphWorld(graph, settings_overrides={"calendar_max_mb": 0.01})
    page = {"value": [{"id": f"x{n}", "subject": "y" * 100} for n in range(200)]}
    graph.answer_raw(json.dumps(page).encode(), path_contains="/delta")

    error = unavailable(world)

    assert "an answer is larger than 10,485 bytes" in error.message
    assert "EXEC_ASSISTANT_CALENDAR_MAX_MB" in error.message


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"<html>Service unavailable</html>", "an answer is not a JSON object"),
        (b"[1, 2, 3]", "an answer is not a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "an answer is not a JSON object"),
        (b'{"value": {"id": "x"}, "@odata.deltaLink": "x"}', "a page has no list of events"),
        (b'{"value": [1], "@odata.deltaLink": "x"}', "something that is not an event"),
        (b'{"value": []}', "neither a next page nor a delta link"),
    ],
)
def test_an_answer_not_of_graphs_shape_is_refused_with_what_is_wrong(
    graph: GraphCalendarApi, world: GraphWorld, body: bytes, reason: str
) -> None:
    graph.answer_raw(body, path_contains="/delta")

    error = unavailable(world)

    assert error.message.endswith(reason)
    assert "Microsoft Graph's answer cannot be used" in error.message
    assert world.snapshots.get("microsoft:primary") is None  # nothing half-read is kept


def test_a_next_page_on_another_server_is_not_followed_with_the_token(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    page = {
        "value": [],
        "@odata.nextLink": "https://graph.attacker.example/v1.0/me/calendarView/delta?$skiptoken=x",
    }
    graph.answer_raw(json.dumps(page).encode(), path_contains="/delta")

    assert "pointed to a page on another server" in unavailable(world).message


def test_a_graph_endpoint_in_the_clear_is_refused_before_any_request(
    graph: GraphCalendarApi,
) -> None:
    world = GraphWorld(
        graph, settings_overrides={"microsoft_graph_endpoint": "http://graph.example.com/v1.0"}
    )

    assert "is not an https URL" in unavailable(world).message
    assert graph.requests == []


def test_events_whose_fields_cannot_be_read_are_skipped_with_a_warning(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(FakeEvent("bad", "No start", NOW + DAY, NOW + DAY, raw={"start": "tomorrow"}))
    graph.add_event(
        FakeEvent(
            "odd",
            "Odd zone",
            NOW + DAY,
            NOW + DAY,
            raw={"start": {"dateTime": "2026-12-01T10:00:00", "timeZone": "Mars/Olympus"}},
        )
    )

    fetch = world.source().fetch(*WINDOW)

    assert [e.title for e in fetch.events] == ["Board prep"]
    assert fetch.warnings == [
        "skipped event 'No start': its start is not a date and time",
        "skipped event 'Odd zone': its start is in an unknown time zone 'Mars/Olympus'",
    ]


def test_control_characters_and_markup_in_titles_reach_no_one(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(
        FakeEvent(
            "e2",
            "\x1b[31mUrgent\x1b[0m [link=https://evil.example]click[/link] \u0007",
            NOW + 2 * DAY,
            NOW + 2 * DAY + HOUR,
            location="Room\x00 5",
            attendees=[("Eve\x1b]0;owned\x07", "eve@northwind.example", "accepted")],
        )
    )

    events = world.source().fetch(*WINDOW).events

    odd = next(e for e in events if "Urgent" in e.title)
    assert odd.title == "[31mUrgent[0m [link=https://evil.example]click[/link]"
    assert odd.location == "Room 5"
    assert odd.attendees[0].name == "Eve]0;owned"


def test_a_stop_asked_for_ends_the_sync_before_the_next_request(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    world.abort.set()

    with pytest.raises(Interrupted):
        world.source().fetch(*WINDOW)
    assert graph.requests == []


def test_two_syncs_at_once_with_an_expired_token_both_read_the_calendar(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    world.credentials.save("microsoft", graph.authorization(expiry=datetime.now(UTC) - HOUR))
    results: list[list[str]] = []

    def sync() -> None:
        results.append([e.title for e in world.source().fetch(*WINDOW).events])

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    # Microsoft keeps an old refresh token valid after issuing a new one: both renewals work.
    assert results == [["Board prep"], ["Board prep"]]
    assert world.source().fetch(*WINDOW).events[0].title == "Board prep"


def test_a_compressed_answer_is_measured_as_it_unpacks(graph: GraphCalendarApi) -> None:
    world = GraphWorld(graph, settings_overrides={"calendar_max_mb": 1})
    bomb = gzip.compress(b'{"value": [' + b" " * 50_000_000 + b"]}")  # 50 KB on the wire
    graph.answer_raw(bomb, headers={"Content-Encoding": "gzip"}, path_contains="/delta")
    started = time.monotonic()

    error = unavailable(world)

    assert "an answer is larger than 1 MB" in error.message
    assert time.monotonic() - started < 1.0
