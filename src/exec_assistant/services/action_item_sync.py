"""Accepted action items kept in step with the task tracker (Jira).

Each open accepted item without an issue gets one (its owner as assignee, its due date), and
an item whose issue is done is marked done. An item the executive has not accepted (a
proposal from notes given in a chat) never leaves the machine.

Safe to repeat after a crash: the tracker finds an issue it created for an item before the
item's key was stored, and returns it instead of creating another. One item the tracker
refuses does not stop the others; a tracker that cannot be used at all (credentials refused,
unreachable) stops the run, which the next one repeats. Logs carry ids and counts, never an
item's text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from exec_assistant.domain.errors import TrackerUnavailable
from exec_assistant.domain.models import ActionItem, ItemStatus
from exec_assistant.ports import (
    ActionItemRepository,
    Clock,
    MeetingRepository,
    TaskTracker,
    TrackedIssue,
)

log = logging.getLogger(__name__)

CREATE_LIMIT = 25
"""Issues one run creates at most: a first sync over a long history of items is spread over
several runs rather than one burst the tracker throttles."""
TIME_BUDGET_SECONDS = 60.0
"""Past this, a run creates no more issues (the rest wait for the next): a tracker slow on
every call must not hold the tick that runs the preps."""
REASON_LIMIT = 300


@dataclass(frozen=True)
class ItemTracked:
    item_id: str
    key: str
    url: str


@dataclass(frozen=True)
class ItemNotSynced:
    item_id: str
    reason: str
    """What the tracker said (never the item's text)."""


@dataclass
class ItemSyncReport:
    at: datetime
    tracker: str
    created: list[ItemTracked] = field(default_factory=list)
    """Items now linked to an issue: created now, or found from a run that stopped."""
    closed: list[ItemTracked] = field(default_factory=list)
    """Items marked done because their issue is."""
    failed: list[ItemNotSynced] = field(default_factory=list)
    waiting: int = 0
    """Items left for the next run (past `CREATE_LIMIT`, or after the tracker stopped)."""
    unavailable: str | None = None
    """Why the run stopped early: the tracker could not be used at all."""
    states_read: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.closed or self.failed or self.unavailable)


def sync_action_items(
    items: ActionItemRepository,
    meetings: MeetingRepository,
    tracker: TaskTracker,
    clock: Clock,
    *,
    read_states: bool = True,
    create_limit: int = CREATE_LIMIT,
    time_budget: float = TIME_BUDGET_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> ItemSyncReport:
    """Create the issues of open accepted items that have none (oldest first, at most
    `create_limit`, none once `time_budget` seconds have gone), then, with `read_states`,
    mark done the items whose issue is done."""
    started = time.perf_counter()
    stop_at = monotonic() + time_budget
    report = ItemSyncReport(clock.now(), tracker.name)
    open_items = [i for i in items.list(open_only=True) if i.accepted]
    new = sorted((i for i in open_items if not i.tracker_key), key=lambda i: i.created_at)
    tracked = [i for i in open_items if i.tracker_key]
    tried: list[str] = []
    try:
        chosen = new[: max(create_limit, 0)]
        _create(items, meetings, tracker, chosen, report, tried, lambda: monotonic() >= stop_at)
        if read_states and tracked:
            _close_done(items, tracker, tracked, report)
    except TrackerUnavailable as exc:
        report.unavailable = _cut(exc.message)
        log.warning(
            "task tracker unavailable; the next sync tries again",
            extra={"tracker": tracker.name, "error": type(exc).__name__},
        )
    report.waiting = len(new) - len(tried)
    log.info(
        "action items synced",
        extra={
            "tracker": tracker.name,
            "issues_created": len(report.created),
            "closed": len(report.closed),
            "failed": len(report.failed),
            "waiting": report.waiting,
            "unavailable": report.unavailable is not None,
            "duration_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    return report


def _create(
    items: ActionItemRepository,
    meetings: MeetingRepository,
    tracker: TaskTracker,
    chosen: list[ActionItem],
    report: ItemSyncReport,
    tried: list[str],
    out_of_time: Callable[[], bool],
) -> None:
    """Each item's issue, linked to it; `tried` gets the ids the tracker has answered for."""
    by_id = meetings.get_many(list({i.meeting_id for i in chosen})) if chosen else {}
    for item in chosen:
        if out_of_time():
            return
        try:
            issue = tracker.create(item, by_id.get(item.meeting_id))
        except TrackerUnavailable:
            raise
        except Exception as exc:  # one item the tracker refuses must not stop the others
            tried.append(item.item_id)
            _failed(report, item.item_id, exc)
            continue
        tried.append(item.item_id)
        try:
            if _link(items, item.item_id, issue):
                report.created.append(ItemTracked(item.item_id, issue.key, issue.url))
        except Exception as exc:  # not stored: the tracker finds the issue next time
            _failed(report, item.item_id, exc)


def _failed(report: ItemSyncReport, item_id: str, exc: Exception) -> None:
    report.failed.append(ItemNotSynced(item_id, _reason(exc)))
    log.warning("action item not synced", extra={"item_id": item_id, "error": type(exc).__name__})


def _link(items: ActionItemRepository, item_id: str, issue: TrackedIssue) -> bool:
    """Store the issue on the item as it is now; False when the item is gone meanwhile
    (corrected notes replaced it) or another run linked it first."""
    current = items.get(item_id)
    if current is None or current.tracker_key is not None:
        return False
    update: dict[str, object] = {"tracker_key": issue.key, "tracker_url": issue.url}
    if issue.done:
        update["status"] = ItemStatus.DONE
    items.put_many([current.model_copy(update=update)])
    return True


def _close_done(
    items: ActionItemRepository,
    tracker: TaskTracker,
    tracked: list[ActionItem],
    report: ItemSyncReport,
) -> None:
    states = tracker.states([i.tracker_key for i in tracked if i.tracker_key])
    report.states_read = True
    for item in tracked:
        issue = states.get(item.tracker_key or "")
        if issue is None or not issue.done:
            continue
        current = items.get(item.item_id)
        if (
            current is None
            or current.status != ItemStatus.OPEN
            or current.tracker_key != item.tracker_key
        ):
            continue
        try:
            items.put_many([current.model_copy(update={"status": ItemStatus.DONE})])
        except Exception as exc:  # the next run reads the state again
            _failed(report, item.item_id, exc)
            continue
        report.closed.append(ItemTracked(item.item_id, issue.key, issue.url))


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return _cut(message)


def _cut(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= REASON_LIMIT else line[: REASON_LIMIT - 1] + "…"
