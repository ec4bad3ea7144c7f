"""The AWS runtime attacked as a hostile user and a hostile world would: odd and repeated
events, uploads at once, reminders for preps that moved, peers that refuse. Every handler
runs in-process over the deployment's adapters on the moto server, Slack the fake Web API."""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.aws.dynamodb_meetings import DynamoMeetingRepository
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
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.models import Meeting, MeetingStatus, SessionState
from exec_assistant.domain.prep_steps import AnswersRecorded, PrepRequest
from exec_assistant.handlers.runtime import BadEvent, logger
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant.services.preps import prep_request
from exec_assistant.settings import Settings
from exec_assistant.slack.errors import ChannelRefused, SlackUnavailable
from exec_assistant.workflows.spec import CONTEXT_BRANCHES

from dynamo_tables import dynamodb_tables
from factories import EXEC, calendar_text, vevent
from lambda_front import InvocationContext, function_arn
from moto_server import ACCOUNT_ID, AwsEndpoint
from operation_log import MotoTargets, OperationLog, function_apps, refused_calls
from prep_fakes import FixedClock, run_to_pack, store_meeting
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
    app_of: Callable[[str], Callable[[], AwsApp]]
    """Each function's own app over its recorded session (the stores are shared)."""

    def handler(self, key: str) -> Any:
        module = importlib.import_module(BY_KEY[key].module)
        return module.make_handler(self.app_of(key))

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
def world(tmp_path: Path, aws: AwsEndpoint, operations: OperationLog) -> Iterator[World]:
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
        secrets = EnvSecretStore({"SLACK_BOT_TOKEN": slack.bot_token})

        def build(clients: AwsClients) -> AwsApp:
            return build_aws(settings, deployment, clients, clock=clock, secrets=secrets)

        app = build(AwsClients(aws.session(), endpoint_url=aws.url))
        scope = uuid.uuid4().hex
        app_of = function_apps(operations, aws, build, scope)
        yield World(aws, app, clock, slack, bucket, group, machine, app_of)
        # What the functions did here, their roles allow (infra's access.GRANTS).
        variables = (t.environment_variable for t in tables)
        targets = MotoTargets(
            dict(zip(variables, names, strict=True)), bucket, machine, group, SCHEDULER_ROLE
        )
        assert refused_calls(operations, targets, scope) == []


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


# --- reminders -----------------------------------------------------------------------------


def prepared(world: World, starts_in: timedelta = timedelta(hours=30)) -> PrepRequest:
    """A meeting whose pack went out, its reminder handed to the Scheduler."""
    _, request = world.stored(starts_in=starts_in)
    run_to_pack(world.app.prep, request, answers=None)
    scheduled = world.call("schedule_reminder", request.model_dump(mode="json"))
    assert scheduled["scheduled"] is True, scheduled
    return request


def reminders_sent(world: World) -> list[dict[str, Any]]:
    return [m for m in world.dm() if "starts" in json.dumps(m).lower() or "reminder" in str(m)]


def test_the_schedulers_reminder_delivered_twice_at_once_reminds_once(world: World) -> None:
    request = prepared(world)
    world.clock.advance(timedelta(hours=28, minutes=1))
    before = len(world.slack.calls("chat.postMessage"))
    world.slack.post_seconds = 0.5
    handler = world.handler("reminder")
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def deliver() -> None:
        barrier.wait()
        try:
            outcomes.append(handler(request.model_dump(mode="json"), InvocationContext("r")))
        except Exception as exc:  # in progress: the Scheduler delivers it again
            outcomes.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    again = handler(request.model_dump(mode="json"), InvocationContext("r"))
    assert again["sent"] is True
    assert len(world.slack.calls("chat.postMessage")) == before + 1, outcomes


def test_a_reminder_for_a_cancelled_meeting_sends_nothing(world: World) -> None:
    request = prepared(world)
    world.app.meetings.update(request.meeting_id, lambda m: m.with_status(MeetingStatus.CANCELLED))
    world.clock.advance(timedelta(hours=28, minutes=1))
    before = len(world.slack.calls("chat.postMessage"))
    result = world.call("reminder", request.model_dump(mode="json"))
    assert result["proceed"] is False and "cancelled" in result["reason"]
    assert len(world.slack.calls("chat.postMessage")) == before


