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
