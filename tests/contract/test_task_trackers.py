"""The TaskTracker contract, on every tracker: Jira's (against the fake Jira Cloud) and the
in-memory one the services' tests use. One more entry in TRACKERS runs it on another."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.context.jira import JiraTrackerSource
from exec_assistant.context.jira_tracker import JiraTaskTracker
from exec_assistant.domain.models import ActionItem
from exec_assistant.ports import TaskTracker

from jira_api import JiraApi
from task_trackers import InMemoryTaskTracker


@dataclass
class TrackerRig:
    tracker: TaskTracker
    close: Callable[[str], None]
    """Someone closes the issue in the tracker."""
    delete: Callable[[str], None]
    count: Callable[[], int]


@contextmanager
def memory() -> Iterator[TrackerRig]:
    tracker = InMemoryTaskTracker()
    yield TrackerRig(tracker, tracker.close, tracker.delete, lambda: len(tracker.issues))


@contextmanager
def jira() -> Iterator[TrackerRig]:
    with JiraApi() as api:
        api.add_project("OPS", issue_types=("Task",))
        tracker = JiraTaskTracker(
            JiraTrackerSource(base_url=api.base_url, project="OPS"),
            EnvSecretStore({"JIRA_EMAIL": api.email, "JIRA_API_TOKEN": api.token}),
        )
        yield TrackerRig(
            tracker, lambda key: api.move(key, "Done"), api.delete, lambda: len(api.issues())
        )
        tracker.close()


TRACKERS = {"memory": memory, "jira": jira}


@pytest.fixture(params=sorted(TRACKERS))
def rig(request: pytest.FixtureRequest) -> Iterator[TrackerRig]:
    with TRACKERS[request.param]() as made:
        yield made


def item(n: int) -> ActionItem:
    return ActionItem(
        item_id=f"act_{n:016x}",
        meeting_id="mtg_1",
        text=f"Item {n}",
        owner="nobody@northwind.example",
        due=date(2026, 12, 20),
        source_line=n,
        created_at=datetime(2026, 11, 30, tzinfo=UTC),
    )


def test_creating_an_item_again_gives_back_its_issue(rig: TrackerRig) -> None:
    first = rig.tracker.create(item(1), None)
    again = rig.tracker.create(item(1), None)
    other = rig.tracker.create(item(2), None)

    assert again.key == first.key and other.key != first.key
    assert rig.count() == 2 and not first.done


def test_states_say_which_issues_are_done(rig: TrackerRig) -> None:
    keys = [rig.tracker.create(item(n), None).key for n in range(3)]
    rig.close(keys[1])

    states = rig.tracker.states(keys)

    assert {k: s.done for k, s in states.items()} == {keys[0]: False, keys[1]: True, keys[2]: False}
    assert all(states[k].key == k and states[k].url for k in keys)


def test_states_leave_out_issues_that_are_gone(rig: TrackerRig) -> None:
    keys = [rig.tracker.create(item(n), None).key for n in range(2)]
    rig.delete(keys[0])

    assert set(rig.tracker.states([*keys, "ZZZ-404"])) == {keys[1]}
    assert rig.tracker.states([]) == {}


def test_a_closed_issue_is_given_back_done(rig: TrackerRig) -> None:
    made = rig.tracker.create(item(1), None)
    rig.close(made.key)

    assert rig.tracker.create(item(1), None).done
