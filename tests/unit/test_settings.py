"""Settings: precedence, provenance and errors that name the bad key."""

from __future__ import annotations

import re
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
    monkeypatch.setenv("EXEC_ASSISTANT_TIMEZONE", "Europe/Londn")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(
        "invalid EXEC_ASSISTANT_TIMEZONE: unknown timezone 'Europe/Londn' "
        "(did you mean Europe/London"
    )


def zone_error(monkeypatch: pytest.MonkeyPatch, typed: str) -> str:
    monkeypatch.setenv("EXEC_ASSISTANT_TIMEZONE", typed)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    return str(caught.value)


def suggested(message: str) -> list[str]:
    _, found, rest = message.partition("(did you mean ")
    return rest.partition("?)")[0].split(", ") if found else []


@pytest.mark.parametrize(
    ("typed", "best"),
    [
        ("Europe/Londn", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("LONDON", "Europe/London"),
        ("london", "Europe/London"),
        ("new york", "America/New_York"),
        ("New_Yrok", "America/New_York"),
        ("york", "America/New_York"),
        ("Tokio", "Asia/Tokyo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Asia/Kolkatta", "Asia/Kolkata"),
        ("us eastern", "US/Eastern"),
        ("PST", "America/Los_Angeles"),
        ("Eastern", "America/New_York"),
        ("est", "America/New_York"),
        ("CEST", "Europe/Berlin"),
    ],
)
def test_an_unknown_timezone_suggests_the_closest_zones_best_first(
    monkeypatch: pytest.MonkeyPatch, typed: str, best: str
) -> None:
    found = suggested(zone_error(monkeypatch, typed))
    assert found[:1] == [best]
    assert len(found) <= 3


def test_a_certain_suggestion_comes_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert suggested(zone_error(monkeypatch, "europe/london")) == ["Europe/London"]
    assert suggested(zone_error(monkeypatch, "us eastern")) == ["US/Eastern"]


@pytest.mark.parametrize("typed", ["Mars/Olympus", "America", "/etc/localtime", "UTC+2"])
def test_nothing_close_suggests_nothing(monkeypatch: pytest.MonkeyPatch, typed: str) -> None:
    message = zone_error(monkeypatch, typed)
    assert message == (
        f"invalid EXEC_ASSISTANT_TIMEZONE: unknown timezone '{typed}'; "
        "use an IANA name such as America/New_York"
    )


@pytest.mark.parametrize("typed", ["America", "Europe/" + "x" * 5000])
def test_a_folder_of_zones_or_an_overlong_name_is_an_unknown_timezone(
    monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    # The zone files are looked up on disk: these once escaped as IsADirectoryError and
    # "File name too long".
    message = zone_error(monkeypatch, typed)
    assert message.startswith(f"invalid EXEC_ASSISTANT_TIMEZONE: unknown timezone '{typed[:20]}")
    assert len(message) < 200


def test_control_characters_in_a_timezone_are_shown_escaped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = zone_error(monkeypatch, "Europe/Lon\x1b[31mdon")
    assert "\x1b" not in message
    assert "'Europe/Lon\\x1b[31mdon'" in message


def test_spaces_around_a_timezone_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_TIMEZONE", " Europe/London\r\n")
    assert load_settings()[0].timezone == "Europe/London"


def test_a_bad_number_names_the_variable_and_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_LOOKAHEAD_DAYS", "two weeks")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "invalid EXEC_ASSISTANT_LOOKAHEAD_DAYS: Input should be a valid integer, "
        "unable to parse string as an integer (got 'two weeks')"
    )


def test_a_bad_flag_names_the_flag() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"lookahead_days": 0})
    assert str(caught.value) == (
        "invalid --lookahead-days: Input should be greater than or equal to 1 (got 0)"
    )


def test_every_bad_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_USER_EMAIL", "jordan")
    monkeypatch.setenv("EXEC_ASSISTANT_LOOKAHEAD_DAYS", "0")
    monkeypatch.setenv("EXEC_ASSISTANT_LOG_LEVEL", "loud")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "invalid EXEC_ASSISTANT_USER_EMAIL: 'jordan' is not an email address\n"
        "Also invalid: EXEC_ASSISTANT_LOOKAHEAD_DAYS, EXEC_ASSISTANT_LOG_LEVEL."
    )


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
    assert str(caught.value) == (
        f"invalid configuration in {path} at 'lookahead_days': "
        "Input should be greater than or equal to 1 (got 0)"
    )


def test_invalid_yaml_in_the_settings_file_points_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    path = tmp_path / "config" / "settings.yaml"
    path.write_text("timezone: [UTC\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({"home": tmp_path})
    assert str(caught.value).startswith(f"invalid configuration in {path}:2:1: not valid YAML")


def test_the_spec_s_bedrock_variables_are_read_and_named_as_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEDROCK_MODEL_ID", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    monkeypatch.setenv("BEDROCK_REGION", "eu-west-1")
    settings, origins = load_settings()
    assert settings.bedrock_model_id == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert settings.bedrock_region == "eu-west-1"
    assert origins["bedrock_region"] == "environment BEDROCK_REGION"


def test_without_a_bedrock_model_a_current_sonnet_is_chosen() -> None:
    settings, _ = load_settings()
    assert settings.bedrock_model_id == "global.anthropic.claude-sonnet-4-6"
    assert settings.model_provider == "offline"


def test_a_key_in_the_settings_file_is_refused_with_where_it_belongs(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text("anthropic_api_key: sk-ant-123\n")
    with pytest.raises(ConfigError) as refused:
        load_settings({"home": tmp_path})
    assert "keys and tokens are not read from settings files" in str(refused.value)
    assert "ANTHROPIC_API_KEY" in str(refused.value)
    assert "sk-ant-123" not in str(refused.value)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EXEC_ASSISTANT_MODEL_PROVIDER", "gemini", "EXEC_ASSISTANT_MODEL_PROVIDER"),
        ("EXEC_ASSISTANT_MODEL_BASE_URL", "file:///etc/passwd", "is not an http(s) URL"),
        ("EXEC_ASSISTANT_PRIVATE_PROVIDERS", "bedrock,gemini", "'gemini' is not a model provider"),
    ],
)
def test_a_bad_model_setting_names_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings()


def test_a_provider_that_needs_a_model_says_which_variable_sets_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_MODEL_PROVIDER", "ollama")
    with pytest.raises(ConfigError, match="set EXEC_ASSISTANT_MODEL_ID"):
        load_settings()


def test_settings_about_tokens_are_not_taken_for_keys(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text("model_max_tokens: 2000\n")
    settings, _ = load_settings({"home": tmp_path})
    assert settings.model_max_tokens == 2000
