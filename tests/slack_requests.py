"""Requests as Slack sends them, signed with a real signing secret, and the Lambda pieces
around them (API Gateway v2 events, a Lambda client that re-invokes like Lambda's async
invoke).

    body, headers = signed(event_body("Ev1", user="U_EXEC"))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EXEC_USER = "UEXEC0001"
STRANGER = "USTRANGER1"


def sign(body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed(
    body: bytes | str,
    *,
    content_type: str = "application/json",
    secret: str = SIGNING_SECRET,
    age_seconds: int = 0,
    extra: dict[str, str] | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and the headers Slack would send with it."""
    raw = body.encode() if isinstance(body, str) else body
    ts = int(time.time()) - age_seconds
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": str(ts),
        "x-slack-signature": sign(raw, secret=secret, timestamp=ts),
        **(extra or {}),
    }
    return raw, headers


def event_body(
    event_id: str, *, user: str = EXEC_USER, text: str = "hello", channel: str = "DEXEC0001"
) -> str:
    """An Events API delivery of a DM message."""
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "TFAKE001",
            "api_app_id": "AFAKE001",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }
    )


def command_body(
    text: str = "list",
    *,
    user: str = EXEC_USER,
    command: str = "/prep",
    response_url: str = "http://127.0.0.1:9/respond",
) -> str:
    """A slash command, as the form Slack posts."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": "TFAKE001",
            "channel_id": "DEXEC0001",
            "user_id": user,
            "command": command,
            "text": text,
            "response_url": response_url,
            "trigger_id": "1.2.3",
            "api_app_id": "AFAKE001",
        }
    )


def action_body(*, user: str = EXEC_USER, response_url: str, action_id: str = "prep_now") -> str:
    """A button click (block_actions), as the form Slack posts."""
    payload = {
        "type": "block_actions",
        "team": {"id": "TFAKE001"},
        "user": {"id": user},
        "api_app_id": "AFAKE001",
        "trigger_id": "1.2.3",
        "response_url": response_url,
        "channel": {"id": "DEXEC0001"},
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": "m1"}],
    }
    return urlencode({"payload": json.dumps(payload)})


FORM = "application/x-www-form-urlencoded"


def url_verification_body(
    challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
) -> str:
    return json.dumps({"token": "legacy", "challenge": challenge, "type": "url_verification"})


def api_gateway_event(
    body: bytes,
    headers: dict[str, str],
    *,
    method: str = "POST",
    base64_body: bool = False,
    path: str = "/slack/events",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event."""
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": dict(headers),
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1"},
            "requestId": "req-1",
            "stage": "$default",
        },
        "body": base64.b64encode(body).decode() if base64_body else body.decode(),
        "isBase64Encoded": base64_body,
    }


@dataclass
class LambdaContext:
    function_name: str = "exec-assistant-slack-webhook"
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:exec-assistant-slack-webhook"
    )
    aws_request_id: str = "req-1"


@dataclass
class ReinvokingLambdaClient:
    """What boto3's Lambda client does for `invoke(InvocationType="Event")`: the function runs
    again with the payload, on its own, while the caller gets 202 at once."""

    handler: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None
    invocations: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: str) -> dict[str, Any]:
        event = json.loads(Payload)
        self.invocations.append(
            {"FunctionName": FunctionName, "InvocationType": InvocationType, "event": event}
        )
        handler = self.handler
        assert handler is not None

        def run() -> None:
            self.results.append(handler(event, LambdaContext(aws_request_id="req-lazy")))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)
        return {"StatusCode": 202}

    def wait(self, timeout: float = 5) -> None:
        for thread in self.threads:
            thread.join(timeout)


def make_app(
    slack_base_url: str,
    register: Callable[[Any], None],
    *,
    process_before_response: bool = False,
    seen_events: Any | None = None,
    allowed: tuple[str, ...] = (),
) -> Any:
    """The product's App against the fake Slack API, with the test's listeners."""
    from slack_sdk import WebClient

    from exec_assistant.adapters.memory import InMemorySeenEventRepository
    from exec_assistant.clocks import SystemClock
    from exec_assistant.slack.app import build_slack_app

    from slack_api import BOT_TOKEN

    clock = SystemClock()
    return build_slack_app(
        client=WebClient(token=BOT_TOKEN, base_url=slack_base_url),
        signing_secret=SIGNING_SECRET,
        executive_user_id=EXEC_USER,
        allowed_users=allowed,
        seen_events=seen_events or InMemorySeenEventRepository(clock),
        register=register,
        process_before_response=process_before_response,
        clock=clock,
    )


@dataclass
class RecordingListeners:
    """Listeners for tests of the ways the App is served: DM messages recorded; `/prep`
    acked at once ("working on it") and then, lazily, `slow_seconds` of work."""

    slow_seconds: float
    messages: list[str] = field(default_factory=list)
    lazy_runs: list[str] = field(default_factory=list)
    slow_done: threading.Event = field(default_factory=threading.Event)

    def register(self, app: Any) -> None:
        @app.event("message")
        def on_message(event: dict[str, Any]) -> None:
            self.messages.append(event["text"])

        def ack_now(ack: Any) -> None:
            ack(text="working on it")

        def slow_work(command: dict[str, Any]) -> None:
            time.sleep(self.slow_seconds)
            self.lazy_runs.append(command["text"])
            self.slow_done.set()

        app.command("/prep")(ack=ack_now, lazy=[slow_work])
