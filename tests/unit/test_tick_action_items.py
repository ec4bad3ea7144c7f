"""The tick keeps accepted action items in step with the task tracker: new issues at every
tick, completion read every 15 minutes, a failing tracker left alone for a while and never
in the way of the preps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryCalendarStateRepository,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import TrackerUnavailable
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ActionItem, ItemStatus, Meeting
from exec_assistant.ports import TrackedIssue
from exec_assistant.services.tick import (
    ITEM_RETRY_AFTER,
    ITEM_STATES_EVERY,
    TickDependencies,
    Ticker,
)

from factories import event
from prep_fakes import NOW, FixedClock, RecordingEngine
from task_trackers import InMemoryTaskTracker


def item(n: int) -> ActionItem:
    return ActionItem(
        item_id=f"act_{n}",
        meeting_id="mtg_1",
        text=f"Item {n}",
        due=date(2026, 12, 20),
        source_line=n,
        created_at=NOW,
    )


class FlakyTracker(InMemoryTaskTracker):
    down: bool = False
    calls: int = 0

    def create(self, item: ActionItem, meeting: Meeting | None) -> TrackedIssue:
        self.calls += 1
        if self.down:
            raise TrackerUnavailable("cannot reach Jira")
        return super().create(item, meeting)


def tick_deps(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive, **more: Any
) -> TickDependencies:
    return TickDependencies(
        meetings=InMemoryMeetingRepository(),
        overrides=InMemorySeriesOverrideRepository(),
        calendar_states=InMemoryCalendarStateRepository(),
        catalog=catalog,
        rules=rules,
        executive=executive,
        **more,
    )


@dataclass
class Rig:
    ticker: Ticker
    items: InMemoryActionItemRepository
    tracker: FlakyTracker
    clock: FixedClock
    engine: RecordingEngine


@pytest.fixture
def rig(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Rig:
    items = InMemoryActionItemRepository()
    tracker = FlakyTracker()
    clock = FixedClock()
    engine = RecordingEngine()
    calendar = [event("Weekly sync", start=NOW + timedelta(hours=30))]

    class Calendar:
        calendar_id, location = "ics_test", "test.ics"

        def fetch(self, start: object, end: object) -> object:
            from exec_assistant.ports import CalendarFetch

            return CalendarFetch(self.calendar_id, "Test", list(calendar))

    deps = tick_deps(
        catalog,
        rules,
        executive,
        engine=engine,
        clock=clock,
        sources=lambda: [Calendar()],
        tracker=tracker,
        action_items=items,
    )
    return Rig(Ticker(deps, sync_every=timedelta(hours=2)), items, tracker, clock, engine)


def test_new_items_become_issues_at_the_next_tick(rig: Rig) -> None:
    rig.items.put_many([item(1)])
    first = rig.ticker.tick()
    rig.items.put_many([item(2)])
    rig.clock.advance(timedelta(seconds=30))
    second = rig.ticker.tick()

    assert first.items is not None and [c.key for c in first.items.created] == ["OPS-1"]
    assert second.items is not None and [c.key for c in second.items.created] == ["OPS-2"]


def test_completion_is_read_every_fifteen_minutes(rig: Rig) -> None:
    rig.items.put_many([item(1)])
    rig.ticker.tick()
    rig.tracker.close("OPS-1")

    rig.clock.advance(ITEM_STATES_EVERY - timedelta(seconds=1))
    early = rig.ticker.tick()
    assert early.items is not None and not early.items.states_read
    rig.clock.advance(timedelta(seconds=1))
    due = rig.ticker.tick()

    assert due.items is not None and [c.key for c in due.items.closed] == ["OPS-1"]
    assert rig.items.get("act_1").status == ItemStatus.DONE  # type: ignore[union-attr]


def test_a_tracker_that_is_down_is_left_alone_and_the_preps_go_on(rig: Rig) -> None:
    rig.tracker.down = True
    rig.items.put_many([item(1), item(2)])

    first = rig.ticker.tick()
    assert first.sync is not None and first.items is not None
    assert first.items.unavailable == "cannot reach Jira" and rig.tracker.calls == 1

    rig.clock.advance(ITEM_RETRY_AFTER - timedelta(seconds=1))
    assert rig.ticker.tick().items is None and rig.tracker.calls == 1
    rig.tracker.down = False
    rig.clock.advance(timedelta(seconds=1))
    back = rig.ticker.tick()

    assert back.items is not None and len(back.items.created) == 2


def test_a_sync_on_its_own_leaves_the_tracker_alone(rig: Rig) -> None:
    rig.items.put_many([item(1)])

    report = rig.ticker.tick(sync=True, prepare=False)

    assert report.items is None and rig.tracker.issues == {}


def test_without_a_tracker_nothing_is_asked(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = tick_deps(
        catalog, rules, executive, engine=RecordingEngine(), clock=FixedClock(), sources=list
    )

    assert Ticker(deps, sync_every=None).tick().items is None
