"""Slack in `serve`: which ways of serving the App were asked for, checked before anything
starts, and the App served that way for as long as `serve` runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from threading import Event

from exec_assistant.bootstrap import LocalApp, PrepRuntime, SlackSetup, build_slack_app_for
from exec_assistant.domain.errors import ConfigError
from exec_assistant.ports import SecretStore

SETUP_HINT = (
    "Set SLACK_BOT_TOKEN and EXEC_ASSISTANT_SLACK_USER_ID (and SLACK_SIGNING_SECRET for "
    "--http-port, SLACK_APP_TOKEN for --socket-mode); 'exec-assistant slack manifest' prints "
    "the Slack app to create, and 'exec-assistant config check' shows what is set."
)


@dataclass(frozen=True)
class SlackServing:
    """How `serve` takes Slack's requests: on an HTTP port, over Socket Mode, or both."""

    http_port: int | None = None
    host: str = "127.0.0.1"
    socket_mode: bool = False

    @property
    def wanted(self) -> bool:
        return self.http_port is not None or self.socket_mode

    def check(self, slack: SlackSetup | None) -> None:
        """Refuse, before anything starts, a way of serving Slack whose credentials are
        missing, naming the one to set."""
        if not self.wanted:
            return
        if slack is None:
            flag = "--http-port" if self.http_port is not None else "--socket-mode"
            raise ConfigError(f"{flag} serves Slack, and Slack is not configured", hint=SETUP_HINT)
        if self.http_port is not None and not slack.signing_secret:
            raise ConfigError(
                "--http-port needs SLACK_SIGNING_SECRET: every request from Slack is checked "
                "against it",
                hint="Copy it from your Slack app's Basic Information → App Credentials.",
            )
        if self.socket_mode and not slack.app_token:
            raise ConfigError(
                "--socket-mode needs SLACK_APP_TOKEN (an app-level token, xapp-..., with "
                "connections:write)",
                hint="Create one under your Slack app's Basic Information → App-Level Tokens.",
            )


@dataclass(frozen=True)
class SlackServed:
    url: str | None
    """Where Slack's requests are taken over HTTP (POST), when they are."""
    socket_mode: bool


@contextmanager
def serving_slack(
    serving: SlackServing,
    local: LocalApp,
    runtime: PrepRuntime,
    slack: SlackSetup,
    secrets: SecretStore,
) -> Iterator[SlackServed]:
    """Serve the App as asked until the block ends."""
    from exec_assistant.slack.http_endpoint import run_http_endpoint, slack_asgi_app
    from exec_assistant.slack.socket_mode import run_socket_mode

    app = build_slack_app_for(local, runtime, slack, secrets)
    done = Event()
    endpoint = None
    runner = None
    try:
        if serving.http_port is not None:
            asgi = slack_asgi_app(app, max_body_bytes=local.settings.slack_max_body_kb * 1024)
            endpoint = run_http_endpoint(asgi, serving.host, serving.http_port, done)
        if serving.socket_mode:
            assert slack.app_token is not None  # checked by SlackServing.check
            runner = run_socket_mode(app, slack.app_token, done)
        yield SlackServed(
            url=f"{endpoint.url}/slack/events" if endpoint is not None else None,
            socket_mode=runner is not None,
        )
    finally:
        done.set()
        if runner is not None:
            runner.stop()
        if endpoint is not None:
            endpoint.join(2)
