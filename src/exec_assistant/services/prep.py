"""The prep workflow's steps, one function each, over plain JSON-able data.

The local engine (DBOS) and the Lambda handlers call the same functions. Every step re-reads
the meeting and stops the prep when it was cancelled, skipped or moved meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.meeting_types import MeetingType
from exec_assistant.domain.models import (
    ActionItem,
    ChatSession,
    Meeting,
    MeetingStatus,
    PrepPack,
    SessionState,
)
from exec_assistant.domain.prep_pack import (
    PackInputs,
    build_offline_pack,
    final_reminder,
    render_markdown,
)
from exec_assistant.domain.timing import compute_answers_due
from exec_assistant.services.context import gather_all
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.pack_documents import read_pack, write_pack

log = logging.getLogger(__name__)

S = MeetingStatus
_STOPPED = frozenset({S.CANCELLED, S.SKIPPED, S.COMPLETED})
SESSION_RETENTION = timedelta(days=7)
PEOPLE_SCOPED_TYPES = frozenset({"one_on_one"})


def _stop(reason: str) -> dict[str, Any]:
    return {"proceed": False, "reason": reason}


def _current(deps: PrepDependencies, meeting_id: str, workflow_id: str) -> Meeting | str:
    """The meeting, or why this prep should stop."""
    meeting = find_meeting(deps.meetings, meeting_id)
    if meeting.status in _STOPPED:
        return f"the meeting is {meeting.status.value}"
    if workflow_id_for(meeting.meeting_id, meeting.start) != workflow_id:
        return "the meeting moved; a new prep replaces this one"
    return meeting


def _type_of(deps: PrepDependencies, meeting: Meeting) -> MeetingType:
    return deps.catalog.get(meeting.meeting_type or deps.catalog.fallback.id)


def session_id_for(workflow_id: str) -> str:
    return "ses_" + hashlib.sha256(workflow_id.encode()).hexdigest()[:16]


def classify_meeting(deps: PrepDependencies, meeting_id: str, workflow_id: str) -> dict[str, Any]:
    """ClassifyMeeting: confirm the type (re-classify if the configuration lost it)."""
    meeting = _current(deps, meeting_id, workflow_id)
    if isinstance(meeting, str):
        return _stop(meeting)
    meeting_type = meeting.meeting_type
    if meeting_type not in deps.catalog:
        meeting_type = deps.catalog.fallback.id
    deps.meetings.put(
        meeting.model_copy(update={"meeting_type": meeting_type, "workflow_id": workflow_id})
    )
    log.info("prep started", extra={"meeting_id": meeting_id, "meeting_type": meeting_type})
    return {"proceed": True, "meeting_type": meeting_type}


def send_prep_notification(
    deps: PrepDependencies, meeting_id: str, workflow_id: str
) -> dict[str, Any]:
    """SendPrepNotification: open a chat session and ask the type's prep questions."""
    meeting = _current(deps, meeting_id, workflow_id)
    if isinstance(meeting, str):
        return _stop(meeting)
    meeting_type = _type_of(deps, meeting)
    now = deps.clock.now()
    session_id = session_id_for(workflow_id)
    session = deps.sessions.get(session_id)
    if session is None:
        due = compute_answers_due(
            now,
            meeting.start,
            deps.rules.response_timeout_hours,
            deps.rules.final_reminder_minutes,
        )
        session = ChatSession(
            session_id=session_id,
            user_id=deps.executive.email or "executive",
            meeting_id=meeting_id,
            channel=deps.channel.name,
            questions=meeting_type.prep_questions,
            task_token=workflow_id,
            answers_due=due,
            created_at=int(now.timestamp()),
            expires_at=int((due + SESSION_RETENTION).timestamp()),
        )
        deps.sessions.put(session)
    if meeting.status == S.SCHEDULED:
        deps.meetings.put(meeting.with_status(S.NOTIFIED))
    answers = deps.channel.ask(meeting, session) if session.questions else {}
    log.info(
        "prep questions sent",
        extra={
            "meeting_id": meeting_id,
            "session_id": session_id,
            "questions": len(session.questions),
            "answered_at_once": answers is not None,
        },
    )
    assert session.answers_due is not None
    return {
        "proceed": True,
        "session_id": session_id,
        "answers_due": session.answers_due.isoformat(),
        "answers": answers,
    }


def normalise_answers(answers: dict[str, str], questions: tuple[str, ...]) -> dict[str, str]:
    """Answers by question number ("1", "2", ...), whether given by number or by question."""
    by_text = {q.strip().lower(): str(i) for i, q in enumerate(questions, start=1)}
    result: dict[str, str] = {}
    for key, value in answers.items():
        number = key.strip() if key.strip().isdigit() else by_text.get(key.strip().lower())
        text = str(value).strip() if value is not None else ""
        if number is not None and 1 <= int(number) <= len(questions) and text:
            result[str(int(number))] = text
    return result