def test_a_reminder_for_a_meeting_that_is_not_stored_is_not_retried_for_hours(
    world: World,
) -> None:
    _, request = world.stored()
    gone = request.model_copy(
        update={
            "meeting_id": "mtg_00000000000000ff",
            "prep_id": "prep-mtg_00000000000000ff-20261203T1500Z",
            "workflow_id": "prep-mtg_00000000000000ff-20261203T1500Z",
        }
    )
    # The Scheduler retries a failed delivery for two hours: an answer, not an error.
    result = world.call("reminder", gone.model_dump(mode="json"))
    assert result["proceed"] is False and "not stored" in result["reason"]


def test_a_meeting_moved_while_its_reminder_waits_gets_the_new_reminder_only(
    world: World, tmp_path: Path
) -> None:
    start = world.clock.now() + timedelta(hours=20)
    calendar = tmp_path / "work.ics"

    def publish(at: Any) -> None:
        end = at + timedelta(hours=1)
        calendar.write_text(
            calendar_text(
                vevent(
                    "ilt-1@test",
                    "Infrastructure Leadership Team",
                    f"{at:%Y%m%dT%H%M%SZ}",
                    f"{end:%Y%m%dT%H%M%SZ}",
                    tz=None,
                )
            )
        )

    publish(start)
    monitor = world.app_of("calendar_monitor")()
    monitor.settings = monitor.settings.model_copy(update={"calendars": [str(calendar)]})
    tick = {**json.loads((EVENTS / "eventbridge_scheduled.json").read_text())}
    first = world.call("calendar_monitor", {**tick, "id": str(uuid.uuid4())})
    assert first["started"] == 1, first
    (meeting,) = world.app.meetings.list_between(
        start - timedelta(hours=1), start + timedelta(hours=1)
    )
    old = prep_request(meeting)
    run_to_pack(world.app.prep, old, answers=None)
    assert world.call("schedule_reminder", old.model_dump(mode="json"))["scheduled"] is True
    assert world.schedules() == [f"reminder-{old.prep_id}"]

    publish(start + timedelta(hours=3))  # moved three hours later
    moved = world.call("calendar_monitor", {**tick, "id": str(uuid.uuid4())})
    assert moved["cancelled"] == 1, moved
    assert world.schedules() == []
    new = prep_request(world.app.meetings.get(meeting.meeting_id) or meeting)
    assert new.prep_id != old.prep_id
    run_to_pack(world.app.prep, new, answers=None)
    assert world.call("schedule_reminder", new.model_dump(mode="json"))["scheduled"] is True
    assert world.schedules() == [f"reminder-{new.prep_id}"]
    # The old reminder, had it fired anyway, sends nothing.
    stale = world.call("reminder", old.model_dump(mode="json"))
    assert stale["proceed"] is False and "moved" in stale["reason"]


# --- logs ----------------------------------------------------------------------------------


@contextmanager
def handler_logs() -> Iterator[list[dict[str, Any]]]:
    """Every line the handlers log, as CloudWatch receives it (powertools' JSON)."""
    lines: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(logger.registered_formatter.format(record)))

    keep = Keep(level=logging.DEBUG)
    target = logging.getLogger(logger.service)
    target.addHandler(keep)
    try:
        yield lines
    finally:
        target.removeHandler(keep)


def test_an_invocations_logs_never_carry_the_ids_of_the_one_before(world: World) -> None:
    request = prepared(world)
    world.call("reminder", request.model_dump(mode="json"))
    with handler_logs() as lines, pytest.raises(BadEvent):
        world.call("reminder", {"prep_id": "prep-x"})
    assert lines, "the invocation logged nothing"
    for line in lines:
        assert request.meeting_id not in json.dumps(line), line


