"""The prep workflow on DBOS: the workflow spec interpreted, durable on the data folder's SQLite.

One DBOS workflow per prep attempt. The interpreter walks `MEETING_PREP` state by state and
holds no order of its own: every TASK is one durable step (its retries and time limit taken
from the spec), a CHOICE reads the recorded results, the wait for answers and the wait for the
reminder are durable waits that are recorded even when already due. A crash at any point
resumes at the state that did not finish; finished states are never repeated.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from dbos import DBOS, DBOSClient, SetWorkflowID

from exec_assistant.clocks import SimulatedClock
from exec_assistant.domain.errors import DataFolderError
from exec_assistant.domain.prep_steps import AnswersRecorded, PrepOutcome, PrepRequest, StepModel
from exec_assistant.ports import Clock, PrepRun, PrepRunState
from exec_assistant.services.prep import PrepSteps
from exec_assistant.workflows.spec import (
    FALLBACK_REASON,
    MEETING_PREP,
    TIMEOUT,
    State,
    StateKind,
    WorkflowSpec,
    assign,
    outcome_of,
    resolve,
)

log = logging.getLogger(__name__)

APP_NAME = "exec-assistant"
# Pinned: a PENDING workflow is only recovered by the same version. Change on purpose when
# old runs cannot resume through the new spec (a state renamed, removed or reordered).
APPLICATION_VERSION = "prep-workflow-2"
ANSWERS_TOPIC = "answers"
SYSTEM_DATABASE = "workflows.sqlite3"
MIN_RECORDED_WAIT = 0.001
"""DBOS records no sleep of zero seconds; a wait already due still waits this long, so that a
replay lines up with the recorded steps."""

_DBOS_STATES = {
    "PENDING": PrepRunState.RUNNING,
    "ENQUEUED": PrepRunState.RUNNING,
    "DELAYED": PrepRunState.RUNNING,
    "SUCCESS": PrepRunState.SUCCEEDED,
    "ERROR": PrepRunState.FAILED,
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED": PrepRunState.FAILED,
    "CANCELLED": PrepRunState.CANCELLED,
}


class StepFailed(Exception):
    """A state failed after its retries: the error's name (as Step Functions names it), its
    message and the state. Plain arguments, so DBOS can record and replay it."""

    def __init__(self, error: str, cause: str, state: str) -> None:
        super().__init__(error, cause, state)
        self.error, self.cause, self.state = error, cause, state

    def payload(self) -> dict[str, str]:
        return {"Error": self.error, "Cause": self.cause, "State": self.state}


class PrepFailed(Exception):
    """The execution reached the spec's FAIL state."""


class StateTimeout(Exception):
    """A task overran the spec's time limit."""


class Timer(Protocol):
    """How a workflow waits: durably in real time, or on a simulated clock."""

    def sleep_until(self, instant: datetime) -> None: ...

    def receive(self, topic: str, seconds: float) -> Any: ...


class DurableTimer:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def sleep_until(self, instant: datetime) -> None:
        seconds = (instant - self._clock.now()).total_seconds()
        DBOS.sleep(max(MIN_RECORDED_WAIT, seconds))

    def receive(self, topic: str, seconds: float) -> Any:
        # DBOS records a receive even with no time left, so replays line up.
        return DBOS.recv(topic, timeout_seconds=max(0.0, seconds))


class SimulatedTimer:
    """Waits on a simulated clock: a workflow blocks until the driver moves time past its wake
    time (the demo plays a fortnight in seconds this way)."""

    def __init__(self, clock: SimulatedClock) -> None:
        self._clock = clock
        self._changed = threading.Condition()
        self._sleeping: dict[str, datetime] = {}

    def now(self) -> datetime:
        return self._clock.now()

    def sleep_until(self, instant: datetime) -> None:
        key = DBOS.workflow_id or threading.current_thread().name
        with self._changed:
            self._sleeping[key] = instant
            self._changed.notify_all()
            while self._clock.now() < instant:
                self._changed.wait(0.5)
            del self._sleeping[key]
            self._changed.notify_all()

    def receive(self, topic: str, seconds: float) -> Any:
        message = DBOS.recv(topic, timeout_seconds=0)
        if message is None:
            self.sleep_until(self._clock.now() + timedelta(seconds=seconds))
            message = DBOS.recv(topic, timeout_seconds=0)
        return message

    def advance_to(self, instant: datetime) -> None:
        with self._changed:
            self._clock.advance_to(instant)
            self._changed.notify_all()

    def sleeping(self) -> dict[str, datetime]:
        """Workflows waiting, by id, with the time they wake."""
        with self._changed:
            return dict(self._sleeping)


