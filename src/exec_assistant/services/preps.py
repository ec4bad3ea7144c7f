"""Starting a meeting's prep, and starting it afresh after a failure."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from exec_assistant.domain.answers import RawAnswers, validate_answers
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.identity import prep_id_for, workflow_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog
from exec_assistant.domain.models import (
    NO_PREP_STATUSES,
    PREPARED_STATUSES,
    ChatSession,
    Meeting,
    MeetingStatus,
    SessionState,
)
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.ports import (
    ChatSessionRepository,
    MeetingRepository,
    PrepEngine,
    PrepRun,
    PrepRunState,
)
from exec_assistant.services.answers import session_of, submit_answers
from exec_assistant.services.follow_ups import FollowUps
from exec_assistant.services.meetings import find_meeting

log = logging.getLogger(__name__)


class NothingToRetry(ExecAssistantError):
    exit_code = 2


def prep_request(meeting: Meeting, attempt: int | None = None) -> PrepRequest:
    """The request for the meeting's current prep attempt (or the one given)."""
    number = attempt if attempt is not None else meeting.prep_attempt
    return PrepRequest(
        meeting_id=meeting.meeting_id,
        prep_id=prep_id_for(meeting.meeting_id, meeting.start),
        workflow_id=workflow_id_for(meeting.meeting_id, meeting.start, number),
        attempt=number,
    )


def start_prep(meetings: MeetingRepository, engine: PrepEngine, meeting: Meeting) -> PrepRequest:
    """Start the meeting's current attempt; starting it again starts nothing new.

    The workflow id is recorded on the meeting first, so a sync that moves or cancels the
    meeting a moment later knows which workflow to stop.
    """
    request = prep_request(meeting)
    meetings.update(
        meeting.meeting_id,
        lambda m: (
            m.model_copy(update={"workflow_id": request.workflow_id})
            if m.prep_attempt == request.attempt
            else m
        ),
    )
    engine.start(request)
    log.info(
        "prep workflow started",
        extra={"meeting_id": meeting.meeting_id, "workflow_id": request.workflow_id},
    )
    return request


def retry_prep(
    meetings: MeetingRepository, engine: PrepEngine, meeting_id: str, *, stalled: bool = False
) -> PrepRequest:
    """A fresh attempt of the meeting's prep: after it failed, or (`stalled`) when its last
    attempt ended without a result while the meeting still waits for one.

    The new attempt reuses what the earlier ones achieved: the answers are kept with the
    prep's session, and messages already delivered are not sent again.
    """
    meeting = find_meeting(meetings, meeting_id)
    old = meeting.workflow_id

    def fresh(current: Meeting) -> Meeting:
        if current.status == MeetingStatus.FAILED:
            current = current.with_status(MeetingStatus.SCHEDULED)
        elif not (stalled and current.status == MeetingStatus.SCHEDULED):
            raise NothingToRetry(
                f"meeting {current.meeting_id} ({current.title}) has no failed prep to retry: "
                f"it is {current.status.value}",
                hint="'exec-assistant meetings' shows each meeting's status.",
            )
        attempt = current.prep_attempt + 1
        return current.model_copy(
            update={
                "prep_attempt": attempt,
                "prep_error": None,
                "retry_at": None,
                "workflow_id": workflow_id_for(current.meeting_id, current.start, attempt),
            }
        )

    changed = meetings.update(meeting.meeting_id, fresh)
    assert changed is not None
    request = prep_request(changed)
    engine.retry(old, request)
    log.info(
        "prep retried",
        extra={
            "meeting_id": changed.meeting_id,
            "workflow_id": request.workflow_id,
            "attempt": request.attempt,
        },
    )
    return request


def request_retry(meetings: MeetingRepository, meeting_id: str, now: datetime) -> Meeting:
    """Ask the running `serve` to retry a failed prep at its next tick."""

    def due_now(current: Meeting) -> Meeting:
        if current.status != MeetingStatus.FAILED:
            raise NothingToRetry(
                f"meeting {current.meeting_id} ({current.title}) has no failed prep to retry: "
                f"it is {current.status.value}"
            )
        return current.model_copy(update={"retry_at": now})

    meeting = find_meeting(meetings, meeting_id)
    changed = meetings.update(meeting.meeting_id, due_now)
    assert changed is not None
    return changed


class PrepRefused(ExecAssistantError):
    exit_code = 2


