"""The prep workflow's states, one method each, named as the workflow spec names them.

Each takes the state's input model and returns its result model (`domain.prep_steps`); the
engine that interprets the spec calls them (the Lambda handlers of the AWS deployment, still to
be written, are to call the same methods).
Every state re-reads the meeting and stops the prep when it was cancelled, skipped, moved or
superseded by a newer attempt meanwhile. Every message goes out under its delivery key, once:
a state repeated after a crash finds the record and sends nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from exec_assistant.domain.answers import validate_answers
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.documents import validate_key
from exec_assistant.domain.errors import PackRejected
from exec_assistant.domain.identity import delivery_key, prep_id_for, session_id_for
from exec_assistant.domain.meeting_types import MeetingType
from exec_assistant.domain.models import (
    NO_PREP_STATUSES,
    PREPARED_STATUSES,
    ActionItem,
    AskStyle,
    ChatSession,
    Meeting,
    MeetingStatus,
    ModelCall,
    SessionState,
)
from exec_assistant.domain.noise import ask_style_for, day_bounds, own_requests_between
from exec_assistant.domain.prep_pack import (
    GENERATED_BY,
    PackInputs,
    build_offline_pack,
    final_reminder,
    render_markdown,
)
from exec_assistant.domain.prep_steps import (
    MAX_WAIT_SECONDS,
    AnswersRecorded,
    Classified,
    ContextSourceRef,
    ContextSourceRequest,
    FailureRecorded,
    MaterialsRequest,
    MaterialsSent,
    MaterialsWritten,
    NotificationSent,
    PrepFailure,
    PrepRequest,
    ReminderScheduled,
    ReminderSent,
    TimeoutHandled,
    TimeoutRequest,
    WaitForAnswers,
)
from exec_assistant.domain.privacy import private_refusal
from exec_assistant.domain.timing import compute_answers_due
from exec_assistant.ports import GeneratedPack
from exec_assistant.services.context import gather_one
from exec_assistant.services.deliveries import deliver_once, delivered
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.follow_ups import FollowUps
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.pack_documents import read_pack, write_pack
from exec_assistant.services.time_limit import within

log = logging.getLogger(__name__)

_S = MeetingStatus
SESSION_RETENTION = timedelta(days=7)
PEOPLE_SCOPED_TYPES = frozenset({"one_on_one"})
SCHEDULE_AHEAD = timedelta(minutes=2)
"""A reminder due sooner than this is sent by the workflow, not handed to a scheduler."""
LATE_AFTER = timedelta(minutes=5)
"""A reminder sent this long after its time says it is late."""
FIRST_RETRY = timedelta(minutes=5)
LAST_RETRY = timedelta(hours=1)
ERROR_TEXT_LIMIT = 500

# Which state sends which message (its delivery key is the prep id and the state's name).
QUESTIONS_STATE = "SendPrepNotification"
TIMEOUT_STATE = "HandleTimeout"
PACK_STATE = "SendPrepMaterials"
REMINDER_STATE = "SendFinalReminder"

T = TypeVar("T")


class _Stop(Exception):
    """Raised inside a meeting update to leave the meeting as it is and stop the prep."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PackMissing(Exception):
    """The pack's documents are not in the store (deleted by hand, or a store that lost them)."""


def questions_key(prep_id: str, questions_round: int = 1) -> str:
    """The delivery key of a prep's questions: `…/SendPrepNotification` for the first round,
    `…/SendPrepNotification2` for the questions set afresh by a reclassification."""
    state = QUESTIONS_STATE if questions_round == 1 else f"{QUESTIONS_STATE}{questions_round}"
    return delivery_key(prep_id, state)


def retry_delay(attempt: int) -> timedelta:
    """How long after a failed attempt the next one starts: 5, 10, 20, 40 minutes, then hourly."""
    return min(FIRST_RETRY * (1 << min(max(0, attempt - 1), 8)), LAST_RETRY)


def context_key(workflow_id: str, provider: str) -> str:
    """Where a GatherContext branch leaves its source's facts for GenerateMaterials."""
    return validate_key(f"temp/{workflow_id}/context/{provider}.json")


