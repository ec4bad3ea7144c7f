"""The AWS runtime attacked as a hostile user and a hostile world would: odd and repeated
events, uploads at once, reminders for preps that moved, peers that refuse. Every handler
runs in-process over the deployment's adapters on the moto server, Slack the fake Web API."""

from __future__ import annotations

import importlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

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
from exec_assistant.domain.models import Meeting
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.handlers.runtime import BadEvent
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant.settings import Settings

from dynamo_tables import dynamodb_tables
from factories import EXEC
from lambda_front import InvocationContext, function_arn
from moto_server import ACCOUNT_ID, AwsEndpoint
from prep_fakes import FixedClock, store_meeting
from slack_api import SlackApiServer
from state_machines import create_machine

EVENTS = Path(__file__).parent.parent / "events"
EXEC_USER = "UEXEC0001"
SCHEDULER_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/exec-assistant-scheduler"
PASS_MACHINE = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


@dataclass
class World:
    aws: AwsEndpoint
    app: AwsApp
    clock: FixedClock
    slack: SlowSlack
    bucket: str
    schedule_group: str
    machine_arn: str

    def handler(self, key: str) -> Any:
        module = importlib.import_module(BY_KEY[key].module)
        return module.make_handler(lambda: self.app)

    def call(self, key: str, event: Any) -> Any:
        return self.handler(key)(event, InvocationContext(BY_KEY[key].name))

    def dm(self) -> list[dict[str, Any]]:
        return self.slack.messages_in(self.slack.dm_of(EXEC_USER))

    def stored(self, starts_in: timedelta = timedelta(hours=30)) -> tuple[Meeting, PrepRequest]:
        return store_meeting(self.app.prep, starts_in=starts_in)

    def put_object(self, key: str, data: bytes) -> str:
        """The object uploaded as the executive would; its ETag."""
        put = self.aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=data)
        return str(put["ETag"]).strip('"')

    def notes_event(self, key: str, etag: str, size: int | None = 1024) -> dict[str, Any]:
        text = (EVENTS / "s3_notes_created.json").read_text()
        text = text.replace("BUCKET", self.bucket).replace("ETAG", etag)
        data: dict[str, Any] = json.loads(text)
        data["Records"][0]["s3"]["object"]["key"] = key
        if size is None:
            del data["Records"][0]["s3"]["object"]["size"]
        else:
            data["Records"][0]["s3"]["object"]["size"] = size
        return data

    def schedules(self) -> list[str]:
        listed = self.aws.client("scheduler").list_schedules(GroupName=self.schedule_group)
        return sorted(s["Name"] for s in listed["Schedules"])


