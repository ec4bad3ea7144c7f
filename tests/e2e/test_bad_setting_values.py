"""Settings with values that pass a type check but make no sense (infinity, an empty
variable, a URL that cannot be parsed) are refused in words, before anything runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_user import CliUser


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path, columns=200)


@pytest.mark.parametrize(
    "variable",
    [
        "EXEC_ASSISTANT_SERVE_TICK_SECONDS",
        "EXEC_ASSISTANT_CALENDAR_POLL_HOURS",
        "EXEC_ASSISTANT_CALENDAR_MAX_MB",
        "EXEC_ASSISTANT_HTTP_TIMEOUT_SECONDS",
        "EXEC_ASSISTANT_PROVIDER_TIMEOUT_SECONDS",
    ],
)
def test_an_infinite_setting_is_refused_as_a_usage_error(user: CliUser, variable: str) -> None:
    checked = user.run("config", "check", **{variable: "inf"})
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert variable in checked.stderr
    assert "Traceback" not in checked.stderr


def test_serve_with_an_infinite_tick_does_not_die_with_a_traceback(user: CliUser) -> None:
    served = user.run("serve", EXEC_ASSISTANT_SERVE_TICK_SECONDS="inf")
    assert "Traceback" not in served.stderr, served.stderr
    assert served.returncode == 2, served.stdout + served.stderr


def test_sync_with_an_unparsable_calendar_url_says_so_without_a_traceback(user: CliUser) -> None:
    synced = user.run("sync", "--json", EXEC_ASSISTANT_CALENDARS="https://u:pw@[::1/cal.ics")
    assert "Traceback" not in synced.stderr, synced.stderr
    assert synced.returncode in (1, 2), synced.stdout + synced.stderr
    assert "[::1" in synced.stdout + synced.stderr
    if synced.stdout:
        json.loads(synced.stdout)


def test_an_empty_data_folder_variable_does_not_put_the_databases_in_the_current_folder(
    user: CliUser, tmp_path: Path
) -> None:
    here = tmp_path / "somewhere"
    here.mkdir()
    ran = subprocess.run(
        [sys.executable, "-m", "exec_assistant", "meetings"],
        env={**user.env, "EXEC_ASSISTANT_HOME": ""},
        cwd=here,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in ran.stderr
    assert list(here.iterdir()) == [], ran.stdout + ran.stderr
