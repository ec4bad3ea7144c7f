"""The rendered prep workflow's paths on moto that need a step to misbehave on purpose
(refused, failing for good, oversized, answered early, a reminder no scheduler took): its
Lambda tasks answered by stand-ins that return what the real steps return. The paths the
deployment takes with the project's handlers are in test_state_machine_execution.py."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from exec_assistant.domain.prep_steps import (
    Classified,
    ContextSourceRef,
    FailureRecorded,
    MaterialsSent,
    MaterialsWritten,
    NotificationSent,
    PrepRequest,
    ReminderScheduled,
    TimeoutHandled,
)
from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.workflows.asl import render_state_machine
from exec_assistant.workflows.spec import CONTEXT_BRANCHES, MEETING_PREP

from lambda_front import LambdaFront, function_arn
from moto_server import AwsEndpoint
from state_machines import create_machine, entered_states, finished, output, start

Handler = Callable[[Any, Any], Any]


class ClassifierBusy(Exception):
    pass


class BudgetSystemDown(Exception):
    pass


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


class StandIns:
    """Every function of the workflow, as the real steps answer: small models, by name."""

    def __init__(self, aws: AwsEndpoint, *, wait_seconds: int = 30) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.names = {f.key: f"{f.name}-{suffix}" for f in FUNCTIONS}
        self.arns = {key: function_arn(name) for key, name in self.names.items()}
        self.wait_seconds = wait_seconds
        self.tokens: list[str] = []
        self.token_seen = threading.Event()
        self.classifier_failures = 0
        self.classified = Classified(meeting_type="one_on_one")
        self.failing_providers: set[str] = set()
        self.handlers: dict[str, Handler] = {
            "meeting_classifier": self.classify,
            "slack_send_notification": self.notify,
            "chat_session_manager": self.attach,
            "handle_timeout": self.timeout,
            "meeting_prep_agent": self.materials,
            "slack_send_materials": self.send,
            "schedule_reminder": self.reminder,
            "record_prep_failure": self.failure,
            **{f"{p}_context": self.context for p in CONTEXT_BRANCHES},
        }

    def served(self) -> dict[str, Handler]:
        return {self.names[key]: handler for key, handler in self.handlers.items()}

    def classify(self, event: dict[str, Any], context: Any) -> Any:
        PrepRequest.model_validate(event)
        if self.classifier_failures:
            self.classifier_failures -= 1
            raise ClassifierBusy("the model is busy")
        return _dump(self.classified)

    def notify(self, event: dict[str, Any], context: Any) -> Any:
        request = PrepRequest.model_validate(event)
        return _dump(
            NotificationSent(
                session_id=f"session-{request.prep_id}",
                answers_due=datetime.now(UTC) + timedelta(seconds=self.wait_seconds),
                wait_seconds=self.wait_seconds,
            )
        )

    def attach(self, event: dict[str, Any], context: Any) -> Any:
        self.tokens.append(event["task_token"])
        self.token_seen.set()
        return {"attached": True}

    def timeout(self, event: dict[str, Any], context: Any) -> Any:
        return _dump(TimeoutHandled(session_id=event["session_id"]))

    def context(self, event: dict[str, Any], context: Any) -> Any:
        provider = event["provider"]
        if provider in self.failing_providers:
            raise BudgetSystemDown(f"{provider}: connection refused")
        key = f"meetings/{event['meeting_id']}/context/{provider}.json"
        return _dump(ContextSourceRef(provider=provider, available=True, key=key))

    def materials(self, event: dict[str, Any], context: Any) -> Any:
        assert len(event["context"]) == len(CONTEXT_BRANCHES)
        location = f"s3://documents/meetings/{event['meeting_id']}/agenda.md"
        return _dump(MaterialsWritten(location=location, generated_by="stand-in"))

    def send(self, event: dict[str, Any], context: Any) -> Any:
        return _dump(MaterialsSent(sent=True))

    def reminder(self, event: dict[str, Any], context: Any) -> Any:
        return _dump(ReminderScheduled(remind_at=datetime.now(UTC), scheduled=True))

    def failure(self, event: dict[str, Any], context: Any) -> Any:
        return _dump(FailureRecorded(retry_at=None))


REQUEST = {
    "meeting_id": "mtg_0123456789abcdef",
    "prep_id": "prep-mtg_0123456789abcdef-20260301T1500Z",
    "workflow_id": "prep-mtg_0123456789abcdef-20260301T1500Z-1",
    "attempt": 1,
}


def _machine(aws: AwsEndpoint, stand_ins: StandIns) -> str:
    return create_machine(aws, render_state_machine(MEETING_PREP, stand_ins.arns), "prep")


def _wait_for_token(stand_ins: StandIns) -> str:
    assert stand_ins.token_seen.wait(10), "the chat-session manager was never called"
    return stand_ins.tokens[-1]


def test_a_classifier_that_never_recovers_records_the_failure(
    aws: AwsEndpoint, lambda_front: LambdaFront, retry_pauses: list[float]
) -> None:
    stand_ins = StandIns(aws)
    stand_ins.classifier_failures = 10
    machine = _machine(aws, stand_ins)
    with lambda_front.serving(stand_ins.served()):
        run = finished(aws, start(aws, machine, REQUEST["workflow_id"], REQUEST))

    assert run["status"] == "FAILED", run
    assert run.get("error") == "PrepFailed"
    assert retry_pauses == [2, 4, 8]
    failure = lambda_front.calls(stand_ins.names["record_prep_failure"])[0].event
    assert failure["error"]["Error"] == "ClassifierBusy"
    assert json.loads(failure["error"]["Cause"])["errorMessage"] == "the model is busy"
    assert failure["workflow_id"] == REQUEST["workflow_id"]


class ChannelRefused(Exception):
    """As the Slack channel raises it: the error name the definition does not retry."""


def test_a_refused_channel_fails_the_prep_at_once_without_retries(
    aws: AwsEndpoint, lambda_front: LambdaFront, retry_pauses: list[float]
) -> None:
    stand_ins = StandIns(aws)

    def refuse(event: dict[str, Any], context: Any) -> Any:
        raise ChannelRefused("not_in_channel")

    stand_ins.handlers["slack_send_notification"] = refuse
    machine = _machine(aws, stand_ins)
    with lambda_front.serving(stand_ins.served()):
        run = finished(aws, start(aws, machine, REQUEST["workflow_id"], REQUEST))

    assert run["status"] == "FAILED"
    assert retry_pauses == []
    assert len(lambda_front.calls(stand_ins.names["slack_send_notification"])) == 1
    failure = lambda_front.calls(stand_ins.names["record_prep_failure"])[0].event
    assert failure["error"]["Error"] == "ChannelRefused"


def test_answers_in_already_skip_the_wait(aws: AwsEndpoint, lambda_front: LambdaFront) -> None:
    stand_ins = StandIns(aws)
    notify = stand_ins.notify

    def answered(event: dict[str, Any], context: Any) -> Any:
        return {**notify(event, context), "answered": True}

    stand_ins.handlers["slack_send_notification"] = answered
    machine = _machine(aws, stand_ins)
    with lambda_front.serving(stand_ins.served()):
        execution = start(aws, machine, REQUEST["workflow_id"], REQUEST)
        run = finished(aws, execution)

    assert run["status"] == "SUCCEEDED", run
    states = entered_states(aws, execution)
    assert "WaitForUserResponses" not in states
    assert states[states.index("CheckNotification") + 1] == "GatherContext"


def test_a_reminder_no_scheduler_took_is_sent_by_the_workflow_at_its_time(
    aws: AwsEndpoint, lambda_front: LambdaFront
) -> None:
    stand_ins = StandIns(aws, wait_seconds=1)
    # Whole seconds: moto's Wait drops the fraction (AWS keeps it).
    remind_at = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    reminded: list[datetime] = []

    def reminder(event: dict[str, Any], context: Any) -> Any:
        return _dump(ReminderScheduled(remind_at=remind_at, scheduled=False))

    def send_reminder(event: dict[str, Any], context: Any) -> Any:
        reminded.append(datetime.now(UTC))
        return {"proceed": True, "reason": None, "sent": True, "late": False}

    stand_ins.handlers["schedule_reminder"] = reminder
    stand_ins.handlers["reminder"] = send_reminder
    machine = _machine(aws, stand_ins)
    with lambda_front.serving(stand_ins.served()):
        execution = start(aws, machine, REQUEST["workflow_id"], REQUEST)
        run = finished(aws, execution)

    assert run["status"] == "SUCCEEDED", run
    assert entered_states(aws, execution)[-4:] == [
        "CheckReminder",
        "WaitForFinalReminder",
        "SendFinalReminder",
        "PrepDone",
    ]
    # moto's Wait sleeps the whole seconds to the timestamp (int()): up to 1 s early.
    assert reminded and reminded[0] >= remind_at - timedelta(seconds=1)
    assert output(run)["reminded"]["sent"] is True


def test_no_final_reminder_ends_the_prep_after_the_pack(
    aws: AwsEndpoint, lambda_front: LambdaFront
) -> None:
    stand_ins = StandIns(aws, wait_seconds=1)
    stand_ins.handlers["schedule_reminder"] = lambda event, context: _dump(ReminderScheduled())
    machine = _machine(aws, stand_ins)
    with lambda_front.serving(stand_ins.served()):
        execution = start(aws, machine, REQUEST["workflow_id"], REQUEST)
        run = finished(aws, execution)

    assert run["status"] == "SUCCEEDED", run
    assert entered_states(aws, execution)[-2:] == ["CheckReminder", "PrepDone"]


def test_every_source_failing_still_writes_the_pack(
    aws: AwsEndpoint, lambda_front: LambdaFront, retry_pauses: list[float]
) -> None:
    stand_ins = StandIns(aws, wait_seconds=1)
    stand_ins.failing_providers = set(CONTEXT_BRANCHES)
    machine = _machine(aws, stand_ins)
    with lambda_front.serving(stand_ins.served()):
        run = finished(aws, start(aws, machine, REQUEST["workflow_id"], REQUEST))

    assert run["status"] == "SUCCEEDED", run
    context = output(run)["context"]
    assert [c["reason"] for c in context] == ["the source failed: BudgetSystemDown"] * 6
    assert sorted(retry_pauses) == sorted([2, 4, 8] * 6)
    assert output(run)["materials"]["location"]


def test_a_wait_failed_by_its_token_records_the_failure(
    aws: AwsEndpoint, lambda_front: LambdaFront
) -> None:
    stand_ins = StandIns(aws)
    machine = _machine(aws, stand_ins)
    with lambda_front.serving(stand_ins.served()):
        execution = start(aws, machine, REQUEST["workflow_id"], REQUEST)
        token = _wait_for_token(stand_ins)
        aws.client("stepfunctions").send_task_failure(
            taskToken=token, error="SessionGone", cause="the chat session was deleted"
        )
        run = finished(aws, execution)

    assert run["status"] == "FAILED"
    failure = lambda_front.calls(stand_ins.names["record_prep_failure"])[0].event
    assert failure["error"]["Error"] == "SessionGone"
    # moto drops the cause of send_task_failure; AWS hands it on.
    assert failure["error"]["Cause"] in (None, "the chat session was deleted")


def test_a_result_past_step_functions_limit_fails_the_execution(
    aws: AwsEndpoint, lambda_front: LambdaFront
) -> None:
    stand_ins = StandIns(aws, wait_seconds=1)
    stand_ins.handlers["meeting_prep_agent"] = lambda event, context: {"pack": "x" * 300_000}
    machine = _machine(aws, stand_ins)
    with lambda_front.serving(stand_ins.served()):
        run = finished(aws, start(aws, machine, REQUEST["workflow_id"], REQUEST))

    # On AWS States.DataLimitExceeded is terminal (States.ALL does not catch it) and the
    # execution fails at GenerateMaterials; moto catches it into RecordPrepFailure.
    assert run["status"] == "FAILED"
    recorded = lambda_front.calls(stand_ins.names["record_prep_failure"])
    assert [c.event["error"]["Error"] for c in recorded] in ([], ["States.DataLimitExceeded"])
