"""The Slack app manifest (slack/manifest.yaml), filled in for HTTP or for Socket Mode."""

from __future__ import annotations

from importlib.resources import files
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import yaml

from exec_assistant.domain.errors import UsageError
from exec_assistant.slack.http_endpoint import SLACK_EVENTS_PATH

_PLACEHOLDER = "REQUEST_URL"


def manifest_template() -> dict[str, Any]:
    text = files("exec_assistant.slack").joinpath("manifest.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _https_base(url: str, option: str) -> str:
    """`https://host[:port]` of an https URL, or a UsageError naming `option`."""
    parts = _https_parts(url, option)
    return urlunsplit(("https", parts.netloc, "", "", ""))


def request_url(url: str) -> str:
    """Where Slack sends requests: `https://host` gets /slack/events; a URL that names a
    path keeps it. Only https (Slack refuses http request URLs), with a host."""
    parts = _https_parts(url, "--url")
    path = parts.path if parts.path not in ("", "/") else SLACK_EVENTS_PATH
    return urlunsplit(("https", parts.netloc, path, parts.query, ""))


def _https_parts(url: str, option: str) -> SplitResult:
    value = url.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme != "https"
        or not parts.hostname
        or parts.username is not None
        or any(ch.isspace() or not ch.isprintable() for ch in value)
    ):
        raise UsageError(
            f"{option} {value[:80]!r} is not an https URL; Slack sends requests only to "
            f"https, e.g. {option} https://assistant.example.com"
            + (" (or use --socket-mode)" if option == "--url" else "")
        )
    return parts


SIGN_IN_SCOPES = ["openid", "profile", "email"]
SIGN_IN_CALLBACK = "/sign-in/slack/callback"
"""Where Slack sends the browser back after Sign in with Slack (web.slack_sign_in)."""


def render_manifest(
    *, url: str | None = None, socket_mode: bool = False, web_url: str | None = None
) -> dict[str, Any]:
    """The manifest with every request URL set to `url`, or for Socket Mode: socket mode on
    and no request URL anywhere (Slack sends everything over the WebSocket). With `web_url`
    (the web page on AWS), Sign in with Slack too: its redirect URL and user scopes."""
    if socket_mode == (url is not None):
        raise UsageError("give either --url https://… or --socket-mode")
    manifest = manifest_template()
    if web_url is not None:
        base = _https_base(web_url, "--web-url")
        manifest["oauth_config"]["redirect_urls"] = [base + SIGN_IN_CALLBACK]
        manifest["oauth_config"]["scopes"]["user"] = list(SIGN_IN_SCOPES)
    settings = manifest["settings"]
    commands = manifest["features"]["slash_commands"]
    if socket_mode:
        settings["socket_mode_enabled"] = True
        del settings["event_subscriptions"]["request_url"]
        del settings["interactivity"]["request_url"]
        for command in commands:
            del command["url"]
        return manifest
    assert url is not None
    target = request_url(url)
    settings["event_subscriptions"]["request_url"] = target
    settings["interactivity"]["request_url"] = target
    for command in commands:
        command["url"] = target
    return manifest


def manifest_yaml(manifest: dict[str, Any]) -> str:
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)