class SlowSlack(SlackApiServer):
    """Slack taking its time to post: two senders overlap as they do in production."""

    post_seconds = 0.0

    def _handle(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        if method == "chat.postMessage":
            time.sleep(self.post_seconds)
        return super()._handle(method, params, headers)


@pytest.fixture
def world(tmp_path: Path, aws: AwsEndpoint) -> Iterator[World]:
    tables = (MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE, IDEMPOTENCY)
    with SlowSlack() as slack, dynamodb_tables(aws, *tables) as (_, names):
        meetings, sessions, follow_ups, state, idempotency = names
        bucket = aws.unique("documents")
        aws.client("s3").create_bucket(Bucket=bucket)
        group = aws.unique("reminders")
        aws.client("scheduler").create_schedule_group(Name=group)
        machine = create_machine(aws, PASS_MACHINE, "hostile")
        settings = Settings(
            home=tmp_path,
            user_email=EXEC,
            timezone="America/New_York",
            slack_user_id=EXEC_USER,
            slack_api_url=slack.base_url,
        )
        deployment = DeploymentSettings(
            meetings_table=meetings,
            sessions_table=sessions,
            follow_ups_table=follow_ups,
            state_table=state,
            idempotency_table=idempotency,
            documents_s3_bucket=bucket,
            state_machine_arn=machine,
            reminder_function_arn=function_arn(BY_KEY["reminder"].name),
            scheduler_role_arn=SCHEDULER_ROLE,
            schedule_group=group,
        )
        clock = FixedClock()
        app = build_aws(
            settings,
            deployment,
            AwsClients(aws.session(), endpoint_url=aws.url),
            clock=clock,
            secrets=EnvSecretStore({"SLACK_BOT_TOKEN": slack.bot_token}),
        )
        yield World(aws, app, clock, slack, bucket, group, machine)


NOTES = (
    "# Leadership team\n\n"
    "Decision: we freeze the Q1 hiring plan.\n\n"
    "- [ ] Priya Raman to send the revised budget by Friday\n"
)


def proposals(world: World) -> list[dict[str, Any]]:
    return [m for m in world.dm() if "freeze" in json.dumps(m)]


# --- notes uploaded to the bucket ---------------------------------------------------------


def test_the_same_notes_uploaded_twice_at_once_are_proposed_once(world: World) -> None:
    meeting, _ = world.stored(starts_in=timedelta(hours=-2))
    key = f"meetings/{meeting.meeting_id}/notes.md"
    # With SSE-KMS each upload of the same bytes has its own ETag: two events, two keys.
    etags = [world.put_object(key, NOTES.encode()) for _ in range(2)]
    etags = [etags[0], "f" * 32]
    world.slack.post_seconds = 0.5
    handler = world.handler("post_meeting")
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def upload(etag: str) -> None:
        barrier.wait()
        try:
            results.append(handler(world.notes_event(key, etag), InvocationContext("pm")))
        except Exception as exc:  # the one that came second, retried by S3's async invoke
            results.append(exc)

    threads = [threading.Thread(target=upload, args=(e,)) for e in etags]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The one refused as in progress comes again (S3 retries a failed async invoke).
    for result in list(results):
        if isinstance(result, Exception):
            results.append(handler(world.notes_event(key, "e" * 32), InvocationContext("pm")))
    assert len(proposals(world)) == 1, results
    assert len(world.app.decisions.list(meeting_id=meeting.meeting_id)) == 1


def test_notes_that_are_not_utf8_are_refused_with_the_reason_in_slack(world: World) -> None:
    meeting, _ = world.stored(starts_in=timedelta(hours=-2))
    key = f"meetings/{meeting.meeting_id}/notes.md"
    etag = world.put_object(key, b"\xff\xfe\x00\xd8 broken \x80\x81")
    (result,) = world.call("post_meeting", world.notes_event(key, etag))["results"]
    assert "refused" in result
    told = [m for m in world.dm() if "were not read" in json.dumps(m)]
    assert len(told) == 1
    assert "Traceback" not in json.dumps(told) and "codec" not in json.dumps(told)


def test_a_notes_upload_over_the_limit_is_refused_without_reading_it(world: World) -> None:
    meeting, _ = world.stored(starts_in=timedelta(hours=-2))
    key = f"meetings/{meeting.meeting_id}/notes.md"
    etag = world.put_object(key, b"x" * (3 * 1024 * 1024))
    (result,) = world.call("post_meeting", world.notes_event(key, etag, size=None))["results"]
    assert "over 2 MB" in result["refused"]


@pytest.mark.parametrize(
    "key",
    [
        "meetings/%2E%2E/notes.md",
        "meetings/mtg_%0A%3Cscript%3E/notes.md",
        "meetings/mtg_%E2%80%AEabc/notes.md",
        "meetings/mtg_abc%2Fnotes.md",
        "meetings/mtg_%zz/notes.md",
        "meetings//notes.md",
        "",
    ],
)
def test_odd_uploaded_keys_are_ignored_or_refused_never_a_crash(world: World, key: str) -> None:
    (result,) = world.call("post_meeting", world.notes_event(key, "a" * 32))["results"]
    assert "ignored" in result or "refused" in result, result


@pytest.mark.parametrize(
    "event",
    [
        {"Records": ["not a record"]},
        {"Records": [{"s3": {"bucket": {"name": 7}, "object": {"key": "k"}}}]},
        {"Records": [{"s3": None}]},
        {"Records": {"0": 1}},
        [],
        "Records",
    ],
)
def test_a_malformed_s3_notification_is_a_bad_event(world: World, event: Any) -> None:
    with pytest.raises(BadEvent):
        world.call("post_meeting", event)


# --- the prep trigger --------------------------------------------------------------------


def prep_required(detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "MeetingPrepRequired",
        "source": "exec-assistant",
        "account": ACCOUNT_ID,
        "time": "2026-11-30T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


@pytest.mark.parametrize(
    "workflow_id",
    ["../../etc", "prep-mtg_0123<b>-x", "x" * 300, "prep-mtg_\u202e-20261201T1400Z-1", ""],
)
def test_a_prep_required_event_with_a_forged_workflow_id_is_a_bad_event(
    world: World, workflow_id: str
) -> None:
    _, request = world.stored()
    detail = {**request.model_dump(mode="json"), "workflow_id": workflow_id}
    with pytest.raises(BadEvent) as refused:
        world.call("prep_trigger", prep_required(detail))
    assert "workflow_id" in str(refused.value)


def test_a_prep_required_event_for_another_preps_workflow_starts_nothing(world: World) -> None:
    _, request = world.stored()
    other, _ = world.stored(starts_in=timedelta(hours=40))
    detail = {**request.model_dump(mode="json"), "prep_id": f"prep-{other.meeting_id}-x"}
    with pytest.raises(BadEvent) as refused:
        world.call("prep_trigger", prep_required(detail))
    assert "prep_id" in str(refused.value)
    listed = world.aws.client("stepfunctions").list_executions(stateMachineArn=world.machine_arn)
    assert listed["executions"] == []


def test_a_prep_required_event_whose_detail_is_a_string_is_a_bad_event(world: World) -> None:
    _, request = world.stored()
    with pytest.raises(BadEvent):
        world.call("prep_trigger", prep_required(request.model_dump_json()))
