"""Context from the assistant's own records: the decision register and meeting history."""

from __future__ import annotations

import json
from datetime import timedelta

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.models import ItemStatus, MeetingStatus
from exec_assistant.domain.text import plural
from exec_assistant.ports import (
    ActionItemRepository,
    DecisionRepository,
    DocumentStore,
    MeetingRepository,
)

FOLLOWUP_FILE = "followup.json"
RECENT_DAYS = 30


class DecisionsContextProvider:
    """Pending decisions and those taken lately, in this series or by these people."""

    name = "decisions"

    def __init__(self, decisions: DecisionRepository) -> None:
        self._decisions = decisions

    def gather(self, request: ContextRequest) -> ContextResult:
        # Decisions from notes the executive has not accepted yet are proposals, not facts.
        pending = [d for d in self._decisions.list(open_only=True) if d.accepted]
        series = [d for d in self._decisions.list(series_id=request.series_id) if d.accepted]
        since = request.now - timedelta(days=RECENT_DAYS)
        recent = [d for d in series if d.status.value == "decided" and d.created_at >= since]
        facts = [f"{plural(len(pending), 'decision')} pending across your meetings."]
        facts += [f"Pending: {d.text}" for d in pending[:5]]
        facts += [f"Decided {d.created_at:%d %b}: {d.text}" for d in recent[-5:]]
        return ContextResult(
            provider=self.name,
            facts=tuple(facts),
            highlights=tuple(f"Pending decision: {d.text}" for d in pending[:3]),
            data={
                "pending": [d.model_dump(mode="json") for d in pending],
                "recent": [d.model_dump(mode="json") for d in recent],
            },
        )


class HistoryContextProvider:
    """The last notes of this series, and what the attendees still owe."""

    name = "history"

    def __init__(
        self,
        meetings: MeetingRepository,
        action_items: ActionItemRepository,
        documents: DocumentStore,
    ) -> None:
        self._meetings = meetings
        self._items = action_items
        self._documents = documents

    def gather(self, request: ContextRequest) -> ContextResult:
        earlier = [
            m
            for m in self._meetings.list_series(request.series_id)
            if m.start < request.start and m.meeting_id != request.meeting_id
        ]
        facts: list[str] = []
        data: dict[str, object] = {}
        last_done = next(
            (m for m in reversed(earlier) if m.status == MeetingStatus.COMPLETED), None
        )
        if last_done is not None:
            raw = self._documents.get(meeting_document(last_done.meeting_id, FOLLOWUP_FILE))
            text = str(json.loads(raw).get("summary") or "") if raw else ""
            text = text or "notes were taken"
            facts.append(f"Last time ({last_done.start:%a %d %b}): {text}")
            data["last_meeting_id"] = last_done.meeting_id
        else:
            facts.append("No earlier notes for this meeting series.")
        owed: dict[str, int] = {}
        for person in request.people:
            items = [i for i in self._items.list(owner=person, open_only=True) if i.accepted]
            if items:
                owed[person] = len(items)
        series_open = [
            i
            for i in self._items.list(series_id=request.series_id)
            if i.status == ItemStatus.OPEN and i.accepted
        ]
        facts.append(
            f"{plural(len(series_open), 'open action item')} from earlier meetings of this series."
        )
        facts += [
            f"{person} has {plural(count, 'open action item')}." for person, count in owed.items()
        ]
        data["open_by_owner"] = owed
        data["series_open"] = len(series_open)
        return ContextResult(provider=self.name, facts=tuple(facts), data=data)
