"""Prep executions on Step Functions (moto on 127.0.0.1, executing what it is given), with
small machines of our own: a Wait holds an execution running, a Pass ends it with an outcome,
a Fail fails it, and an SQS callback hands out a task token as the wait for answers does."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from exec_assistant.adapters.aws.eventbridge import (
    MEETING_PREP_RULE_PATTERN,
    EventBridgePrepStarts,
)
from exec_assistant.adapters.aws.scheduler import SchedulerReminders
from exec_assistant.adapters.aws.step_functions_engine import (
    StepFunctionsPrepEngine,
    execution_arn_prefix,
)
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.identity import prep_id_for, workflow_id_for
from exec_assistant.domain.prep_steps import AnswersRecorded, PrepOutcome, PrepRequest
from exec_assistant.ports import PrepRun, PrepRunState

from moto_server import ACCOUNT_ID, REGION, AwsEndpoint

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/exec-assistant-states"
MEETING = "mtg_0123456789abcdef"
START = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
DONE = PrepOutcome(
    outcome="done",
    answered=True,
    pack_location="s3://documents/meetings/mtg_0123456789abcdef/pack.md",
    generated_by="template",
)


def _request(attempt: int = 1) -> PrepRequest:
    return PrepRequest(
        meeting_id=MEETING,
        prep_id=prep_id_for(MEETING, START),
        workflow_id=workflow_id_for(MEETING, START, attempt),
        attempt=attempt,
    )


def _machine(aws: AwsEndpoint, states: dict[str, Any], **top: Any) -> str:
    definition = {"StartAt": next(iter(states)), "States": states, **top}
    arn: str = aws.client("stepfunctions").create_state_machine(
        name=aws.unique("meeting-prep"), definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    return arn


def _waiting(aws: AwsEndpoint, seconds: int = 8) -> str:
    return _machine(aws, {"Hold": {"Type": "Wait", "Seconds": seconds, "End": True}})


def _eventually(
    read: Callable[[], PrepRun | None], state: PrepRunState, seconds: float = 5
) -> PrepRun:
    deadline = time.monotonic() + seconds
    run = read()
    while (run is None or run.state != state) and time.monotonic() < deadline:
        time.sleep(0.05)
        run = read()
    assert run is not None and run.state == state, run
    return run


@pytest.fixture
def reminder_group(aws: AwsEndpoint) -> str:
    group = aws.unique("reminders")
    aws.client("scheduler").create_schedule_group(Name=group)
    return group


@pytest.fixture
def reminders(aws: AwsEndpoint, reminder_group: str) -> SchedulerReminders:
    return SchedulerReminders(
        aws.client("scheduler"),
        f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:exec-assistant-send-final-reminder",
        ROLE,
        reminder_group,
        ZoneInfo("America/New_York"),
    )


def _reminder_names(aws: AwsEndpoint, group: str) -> list[str]:
    schedules = aws.client("scheduler").list_schedules(GroupName=group)["Schedules"]
    return [s["Name"] for s in schedules]


def test_a_started_prep_runs_as_an_execution_named_by_its_workflow_id(aws: AwsEndpoint) -> None:
    machine = _waiting(aws)
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    request = _request()

    engine.start(request)

    assert engine.status(request.workflow_id) == PrepRun(request.workflow_id, PrepRunState.RUNNING)
    described = aws.client("stepfunctions").describe_execution(
        executionArn=engine.execution_arn(request.workflow_id)
    )
    assert described["name"] == "prep-mtg_0123456789abcdef-20261201T1400Z"
    assert described["executionArn"].startswith(machine.replace(":stateMachine:", ":execution:"))
    assert PrepRequest.model_validate_json(described["input"]) == request
    engine.cancel(request.workflow_id)


def test_starting_a_running_prep_again_starts_nothing(aws: AwsEndpoint) -> None:
    machine = _waiting(aws)
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    request = _request()

    engine.start(request)
    engine.start(request)
    # The same name with another input is refused by Step Functions: started already too.
    engine.start_execution(request.model_copy(update={"meeting_id": "mtg_other"}))

    executions = aws.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    assert [e["name"] for e in executions] == [request.workflow_id]
    engine.cancel(request.workflow_id)


def test_starting_an_ended_prep_again_starts_nothing(aws: AwsEndpoint) -> None:
    machine = _machine(aws, {"Done": {"Type": "Pass", "Result": DONE.model_dump(), "End": True}})
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    request = _request()
    engine.start(request)
    ended = _eventually(lambda: engine.status(request.workflow_id), PrepRunState.SUCCEEDED)

    engine.start(request)

    assert engine.status(request.workflow_id) == ended
    executions = aws.client("stepfunctions").list_executions(stateMachineArn=machine)
    assert len(executions["executions"]) == 1


def test_a_finished_prep_reports_its_outcome(aws: AwsEndpoint) -> None:
    machine = _machine(aws, {"Done": {"Type": "Pass", "Result": DONE.model_dump(), "End": True}})
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    request = _request()

    engine.start(request)

    run = _eventually(lambda: engine.status(request.workflow_id), PrepRunState.SUCCEEDED)
    assert run.outcome == DONE
    assert run.error is None


def test_an_output_that_is_not_an_outcome_leaves_the_outcome_unknown(aws: AwsEndpoint) -> None:
    machine = _machine(
        aws, {"Done": {"Type": "Pass", "Result": ["not", "an outcome"], "End": True}}
    )
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    engine.start(_request())

    run = _eventually(lambda: engine.status(_request().workflow_id), PrepRunState.SUCCEEDED)

    assert run.outcome is None


def test_a_failed_prep_reports_the_error_and_the_functions_message_only(
    aws: AwsEndpoint,
) -> None:
    cause = {
        "errorMessage": "calendar API refused the token",
        "errorType": "X",
        "stackTrace": ["a"],
    }
    machine = _machine(
        aws, {"Fail": {"Type": "Fail", "Error": "ContextUnavailable", "Cause": json.dumps(cause)}}
    )
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    engine.start(_request())

    run = _eventually(lambda: engine.status(_request().workflow_id), PrepRunState.FAILED)

    assert run.error == "ContextUnavailable: calendar API refused the token"
    assert run.outcome is None


def test_a_prep_that_ran_out_of_time_is_failed_and_says_so(aws: AwsEndpoint) -> None:
    machine = _machine(aws, {"Hold": {"Type": "Wait", "Seconds": 3, "End": True}}, TimeoutSeconds=1)
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    engine.start(_request())

    run = _eventually(lambda: engine.status(_request().workflow_id), PrepRunState.FAILED)

    assert run.error == "States.Timeout: the execution ran out of time"


def test_a_prep_never_started_has_no_status(aws: AwsEndpoint) -> None:
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), _waiting(aws))

    assert engine.status(_request().workflow_id) is None


def test_a_cancelled_prep_stops_and_its_reminder_goes(
    aws: AwsEndpoint, reminders: SchedulerReminders, reminder_group: str
) -> None:
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), _waiting(aws), None, reminders)
    request = _request()
    engine.start(request)
    reminders.schedule(request, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))

    engine.cancel(request.workflow_id)

    _eventually(lambda: engine.status(request.workflow_id), PrepRunState.CANCELLED)
    assert _reminder_names(aws, reminder_group) == []


def test_cancelling_an_ended_prep_still_drops_its_pending_reminder(
    aws: AwsEndpoint, reminders: SchedulerReminders, reminder_group: str
) -> None:
    # With the reminder handed to the scheduler, the execution ends at once: a meeting
    # cancelled afterwards must still lose its reminder.
    machine = _machine(aws, {"Done": {"Type": "Pass", "Result": DONE.model_dump(), "End": True}})
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine, None, reminders)
    request = _request(attempt=2)
    engine.start(request)
    reminders.schedule(request, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    _eventually(lambda: engine.status(request.workflow_id), PrepRunState.SUCCEEDED)

    engine.cancel(request.workflow_id)

    assert _reminder_names(aws, reminder_group) == []
    assert engine.status(request.workflow_id).state == PrepRunState.SUCCEEDED  # type: ignore[union-attr]


def test_cancelling_a_prep_never_started_is_harmless(
    aws: AwsEndpoint, reminders: SchedulerReminders, reminder_group: str
) -> None:
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), _waiting(aws), None, reminders)

    engine.cancel(_request().workflow_id)
    engine.cancel(_request(attempt=3).workflow_id)

    assert engine.status(_request().workflow_id) is None


def test_something_that_is_no_workflow_id_is_neither_started_nor_cancelled(
    aws: AwsEndpoint,
) -> None:
    machine = _waiting(aws)
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    hostile = _request().model_copy(update={"workflow_id": "prep x/../other-machine"})

    with pytest.raises(ValueError, match="not a prep workflow id"):
        engine.start(hostile)
    with pytest.raises(ValueError, match="not a prep workflow id"):
        engine.cancel("prep-../../other-machine")
    executions = aws.client("stepfunctions").list_executions(stateMachineArn=machine)
    assert executions["executions"] == []


def test_a_retry_stops_the_old_attempt_starts_the_new_and_keeps_the_reminder(
    aws: AwsEndpoint, reminders: SchedulerReminders, reminder_group: str
) -> None:
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), _waiting(aws), None, reminders)
    old, new = _request(), _request(attempt=2)
    engine.start(old)
    reminders.schedule(old, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))

    engine.retry(old.workflow_id, new)

    _eventually(lambda: engine.status(old.workflow_id), PrepRunState.CANCELLED)
    assert engine.status(new.workflow_id).state == PrepRunState.RUNNING  # type: ignore[union-attr]
    assert _reminder_names(aws, reminder_group) == ["reminder-" + old.prep_id]
    engine.cancel(new.workflow_id)


def test_a_retry_after_a_failure_or_a_lost_attempt_starts_the_new_one(aws: AwsEndpoint) -> None:
    machine = _machine(aws, {"Fail": {"Type": "Fail", "Error": "Boom"}})
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), machine)
    engine.start(_request())
    _eventually(lambda: engine.status(_request().workflow_id), PrepRunState.FAILED)

    engine.retry(_request().workflow_id, _request(attempt=2))
    engine.retry(None, _request(attempt=3))

    assert engine.status(_request().workflow_id).state == PrepRunState.FAILED  # type: ignore[union-attr]
    _eventually(lambda: engine.status(_request(2).workflow_id), PrepRunState.FAILED)
    _eventually(lambda: engine.status(_request(3).workflow_id), PrepRunState.FAILED)


class TokenMachine:
    """A machine whose one task hands its token to an SQS queue and waits, as
    WaitForUserResponses hands it to the chat-session manager."""

    def __init__(self, aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch, timeout: int) -> None:
        # moto's executor sends the message through the server named by MOTO_PORT.
        monkeypatch.setenv("MOTO_PORT", str(aws.port))
        self.sqs = aws.client("sqs")
        self.queue = self.sqs.create_queue(QueueName=aws.unique("tokens"))["QueueUrl"]
        wait = {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": self.queue,
                "MessageBody": {"task_token.$": "$$.Task.Token", "session_id": "ses_1"},
            },
            "TimeoutSeconds": timeout,
            "End": True,
        }
        self.engine = StepFunctionsPrepEngine(
            aws.client("stepfunctions"), _machine(aws, {"WaitForUserResponses": wait})
        )

    def token(self) -> str:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            messages = self.sqs.receive_message(QueueUrl=self.queue, WaitTimeSeconds=1).get(
                "Messages", []
            )
            if messages:
                token: str = json.loads(messages[0]["Body"])["task_token"]
                return token
        raise AssertionError("the wait never handed out its token")


def test_answers_complete_the_wait_and_become_its_result(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = TokenMachine(aws, monkeypatch, timeout=20)
    machine.engine.start(_request())
    token = machine.token()

    machine.engine.deliver_answers(token, AnswersRecorded(session_id="ses_1", answers=3))

    _eventually(lambda: machine.engine.status(_request().workflow_id), PrepRunState.SUCCEEDED)
    output = aws.client("stepfunctions").describe_execution(
        executionArn=machine.engine.execution_arn(_request().workflow_id)
    )["output"]
    assert AnswersRecorded.model_validate_json(output) == AnswersRecorded(
        session_id="ses_1", answers=3
    )


def test_answers_delivered_twice_complete_the_wait_once(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = TokenMachine(aws, monkeypatch, timeout=20)
    machine.engine.start(_request())
    token = machine.token()

    machine.engine.deliver_answers(token, AnswersRecorded(session_id="ses_1", answers=3))
    machine.engine.deliver_answers(token, AnswersRecorded(session_id="ses_1", answers=4))

    _eventually(lambda: machine.engine.status(_request().workflow_id), PrepRunState.SUCCEEDED)


def test_answers_after_the_wait_timed_out_are_dropped_quietly(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = TokenMachine(aws, monkeypatch, timeout=1)
    machine.engine.start(_request())
    token = machine.token()
    run = _eventually(lambda: machine.engine.status(_request().workflow_id), PrepRunState.FAILED)
    assert run.error is not None and run.error.startswith("States.Timeout")

    machine.engine.deliver_answers(token, AnswersRecorded(session_id="ses_1", answers=3))
    machine.engine.deliver_answers("a token no wait ever had", AnswersRecorded(session_id="s"))


def test_with_an_event_bus_a_start_is_published_for_the_prep_trigger(aws: AwsEndpoint) -> None:
    events, sqs = aws.client("events"), aws.client("sqs")
    bus = aws.unique("bus")
    events.create_event_bus(Name=bus)
    queue = sqs.create_queue(QueueName=aws.unique("prep-trigger"))["QueueUrl"]
    events.put_rule(
        Name="prep", EventBusName=bus, EventPattern=json.dumps(MEETING_PREP_RULE_PATTERN)
    )
    events.put_targets(
        Rule="prep",
        EventBusName=bus,
        Targets=[
            {"Id": "t", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue.rsplit('/', 1)[1]}"}
        ],
    )
    engine = StepFunctionsPrepEngine(
        aws.client("stepfunctions"), _waiting(aws), EventBridgePrepStarts(events, bus)
    )

    engine.start(_request())

    [message] = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2)["Messages"]
    detail = json.loads(message["Body"])["detail"]
    assert PrepRequest.model_validate(detail) == _request()
    # The prep trigger starts it; until then there is no execution.
    assert engine.status(_request().workflow_id) is None
    engine.start_execution(PrepRequest.model_validate(detail))
    assert engine.status(_request().workflow_id).state == PrepRunState.RUNNING  # type: ignore[union-attr]
    engine.cancel(_request().workflow_id)


def test_a_state_machine_that_does_not_exist_is_named_with_the_setting_to_fix(
    aws: AwsEndpoint,
) -> None:
    missing = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{aws.unique('gone')}"
    engine = StepFunctionsPrepEngine(aws.client("stepfunctions"), missing)

    with pytest.raises(ConfigError, match="STATE_MACHINE_ARN") as raised:
        engine.start(_request())

    assert missing in str(raised.value)


@pytest.mark.parametrize(
    ("machine", "prefix"),
    [
        (
            "arn:aws:states:eu-west-1:123456789012:stateMachine:exec-assistant-meeting-prep",
            "arn:aws:states:eu-west-1:123456789012:execution:exec-assistant-meeting-prep:",
        ),
        (
            "arn:aws:states:eu-west-1:123456789012:stateMachine:exec-assistant-meeting-prep:7",
            "arn:aws:states:eu-west-1:123456789012:execution:exec-assistant-meeting-prep:",
        ),
        (
            "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:prep",
            "arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:prep:",
        ),
    ],
)
def test_an_executions_arn_is_derived_from_the_machines(machine: str, prefix: str) -> None:
    assert execution_arn_prefix(machine) == prefix


@pytest.mark.parametrize(
    "not_a_machine",
    [
        "",
        "exec-assistant-meeting-prep",
        "arn:aws:lambda:us-east-1:123456789012:function:prep",
        "arn:aws:states:us-east-1:123456789012:activity:prep",
        "arn:aws:states:us-east-1:123456789012:stateMachine:",
    ],
)
def test_a_setting_that_is_no_state_machine_arn_is_refused(not_a_machine: str) -> None:
    with pytest.raises(ConfigError, match="STATE_MACHINE_ARN"):
        StepFunctionsPrepEngine(object(), not_a_machine)
