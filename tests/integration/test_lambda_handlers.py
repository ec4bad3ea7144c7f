"""Every Lambda handler in-process, with the events its trigger sends (tests/events/): Step
Functions payloads, the Scheduler's target input, EventBridge scheduled and pattern events,
S3 notifications. The stores are the in-memory adapters, Slack the fake Web API, the
idempotency records powertools' table on the moto server."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryCalendarStateRepository,
    InMemoryChatSessionRepository,
    InMemoryChatThreadRepository,
    InMemoryDecisionRepository,
    InMemoryDeliveryRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
    InMemorySeenEventRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.aws_bootstrap import AwsApp
from exec_assistant.aws_clients import AwsClients
from exec_assistant.configuration import load_config
from exec_assistant.deployment_settings import DeploymentSettings
from exec_assistant.domain.models import MeetingStatus, SessionState
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.handlers.runtime import BadEvent
from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.settings import Settings
from exec_assistant.workflows.spec import CONTEXT_BRANCHES

from factories import EXEC
from moto_server import AwsEndpoint
from prep_fakes import FixedClock, RecordingEngine, store_meeting
from slack_api import SlackApiServer

EVENTS = Path(__file__).parent.parent / "events"
EXAMPLES = Path(__file__).parents[2] / "src" / "exec_assistant" / "examples" / "context"
EXEC_USER = "UEXEC0001"
BUCKET = "exec-assistant-documents-test"


def event(name: str, **values: str) -> dict[str, Any]:
    """A fixture event with its placeholders (MEETING_ID, …) replaced."""
    text = (EVENTS / name).read_text()
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    data: dict[str, Any] = json.loads(text)
    return data


def request_values(request: PrepRequest) -> dict[str, str]:
    return {
        "MEETING_ID": request.meeting_id,
        "PREP_ID": request.prep_id,
        "WORKFLOW_ID": request.workflow_id,
    }


@dataclass
class RecordingStepFunctions(RecordingEngine):
    """The engine as the Step Functions one is called: `start_execution` too."""

    executions: list[PrepRequest] = field(default_factory=list)

    def start_execution(self, request: PrepRequest) -> None:
        self.executions.append(request)


@dataclass
class Context:
    """What the Lambda runtime passes as the context."""

    function_name: str = "exec-assistant-test"
    aws_request_id: str = "req-1"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class Rig:
    app: AwsApp
    engine: RecordingStepFunctions
    clock: FixedClock
    slack: SlackApiServer

    def handler(self, key: str) -> Any:
        module = importlib.import_module(f"exec_assistant.handlers.{key}")
        return module.make_handler(lambda: self.app)

    def call(self, key: str, payload: Any) -> Any:
        return self.handler(key)(payload, Context())

    def dm(self) -> list[dict[str, Any]]:
        return self.slack.messages_in(self.slack.dm_of(EXEC_USER))


def idempotency_table(aws: AwsEndpoint) -> str:
    name = aws.unique("idempotency")
    aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def rig(tmp_path: Path, aws: AwsEndpoint) -> Iterator[Rig]:
    clock = FixedClock()
    engine = RecordingStepFunctions()
    with SlackApiServer() as slack:
        settings = Settings(
            home=tmp_path,
            user_email=EXEC,
            timezone="America/New_York",
            slack_user_id=EXEC_USER,
            slack_api_url=slack.base_url,
        )
        deployment = DeploymentSettings(
            documents_s3_bucket=BUCKET, idempotency_table=idempotency_table(aws)
        )
        app = AwsApp(
            settings=settings,
            deployment=deployment,
            config=load_config(None),
            clock=clock,
            secrets=EnvSecretStore({"SLACK_BOT_TOKEN": slack.bot_token}),
            meetings=InMemoryMeetingRepository(),
            overrides=InMemorySeriesOverrideRepository(),
            chat_sessions=InMemoryChatSessionRepository(),
            action_items=InMemoryActionItemRepository(),
            decisions=InMemoryDecisionRepository(),
            deliveries=InMemoryDeliveryRepository(),
            calendar_states=InMemoryCalendarStateRepository(),
            chat_threads=InMemoryChatThreadRepository(),
            seen_events=InMemorySeenEventRepository(clock),
            documents=InMemoryDocumentStore(),
            engine=engine,
            reminders=None,
            clients=AwsClients(aws.session(), endpoint_url=aws.url),
        )
        yield Rig(app, engine, clock, slack)


def stored(rig: Rig, starts_in: timedelta = timedelta(hours=30)) -> PrepRequest:
    _, request = store_meeting(rig.app.prep, starts_in=starts_in)
    return request


def test_every_function_has_a_handler_module_with_make_handler_and_lambda_handler() -> None:
    for function in FUNCTIONS:
        module = importlib.import_module(function.module)
        assert callable(module.make_handler), function.key
        assert callable(module.lambda_handler), function.key


def test_a_prep_runs_through_the_handlers_of_its_states_to_the_pack_in_slack(rig: Rig) -> None:
    request = stored(rig)
    values = request_values(request)
    classified = rig.call("meeting_classifier", event("step_functions_classify.json", **values))
    assert classified["proceed"] is True and classified["meeting_type"]
    sent = rig.call("slack_send_notification", request.model_dump(mode="json"))
    assert sent["session_id"] and sent["answered"] is False
    assert len(rig.dm()) == 1  # the questions

    wait = event("step_functions_wait_for_answers.json", SESSION_ID=sent["session_id"])
    assert rig.call("chat_session_manager", wait) == {
        "session_id": sent["session_id"],
        "answered": False,
    }
    session = rig.app.chat_sessions.get(sent["session_id"])
    assert session is not None and session.task_token == wait["task_token"]
    assert rig.engine.delivered == []

    timed_out = rig.call(
        "handle_timeout", {**request.model_dump(mode="json"), "session_id": sent["session_id"]}
    )
    assert timed_out["timed_out"] is True
    refs = [
        rig.call(
            f"{provider}_context",
            event("step_functions_context_branch.json", **values, PROVIDER=provider),
        )
        for provider in CONTEXT_BRANCHES
    ]
    assert [r["provider"] for r in refs] == list(CONTEXT_BRANCHES)
    written = rig.call("meeting_prep_agent", {**request.model_dump(mode="json"), "context": refs})
    assert written["proceed"] is True and written["generated_by"]
    delivered = rig.call("slack_send_materials", request.model_dump(mode="json"))
    assert delivered == {"proceed": True, "reason": None, "sent": True}
    meeting = rig.app.meetings.get(request.meeting_id)
    assert meeting is not None and meeting.status == MeetingStatus.MATERIALS_READY
    reminder = rig.call("schedule_reminder", request.model_dump(mode="json"))
    assert reminder["remind_at"] is not None and reminder["scheduled"] is False


def test_the_wait_is_completed_at_once_when_the_answers_are_in_already(rig: Rig) -> None:
    request = stored(rig)
    rig.call("meeting_classifier", request.model_dump(mode="json"))
    sent = rig.call("slack_send_notification", request.model_dump(mode="json"))
    rig.app.chat_sessions.update(
        sent["session_id"],
        lambda s: s.model_copy(update={"state": SessionState.ANSWERED, "answers": {"1": "x"}}),
    )
    wait = event("step_functions_wait_for_answers.json", SESSION_ID=sent["session_id"])
    assert rig.call("chat_session_manager", wait)["answered"] is True
    ((token, answers),) = rig.engine.delivered
    assert token == wait["task_token"] and answers.session_id == sent["session_id"]


def test_a_context_branch_answers_for_its_own_source_whatever_the_payload_names(
    rig: Rig,
) -> None:
    request = stored(rig)
    rig.call("meeting_classifier", request.model_dump(mode="json"))
    rig.app.documents.put("config/context/budget.yaml", (EXAMPLES / "budget.yaml").read_bytes())
    payload = event(
        "step_functions_context_branch.json", **request_values(request), PROVIDER="staffing"
    )
    ref = rig.call("budget_context", payload)
    assert ref["provider"] == "budget"
    if ref["needed"]:
        assert ref["available"] is True, ref  # read from the bucket's config/context/


def test_a_context_file_missing_from_the_bucket_is_unavailable_not_a_failure(rig: Rig) -> None:
    request = stored(rig)
    rig.call("meeting_classifier", request.model_dump(mode="json"))
    ref = rig.call(
        "incidents_context",
        event("step_functions_context_branch.json", **request_values(request), PROVIDER="x"),
    )
    assert ref["provider"] == "incidents" and ref["available"] is False


def test_a_payload_without_the_request_is_refused_naming_the_missing_field(rig: Rig) -> None:
    with pytest.raises(BadEvent) as refused:
        rig.call("meeting_classifier", {"prep_id": "p", "workflow_id": "w"})
    assert "meeting_id" in str(refused.value)
    assert "exec-assistant-meeting-classifier" in str(refused.value)
    with pytest.raises(BadEvent):
        rig.call("meeting_classifier", ["not", "an", "object"])


def test_a_failed_prep_is_recorded_with_the_lambda_errors_message_not_its_trace(
    rig: Rig,
) -> None:
    request = stored(rig)
    result = rig.call(
        "record_prep_failure",
        event("step_functions_record_failure.json", **request_values(request)),
    )
    assert result["retry_at"] is not None
    meeting = rig.app.meetings.get(request.meeting_id)
    assert meeting is not None and meeting.status == MeetingStatus.FAILED
    assert meeting.prep_error is not None
    assert "Slack did not answer in 20 s" in meeting.prep_error
    assert "stackTrace" not in meeting.prep_error and "/var/task" not in meeting.prep_error


def test_a_meeting_prep_required_event_delivered_twice_starts_one_execution(rig: Rig) -> None:
    request = stored(rig)
    published = event("eventbridge_meeting_prep_required.json", **request_values(request))
    first = rig.call("prep_trigger", published)
    again = rig.call("prep_trigger", published)
    assert first == again == {"workflow_id": request.workflow_id, "started": True}
    assert rig.engine.executions == [request]


def test_an_event_that_is_not_meeting_prep_required_starts_nothing(rig: Rig) -> None:
    with pytest.raises(BadEvent) as refused:
        rig.call("prep_trigger", event("eventbridge_scheduled.json"))
    assert "MeetingPrepRequired" in str(refused.value)
    assert rig.engine.executions == []


def test_the_schedulers_reminder_delivered_twice_reminds_once(rig: Rig) -> None:
    request = stored(rig, starts_in=timedelta(hours=30))
    body = request.model_dump(mode="json")
    rig.call("meeting_classifier", body)
    rig.call("slack_send_notification", body)
    refs = [rig.call(f"{p}_context", {**body, "provider": p}) for p in CONTEXT_BRANCHES]
    rig.call("meeting_prep_agent", {**body, "context": refs})
    rig.call("slack_send_materials", body)
    before = len(rig.slack.calls("chat.postMessage"))
    rig.clock.advance(timedelta(hours=28, minutes=1))  # 2 hours before the meeting
    payload = event("scheduler_reminder_input.json", **request_values(request))
    first = rig.call("reminder", payload)
    again = rig.call("reminder", payload)
    assert first == again and first["sent"] is True
    assert len(rig.slack.calls("chat.postMessage")) == before + 1
    meeting = rig.app.meetings.get(request.meeting_id)
    assert meeting is not None and meeting.status == MeetingStatus.REMINDED


def test_the_calendar_monitor_syncs_the_configured_calendars_and_starts_due_preps(
    rig: Rig, tmp_path: Path
) -> None:
    from factories import calendar_text, vevent

    start = rig.clock.now() + timedelta(hours=20)  # its prep is due now
    calendar = tmp_path / "work.ics"
    calendar.write_text(
        calendar_text(
            vevent(
                "ilt-1@test",
                "Infrastructure Leadership Team",
                f"{start:%Y%m%dT%H%M%SZ}",
                f"{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            )
        )
    )
    rig.app.settings = rig.app.settings.model_copy(update={"calendars": [str(calendar)]})
    result = rig.call("calendar_monitor", event("calendar_monitor_input.json"))
    assert result["calendars"] == 1 and result["calendars_failed"] == 0
    assert result["changed"] == 1 and result["started"] == 1
    assert len(rig.engine.started) == 1
    scheduled = rig.call("calendar_monitor", event("eventbridge_scheduled.json"))
    assert scheduled["started"] == 0 and scheduled["sync_error"] is None


def notes_event(rig: Rig, key: str, etag: str = "0123456789abcdef0123456789abcdef") -> Any:
    return event("s3_notes_created.json", BUCKET=BUCKET, KEY=key, ETAG=etag)


NOTES = (
    "# Leadership team\n\n"
    "Decision: we freeze the Q1 hiring plan.\n\n"
    "- [ ] Priya Raman to send the revised budget by Friday\n"
)


def test_notes_uploaded_to_the_bucket_are_read_once_and_proposed_in_slack(rig: Rig) -> None:
    request = stored(rig, starts_in=timedelta(hours=-2))
    key = f"meetings/{request.meeting_id}/notes.md"
    rig.app.documents.put(key, NOTES.encode())
    first = rig.call("post_meeting", notes_event(rig, key))
    again = rig.call("post_meeting", notes_event(rig, key))
    (result,) = first["results"]
    assert result["read"] is True and result["decisions"] == 1 and result["action_items"] == 1
    assert again == first
    # The function writes notes.md back: that upload's event (a new ETag) reads nothing again.
    rewritten = rig.call("post_meeting", notes_event(rig, key, etag="f" * 32))
    assert rewritten["results"][0]["read"] is False
    proposals = [m for m in rig.dm() if "freeze" in json.dumps(m)]
    assert len(proposals) == 1
    (decision,) = rig.app.decisions.list(meeting_id=request.meeting_id)
    assert decision.accepted is False  # proposed, for the executive to accept in Slack


def test_an_uploaded_key_is_read_as_s3_url_encodes_it(rig: Rig) -> None:
    request = stored(rig, starts_in=timedelta(hours=-2))
    key = f"meetings/{request.meeting_id}/notes.md"
    rig.app.documents.put(key, NOTES.encode())
    encoded = key.replace("_", "%5F")
    (result,) = rig.call("post_meeting", notes_event(rig, encoded))["results"]
    assert result["read"] is True


def test_uploads_that_are_not_a_meetings_notes_are_ignored(rig: Rig) -> None:
    request = stored(rig, starts_in=timedelta(hours=-2))
    for key in (
        f"meetings/{request.meeting_id}/agenda.md",
        f"meetings/{request.meeting_id}/extra/notes.md",
        "config/meeting_types.yaml",
    ):
        (result,) = rig.call("post_meeting", notes_event(rig, key))["results"]
        assert "ignored" in result, key


def test_notes_of_a_meeting_that_has_not_started_are_refused_and_the_executive_told(
    rig: Rig,
) -> None:
    request = stored(rig, starts_in=timedelta(hours=3))
    key = f"meetings/{request.meeting_id}/notes.md"
    rig.app.documents.put(key, NOTES.encode())
    (result,) = rig.call("post_meeting", notes_event(rig, key))["results"]
    assert "has not started" in result["refused"]
    assert any("were not read" in json.dumps(m) for m in rig.dm())
    assert rig.app.decisions.list(meeting_id=request.meeting_id) == []


def test_an_s3_event_without_records_is_refused(rig: Rig) -> None:
    with pytest.raises(BadEvent):
        rig.call("post_meeting", {"Records": []})
