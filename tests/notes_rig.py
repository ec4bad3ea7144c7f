"""One meeting's notes given to `process_notes` over in-memory stores (or fakes of them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
)
from exec_assistant.domain.models import Meeting
from exec_assistant.services.notes import NotesResult, process_notes


class NotesRig:
    def __init__(
        self,
        meeting: Meeting,
        *,
        meetings: InMemoryMeetingRepository | None = None,
        items: InMemoryActionItemRepository | None = None,
        decisions: InMemoryDecisionRepository | None = None,
        documents: InMemoryDocumentStore | None = None,
    ) -> None:
        self.meetings = meetings or InMemoryMeetingRepository()
        self.meetings.put(meeting)
        self.items = items or InMemoryActionItemRepository()
        self.decisions = decisions or InMemoryDecisionRepository()
        self.documents = documents or InMemoryDocumentStore()
        self.meeting = meeting

    def give(self, text: str, *, hours_after: float = 2, **more: Any) -> NotesResult:
        """The notes given `hours_after` the meeting's start; `more`: process_notes' other
        arguments (force, reader, catalog, proposed…)."""
        return process_notes(
            self.meeting.meeting_id,
            text,
            meetings=self.meetings,
            action_items=self.items,
            decisions=self.decisions,
            documents=self.documents,
            meeting_date=self.meeting.start.date(),
            now=self.meeting.start + timedelta(hours=hours_after),
            **more,
        )
