"""Answers arriving for a meeting whose prep is waiting for them."""

from __future__ import annotations

from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.models import ChatSession, Meeting, MeetingStatus, SessionState
from exec_assistant.ports import ChatSessionRepository, MeetingRepository
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.prep import session_id_for


class NotWaitingForAnswers(ExecAssistantError):
    exit_code = 2


def waiting_session(
    meetings: MeetingRepository, sessions: ChatSessionRepository, meeting_id: str
) -> tuple[Meeting, ChatSession]:
    """The meeting and its open chat session; refuses clearly when nothing is waiting."""
    meeting = find_meeting(meetings, meeting_id)
    session = sessions.get(session_id_for(workflow_id_for(meeting.meeting_id, meeting.start)))
    if session is None or meeting.status == MeetingStatus.SCHEDULED:
        raise NotWaitingForAnswers(
            f"meeting {meeting.meeting_id} ({meeting.title}) is not waiting for answers: "
            "its prep has not started yet",
            hint=f"Start it with: exec-assistant prep {meeting.meeting_id} --answers FILE",
        )
    if session.state != SessionState.WAITING or meeting.status != MeetingStatus.NOTIFIED:
        why = {
            SessionState.ANSWERED: "it was answered already",
            SessionState.TIMED_OUT: "the time to answer ran out and the pack was prepared "
            "without answers",
        }.get(session.state, f"its prep is {meeting.status.value}")
        raise NotWaitingForAnswers(
            f"meeting {meeting.meeting_id} ({meeting.title}) is no longer waiting for answers: "
            f"{why}"
        )
    return meeting, session
