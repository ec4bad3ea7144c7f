"""The meeting prep workflow as the specification defines it: states, order, retries, timeouts.

The one source both engines read: the local DBOS engine takes its step retries and timeouts
from here, and the Step Functions definition is rendered from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class StateKind(StrEnum):
    TASK = "task"
    WAIT_FOR_ANSWERS = "wait_for_answers"
    PARALLEL = "parallel"


@dataclass(frozen=True)
class Retry:
    errors: tuple[str, ...]
    interval_seconds: float
    max_attempts: int
    backoff_rate: float


@dataclass(frozen=True)
class Catch:
    errors: tuple[str, ...]
    next: str
    result_path: str | None = None


@dataclass(frozen=True)
class State:
    name: str
    kind: StateKind
    service: str
    """The service function the state calls (the same one its Lambda handler calls)."""
    next: str | None
    retry: Retry | None = None
    timeout_seconds: int | None = None
    catch: tuple[Catch, ...] = ()
    result_path: str | None = None
    branches: tuple[str, ...] = ()
    """For PARALLEL: the context providers, one branch each."""


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    start: str
    states: dict[str, State] = field(default_factory=dict)

    def __getitem__(self, name: str) -> State:
        return self.states[name]

    def retry_of(self, name: str) -> Retry:
        retry = self.states[name].retry
        if retry is None:
            raise KeyError(f"state {name} has no retry policy")
        return retry

    def path(self) -> list[str]:
        """The states in the order a run with answers visits them."""
        order, current = [], self.start
        while current is not None:
            order.append(current)
            current = self.states[current].next  # type: ignore[assignment]
        return order


CLASSIFY = "ClassifyMeeting"
SEND_NOTIFICATION = "SendPrepNotification"
WAIT_FOR_ANSWERS = "WaitForUserResponses"
HANDLE_TIMEOUT = "HandleTimeout"
GATHER_CONTEXT = "GatherContext"
GENERATE_MATERIALS = "GenerateMaterials"
SEND_MATERIALS = "SendPrepMaterials"
SCHEDULE_REMINDER = "ScheduleFinalReminder"

SPEC_CONTEXT_BRANCHES = ("budget", "big_rocks", "incidents", "staffing", "decisions")

MEETING_PREP = WorkflowSpec(
    name="MeetingPrepWorkflow",
    start=CLASSIFY,
    states={
        CLASSIFY: State(
            CLASSIFY,
            StateKind.TASK,
            service="classify_meeting",
            next=SEND_NOTIFICATION,
            retry=Retry(("States.TaskFailed",), interval_seconds=2, max_attempts=3, backoff_rate=2),
        ),
        SEND_NOTIFICATION: State(
            SEND_NOTIFICATION,
            StateKind.TASK,
            service="send_prep_notification",
            next=WAIT_FOR_ANSWERS,
            result_path="$.notification",
        ),
        WAIT_FOR_ANSWERS: State(
            WAIT_FOR_ANSWERS,
            StateKind.WAIT_FOR_ANSWERS,
            service="record_answers",
            next=GATHER_CONTEXT,
            timeout_seconds=86400,
            catch=(Catch(("States.Timeout",), HANDLE_TIMEOUT, "$.error"),),
        ),
        HANDLE_TIMEOUT: State(
            HANDLE_TIMEOUT, StateKind.TASK, service="handle_timeout", next=GATHER_CONTEXT
        ),
        GATHER_CONTEXT: State(
            GATHER_CONTEXT,
            StateKind.PARALLEL,
            service="gather_context",
            next=GENERATE_MATERIALS,
            result_path="$.context",
            branches=SPEC_CONTEXT_BRANCHES,
        ),
        GENERATE_MATERIALS: State(
            GENERATE_MATERIALS,
            StateKind.TASK,
            service="generate_materials",
            next=SEND_MATERIALS,
            timeout_seconds=600,
            result_path="$.materials",
        ),
        SEND_MATERIALS: State(
            SEND_MATERIALS,
            StateKind.TASK,
            service="send_materials",
            next=SCHEDULE_REMINDER,
            result_path="$.sent",
        ),
        SCHEDULE_REMINDER: State(
            SCHEDULE_REMINDER,
            StateKind.TASK,
            service="schedule_final_reminder",
            next=None,
        ),
    },
)
