"""A calendar URL's password is never printed: not by `config check`, not in a message about
a bad setting. Real processes on a data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_user import CliUser

SECRET = "hunter2SECRET"
URL = f"https://jordan:{SECRET}@calendar.example/jordan.ics"


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path, columns=200)


def test_config_check_does_not_print_a_calendar_password(user: CliUser) -> None:
    shown = user.run("config", "check", EXEC_ASSISTANT_CALENDARS=URL)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "calendar.example" in shown.stdout
    assert SECRET not in shown.stdout + shown.stderr


def test_config_check_json_does_not_print_a_calendar_password(user: CliUser) -> None:
    shown = user.run("config", "check", "--json", EXEC_ASSISTANT_CALENDARS=URL)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "calendar.example" in shown.stdout
    assert SECRET not in shown.stdout + shown.stderr


def test_a_bad_calendars_setting_does_not_print_the_password(user: CliUser) -> None:
    config = user.data / "config"
    config.mkdir(parents=True)
    # A mapping where a list is expected: the message quotes the value it got.
    (config / "settings.yaml").write_text(f'calendars: {{"{URL}": 1}}\n')
    refused = user.run("config", "check")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "calendars" in refused.stderr
    assert SECRET not in refused.stdout + refused.stderr


def test_a_password_in_something_that_is_not_an_http_url_is_not_printed(user: CliUser) -> None:
    synced = user.run("sync", "-c", f"ftp://jordan:{SECRET}@calendar.example/jordan.ics")
    assert synced.returncode == 1
    assert "ftp://jordan:***@calendar.example" in synced.stdout + synced.stderr
    assert SECRET not in synced.stdout + synced.stderr
