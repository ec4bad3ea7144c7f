"""A Microsoft 365 calendar read through Graph: the first sync, paging, incremental syncs,
expired delta links, recurring instances and cancellations, against the fake Graph."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from exec_assistant.domain.identity import meeting_id_for
from exec_assistant.domain.models import ResponseStatus

from graph_calendar_api import OWNER, FakeEvent, GraphCalendarApi
from graph_world import NOW, WINDOW, GraphWorld

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@pytest.fixture
def graph() -> Iterator[GraphCalendarApi]:
    with GraphCalendarApi() as api:
        yield api


@pytest.fixture
def world(graph: GraphCalendarApi) -> GraphWorld:
    return GraphWorld(graph)


def lone(event_id: str, subject: str, start: datetime, **fields: object) -> FakeEvent:
    return FakeEvent(event_id, subject, start, start + HOUR, **fields)  # type: ignore[arg-type]


def paths(graph: GraphCalendarApi) -> list[str]:
    return [r.path.removeprefix("/v1.0") for r in graph.graph_requests()]


def test_the_first_sync_reads_every_instance_of_the_window_and_names_the_calendar_by_its_id(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(
        lone(
            "e1",
            "Board prep",
            NOW + DAY,
            attendees=[("Priya Raman", "Priya.Raman@northwind.example", "tentativelyAccepted")],
            location="Room 4",
            body="Agenda:\r\n1. Budget",
        )
    )
    graph.add_event(lone("far", "Next quarter", NOW + 40 * DAY))

    fetch = world.source().fetch(*WINDOW)

    assert fetch.calendar_id == "microsoft:AAMkAGI2TGuLAAA=" and fetch.name == "Calendar"
    [event] = fetch.events
    assert event.calendar_id == fetch.calendar_id
    assert (event.title, event.location, event.description) == (
        "Board prep",
        "Room 4",
        "Agenda:\n1. Budget",
    )
    assert event.start == NOW + DAY and event.end == NOW + DAY + HOUR
    assert event.organizer is not None and event.organizer.email == OWNER[1]
    assert [(a.email, a.response) for a in event.attendees] == [
        ("priya.raman@northwind.example", ResponseStatus.TENTATIVE)
    ]
    assert paths(graph) == ["/me/calendar", "/me/calendarView/delta"]
    [delta] = [r for r in graph.graph_requests() if r.path.endswith("/delta")]
    assert delta.query["startDateTime"] == "2026-11-30T12:00:00Z"
    assert delta.query["endDateTime"] == "2026-12-21T12:00:00Z"  # 14 days and the margin
    assert 'outlook.timezone="UTC"' in delta.headers["prefer"]
    assert "odata.maxpagesize=200" in delta.headers["prefer"]


def test_a_calendar_in_many_pages_is_read_whole() -> None:
    with GraphCalendarApi(page_cap=10) as graph:
        for n in range(25):
            graph.add_event(lone(f"e{n}", f"Meeting {n}", NOW + n * HOUR * 5))
        world = GraphWorld(graph)

        fetch = world.source().fetch(*WINDOW)

        assert sorted(e.title for e in fetch.events) == sorted(f"Meeting {n}" for n in range(25))
        assert paths(graph).count("/me/calendarView/delta") == 3  # 10 + 10 + 5
        pages = [r.query for r in graph.graph_requests() if r.path.endswith("/delta")]
        assert "$skiptoken" in pages[1] and "$skiptoken" in pages[2]


def test_an_unchanged_calendar_costs_one_request_and_a_change_only_the_change(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(lone("e1", "Staff", NOW + DAY))
    graph.add_event(lone("e2", "Vendor", NOW + 2 * DAY))
    source = world.source()
    first = source.fetch(*WINDOW)
    graph.forget_requests()

    again = source.fetch(*WINDOW)

    assert paths(graph) == ["/me/calendarView/delta"]
    assert "$deltatoken" in graph.graph_requests()[0].query
    assert again.events == first.events

    graph.update("e1", subject="Staff (moved)", start=NOW + 3 * DAY, end=NOW + 3 * DAY + HOUR)
    graph.delete("e2")
    graph.add_event(lone("e3", "New one", NOW + 4 * DAY))
    graph.forget_requests()

    changed = world.source().fetch(*WINDOW)  # another process: the snapshot is what it knows

    assert paths(graph) == ["/me/calendarView/delta"]
    assert [(e.title, e.start) for e in changed.events] == [
        ("Staff (moved)", NOW + 3 * DAY),
        ("New one", NOW + 4 * DAY),
    ]


def test_an_expired_delta_link_starts_a_full_sync_again(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(lone("e1", "Staff", NOW + DAY))
    source = world.source()
    source.fetch(*WINDOW)
    graph.add_event(lone("e2", "Added meanwhile", NOW + 2 * DAY))
    graph.expire_delta_tokens()
    graph.forget_requests()

    fetch = source.fetch(*WINDOW)

    assert [e.title for e in fetch.events] == ["Staff", "Added meanwhile"]
    requests = graph.graph_requests()
    assert ["$deltatoken" in r.query for r in requests] == [True, False]
    assert "startDateTime" in requests[1].query


@pytest.mark.parametrize("status, code", [(410, "resyncRequired"), (400, "syncStateNotFound")])
def test_each_of_graphs_words_for_a_dead_delta_link_gives_a_full_sync(
    graph: GraphCalendarApi, world: GraphWorld, status: int, code: str
) -> None:
    graph.add_event(lone("e1", "Staff", NOW + DAY))
    source = world.source()
    source.fetch(*WINDOW)
    graph.expire_delta_tokens(status=status, code=code)

    assert [e.title for e in source.fetch(*WINDOW).events] == ["Staff"]


def test_a_window_past_what_the_snapshot_covers_is_synced_in_full(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(lone("later", "Far ahead", NOW + 21 * DAY + 2 * HOUR))
    world.source().fetch(*WINDOW)  # covers 14 days and 7 more
    graph.forget_requests()

    later = NOW + 4 * DAY  # the window now ends at day 18: inside what is covered
    assert world.source(now=later).fetch(later, later + 14 * DAY).events == []
    assert "$deltatoken" in graph.graph_requests()[0].query

    graph.forget_requests()
    further = NOW + 8 * DAY  # the window ends at day 22: past day 21
    fetch = world.source(now=further).fetch(further, further + 14 * DAY)

    assert [e.title for e in fetch.events] == ["Far ahead"]
    assert "startDateTime" in graph.graph_requests()[0].query


def test_recurring_instances_are_named_by_their_series_and_original_start(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    master = graph.add_series("m1", "Weekly staff", NOW + DAY, count=3)
    graph.move("m1_1", NOW + 9 * DAY, NOW + 9 * DAY + HOUR, subject="Staff, moved")

    events = world.source().fetch(*WINDOW).events

    assert {e.uid for e in events} == {master.ical_uid}  # not each occurrence's own iCalUId
    assert [(e.title, e.recurrence_id, e.start) for e in events] == [
        ("Weekly staff", NOW + DAY, NOW + DAY),
        ("Staff, moved", NOW + 8 * DAY, NOW + 9 * DAY),
    ]  # the third starts past the 14 days
    # The series' own event was asked once, for its UID.
    assert paths(graph).count("/me/events/m1") == 1
    assert graph.graph_requests()[-1].query == {"$select": "iCalUId"}


def test_a_moved_occurrence_keeps_its_meeting_id_and_the_series_is_not_asked_again(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_series("m1", "Weekly staff", NOW + DAY, count=2)
    source = world.source()
    before = {e.recurrence_id: e for e in source.fetch(*WINDOW).events}
    graph.move("m1_1", NOW + 9 * DAY, NOW + 9 * DAY + HOUR)
    graph.forget_requests()

    after = {e.recurrence_id: e for e in source.fetch(*WINDOW).events}

    moved_before, moved_after = before[NOW + 8 * DAY], after[NOW + 8 * DAY]
    assert moved_after.start == NOW + 9 * DAY
    ids = [
        meeting_id_for(e.calendar_id, e.uid, e.recurrence_id) for e in (moved_before, moved_after)
    ]
    assert ids[0] == ids[1]
    assert paths(graph) == ["/me/calendarView/delta"]


def test_cancellations_and_removed_instances(graph: GraphCalendarApi, world: GraphWorld) -> None:
    graph.add_series("m1", "Weekly staff", NOW + DAY, count=2)
    graph.add_event(lone("e1", "Vendor call", NOW + 2 * DAY))
    source = world.source()
    source.fetch(*WINDOW)

    graph.update("e1", cancelled=True, subject="Canceled: Vendor call")
    graph.delete("m1_0")  # one occurrence deleted from the series
    events = source.fetch(*WINDOW).events

    assert [(e.title, e.cancelled) for e in events] == [
        ("Canceled: Vendor call", True),
        ("Weekly staff", False),
    ]
    assert events[1].recurrence_id == NOW + 8 * DAY


def test_an_instance_moved_out_of_the_window_is_dropped(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(lone("e1", "Staff", NOW + DAY))
    source = world.source()
    source.fetch(*WINDOW)
    graph.update("e1", start=NOW + 60 * DAY, end=NOW + 60 * DAY + HOUR)

    assert source.fetch(*WINDOW).events == []


def test_all_day_events_are_whole_days_of_the_executives_zone() -> None:
    for shifted in (False, True):  # midnight in the zone asked for, or moved from its own
        with GraphCalendarApi(all_day_shifted=shifted) as graph:
            graph.add_event(FakeEvent("a1", "Offsite", date(2026, 12, 3), date(2026, 12, 5)))
            [event] = GraphWorld(graph).source().fetch(*WINDOW).events

            new_york_midnight = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
            assert event.all_day
            assert (event.start, event.end) == (new_york_midnight, new_york_midnight + 2 * DAY)
            assert event.timezone == "America/New_York"


def test_the_executives_own_answer_is_the_events_response_status(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(
        lone(
            "e1",
            "Invited",
            NOW + DAY,
            organizer=("Sam Boss", "sam@northwind.example"),
            attendees=[
                ("Jordan Lee", OWNER[1], "none"),
                ("Ana", "ana@northwind.example", "declined"),
            ],
            response="declined",
        )
    )

    [event] = world.source().fetch(*WINDOW).events

    assert [(a.email, a.response) for a in event.attendees] == [
        (OWNER[1], ResponseStatus.DECLINED),
        ("ana@northwind.example", ResponseStatus.DECLINED),
    ]
    assert event.organizer is not None and event.organizer.response == ResponseStatus.ACCEPTED


def test_another_calendar_of_the_account_is_read_by_its_id(graph: GraphCalendarApi) -> None:
    team = graph.calendar("AAMkTeam-1/x=", name="Team")
    graph.add_event(lone("t1", "Team offsite", NOW + DAY), team)
    graph.add_event(lone("p1", "Own meeting", NOW + DAY))
    world = GraphWorld(graph)

    primary = world.source("primary").fetch(*WINDOW)
    other = world.source("AAMkTeam-1/x=").fetch(*WINDOW)

    assert [e.title for e in primary.events] == ["Own meeting"]
    assert (other.calendar_id, other.name, [e.title for e in other.events]) == (
        "microsoft:AAMkTeam-1/x=",
        "Team",
        ["Team offsite"],
    )
    assert "/me/calendars/AAMkTeam-1%2Fx%3D/calendarView/delta" in [
        r.path.removeprefix("/v1.0") for r in graph.graph_requests()
    ]


def test_a_calendar_id_the_account_does_not_have_says_how_to_find_the_right_one(
    world: GraphWorld,
) -> None:
    from exec_assistant.domain.errors import CalendarUnavailable

    with pytest.raises(CalendarUnavailable) as caught:
        world.source("AAMkNoSuch=").fetch(*WINDOW)

    assert "no such calendar (HTTP 404 ErrorItemNotFound)" in caught.value.message
    assert "calendars add microsoft" in str(caught.value.hint)


def test_a_snapshot_of_another_account_is_not_used(graph: GraphCalendarApi) -> None:
    graph.add_event(lone("e1", "Staff", NOW + DAY))
    world = GraphWorld(graph)
    world.source().fetch(*WINDOW)
    world.credentials.save("microsoft", graph.authorization(account="someone.else@example.com"))
    graph.forget_requests()

    world.source().fetch(*WINDOW)

    assert paths(graph)[0] == "/me/calendar"  # asked afresh: the calendar may be another
    assert "startDateTime" in graph.graph_requests()[1].query