# --- answers -------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["garbage", "A" * 1024, "tok\u202e<b>\n"])
def test_answers_for_a_wait_that_is_not_there_are_dropped_not_a_failure(
    world: World, token: str
) -> None:
    answers = AnswersRecorded(session_id="ses_0000000000000000", answers=3)
    world.app.prep_engine().deliver_answers(token, answers)


# --- logs ----------------------------------------------------------------------------------


def test_no_log_at_info_carries_the_meetings_title_people_answers_or_notes(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    secret_words = ("Infrastructure Leadership", "Priya", "Marcus", "capacity plan", "freeze")
    caplog.set_level(logging.INFO)
    with handler_logs() as lines:
        meeting, request = world.stored(starts_in=timedelta(hours=30))
        body = request.model_dump(mode="json")
        world.call("meeting_classifier", body)
        sent = world.call("slack_send_notification", body)
        wait = {"session_id": sent["session_id"], "task_token": "token-1"}
        world.app.chat_sessions.update(
            sent["session_id"],
            lambda s: s.model_copy(
                update={
                    "state": SessionState.ANSWERED,
                    "answers": {"1": "Close the capacity plan"},
                    "answers_given": True,
                }
            ),
        )
        world.call("chat_session_manager", wait)
        refs = [world.call(f"{p}_context", {**body, "provider": p}) for p in CONTEXT_BRANCHES]
        world.call("meeting_prep_agent", {**body, "context": refs})
        world.call("slack_send_materials", body)
        world.call("schedule_reminder", body)
        world.clock.advance(timedelta(hours=28, minutes=1))
        world.call("reminder", body)
        world.clock.advance(timedelta(hours=3))
        key = f"meetings/{meeting.meeting_id}/notes.md"
        etag = world.put_object(key, NOTES.encode())
        (notes,) = world.call("post_meeting", world.notes_event(key, etag))["results"]
    assert notes["read"] is True, notes
    assert world.app.meetings.get(meeting.meeting_id).status == MeetingStatus.COMPLETED  # type: ignore[union-attr]
    logged = [json.dumps(line) for line in lines if line["level"] in ("INFO", "WARNING")]
    logged += [
        json.dumps({k: str(v) for k, v in r.__dict__.items()})
        for r in caplog.records
        if r.name.startswith("exec_assistant") and r.levelno <= logging.WARNING
    ]
    assert logged
    leaks = [line for line in logged for word in secret_words if word in line]
    assert leaks == []


# --- peers that refuse or stall --------------------------------------------------------------


def test_slack_asking_to_wait_minutes_fails_the_state_at_once_to_be_retried_later(
    world: World,
) -> None:
    _, request = world.stored()
    world.call("meeting_classifier", request.model_dump(mode="json"))
    world.slack.fail("chat.postMessage", "ratelimited", retry_after=300, times=4)
    outcome: list[BaseException | dict[str, Any]] = []

    def send() -> None:
        try:
            outcome.append(world.call("slack_send_notification", request.model_dump(mode="json")))
        except Exception as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send, daemon=True)
    started = time.monotonic()
    sender.start()
    sender.join(timeout=20)
    # A Lambda function has 30-60 s: sleeping Slack's 5 minutes would end it without a word.
    assert not sender.is_alive(), "the state slept through Slack's Retry-After"
    assert time.monotonic() - started < 20
    (error,) = outcome
    assert isinstance(error, SlackUnavailable) and not isinstance(error, ChannelRefused)
    assert "rate-limiting" in str(error)


def test_a_meetings_table_that_is_not_there_is_named_with_its_variable(world: World) -> None:
    _, request = world.stored()
    classifier = world.app_of("meeting_classifier")()
    classifier.meetings = DynamoMeetingRepository(
        world.aws.client("dynamodb"), "exec-assistant-meetings-not-deployed"
    )
    classifier._built.clear()
    with pytest.raises(ConfigError) as failed:
        world.call("meeting_classifier", request.model_dump(mode="json"))
    assert "exec-assistant-meetings-not-deployed" in str(failed.value)
    assert "MEETINGS_TABLE" in str(failed.value)
