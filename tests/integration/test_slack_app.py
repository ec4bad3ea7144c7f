"""The App's middleware, in process: who may use the assistant, and each event handled once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App, BoltRequest

from slack_api import SlackApiServer
from slack_requests import (
    EXEC_USER,
    FORM,
    STRANGER,
    action_body,
    command_body,
    event_body,
    make_app,
    signed,
)


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer() as server:
        yield server


class Recorder:
    """Listeners that note what reached them."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.commands: list[str] = []
        self.actions: list[str] = []
        self.done = threading.Event()

    def register(self, app: App) -> None:
        @app.event("message")
        def on_message(event: dict[str, Any]) -> None:
            self.messages.append(event["text"])
            self.done.set()

        @app.command("/prep")
        def on_prep(ack: Any, command: dict[str, Any]) -> None:
            ack(text="Your next meetings: Board prep at 10:00")
            self.commands.append(command["text"])

        @app.action("prep_now")
        def on_action(ack: Any, body: dict[str, Any]) -> None:
            ack()
            self.actions.append(body["actions"][0]["value"])


def dispatch(app: App, body: str, content_type: str = "application/json", **extra: str) -> Any:
    raw, headers = signed(body, content_type=content_type, extra=extra)
    return app.dispatch(BoltRequest(body=raw.decode(), headers=headers))


def test_the_executive_reaches_the_listeners(slack: SlackApiServer) -> None:
    recorder = Recorder()
    app = make_app(slack.base_url, recorder.register, process_before_response=True)
    assert dispatch(app, event_body("Ev1", text="1. ship it")).status == 200
    assert dispatch(app, command_body("list"), FORM).status == 200
    assert recorder.messages == ["1. ship it"]
    assert recorder.commands == ["list"]


def test_an_allowed_user_reaches_the_listeners(slack: SlackApiServer) -> None:
    recorder = Recorder()
    app = make_app(
        slack.base_url, recorder.register, process_before_response=True, allowed=("UDELEGATE",)
    )
    dispatch(app, command_body("list", user="UDELEGATE"), FORM)
    assert recorder.commands == ["list"]


def test_a_stranger_gets_a_polite_refusal_that_names_no_meeting(slack: SlackApiServer) -> None:
    recorder = Recorder()
    app = make_app(slack.base_url, recorder.register, process_before_response=True)
    response = dispatch(app, command_body("list", user=STRANGER), FORM)
    assert response.status == 200
    reply = json.loads(response.body)
    assert reply["response_type"] == "ephemeral"
    assert "only help the person I work for" in reply["text"]
    assert "Board" not in response.body and "meeting" not in response.body.lower()
    assert recorder.commands == []


def test_a_strangers_button_click_is_refused_through_its_response_url(
    slack: SlackApiServer,
) -> None:
    recorder = Recorder()
    app = make_app(slack.base_url, recorder.register, process_before_response=True)
    body = action_body(user=STRANGER, response_url=slack.response_url("click"))
    assert dispatch(app, body, FORM).status == 200
    assert recorder.actions == []
    (refusal,) = slack.responses
    assert refusal.body["response_type"] == "ephemeral"
    assert refusal.body["replace_original"] is False
    assert "only help the person I work for" in refusal.body["text"]


def test_a_strangers_messages_are_dropped(slack: SlackApiServer) -> None:
    recorder = Recorder()
    app = make_app(slack.base_url, recorder.register, process_before_response=True)
    assert dispatch(app, event_body("Ev1", user=STRANGER)).status == 200
    assert recorder.messages == []
    assert slack.calls("chat.postMessage") == []


def test_a_retried_event_is_handled_once(slack: SlackApiServer) -> None:
    recorder = Recorder()
    app = make_app(slack.base_url, recorder.register, process_before_response=True)
    first = dispatch(app, event_body("Ev1", text="once"))
    retry = dispatch(
        app,
        event_body("Ev1", text="once"),
        **{"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"},
    )
    other = dispatch(app, event_body("Ev2", text="twice"))
    assert (first.status, retry.status, other.status) == (200, 200, 200)
    assert recorder.messages == ["once", "twice"]


def test_a_bad_signature_is_refused_before_any_listener(slack: SlackApiServer) -> None:
    recorder = Recorder()
    app = make_app(slack.base_url, recorder.register, process_before_response=True)
    raw, headers = signed(event_body("Ev1"), secret="not-the-secret")
    assert app.dispatch(BoltRequest(body=raw.decode(), headers=headers)).status == 401
    assert recorder.messages == []


def test_the_first_request_checks_the_token_once(slack: SlackApiServer) -> None:
    app = make_app(slack.base_url, Recorder().register, process_before_response=True)
    assert slack.calls("auth.test") == []  # built offline
    dispatch(app, event_body("Ev1"))
    dispatch(app, command_body(), FORM)
    assert len(slack.calls("auth.test")) == 1


def test_an_event_no_listener_takes_is_acknowledged(slack: SlackApiServer) -> None:
    """Else Bolt answers 404 and Slack sends it again (HTTP) or waits for an ack (Socket Mode)."""
    app = make_app(slack.base_url, Recorder().register, process_before_response=True)
    body = json.loads(event_body("EvHome"))
    body["event"] = {"type": "app_home_opened", "user": EXEC_USER, "channel": "DEXEC0001"}
    assert dispatch(app, json.dumps(body)).status == 200
