"""Connecting a Microsoft 365 account from the command line, then syncing its calendar: the
real `exec-assistant` process against the fake Graph and identity platform over HTTPS."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli_user import CliUser
from graph_calendar_api import OWNER, FakeEvent, GraphCalendarApi

START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)


@pytest.fixture
def graph() -> Iterator[GraphCalendarApi]:
    with GraphCalendarApi() as api:
        api.add_event(FakeEvent("ev1", "Board prep", START, START + timedelta(hours=1)))
        yield api


def _env(graph: GraphCalendarApi) -> dict[str, str]:
    return {
        "EXEC_ASSISTANT_MICROSOFT_GRAPH_ENDPOINT": graph.endpoint,
        "EXEC_ASSISTANT_MICROSOFT_AUTHORITY": graph.authority,
        "EXEC_ASSISTANT_MICROSOFT_CLIENT_ID": graph.client_id,
        "EXEC_ASSISTANT_CREDENTIAL_STORE": "file",
        "SSL_CERT_FILE": graph.ca_file,
        "EXEC_ASSISTANT_USER_EMAIL": OWNER[1],
    }


def test_sign_in_with_a_device_code_then_sync_the_account_calendar(
    tmp_path: Path, graph: GraphCalendarApi
) -> None:
    user = CliUser(tmp_path, columns=80)
    env = _env(graph)
    added = user.run("calendars", "add", "microsoft", **env)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "To sign in, open https://microsoft.com/devicelogin" in added.stdout
    assert "microsoft:primary" in added.stdout
    stored = user.data / "credentials" / "microsoft.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text(encoding="utf-8"))["refresh_token"]
    assert "refresh_token" not in added.stdout

    synced = user.run("sync", "--json", EXEC_ASSISTANT_CALENDARS="microsoft:primary", **env)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    meetings = json.loads(user.ok("meetings", "--json", **env))
    assert [m["title"] for m in meetings] == ["Board prep"]


def test_without_a_client_id_it_says_where_to_get_one(tmp_path: Path) -> None:
    result = CliUser(tmp_path).run("calendars", "add", "microsoft")
    assert result.returncode == 2
    assert "client id" in result.stderr and "Traceback" not in result.stderr
