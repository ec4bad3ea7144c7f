"""An in-memory TaskTracker for the services' tests: the same contract as Jira's tracker
(tests/contract/test_task_trackers.py holds both to it)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from exec_assistant.domain.models import ActionItem, Meeting
from exec_assistant.ports import TrackedIssue


@dataclass
class MemoryIssue:
    key: str
    item_id: str
    summary: str
    assignee: str | None
    due: str | None
    meeting_title: str | None
    done: bool = False


@dataclass
class InMemoryTaskTracker:
    project: str = "OPS"
    name: str = "memory"
    issues: dict[str, MemoryIssue] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    """Item ids whose create is refused (as Jira refuses a field)."""
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, item: ActionItem, meeting: Meeting | None) -> TrackedIssue:
        with self._lock:
            if item.item_id in self.refuse:
                raise ValueError(f"refused to create an issue for {item.item_id}")
            for issue in self.issues.values():
                if issue.item_id == item.item_id:
                    return self._tracked(issue)
            key = f"{self.project}-{next(self._numbers)}"
            self.issues[key] = MemoryIssue(
                key,
                item.item_id,
                item.text,
                item.owner,
                item.due.isoformat() if item.due else None,
                meeting.title if meeting else None,
            )
            return self._tracked(self.issues[key])

    def states(self, keys: Sequence[str]) -> dict[str, TrackedIssue]:
        with self._lock:
            return {k: self._tracked(self.issues[k]) for k in keys if k in self.issues}

    def close(self, key: str) -> None:
        with self._lock:
            self.issues[key].done = True

    def delete(self, key: str) -> None:
        with self._lock:
            del self.issues[key]

    def _tracked(self, issue: MemoryIssue) -> TrackedIssue:
        return TrackedIssue(issue.key, f"memory://{issue.key}", done=issue.done)