def record_answers(
    deps: PrepDependencies, session_id: str, answers: dict[str, str]
) -> dict[str, Any]:
    """WaitForUserResponses, answered: store the answers with the session."""
    session = deps.sessions.get(session_id)
    if session is None:
        return _stop(f"no chat session {session_id}")
    if session.state != SessionState.WAITING:
        return {"proceed": True, "answered": len(session.answers)}
    cleaned = normalise_answers(answers, session.questions)
    deps.sessions.put(
        session.model_copy(update={"answers": cleaned, "state": SessionState.ANSWERED})
    )
    meeting = find_meeting(deps.meetings, session.meeting_id)
    if meeting.status == S.NOTIFIED:
        deps.meetings.put(meeting.with_status(S.ANSWERED))
    log.info("answers recorded", extra={"session_id": session_id, "answers": len(cleaned)})
    return {"proceed": True, "answered": len(cleaned)}


def handle_timeout(deps: PrepDependencies, session_id: str) -> dict[str, Any]:
    """HandleTimeout: no answers in time is not a failure; the pack is written without them."""
    session = deps.sessions.get(session_id)
    if session is None:
        return _stop(f"no chat session {session_id}")
    if session.state == SessionState.WAITING:
        deps.sessions.put(session.model_copy(update={"state": SessionState.TIMED_OUT}))
        meeting = find_meeting(deps.meetings, session.meeting_id)
        if meeting.status == S.NOTIFIED:
            deps.meetings.put(meeting.with_status(S.TIMED_OUT))
            deps.channel.tell(
                meeting,
                "No answers to the prep questions in time: the pack is being prepared "
                "without them.",
            )
    log.info("answers timed out", extra={"session_id": session_id})
    return {"proceed": True}


def _request(deps: PrepDependencies, meeting: Meeting) -> ContextRequest:
    me = (deps.executive.email or "").lower()
    people = tuple(
        a.email
        for a in (*meeting.attendees, *((meeting.organizer,) if meeting.organizer else ()))
        if a.email.lower() != me
    )
    return ContextRequest(
        meeting_id=meeting.meeting_id,
        series_id=meeting.series_id,
        meeting_type=meeting.meeting_type or deps.catalog.fallback.id,
        title=meeting.title,
        start=meeting.start,
        now=deps.clock.now(),
        people=tuple(dict.fromkeys(people)),
        scope="people" if meeting.meeting_type in PEOPLE_SCOPED_TYPES else "organisation",
    )


def gather_context(deps: PrepDependencies, meeting_id: str, workflow_id: str) -> dict[str, Any]:
    """GatherContext: the providers the type needs, in parallel; failures become 'unavailable'."""
    meeting = _current(deps, meeting_id, workflow_id)
    if isinstance(meeting, str):
        return _stop(meeting)
    meeting_type = _type_of(deps, meeting)
    results = gather_all(
        meeting_type.context_providers,
        deps.providers,
        _request(deps, meeting),
        deps.provider_timeout_seconds,
    )
    return {"proceed": True, "context": [r.model_dump(mode="json") for r in results]}


def open_items_for(deps: PrepDependencies, meeting: Meeting) -> list[ActionItem]:
    """Open action items from earlier meetings of the series and, for a 1:1, the other
    person's open items from any meeting."""
    items = deps.action_items.list(open_only=True, series_id=meeting.series_id)
    if meeting.meeting_type in PEOPLE_SCOPED_TYPES:
        me = (deps.executive.email or "").lower()
        for attendee in meeting.attendees:
            if attendee.email.lower() != me:
                items += deps.action_items.list(open_only=True, owner=attendee.email)
    unique = {i.item_id: i for i in items if i.meeting_id != meeting.meeting_id}
    return sorted(unique.values(), key=lambda i: (i.due is None, i.due, i.created_at))


def _people(deps: PrepDependencies, meeting: Meeting) -> dict[str, str]:
    names = {a.email: a.display_name for a in meeting.attendees}
    if meeting.organizer:
        names.setdefault(meeting.organizer.email, meeting.organizer.display_name)
    return names


