"""`build_aws` on the moto server: the handlers over DynamoDB and S3, the configuration and
the context files read from the documents bucket's config/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from exec_assistant.aws_bootstrap import build_aws
from exec_assistant.aws_clients import AwsClients
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.models import MeetingStatus
from exec_assistant.handlers import meeting_classifier, post_meeting, staffing_context
from exec_assistant.settings import Settings

from dynamo_tables import deployment_on
from factories import EXEC
from moto_server import AwsEndpoint
from prep_fakes import FixedClock, store_meeting

EXAMPLES = Path(__file__).parents[2] / "src" / "exec_assistant" / "examples" / "context"


def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, user_email=EXEC, timezone="America/New_York")


def test_the_handlers_run_over_dynamodb_and_s3(aws: AwsEndpoint, tmp_path: Path) -> None:
    deployment = deployment_on(aws)
    s3 = aws.client("s3")
    s3.put_object(
        Bucket=deployment.documents_s3_bucket,
        Key="config/context/staffing.yaml",
        Body=(EXAMPLES / "staffing.yaml").read_bytes(),
    )
    clients = AwsClients(aws.session(), endpoint_url=aws.url)
    clock = FixedClock()
    app = build_aws(settings(tmp_path), deployment, clients, clock=clock)
    _, request = store_meeting(app.prep, starts_in=timedelta(hours=-2))
    body = request.model_dump(mode="json")
    assert meeting_classifier.make_handler(lambda: app)(body, None)["proceed"] is True
    ref = staffing_context.make_handler(lambda: app)({**body, "provider": "x"}, None)
    assert ref["provider"] == "staffing"
    if ref["needed"]:
        assert ref["available"] is True, ref

    key = f"meetings/{request.meeting_id}/notes.md"
    put = s3.put_object(
        Bucket=deployment.documents_s3_bucket,
        Key=key,
        Body=b"Decision: we freeze the Q1 hiring plan.\n",
    )
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": deployment.documents_s3_bucket},
            "object": {"key": key, "size": 40, "eTag": put["ETag"].strip('"')},
        },
    }
    handler = post_meeting.make_handler(lambda: app)
    (result,) = handler({"Records": [record]}, None)["results"]
    assert result["read"] is True and result["decisions"] == 1
    assert handler({"Records": [record]}, None)["results"] == [result]
    meeting = app.meetings.get(request.meeting_id)
    assert meeting is not None and meeting.status == MeetingStatus.COMPLETED
    (decision,) = app.decisions.list(meeting_id=request.meeting_id)
    assert decision.accepted is True  # no Slack to propose it in: accepted at once


def test_a_bad_meeting_types_file_in_the_bucket_is_named_by_its_location(
    aws: AwsEndpoint, tmp_path: Path
) -> None:
    deployment = deployment_on(aws)
    aws.client("s3").put_object(
        Bucket=deployment.documents_s3_bucket,
        Key="config/meeting_types.yaml",
        Body=b"meeting_types: [not, a, mapping\n",
    )
    clients = AwsClients(aws.session(), endpoint_url=aws.url)
    with pytest.raises(ConfigError) as refused:
        build_aws(settings(tmp_path), deployment, clients, clock=FixedClock())
    assert f"s3://{deployment.documents_s3_bucket}/config/meeting_types.yaml" in str(refused.value)
