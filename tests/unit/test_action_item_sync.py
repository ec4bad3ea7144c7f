"""The action items' sync with a task tracker, on fakes: what goes, what comes back done,
what one failure costs, and what the logs say."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.memory import InMemoryActionItemRepository, InMemoryMeetingRepository
from exec_assistant.domain.errors import TrackerUnavailable
from exec_assistant.domain.models import ActionItem, ItemStatus, Meeting
from exec_assistant.ports import TrackedIssue
from exec_assistant.services.action_item_sync import sync_action_items

from prep_fakes import NOW, FixedClock
from task_trackers import InMemoryTaskTracker

SECRET_TEXT = "Fire the vendor before the QBR"


def item(n: int, **fields: Any) -> ActionItem:
    values: dict[str, Any] = {
        "item_id": f"act_{n}",
        "meeting_id": "mtg_1",
        "text": f"{SECRET_TEXT} #{n}",
        "owner": "priya@northwind.example",
        "due": date(2026, 12, 20),
        "source_line": n,
        "created_at": NOW - timedelta(minutes=100 - n),
        **fields,
    }
    return ActionItem(**values)


def sync(items: InMemoryActionItemRepository, tracker: Any, **options: Any) -> Any:
    return sync_action_items(
        items, InMemoryMeetingRepository(), tracker, FixedClock(NOW), **options
    )


def test_only_open_accepted_items_without_an_issue_get_one() -> None:
    items = InMemoryActionItemRepository()
    items.put_many(
        [
            item(1),
            item(2, accepted=False),
            item(3, status=ItemStatus.DONE),
            item(4, tracker_key="OPS-40", tracker_url="memory://OPS-40"),
        ]
    )
    tracker = InMemoryTaskTracker()

    report = sync(items, tracker)

    assert [c.item_id for c in report.created] == ["act_1"]
    assert [i.item_id for i in tracker.issues.values()] == ["act_1"]
    assert items.get("act_1").tracker_key == "OPS-1"  # type: ignore[union-attr]
    assert items.get("act_2").tracker_key is None  # type: ignore[union-attr]


def test_the_meeting_goes_with_its_items() -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(1)])
    meetings = InMemoryMeetingRepository()
    meeting = Meeting(
        meeting_id="mtg_1",
        calendar_id="c",
        series_id="s",
        source_uid="u",
        title="Leadership team",
        start=NOW,
        end=NOW + timedelta(hours=1),
        timezone="America/New_York",
        discovered_at=NOW,
        updated_at=NOW,
    )
    meetings.put(meeting)
    tracker = InMemoryTaskTracker()

    sync_action_items(items, meetings, tracker, FixedClock(NOW))

    assert tracker.issues["OPS-1"].meeting_title == "Leadership team"


def test_items_whose_issue_is_done_are_closed_and_the_rest_stay_open() -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(1), item(2), item(3)])
    tracker = InMemoryTaskTracker()
    sync(items, tracker)
    tracker.close("OPS-2")
    tracker.delete("OPS-3")  # deleted in the tracker: the item stays as it is

    report = sync(items, tracker)

    assert [c.item_id for c in report.closed] == ["act_2"] and report.states_read
    assert [i.status for i in items.list()] == [ItemStatus.OPEN, ItemStatus.DONE, ItemStatus.OPEN]


def test_states_are_read_only_when_asked() -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(1)])
    tracker = InMemoryTaskTracker()
    sync(items, tracker)
    tracker.close("OPS-1")

    assert sync(items, tracker, read_states=False).closed == []
    assert items.get("act_1").status == ItemStatus.OPEN  # type: ignore[union-attr]


def test_a_long_history_is_spread_over_runs_oldest_first() -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(n) for n in range(1, 8)])
    tracker = InMemoryTaskTracker()

    first = sync(items, tracker, create_limit=3)
    second = sync(items, tracker, create_limit=3)

    assert [c.item_id for c in first.created] == ["act_1", "act_2", "act_3"]
    assert first.waiting == 4 and second.waiting == 1
    assert [c.item_id for c in second.created] == ["act_4", "act_5", "act_6"]


def test_one_refused_item_does_not_stop_the_others() -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(1), item(2), item(3)])
    tracker = InMemoryTaskTracker(refuse={"act_2"})

    report = sync(items, tracker)

    assert [c.item_id for c in report.created] == ["act_1", "act_3"]
    assert [(f.item_id, f.reason) for f in report.failed] == [
        ("act_2", "refused to create an issue for act_2")
    ]
    assert report.waiting == 0


class DownTracker(InMemoryTaskTracker):
    def create(self, item: ActionItem, meeting: Meeting | None) -> TrackedIssue:
        raise TrackerUnavailable("Jira refused the email and API token (401)")


def test_a_tracker_that_cannot_be_used_stops_the_run_and_says_why() -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(1), item(2)])

    report = sync(items, DownTracker())

    assert report.unavailable == "Jira refused the email and API token (401)"
    assert report.created == [] and report.failed == [] and report.waiting == 2


def test_an_item_replaced_meanwhile_is_not_brought_back() -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(1)])

    class Replacing(InMemoryTaskTracker):
        def create(self, item: ActionItem, meeting: Meeting | None) -> TrackedIssue:
            created = super().create(item, meeting)
            items.replace_for_meeting("mtg_1", [])  # corrected notes, while Jira answered
            return created

    report = sync(items, Replacing())

    assert report.created == [] and items.list() == []


def test_the_logs_have_counts_and_ids_never_the_text(caplog: pytest.LogCaptureFixture) -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(1), item(2)])
    caplog.set_level(logging.DEBUG)

    sync(items, InMemoryTaskTracker(refuse={"act_2"}))

    summary = [r for r in caplog.records if r.getMessage() == "action items synced"]
    assert len(summary) == 1 and summary[0].__dict__["issues_created"] == 1
    assert summary[0].__dict__["failed"] == 1
    for record in caplog.records:
        assert SECRET_TEXT not in record.getMessage()
        assert all(SECRET_TEXT not in str(value) for value in record.__dict__.values())


def test_a_slow_tracker_leaves_the_rest_for_the_next_run() -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(n) for n in range(1, 6)])
    elapsed = [0.0]

    class Slow(InMemoryTaskTracker):
        def create(self, item: ActionItem, meeting: Meeting | None) -> TrackedIssue:
            elapsed[0] += 25  # each create takes 25 s of the run's minute
            return super().create(item, meeting)

    report = sync(items, Slow(), time_budget=60, monotonic=lambda: elapsed[0])

    assert len(report.created) == 3 and report.waiting == 2
