"""After the meeting: notes in, summary, decisions and action items out, each traceable to a
line of the notes. Open items come back in the next relevant prep."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.errors import ExecAssistantError, ModelCallFailed
from exec_assistant.domain.meeting_types import MeetingTypeCatalog
from exec_assistant.domain.models import (
    ActionItem,
    Decision,
    DecisionStatus,
    ItemStatus,
    Meeting,
    MeetingStatus,
    ModelCall,
)
from exec_assistant.domain.notes import NotesExtraction, parse_notes
from exec_assistant.domain.privacy import DEFAULT_PRIVATE_PROVIDERS, private_refusal
from exec_assistant.ports import (
    ActionItemRepository,
    DecisionRepository,
    DocumentStore,
    MeetingRepository,
    NotesReader,
    ReadNotes,
)
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.pack_documents import NOTES_MD
from exec_assistant.services.time_limit import TimeLimitExceeded, within

log = logging.getLogger(__name__)

FOLLOWUP_JSON = "followup.json"
PARSER = "parser"
"""Who may read a private meeting's notes unless told otherwise (see `domain.privacy`)."""
READER_TIMEOUT_SECONDS = 180.0
"""How long a notes reader may take before the parser's result is used without it."""
_REASON_LIMIT = 300


class NotesRefused(ExecAssistantError):
    exit_code = 2


class NotesNotRead(NotesRefused):
    """The stored notes were not (fully) read: what is stored beside them may be partly from
    earlier notes, so it is neither shown as theirs nor accepted."""


_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


@contextmanager
def meeting_notes_lock(meeting_id: str) -> Iterator[None]:
    """Held while a meeting's items and decisions are checked and written, so that within
    this process a check and the write it allows are not interleaved with another's. It
    does not reach other processes (another command, another Lambda instance)."""
    with _locks_guard:
        lock = _locks.setdefault(meeting_id, threading.RLock())
    with lock:
        yield


def notes_digest(data: bytes) -> str:
    """The digest the "processed" record keeps of the notes it was read from."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class NotesReading:
    notes: str | None
    """The notes as stored; None before any were given."""
    summary: str
    read: bool
    """The stored notes were read to the end: the record written last, after the decisions,
    the items and the meeting's status, carries their digest. False when notes are stored
    without it (a crash or failure while they were read), or with another notes' digest."""

    @property
    def unread(self) -> bool:
        return self.notes is not None and not self.read


def notes_reading(documents: DocumentStore, meeting_id: str) -> NotesReading:
    """The stored notes and whether what was extracted from them is all theirs. A record
    written before records carried a digest is taken as read: it cannot be checked."""
    data = documents.get(meeting_document(meeting_id, NOTES_MD))
    stored = documents.get(meeting_document(meeting_id, FOLLOWUP_JSON))
    record: dict[str, Any] = {}
    if stored is not None:
        try:
            loaded = json.loads(stored)
            record = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            record = {}  # an unreadable record: as if none, the notes to be read again
    summary = str(record.get("summary") or "")
    if data is None:
        return NotesReading(None, summary, read=False)
    digest = record.get("notes_sha256")
    read = bool(record) and (digest is None or digest == notes_digest(data))
    return NotesReading(data.decode("utf-8", errors="replace"), summary, read=read)


class NotesTooEarly(NotesRefused):
    """Notes for a meeting that has not started, given without `force`."""


@dataclass(frozen=True)
class NotesResult:
    meeting: Meeting
    summary: str
    decisions: list[Decision]
    action_items: list[ActionItem]
    closed_elsewhere: list[ActionItem]
    """Open items of earlier meetings that these notes mark done."""
    read_by: str = PARSER
    """"parser", or the model that read the notes (its items checked and merged in)."""
    dropped: list[str] = field(default_factory=list)
    """Why items the model gave were not kept."""
    fallback_reason: str | None = None
    """Why the configured reader's result was not used (the parser's was)."""
    proposed: bool = False
    """The items and decisions wait for the executive to accept them (`accept_notes`);
    `closed_elsewhere` is what accepting them would close."""

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
            "read_by": self.read_by,
            "dropped": list(self.dropped),
            "fallback_reason": self.fallback_reason,
            "accepted": not self.proposed,
        }


