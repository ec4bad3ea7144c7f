"""The prep workflow as the deployment runs it: the rendered definition executed on moto,
every Lambda task answered by the project's handlers over moto's DynamoDB, S3 and
Scheduler, Slack the fake Web API, answers coming through the Slack webhook."""

from __future__ import annotations

import importlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.aws.eventbridge import MEETING_PREP_RULE_PATTERN
from exec_assistant.adapters.aws.tables import (
    CHAT_SESSIONS,
    FOLLOW_UPS,
    IDEMPOTENCY,
    MEETINGS,
    STATE,
)
from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.aws_bootstrap import AwsApp, build_aws
from exec_assistant.aws_clients import AwsClients
from exec_assistant.deployment_settings import DeploymentSettings
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.handlers.slack_webhook import make_aws_handler
from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.settings import Settings
from exec_assistant.workflows.asl import render_state_machine
from exec_assistant.workflows.spec import MEETING_PREP
from exec_assistant_infra.stack import LIVE_ALIAS

from dynamo_tables import dynamodb_tables
from factories import EXEC, LEADERS, calendar_text, stamp, vevent
from lambda_front import InvocationContext, LambdaFront, function_arn
from moto_server import ACCOUNT_ID, AwsEndpoint
from operation_log import MotoTargets, OperationLog, function_apps, refused_calls
from prep_fakes import FixedClock, store_meeting
from slack_api import SlackApiServer
from slack_payloads import dm_message
from slack_requests import SIGNING_SECRET, api_gateway_event
from state_machines import create_machine, entered_states, finished, output

EVENTS = Path(__file__).resolve().parents[1] / "events"

EXEC_USER = "UEXEC0001"
SCHEDULER_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/exec-assistant-scheduler"
Handler = Callable[[Any, Any], Any]


@dataclass
class Deployment:
    """One test's deployment on moto: its tables, bucket, schedule group, state machine and
    functions (named for this test alone), and the app every function is built over."""

    aws: AwsEndpoint
    front: LambdaFront
    app: AwsApp
    clock: FixedClock
    slack: SlackApiServer
    names: dict[str, str]
    handlers: dict[str, Handler]
    machine_arn: str
    bucket: str
    schedule_group: str
    bus: str
    calendar: Path

    def call(self, key: str, event: Any) -> Any:
        """The function `key` invoked directly, as its trigger would."""
        context = InvocationContext(self.names[key], alias=LIVE_ALIAS)
        return self.handlers[self.names[key]](event, context)

    def serve(self, key: str, handler: Handler) -> None:
        """`handler` answers the function `key` instead of the project's one."""
        self.front.handlers[self.names[key]] = handler

    def real(self, key: str) -> Handler:
        return self.handlers[self.names[key]]

    def execution_arn(self, request: PrepRequest) -> str:
        name = self.machine_arn.rsplit(":", 1)[1]
        return (
            f"arn:aws:states:{self.aws.region}:{ACCOUNT_ID}:execution:{name}:{request.workflow_id}"
        )

    def start(self, request: PrepRequest) -> str:
        self.app.prep_engine().start_execution(request)
        return self.execution_arn(request)

    def meeting(self, meeting_id: str) -> Meeting:
        found = self.app.meetings.get(meeting_id)
        assert found is not None
        return found

    def pack_objects(self, meeting_id: str) -> list[str]:
        listed = self.aws.client("s3").list_objects_v2(
            Bucket=self.bucket, Prefix=f"meetings/{meeting_id}/"
        )
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def document(self, meeting_id: str, name: str) -> str:
        stored = self.aws.client("s3").get_object(
            Bucket=self.bucket, Key=f"meetings/{meeting_id}/{name}"
        )
        text: str = stored["Body"].read().decode()
        return text

    def dm(self) -> list[dict[str, Any]]:
        return self.slack.messages_in(self.slack.dm_of(EXEC_USER))

    def waiting(self, timeout: float = 15) -> dict[str, Any]:
        """The chat-session manager's event once the wait has attached its token."""
        deadline = time.monotonic() + timeout
        while not self.front.calls(self.names["chat_session_manager"]):
            assert time.monotonic() < deadline, "the wait for answers never started"
            time.sleep(0.05)
        event: dict[str, Any] = self.front.calls(self.names["chat_session_manager"])[0].event
        return event

    def reply_in_slack(self, meeting_id: str, text: str) -> None:
        """The executive replies in the meeting's thread: API Gateway hands the signed
        request to the webhook function, which acks and runs the rest on a second, async
        invocation of itself (through Lambda)."""
        thread = self.app.chat_threads.get(meeting_id)
        assert thread is not None, "no Slack thread for the meeting"
        request = dm_message(EXEC_USER, self.slack.dm_of(EXEC_USER), text, thread_ts=thread.ts)
        answer = self.call("slack_webhook", api_gateway_event(request.body, request.headers))
        assert answer["statusCode"] == 200, answer


