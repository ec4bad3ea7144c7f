"""The meeting prep workflow: every state, every transition, every retry and timeout.

The one source of the prep's control flow. The DBOS engine (`workflows/dbos_engine.py`)
interprets it state by state and keeps no order of its own; the Step Functions definition of
the AWS deployment is rendered from it (`workflows/asl.py`), state for state, with the same
names. The model follows the Amazon States Language so that the rendering is one to one:

- a TASK calls one service (a method of `services.prep.PrepSteps`, which the Lambda handler of
  that state calls too) with an input model built from the execution data (`parameters`: a
  field per JSONPath, as a Task's `Parameters`), and stores the result model at
  `result_path`; `retry` and `catch` are ASL's Retry and Catch;
- a CHOICE picks the next state from the data (the stop outcomes, and skipping the wait when
  the answers are in already);
- WAIT_FOR_ANSWERS is the callback task: the chat-session manager attaches the task token to
  the session and completes at once if the answers are there; otherwise the state waits for
  the answers to be delivered to the token, until the session's `answers_due`. The Step
  Functions rendering uses `lambda:invoke.waitForTaskToken` with `TimeoutSecondsPath` on
  `$.notification.wait_seconds` (at most 86400, the ceiling kept in `timeout_seconds`), the
  token handed to the chat-session manager as `$$.Task.Token`, and `States.Timeout` caught
  into HandleTimeout;
- PARALLEL runs its branches (one TASK per context source) and stores the list of their
  results; a branch whose task still fails after its retries gives its `fallback` result
  (the source is unavailable) instead of failing the state;
- WAIT_UNTIL waits until the instant at `timestamp_path` (ASL: a Wait state with
  `TimestampPath`); an instant already past passes at once. The final reminder waits so
  only when no scheduler outside the workflow took it (`ReminderScheduled.scheduled`; on AWS
  an EventBridge Scheduler one-time schedule runs SendFinalReminder, and the execution
  ends);
- a CHOICE reads only what earlier states returned, so an engine replaying an execution
  takes the same path;
- SUCCEED and FAIL end the execution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

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
    PrepOutcome,
    PrepRequest,
    ReminderScheduled,
    ReminderSent,
    StepModel,
    TimeoutHandled,
    TimeoutRequest,
    WaitForAnswers,
)


class StateKind(StrEnum):
    TASK = "task"
    CHOICE = "choice"
    WAIT_FOR_ANSWERS = "wait_for_answers"
    PARALLEL = "parallel"
    WAIT_UNTIL = "wait_until"
    SUCCEED = "succeed"
    FAIL = "fail"


ALL_ERRORS = "States.ALL"
TASK_FAILED = "States.TaskFailed"
"""Any error of a task except a timeout (ASL's meaning)."""
TIMEOUT = "States.Timeout"


@dataclass(frozen=True)
class Retry:
    """ASL's Retry: `max_attempts` retries after the first try, `interval_seconds` before the
    first retry, multiplied by `backoff_rate` before each next one."""

    errors: tuple[str, ...]
    interval_seconds: float
    max_attempts: int
    backoff_rate: float

    def delays(self) -> list[float]:
        """The pause before each retry: 2, 4, 8 s for (2 s, 3 retries, backoff 2)."""
        return [self.interval_seconds * self.backoff_rate**n for n in range(self.max_attempts)]


@dataclass(frozen=True)
class Catch:
    errors: tuple[str, ...]
    next: str
    result_path: str = "$.error"


@dataclass(frozen=True)
class ChoiceRule:
    """`variable` (a JSONPath into the execution data) compared as ASL's BooleanEquals, or
    tested with IsNull."""

    variable: str
    next: str
    boolean_equals: bool | None = None
    is_null: bool | None = None

    def holds(self, data: Mapping[str, Any]) -> bool:
        value = resolve(data, self.variable, missing=None)
        if self.is_null is not None:
            return (value is None) == self.is_null
        return value is self.boolean_equals


@dataclass(frozen=True)
class State:
    name: str
    kind: StateKind
    comment: str = ""
    service: str | None = None
    """TASK, WAIT_FOR_ANSWERS: the method of `PrepSteps` the state calls."""
    parameters: Mapping[str, str] | None = None
    """The input's fields, each from a JSONPath into the execution data; None: the whole data
    (the input model takes the fields it needs)."""
    constants: Mapping[str, str] = field(default_factory=dict)
    """Fixed input fields (a branch's provider)."""
    input_model: type[StepModel] | None = None
    output_model: type[StepModel] | None = None
    result_path: str | None = None
    next: str | None = None
    retry: tuple[Retry, ...] = ()
    catch: tuple[Catch, ...] = ()
    timeout_seconds: int | None = None
    """A TASK's time limit; WAIT_FOR_ANSWERS: the ceiling of the wait."""
    timeout_seconds_path: str | None = None
    """WAIT_FOR_ANSWERS: how long to wait, from the data (ASL's TimeoutSecondsPath)."""
    timestamp_path: str | None = None
    """WAIT_UNTIL: the instant to wait for (ASL's TimestampPath)."""
    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None
    """CHOICE: where to go when no rule holds."""
    branches: tuple[State, ...] = ()
    """PARALLEL: one TASK per branch, run side by side."""
    error: str | None = None
    """FAIL: the error name the execution fails with."""
    fallback: StepModel | None = None
    """A PARALLEL branch: its result when its task still fails after its retries, the
    error's name put into `reason` by FALLBACK_REASON (ASL: a Catch to a Pass state)."""

    def choose(self, data: Mapping[str, Any]) -> str:
        for rule in self.choices:
            if rule.holds(data):
                return rule.next
        if self.default is None:
            raise ValueError(f"choice {self.name}: no rule holds and there is no default")
        return self.default

    def build_input(self, data: Mapping[str, Any], **extra: Any) -> StepModel:
        """The input model of a TASK or branch, from the execution data; `extra` holds what
        the engine supplies itself (WAIT_FOR_ANSWERS: the task token, ASL's $$.Task.Token)."""
        if self.input_model is None:
            raise ValueError(f"state {self.name} takes no input")
        if self.parameters is None:
            raw: dict[str, Any] = dict(data)
        else:
            raw = {key: resolve(data, path) for key, path in self.parameters.items()}
        return self.input_model.model_validate({**raw, **self.constants, **extra})

    def catch_for(self, error: str) -> Catch | None:
        return next((c for c in self.catch if any(matches(e, error) for e in c.errors)), None)

    def retry_for(self, error: str) -> Retry | None:
        return next((r for r in self.retry if any(matches(e, error) for e in r.errors)), None)

    @property
    def targets(self) -> list[str]:
        """Every state this one can go to."""
        found = [self.next, self.default, *(r.next for r in self.choices)]
        found += [c.next for c in self.catch]
        return [t for t in found if t is not None]


def matches(pattern: str, error: str) -> bool:
    """ASL's ErrorEquals: States.ALL matches any error, States.TaskFailed any but a timeout."""
    if pattern == ALL_ERRORS:
        return True
    if pattern == TASK_FAILED:
        return error != TIMEOUT
    return pattern == error


def resolve(data: Mapping[str, Any], path: str, **default: Any) -> Any:
    """The value at a JSONPath like `$.notification.session_id` (`$` is the whole data)."""
    if path == "$":
        return data
    if not path.startswith("$."):
        raise ValueError(f"not a JSONPath: {path}")
    value: Any = data
    for part in path[2:].split("."):
        if not isinstance(value, Mapping) or part not in value:
            if "missing" in default:
                return default["missing"]
            raise KeyError(f"{path} is not in the execution data")
        value = value[part]
    return value


def assign(data: dict[str, Any], path: str, value: Any) -> None:
    """Store a state's result at its ResultPath (`$.context`) in the execution data."""
    if not path.startswith("$.") or path == "$.":
        raise ValueError(f"not a result path: {path}")
    parts = path[2:].split(".")
    target = data
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    start: str
    states: dict[str, State] = field(default_factory=dict)

    def __getitem__(self, name: str) -> State:
        return self.states[name]

    def __iter__(self) -> Iterator[State]:
        return iter(self.states.values())

    def tasks(self) -> Iterator[State]:
        """Every state that calls a service, branches included."""
        for state in self:
            if state.service is not None:
                yield state
            yield from state.branches

    def walk(self, decide: Callable[[State], str]) -> list[str]:
        """The states one execution visits, from the start to an end state: `decide` picks
        the next state wherever the data would (a choice, a catch, a timeout)."""
        visited, current = [], self.start
        while True:
            state = self.states[current]
            visited.append(current)
            if state.kind in (StateKind.SUCCEED, StateKind.FAIL):
                return visited
            if len(visited) > 4 * len(self.states):
                raise ValueError("the walk does not end")
            options = state.targets
            chosen = decide(state) if len(options) > 1 else options[0]
            if chosen not in options:
                raise ValueError(f"{current} cannot go to {chosen}")
            current = chosen


CLASSIFY = "ClassifyMeeting"
CHECK_CLASSIFIED = "CheckClassified"
SEND_NOTIFICATION = "SendPrepNotification"
CHECK_NOTIFICATION = "CheckNotification"
WAIT_FOR_ANSWERS = "WaitForUserResponses"
HANDLE_TIMEOUT = "HandleTimeout"
GATHER_CONTEXT = "GatherContext"
GENERATE_MATERIALS = "GenerateMaterials"
CHECK_MATERIALS = "CheckMaterials"
SEND_MATERIALS = "SendPrepMaterials"
CHECK_SENT = "CheckSent"
SCHEDULE_REMINDER = "ScheduleFinalReminder"
CHECK_REMINDER = "CheckReminder"
WAIT_FOR_REMINDER = "WaitForFinalReminder"
SEND_REMINDER = "SendFinalReminder"
RECORD_FAILURE = "RecordPrepFailure"
DONE = "PrepDone"
STOPPED = "PrepStopped"
FAILED = "PrepFailed"

CONTEXT_BRANCHES = {
    # The spec's five sources, and the history of the series and its people.
    "budget": "GetBudgetContext",
    "big_rocks": "GetBigRocksContext",
    "incidents": "GetIncidentsContext",
    "staffing": "GetStaffingContext",
    "decisions": "GetDecisionsContext",
    "history": "GetHistoryContext",
}

CLASSIFY_RETRY = Retry((TASK_FAILED,), interval_seconds=2, max_attempts=3, backoff_rate=2)
"""The spec's ClassifyMeeting policy."""
SEND_LIMIT_SECONDS = 120
"""A delivery that hangs (a peer that never answers, a pipe nobody reads) gives up after this
and is retried; asking at the keyboard has no limit, a person takes their time."""
OUTSIDE_RETRY = Retry((TASK_FAILED, TIMEOUT), interval_seconds=2, max_attempts=3, backoff_rate=2)
"""For every state that talks to the outside (a chat channel, the documents, the stores): a
network error or a busy peer is retried 2, 4 and 8 s later before the state fails."""
CHANNEL_REFUSED = "ChannelRefused"
"""The error of a chat channel that refused for a reason a retry in seconds does not fix (a
revoked token, a conversation the app may not post to): raised as an exception of this
class name, as Step Functions names a task's errors."""
REFUSED_NOT_RETRIED = Retry((CHANNEL_REFUSED,), interval_seconds=1, max_attempts=0, backoff_rate=1)
"""First, so that it matches before OUTSIDE_RETRY: the state fails at once, and the prep is
recorded as failed with the reason, to be tried again with a fresh attempt later."""
ON_FAILURE = (Catch((ALL_ERRORS,), RECORD_FAILURE),)
"""A state that still fails after its retries makes the prep visible as failed, with the
reason, to be retried later with a fresh attempt."""

_REQUEST = {
    "meeting_id": "$.meeting_id",
    "prep_id": "$.prep_id",
    "workflow_id": "$.workflow_id",
    "attempt": "$.attempt",
}


def _check(name: str, result: str, then: str, *more: ChoiceRule) -> State:
    """A choice: stop when the result says not to proceed, then `more`, else `then`."""
    return State(
        name,
        StateKind.CHOICE,
        comment=f"Stop when {result} says so; otherwise {then}.",
        choices=(ChoiceRule(f"{result}.proceed", STOPPED, boolean_equals=False), *more),
        default=then,
    )


def _task(
    name: str,
    service: str,
    output_model: type[StepModel],
    result_path: str,
    next_state: str,
    comment: str,
    *,
    input_model: type[StepModel] = PrepRequest,
    retry: Retry = OUTSIDE_RETRY,
    **more: Any,
) -> State:
    """A TASK that fails over to RecordPrepFailure once its retries are spent."""
    return State(
        name,
        StateKind.TASK,
        comment=comment,
        service=service,
        input_model=input_model,
        output_model=output_model,
        result_path=result_path,
        next=next_state,
        retry=(REFUSED_NOT_RETRIED, retry),
        catch=ON_FAILURE,
        **more,
    )


FALLBACK_REASON = "the source failed: {}"
"""A failed branch's reason, the error's name in the braces (ASL's States.Format)."""


def _branch(provider: str, state_name: str) -> State:
    return State(
        state_name,
        StateKind.TASK,
        comment=f"The {provider.replace('_', ' ')} facts, or why there are none.",
        service="gather_context_source",
        parameters=_REQUEST,
        constants={"provider": provider},
        input_model=ContextSourceRequest,
        output_model=ContextSourceRef,
        retry=(OUTSIDE_RETRY,),
        fallback=ContextSourceRef(provider=provider, needed=True, available=False),
    )


MEETING_PREP = WorkflowSpec(
    name="MeetingPrepWorkflow",
    start=CLASSIFY,
    states={
        s.name: s
        for s in (
            _task(
                CLASSIFY,
                "classify_meeting",
                Classified,
                "$.classified",
                CHECK_CLASSIFIED,
                "Confirm the meeting's type; stop if it was cancelled or moved.",
                retry=CLASSIFY_RETRY,
            ),
            _check(CHECK_CLASSIFIED, "$.classified", SEND_NOTIFICATION),
            _task(
                SEND_NOTIFICATION,
                "send_prep_notification",
                NotificationSent,
                "$.notification",
                CHECK_NOTIFICATION,
                "Open the chat session and ask the type's prep questions, once.",
            ),
            _check(
                CHECK_NOTIFICATION,
                "$.notification",
                WAIT_FOR_ANSWERS,
                ChoiceRule("$.notification.answered", GATHER_CONTEXT, boolean_equals=True),
            ),
            State(
                WAIT_FOR_ANSWERS,
                StateKind.WAIT_FOR_ANSWERS,
                comment="The chat-session manager attaches the token; answers resume it.",
                service="attach_wait_token",
                parameters={"session_id": "$.notification.session_id"},
                input_model=WaitForAnswers,
                output_model=AnswersRecorded,
                result_path="$.answers",
                next=GATHER_CONTEXT,
                timeout_seconds=MAX_WAIT_SECONDS,
                timeout_seconds_path="$.notification.wait_seconds",
                catch=(Catch((TIMEOUT,), HANDLE_TIMEOUT), *ON_FAILURE),
            ),
            _task(
                HANDLE_TIMEOUT,
                "handle_timeout",
                TimeoutHandled,
                "$.timeout",
                GATHER_CONTEXT,
                "No answers in time is not a failure: the pack is written without.",
                input_model=TimeoutRequest,
                parameters={**_REQUEST, "session_id": "$.notification.session_id"},
                timeout_seconds=SEND_LIMIT_SECONDS,
            ),
            State(
                GATHER_CONTEXT,
                StateKind.PARALLEL,
                comment="Every source at once; a source the type does not use says so, and "
                "one that fails is reported unavailable: neither fails the prep.",
                branches=tuple(_branch(p, n) for p, n in CONTEXT_BRANCHES.items()),
                result_path="$.context",
                next=GENERATE_MATERIALS,
                catch=ON_FAILURE,
            ),
            _task(
                GENERATE_MATERIALS,
                "generate_materials",
                MaterialsWritten,
                "$.materials",
                CHECK_MATERIALS,
                "Write the pack; past its time the offline generator writes it.",
                input_model=MaterialsRequest,
                parameters={**_REQUEST, "context": "$.context"},
                timeout_seconds=600,
            ),
            _check(CHECK_MATERIALS, "$.materials", SEND_MATERIALS),
            _task(
                SEND_MATERIALS,
                "send_materials",
                MaterialsSent,
                "$.sent",
                CHECK_SENT,
                "Deliver the pack, once.",
                timeout_seconds=SEND_LIMIT_SECONDS,
            ),
            _check(CHECK_SENT, "$.sent", SCHEDULE_REMINDER),
            _task(
                SCHEDULE_REMINDER,
                "schedule_final_reminder",
                ReminderScheduled,
                "$.reminder",
                CHECK_REMINDER,
                "When the final reminder is due: none for a meeting already close.",
            ),
            _check(
                CHECK_REMINDER,
                "$.reminder",
                WAIT_FOR_REMINDER,
                ChoiceRule("$.reminder.remind_at", DONE, is_null=True),
                ChoiceRule("$.reminder.scheduled", DONE, boolean_equals=True),
            ),
            State(
                WAIT_FOR_REMINDER,
                StateKind.WAIT_UNTIL,
                comment="Until 2 hours before the meeting.",
                timestamp_path="$.reminder.remind_at",
                next=SEND_REMINDER,
            ),
            _task(
                SEND_REMINDER,
                "send_final_reminder",
                ReminderSent,
                "$.reminded",
                DONE,
                "The reminder; late if the engine was down at its time, none once the meeting "
                "has started.",
                timeout_seconds=SEND_LIMIT_SECONDS,
            ),
            State(
                RECORD_FAILURE,
                StateKind.TASK,
                comment="Show the prep as failed, with the reason, and when it is retried.",
                service="record_prep_failure",
                parameters={**_REQUEST, "error": "$.error"},
                input_model=PrepFailure,
                output_model=FailureRecorded,
                result_path="$.failure",
                next=FAILED,
                retry=(CLASSIFY_RETRY,),
            ),
            State(DONE, StateKind.SUCCEED, comment="The pack is out (and the reminder, if any)."),
            State(STOPPED, StateKind.SUCCEED, comment="Nothing more to do for this meeting."),
            State(FAILED, StateKind.FAIL, comment="Retried later.", error="PrepFailed"),
        )
    },
)


def outcome_of(spec: WorkflowSpec, data: Mapping[str, Any]) -> PrepOutcome:
    """How an execution that succeeded ended, read from its final data alone (as both
    engines have it): stopped where a state's result said not to proceed, else done."""
    state, reason = None, None
    for candidate in spec:
        found = (
            resolve(data, candidate.result_path, missing=None) if candidate.result_path else None
        )
        if isinstance(found, Mapping) and found.get("proceed") is False:
            state, reason = candidate.name, found.get("reason")
            break
    materials = data.get("materials") or {}
    notification = data.get("notification") or {}
    return PrepOutcome(
        outcome="stopped" if state else "done",
        state=state,
        reason=reason,
        answered="answers" in data or bool(notification.get("answered")),
        pack_location=materials.get("location"),
        generated_by=materials.get("generated_by"),
    )