def error_name(exc: BaseException) -> str:
    """The error as Step Functions would name it: the exception's class, or States.Timeout."""
    if isinstance(exc, StateTimeout):
        return TIMEOUT
    return type(exc).__name__


def _dump(model: StepModel | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json", by_alias=True)


class SpecInterpreter:
    """Runs one execution of the spec inside a DBOS workflow: states, retries, timeouts."""

    def __init__(
        self,
        spec: WorkflowSpec,
        steps: PrepSteps,
        timer: Timer,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self._spec = spec
        self._steps = steps
        self._timer = timer
        self._pause = pause

    def run(self, start: dict[str, Any]) -> dict[str, Any]:
        spec = self._spec
        data = dict(start)
        name = spec.start
        while True:
            state = spec[name]
            if state.kind == StateKind.CHOICE:
                name = state.choose(data)
                continue
            if state.kind == StateKind.SUCCEED:
                return outcome_of(spec, data).model_dump(mode="json")
            if state.kind == StateKind.FAIL:
                failure = data.get("error") or {}
                raise PrepFailed(
                    f"{failure.get('State') or 'a state'} failed: {failure.get('Error')}: "
                    f"{failure.get('Cause')}"
                )
            if state.kind == StateKind.WAIT_UNTIL:
                assert state.timestamp_path is not None
                instant = datetime.fromisoformat(str(resolve(data, state.timestamp_path)))
                self._timer.sleep_until(instant)
                assert state.next is not None
                name = state.next
                continue
            try:
                result = self._execute(state, data)
            except StepFailed as failure:
                catch = state.catch_for(failure.error)
                if catch is None:
                    raise
                assign(data, catch.result_path, failure.payload())
                name = catch.next
                continue
            if state.result_path:
                assign(data, state.result_path, result)
            assert state.next is not None
            name = state.next

    def _execute(self, state: State, data: dict[str, Any]) -> Any:
        if state.kind == StateKind.TASK:
            request = state.build_input(data)
            return DBOS.run_step({"name": state.name}, self._attempts, state, request)
        if state.kind == StateKind.PARALLEL:
            return DBOS.run_step({"name": state.name}, self._branches, state, data)
        if state.kind == StateKind.WAIT_FOR_ANSWERS:
            return self._wait_for_answers(state, data)
        raise ValueError(f"state {state.name}: kind {state.kind} is not executable")

    def _attempts(self, state: State, request: StepModel) -> Any:
        """The state's service, retried as its policy says; StepFailed when it gives up."""
        service = getattr(self._steps, state.service or "")
        tried = 0
        while True:
            try:
                return _dump(self._within_limit(state, service, request))
            except Exception as exc:
                error = error_name(exc)
                retry = state.retry_for(error)
                delays = retry.delays() if retry else []
                if tried >= len(delays):
                    log.info(
                        "state failed",
                        extra={"state": state.name, "error": error, "attempts": tried + 1},
                        exc_info=log.isEnabledFor(logging.DEBUG),
                    )
                    raise StepFailed(error, str(exc) or error, state.name) from None
                log.info(
                    "state retried",
                    extra={"state": state.name, "error": error, "attempt": tried + 1},
                )
                self._pause(delays[tried])
                tried += 1

    def _within_limit(self, state: State, service: Any, request: StepModel) -> StepModel | None:
        if state.timeout_seconds is None:
            result: StepModel | None = service(request)
            return result
        outcome: list[Any] = []

        def work() -> None:
            try:
                outcome.append(service(request))
            except BaseException as exc:  # handed to the step's thread
                outcome.append(exc)

        worker = threading.Thread(target=work, name=f"state-{state.name}", daemon=True)
        worker.start()
        worker.join(state.timeout_seconds)
        if not outcome:
            raise StateTimeout(f"{state.name} did not finish within {state.timeout_seconds} s")
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        found: StepModel | None = outcome[0]
        return found

    def _branches(self, state: State, data: dict[str, Any]) -> list[Any]:
        """Every branch at once, results in branch order. A branch that still fails after its
        retries gives its fallback result; one without a fallback fails the state (ASL's
        Parallel)."""
        results: list[Any] = [None] * len(state.branches)
        failures: list[BaseException] = []

        def run(index: int, branch: State) -> None:
            try:
                results[index] = self._attempts(branch, branch.build_input(data))
            except StepFailed as failed:
                if branch.fallback is None:
                    failures.append(failed)
                    return
                reason = FALLBACK_REASON.format(failed.error)
                results[index] = _dump(branch.fallback.model_copy(update={"reason": reason}))
            except BaseException as exc:  # the first failure fails the state
                failures.append(exc)

        threads = [
            threading.Thread(target=run, args=(i, b), name=f"branch-{b.name}", daemon=True)
            for i, b in enumerate(state.branches)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        return results

    def _wait_for_answers(self, state: State, data: dict[str, Any]) -> Any:
        """Attach the token (this workflow's id), then wait for the answers to be delivered
        to it, until the session's answers_due; States.Timeout when they do not come."""
        token = DBOS.workflow_id
        assert token is not None
        request = state.build_input(data, task_token=token)
        attached = DBOS.run_step({"name": state.name}, self._attempts, state, request)
        if attached is not None:
            return attached
        seconds = float(state.timeout_seconds or 0)
        if state.timeout_seconds_path:
            seconds = min(seconds, float(resolve(data, state.timeout_seconds_path)))
        message = self._timer.receive(ANSWERS_TOPIC, seconds)
        if message is None:
            raise StepFailed(TIMEOUT, "no answers by the time they were due", state.name)
        return AnswersRecorded.model_validate(message).model_dump(mode="json")


class DbosPrepEngine:
    """The PrepEngine on DBOS, running workflows in this process; one per process at a time
    (DBOS is process-wide)."""

    def __init__(
        self,
        data_dir: Path,
        steps: PrepSteps,
        timer: Timer,
        *,
        spec: WorkflowSpec = MEETING_PREP,
        pause: Callable[[float], None] = time.sleep,
        verbose: bool = False,
    ) -> None:
        self._url = f"sqlite:///{data_dir / SYSTEM_DATABASE}"
        self._database = data_dir / SYSTEM_DATABASE
        self._interpreter = SpecInterpreter(spec, steps, timer, pause)
        self._spec = spec
        self._verbose = verbose
        self._workflow: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def launch(self) -> None:
        """Start DBOS; workflows left PENDING by an earlier process resume now."""
        from exec_assistant.adapters.local.sqlite_database import owner_only

        try:
            owner_only(self._database)
        except OSError as exc:
            raise self._unusable(exc) from None
        _quiet_dbos(self._verbose)
        DBOS(
            config={
                "name": APP_NAME,
                "system_database_url": self._url,
                "application_version": APPLICATION_VERSION,
                "log_level": "INFO" if self._verbose else "CRITICAL",
                "notification_listener_polling_interval_sec": 0.1,
                "scheduler_polling_interval_sec": 1.0,
            }
        )
        interpreter = self._interpreter

        def run_prep(start: dict[str, Any]) -> dict[str, Any]:
            return interpreter.run(start)

        # Registered per launch, and the registry dropped at shutdown, so the workflow reaches
        # this engine's services, and a later engine in the same process registers its own.
        self._workflow = DBOS.workflow(name=self._spec.name)(run_prep)
        try:
            DBOS.launch()
        except Exception as exc:  # a damaged or foreign file: DBOS raises SQLAlchemy's errors
            DBOS.destroy(workflow_completion_timeout_sec=0, destroy_registry=True)
            self._workflow = None
            raise self._unusable(exc) from None

    def _unusable(self, exc: BaseException) -> DataFolderError:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return DataFolderError(
            f"cannot use {self._database}: {reason}",
            hint="It holds the state of the preps under way. If it is damaged, move it "
            "aside: those preps then start again, keeping the answers already given and "
            "sending nothing twice.",
        )

    def shutdown(self) -> None:
        DBOS.destroy(workflow_completion_timeout_sec=0, destroy_registry=True)
        self._workflow = None

    def start(self, request: PrepRequest) -> None:
        assert self._workflow is not None, "launch() first"
        with SetWorkflowID(request.workflow_id):
            DBOS.start_workflow(self._workflow, request.model_dump(mode="json"))

    def deliver_answers(self, task_token: str, answers: AnswersRecorded) -> None:
        DBOS.send(task_token, answers.model_dump(mode="json"), ANSWERS_TOPIC)

    def cancel(self, workflow_id: str) -> None:
        if DBOS.get_workflow_status(workflow_id) is not None:
            DBOS.cancel_workflow(workflow_id)

    def status(self, workflow_id: str) -> PrepRun | None:
        return _run_of(DBOS.get_workflow_status(workflow_id))

    def retry(self, failed_workflow_id: str | None, request: PrepRequest) -> None:
        if failed_workflow_id:
            run = self.status(failed_workflow_id)
            if run is not None and run.state == PrepRunState.RUNNING:
                self.cancel(failed_workflow_id)
        self.start(request)

    def result(self, workflow_id: str) -> PrepOutcome:
        """Wait for the workflow to finish; how it ended (PrepFailed when it failed)."""
        handle: Any = DBOS.retrieve_workflow(workflow_id)
        return PrepOutcome.model_validate(handle.get_result())


class DbosClientEngine:
    """The PrepEngine for a process that runs no workflows itself, beside the `serve` that
    does: it delivers answers, stops and inspects workflows; starting is left to `serve`."""

    def __init__(self, data_dir: Path) -> None:
        self._database = data_dir / SYSTEM_DATABASE
        self._client: DBOSClient | None = None

    def _open(self) -> DBOSClient:
        if self._client is None:
            _quiet_dbos(False)
            self._client = DBOSClient(system_database_url=f"sqlite:///{self._database}")
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.destroy()
            self._client = None

    def start(self, request: PrepRequest) -> None:
        raise RuntimeError("preps are started by 'exec-assistant serve'")

    def retry(self, failed_workflow_id: str | None, request: PrepRequest) -> None:
        raise RuntimeError("preps are retried by 'exec-assistant serve'")

    def deliver_answers(self, task_token: str, answers: AnswersRecorded) -> None:
        self._open().send(task_token, answers.model_dump(mode="json"), ANSWERS_TOPIC)

    def cancel(self, workflow_id: str) -> None:
        if not self._database.exists():
            return
        client = self._open()
        if client.list_workflows(workflow_ids=[workflow_id], load_input=False):
            client.cancel_workflow(workflow_id)

    def status(self, workflow_id: str) -> PrepRun | None:
        if not self._database.exists():
            return None
        found = self._open().list_workflows(workflow_ids=[workflow_id], load_input=False)
        return _run_of(found[0]) if found else None


def _run_of(status: Any) -> PrepRun | None:
    if status is None:
        return None
    state = _DBOS_STATES.get(str(status.status), PrepRunState.RUNNING)
    error = None
    if status.error is not None:
        error = str(status.error)
    if state == PrepRunState.RUNNING and status.app_version not in (None, APPLICATION_VERSION):
        # Left by an earlier version of the workflow: it will never be resumed.
        state = PrepRunState.FAILED
        error = f"started by an earlier version of exec-assistant ({status.app_version})"
    outcome = None
    if state == PrepRunState.SUCCEEDED and isinstance(status.output, dict):
        outcome = PrepOutcome.model_validate(status.output)
    return PrepRun(status.workflow_id, state, outcome=outcome, error=error)


def _quiet_dbos(verbose: bool) -> None:
    """DBOS's own warnings and stack traces stay out of the user's terminal unless -v."""
    logger = logging.getLogger("dbos")
    logger.setLevel(logging.INFO if verbose else logging.CRITICAL)
    # DBOS binds its console handler to the stderr of its first launch in this process.
    for handler in logger.handlers:
        if handler.name == "__dbos_console_log_handler__" and isinstance(
            handler, logging.StreamHandler
        ):
            handler.stream = sys.stderr  # setStream would flush the closed one
