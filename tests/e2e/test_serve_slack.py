"""`exec-assistant serve` with Slack, as a user runs it: configured by the environment, the
Web API a fake on 127.0.0.1, Slack's requests signed and sent to the port serve opened."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from exec_assistant.slack import blocks

from cli_user import CliUser
from slack_api import SlackApiServer
from slack_payloads import button, post, slash, text_values, view_submission
from slack_requests import EXEC_USER, SIGNING_SECRET

PRIORITIES = "What are your top priorities for the team this week?"


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path)


@pytest.fixture
def api() -> Iterator[SlackApiServer]:
    with SlackApiServer() as server:
        yield server


def slack_env(api: SlackApiServer, calendar: Path) -> dict[str, str]:
    return {
        "EXEC_ASSISTANT_CALENDARS": str(calendar),
        "EXEC_ASSISTANT_SLACK_USER_ID": EXEC_USER,
        "EXEC_ASSISTANT_SLACK_API_URL": api.base_url,
        "SLACK_BOT_TOKEN": api.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }


def leadership_soon(user: CliUser) -> Path:
    """The leadership meeting in 110 minutes: its prep is due at once."""
    return user.leadership_calendar(starts_in=timedelta(minutes=110))


def wait(check: object, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_serve_http_port_takes_slack_through_a_whole_prep(
    user: CliUser, api: SlackApiServer
) -> None:
    calendar = leadership_soon(user)
    process = user.serve("--http-port", "0", **slack_env(api, calendar))
    try:
        assert process.stdout is not None
        port = None
        for line in process.stdout:
            found = re.search(r"POST http://127\.0\.0\.1:(\d+)/slack/events", line)
            if found:
                port = int(found.group(1))
                break
        assert port is not None
        dm = api.dm_of(EXEC_USER)
        wait(lambda: api.messages_in(dm), "the prep notification")
        [root] = api.messages_in(dm)
        meeting_id = root["blocks"][-1]["elements"][0]["value"]
        status, _ = post(
            port,
            button(
                EXEC_USER,
                blocks.ACTION_PREP_NOW,
                meeting_id,
                channel=dm,
                message_ts=root["ts"],
                response_url=api.response_url("e2e"),
            ),
        )
        assert status == 200
        wait(lambda: api.views(), "the questions form")
        view = api.views()[0]
        status, _ = post(
            port, view_submission(EXEC_USER, view, text_values({"q1": "Ship it"}, view))
        )
        assert status == 200
        wait(lambda: api.uploaded(), "the pack in the thread")
        status, body = post(port, slash(EXEC_USER, "list", response_url=api.response_url("c")))
        assert status == 200 and "Leadership team" in body
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "Ship it" in api.uploaded()[0][1].decode()
    assert "Stopped." in out


def test_serve_refuses_a_way_of_serving_slack_it_has_no_credentials_for(
    user: CliUser, api: SlackApiServer
) -> None:
    calendar = leadership_soon(user)
    env = slack_env(api, calendar)
    no_secret = {**env, "SLACK_SIGNING_SECRET": ""}
    result = user.run("serve", "--http-port", "0", **no_secret)
    assert result.returncode == 2
    assert "--http-port needs SLACK_SIGNING_SECRET" in result.stderr
    result = user.run("serve", "--socket-mode", **env)
    assert result.returncode == 2 and "--socket-mode needs SLACK_APP_TOKEN" in result.stderr
    unconfigured = {k: "" for k in env if k.startswith(("SLACK", "EXEC_ASSISTANT_SLACK"))}
    result = user.run("serve", "--socket-mode", **unconfigured)
    assert result.returncode == 2
    assert "Slack is not configured" in result.stderr and "slack manifest" in result.stderr
    assert "Traceback" not in result.stderr
    assert api.calls("chat.postMessage") == []


def test_serve_with_slack_and_no_calendar_still_serves_slack(
    user: CliUser, api: SlackApiServer
) -> None:
    env = slack_env(api, Path("unused"))
    del env["EXEC_ASSISTANT_CALENDARS"]
    process = user.serve("--http-port", "0", **env)
    try:
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Slack: taking requests"):
                break
        assert any("No calendars configured" in line for line in seen), seen
        found = re.search(r":(\d+)/slack/events", seen[-1])
        assert found is not None
        status, body = post(
            int(found.group(1)), slash(EXEC_USER, "help", response_url=api.response_url("h"))
        )
        assert status == 200 and "list" in body
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