class PrepSteps:
    """The states of the prep workflow over the ports in `deps`."""

    def __init__(self, deps: PrepDependencies) -> None:
        self._deps = deps

    # --- helpers -------------------------------------------------------------------------

    def _why_stop(self, meeting: Meeting, request: PrepRequest) -> str | None:
        if meeting.status in NO_PREP_STATUSES:
            return f"the meeting is {meeting.status.value}"
        if prep_id_for(meeting.meeting_id, meeting.start) != request.prep_id:
            return "the meeting moved; a new prep replaces this one"
        if meeting.prep_attempt != request.attempt:
            return f"attempt {meeting.prep_attempt} of this prep replaces this one"
        if meeting.status == _S.FAILED:
            return "this attempt was recorded as failed; a fresh one follows"
        return None

    def _current(self, request: PrepRequest) -> Meeting | str:
        """The meeting, or why this prep should stop."""
        meeting = find_meeting(self._deps.meetings, request.meeting_id)
        return self._why_stop(meeting, request) or meeting

    def _change(self, request: PrepRequest, change: Callable[[Meeting], Meeting]) -> Meeting | str:
        """Apply `change` to the meeting atomically unless the prep should stop; the stored
        meeting, or why the prep stops."""

        def guarded(meeting: Meeting) -> Meeting:
            reason = self._why_stop(meeting, request)
            if reason is not None:
                raise _Stop(reason)
            return change(meeting)

        try:
            stored = self._deps.meetings.update(request.meeting_id, guarded)
        except _Stop as stop:
            return stop.reason
        if stored is None:
            return "the meeting is no longer stored"
        return stored

    def _type_of(self, meeting: Meeting) -> MeetingType:
        catalog = self._deps.catalog
        if meeting.meeting_type in catalog:
            return catalog.get(meeting.meeting_type or "")
        return catalog.fallback

    def _deliver_once(self, key: str, meeting: Meeting, kind: str, send: Callable[[], T]) -> bool:
        """Send unless the record says it went out; True when it was sent now (see
        `deliver_once`)."""
        deps = self._deps
        return deliver_once(deps.deliveries, deps.clock, key, meeting.meeting_id, kind, send)

    # --- the states ------------------------------------------------------------------------

    def classify_meeting(self, request: PrepRequest) -> Classified:
        """ClassifyMeeting: confirm the type (the fallback if the configuration lost it)."""

        def confirm(meeting: Meeting) -> Meeting:
            return meeting.model_copy(
                update={
                    "meeting_type": self._type_of(meeting).id,
                    "workflow_id": request.workflow_id,
                }
            )

        meeting = self._change(request, confirm)
        if isinstance(meeting, str):
            return Classified(proceed=False, reason=meeting)
        log.info(
            "prep started",
            extra={
                "meeting_id": meeting.meeting_id,
                "meeting_type": meeting.meeting_type,
                "attempt": request.attempt,
            },
        )
        return Classified(meeting_type=meeting.meeting_type)

    def send_prep_notification(self, request: PrepRequest) -> NotificationSent:
        """SendPrepNotification: open the chat session and ask the type's prep questions.

        The session belongs to the prep, not the attempt: a retry finds the answers given
        before, and questions that went out are not asked again.
        """
        deps = self._deps
        meeting = self._current(request)
        if isinstance(meeting, str):
            return NotificationSent(proceed=False, reason=meeting)
        session = self._open_session(meeting, request)
        key = questions_key(request.prep_id, session.questions_round)
        if session.state == SessionState.WAITING and not self._delivered(key):
            session = self._due_from_now(meeting, session)
            asked: list[dict[str, str] | None] = []
            self._deliver_once(
                key,
                meeting,
                "questions",
                lambda: asked.append(deps.channel.ask(meeting, session, key)),
            )
            if asked and asked[0] is not None:
                session = self._answer_at_once(session, asked[0])
            else:  # answers may have come in while asking
                session = deps.sessions.get(session.session_id) or session
        if session.state == SessionState.WAITING and session.answers_given:
            # Answers in: a follow-up question may come first (again, after a crash).
            session = FollowUps(deps).settle(meeting, session, request.prep_id)
        reached = {
            SessionState.WAITING: _S.NOTIFIED,
            SessionState.ANSWERED: _S.ANSWERED,
            SessionState.TIMED_OUT: _S.TIMED_OUT,
        }.get(session.state, _S.NOTIFIED)

        def advance(current: Meeting) -> Meeting:
            if current.status == _S.SCHEDULED:
                current = current.with_status(_S.NOTIFIED)
            if current.status == _S.NOTIFIED and reached != _S.NOTIFIED:
                current = current.with_status(reached)
            return current

        stored = self._change(request, advance)
        if isinstance(stored, str):
            return NotificationSent(proceed=False, reason=stored)
        due = session.answers_due or deps.clock.now()
        seconds = math.ceil((due - deps.clock.now()).total_seconds())
        log.info(
            "prep questions sent",
            extra={
                "meeting_id": meeting.meeting_id,
                "session_id": session.session_id,
                "questions": len(session.questions),
                "answered": session.state != SessionState.WAITING,
            },
        )
        return NotificationSent(
            session_id=session.session_id,
            answered=session.state != SessionState.WAITING,
            answers_due=session.answers_due,
            wait_seconds=max(1, min(MAX_WAIT_SECONDS, seconds)),
        )

    def _delivered(self, key: str) -> bool:
        return delivered(self._deps.deliveries, key)

    def _due_from_now(self, meeting: Meeting, session: ChatSession) -> ChatSession:
        """The time to answer counts from when the questions go out: an earlier attempt that
        could not send them must not have used it up."""
        deps = self._deps
        due = self._answers_due(meeting, deps.clock.now())
        if due == session.answers_due:
            return session
        return (
            deps.sessions.update(
                session.session_id,
                lambda current: current.model_copy(
                    update={
                        "answers_due": due,
                        "expires_at": int((due + SESSION_RETENTION).timestamp()),
                    }
                ),
            )
            or session
        )

    def _answers_due(self, meeting: Meeting, asked_at: datetime) -> datetime:
        rules = self._deps.rules
        return compute_answers_due(
            asked_at, meeting.start, rules.response_timeout_hours, rules.final_reminder_minutes
        )

    def _open_session(self, meeting: Meeting, request: PrepRequest) -> ChatSession:
        deps = self._deps
        session_id = session_id_for(request.prep_id)
        existing = deps.sessions.get(session_id)
        if existing is not None:
            return existing
        now = deps.clock.now()
        questions = self._type_of(meeting).prep_questions
        due = self._answers_due(meeting, now)
        user_id = deps.executive.email or "executive"
        style = self._ask_style(meeting, user_id, session_id, now) if questions else None
        session = ChatSession(
            session_id=session_id,
            user_id=user_id,
            meeting_id=meeting.meeting_id,
            channel=deps.channel.name,
            questions=questions,
            # Nothing to ask (or a silent type) is nothing to wait for.
            state=(
                SessionState.WAITING
                if style is not None and style != AskStyle.SILENT
                else SessionState.ANSWERED
            ),
            ask_style=style or AskStyle.QUESTIONS,
            answers_due=due,
            created_at=int(now.timestamp()),
            expires_at=int((due + SESSION_RETENTION).timestamp()),
        )
        deps.sessions.put(session)
        return session

    def _ask_style(
        self, meeting: Meeting, user_id: str, session_id: str, now: datetime
    ) -> AskStyle:
        """Noise control: silent types are not asked; beyond the day's own requests, the
        rest of the day's go to the digest (see `domain.noise`)."""
        deps = self._deps
        start, end = day_bounds(now, deps.executive.zone)
        earlier = deps.sessions.list_for_user(user_id, created_after=int(start.timestamp()) - 1)
        asked = own_requests_between(earlier, start, end, besides=session_id)
        style = ask_style_for(self._type_of(meeting).id, deps.rules, asked)
        if style != AskStyle.QUESTIONS:
            log.info(
                "prep request not sent on its own",
                extra={"meeting_id": meeting.meeting_id, "ask_style": style.value, "asked": asked},
            )
        return style

    def _answer_at_once(self, session: ChatSession, answers: dict[str, str]) -> ChatSession:
        cleaned = validate_answers(answers, session.questions, "the answers given")

        def answered(current: ChatSession) -> ChatSession:
            if current.state != SessionState.WAITING:
                return current
            # Still waiting until the follow-ups, if any, are settled.
            return current.model_copy(update={"answers": cleaned, "answers_given": True})

        return self._deps.sessions.update(session.session_id, answered) or session

    def attach_wait_token(self, wait: WaitForAnswers) -> AnswersRecorded | None:
        """WaitForUserResponses, as the chat-session manager: attach the token that resumes
        the wait to the session; the answers already, if they came before it was attached."""
        session = self._deps.sessions.update(
            wait.session_id,
            lambda current: current.model_copy(update={"task_token": wait.task_token}),
        )
        if session is None:
            raise LookupError(f"no chat session {wait.session_id}")
        if session.state == SessionState.WAITING:
            return None
        return AnswersRecorded(session_id=session.session_id, answers=len(session.answers))

    def handle_timeout(self, request: TimeoutRequest) -> TimeoutHandled:
        """HandleTimeout: no answers in time is not a failure; the pack is written without.

        When the answers came but a follow-up question is still open, the pack is written
        with the answers as they are.
        """
        deps = self._deps
        closed: list[bool] = []

        def time_out(current: ChatSession) -> ChatSession:
            if current.state != SessionState.WAITING:
                return current
            if current.answers_given:
                closed.append(True)
                return current.model_copy(update={"state": SessionState.ANSWERED})
            return current.model_copy(update={"state": SessionState.TIMED_OUT})

        session = deps.sessions.update(request.session_id, time_out)
        if session is None:
            raise LookupError(f"no chat session {request.session_id}")
        follow_up_open = session.state == SessionState.ANSWERED and bool(closed)
        if session.state != SessionState.TIMED_OUT and not follow_up_open:
            # The answers came in the last moment, before the timeout was recorded.
            return TimeoutHandled(session_id=session.session_id, timed_out=False)
        reached = _S.ANSWERED if follow_up_open else _S.TIMED_OUT
        meeting = self._change(
            request,
            lambda m: m.with_status(reached) if m.status == _S.NOTIFIED else m,
        )
        if isinstance(meeting, str):
            return TimeoutHandled(session_id=session.session_id, timed_out=not follow_up_open)
        key = delivery_key(request.prep_id, TIMEOUT_STATE)
        text = (
            "No answer to the follow-up question in time: the pack is being prepared with "
            "your answers as they are."
            if follow_up_open
            else "No answers to the prep questions in time: the pack is being prepared "
            "without them."
        )
        self._deliver_once(key, meeting, "notice", lambda: deps.channel.tell(meeting, text, key))
        log.info(
            "answers timed out",
            extra={"session_id": session.session_id, "follow_up_open": follow_up_open},
        )
        return TimeoutHandled(session_id=session.session_id, timed_out=not follow_up_open)

    def gather_context_source(self, request: ContextSourceRequest) -> ContextSourceRef:
        """One branch of GatherContext: one source's facts, kept as a document for the pack.

        A source the meeting's type does not use says so; one that fails or overruns its time
        limit is reported unavailable, with the reason; neither fails the prep.
        """
        deps = self._deps
        meeting = find_meeting(deps.meetings, request.meeting_id)
        name = request.provider
        if name not in self._type_of(meeting).context_providers:
            return ContextSourceRef(provider=name, needed=False)
        provider = deps.providers.get(name)
        if provider is None:
            result = ContextResult.unavailable(name, "no such source is configured")
        else:
            limit = deps.provider_timeouts.get(name, deps.provider_timeout)
            result = gather_one(provider, self._context_request(meeting), limit)
        key = context_key(request.workflow_id, name)
        deps.documents.put(key, result.model_dump_json().encode(), "application/json")
        return ContextSourceRef(
            provider=name, available=result.available, key=key, reason=result.reason
        )

    def _context_request(self, meeting: Meeting) -> ContextRequest:
        me = (self._deps.executive.email or "").lower()
        people = tuple(
            a.email
            for a in (*meeting.attendees, *((meeting.organizer,) if meeting.organizer else ()))
            if a.email.lower() != me
        )
        meeting_type = self._type_of(meeting).id
        return ContextRequest(
            meeting_id=meeting.meeting_id,
            series_id=meeting.series_id,
            meeting_type=meeting_type,
            title=meeting.title,
            start=meeting.start,
            now=self._deps.clock.now(),
            people=tuple(dict.fromkeys(people)),
            scope="people" if meeting_type in PEOPLE_SCOPED_TYPES else "organisation",
        )

    def pack_inputs(self, request: MaterialsRequest) -> PackInputs | str:
        """What the pack is written from (the meeting, its type, the answers, the gathered
        context, the open items), or why this prep should stop."""
        deps = self._deps
        meeting = self._current(request)
        if isinstance(meeting, str):
            return meeting
        meeting_type = self._type_of(meeting)
        results = self._gathered(request, meeting_type)
        session = deps.sessions.get(session_id_for(request.prep_id))
        return PackInputs(
            meeting=meeting,
            meeting_type=meeting_type,
            answers=dict(session.answers) if session else {},
            answers_received=session is not None and session.state == SessionState.ANSWERED,
            context=results,
            open_items=open_items_for(deps, meeting),
            pending_decisions=[
                d
                for d in deps.decisions.list(open_only=True, series_id=meeting.series_id)
                if d.accepted
            ],
            now=deps.clock.now(),
            zone=deps.executive.zone,
            people=_people(meeting),
            executive_email=deps.executive.email,
            known_people=(
                _known_people(deps, meeting) if deps.generator.name != GENERATED_BY else {}
            ),
        )

    def generate_materials(self, request: MaterialsRequest) -> MaterialsWritten:
        """GenerateMaterials: write the pack; the offline generator takes over if the model
        fails, overruns its time, or may not read a private meeting."""
        deps = self._deps
        inputs = self.pack_inputs(request)
        if isinstance(inputs, str):
            return MaterialsWritten(proceed=False, reason=inputs)
        meeting, meeting_type, results = inputs.meeting, inputs.meeting_type, list(inputs.context)
        generated = self._generate(inputs, meeting_type)
        pack = generated.pack
        location = write_pack(
            deps.documents, pack, results, render_markdown(pack, meeting_type.name)
        )
        stored = self._change(
            request,
            lambda m: m.model_copy(
                update={
                    "pack_location": location,
                    "generated_by": pack.generated_by,
                    "fallback_reason": pack.fallback_reason,
                    "model_calls": m.model_calls + generated.calls,
                }
            ),
        )
        if isinstance(stored, str):
            return MaterialsWritten(proceed=False, reason=stored)
        log.info(
            "pack written",
            extra={
                "meeting_id": meeting.meeting_id,
                "generated_by": pack.generated_by,
                "fell_back": pack.fallback_reason is not None,
                "model_calls": len(generated.calls),
                "agenda_items": len(pack.agenda),
                "questions": len(pack.questions),
                "open_items": len(pack.open_action_items),
            },
        )
        return MaterialsWritten(
            location=location,
            generated_by=pack.generated_by,
            fallback_reason=pack.fallback_reason,
        )

    def _gathered(
        self, request: MaterialsRequest, meeting_type: MeetingType
    ) -> list[ContextResult]:
        """The branches' results in the order the type lists its sources."""
        refs = {ref.provider: ref for ref in request.context if ref.needed}
        results = []
        for name in meeting_type.context_providers:
            ref = refs.get(name)
            raw = self._deps.documents.get(ref.key) if ref and ref.key else None
            if raw is None:
                why = ref.reason if ref and ref.reason else "its facts were not gathered"
                results.append(ContextResult.unavailable(name, why))
            else:
                results.append(ContextResult.model_validate_json(raw))
        return results

    def _generate(self, inputs: PackInputs, meeting_type: MeetingType) -> GeneratedPack:
        """The configured generator's pack, or the offline pack with the reason it was used:
        a private meeting the generator may not read, a pack it rejected, an error, a
        time-out. A model failure never costs the executive the pack."""
        deps = self._deps
        generator = deps.generator
        if generator.name == GENERATED_BY:
            return generator.generate(inputs)
        calls: tuple[ModelCall, ...] = ()
        refusal = (
            private_refusal(generator.destination, deps.private_providers)
            if meeting_type.private
            else None
        )
        if refusal is not None:
            reason = f"a private meeting: {refusal}"
        else:
            try:
                return self._generate_within(inputs)
            except PackRejected as exc:
                reason, calls = exc.reason, tuple(exc.calls)
            except Exception as exc:
                reason = f"{generator.name} failed: {_error_text(exc)}"
        log.warning(
            "offline pack instead of the model's",
            extra={
                "meeting_id": inputs.meeting.meeting_id,
                "generator": generator.name,
                "private": refusal is not None,
            },
        )
        pack = build_offline_pack(inputs).model_copy(update={"fallback_reason": reason})
        return GeneratedPack(pack, calls)

    def _generate_within(self, inputs: PackInputs) -> GeneratedPack:
        """The generator's pack, or TimeLimitExceeded after its time limit (less than the
        state's 600 s, so that the offline pack can still be written within it)."""
        deps = self._deps
        return within(
            deps.generation_timeout,
            lambda: deps.generator.generate(inputs),
            name="generate-materials",
            what=deps.generator.name,
        )

    def send_materials(self, request: PrepRequest) -> MaterialsSent:
        """SendPrepMaterials: deliver the pack, once."""
        deps = self._deps
        meeting = self._current(request)
        if isinstance(meeting, str):
            return MaterialsSent(proceed=False, reason=meeting)
        pack = read_pack(deps.documents, meeting.meeting_id)
        if pack is None:
            raise PackMissing(f"the pack of meeting {meeting.meeting_id} is not in the documents")
        key = delivery_key(request.prep_id, PACK_STATE)
        sent = self._deliver_once(
            key,
            meeting,
            "pack",
            lambda: deps.channel.deliver_pack(meeting, pack, meeting.pack_location or "", key),
        )
        stored = self._change(
            request,
            lambda m: m if m.status in PREPARED_STATUSES else m.with_status(_S.MATERIALS_READY),
        )
        if isinstance(stored, str):
            return MaterialsSent(proceed=False, reason=stored, sent=sent)
        log.info(
            "pack delivered",
            extra={"meeting_id": meeting.meeting_id, "channel": deps.channel.name, "sent": sent},
        )
        return MaterialsSent(sent=sent)

    def schedule_final_reminder(self, request: PrepRequest) -> ReminderScheduled:
        """ScheduleFinalReminder: when the reminder is due, 2 hours before the meeting.

        None for a meeting that was already closer than that when first seen, and none when
        the pack itself went out after the reminder's time: the pack is the reminder. A time
        already past otherwise (the assistant was down) is kept: the reminder goes out late.
        With a reminder scheduler (AWS) the reminder is handed to it and the workflow ends;
        otherwise, or when the time is too close for it, the workflow waits for the time.
        """
        meeting = self._current(request)
        if isinstance(meeting, str):
            return ReminderScheduled(proceed=False, reason=meeting)
        if meeting.reminder_at is None or meeting.status == _S.REMINDED:
            return ReminderScheduled()
        pack = self._deps.deliveries.get(delivery_key(request.prep_id, PACK_STATE))
        if pack is not None and pack.updated_at >= meeting.reminder_at:
            return ReminderScheduled(reason="the pack went out after the reminder's time")
        reminders = self._deps.reminders
        if reminders is None or meeting.reminder_at <= self._deps.clock.now() + SCHEDULE_AHEAD:
            # Too close for a scheduler to fire in time: the workflow sends it itself.
            return ReminderScheduled(remind_at=meeting.reminder_at)
        reminders.schedule(request, meeting.reminder_at)
        log.info("final reminder scheduled", extra={"meeting_id": meeting.meeting_id})
        return ReminderScheduled(remind_at=meeting.reminder_at, scheduled=True)

    def send_final_reminder(self, request: PrepRequest) -> ReminderSent:
        """SendFinalReminder: the agenda at a glance, the top questions, the open items.

        Sent late, and marked so, when the assistant was not running at its time; not sent,
        with the reason, once the meeting has started.
        """
        deps = self._deps
        meeting = self._current(request)
        if isinstance(meeting, str):
            return ReminderSent(proceed=False, reason=meeting)
        now = deps.clock.now()
        if meeting.status == _S.REMINDED:
            return ReminderSent()
        if now >= meeting.start:
            log.info("final reminder skipped", extra={"meeting_id": meeting.meeting_id})
            return ReminderSent(reason="the meeting had started when the reminder was due")
        pack = read_pack(deps.documents, meeting.meeting_id)
        if pack is None:
            raise PackMissing(f"the pack of meeting {meeting.meeting_id} is not in the documents")
        late = meeting.reminder_at is not None and now - meeting.reminder_at > LATE_AFTER
        reminder = final_reminder(pack, meeting.pack_location).model_copy(update={"late": late})
        key = delivery_key(request.prep_id, REMINDER_STATE)
        sent = self._deliver_once(
            key, meeting, "reminder", lambda: deps.channel.remind(meeting, reminder, key)
        )
        stored = self._change(
            request,
            lambda m: m.with_status(_S.REMINDED) if m.status == _S.MATERIALS_READY else m,
        )
        if isinstance(stored, str):
            return ReminderSent(proceed=False, reason=stored, sent=sent, late=late)
        log.info("final reminder sent", extra={"meeting_id": meeting.meeting_id, "late": late})
        return ReminderSent(sent=sent, late=late)

    def record_prep_failure(self, failure: PrepFailure) -> FailureRecorded:
        """RecordPrepFailure: the meeting shows the prep as failed, with the state and the
        error, and when it is tried again (5, 10, 20, 40 minutes, then hourly, while the
        meeting has not begun)."""
        now = self._deps.clock.now()
        error = failure.error
        where = f"{error.state} failed" if error.state else "failed"
        cause = " ".join(error.cause.split())
        text = f"{where}: {error.error}" + (f": {cause}" if cause else "")
        if len(text) > ERROR_TEXT_LIMIT:
            text = text[: ERROR_TEXT_LIMIT - 1] + "…"
        retry_at: list[datetime | None] = []

        def fail(meeting: Meeting) -> Meeting:
            due = now + retry_delay(failure.attempt)
            retry_at.append(due if due < meeting.start else None)
            return meeting.with_status(_S.FAILED, prep_error=text, retry_at=retry_at[0])

        stored = self._change(failure, fail)
        if isinstance(stored, str):
            return FailureRecorded()
        log.info(
            "prep failed",
            extra={
                "meeting_id": failure.meeting_id,
                "workflow_id": failure.workflow_id,
                "state": error.state,
                "error": error.error,
                "retry_at": retry_at[0].isoformat() if retry_at[0] else None,
            },
        )
        return FailureRecorded(retry_at=retry_at[0])