def generate_materials(
    deps: PrepDependencies, meeting_id: str, workflow_id: str, context: list[dict[str, Any]]
) -> dict[str, Any]:
    """GenerateMaterials: write the pack; the offline generator takes over if the model fails."""
    meeting = _current(deps, meeting_id, workflow_id)
    if isinstance(meeting, str):
        return _stop(meeting)
    meeting_type = _type_of(deps, meeting)
    session = deps.sessions.get(session_id_for(workflow_id))
    results = [ContextResult.model_validate(c) for c in context]
    pending = deps.decisions.list(open_only=True, series_id=meeting.series_id)
    inputs = PackInputs(
        meeting=meeting,
        meeting_type=meeting_type,
        answers=dict(session.answers) if session else {},
        answers_received=session is not None and session.state == SessionState.ANSWERED,
        context=results,
        open_items=open_items_for(deps, meeting),
        pending_decisions=pending,
        now=deps.clock.now(),
        zone=deps.executive.zone,
        people=_people(deps, meeting),
    )
    try:
        pack = _generate_within(deps, inputs)
    except Exception:  # a model failure must not cost the executive their pack
        log.warning(
            "pack generator failed; using the offline generator",
            extra={"meeting_id": meeting_id, "generator": deps.generator.name},
            exc_info=True,
        )
        pack = build_offline_pack(inputs)
    location = write_pack(deps.documents, pack, results, render_markdown(pack, meeting_type.name))
    deps.meetings.put(
        find_meeting(deps.meetings, meeting_id).model_copy(
            update={"pack_location": location, "generated_by": pack.generated_by}
        )
    )
    log.info(
        "pack written",
        extra={
            "meeting_id": meeting_id,
            "generated_by": pack.generated_by,
            "agenda_items": len(pack.agenda),
            "questions": len(pack.questions),
            "open_items": len(pack.open_action_items),
        },
    )
    return {"proceed": True, "pack_location": location, "generated_by": pack.generated_by}


def _generate_within(deps: PrepDependencies, inputs: PackInputs) -> PrepPack:
    """The generator's pack, or TimeoutError after the state's time limit (600 s)."""
    outcome: list[PrepPack | BaseException] = []

    def work() -> None:
        try:
            outcome.append(deps.generator.generate(inputs))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=work, name="generate-materials", daemon=True)
    worker.start()
    worker.join(deps.generation_timeout_seconds)
    if not outcome:
        raise TimeoutError(
            f"{deps.generator.name} gave no pack within {deps.generation_timeout_seconds:g} s"
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def send_materials(deps: PrepDependencies, meeting_id: str, workflow_id: str) -> dict[str, Any]:
    """SendPrepMaterials: deliver the pack to the channel, once."""
    meeting = _current(deps, meeting_id, workflow_id)
    if isinstance(meeting, str):
        return _stop(meeting)
    if meeting.status in (S.MATERIALS_READY, S.REMINDED):
        return {"proceed": True, "sent": False}
    pack = read_pack(deps.documents, meeting_id)
    if pack is None:
        raise RuntimeError(f"the pack of meeting {meeting_id} is missing from the documents")
    deps.channel.deliver_pack(meeting, pack, meeting.pack_location or "")
    deps.meetings.put(meeting.with_status(S.MATERIALS_READY))
    log.info("pack delivered", extra={"meeting_id": meeting_id, "channel": deps.channel.name})
    return {"proceed": True, "sent": True}


def schedule_final_reminder(
    deps: PrepDependencies, meeting_id: str, workflow_id: str
) -> dict[str, Any]:
    """ScheduleFinalReminder: when the reminder is due (none for a meeting already close)."""
    meeting = _current(deps, meeting_id, workflow_id)
    if isinstance(meeting, str):
        return _stop(meeting)
    if meeting.reminder_at is None or meeting.start <= deps.clock.now():
        return {"proceed": True, "reminder_at": None}
    return {"proceed": True, "reminder_at": meeting.reminder_at.isoformat()}


def send_final_reminder(
    deps: PrepDependencies, meeting_id: str, workflow_id: str
) -> dict[str, Any]:
    """The final reminder, 2 hours before: agenda headline, top questions, open items."""
    meeting = _current(deps, meeting_id, workflow_id)
    if isinstance(meeting, str):
        return _stop(meeting)
    if meeting.status != S.MATERIALS_READY:
        return {"proceed": True, "sent": False}
    pack = read_pack(deps.documents, meeting_id)
    if pack is None:
        return _stop("the pack is missing")
    deps.channel.remind(meeting, final_reminder(pack, meeting.pack_location))
    deps.meetings.put(meeting.with_status(S.REMINDED))
    log.info("final reminder sent", extra={"meeting_id": meeting_id})
    return {"proceed": True, "sent": True}


def due_preps(deps: PrepDependencies, now: datetime) -> list[Meeting]:
    """Scheduled meetings whose prep time has come, soonest first."""
    return [
        m
        for m in deps.meetings.list_by_status(S.SCHEDULED)
        if m.prep_at is not None and m.prep_at <= now and m.end > now
    ]
