"""The Slack settings: ids as Slack writes them, URLs checked, lists from the environment."""

from __future__ import annotations

import pytest

from exec_assistant.domain.errors import ConfigError
from exec_assistant.settings import load_settings


def test_slack_is_unset_by_default() -> None:
    settings, _ = load_settings()
    assert settings.slack_user_id is None
    assert settings.slack_allowed_users == []
    assert settings.slack_api_url is None
    assert settings.slack_max_body_kb == 1024


def test_the_slack_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_SLACK_USER_ID", " U0123ABCD ")
    monkeypatch.setenv("EXEC_ASSISTANT_SLACK_ALLOWED_USERS", "U0999ZZZ, <@W0777YYY>,U0999ZZZ")
    monkeypatch.setenv("EXEC_ASSISTANT_SLACK_API_URL", "http://127.0.0.1:8123/api/")
    monkeypatch.setenv("EXEC_ASSISTANT_SLACK_MAX_BODY_KB", "256")
    settings, origins = load_settings()
    assert settings.slack_user_id == "U0123ABCD"
    assert settings.slack_allowed_users == ["U0999ZZZ", "W0777YYY"]
    assert settings.slack_api_url == "http://127.0.0.1:8123/api"
    assert settings.slack_max_body_kb == 256
    assert origins["slack_user_id"] == "environment EXEC_ASSISTANT_SLACK_USER_ID"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EXEC_ASSISTANT_SLACK_USER_ID", "@casey", "is not a Slack user id"),
        ("EXEC_ASSISTANT_SLACK_USER_ID", "u0123abcd", "is not a Slack user id"),
        ("EXEC_ASSISTANT_SLACK_ALLOWED_USERS", "U0123ABCD,C0123CHAN", "'C0123CHAN'"),
        ("EXEC_ASSISTANT_SLACK_API_URL", "file:///etc/passwd", "is not an http(s) URL"),
        ("EXEC_ASSISTANT_SLACK_API_URL", "http://x:99999/", "is not an http(s) URL"),
        ("EXEC_ASSISTANT_SLACK_MAX_BODY_KB", "0", "EXEC_ASSISTANT_SLACK_MAX_BODY_KB"),
    ],
)
def test_a_bad_slack_setting_names_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert message in str(refused.value)
    assert variable in str(refused.value)


def test_a_slack_token_in_the_settings_file_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    home = Path(str(tmp_path))
    (home / "config").mkdir()
    (home / "config" / "settings.yaml").write_text("slack_bot_token: xoxb-123\n")
    with pytest.raises(ConfigError, match="keys and tokens are not read") as refused:
        load_settings({"home": home})
    assert "xoxb-123" not in str(refused.value)