def _id(prefix: str, meeting_id: str, line: int, text: str) -> str:
    digest = hashlib.sha256(f"{meeting_id}\x1f{line}\x1f{text}".encode()).hexdigest()
    return f"{prefix}_{digest[:16]}"


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def check_notes_given(meeting: Meeting, text: str, now: datetime, *, force: bool = False) -> None:
    """NotesRefused for notes of a meeting that was skipped, cancelled or has not started
    (unless `force`), and for empty notes: checked before they are stored or handed on."""
    if meeting.status in (MeetingStatus.SKIPPED, MeetingStatus.CANCELLED):
        raise NotesRefused(
            f"meeting {meeting.meeting_id} ({meeting.title}) is {meeting.status.value}"
            + (f" ({meeting.skip_reason})" if meeting.skip_reason else ""),
            hint="Notes are taken for meetings that took place.",
        )
    if meeting.start > now and not force:
        raise NotesTooEarly(
            f"meeting {meeting.meeting_id} ({meeting.title}) has not started yet: it starts "
            f"{meeting.start:%Y-%m-%d %H:%M} UTC",
            hint="Give its notes after it, or pass --force to store them now.",
        )
    if not text.strip():
        raise NotesRefused("the notes are empty")


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
    reader: NotesReader | None = None,
    catalog: MeetingTypeCatalog | None = None,
    private_providers: Sequence[str] = DEFAULT_PRIVATE_PROVIDERS,
    reader_timeout: float = READER_TIMEOUT_SECONDS,
    proposed: bool = False,
) -> NotesResult:
    """Store notes.md, extract what was decided and who does what by when, close the meeting.

    The notes are stored first and the record that they were read (their summary and
    digest) last: a crash in between leaves the notes, and `notes_reading` says they were
    not fully read until they are given again (the stored ones, read again, do).

    Notes given again (corrected) replace what the earlier ones produced: decisions and items
    no longer in the notes go; an item still there keeps its id, and stays done if it was
    closed meanwhile. Notes for a meeting that has not started are refused unless `force`.

    With a `reader` (a model), its checked items are merged with the parser's; its model
    calls are added to the meeting's. `catalog` says whether the meeting's type is private:
    a private meeting's notes go only to a reader `private_providers` allows. A refused,
    failed or slow reader never costs the result: the parser's is used, with the reason.

    `proposed` (notes given in a chat): the items and decisions are stored as proposals
    (`accepted` False) that no list, pack or context source shows, and the earlier items
    they mark done stay open, until the executive accepts them (`accept_notes`). Notes
    given again while proposed replace the proposal. The CLI's notes are accepted at once.
    """
    meeting = find_meeting(meetings, meeting_id)
    check_notes_given(meeting, text, now, force=force)
    if reader is not None and catalog is None:
        raise ValueError("a notes reader needs the meeting type catalog, to know private types")
    extraction: NotesExtraction = parse_notes(text, meeting_date, meeting.attendees)
    read = ReadNotes(extraction)
    fallback_reason: str | None = None
    if reader is not None and catalog is not None:
        read, fallback_reason = _read(
            reader, text, meeting, extraction, catalog, private_providers, reader_timeout
        )
        extraction = read.extraction
    found_decisions = [
        Decision(
            decision_id=_id("dec", meeting_id, d.source_line, d.text),
            meeting_id=meeting_id,
            series_id=meeting.series_id,
            text=d.text,
            status=DecisionStatus.PENDING if d.pending else DecisionStatus.DECIDED,
            source_line=d.source_line,
            created_at=now,
            accepted=not proposed,
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
            accepted=not proposed,
        )
        for i in extraction.action_items
    ]
    data = text.encode()
    # The order is what a crash leaves: the notes first, so they are never lost; the record
    # with their digest last, so that until it is written every reader sees that the
    # stored notes were not (fully) read (`notes_reading`), not a mix shown as whole.
    documents.put(meeting_document(meeting_id, NOTES_MD), data, "text/markdown")
    with meeting_notes_lock(meeting.meeting_id):
        found_items = _carry_over(found_items, action_items.list(meeting_id=meeting.meeting_id))
        found_decisions = _carry_over_decisions(
            found_decisions, decisions.list(meeting_id=meeting.meeting_id)
        )
        closed = close_matching(found_items, meeting, action_items)
        decisions.replace_for_meeting(meeting.meeting_id, found_decisions)
        action_items.replace_for_meeting(meeting.meeting_id, found_items)
        if not proposed:
            action_items.put_many(closed)
        meetings.update(
            meeting.meeting_id,
            lambda m: m.with_status(
                MeetingStatus.COMPLETED, model_calls=m.model_calls + read.calls
            ),
        )
        documents.put(
            meeting_document(meeting_id, FOLLOWUP_JSON),
            json.dumps(
                {
                    "summary": extraction.summary,
                    "processed_at": now.isoformat(),
                    "notes_sha256": notes_digest(data),
                },
                ensure_ascii=False,
            ).encode(),
            "application/json",
        )
    log.info(
        "notes processed",
        extra={
            "meeting_id": meeting_id,
            "decisions": len(found_decisions),
            "action_items": len(found_items),
            "closed_elsewhere": len(closed),
            "read_by": read.read_by,
            "dropped": len(read.dropped),
            "model_calls": len(read.calls),
            "fell_back": fallback_reason is not None,
            "proposed": proposed,
        },
    )
    return NotesResult(
        find_meeting(meetings, meeting_id),
        extraction.summary,
        found_decisions,
        found_items,
        closed,
        read_by=read.read_by,
        dropped=list(read.dropped),
        fallback_reason=fallback_reason,
        proposed=proposed,
    )


