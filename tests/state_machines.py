"""Creating and watching state machines on the moto server."""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any

from moto_server import ACCOUNT_ID, AwsEndpoint

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/exec-assistant-step-functions"
FINISHED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@cache
def _client(aws: AwsEndpoint) -> Any:
    """One Step Functions client per server (a client takes ~50 ms to make; it is
    thread-safe)."""
    return aws.client("stepfunctions")


def create_machine(aws: AwsEndpoint, definition: dict[str, Any], prefix: str = "machine") -> str:
    """A new machine of `definition` on the server (a name no other test uses): its ARN."""
    created = _client(aws).create_state_machine(
        name=aws.unique(prefix), definition=json.dumps(definition), roleArn=ROLE_ARN
    )
    return str(created["stateMachineArn"])


def start(aws: AwsEndpoint, machine_arn: str, name: str, data: dict[str, Any]) -> str:
    started = _client(aws).start_execution(
        stateMachineArn=machine_arn, name=name, input=json.dumps(data)
    )
    return str(started["executionArn"])


def finished(aws: AwsEndpoint, execution_arn: str, timeout: float = 15) -> dict[str, Any]:
    """The execution's description once it has ended (an AssertionError past `timeout`)."""
    client = _client(aws)
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = client.describe_execution(executionArn=execution_arn)
        if described["status"] in FINISHED:
            return described
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} still {described['status']} after {timeout} s")
        time.sleep(0.05)


def output(described: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(described["output"])
    return data


def history(aws: AwsEndpoint, execution_arn: str) -> list[dict[str, Any]]:
    client = _client(aws)
    events: list[dict[str, Any]] = []
    for page in client.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events


def entered_states(aws: AwsEndpoint, execution_arn: str) -> list[str]:
    """The names of the states the execution entered, in order."""
    return [
        event["stateEnteredEventDetails"]["name"]
        for event in history(aws, execution_arn)
        if "stateEnteredEventDetails" in event
    ]
