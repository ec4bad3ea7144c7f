"""What the AWS deployment configures for the web page's sign-in with Slack: the delegates,
the workspace, the Slack app's credentials, each missing or malformed one named."""

from __future__ import annotations

from pathlib import Path

import pytest

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.domain.errors import ConfigError
from exec_assistant.settings import Settings, load_settings
from exec_assistant.web.slack_sign_in import SlackOpenIdSettings, slack_open_id_settings

WEB_URL = "https://d111111abcdef8.cloudfront.net"
CREDENTIALS = {"SLACK_CLIENT_ID": "2141029472.691202649728", "SLACK_CLIENT_SECRET": "e1b9e11d"}


def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Settings:
    monkeypatch.setenv("EXEC_ASSISTANT_HOME", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv("EXEC_ASSISTANT_" + name, value)
    return load_settings()[0]


def test_the_sign_in_is_built_from_the_settings_and_the_slack_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    configured = settings(
        monkeypatch,
        tmp_path,
        SLACK_USER_ID="U0JORDAN",
        SLACK_TEAM_ID="T0NORTHWIND",
        WEB_DELEGATES="U0SAMCOS, <@U0PATRICK>, U0SAMCOS",
        WEB_DELEGATES_SEE_PRIVATE="true",
    )

    built = slack_open_id_settings(configured, EnvSecretStore(CREDENTIALS), web_url=WEB_URL + "/")

    assert built == SlackOpenIdSettings(
        client_id="2141029472.691202649728",
        client_secret="e1b9e11d",
        redirect_uri=WEB_URL + "/sign-in/slack/callback",
        executive_user_id="U0JORDAN",
        team_id="T0NORTHWIND",
        delegates=("U0SAMCOS", "U0PATRICK"),
        delegates_see_private=True,
    )
    assert built.token_url == "https://slack.com/api/openid.connect.token"


def test_delegates_see_no_private_meeting_and_any_workspace_will_do_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    configured = settings(monkeypatch, tmp_path, SLACK_USER_ID="U0JORDAN")

    built = slack_open_id_settings(configured, EnvSecretStore(CREDENTIALS), web_url=WEB_URL)

    assert (built.delegates, built.delegates_see_private, built.team_id) == ((), False, None)


def test_each_missing_piece_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    configured = settings(monkeypatch, tmp_path)

    with pytest.raises(ConfigError) as raised:
        slack_open_id_settings(
            configured, EnvSecretStore({"SLACK_CLIENT_ID": "2141029472.69"}), web_url=None
        )

    assert raised.value.message == (
        "invalid configuration: the web page's sign-in with Slack needs SLACK_CLIENT_SECRET "
        "(the Slack secret's client_secret), EXEC_ASSISTANT_SLACK_USER_ID and WEB_URL, which "
        "are not set"
    )
    assert "/sign-in/slack/callback" in str(raised.value.hint)


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("WEB_DELEGATES", "U0SAMCOS,sam@northwind.example", "is not a Slack user id"),
        ("SLACK_TEAM_ID", "northwind", "is not a Slack workspace id"),
        ("WEB_DELEGATES_SEE_PRIVATE", "perhaps", "valid boolean"),
    ],
)
def test_a_malformed_value_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, said: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(monkeypatch, tmp_path, **{variable: value})

    assert str(raised.value).startswith(f"invalid EXEC_ASSISTANT_{variable}: ")
    assert said in str(raised.value)
