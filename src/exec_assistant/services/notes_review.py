"""The executive's review of what notes given in a chat produced: accept it, or correct the
action items first. Nothing reaches another person or a tracker before acceptance."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from exec_assistant.domain.item_edits import ItemEdit, ItemEditRefused, ItemEditsRefused, apply_edit
from exec_assistant.domain.models import ActionItem, Decision, Meeting, MeetingStatus
from exec_assistant.ports import (
    ActionItemRepository,
    DecisionRepository,
    DocumentStore,
    MeetingRepository,
)
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.notes import (
    NotesNotRead,
    NotesRefused,
    NotesResult,
    close_matching,
    meeting_notes_lock,
    notes_reading,
)

log = logging.getLogger(__name__)


class NotesChanged(NotesRefused):
    """The review form was opened on items and decisions that have changed since."""


def review_version(items: Sequence[ActionItem], decisions: Sequence[Decision]) -> str:
    """What a review form was rendered from, to refuse it once that changed: one function
    computes it for the form and for the check."""
    shown = [
        [
            "item",
            i.item_id,
            i.text,
            i.owner,
            i.due.isoformat() if i.due else None,
            i.status.value,
            i.source_line,
            i.accepted,
        ]
        for i in items
    ] + [
        ["decision", d.decision_id, d.text, d.status.value, d.source_line, d.accepted]
        for d in decisions
    ]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:32]


def _check_version(
    action_items: ActionItemRepository,
    decisions: DecisionRepository,
    meeting: Meeting,
    version: str,
) -> None:
    current = review_version(
        action_items.list(meeting_id=meeting.meeting_id),
        decisions.list(meeting_id=meeting.meeting_id),
    )
    if current != version:
        log.info("a review form of changed items refused", extra={"meeting_id": meeting.meeting_id})
        raise NotesChanged(
            f"the action items and decisions of meeting {meeting.meeting_id} "
            f"({meeting.title}) changed since you opened the page; nothing was stored",
            hint="Here they are now: make your changes again.",
        )


def _check_read(documents: DocumentStore, meeting: Meeting) -> None:
    if notes_reading(documents, meeting.meeting_id).unread:
        raise NotesNotRead(
            f"the notes of meeting {meeting.meeting_id} ({meeting.title}) were stored but not "
            "fully read: the items beside them may be partly from earlier notes",
            hint="Read the stored notes again (on the Notes page), or give them again.",
        )


@dataclass(frozen=True)
class NotesAcceptance:
    meeting: Meeting
    action_items: list[ActionItem]
    decisions: list[Decision]
    closed_elsewhere: list[ActionItem]
    """Open items of earlier meetings that the accepted notes mark done, now closed."""
    newly_accepted: int
    """Items and decisions accepted now; 0 when they all were already."""


def accept_notes(
    meetings: MeetingRepository,
    action_items: ActionItemRepository,
    decisions: DecisionRepository,
    meeting_id: str,
    now: datetime,
    *,
    edits: Sequence[ItemEdit] = (),
    documents: DocumentStore | None = None,
    version: str | None = None,
) -> NotesAcceptance:
    """Accept the meeting's proposed items and decisions: from now on the lists, the packs
    and the context sources show them, and the earlier items they mark done are closed.
    Accepting again changes nothing. Refused for a meeting whose notes were not given.

    `edits` (the review form as the executive left it) are applied first, as
    `edit_notes_items` applies them: when one is refused, nothing is stored or accepted.

    With `documents`, refused (NotesNotRead) while the stored notes were not fully read.
    With `version` (`review_version` of what the form showed), refused (NotesChanged) when
    the items or decisions changed since; checked and written under `meeting_notes_lock`,
    so of two such forms of one version in this process, the second is refused."""
    meeting = find_meeting(meetings, meeting_id)
    if meeting.status != MeetingStatus.COMPLETED:
        raise NotesRefused(
            f"meeting {meeting.meeting_id} ({meeting.title}) has no notes to accept yet",
            hint="Give its notes first (in its thread, or: exec-assistant notes).",
        )
    with meeting_notes_lock(meeting.meeting_id):
        if documents is not None:
            _check_read(documents, meeting)
        if version is not None:
            _check_version(action_items, decisions, meeting, version)
        if edits:
            edit_notes_items(action_items, meeting.meeting_id, edits)
        items = action_items.list(meeting_id=meeting.meeting_id)
        found = decisions.list(meeting_id=meeting.meeting_id)
        fresh_items = [i.model_copy(update={"accepted": True}) for i in items if not i.accepted]
        fresh_decisions = [d.model_copy(update={"accepted": True}) for d in found if not d.accepted]
        if fresh_decisions:
            decisions.put_many(fresh_decisions)
        if fresh_items:
            action_items.put_many(fresh_items)
        accepted_items = [i.model_copy(update={"accepted": True}) for i in items]
        closed = close_matching(accepted_items, meeting, action_items) if fresh_items else []
        if closed:
            action_items.put_many(closed)
        stored = meetings.update(
            meeting.meeting_id, lambda m: m.model_copy(update={"updated_at": now})
        )
    log.info(
        "notes accepted",
        extra={
            "meeting_id": meeting.meeting_id,
            "action_items": len(fresh_items),
            "decisions": len(fresh_decisions),
            "closed_elsewhere": len(closed),
        },
    )
    return NotesAcceptance(
        stored or meeting,
        accepted_items,
        [d.model_copy(update={"accepted": True}) for d in found],
        closed,
        len(fresh_items) + len(fresh_decisions),
    )


def edit_notes_items(
    action_items: ActionItemRepository,
    meeting_id: str,
    edits: Sequence[ItemEdit],
    *,
    decisions: DecisionRepository | None = None,
    documents: DocumentStore | None = None,
    meeting: Meeting | None = None,
    version: str | None = None,
) -> list[ActionItem]:
    """Apply the executive's corrections to the meeting's action items, all or none; the
    items stored, in the order of the edits. An edited item keeps whether it was accepted.

    Refused (and nothing stored): an item that is not one of this meeting's, the same item
    twice, empty text, a due date that cannot be meant (see `apply_edit`). Every item's
    refusal is told at once (ItemEditsRefused, by item id), not only the first one's.

    With `documents` and `meeting`, refused (NotesNotRead) while the stored notes were not
    fully read; with `decisions`, `meeting` and `version`, refused (NotesChanged) when what
    the form showed changed since (as `accept_notes` checks it)."""
    if (documents is not None or version is not None) and meeting is None:
        raise ValueError("checking the notes or the form's version needs the meeting")
    if version is not None and decisions is None:
        raise ValueError("checking the form's version needs the decisions")
    with meeting_notes_lock(meeting_id):
        if documents is not None and meeting is not None:
            _check_read(documents, meeting)
        if version is not None and decisions is not None and meeting is not None:
            _check_version(action_items, decisions, meeting, version)
        return _edit(action_items, meeting_id, edits)


def _edit(
    action_items: ActionItemRepository, meeting_id: str, edits: Sequence[ItemEdit]
) -> list[ActionItem]:
    stored = {i.item_id: i for i in action_items.list(meeting_id=meeting_id)}
    seen: set[str] = set()
    changed: list[ActionItem] = []
    refused: dict[str, ItemEditRefused] = {}
    for edit in edits:
        item = stored.get(edit.item_id)
        if item is None:
            raise ItemEditRefused(
                f"action item {edit.item_id[:40]} is not one of meeting {meeting_id}'s",
                hint="Its notes may have been given again since; open the items again.",
            )
        if edit.item_id in seen:
            raise ItemEditRefused(f"action item {edit.item_id} is edited twice")
        seen.add(edit.item_id)
        try:
            changed.append(apply_edit(item, edit))
        except ItemEditRefused as exc:
            refused[edit.item_id] = exc
    if refused:
        raise ItemEditsRefused(refused)
    if changed:
        action_items.put_many(changed)
    log.info("action items edited", extra={"meeting_id": meeting_id, "count": len(changed)})
    return changed


def notes_under_review(
    meetings: MeetingRepository,
    action_items: ActionItemRepository,
    decisions: DecisionRepository,
    documents: DocumentStore,
    meeting_id: str,
) -> NotesResult:
    """What the meeting's notes produced, as it stands now (after edits, after acceptance),
    to show the executive again."""
    meeting = find_meeting(meetings, meeting_id)
    summary = notes_reading(documents, meeting.meeting_id).summary
    items = action_items.list(meeting_id=meeting.meeting_id)
    found = decisions.list(meeting_id=meeting.meeting_id)
    return NotesResult(
        meeting=meeting,
        summary=summary,
        decisions=found,
        action_items=items,
        closed_elsewhere=[],
        proposed=any(not i.accepted for i in items) or any(not d.accepted for d in found),
    )


@dataclass(frozen=True)
class NotesReview:
    result: NotesResult
    """What the notes produced, as it stands now."""
    notes: str | None
    """The notes as given (their lines are the ones items cite); None before any were."""
    unread: bool = False
    """The stored notes were not fully read (`notes_reading`): `result` may be partly from
    earlier notes, and is not to be shown as theirs."""


def review_notes(
    meetings: MeetingRepository,
    action_items: ActionItemRepository,
    decisions: DecisionRepository,
    documents: DocumentStore,
    meeting_id: str,
) -> NotesReview:
    """The meeting's notes beside what they produced: for a page that shows each item's
    source line."""
    result = notes_under_review(meetings, action_items, decisions, documents, meeting_id)
    reading = notes_reading(documents, result.meeting.meeting_id)
    return NotesReview(result, reading.notes, unread=reading.unread)
