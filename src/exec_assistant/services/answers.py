"""Answers arriving for a meeting whose prep is waiting for them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from exec_assistant.domain.answers import RawAnswers, validate_answers
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.identity import prep_id_for, session_id_for
from exec_assistant.domain.models import (
    NO_PREP_STATUSES,
    ChatSession,
    Meeting,
    MeetingStatus,
    SessionState,
)
from exec_assistant.domain.prep_steps import AnswersRecorded
from exec_assistant.ports import ChatSessionRepository, MeetingRepository, PrepEngine
from exec_assistant.services.meetings import find_meeting

log = logging.getLogger(__name__)


class NotWaitingForAnswers(ExecAssistantError):
    exit_code = 2


def session_of(sessions: ChatSessionRepository, meeting: Meeting) -> ChatSession | None:
    """The chat session of the meeting's current prep, if it has asked."""
    return sessions.get(session_id_for(prep_id_for(meeting.meeting_id, meeting.start)))


def _not_waiting(meeting: Meeting, session: ChatSession | None) -> NotWaitingForAnswers | None:
    # The session, not the meeting's status, says whether answers are wanted: they may come
    # the moment the questions are out, before the prep has recorded that it asked.
    if session is None:
        return NotWaitingForAnswers(
            f"meeting {meeting.meeting_id} ({meeting.title}) is not waiting for answers: "
            "its prep has not started yet",
            hint=f"Start it with: exec-assistant prep {meeting.meeting_id} --answers FILE",
        )
    if session.state != SessionState.WAITING:
        why = {
            SessionState.ANSWERED: "it was answered already",
            SessionState.TIMED_OUT: "the time to answer ran out and the pack was prepared "
            "without answers",
        }.get(session.state, f"its prep is {meeting.status.value}")
        return NotWaitingForAnswers(
            f"meeting {meeting.meeting_id} ({meeting.title}) is no longer waiting for answers: "
            f"{why}"
        )
    if meeting.status in NO_PREP_STATUSES:
        return NotWaitingForAnswers(
            f"meeting {meeting.meeting_id} ({meeting.title}) is no longer waiting for answers: "
            f"it is {meeting.status.value}"
        )
    return None


def waiting_session(
    meetings: MeetingRepository, sessions: ChatSessionRepository, meeting_id: str
) -> tuple[Meeting, ChatSession]:
    """The meeting and its open chat session; refuses clearly when nothing is waiting."""
    meeting = find_meeting(meetings, meeting_id)
    session = session_of(sessions, meeting)
    refusal = _not_waiting(meeting, session)
    if refusal is not None:
        raise refusal
    assert session is not None
    return meeting, session


@dataclass(frozen=True)
class AnswersSubmitted:
    meeting: Meeting
    session: ChatSession
    resumed: bool
    """The waiting prep was handed the answers now; False when it was not waiting yet (it
    finds them when it starts to wait) or a retry will."""


def submit_answers(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    engine: PrepEngine,
    meeting_id: str,
    answers: RawAnswers,
    source: str,
) -> AnswersSubmitted:
    """Store the answers with the prep's session, then resume the waiting prep.

    Stored first, the answers are never lost: a prep that has not attached its token yet (it
    is between asking and waiting) finds them when it does, and completes its wait at once.
    """
    meeting, session = waiting_session(meetings, sessions, meeting_id)
    cleaned = validate_answers(answers, session.questions, source)

    def answered(current: ChatSession) -> ChatSession:
        refusal = _not_waiting(meeting, current)
        if refusal is not None:
            raise refusal
        return current.model_copy(update={"answers": cleaned, "state": SessionState.ANSWERED})

    stored = sessions.update(session.session_id, answered)
    assert stored is not None  # the session existed a moment ago and sessions are not deleted
    changed = meetings.update(
        meeting.meeting_id,
        lambda m: (
            m.with_status(MeetingStatus.ANSWERED) if m.status == MeetingStatus.NOTIFIED else m
        ),
    )
    resumed = False
    if stored.task_token and (changed is None or changed.status != MeetingStatus.FAILED):
        engine.deliver_answers(
            stored.task_token, AnswersRecorded(session_id=stored.session_id, answers=len(cleaned))
        )
        resumed = True
    log.info(
        "answers submitted",
        extra={"session_id": stored.session_id, "answers": len(cleaned), "resumed": resumed},
    )
    return AnswersSubmitted(changed or meeting, stored, resumed)
