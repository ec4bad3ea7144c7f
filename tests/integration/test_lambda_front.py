"""The Lambda front: a state machine on moto runs Python callables as its Lambda tasks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambda_front import LambdaFront, function_arn, function_name_of
from moto_server import AwsEndpoint
from state_machines import create_machine, entered_states, finished, output, start


class LedgerUnreachable(Exception):
    pass


def _machine(arn: str) -> dict[str, Any]:
    return {
        "StartAt": "Add",
        "States": {
            "Add": {
                "Type": "Task",
                "Resource": arn,
                "ResultPath": "$.sum",
                "Catch": [
                    {
                        "ErrorEquals": ["LedgerUnreachable"],
                        "Next": "Unreachable",
                        "ResultPath": "$.error",
                    }
                ],
                "End": True,
            },
            "Unreachable": {"Type": "Pass", "End": True},
        },
    }


def test_a_task_is_answered_by_the_callable_of_its_function(
    aws: AwsEndpoint, lambda_front: LambdaFront
) -> None:
    name = aws.unique("adder")
    machine = create_machine(aws, _machine(function_arn(name)))
    seen: list[Any] = []

    def add(event: dict[str, Any], context: Any) -> int:
        seen.append(context.function_name)
        return int(event["a"]) + int(event["b"])

    with lambda_front.serving({name: add}):
        run = finished(aws, start(aws, machine, "one", {"a": 2, "b": 3}))

    assert run["status"] == "SUCCEEDED"
    assert output(run) == {"a": 2, "b": 3, "sum": 5}
    assert seen == [name]
    assert [c.event for c in lambda_front.calls(name)] == [{"a": 2, "b": 3}]


def test_a_raised_error_is_caught_by_its_class_name(
    aws: AwsEndpoint, lambda_front: LambdaFront
) -> None:
    name = aws.unique("adder")
    machine = create_machine(aws, _machine(function_arn(name)))

    def add(event: dict[str, Any], context: Any) -> int:
        raise LedgerUnreachable("the ledger did not answer")

    with lambda_front.serving({name: add}):
        run = finished(aws, start(aws, machine, "one", {"a": 2}))

    assert run["status"] == "SUCCEEDED", run
    error = output(run)["error"]
    assert error["Error"] == "LedgerUnreachable"
    assert json.loads(error["Cause"])["errorMessage"] == "the ledger did not answer"
    assert entered_states(aws, run["executionArn"]) == ["Add", "Unreachable"]


def test_an_unknown_function_fails_the_task(aws: AwsEndpoint, lambda_front: LambdaFront) -> None:
    machine = create_machine(aws, _machine(function_arn(aws.unique("nobody"))))

    run = finished(aws, start(aws, machine, "one", {}))

    assert run["status"] == "FAILED"


def test_every_other_request_reaches_moto(aws: AwsEndpoint, lambda_front: LambdaFront) -> None:
    through_front = AwsEndpoint(lambda_front.url)
    bucket = aws.unique("through-the-front")

    through_front.client("s3").create_bucket(Bucket=bucket)
    through_front.client("s3").put_object(Bucket=bucket, Key="a.md", Body=b"# A")

    assert aws.client("s3").get_object(Bucket=bucket, Key="a.md")["Body"].read() == b"# A"


def test_an_invocation_names_its_function_by_name_or_arn() -> None:
    arn = function_arn("exec-assistant-reminder")
    assert function_name_of("exec-assistant-reminder") == "exec-assistant-reminder"
    assert function_name_of(arn) == "exec-assistant-reminder"
    assert function_name_of(arn.replace(":", "%3A") + "%3A%24LATEST") == "exec-assistant-reminder"
    assert function_name_of("123456789012:function:exec-assistant-reminder:live") == (
        "exec-assistant-reminder"
    )


def test_a_result_that_is_no_json_fails_as_the_runtime_fails_it(
    aws: AwsEndpoint, lambda_front: LambdaFront
) -> None:
    name = aws.unique("adder")
    machine = create_machine(aws, _machine(function_arn(name)))

    with lambda_front.serving({name: lambda event, context: {"at": object()}}):
        run = finished(aws, start(aws, machine, "one", {"a": 1}))

    assert run["status"] == "FAILED"
    assert run["error"] == "Runtime.MarshalError"
    assert [c.error for c in lambda_front.calls(name)] == ["Runtime.MarshalError"]


def test_an_event_that_is_no_json_is_refused(aws: AwsEndpoint, lambda_front: LambdaFront) -> None:
    name = aws.unique("adder")
    client = AwsEndpoint(lambda_front.url).client("lambda")

    with lambda_front.serving({name: lambda event, context: event}):
        with pytest.raises(ClientError) as refused:
            client.invoke(FunctionName=name, Payload=b"{not json")
        echoed = client.invoke(FunctionName=function_arn(name), Payload=b'{"a": "<b>\\u0000"}')

    assert refused.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert json.loads(echoed["Payload"].read()) == {"a": "<b>\u0000"}
