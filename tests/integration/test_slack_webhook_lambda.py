"""The SlackWebhookHandler Lambda with API Gateway v2 events: the same refusals as over HTTP,
and lazy listeners re-invoked through the Lambda client."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt import App

from exec_assistant.handlers.slack_webhook import make_handler

from slack_api import SlackApiServer
from slack_requests import (
    FORM,
    STRANGER,
    LambdaContext,
    RecordingListeners,
    ReinvokingLambdaClient,
    api_gateway_event,
    command_body,
    event_body,
    make_app,
    signed,
    url_verification_body,
)

LIMIT = 4096


@dataclass
class Function:
    handler: Any
    lambda_client: ReinvokingLambdaClient
    messages: list[str]
    lazy_runs: list[str]
    build_count: list[int]
    slow_done: threading.Event

    def call(
        self, body: bytes | str, headers: dict[str, str] | None = None, **kw: Any
    ) -> dict[str, Any]:
        raw = body.encode() if isinstance(body, str) else body
        if headers is None:
            raw, headers = signed(raw)
        return dict(self.handler(api_gateway_event(raw, headers, **kw), LambdaContext()))


@pytest.fixture
def function() -> Iterator[Function]:
    listeners = RecordingListeners(slow_seconds=1.0)
    build_count: list[int] = []

    with SlackApiServer() as slack:
        lambda_client = ReinvokingLambdaClient()

        def build() -> App:
            build_count.append(1)
            return make_app(slack.base_url, listeners.register, process_before_response=True)

        handler = make_handler(build, lambda_client, max_body_bytes=LIMIT)
        lambda_client.handler = handler
        yield Function(
            handler,
            lambda_client,
            listeners.messages,
            listeners.lazy_runs,
            build_count,
            listeners.slow_done,
        )
        lambda_client.wait()


def test_a_signed_event_is_handled_and_the_app_is_built_once(function: Function) -> None:
    assert function.call(event_body("Ev1", text="hi"))["statusCode"] == 200
    assert function.call(event_body("Ev2", text="again"))["statusCode"] == 200
    assert function.messages == ["hi", "again"]
    assert function.build_count == [1]


def test_a_base64_body_is_read(function: Function) -> None:
    raw, headers = signed(command_body("list"), content_type=FORM)
    response = function.call(raw, headers, base64_body=True)
    assert response["statusCode"] == 200
    assert response["body"] == "working on it"


def test_the_url_verification_challenge_is_answered(function: Function) -> None:
    response = function.call(url_verification_body("c-42"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"challenge": "c-42"}


def test_a_bad_signature_gets_401(function: Function) -> None:
    raw, headers = signed(event_body("Ev1"), secret="wrong")
    assert function.call(raw, headers)["statusCode"] == 401
    assert function.messages == []


def test_a_timestamp_six_minutes_old_gets_401(function: Function) -> None:
    raw, headers = signed(event_body("Ev1"), age_seconds=360)
    assert function.call(raw, headers)["statusCode"] == 401


def test_a_retry_of_an_event_already_handled_is_handled_once(function: Function) -> None:
    function.call(event_body("Ev9", text="once"))
    raw, headers = signed(event_body("Ev9", text="once"), extra={"x-slack-retry-num": "2"})
    assert function.call(raw, headers)["statusCode"] == 200
    assert function.messages == ["once"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{nope", "application/json"), (b"payload=%7B", FORM), (b"[1]", "application/json")],
)
def test_a_malformed_body_gets_400(function: Function, body: bytes, content_type: str) -> None:
    raw, headers = signed(body, content_type=content_type)
    assert function.call(raw, headers)["statusCode"] == 400
    assert function.call(event_body("Ev1", text="still"))["statusCode"] == 200


def test_a_body_that_is_not_base64_gets_400(function: Function) -> None:
    raw, headers = signed(b"{}")
    event = api_gateway_event(raw, headers)
    event.update(body="%%% not base64 %%%", isBase64Encoded=True)
    assert function.handler(event, LambdaContext())["statusCode"] == 400


@pytest.mark.parametrize("base64_body", [False, True])
def test_an_oversized_body_gets_413(function: Function, base64_body: bool) -> None:
    raw, headers = signed(b'{"a": "' + b"x" * LIMIT + b'"}')
    assert function.call(raw, headers, base64_body=base64_body)["statusCode"] == 413


def test_a_get_gets_404(function: Function) -> None:
    raw, headers = signed(b"")
    assert function.call(raw, headers, method="GET")["statusCode"] == 404


def test_a_stranger_gets_a_polite_refusal_that_names_no_meeting(function: Function) -> None:
    raw, headers = signed(command_body("list", user=STRANGER), content_type=FORM)
    response = function.call(raw, headers)
    reply = json.loads(response["body"])
    assert reply["response_type"] == "ephemeral"
    assert "only help the person I work for" in reply["text"]
    assert function.lambda_client.invocations == []


def test_slow_work_is_acked_at_once_and_runs_in_a_reinvocation(function: Function) -> None:
    raw, headers = signed(command_body("now board"), content_type=FORM)
    started = time.monotonic()
    response = function.call(raw, headers, base64_body=True)
    assert time.monotonic() - started < 0.5
    assert (response["statusCode"], response["body"]) == (200, "working on it")
    (invocation,) = function.lambda_client.invocations
    assert invocation["InvocationType"] == "Event"
    assert invocation["FunctionName"] == LambdaContext().invoked_function_arn
    assert function.slow_done.wait(5)
    function.lambda_client.wait()
    assert function.lazy_runs == ["now board"]
    assert len(function.lambda_client.invocations) == 1  # the re-invocation starts no other


def test_a_lazy_listener_of_an_event_survives_the_dedupe(function: Function) -> None:
    """The re-invocation carries the event id already recorded: it must still run."""
    seen: list[str] = []
    done = threading.Event()

    def register(app: App) -> None:
        def ack_event(ack: Any) -> None:
            ack()

        def later(event: dict[str, Any]) -> None:
            seen.append(event["text"])
            done.set()

        app.event("message")(ack=ack_event, lazy=[later])

    with SlackApiServer() as slack:
        client = ReinvokingLambdaClient()
        handler = make_handler(
            lambda: make_app(slack.base_url, register, process_before_response=True), client
        )
        client.handler = handler
        raw, headers = signed(event_body("EvLazy", text="file notes"))
        assert handler(api_gateway_event(raw, headers), LambdaContext())["statusCode"] == 200
        assert done.wait(5)
        client.wait()
    assert seen == ["file notes"]


def test_the_reinvocation_payload_is_what_lambda_would_carry(function: Function) -> None:
    raw, headers = signed(command_body("list"), content_type=FORM)
    function.call(raw, headers, base64_body=True)
    (invocation,) = function.lambda_client.invocations
    event = invocation["event"]
    assert event["headers"]["x-slack-bolt-lazy-only"] == "1"
    assert base64.b64decode(event["body"]) == raw
    function.slow_done.wait(5)