@pytest.fixture
def deployment(
    tmp_path: Path, aws: AwsEndpoint, lambda_front: LambdaFront, operations: OperationLog
) -> Iterator[Deployment]:
    tables = (MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE, IDEMPOTENCY)
    with SlackApiServer() as slack, dynamodb_tables(aws, *tables) as (_, table_names):
        meetings, sessions, follow_ups, state, idempotency = table_names
        bucket = aws.unique("documents")
        aws.client("s3").create_bucket(Bucket=bucket)
        group = aws.unique("reminders")
        aws.client("scheduler").create_schedule_group(Name=group)
        bus = aws.unique("bus")
        aws.client("events").create_event_bus(Name=bus)
        calendar = tmp_path / "calendar.ics"
        calendar.write_text(calendar_text())
        suffix = uuid.uuid4().hex[:8]
        names = {f.key: f"{f.name}-{suffix}" for f in FUNCTIONS}
        arns = {key: function_arn(name) for key, name in names.items()}
        machine = create_machine(aws, render_state_machine(MEETING_PREP, arns), "prep")
        settings = Settings(
            home=tmp_path,
            user_email=EXEC,
            timezone="America/New_York",
            slack_user_id=EXEC_USER,
            slack_api_url=slack.base_url,
            calendars=[str(calendar)],
        )
        config = DeploymentSettings(
            meetings_table=meetings,
            sessions_table=sessions,
            follow_ups_table=follow_ups,
            state_table=state,
            idempotency_table=idempotency,
            documents_s3_bucket=bucket,
            state_machine_arn=machine,
            reminder_function_arn=arns["reminder"],
            scheduler_role_arn=SCHEDULER_ROLE,
            schedule_group=group,
            event_bus_name=bus,
        )
        clock = FixedClock()
        secrets = EnvSecretStore(
            {"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
        )
        app = build_aws(
            settings,
            config,
            AwsClients(aws.session(), endpoint_url=aws.url),
            clock=clock,
            secrets=secrets,
        )
        # Each function over its own app and recorded session, as on AWS; `app` is the
        # test's own view of the same stores.
        scope = uuid.uuid4().hex
        app_of = function_apps(
            operations,
            aws,
            lambda clients: build_aws(settings, config, clients, clock=clock, secrets=secrets),
            scope,
        )
        handlers: dict[str, Handler] = {
            names[f.key]: importlib.import_module(f.module).make_handler(app_of(f.key))
            for f in FUNCTIONS
            if f.key != "slack_webhook"
        }
        # The webhook re-invokes itself for its slow part, through Lambda: the front.
        front = AwsEndpoint(lambda_front.url)
        through_front = operations.session_for("slack_webhook", front, scope).client(
            "lambda", endpoint_url=front.url
        )
        handlers[names["slack_webhook"]] = make_aws_handler(app_of("slack_webhook"), through_front)
        with lambda_front.serving(handlers):
            yield Deployment(
                aws,
                lambda_front,
                app,
                clock,
                slack,
                names,
                handlers,
                machine,
                bucket,
                group,
                bus,
                calendar,
            )
        # What the functions did here, their roles allow (infra's access.GRANTS).
        targets = MotoTargets(
            dict(zip((t.environment_variable for t in tables), table_names, strict=True)),
            bucket,
            machine,
            group,
            SCHEDULER_ROLE,
            bus,
            names,
        )
        assert refused_calls(operations, targets, scope) == []


def _stored(deployment: Deployment) -> tuple[Meeting, PrepRequest]:
    return store_meeting(deployment.app.prep, starts_in=timedelta(hours=30))


def test_answers_given_in_slack_resume_the_prep_to_the_pack(deployment: Deployment) -> None:
    meeting, request = _stored(deployment)
    execution = deployment.start(request)
    deployment.waiting()

    deployment.reply_in_slack(
        meeting.meeting_id, "1. Close the capacity plan\n2. The outage\n3. Hiring"
    )
    run = finished(deployment.aws, execution, timeout=30)

    assert run["status"] == "SUCCEEDED", run
    data = output(run)
    assert data["answers"]["answers"] == 3
    states = entered_states(deployment.aws, execution)
    assert "HandleTimeout" not in states and states[-1] == "PrepDone"
    assert data["reminder"]["scheduled"] is True
    schedule = deployment.aws.client("scheduler").get_schedule(
        Name=f"reminder-{request.prep_id}", GroupName=deployment.schedule_group
    )
    assert schedule["Target"]["Arn"] == function_arn(deployment.names["reminder"])
    assert f"meetings/{meeting.meeting_id}/agenda.md" in deployment.pack_objects(meeting.meeting_id)
    assert deployment.pack_objects(meeting.meeting_id) == [
        f"meetings/{meeting.meeting_id}/{name}"
        for name in (
            "agenda.json",
            "agenda.md",
            "context.json",
            "notes_template.md",
            "questions.json",
        )
    ]
    assert deployment.meeting(meeting.meeting_id).status == MeetingStatus.MATERIALS_READY
    assert "Close the capacity plan" in deployment.document(meeting.meeting_id, "agenda.md")


def test_no_answers_in_time_writes_the_pack_without_them(deployment: Deployment) -> None:
    meeting, request = _stored(deployment)
    # An earlier try of the state asked already; the time to answer has run out since.
    deployment.call("slack_send_notification", request.model_dump(mode="json"))
    deployment.clock.advance(timedelta(hours=25))

    execution = deployment.start(request)
    run = finished(deployment.aws, execution, timeout=30)

    assert run["status"] == "SUCCEEDED", run
    data = output(run)
    assert data["notification"]["wait_seconds"] == 1
    assert data["error"]["Error"] == "States.Timeout"
    assert data["timeout"]["timed_out"] is True
    assert "answers" not in data
    assert f"meetings/{meeting.meeting_id}/agenda.md" in deployment.pack_objects(meeting.meeting_id)
    assert deployment.meeting(meeting.meeting_id).status == MeetingStatus.MATERIALS_READY


class BudgetSystemDown(Exception):
    pass


def test_a_failing_source_is_reported_unavailable_in_the_pack(
    deployment: Deployment, retry_pauses: list[float]
) -> None:
    meeting, request = _stored(deployment)

    def budget(event: Any, context: Any) -> Any:
        raise BudgetSystemDown("connection refused")

    deployment.serve("budget_context", budget)
    execution = deployment.start(request)
    deployment.waiting()
    deployment.reply_in_slack(meeting.meeting_id, "1. a\n2. b\n3. c")
    run = finished(deployment.aws, execution, timeout=30)

    assert run["status"] == "SUCCEEDED", run
    context = {c["provider"]: c for c in output(run)["context"]}
    assert context["budget"]["available"] is False
    assert context["budget"]["reason"] == "the source failed: BudgetSystemDown"
    assert retry_pauses == [2, 4, 8]
    keys = deployment.pack_objects(meeting.meeting_id)
    assert f"meetings/{meeting.meeting_id}/agenda.md" in keys
    assert deployment.meeting(meeting.meeting_id).status == MeetingStatus.MATERIALS_READY


class ModelBusy(Exception):
    pass


def test_a_classifier_failing_twice_is_retried_and_the_prep_goes_on(
    deployment: Deployment, retry_pauses: list[float]
) -> None:
    meeting, request = _stored(deployment)
    real = deployment.real("meeting_classifier")
    failures = [ModelBusy("throttled"), ModelBusy("throttled")]

    def classifier(event: Any, context: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(event, context)

    deployment.serve("meeting_classifier", classifier)
    execution = deployment.start(request)
    deployment.waiting()
    deployment.reply_in_slack(meeting.meeting_id, "1. a\n2. b\n3. c")
    run = finished(deployment.aws, execution, timeout=30)

    assert run["status"] == "SUCCEEDED", run
    assert retry_pauses == [2, 4]
    calls = deployment.front.calls(deployment.names["meeting_classifier"])
    assert [c.error for c in calls] == ["ModelBusy", "ModelBusy", None]
    assert f"meetings/{meeting.meeting_id}/agenda.md" in deployment.pack_objects(meeting.meeting_id)
    assert deployment.meeting(meeting.meeting_id).status == MeetingStatus.MATERIALS_READY


def test_a_meeting_cancelled_before_its_prep_runs_stops_it(deployment: Deployment) -> None:
    meeting, request = _stored(deployment)
    deployment.app.meetings.update(
        meeting.meeting_id, lambda m: m.with_status(MeetingStatus.CANCELLED)
    )

    execution = deployment.start(request)
    run = finished(deployment.aws, execution)

    assert run["status"] == "SUCCEEDED", run
    assert entered_states(deployment.aws, execution) == [
        "ClassifyMeeting",
        "CheckClassified",
        "PrepStopped",
    ]
    assert deployment.dm() == []
    assert deployment.pack_objects(meeting.meeting_id) == []
    assert deployment.meeting(meeting.meeting_id).status == MeetingStatus.CANCELLED


def test_a_meeting_cancelled_while_its_prep_waits_stops_the_execution(
    deployment: Deployment,
) -> None:
    meeting, request = _stored(deployment)
    execution = deployment.start(request)
    deployment.waiting()

    # What the calendar monitor does when the meeting is cancelled.
    deployment.app.meetings.update(
        meeting.meeting_id, lambda m: m.with_status(MeetingStatus.CANCELLED)
    )
    deployment.app.prep_engine().cancel(request.workflow_id)
    deployment.reply_in_slack(meeting.meeting_id, "1. a\n2. b\n3. c")
    time.sleep(1)

    # On AWS the execution is ABORTED at once; moto keeps it RUNNING until the wait's own
    # timeout, then FAILED. Either way no further state runs, answers or not.
    described = deployment.aws.client("stepfunctions").describe_execution(executionArn=execution)
    assert described["status"] in ("ABORTED", "RUNNING")
    assert entered_states(deployment.aws, execution)[-1] == "WaitForUserResponses"
    assert deployment.front.calls(deployment.names["meeting_prep_agent"]) == []
    assert deployment.pack_objects(meeting.meeting_id) == []
    assert deployment.meeting(meeting.meeting_id).status == MeetingStatus.CANCELLED


def test_a_repeated_meeting_prep_required_event_starts_one_execution(
    deployment: Deployment,
) -> None:
    meeting, request = _stored(deployment)
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "MeetingPrepRequired",
        "source": "exec-assistant",
        "account": ACCOUNT_ID,
        "time": "2026-11-30T12:00:00Z",
        "region": deployment.aws.region,
        "resources": [],
        "detail": request.model_dump(mode="json"),
    }

    deployment.call("prep_trigger", event)
    deployment.call("prep_trigger", event)
    deployment.call("prep_trigger", {**event, "id": str(uuid.uuid4())})

    executions = deployment.aws.client("stepfunctions").list_executions(
        stateMachineArn=deployment.machine_arn
    )["executions"]
    assert [e["name"] for e in executions] == [request.workflow_id]
    deployment.waiting()
    deployment.reply_in_slack(meeting.meeting_id, "1. a\n2. b\n3. c")
    run = finished(deployment.aws, deployment.execution_arn(request), timeout=30)
    assert run["status"] == "SUCCEEDED", run
    assert len(deployment.front.calls(deployment.names["meeting_classifier"])) == 1
    assert f"meetings/{meeting.meeting_id}/agenda.md" in deployment.pack_objects(meeting.meeting_id)
    assert deployment.meeting(meeting.meeting_id).status == MeetingStatus.MATERIALS_READY


def _meeting_prep_rule(deployment: Deployment) -> str:
    """The spec's meeting-prep-trigger rule on the deployment's bus. Its target on AWS is the
    prep-trigger function; moto's EventBridge invokes no function, so the rule delivers to a
    queue, from which the test hands each event to the function as EventBridge would."""
    events, sqs = deployment.aws.client("events"), deployment.aws.client("sqs")
    queue_url: str = sqs.create_queue(QueueName=deployment.aws.unique("prep-trigger"))["QueueUrl"]
    events.put_rule(
        Name="meeting-prep-trigger",
        EventBusName=deployment.bus,
        EventPattern=json.dumps(MEETING_PREP_RULE_PATTERN),
    )
    events.put_targets(
        Rule="meeting-prep-trigger",
        EventBusName=deployment.bus,
        Targets=[
            {
                "Id": "prep-trigger",
                "Arn": f"arn:aws:sqs:{deployment.aws.region}:{ACCOUNT_ID}:"
                + queue_url.rsplit("/", 1)[1],
            }
        ],
    )
    return queue_url


def _delivered(deployment: Deployment, queue_url: str) -> list[dict[str, Any]]:
    sqs = deployment.aws.client("sqs")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        if messages.get("Messages"):
            return [json.loads(m["Body"]) for m in messages["Messages"]]
        time.sleep(0.05)
    return []


def test_the_calendar_monitor_starts_a_due_prep_through_the_meeting_prep_rule(
    deployment: Deployment,
) -> None:
    queue_url = _meeting_prep_rule(deployment)
    start = deployment.clock.now() + timedelta(hours=5)  # its prep is due
    deployment.calendar.write_text(
        calendar_text(
            vevent(
                "lt@northwind.example",
                "Infrastructure Leadership Team",
                stamp(start),
                stamp(start + timedelta(hours=1)),
                tz=None,
                attendees=LEADERS,
            )
        )
    )
    scheduled = json.loads((EVENTS / "calendar_monitor_input.json").read_text())

    report = deployment.call("calendar_monitor", scheduled)

    assert report["started"], report
    delivered = _delivered(deployment, queue_url)
    assert [e["detail-type"] for e in delivered] == ["MeetingPrepRequired"]
    request = PrepRequest.model_validate(delivered[0]["detail"])
    for event in (*delivered, *delivered):  # EventBridge delivers at least once
        deployment.call("prep_trigger", event)
    executions = deployment.aws.client("stepfunctions").list_executions(
        stateMachineArn=deployment.machine_arn
    )["executions"]
    assert [e["name"] for e in executions] == [request.workflow_id]
    deployment.waiting()
    deployment.reply_in_slack(request.meeting_id, "1. Capacity\n2. The outage\n3. Hiring")
    run = finished(deployment.aws, deployment.execution_arn(request), timeout=30)
    assert run["status"] == "SUCCEEDED", run
    assert f"meetings/{request.meeting_id}/agenda.md" in deployment.pack_objects(request.meeting_id)
    assert deployment.meeting(request.meeting_id).status == MeetingStatus.MATERIALS_READY
