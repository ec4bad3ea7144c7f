"""Settings: precedence, provenance and errors that name the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from exec_assistant.domain.errors import ConfigError
from exec_assistant.settings import load_settings


def test_defaults(tmp_path: Path) -> None:
    settings, origins = load_settings()
    assert settings.lookahead_days == 14
    assert settings.timezone == "UTC"  # TZ=UTC in the tests
    assert settings.data_dir == Path.home() / ".exec-assistant"
    assert origins["lookahead_days"] == "default"


def test_environment_beats_the_settings_file_and_flags_beat_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(
        "timezone: Europe/London\nlookahead_days: 7\nuser_email: file@example.com\n"
    )
    monkeypatch.setenv("EXEC_ASSISTANT_TIMEZONE", "Asia/Tokyo")
    monkeypatch.setenv("EXEC_ASSISTANT_CALENDARS", "a.ics, https://x.example/b.ics")
    settings, origins = load_settings({"home": tmp_path, "user_email": "flag@example.com"})
    assert settings.timezone == "Asia/Tokyo"
    assert settings.lookahead_days == 7
    assert settings.user_email == "flag@example.com"
    assert settings.calendars == ["a.ics", "https://x.example/b.ics"]
    assert origins["timezone"] == "environment EXEC_ASSISTANT_TIMEZONE"
    assert origins["lookahead_days"] == str(config / "settings.yaml")
    assert origins["user_email"] == "command line"


def test_a_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="EXEC_ASSISTANT_TIMEZONE") as caught:
        load_settings()
    assert "unknown timezone 'Mars/Olympus'" in str(caught.value)


def test_a_bad_number_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_LOOKAHEAD_DAYS", "two weeks")
    with pytest.raises(ConfigError, match="EXEC_ASSISTANT_LOOKAHEAD_DAYS"):
        load_settings()


def test_a_bad_email(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_USER_EMAIL", "jordan")
    with pytest.raises(ConfigError, match="not an email address"):
        load_settings()


def test_an_unknown_key_in_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text("timezon: UTC\n")
    with pytest.raises(ConfigError, match="unknown setting: timezon"):
        load_settings({"home": tmp_path})


def test_a_bad_value_in_the_settings_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    path = tmp_path / "config" / "settings.yaml"
    path.write_text("lookahead_days: 0\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({"home": tmp_path})
    assert str(path) in str(caught.value)
    assert "lookahead_days" in str(caught.value)