def open_items_for(deps: PrepDependencies, meeting: Meeting) -> list[ActionItem]:
    """Open action items from earlier meetings of the series and, for a 1:1, the other
    person's open items from any meeting; accepted ones only (not proposals from notes the
    executive has not accepted)."""
    items = deps.action_items.list(open_only=True, series_id=meeting.series_id)
    if meeting.meeting_type in PEOPLE_SCOPED_TYPES:
        me = (deps.executive.email or "").lower()
        for attendee in meeting.attendees:
            if attendee.email.lower() != me:
                items += deps.action_items.list(open_only=True, owner=attendee.email)
    unique = {i.item_id: i for i in items if i.meeting_id != meeting.meeting_id and i.accepted}
    return sorted(unique.values(), key=lambda i: (i.due is None, i.due, i.created_at))


KNOWN_PEOPLE_WINDOW = timedelta(days=30)


def _known_people(deps: PrepDependencies, meeting: Meeting) -> dict[str, str]:
    """The people the executive meets within a month either side of this meeting, and the
    owners of open items, by email: who a model's pack must not name unless invited."""
    known: dict[str, str] = {}
    window = deps.meetings.list_between(
        meeting.start - KNOWN_PEOPLE_WINDOW, meeting.start + KNOWN_PEOPLE_WINDOW
    )
    for other in window:
        people = list(other.attendees) + ([other.organizer] if other.organizer else [])
        for person in people:
            if person.name:
                known[person.email.lower()] = person.name
            else:
                known.setdefault(person.email.lower(), "")
    for item in deps.action_items.list(open_only=True):
        if item.owner and "@" in item.owner:
            known.setdefault(item.owner.lower(), "")
    return known


def _people(meeting: Meeting) -> dict[str, str]:
    names = {a.email: a.display_name for a in meeting.attendees}
    if meeting.organizer:
        names.setdefault(meeting.organizer.email, meeting.organizer.display_name)
    return names


def _error_text(exc: BaseException) -> str:
    """An error on one line, as short as a meeting's record needs: 'TimeoutError: no pack…'."""
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= ERROR_TEXT_LIMIT else text[: ERROR_TEXT_LIMIT - 1] + "…"
