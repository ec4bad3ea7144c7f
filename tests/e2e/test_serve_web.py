"""`exec-assistant serve --http-port 0` without Slack: the web page alone, as a user starts
it: the sign-in link printed once, the link works once, the page only with its cookie, and
Slack's path not served when Slack is not set up."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from cli_user import CliUser
from factories import LEADERS, stamp, vevent

LINK = re.compile(r"Web page: open (http://127\.0\.0\.1:\d+)/sign-in\?token=(\S+) to sign in")


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path)


def leadership_soon(user: CliUser) -> Path:
    start = datetime.now(UTC) + timedelta(minutes=110)
    return user.calendar(
        vevent(
            "lt@test",
            "Leadership team",
            stamp(start),
            stamp(start + timedelta(hours=1)),
            tz=None,
            attendees=LEADERS,
        )
    )


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    return process.communicate(timeout=30)


def test_serve_prints_a_one_time_sign_in_link_and_serves_the_fortnight(user: CliUser) -> None:
    calendar = leadership_soon(user)
    process = user.serve("--http-port", "0", EXEC_ASSISTANT_CALENDARS=str(calendar))
    try:
        assert process.stdout is not None
        found = None
        for line in process.stdout:
            found = LINK.search(line)
            if found:
                break
        assert found is not None, "no sign-in link printed"
        base, token = found.groups()
        with httpx.Client(base_url=base, timeout=10) as stranger:
            answer = stranger.get("/")
            assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
            assert stranger.post("/slack/events", content=b"{}").status_code == 403
        with httpx.Client(base_url=base, timeout=10) as browser:
            signed = browser.get(f"/sign-in?token={token}")
            assert signed.status_code == 303
            page = browser.get("/")
            for _ in range(50):  # the first sync may still be storing the meeting
                if "Leadership team" in page.text:
                    break
                page = browser.get("/")
            assert page.status_code == 200 and "Leadership team" in page.text
            assert "Times are in America/New_York." in page.text
        with httpx.Client(base_url=base, timeout=10) as second:
            assert second.get(f"/sign-in?token={token}").status_code == 403
        out, err = _stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Slack:" not in out
    assert "Stopped." in out


def test_serve_json_names_the_sign_in_link(user: CliUser) -> None:
    process = user.serve("--http-port", "0", "--json")
    try:
        assert process.stdout is not None
        event = None
        for line in process.stdout:
            event = json.loads(line)
            if event["kind"] == "web":
                break
        assert event is not None and event["kind"] == "web"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/sign-in\?token=\S+", event["sign_in_url"])
        _stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0


def test_serve_refuses_a_port_in_use_naming_it(user: CliUser) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = user.run("serve", "--http-port", str(port))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
