"""Answers arriving for a meeting whose prep is waiting for them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from exec_assistant.domain.answers import (
    FOLLOW_UP_SECTION,
    RawAnswers,
    follow_up_answers,
    validate_answers,
)
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
class ShownForm:
    """What a form of answers was shown for (a page's form, posted later): answers to it
    are refused once the session has moved on, so that a form sent twice, or one left open
    while the questions changed, answers nothing it was not shown for."""

    questions_round: int
    """The session's round of questions when the form was shown."""
    follow_up_turn: int | None = None
    """None: the form of the questions; n: the form of the n-th follow-up question."""


def _stale(meeting: Meeting, session: ChatSession, form: ShownForm) -> NotWaitingForAnswers | None:
    if session.questions_round > form.questions_round:
        return NotWaitingForAnswers(
            f"the questions of meeting {meeting.meeting_id} ({meeting.title}) changed since "
            "the form was shown: its type was changed",
            hint="Answer the new questions.",
        )
    if session.questions_round != form.questions_round:  # a form this session never showed
        return NotWaitingForAnswers(
            f"that form is not one shown for the questions of meeting {meeting.meeting_id} "
            f"({meeting.title})",
            hint="Answer the questions on the meeting's page as it is now.",
        )
    if form.follow_up_turn is None and session.answers_given:
        return NotWaitingForAnswers(
            f"the answers for meeting {meeting.meeting_id} ({meeting.title}) are in already; "
            "the prep is going on with them"
        )
    pending = session.pending_follow_up
    if form.follow_up_turn is not None and (
        pending is None or len(session.follow_ups) != form.follow_up_turn
    ):
        return NotWaitingForAnswers(
            f"the follow-up question on meeting {meeting.meeting_id} ({meeting.title}) was "
            "answered already"
        )
    return None


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
    form: ShownForm | None = None,
) -> AnswersSubmitted:
    """Store the answers with the prep's session, then resume the waiting prep.

    Stored first, the answers are never lost: a prep that has not attached its token yet (it
    is between asking and waiting) finds them when it does, and completes its wait at once.

    With `follow_ups`, a vague answer may get a follow-up question first: the prep then
    keeps waiting, and the answer to it comes the same way, as the answer to that question's
    number ({2: "INC-2291, the checkout outage"}, or in a `follow_up` section: follow_up:
    {2: ...}), joined to the first. Answers given while a follow-up waits always answer it,
    with or without `follow_ups`.

    With `form`, the answers are refused (NotWaitingForAnswers) unless the session still
    waits for what that form asked (see `ShownForm`); checked as they are stored.
    """
    meeting, session = waiting_session(meetings, sessions, meeting_id)
    cleaned = validate_answers(answers, session.questions, source)
    extra = follow_up_answers(answers, session.questions, source)

    def answered(current: ChatSession) -> ChatSession:
        refusal = _not_waiting(meeting, current)
        if refusal is None and form is not None:
            refusal = _stale(meeting, current, form)
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


def answer_follow_up(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    engine: PrepEngine,
    meeting_id: str,
    answer: str,
    source: str,
    *,
    form: ShownForm,
    follow_ups: FollowUps | None = None,
) -> AnswersSubmitted:
    """The answer to the follow-up question `form` was shown for, joined to the answer it
    follows up ("" : nothing to add); then the prep goes on (or, with `follow_ups`, the
    answers may be reviewed again). Refused once that follow-up was answered elsewhere."""
    meeting, session = waiting_session(meetings, sessions, meeting_id)
    turn = form.follow_up_turn
    if turn is None or not 1 <= turn <= len(session.follow_ups):
        raise NotWaitingForAnswers(
            f"meeting {meeting.meeting_id} ({meeting.title}) asked no such follow-up question"
        )
    number = session.follow_ups[turn - 1].question_number
    raw = {FOLLOW_UP_SECTION: {number: answer}} if answer.strip() else {}
    return submit_answers(
        meetings,
        sessions,
        engine,
        meeting.meeting_id,
        raw,
        source,
        follow_ups=follow_ups,
        form=form,
    )
