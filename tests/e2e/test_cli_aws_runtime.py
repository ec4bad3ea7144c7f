"""An administrator inspects the deployment with the same command: `--runtime aws` reads the
tables and bucket named in the environment (moto on 127.0.0.1 here), and `prep --retry`
starts a fresh attempt there through the MeetingPrepRequired event."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.aws.dynamodb_follow_ups import (
    DynamoActionItemRepository,
    DynamoDecisionRepository,
)
from exec_assistant.adapters.aws.dynamodb_meetings import DynamoMeetingRepository
from exec_assistant.adapters.aws.eventbridge import MEETING_PREP_RULE_PATTERN
from exec_assistant.adapters.aws.tables import CHAT_SESSIONS, FOLLOW_UPS, MEETINGS, STATE
from exec_assistant.domain.identity import meeting_id_for, workflow_id_for
from exec_assistant.domain.models import (
    ActionItem,
    Decision,
    Meeting,
    MeetingStatus,
    ModelCall,
)

from cli_user import CliUser
from dynamo_tables import dynamodb_tables
from moto_server import ACCOUNT_ID, REGION, AwsEndpoint

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Deployment:
    aws: AwsEndpoint
    env: dict[str, str]
    meeting: Meeting
    queue_url: str
    dynamodb: Any


@pytest.fixture
def deployment(aws: AwsEndpoint) -> Iterator[Deployment]:
    with dynamodb_tables(aws, MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE) as (client, names):
        meetings, sessions, follow_ups, state = names
        bucket = aws.unique("documents")
        aws.client("s3").create_bucket(Bucket=bucket)
        machine = aws.client("stepfunctions").create_state_machine(
            name=aws.unique("prep"),
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/sfn",
        )["stateMachineArn"]
        bus = aws.unique("bus")
        events, sqs = aws.client("events"), aws.client("sqs")
        events.create_event_bus(Name=bus)
        queue_url = sqs.create_queue(QueueName=aws.unique("prep-events"))["QueueUrl"]
        events.put_rule(
            Name="meeting-prep-trigger",
            EventBusName=bus,
            EventPattern=json.dumps(MEETING_PREP_RULE_PATTERN),
        )
        events.put_targets(
            Rule="meeting-prep-trigger",
            EventBusName=bus,
            Targets=[
                {
                    "Id": "queue",
                    "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_url.rsplit('/', 1)[1]}",
                }
            ],
        )
        start = NOW + timedelta(days=1)
        meeting = Meeting(
            meeting_id=meeting_id_for("cal_work", "qbr@example.com", None),
            calendar_id="cal_work",
            series_id="ser_qbr",
            source_uid="qbr@example.com",
            title="Quarterly [bold]business[/] review",
            start=start,
            end=start + timedelta(hours=1),
            timezone="America/New_York",
            meeting_type="qbr",
            status=MeetingStatus.FAILED,
            prep_error="SendPrepNotification failed: SlackUnavailable: ratelimited",
            workflow_id=workflow_id_for(meeting_id_for("cal_work", "qbr@example.com", None), start),
            discovered_at=NOW - timedelta(days=3),
            updated_at=NOW - timedelta(hours=1),
            model_calls=(
                ModelCall(
                    purpose="pack",
                    provider="bedrock",
                    model_id="anthropic.claude-sonnet",
                    input_tokens=4200,
                    output_tokens=900,
                    cost_usd=0.0261,
                    at=NOW - timedelta(minutes=1),
                ),
            ),
        )
        DynamoMeetingRepository(client, meetings).put(meeting)
        DynamoActionItemRepository(client, follow_ups).put_many(
            [
                ActionItem(
                    item_id="act_1",
                    meeting_id=meeting.meeting_id,
                    series_id="ser_qbr",
                    text="Send the revised forecast",
                    owner="priya@example.com",
                    source_line=4,
                    created_at=NOW - timedelta(days=1),
                )
            ]
        )
        DynamoDecisionRepository(client, follow_ups).put_many(
            [
                Decision(
                    decision_id="dec_1",
                    meeting_id=meeting.meeting_id,
                    series_id="ser_qbr",
                    text="Move the launch to March",
                    source_line=6,
                    created_at=NOW - timedelta(days=1),
                )
            ]
        )
        env = {
            "AWS_ENDPOINT_URL": aws.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "MEETINGS_TABLE": meetings,
            "SESSIONS_TABLE": sessions,
            "FOLLOW_UPS_TABLE": follow_ups,
            "STATE_TABLE": state,
            "DOCUMENTS_S3_BUCKET": bucket,
            "STATE_MACHINE_ARN": machine,
            "EVENT_BUS_NAME": bus,
        }
        yield Deployment(aws, env, meeting, queue_url, client)


def _received(deployment: Deployment) -> list[dict[str, Any]]:
    sqs = deployment.aws.client("sqs")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=deployment.queue_url).get("Messages", [])
        if messages:
            return [json.loads(m["Body"]) for m in messages]
        time.sleep(0.05)
    return []


def test_the_read_commands_show_the_deployments_records(
    tmp_path: Path, deployment: Deployment
) -> None:
    user = CliUser(tmp_path)
    env = deployment.env
    meeting = deployment.meeting
    shown = user.json("meetings", "--runtime", "aws", **env)
    assert [(m["meeting_id"], m["status"]) for m in shown] == [(meeting.meeting_id, "failed")]
    table = user.ok("meetings", "--runtime", "aws", **env)
    assert "Quarterly [bold]business[/] review" in table
    items = user.json("actions", "--runtime", "aws", **env)
    assert [(i["text"], i["meeting_title"]) for i in items] == [
        ("Send the revised forecast", meeting.title)
    ]
    decisions = user.json("decisions", "--runtime", "aws", **env)
    assert [d["text"] for d in decisions] == ["Move the launch to March"]
    usage = user.json("usage", "--runtime", "aws", **env)
    assert (usage["total"]["calls"], usage["total"]["input_tokens"]) == (1, 4200)
    assert not user.data.exists(), "nothing of the local data folder is touched"


def test_a_failed_prep_of_the_deployment_is_retried_there(
    tmp_path: Path, deployment: Deployment
) -> None:
    user = CliUser(tmp_path)
    meeting = deployment.meeting
    started = user.json("prep", meeting.meeting_id, "--retry", "--runtime", "aws", **deployment.env)
    second = workflow_id_for(meeting.meeting_id, meeting.start, 2)
    assert started == {
        "meeting_id": meeting.meeting_id,
        "retry": "started",
        "by": "aws",
        "workflow_id": second,
        "attempt": 2,
    }
    delivered = _received(deployment)
    assert [e["detail-type"] for e in delivered] == ["MeetingPrepRequired"]
    assert delivered[0]["detail"]["workflow_id"] == second
    stored = DynamoMeetingRepository(deployment.dynamodb, deployment.env["MEETINGS_TABLE"]).get(
        meeting.meeting_id
    )
    assert stored is not None
    assert (stored.status, stored.prep_attempt) == (MeetingStatus.SCHEDULED, 2)


def test_only_a_retry_runs_against_the_deployment(tmp_path: Path, deployment: Deployment) -> None:
    result = CliUser(tmp_path).run(
        "prep", deployment.meeting.meeting_id, "--runtime", "aws", **deployment.env
    )
    assert result.returncode == 2
    assert "--runtime aws works with --retry only" in result.stderr


def test_a_deployment_not_named_in_the_environment_says_what_to_export(tmp_path: Path) -> None:
    result = CliUser(tmp_path).run("meetings", "--runtime", "aws", AWS_DEFAULT_REGION=REGION)
    assert result.returncode == 2
    assert "DOCUMENTS_S3_BUCKET is not set" in result.stderr
    assert "stack's outputs" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_table_that_does_not_exist_is_named_not_a_trace(
    tmp_path: Path, deployment: Deployment
) -> None:
    env = {**deployment.env, "MEETINGS_TABLE": "exec-assistant-meetings-gone"}
    result = CliUser(tmp_path).run("meetings", "--runtime", "aws", **env)
    assert result.returncode == 2
    assert "the DynamoDB table exec-assistant-meetings-gone does not exist" in result.stderr
    assert "Set MEETINGS_TABLE" in result.stderr
    assert "Traceback" not in result.stderr
