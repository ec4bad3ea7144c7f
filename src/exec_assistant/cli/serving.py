"""What `serve` serves besides the preps: the web page and Slack's requests on an HTTP port,
Slack over Socket Mode; checked before anything starts, served for as long as `serve` runs."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from threading import Event

from starlette.routing import Route

from exec_assistant.adapters.local.session_key import session_key
from exec_assistant.adapters.local.web_address import forget_web_address, record_web_address
from exec_assistant.bootstrap import (
    LocalApp,
    PrepRuntime,
    SlackSetup,
    build_slack_app_for,
    build_web_site,
    sign_in_links,
)
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.sign_in_links import SERVE_LINK_LIFETIME
from exec_assistant.ports import SecretStore

SETUP_HINT = (
    "Set SLACK_BOT_TOKEN and EXEC_ASSISTANT_SLACK_USER_ID (and SLACK_SIGNING_SECRET for "
    "--http-port, SLACK_APP_TOKEN for --socket-mode); 'exec-assistant slack manifest' prints "
    "the Slack app to create, and 'exec-assistant config check' shows what is set."
)


@dataclass(frozen=True)
class Serving:
    """How `serve` takes requests: the web page (and Slack's, when Slack is configured) on
    an HTTP port, Slack's over Socket Mode, or both."""

    http_port: int | None = None
    host: str = "127.0.0.1"
    socket_mode: bool = False

    @property
    def wanted(self) -> bool:
        return self.http_port is not None or self.socket_mode

    def check(self, slack: SlackSetup | None) -> None:
        """Refuse, before anything starts, a way of serving Slack whose credentials are
        missing, naming the one to set. The web page needs none."""
        if self.socket_mode and slack is None:
            raise ConfigError(
                "--socket-mode serves Slack, and Slack is not configured", hint=SETUP_HINT
            )
        if self.http_port is not None and slack is not None and not slack.signing_secret:
            raise ConfigError(
                "--http-port needs SLACK_SIGNING_SECRET: every request from Slack is checked "
                "against it",
                hint="Copy it from your Slack app's Basic Information → App Credentials.",
            )
        if self.socket_mode and slack is not None and not slack.app_token:
            raise ConfigError(
                "--socket-mode needs SLACK_APP_TOKEN (an app-level token, xapp-..., with "
                "connections:write)",
                hint="Create one under your Slack app's Basic Information → App-Level Tokens.",
            )


@dataclass(frozen=True)
class Served:
    slack_url: str | None
    """Where Slack's requests are taken over HTTP (POST), when they are."""
    sign_in_url: str | None
    """The web page's one-time sign-in link (for a day), when the web page is served."""
    socket_mode: bool


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@contextmanager
def serving_requests(
    serving: Serving,
    local: LocalApp,
    runtime: PrepRuntime,
    slack: SlackSetup | None,
    secrets: SecretStore,
) -> Iterator[Served]:
    """Serve as asked until the block ends."""
    from exec_assistant.slack.http_endpoint import bind_http_socket, run_http_endpoint
    from exec_assistant.web.app import WebServing, build_web_app, freeze_startup_objects
    from exec_assistant.web.cookies import SessionCookies
    from exec_assistant.web.guard import loopback_hosts
    from exec_assistant.web.sign_in import LinkSignIn

    app = build_slack_app_for(local, runtime, slack, secrets) if slack is not None else None
    done = Event()
    endpoint = None
    runner = None
    sign_in_url = None
    recorded = False
    try:
        if serving.http_port is not None:
            sock = bind_http_socket(serving.host, serving.http_port)
            port = int(sock.getsockname()[1])
            slack_routes: list[Route] = []
            if app is not None:
                from exec_assistant.slack.http_endpoint import slack_routes as routes_of

                max_body = local.settings.slack_max_body_kb * 1024
                slack_routes = [
                    r for r in routes_of(app, max_body_bytes=max_body) if isinstance(r, Route)
                ]
            links = sign_in_links(local.data.path)
            web = build_web_app(
                build_web_site(local, runtime, secrets),
                LinkSignIn(links),
                SessionCookies(session_key(local.data.path)),
                WebServing(
                    allowed_hosts=(
                        loopback_hosts(port, serving.host) if _is_loopback(serving.host) else None
                    ),
                    cross_origin_routes=slack_routes,
                ),
            )
            freeze_startup_objects()
            endpoint = run_http_endpoint(web, serving.host, port, done, sock=sock)
            shown = endpoint.url if _is_loopback(serving.host) else f"http://127.0.0.1:{port}"
            record_web_address(local.data.path, shown)
            recorded = True
            sign_in_url = f"{shown}/sign-in?token={links.issue(SERVE_LINK_LIFETIME).token}"
        if serving.socket_mode:
            assert app is not None and slack is not None and slack.app_token is not None
            from exec_assistant.slack.socket_mode import run_socket_mode

            runner = run_socket_mode(app, slack.app_token, done)
        yield Served(
            slack_url=f"{endpoint.url}/slack/events" if endpoint and app else None,
            sign_in_url=sign_in_url,
            socket_mode=runner is not None,
        )
    finally:
        done.set()
        if recorded:
            forget_web_address(local.data.path)
        if runner is not None:
            runner.stop()
        if endpoint is not None:
            endpoint.join(2)
