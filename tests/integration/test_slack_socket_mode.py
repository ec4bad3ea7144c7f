"""Socket Mode against a local WebSocket server speaking Slack's envelope protocol: hello,
envelopes for events, interactivity and slash commands, the client's acks by envelope_id,
and a `disconnect` that makes the client fetch a new URL and reconnect."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App

from exec_assistant.domain.errors import ConfigError
from exec_assistant.slack.socket_mode import SocketModeRunner, run_socket_mode

from slack_api import APP_TOKEN, SlackApiServer
from slack_requests import EXEC_USER, STRANGER, make_app
from socket_mode_server import SocketModeServer


def events_api(envelope_id: str, event_id: str, text: str, user: str = EXEC_USER) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": {
            "type": "event_callback",
            "team_id": "TFAKE001",
            "event_id": event_id,
            "event": {
                "type": "message",
                "channel": "DEXEC0001",
                "user": user,
                "text": text,
                "ts": "1.0",
            },
        },
    }


def slash_command(envelope_id: str, text: str, user: str = EXEC_USER) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "command": "/prep",
            "text": text,
            "user_id": user,
            "team_id": "TFAKE001",
            "channel_id": "DEXEC0001",
            "response_url": "http://127.0.0.1:9/respond",
            "trigger_id": "1.2.3",
        },
    }


def interactive(envelope_id: str, user: str = EXEC_USER) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "interactive",
        "accepts_response_payload": False,
        "payload": {
            "type": "block_actions",
            "team": {"id": "TFAKE001"},
            "user": {"id": user},
            "trigger_id": "1.2.3",
            "actions": [
                {"action_id": "prep_now", "block_id": "b", "value": "m1", "type": "button"}
            ],
        },
    }


class Recorded:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.commands: list[str] = []
        self.actions: list[str] = []

    def register(self, app: App) -> None:
        @app.event("message")
        def on_message(event: dict[str, Any]) -> None:
            self.messages.append(event["text"])

        @app.command("/prep")
        def on_prep(ack: Any, command: dict[str, Any]) -> None:
            ack(text=f"you said {command['text']}")
            self.commands.append(command["text"])

        @app.action("prep_now")
        def on_action(ack: Any, body: dict[str, Any]) -> None:
            ack()
            self.actions.append(body["actions"][0]["value"])


@pytest.fixture
def connected() -> Iterator[tuple[SocketModeServer, SlackApiServer, Recorded, SocketModeRunner]]:
    recorded = Recorded()
    with SocketModeServer() as ws, SlackApiServer() as slack:
        slack.ws_url = ws.url
        app = make_app(slack.base_url, recorded.register)
        stop = threading.Event()
        runner = run_socket_mode(app, APP_TOKEN, stop)
        try:
            yield ws, slack, recorded, runner
        finally:
            stop.set()
            _eventually(lambda: not runner.connected)


def test_envelopes_of_each_kind_are_acked_and_handled(
    connected: tuple[SocketModeServer, SlackApiServer, Recorded, SocketModeRunner],
) -> None:
    ws, slack, recorded, runner = connected
    assert runner.connected
    assert [
        c.params.get("token") or c.headers.get("Authorization")
        for c in slack.calls("apps.connections.open")
    ]
    ws.send(events_api("env-1", "Ev1", "hello there"))
    assert ws.ack() == {"envelope_id": "env-1"}
    ws.send(slash_command("env-2", "list"))
    assert ws.ack() == {"envelope_id": "env-2", "payload": {"text": "you said list"}}
    ws.send(interactive("env-3"))
    assert ws.ack() == {"envelope_id": "env-3"}
    _eventually(lambda: recorded.messages == ["hello there"])
    assert recorded.commands == ["list"]
    assert recorded.actions == ["m1"]


def test_a_redelivered_event_is_handled_once(
    connected: tuple[SocketModeServer, SlackApiServer, Recorded, SocketModeRunner],
) -> None:
    ws, _, recorded, _ = connected
    ws.send(events_api("env-1", "Ev5", "once"))
    ws.ack()
    retry = events_api("env-2", "Ev5", "once")
    retry["retry_attempt"] = 1
    ws.send(retry)
    assert ws.ack() == {"envelope_id": "env-2"}
    time.sleep(0.2)
    assert recorded.messages == ["once"]


def test_a_stranger_is_refused_in_socket_mode_too(
    connected: tuple[SocketModeServer, SlackApiServer, Recorded, SocketModeRunner],
) -> None:
    ws, _, recorded, _ = connected
    ws.send(slash_command("env-1", "list", user=STRANGER))
    ack = ws.ack()
    assert ack["envelope_id"] == "env-1"
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "only help the person I work for" in ack["payload"]["text"]
    assert recorded.commands == []


def test_a_disconnect_makes_the_client_reconnect_to_a_new_url(
    connected: tuple[SocketModeServer, SlackApiServer, Recorded, SocketModeRunner],
) -> None:
    ws, slack, recorded, runner = connected
    slack.ws_url = ws.url  # the next URL Slack hands out
    ws.send({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "x"}})
    _eventually(lambda: len(ws.connections) == 2)
    assert len(slack.calls("apps.connections.open")) == 2
    assert ws.paths[1].endswith("ticket=t1")
    _eventually(lambda: runner.connected)
    ws.send(events_api("env-9", "Ev9", "after refresh"), connection=1)
    assert ws.ack() == {"envelope_id": "env-9"}
    _eventually(lambda: recorded.messages == ["after refresh"])


def test_stopping_closes_the_connection_promptly() -> None:
    with SocketModeServer() as ws, SlackApiServer() as slack:
        slack.ws_url = ws.url
        app = make_app(slack.base_url, lambda app: None)
        runner = SocketModeRunner(app, APP_TOKEN)
        runner.start()
        assert runner.connected
        started = time.monotonic()
        runner.stop()
        runner.stop()  # twice is fine
        assert time.monotonic() - started < 4  # the builtin client reads with a 3 s timeout
        assert not runner.connected
        _eventually(lambda: all(c.state.name == "CLOSED" for c in ws.connections))


def test_an_app_token_slack_refuses_is_reported_without_the_token() -> None:
    with SlackApiServer() as slack:
        app = make_app(slack.base_url, lambda app: None)
        with pytest.raises(ConfigError, match="invalid_auth") as refused:
            SocketModeRunner(app, "xapp-1-not-the-token").start()
    assert "xapp-1-not-the-token" not in str(refused.value)


def test_a_bot_token_given_as_the_app_token_is_refused_with_the_fix() -> None:
    with SlackApiServer() as slack:
        app = make_app(slack.base_url, lambda app: None)
        with pytest.raises(ConfigError, match="xapp-"):
            SocketModeRunner(app, "xoxb-1-bot-token")


def _eventually(check: Any, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