def _read(
    reader: NotesReader,
    text: str,
    meeting: Meeting,
    parsed: NotesExtraction,
    catalog: MeetingTypeCatalog,
    private_providers: Sequence[str],
    timeout: float,
) -> tuple[ReadNotes, str | None]:
    """The reader's result, or the parser's with the reason the reader's is not used."""
    meeting_type = (
        catalog.get(meeting.meeting_type or "")
        if meeting.meeting_type in catalog
        else catalog.fallback
    )
    refusal = private_refusal(reader.destination, private_providers)
    calls: tuple[ModelCall, ...] = ()
    if meeting_type.private and refusal is not None:
        reason = f"a private meeting: {refusal}"
    else:
        try:
            return _read_within(reader, text, meeting, parsed, timeout), None
        except TimeLimitExceeded as exc:
            reason = str(exc)
        except Exception as exc:
            reason, calls = _failure(reader, exc)
    log.warning(
        "notes read by the parser instead of the model",
        extra={
            "meeting_id": meeting.meeting_id,
            "reader": reader.name,
            "private": meeting_type.private and refusal is not None,
            "model_calls": len(calls),
        },
    )
    return ReadNotes(parsed, calls), reason


def _read_within(
    reader: NotesReader, text: str, meeting: Meeting, parsed: NotesExtraction, timeout: float
) -> ReadNotes:
    """The reader's result, or TimeLimitExceeded after `timeout` seconds (a reader has its
    own, shorter, limit; this one holds when a client blocks where that limit cannot reach)."""
    return within(
        timeout, lambda: reader.read(text, meeting, parsed), name="read-notes", what=reader.name
    )


def _failure(reader: NotesReader, exc: Exception) -> tuple[str, tuple[ModelCall, ...]]:
    """The reason and the recorded call of a failed read. A model call that failed carries
    its reason and its call (what it had used by then), which the meeting keeps."""
    if isinstance(exc, ModelCallFailed) and exc.reason.strip():
        reason, call = exc.reason, exc.call
    else:
        message = " ".join(str(exc).split())
        reason = f"{reader.name} failed: {type(exc).__name__}" + (f": {message}" if message else "")
        call = None
    reason = " ".join(reason.split())
    if len(reason) > _REASON_LIMIT:
        reason = reason[: _REASON_LIMIT - 1] + "…"
    return reason, ((call,) if isinstance(call, ModelCall) else ())


def _carry_over(found: list[ActionItem], earlier: list[ActionItem]) -> list[ActionItem]:
    """Items of corrected notes that were there before keep their id, creation time and
    tracker issue, and stay done if they were closed meanwhile."""
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
                    "tracker_key": old.tracker_key,
                    "tracker_url": old.tracker_url,
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


def close_matching(
    found: list[ActionItem], meeting: Meeting, action_items: ActionItemRepository
) -> list[ActionItem]:
    """Accepted items open from an earlier meeting that these notes tick off ('- [x] ...'),
    as closed."""
    done = {_normal(i.text) for i in found if i.status == ItemStatus.DONE}
    if not done:
        return []
    candidates = action_items.list(open_only=True, series_id=meeting.series_id)
    for attendee in meeting.attendees:
        candidates += action_items.list(open_only=True, owner=attendee.email)
    closed = {
        i.item_id: i.model_copy(update={"status": ItemStatus.DONE})
        for i in candidates
        if i.meeting_id != meeting.meeting_id and i.accepted and _normal(i.text) in done
    }
    return list(closed.values())
