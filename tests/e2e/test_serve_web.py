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

LINK = re.compile(r"Web page: open (http://127\.0\.0\.1:\d+)/sign-in\?token=(\S+) to sign in")


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path)


def leadership_soon(user: CliUser) -> Path:
    """The leadership meeting in 110 minutes: its prep is due at once."""
    return user.leadership_calendar(starts_in=timedelta(minutes=110))


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


NEW_LINK = re.compile(
    r"Open (http://127\.0\.0\.1:\d+)/sign-in\?token=(\S+) to sign in: it works once, "
    r"within 5 minutes \(until \w{3} \d\d \w{3} \d\d:\d\d America/New_York\)\."
)


def _printed_link(process: subprocess.Popen[str]) -> tuple[str, str]:
    assert process.stdout is not None
    for line in process.stdout:
        found = LINK.search(line)
        if found:
            return found.group(1), found.group(2)
    raise AssertionError("no sign-in link printed")


def test_sign_in_link_makes_another_link_for_the_running_serve(user: CliUser) -> None:
    process = user.serve("--http-port", "0")
    try:
        base, printed = _printed_link(process)
        result = user.run("sign-in-link", "--minutes", "5")
        assert result.returncode == 0, result.stderr
        made = NEW_LINK.search(result.stdout)
        assert made is not None, result.stdout
        assert made.group(1) == base and made.group(2) != printed
        token = made.group(2)
        with httpx.Client(base_url=base, timeout=10) as phone:
            assert phone.get(f"/sign-in?token={token}").status_code == 303
            assert phone.get("/").status_code == 200
        with httpx.Client(base_url=base, timeout=10) as another:
            assert another.get(f"/sign-in?token={token}").status_code == 403
            # The link printed at the start still works, once.
            assert another.get(f"/sign-in?token={printed}").status_code == 303
        listed = user.json("sign-in-link")
        assert listed["sign_in_url"].startswith(f"{base}/sign-in?token=")
        expires = datetime.fromisoformat(listed["expires_at"]) - datetime.now(UTC)
        assert timedelta(minutes=14) < expires <= timedelta(minutes=15)
        _stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    stopped = user.run("sign-in-link")
    assert stopped.returncode == 2 and "no web page is served" in stopped.stderr


def test_sign_in_link_without_a_web_page_says_how_to_serve_one(user: CliUser) -> None:
    nothing = user.run("sign-in-link")
    assert nothing.returncode == 2, nothing.stderr
    assert "no web page is served from data folder" in nothing.stderr
    assert "exec-assistant serve --http-port 8080" in nothing.stderr
    assert "Traceback" not in nothing.stderr

    process = _serving_without_the_page(user)
    try:
        refused = user.run("sign-in-link")
        assert refused.returncode == 2, refused.stderr
        assert "serves no web page" in refused.stderr and "--http-port" in refused.stderr
    finally:
        _stop(process)


def _serve_killed_once_serving(user: CliUser) -> None:
    """`serve --http-port` killed outright once its link is printed: nothing cleaned up."""
    process = user.serve("--http-port", "0")
    try:
        _printed_link(process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()


def _serving_without_the_page(user: CliUser) -> subprocess.Popen[str]:
    process = user.serve()
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Serving from"):  # the data folder is held by now
            break
    return process


def test_a_serve_killed_outright_leaves_no_link_to_be_made(user: CliUser) -> None:
    _serve_killed_once_serving(user)
    result = user.run("sign-in-link")
    assert result.returncode == 2 and "no web page is served" in result.stderr


def test_a_serve_killed_outright_then_started_without_the_page_makes_no_link(
    user: CliUser,
) -> None:
    _serve_killed_once_serving(user)
    assert (user.data / "web-address.json").exists()  # what it could not remove
    plain = _serving_without_the_page(user)
    try:
        refused = user.run("sign-in-link")
        assert refused.returncode == 2, refused.stdout
        assert "serves no web page" in refused.stderr and "http://" not in refused.stdout
    finally:
        _stop(plain)


def test_the_links_of_a_serve_before_do_not_work_on_the_next(user: CliUser) -> None:
    first = user.serve("--http-port", "0")
    try:
        _, printed = _printed_link(first)
        made = user.json("sign-in-link")["sign_in_url"]
        _stop(first)
    finally:
        if first.poll() is None:
            first.kill()
    second = user.serve("--http-port", "0")
    try:
        base, fresh = _printed_link(second)
        (link,) = (user.data / "sign-in-links").iterdir()  # the new serve's own link alone
        lasts = datetime.fromisoformat(link.read_text()) - datetime.now(UTC)
        assert timedelta(hours=23, minutes=59) < lasts <= timedelta(hours=24)
        with httpx.Client(base_url=base, timeout=10) as browser:
            for old in (printed, made.rsplit("=", 1)[1]):
                assert browser.get(f"/sign-in?token={old}").status_code == 403
            assert browser.get(f"/sign-in?token={fresh}").status_code == 303
    finally:
        _stop(second)


def test_sign_in_link_refuses_a_lifetime_out_of_range(user: CliUser) -> None:
    for minutes in ("0", "1441", "soon"):
        result = user.run("sign-in-link", "--minutes", minutes)
        assert result.returncode == 2, result.stdout
        assert "--minutes" in result.stderr


def test_serve_on_another_loopback_address_answers_its_own_link(user: CliUser) -> None:
    process = user.serve("--http-port", "0", "--host", "127.0.0.2")
    try:
        assert process.stdout is not None
        found = None
        for line in process.stdout:
            found = re.search(
                r"Web page: open (http://127\.0\.0\.2:\d+)/sign-in\?token=(\S+) ", line
            )
            if found:
                break
        assert found is not None, "no sign-in link on 127.0.0.2 printed"
        base, token = found.groups()
        with httpx.Client(base_url=base, timeout=10) as browser:
            assert browser.get(f"/sign-in?token={token}").status_code == 303
            assert browser.get("/").status_code == 200
    finally:
        _stop(process)
