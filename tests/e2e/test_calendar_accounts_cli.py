"""`calendars list` and `calendars remove` as a person runs them, with a Google account on
the fake Google Calendar API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli_user import ROOT, CliUser
from google_calendar_api import GoogleCalendarServer, event_item

START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)


@pytest.fixture
def google() -> Iterator[GoogleCalendarServer]:
    with GoogleCalendarServer(user="exec@northwind.example") as server:
        server.put_events(
            "primary", [event_item("e1", "Board prep", START, START + timedelta(hours=1))]
        )
        yield server


def _connected(tmp_path: Path, google: GoogleCalendarServer) -> tuple[CliUser, dict[str, str]]:
    user = CliUser(tmp_path, columns=80)
    folder = user.data / "credentials"
    folder.mkdir(parents=True, mode=0o700)
    path = folder / "google.json"
    path.write_text(json.dumps(google.authorization()), encoding="utf-8")
    path.chmod(0o600)
    env = {
        "EXEC_ASSISTANT_GOOGLE_API_ENDPOINT": google.api_endpoint,
        "EXEC_ASSISTANT_CREDENTIAL_STORE": "file",
        "EXEC_ASSISTANT_CALENDARS": f"google:primary,{ROOT / 'examples' / 'calendar.ics'}",
    }
    return user, env


def test_the_list_shows_each_calendar_its_kind_and_its_last_sync(
    tmp_path: Path, google: GoogleCalendarServer
) -> None:
    user, env = _connected(tmp_path, google)
    before = json.loads(user.ok("calendars", "list", "--json", **env))
    assert before[0] == {
        "calendar": "google:primary",
        "kind": "Google",
        "connected": True,
        "kept_in": f"the folder {user.data / 'credentials'}",
        "last_synced": None,
        "events": None,
    }
    assert before[1]["kind"] == "iCalendar file" and "connected" not in before[1]
    user.ok("sync", **env)
    shown = user.ok("calendars", "list", **env)
    assert "google:primary" in shown and "connected; synced" in shown and "1 event" in shown
    assert all(len(line) <= 80 for line in shown.splitlines())


def test_remove_forgets_the_account_and_its_sync_but_keeps_the_meetings(
    tmp_path: Path, google: GoogleCalendarServer
) -> None:
    user, env = _connected(tmp_path, google)
    user.ok("sync", **env)
    removed = user.ok("calendars", "remove", "google", **env)
    assert "Removed the google authorization" in removed
    assert "the last syncs of 1 calendar" in removed
    assert not (user.data / "credentials" / "google.json").exists()
    listed = json.loads(user.ok("calendars", "list", "--json", **env))
    assert listed[0]["connected"] is False and listed[0]["last_synced"] is None
    titles = [m["title"] for m in json.loads(user.ok("meetings", "--json", **env))]
    assert "Board prep" in titles
    again = user.ok("calendars", "remove", "google", **env)
    assert "nothing to remove" in again


def test_an_unknown_account_is_refused(tmp_path: Path) -> None:
    result = CliUser(tmp_path).run("calendars", "remove", "yahoo")
    assert result.returncode == 2
    assert "use google or microsoft" in result.stderr


def test_doctor_checks_the_account_its_scopes_its_clock_and_the_read(
    tmp_path: Path, google: GoogleCalendarServer
) -> None:
    user, env = _connected(tmp_path, google)
    result = user.run("doctor", "--json", **env)
    checks = {
        (c["integration"], c["check"]): c["status"] for c in json.loads(result.stdout)["checks"]
    }
    assert checks[("google:primary", "credentials")] == "ok"
    assert checks[("google:primary", "scopes")] == "ok"
    assert checks[("google:primary", "clock")] == "ok"
    assert checks[("google:primary", "reachable")] == "ok"


def test_doctor_says_how_to_connect_an_account_that_is_not(
    tmp_path: Path, google: GoogleCalendarServer
) -> None:
    user, env = _connected(tmp_path, google)
    (user.data / "credentials" / "google.json").unlink()
    result = user.run("doctor", "--json", **env)
    assert result.returncode == 1
    failed = [c for c in json.loads(result.stdout)["checks"] if c["status"] == "failed"]
    assert failed[0]["check"] == "credentials"
    assert "calendars add google" in failed[0]["fix"]
