"""Where one meeting's prep stands, with everything it has produced so far: the questions
and the answers given, the pack and the context it was written from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.models import (
    PREPARED_STATUSES,
    ChatSession,
    Meeting,
    MeetingStatus,
    PrepPack,
    SessionState,
)
from exec_assistant.ports import ChatSessionRepository, DocumentStore, MeetingRepository
from exec_assistant.services.answers import session_of
from exec_assistant.services.conversation import previous_answers
from exec_assistant.services.pack_documents import read_pack_and_sources

_S = MeetingStatus


class PrepStage(StrEnum):
    """What a meeting's prep is doing, as the executive would say it."""

    NOT_SCHEDULED = "not_scheduled"
    """Found on the calendar, not prepared (yet)."""
    SCHEDULED = "scheduled"
    """Waits for its prep time."""
    STARTING = "starting"
    """Its prep time has come (or it is retried): the prep is starting."""
    ASKING = "asking"
    """The prep questions wait for answers."""
    REVIEWING = "reviewing"
    """The answers are in; the assistant decides whether one needs a follow-up question."""
    FOLLOW_UP = "follow_up"
    """A follow-up question on an answer waits for its answer."""
    WRITING = "writing"
    """The context is being gathered and the pack written."""
    READY = "ready"
    """The pack is delivered (and the final reminder, once its time has come)."""
    COMPLETED = "completed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"


IN_PROGRESS_STAGES = frozenset({PrepStage.STARTING, PrepStage.REVIEWING, PrepStage.WRITING})
"""The prep moves on by itself, soon: a page showing it is worth refreshing."""

_ENDED = {
    _S.COMPLETED: PrepStage.COMPLETED,
    _S.SKIPPED: PrepStage.SKIPPED,
    _S.CANCELLED: PrepStage.CANCELLED,
    _S.FAILED: PrepStage.FAILED,
}


def prep_stage(meeting: Meeting, session: ChatSession | None, now: datetime) -> PrepStage:
    """The stage of the meeting's current prep: the session decides while it waits (answers
    may come the moment the questions are out, before the meeting records that it asked);
    a scheduled prep whose time has passed is starting."""
    status = meeting.status
    if status in _ENDED:
        return _ENDED[status]
    if status in PREPARED_STATUSES:
        return PrepStage.READY
    waiting = session is not None and session.state == SessionState.WAITING
    if waiting and session is not None and status in (_S.SCHEDULED, _S.NOTIFIED):
        if session.pending_follow_up is not None:
            return PrepStage.FOLLOW_UP
        return PrepStage.REVIEWING if session.answers_given else PrepStage.ASKING
    if status == _S.DISCOVERED:
        return PrepStage.NOT_SCHEDULED
    if status == _S.SCHEDULED:
        due = meeting.prep_at is None or meeting.prep_at <= now
        return PrepStage.STARTING if due else PrepStage.SCHEDULED
    return PrepStage.WRITING


@dataclass(frozen=True)
class MeetingPrep:
    meeting: Meeting
    session: ChatSession | None
    stage: PrepStage
    pack: PrepPack | None
    """None until the whole pack is written."""
    sources: tuple[ContextResult, ...]
    """The context the pack was written from: each source, or why it was unavailable."""
    last_answers: dict[str, str]
    """While the questions wait: last time's answers to the same questions, by number."""


def meeting_prep(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    documents: DocumentStore,
    meeting: Meeting,
    now: datetime,
) -> MeetingPrep:
    """Everything the meeting's prep has so far, and its stage."""
    session = session_of(sessions, meeting)
    stage = prep_stage(meeting, session, now)
    found = read_pack_and_sources(documents, meeting.meeting_id)
    pack, sources = found if found else (None, [])
    last: dict[str, str] = {}
    if stage == PrepStage.ASKING and session is not None:
        last = previous_answers(meetings, sessions, meeting, questions=session.questions)
    return MeetingPrep(meeting, session, stage, pack, tuple(sources), last)


def current_stage(
    sessions: ChatSessionRepository, meeting: Meeting, now: datetime
) -> tuple[PrepStage, ChatSession | None]:
    """The stage alone (what a page polls), without reading the pack."""
    session = session_of(sessions, meeting)
    return prep_stage(meeting, session, now), session
