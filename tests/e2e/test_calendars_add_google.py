"""Connecting a Google account from the command line, then syncing its calendar: the real
`exec-assistant` process against the fake Google; an HTTP client opens the consent address
it prints, in the browser's place."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli_user import CliUser
from google_calendar_api import GoogleCalendarServer, event_item

EXEC = "exec@northwind.example"
TEAM = "team-7f3a@group.calendar.google.com"
START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)


@pytest.fixture
def google() -> Iterator[GoogleCalendarServer]:
    with GoogleCalendarServer(user=EXEC) as server:
        server.add_calendar(TEAM, summary="Leadership team", time_zone="Europe/London")
        server.put_events(
            "primary", [event_item("b1", "Board prep", START, START + timedelta(hours=1))]
        )
        yield server


def _env(google: GoogleCalendarServer) -> dict[str, str]:
    return {
        "EXEC_ASSISTANT_GOOGLE_API_ENDPOINT": google.url,
        "EXEC_ASSISTANT_CREDENTIAL_STORE": "file",
        "EXEC_ASSISTANT_USER_EMAIL": EXEC,
        # oauthlib's own switch: the fake token endpoint is http on 127.0.0.1.
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
    }


def _start_adding(
    user: CliUser, google: GoogleCalendarServer, secrets: Path
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        user.command(
            "calendars", "add", "google", "--client-secrets", str(secrets), "--no-browser"
        ),
        env={**user.env, **_env(google)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _consent_address(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("http"):
            return line.strip()
    raise AssertionError("no address printed: " + (process.stderr.read() if process.stderr else ""))


@pytest.fixture
def secrets(google: GoogleCalendarServer, tmp_path: Path) -> Path:
    return google.client_secrets_file(tmp_path)


def test_connect_the_account_then_sync_its_calendar(
    tmp_path: Path, google: GoogleCalendarServer, secrets: Path
) -> None:
    user = CliUser(tmp_path, columns=80)
    process = _start_adding(user, google, secrets)
    address = _consent_address(process)
    assert address.startswith(google.auth_uri)
    with urllib.request.urlopen(address, timeout=10) as page:  # consent, and back
        assert "exec-assistant may now read your calendars" in page.read().decode()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, out + err
    assert f"Connected the Google account {EXEC}" in out
    assert f"google:{EXEC}" in out and f"google:{TEAM}" in out
    stored = user.data / "credentials" / "google.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text(encoding="utf-8"))["refresh_token"]
    assert "refresh_token" not in out + err and "Traceback" not in err

    synced = user.run("sync", "--json", EXEC_ASSISTANT_CALENDARS="google:primary", **_env(google))
    assert synced.returncode == 0, synced.stdout + synced.stderr
    meetings = json.loads(user.ok("meetings", "--json", **_env(google)))
    assert [(m["title"], m["calendar_id"]) for m in meetings] == [("Board prep", f"google:{EXEC}")]
    before = google.count("events")
    user.ok("sync", EXEC_ASSISTANT_CALENDARS="google:primary", **_env(google))
    assert google.count("events") == before + 1  # unchanged: one request


def test_ctrl_c_while_waiting_for_the_browser_stores_nothing(
    tmp_path: Path, google: GoogleCalendarServer, secrets: Path
) -> None:
    user = CliUser(tmp_path)
    process = _start_adding(user, google, secrets)
    _consent_address(process)
    os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, out + err
    assert "nothing was stored" in err and "Traceback" not in err
    assert not (user.data / "credentials" / "google.json").exists()


def test_a_missing_client_secrets_file_is_named(tmp_path: Path) -> None:
    result = CliUser(tmp_path).run(
        "calendars", "add", "google", "--client-secrets", str(tmp_path / "nope.json")
    )
    assert result.returncode == 2
    assert "no client secrets file" in result.stderr and "Desktop app" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_lapsed_authorization_is_one_clear_line_and_keeps_the_meetings(
    tmp_path: Path, google: GoogleCalendarServer
) -> None:
    user = CliUser(tmp_path)
    folder = user.data / "credentials"
    folder.mkdir(parents=True)
    (folder / "google.json").write_text(json.dumps(google.authorization(expired=True)))
    folder.chmod(0o700)
    (folder / "google.json").chmod(0o600)
    env = {**_env(google), "EXEC_ASSISTANT_CALENDARS": "google:primary"}
    user.ok("sync", **env)
    google.revoke_refresh_tokens()

    result = user.run("sync", **env)

    assert "the Google authorization expired or was revoked" in result.stdout + result.stderr
    assert "exec-assistant calendars add google" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    meetings = json.loads(user.ok("meetings", "--json", **env))
    assert [m["title"] for m in meetings] == ["Board prep"]
