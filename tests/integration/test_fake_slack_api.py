"""The fake Slack Web API answers slack_sdk's WebClient as Slack does."""

from __future__ import annotations

import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from slack_api import SlackApiServer


@pytest.fixture
def slack() -> SlackApiServer:
    with SlackApiServer(ws_url="ws://127.0.0.1:1/socket") as server:
        yield server


def client_of(slack: SlackApiServer, token: str | None = None) -> WebClient:
    return WebClient(token=token or slack.bot_token, base_url=slack.base_url)


def test_a_dm_is_opened_posted_to_threaded_and_read_back_with_metadata(
    slack: SlackApiServer,
) -> None:
    client = client_of(slack)
    assert client.auth_test()["user_id"] == slack.bot_user_id
    dm = client.conversations_open(users="UEXEC001")["channel"]["id"]
    assert client.conversations_open(users="UEXEC001")["already_open"] is True
    metadata = {"event_type": "exec_assistant", "event_payload": {"key": "k1"}}
    root = client.chat_postMessage(channel=dm, text="hello", metadata=metadata)["ts"]
    client.chat_postMessage(channel=dm, text="reply", thread_ts=root)
    slack.post_as_user(dm, "answer", user="UEXEC001", thread_ts=root)
    client.chat_update(channel=dm, ts=root, text="hello again")

    history = client.conversations_history(channel=dm, include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["hello again"]
    assert history[0]["metadata"] == metadata
    assert "metadata" not in client.conversations_history(channel=dm)["messages"][0]
    replies = client.conversations_replies(channel=dm, ts=root)["messages"]
    assert [m["text"] for m in replies] == ["hello again", "reply", "answer"]
    assert [m["text"] for m in slack.messages_in(dm, root)] == ["hello again", "reply", "answer"]
    assert (
        slack.calls("chat.postMessage")[0].headers["authorization"] == f"Bearer {slack.bot_token}"
    )


def test_errors_come_as_slack_sends_them(slack: SlackApiServer) -> None:
    client = client_of(slack)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="CNOWHERE", text="x")
    assert caught.value.response["error"] == "channel_not_found"
    assert caught.value.response.status_code == 200
    with pytest.raises(SlackApiError) as caught:
        client_of(slack, "xoxb-wrong").auth_test()
    assert caught.value.response["error"] == "invalid_auth"
    slack.fail("auth.test", "missing_scope")
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response["error"] == "missing_scope"
    slack.revoke()
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response["error"] == "token_revoked"


def test_ratelimited_is_a_429_with_retry_after_that_the_sdk_honours(slack: SlackApiServer) -> None:
    client = client_of(slack)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    slack.fail("auth.test", "ratelimited", retry_after=1)
    started = time.monotonic()
    assert client.auth_test()["ok"] is True
    assert time.monotonic() - started >= 1
    assert len(slack.calls("auth.test")) == 2


def test_an_applied_failure_takes_effect_and_loses_only_the_answer(slack: SlackApiServer) -> None:
    client = client_of(slack)
    slack.add_channel("C1")
    slack.fail("chat.postMessage", "internal_error", applied=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x")
    assert [m["text"] for m in slack.messages_in("C1")] == ["x"]


def test_files_upload_v2_shares_the_bytes_into_the_thread(slack: SlackApiServer) -> None:
    client = client_of(slack)
    dm = client.conversations_open(users="UEXEC001")["channel"]["id"]
    root = client.chat_postMessage(channel=dm, text="pack")["ts"]
    client.files_upload_v2(
        channel=dm, thread_ts=root, filename="agenda.md", content="# Agenda\n", title="Agenda"
    )
    assert slack.uploaded() == [("agenda.md", b"# Agenda\n")]
    shared = slack.messages_in(dm, root)[-1]
    assert shared["files"][0]["name"] == "agenda.md"


def test_a_users_file_is_downloaded_only_with_the_bot_token(slack: SlackApiServer) -> None:
    client = client_of(slack)
    dm = client.conversations_open(users="UEXEC001")["channel"]["id"]
    file = slack.add_file(dm, "notes.txt", b"Decided: ship", user="UEXEC001")
    url = client.files_info(file=file["id"])["file"]["url_private_download"]
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {slack.bot_token}"})
    with urllib.request.urlopen(request) as answer:
        assert answer.read() == b"Decided: ship"
    with urllib.request.urlopen(url) as answer:
        assert answer.headers.get_content_type() == "text/html"


def test_views_are_checked_against_slacks_limits(slack: SlackApiServer) -> None:
    client = client_of(slack)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Prep"}, "blocks": []}
    opened = client.views_open(trigger_id="t1", view=view)["view"]
    client.views_update(
        view_id=opened["id"], view={**view, "title": {"type": "plain_text", "text": "Again"}}
    )
    assert slack.views()[0]["title"]["text"] == "Again"
    with pytest.raises(SlackApiError) as caught:
        client.views_open(
            trigger_id="t2", view={**view, "title": {"type": "plain_text", "text": "x" * 25}}
        )
    assert caught.value.response["error"] == "invalid_arguments"


def test_socket_mode_url_and_response_url(slack: SlackApiServer) -> None:
    assert (
        client_of(slack, slack.app_token).apps_connections_open(app_token=slack.app_token)["url"]
        == slack.ws_url
    )
    WebhookClient(slack.response_url("r9")).send(text="done", response_type="ephemeral")
    assert slack.responses[0].name == "r9"
    assert slack.responses[0].body["text"] == "done"
