"""Answers arriving for a meeting whose prep is waiting for them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from exec_assistant.domain.answers import RawAnswers, follow_up_answers, validate_answers
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.follow_ups import with_submitted
from exec_assistant.domain.identity import prep_id_for, session_id_for
from exec_assistant.domain.models import (
    NO_PREP_STATUSES,
    ChatSession,
    FollowUpTurn,
    Meeting,
    MeetingStatus,
    SessionState,
)
from exec_assistant.domain.prep_steps import AnswersRecorded
from exec_assistant.ports import ChatSessionRepository, MeetingRepository, PrepEngine
from exec_assistant.services.follow_ups import FollowUps
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
    finds them when it starts to wait), a retry will, or a follow-up question waits."""

    @property
    def follow_up(self) -> FollowUpTurn | None:
        """The follow-up question that now waits for its answer, if one does."""
        return self.session.pending_follow_up


def submit_answers(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    engine: PrepEngine,
    meeting_id: str,
    answers: RawAnswers,
    source: str,
    *,
    follow_ups: FollowUps | None = None,
) -> AnswersSubmitted:
    """Store the answers with the prep's session, then resume the waiting prep.

    Stored first, the answers are never lost: a prep that has not attached its token yet (it
    is between asking and waiting) finds them when it does, and completes its wait at once.

    With `follow_ups`, a vague answer may get a follow-up question first: the prep then
    keeps waiting, and the answer to it comes the same way, as the answer to that question's
    number ({2: "INC-2291, the checkout outage"}, or in a `follow_up` section: follow_up:
    {2: ...}), joined to the first. Answers given while a follow-up waits always answer it,
    with or without `follow_ups`.
    """
    meeting, session = waiting_session(meetings, sessions, meeting_id)
    cleaned = validate_answers(answers, session.questions, source)
    extra = follow_up_answers(answers, session.questions, source)

    def answered(current: ChatSession) -> ChatSession:
        refusal = _not_waiting(meeting, current)
        if refusal is not None:
            raise refusal
        if current.answers_given:  # a follow-up waits, or is being decided on
            pending = current.pending_follow_up
            submitted = dict(cleaned)
            if pending is not None and pending.question_number in extra:
                submitted[pending.question_number] = extra[pending.question_number]
            updated = with_submitted(current, submitted)
        else:
            updated = current.model_copy(update={"answers": cleaned, "answers_given": True})
        if follow_ups is None:
            updated = updated.model_copy(update={"state": SessionState.ANSWERED})
        return updated

    stored = sessions.update(session.session_id, answered)
    assert stored is not None  # the session existed a moment ago and sessions are not deleted
    if follow_ups is not None:
        stored = follow_ups.settle(meeting, stored, prep_id_for(meeting.meeting_id, meeting.start))
    if stored.state == SessionState.WAITING:
        log.info(
            "answers submitted; a follow-up question waits",
            extra={"session_id": stored.session_id, "answers": len(stored.answers)},
        )
        return AnswersSubmitted(meeting, stored, resumed=False)
    changed = meetings.update(
        meeting.meeting_id,
        lambda m: (
            m.with_status(MeetingStatus.ANSWERED) if m.status == MeetingStatus.NOTIFIED else m
        ),
    )
    resumed = False
    if stored.task_token and (changed is None or changed.status != MeetingStatus.FAILED):
        engine.deliver_answers(
            stored.task_token,
            AnswersRecorded(session_id=stored.session_id, answers=len(stored.answers)),
        )
        resumed = True
    log.info(
        "answers submitted",
        extra={
            "session_id": stored.session_id,
            "answers": len(stored.answers),
            "resumed": resumed,
        },
    )
    return AnswersSubmitted(changed or meeting, stored, resumed)
