"""After the meeting: notes in, summary, decisions and action items out, each traceable to a
line of the notes. Open items come back in the next relevant prep."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.models import (
    ActionItem,
    Decision,
    DecisionStatus,
    ItemStatus,
    Meeting,
    MeetingStatus,
)
from exec_assistant.domain.notes import NotesExtraction, parse_notes
from exec_assistant.ports import (
    ActionItemRepository,
    DecisionRepository,
    DocumentStore,
    MeetingRepository,
)
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.pack_documents import NOTES_MD

log = logging.getLogger(__name__)

FOLLOWUP_JSON = "followup.json"


class NotesRefused(ExecAssistantError):
    exit_code = 2


@dataclass(frozen=True)
class NotesResult:
    meeting: Meeting
    summary: str
    decisions: list[Decision]
    action_items: list[ActionItem]
    closed_elsewhere: list[ActionItem]
    """Open items of earlier meetings that these notes mark done."""

    def as_json(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting.meeting_id,
            "summary": self.summary,
            "decisions": [
                {"text": d.text, "source_line": d.source_line, "status": d.status.value}
                for d in self.decisions
            ],
            "action_items": [
                {
                    "text": i.text,
                    "owner": i.owner,
                    "owner_resolved": i.owner_resolved,
                    "due": i.due.isoformat() if i.due else None,
                    "status": i.status.value,
                    "source_line": i.source_line,
                }
                for i in self.action_items
            ],
            "closed_elsewhere": [i.item_id for i in self.closed_elsewhere],
        }


def _id(prefix: str, meeting_id: str, line: int, text: str) -> str:
    digest = hashlib.sha256(f"{meeting_id}\x1f{line}\x1f{text}".encode()).hexdigest()
    return f"{prefix}_{digest[:16]}"


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def process_notes(
    meeting_id: str,
    text: str,
    *,
    meetings: MeetingRepository,
    action_items: ActionItemRepository,
    decisions: DecisionRepository,
    documents: DocumentStore,
    meeting_date: date,
    now: datetime,
    force: bool = False,
) -> NotesResult:
    """Store notes.md, extract what was decided and who does what by when, close the meeting.

    Notes given again (corrected) replace what the earlier ones produced: decisions and items
    no longer in the notes go; an item still there keeps its id, and stays done if it was
    closed meanwhile. Notes for a meeting that has not started are refused unless `force`.
    """
    meeting = find_meeting(meetings, meeting_id)
    if meeting.status in (MeetingStatus.SKIPPED, MeetingStatus.CANCELLED):
        raise NotesRefused(
            f"meeting {meeting.meeting_id} ({meeting.title}) is {meeting.status.value}"
            + (f" ({meeting.skip_reason})" if meeting.skip_reason else ""),
            hint="Notes are taken for meetings that took place.",
        )
    if meeting.start > now and not force:
        raise NotesRefused(
            f"meeting {meeting.meeting_id} ({meeting.title}) has not started yet: it starts "
            f"{meeting.start:%Y-%m-%d %H:%M} UTC",
            hint="Give its notes after it, or pass --force to store them now.",
        )
    if not text.strip():
        raise NotesRefused("the notes are empty")
    extraction: NotesExtraction = parse_notes(text, meeting_date, meeting.attendees)
    found_decisions = [
        Decision(
            decision_id=_id("dec", meeting_id, d.source_line, d.text),
            meeting_id=meeting_id,
            series_id=meeting.series_id,
            text=d.text,
            status=DecisionStatus.PENDING if d.pending else DecisionStatus.DECIDED,
            source_line=d.source_line,
            created_at=now,
        )
        for d in extraction.decisions
    ]
    found_items = [
        ActionItem(
            item_id=_id("act", meeting_id, i.source_line, i.text),
            meeting_id=meeting_id,
            series_id=meeting.series_id,
            text=i.text,
            owner=i.owner,
            owner_resolved=i.owner_resolved,
            due=i.due,
            status=ItemStatus.DONE if i.done else ItemStatus.OPEN,
            source_line=i.source_line,
            created_at=now,
        )
        for i in extraction.action_items
    ]
    found_items = _carry_over(found_items, action_items.list(meeting_id=meeting.meeting_id))
    found_decisions = _carry_over_decisions(
        found_decisions, decisions.list(meeting_id=meeting.meeting_id)
    )
    closed = _close_matching(found_items, meeting, action_items)
    documents.put(meeting_document(meeting_id, NOTES_MD), text.encode(), "text/markdown")
    documents.put(
        meeting_document(meeting_id, FOLLOWUP_JSON),
        json.dumps(
            {"summary": extraction.summary, "processed_at": now.isoformat()}, ensure_ascii=False
        ).encode(),
        "application/json",
    )
    decisions.replace_for_meeting(meeting.meeting_id, found_decisions)
    action_items.replace_for_meeting(meeting.meeting_id, found_items)
    action_items.put_many(closed)
    meetings.update(meeting.meeting_id, lambda m: m.with_status(MeetingStatus.COMPLETED))
    log.info(
        "notes processed",
        extra={
            "meeting_id": meeting_id,
            "decisions": len(found_decisions),
            "action_items": len(found_items),
            "closed_elsewhere": len(closed),
        },
    )
    return NotesResult(
        find_meeting(meetings, meeting_id),
        extraction.summary,
        found_decisions,
        found_items,
        closed,
    )


def _carry_over(found: list[ActionItem], earlier: list[ActionItem]) -> list[ActionItem]:
    """Items of corrected notes that were there before keep their id and creation time, and
    stay done if they were closed meanwhile."""
    before = {_normal(i.text): i for i in earlier}
    kept = []
    for item in found:
        old = before.pop(_normal(item.text), None)
        if old is not None:
            item = item.model_copy(
                update={
                    "item_id": old.item_id,
                    "created_at": old.created_at,
                    "status": ItemStatus.DONE if old.status == ItemStatus.DONE else item.status,
                }
            )
        kept.append(item)
    return kept


def _carry_over_decisions(found: list[Decision], earlier: list[Decision]) -> list[Decision]:
    before = {_normal(d.text): d for d in earlier}
    kept = []
    for decision in found:
        old = before.pop(_normal(decision.text), None)
        if old is not None:
            decision = decision.model_copy(
                update={"decision_id": old.decision_id, "created_at": old.created_at}
            )
        kept.append(decision)
    return kept


def _close_matching(
    found: list[ActionItem], meeting: Meeting, action_items: ActionItemRepository
) -> list[ActionItem]:
    """Items these notes tick off ('- [x] ...') that were open from an earlier meeting."""
    done = {_normal(i.text) for i in found if i.status == ItemStatus.DONE}
    if not done:
        return []
    candidates = action_items.list(open_only=True, series_id=meeting.series_id)
    for attendee in meeting.attendees:
        candidates += action_items.list(open_only=True, owner=attendee.email)
    closed = {
        i.item_id: i.model_copy(update={"status": ItemStatus.DONE})
        for i in candidates
        if i.meeting_id != meeting.meeting_id and _normal(i.text) in done
    }
    return list(closed.values())
