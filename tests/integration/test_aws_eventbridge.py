"""MeetingPrepRequired published on an event bus (moto on 127.0.0.1), matched by the spec's
rule and delivered to its target with the prep request as its detail."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from exec_assistant.adapters.aws.eventbridge import (
    MEETING_PREP_RULE_PATTERN,
    EventBridgePrepStarts,
)
from exec_assistant.domain.errors import EventNotPublished
from exec_assistant.domain.prep_steps import PrepRequest

from canned_aws import canned_aws, json_error
from moto_server import ACCOUNT_ID, REGION, AwsEndpoint

REQUEST = PrepRequest(
    meeting_id="mtg_0123456789abcdef",
    prep_id="prep-mtg_0123456789abcdef-20261201T1400Z",
    workflow_id="prep-mtg_0123456789abcdef-20261201T1400Z-a2",
    attempt=2,
)


def _bus_with_rule(aws: AwsEndpoint, pattern: dict[str, Any]) -> tuple[str, str]:
    """A bus of its own whose rule (`pattern`) sends what it matches to a queue: (bus, queue
    URL)."""
    events, sqs = aws.client("events"), aws.client("sqs")
    bus = aws.unique("bus")
    events.create_event_bus(Name=bus)
    queue_url = sqs.create_queue(QueueName=aws.unique("matched"))["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_url.rsplit('/', 1)[1]}"
    events.put_rule(Name="meeting-prep-trigger", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="meeting-prep-trigger", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}]
    )
    return bus, queue_url


def _received(aws: AwsEndpoint, queue_url: str) -> list[dict[str, Any]]:
    sqs = aws.client("sqs")
    deadline = time.monotonic() + 3
    bodies: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        bodies.extend(json.loads(m["Body"]) for m in messages)
        if bodies:
            break
        time.sleep(0.05)
    return bodies


def test_a_published_prep_reaches_the_rules_target_with_the_request_as_detail(
    aws: AwsEndpoint,
) -> None:
    bus, queue_url = _bus_with_rule(aws, MEETING_PREP_RULE_PATTERN)

    EventBridgePrepStarts(aws.client("events"), bus).publish(REQUEST)

    [event] = _received(aws, queue_url)
    assert event["source"] == "exec-assistant"
    assert event["detail-type"] == "MeetingPrepRequired"
    assert event["detail"] == {
        "meeting_id": "mtg_0123456789abcdef",
        "prep_id": "prep-mtg_0123456789abcdef-20261201T1400Z",
        "workflow_id": "prep-mtg_0123456789abcdef-20261201T1400Z-a2",
        "attempt": 2,
    }
    assert PrepRequest.model_validate(event["detail"]) == REQUEST


def test_the_rule_passes_over_events_without_a_meeting_id_or_from_others(
    aws: AwsEndpoint,
) -> None:
    bus, queue_url = _bus_with_rule(aws, MEETING_PREP_RULE_PATTERN)

    aws.client("events").put_events(
        Entries=[
            {
                "Source": "exec-assistant",
                "DetailType": "MeetingPrepRequired",
                "Detail": json.dumps({"prep_id": "p"}),
                "EventBusName": bus,
            },
            {
                "Source": "someone-else",
                "DetailType": "MeetingPrepRequired",
                "Detail": json.dumps({"meeting_id": "m"}),
                "EventBusName": bus,
            },
        ]
    )
    EventBridgePrepStarts(aws.client("events"), bus).publish(REQUEST)

    assert [event["detail"]["workflow_id"] for event in _received(aws, queue_url)] == [
        REQUEST.workflow_id
    ]


def test_a_bus_that_does_not_exist_is_named_with_the_setting_to_fix(aws: AwsEndpoint) -> None:
    starts = EventBridgePrepStarts(aws.client("events"), "exec-assistant-missing-bus")

    with pytest.raises(EventNotPublished) as raised:
        starts.publish(REQUEST)

    assert "exec-assistant-missing-bus" in str(raised.value)
    assert "EVENT_BUS_NAME" in str(raised.value)


def test_an_entry_the_bus_refuses_is_an_error_not_a_silent_loss() -> None:
    refused = {
        "FailedEntryCount": 1,
        "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}],
    }
    with canned_aws(200, json.dumps(refused).encode(), {"content-type": "application/json"}) as bus:
        starts = EventBridgePrepStarts(bus.client("events"))

        with pytest.raises(EventNotPublished) as raised:
            starts.publish(REQUEST)

    assert "MeetingPrepRequired" in str(raised.value)
    assert "InternalFailure: try again" in str(raised.value)


def test_a_refused_publisher_is_told_the_permission_to_grant() -> None:
    with canned_aws(*json_error("AccessDeniedException", "not authorized")) as bus:
        starts = EventBridgePrepStarts(bus.client("events"))

        with pytest.raises(EventNotPublished, match="events:PutEvents"):
            starts.publish(REQUEST)


def test_a_throttled_publish_stays_the_services_error_for_a_retry() -> None:
    with canned_aws(*json_error("ThrottlingException", "slow down")) as bus:
        starts = EventBridgePrepStarts(bus.client("events"))

        with pytest.raises(ClientError, match="ThrottlingException"):
            starts.publish(REQUEST)
