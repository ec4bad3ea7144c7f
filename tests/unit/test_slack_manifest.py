"""The Slack app manifest: exactly what the assistant uses, filled in for HTTP or Socket Mode."""

from __future__ import annotations

import pytest

from exec_assistant.domain.errors import UsageError
from exec_assistant.slack.manifest import render_manifest

SCOPES = ["chat:write", "commands", "files:read", "files:write", "im:history", "im:write"]


def test_every_request_url_is_the_one_given() -> None:
    manifest = render_manifest(url="https://assistant.example.com")
    target = "https://assistant.example.com/slack/events"
    assert manifest["settings"]["event_subscriptions"]["request_url"] == target
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": target}
    (prep,) = manifest["features"]["slash_commands"]
    assert (prep["command"], prep["url"], prep["should_escape"]) == ("/prep", target, True)
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_a_url_with_a_path_keeps_it() -> None:
    manifest = render_manifest(url="https://abc.execute-api.us-east-1.amazonaws.com/prod/slack")
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/prod/slack")


def test_only_the_scopes_and_events_the_assistant_uses() -> None:
    manifest = render_manifest(url="https://a.example")
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        *SCOPES,
        "users:read",
        "users:read.email",
    ]
    assert "user" not in manifest["oauth_config"]["scopes"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["message.im"]


def test_socket_mode_has_no_request_url_anywhere() -> None:
    manifest = render_manifest(socket_mode=True)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "REQUEST_URL" not in repr(manifest)
    assert "url" not in repr(manifest).replace("_url", "")  # request_url keys are gone too
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example",
        "a.example",
        "https://",
        "https://user:pw@a.example",
        "https://a b.example",
        "https://a.example:99999",
        "javascript:alert(1)",
    ],
)
def test_a_url_slack_would_refuse_is_refused_with_the_fix(url: str) -> None:
    with pytest.raises(UsageError, match="is not an https URL"):
        render_manifest(url=url)


def test_url_and_socket_mode_are_exclusive() -> None:
    with pytest.raises(UsageError, match="either --url"):
        render_manifest(url="https://a.example", socket_mode=True)
    with pytest.raises(UsageError, match="either --url"):
        render_manifest()


def test_the_web_page_on_aws_adds_sign_in_with_slack() -> None:
    manifest = render_manifest(
        url="https://a.example", web_url="https://assistant.example.com/some/page"
    )
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://assistant.example.com/sign-in/slack/callback"
    ]
    assert manifest["oauth_config"]["scopes"]["user"] == ["openid", "profile", "email"]
    with pytest.raises(UsageError, match=r"--web-url 'http://a\.example' is not an https URL"):
        render_manifest(url="https://a.example", web_url="http://a.example")


def test_the_manifests_redirect_is_the_path_the_web_page_serves() -> None:
    from exec_assistant.slack.manifest import SIGN_IN_CALLBACK
    from exec_assistant.web.slack_sign_in import CALLBACK_PATH

    assert SIGN_IN_CALLBACK == CALLBACK_PATH
