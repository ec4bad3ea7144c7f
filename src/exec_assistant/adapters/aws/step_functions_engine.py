"""The PrepEngine port on Step Functions: one execution per prep attempt, named by its
workflow id, on the deployment's state machine."""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from exec_assistant.adapters.aws.eventbridge import EventBridgePrepStarts
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.identity import prep_id_of
from exec_assistant.domain.prep_steps import AnswersRecorded, PrepOutcome, PrepRequest, StepError
from exec_assistant.ports import PrepRun, PrepRunState, ReminderScheduler

log = logging.getLogger(__name__)

_FINISHED_WAIT = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
"""What SendTaskSuccess answers for a wait already completed, timed out or stopped."""

_STATES = {
    "RUNNING": PrepRunState.RUNNING,
    "PENDING_REDRIVE": PrepRunState.RUNNING,
    "SUCCEEDED": PrepRunState.SUCCEEDED,
    "FAILED": PrepRunState.FAILED,
    "TIMED_OUT": PrepRunState.FAILED,
    "ABORTED": PrepRunState.CANCELLED,
}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def execution_arn_prefix(state_machine_arn: str) -> str:
    """`arn:aws:states:us-east-1:123456789012:execution:exec-assistant-meeting-prep:` for
    the machine `arn:aws:states:us-east-1:123456789012:stateMachine:exec-assistant-meeting-prep`
    (a version or alias suffix of the machine's ARN is not part of an execution's)."""
    parts = state_machine_arn.split(":")
    if (
        len(parts) not in (7, 8)
        or parts[0] != "arn"
        or parts[2] != "states"
        or (parts[5] != "stateMachine" or not parts[6])
    ):
        raise ConfigError(
            f"{state_machine_arn!r} is not the ARN of a state machine "
            "(arn:aws:states:<region>:<account>:stateMachine:<name>)",
            key="STATE_MACHINE_ARN",
        )
    return ":".join([*parts[:5], "execution", parts[6], ""])


class StepFunctionsPrepEngine:
    """Starts, completes, stops and inspects the prep executions of `state_machine_arn`.

    `start` publishes MeetingPrepRequired when `starts` is given (the prep trigger then calls
    `start_execution`), else starts the execution itself. `cancel` also drops the prep's
    reminder from `reminders`: a prep whose execution has ended may still have one pending.
    """

    def __init__(
        self,
        client: Any,
        state_machine_arn: str,
        starts: EventBridgePrepStarts | None = None,
        reminders: ReminderScheduler | None = None,
    ) -> None:
        self._client = client
        self._machine_arn = state_machine_arn
        self._execution_prefix = execution_arn_prefix(state_machine_arn)
        self._starts = starts
        self._reminders = reminders

    def execution_arn(self, workflow_id: str) -> str:
        return self._execution_prefix + workflow_id

    def start(self, request: PrepRequest) -> None:
        if self._starts is not None:
            self._starts.publish(request)
        else:
            self.start_execution(request)

    def start_execution(self, request: PrepRequest) -> None:
        """Start the execution named `request.workflow_id`. One of that name that is running
        or has ended (Step Functions keeps names for 90 days) means it was started already:
        nothing happens. Raises ValueError for a workflow id `workflow_id_for` never gives."""
        prep_id_of(request.workflow_id)
        try:
            self._client.start_execution(
                stateMachineArn=self._machine_arn,
                name=request.workflow_id,
                input=request.model_dump_json(),
            )
        except ClientError as exc:
            code = _code(exc)
            if code == "ExecutionAlreadyExists":
                log.info("prep started already", extra={"workflow_id": request.workflow_id})
                return
            if code == "StateMachineDoesNotExist":
                raise ConfigError(
                    f"there is no state machine {self._machine_arn}",
                    key="STATE_MACHINE_ARN",
                    hint="Deploy the infrastructure, or set STATE_MACHINE_ARN to its ARN.",
                ) from None
            raise
        log.info("prep started", extra={"workflow_id": request.workflow_id})

    def deliver_answers(self, task_token: str, answers: AnswersRecorded) -> None:
        """Complete the wait; a wait already completed (the answers and the chat-session
        manager may both complete it), timed out or stopped is left as it is."""
        try:
            self._client.send_task_success(taskToken=task_token, output=answers.model_dump_json())
        except ClientError as exc:
            code = _code(exc)
            if code not in _FINISHED_WAIT:
                raise
            log.info(
                "answers for a finished wait dropped",
                extra={"session_id": answers.session_id, "code": code},
            )
            return
        log.info("answers delivered", extra={"session_id": answers.session_id})

    def cancel(self, workflow_id: str) -> None:
        prep_id = prep_id_of(workflow_id)
        self._stop(workflow_id, "the prep was cancelled")
        if self._reminders is not None:
            self._reminders.cancel(prep_id)

    def _stop(self, workflow_id: str, cause: str) -> None:
        try:
            self._client.stop_execution(
                executionArn=self.execution_arn(workflow_id), error="Cancelled", cause=cause
            )
        except ClientError as exc:
            if _code(exc) != "ExecutionDoesNotExist":
                raise
            return
        log.info("prep stopped", extra={"workflow_id": workflow_id})

    def status(self, workflow_id: str) -> PrepRun | None:
        try:
            described = self._client.describe_execution(
                executionArn=self.execution_arn(workflow_id)
            )
        except ClientError as exc:
            if _code(exc) == "ExecutionDoesNotExist":
                return None
            raise
        status = str(described.get("status", ""))
        state = _STATES.get(status, PrepRunState.RUNNING)
        if state == PrepRunState.SUCCEEDED:
            return PrepRun(workflow_id, state, outcome=_outcome(described.get("output")))
        if state == PrepRunState.FAILED:
            return PrepRun(workflow_id, state, error=_error(status, described))
        return PrepRun(workflow_id, state)

    def retry(self, failed_workflow_id: str | None, request: PrepRequest) -> None:
        """Stop the old attempt if it is still running (its reminder stays: the new attempt
        is the same prep and replaces it), then start the new one."""
        if failed_workflow_id:
            self._stop(failed_workflow_id, f"replaced by {request.workflow_id}")
        self.start(request)


def _outcome(output: object) -> PrepOutcome | None:
    """The execution's output as a PrepOutcome; None when there is none (Step Functions
    leaves out an output over 256 KB) or it is not one."""
    if not isinstance(output, str):
        return None
    try:
        return PrepOutcome.model_validate(json.loads(output))
    except (ValueError, ValidationError):
        return None


def _error(status: str, described: dict[str, Any]) -> str:
    name = described.get("error") or ("States.Timeout" if status == "TIMED_OUT" else "failed")
    error = StepError.model_validate({"Error": str(name), "Cause": described.get("cause") or ""})
    if error.cause:
        return f"{error.error}: {error.cause}"
    if status == "TIMED_OUT":
        return f"{error.error}: the execution ran out of time"
    return error.error
