"""Fakes for the prep services: a fixed clock, a recording channel, static context sources, a
prep engine that records what it was asked, and a driver that walks a prep's states."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryChatSessionRepository,
    InMemoryDecisionRepository,
    InMemoryDeliveryRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
)
from exec_assistant.agents.offline import OfflinePackGenerator
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import (
    ChatSession,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    PrepPack,
)
from exec_assistant.domain.prep_pack import PackInputs
from exec_assistant.domain.prep_steps import (
    AnswersRecorded,
    ContextSourceRequest,
    MaterialsRequest,
    MaterialsWritten,
    PrepRequest,
    TimeoutRequest,
    WaitForAnswers,
)
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.ports import GeneratedPack, PrepRun, PrepRunState
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.prep import PrepSteps
from exec_assistant.services.preps import prep_request
from exec_assistant.workflows.spec import CONTEXT_BRANCHES

from factories import ME, event, person

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PROVIDERS = tuple(CONTEXT_BRANCHES)


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value

    def advance(self, delta: timedelta) -> None:
        self.value += delta


@dataclass
class RecordingChannel:
    """A chat channel that remembers what it was asked to send, with each message's key."""

    answers: dict[str, str] | None = None
    name: str = "recording"
    sent: list[tuple[str, str]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    reminders: list[FinalReminder] = field(default_factory=list)
    failures: int = 0
    """Raise ConnectionError this many times before sending."""
    follow_up_answers: list[str | None] = field(default_factory=list)
    """What each follow-up question gets at once, in turn (None: its answer comes later)."""
    follow_up_failures: int = 0
    """Raise ConnectionError this many times before sending a follow-up question."""
    follow_ups: list[FollowUpTurn] = field(default_factory=list)

    def _send(self, kind: str, subject: str, key: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("the chat service did not answer")
        self.sent.append((kind, subject))
        self.keys.append(key)

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        self._send("questions", meeting.meeting_id, key)
        return self.answers

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None:
        self._send("pack", meeting.meeting_id, key)

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None:
        self._send("reminder", meeting.meeting_id, key)
        self.reminders.append(reminder)

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        self._send("notice", text, key)

    def follow_up(
        self, meeting: Meeting, session: ChatSession, follow_up: FollowUpTurn, key: str
    ) -> str | None:
        if self.follow_up_failures > 0:
            self.follow_up_failures -= 1
            raise ConnectionError("the chat service did not answer")
        self._send("follow_up", follow_up.question, key)
        self.follow_ups.append(follow_up)
        return self.follow_up_answers.pop(0) if self.follow_up_answers else None

    def ask_for_notes(self, meeting: Meeting, key: str) -> None:
        self._send("notes_request", meeting.meeting_id, key)

    def notify(self, text: str, key: str) -> None:
        self._send("notify", text, key)

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.sent]


class StaticProvider:
    def __init__(
        self, name: str, result: Any = None, error: Exception | None = None, delay: float = 0
    ) -> None:
        self.name = name
        self._result = result
        self._error = error
        self._delay = delay

    def gather(self, request: ContextRequest) -> ContextResult:
        if self._delay:
            time.sleep(self._delay)
        if self._error:
            raise self._error
        if self._result is not None:
            return self._result  # type: ignore[no-any-return]
        return ContextResult(provider=self.name, facts=(f"{self.name} fact: 42%",))


class FailingGenerator:
    name = "model"
    destination = ModelDestination("anthropic")

    def generate(self, inputs: PackInputs) -> GeneratedPack:
        raise TimeoutError("model did not answer")


@dataclass
class RecordingEngine:
    """A PrepEngine that runs nothing: it records what it was asked, and reports the run
    states a test sets."""

    started: list[PrepRequest] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    delivered: list[tuple[str, AnswersRecorded]] = field(default_factory=list)
    runs: dict[str, PrepRun] = field(default_factory=dict)

    def start(self, request: PrepRequest) -> None:
        if request.workflow_id not in self.runs:
            self.started.append(request)
            self.runs[request.workflow_id] = PrepRun(request.workflow_id, PrepRunState.RUNNING)

    def retry(self, failed_workflow_id: str | None, request: PrepRequest) -> None:
        if failed_workflow_id and failed_workflow_id in self.runs:
            self.cancel(failed_workflow_id)
        self.start(request)

    def deliver_answers(self, task_token: str, answers: AnswersRecorded) -> None:
        self.delivered.append((task_token, answers))

    def cancel(self, workflow_id: str) -> None:
        self.cancelled.append(workflow_id)
        if workflow_id in self.runs:
            self.runs[workflow_id] = PrepRun(workflow_id, PrepRunState.CANCELLED)

    def status(self, workflow_id: str) -> PrepRun | None:
        return self.runs.get(workflow_id)

    def finish(self, workflow_id: str, state: PrepRunState, error: str | None = None) -> None:
        self.runs[workflow_id] = PrepRun(workflow_id, state, error=error)


def make_deps(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    *,
    channel: RecordingChannel | None = None,
    providers: dict[str, Any] | None = None,
    generator: Any = None,
    timeout: float = 2.0,
    clock: FixedClock | None = None,
) -> PrepDependencies:
    return PrepDependencies(
        meetings=InMemoryMeetingRepository(),
        sessions=InMemoryChatSessionRepository(),
        action_items=InMemoryActionItemRepository(),
        decisions=InMemoryDecisionRepository(),
        deliveries=InMemoryDeliveryRepository(),
        documents=InMemoryDocumentStore(),
        catalog=catalog,
        rules=rules,
        executive=executive,
        channel=channel or RecordingChannel(),
        providers=providers if providers is not None else {n: StaticProvider(n) for n in PROVIDERS},
        generator=generator or OfflinePackGenerator(),
        clock=clock or FixedClock(),
        provider_timeout=timeout,
    )


def store_meeting(
    deps: PrepDependencies,
    title: str = "Infrastructure Leadership Team",
    attendees: tuple[Any, ...] | None = None,
    starts_in: timedelta = timedelta(hours=5),
) -> tuple[Meeting, PrepRequest]:
    people = attendees or (ME, person("Priya Raman"), person("Marcus Webb"), person("Elena Park"))
    now = deps.clock.now()
    evt = event(title, start=now + starts_in, attendees=people)
    meeting = assess_event(evt, None, deps.catalog, deps.rules, deps.executive, None, now)
    deps.meetings.put(meeting)
    return meeting, prep_request(meeting)


def gather_all(steps: PrepSteps, request: PrepRequest) -> MaterialsRequest:
    """Every GatherContext branch, one after the other, as the materials' input."""
    refs = [
        steps.gather_context_source(ContextSourceRequest(**request.model_dump(), provider=provider))
        for provider in PROVIDERS
    ]
    return MaterialsRequest(**request.model_dump(), context=refs)


def run_to_pack(
    deps: PrepDependencies, request: PrepRequest, answers: dict[str, str] | None
) -> MaterialsWritten:
    """The states in order, as an engine would run them, with the answers given (None: the
    wait times out)."""
    steps = PrepSteps(deps)
    assert steps.classify_meeting(request).proceed
    note = steps.send_prep_notification(request)
    assert note.session_id is not None
    if not note.answered:
        steps.attach_wait_token(WaitForAnswers(session_id=note.session_id, task_token="token"))
        if answers is None:
            steps.handle_timeout(TimeoutRequest(**request.model_dump(), session_id=note.session_id))
        else:
            from exec_assistant.services.answers import submit_answers

            submit_answers(
                deps.meetings, deps.sessions, RecordingEngine(), request.meeting_id, answers, "test"
            )
    materials = steps.generate_materials(gather_all(steps, request))
    steps.send_materials(request)
    return materials