@dataclass(frozen=True)
class PrepProgress:
    """Where a prep stands when the command that runs it stops following it."""

    meeting: Meeting
    session: ChatSession | None
    run: PrepRun | None
    workflow_id: str


def prepare_meeting(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    engine: PrepEngine,
    catalog: MeetingTypeCatalog,
    meeting_id: str,
    *,
    answers: RawAnswers | None,
    answers_source: str,
    retry: bool,
    waits_for_answers: bool,
    timeout_seconds: float = 900,
    follow_ups: FollowUps | None = None,
) -> PrepProgress:
    """Prepare one meeting now and follow it until its pack is out, it fails, it ends, or it
    waits for answers nobody here will give (`waits_for_answers` False).

    Starts the prep, or resumes it where it stopped (answers given to a prep that waits for
    them go to it); `retry` starts a fresh attempt of a failed one.
    """
    meeting = find_meeting(meetings, meeting_id)
    if meeting.status in NO_PREP_STATUSES:
        raise PrepRefused(
            f"meeting {meeting.meeting_id} ({meeting.title}) is {meeting.status.value}"
            + (f": {meeting.skip_reason}" if meeting.skip_reason else "")
            + "; there is nothing to prepare"
        )
    session = session_of(sessions, meeting)
    if answers is not None:
        questions = session.questions if session else _type_questions(catalog, meeting)
        validate_answers(answers, questions, answers_source)  # refused before anything starts
    if retry:
        request = retry_prep(meetings, engine, meeting.meeting_id)
    elif meeting.status == MeetingStatus.FAILED:
        raise PrepRefused(
            f"the last prep of meeting {meeting.meeting_id} ({meeting.title}) failed: "
            f"{meeting.prep_error or 'an error'}",
            hint=f"Retry it with: exec-assistant prep {meeting.meeting_id} --retry",
        )
    else:
        if answers is not None and session is not None and session.state == SessionState.WAITING:
            submit_answers(
                meetings,
                sessions,
                engine,
                meeting.meeting_id,
                answers,
                answers_source,
                follow_ups=follow_ups,
            )
        run = engine.status(prep_request(meeting).workflow_id)
        if (
            meeting.status == MeetingStatus.SCHEDULED
            and run is not None
            and (run.state != PrepRunState.RUNNING)
        ):
            request = retry_prep(meetings, engine, meeting.meeting_id, stalled=True)
        else:
            request = start_prep(meetings, engine, meeting)
    return follow_prep(
        meetings,
        sessions,
        engine,
        meeting.meeting_id,
        request.workflow_id,
        waits_for_answers=waits_for_answers,
        timeout_seconds=timeout_seconds,
    )


def _type_questions(catalog: MeetingTypeCatalog, meeting: Meeting) -> tuple[str, ...]:
    if meeting.meeting_type in catalog:
        return catalog.get(meeting.meeting_type or "").prep_questions
    return catalog.fallback.prep_questions


def follow_prep(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    engine: PrepEngine,
    meeting_id: str,
    workflow_id: str,
    *,
    waits_for_answers: bool,
    timeout_seconds: float = 900,
    poll_seconds: float = 0.1,
) -> PrepProgress:
    """Until the pack is delivered, the prep ends or fails, or (unless `waits_for_answers`)
    it waits for answers."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        meeting = find_meeting(meetings, meeting_id)
        session = session_of(sessions, meeting)
        run = engine.status(workflow_id)
        ended = run is not None and run.state != PrepRunState.RUNNING
        waiting = (
            meeting.status == MeetingStatus.NOTIFIED
            and session is not None
            and session.state == SessionState.WAITING
            and session.task_token is not None
        )
        # A follow-up that was not answered as it was asked waits for `answer`: nobody here
        # gives it.
        asked_later = waiting and session is not None and session.pending_follow_up is not None
        if (
            ended
            or meeting.status in PREPARED_STATUSES
            or meeting.status in NO_PREP_STATUSES
            or meeting.status == MeetingStatus.FAILED
            or (waiting and not waits_for_answers)
            or asked_later
        ):
            return PrepProgress(meeting, session, run, workflow_id)
        if time.monotonic() > deadline:
            raise ExecAssistantError(
                f"the prep of {meeting_id} did not finish within {timeout_seconds:g} s",
                hint="It goes on with 'exec-assistant serve'.",
            )
        time.sleep(poll_seconds)
