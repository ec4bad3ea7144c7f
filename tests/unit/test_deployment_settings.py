"""The deployment's environment, checked when a function starts: every missing or bad
variable named at once, with what to set."""

from __future__ import annotations

import pytest

from exec_assistant.deployment_settings import load_deployment_settings
from exec_assistant.domain.errors import ConfigError


def test_the_defaults_are_the_specs_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "exec-assistant-documents-123456789012")
    deployment = load_deployment_settings()
    assert deployment.meetings_table == "exec-assistant-meetings"
    assert deployment.sessions_table == "exec-assistant-chat-sessions"
    assert deployment.idempotency_table == "exec-assistant-idempotency"
    assert deployment.config_prefix == "config/"
    assert deployment.context_prefix == "config/context/"
    assert deployment.state_machine_arn is None and not deployment.reminders_configured


def test_every_missing_or_bad_variable_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_MACHINE_ARN", "arn:aws:lambda:us-east-1:123456789012:function:x")
    monkeypatch.setenv("MEETINGS_TABLE", "no spaces allowed")
    with pytest.raises(ConfigError) as refused:
        load_deployment_settings()
    message = str(refused.value)
    assert "DOCUMENTS_S3_BUCKET is not set" in message
    assert "STATE_MACHINE_ARN" in message and "state machine ARN" in message
    assert "MEETINGS_TABLE" in message
    assert "function's environment" in message


def test_the_meeting_types_key_must_name_the_meeting_types_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "docs-bucket")
    monkeypatch.setenv("MEETING_TYPES_CONFIG_S3_KEY", "config/types.yml")
    with pytest.raises(ConfigError, match="MEETING_TYPES_CONFIG_S3_KEY"):
        load_deployment_settings()
    monkeypatch.setenv("MEETING_TYPES_CONFIG_S3_KEY", "/settings/meeting_types.yaml")
    assert load_deployment_settings().context_prefix == "settings/context/"


def test_half_the_reminder_schedulers_settings_is_refused_naming_the_other_half(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "docs-bucket")
    monkeypatch.setenv(
        "REMINDER_FUNCTION_ARN", "arn:aws:lambda:us-east-1:123456789012:function:exec-reminder"
    )
    with pytest.raises(ConfigError) as refused:
        load_deployment_settings()
    assert "SCHEDULER_ROLE_ARN is not set" in str(refused.value)
    assert "REMINDER_FUNCTION_ARN" in str(refused.value)


@pytest.mark.parametrize("variable", ["SLACK_BOT_TOKEN_ARN", "CALENDAR_OAUTH_SECRET_ARN"])
def test_a_secret_that_is_neither_an_arn_nor_a_name_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "docs-bucket")
    monkeypatch.setenv(variable, "exec-assistant/slack\n<script>")
    with pytest.raises(ConfigError) as refused:
        load_deployment_settings()
    assert variable in str(refused.value) and "secret" in str(refused.value)


def test_a_secret_named_by_name_or_by_arn_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "docs-bucket")
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:exec-assistant/slack-AbCdEf"
    monkeypatch.setenv("SLACK_BOT_TOKEN_ARN", arn)
    monkeypatch.setenv("SLACK_SIGNING_SECRET_ARN", "exec-assistant/slack")
    deployment = load_deployment_settings()
    assert deployment.slack_bot_token_arn == arn
    assert deployment.slack_signing_secret_arn == "exec-assistant/slack"


def test_a_blank_kms_key_is_the_buckets_default_not_a_key_named_blank(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "docs-bucket")
    monkeypatch.setenv("KMS_KEY_ID", "  ")
    assert load_deployment_settings().kms_key_id is None


def test_a_state_machine_version_or_alias_arn_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "docs-bucket")
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:exec-assistant-meeting-prep:live"
    monkeypatch.setenv("STATE_MACHINE_ARN", arn)
    assert load_deployment_settings().state_machine_arn == arn
