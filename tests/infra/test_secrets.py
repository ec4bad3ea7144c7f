"""The Slack, calendar, integrations and web secrets: names, key, replication, and values that
come only from secret stack config (or, the web page's key, from its function) and stay secret
on their way to the engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from exec_assistant.domain.errors import ConfigError
from exec_assistant_infra.keys import Keys, KeysArgs
from exec_assistant_infra.secrets import Secrets, SecretsArgs
from exec_assistant_infra.stack import StackContext

from pulumi_program import Deployment, run_components

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
SLACK = {
    "bot_token": "xoxb-1-bot",
    "app_token": "xapp-1-app",
    "signing_secret": "s1gning",
    "user_id": "U12345",
}


def _secrets(stack: StackContext) -> None:
    Secrets("secrets", SecretsArgs(stack, Keys("keys", KeysArgs(stack))))


def _with(**credentials: object) -> dict[str, str]:
    return {f"exec-assistant:{key}": json.dumps(value) for key, value in credentials.items()}


@pytest.fixture(scope="module")
def prod() -> Deployment:
    return run_components("prod", _secrets)


def test_the_secrets_have_the_specifications_names_and_the_deployments_key(
    prod: Deployment,
) -> None:
    key_arn = prod.one("aws:kms/key:Key", "key").outputs["arn"]
    secrets = {s.name: s for s in prod.of_type(SECRET)}
    assert {name: s["name"] for name, s in secrets.items()} == {
        "slack": "exec-assistant/slack",
        "calendar": "exec-assistant/calendar",
        "integrations": "exec-assistant/integrations",
        "web": "exec-assistant/web",
    }
    assert all(s["kmsKeyId"] == key_arn for s in secrets.values())


def test_a_replicating_stack_replicates_each_to_the_dr_region_under_the_replica_key(
    prod: Deployment,
) -> None:
    replica_key_arn = prod.one("aws:kms/key:Key", "replica-key").outputs["arn"]
    for secret in prod.of_type(SECRET):
        assert secret["replicas"] == [{"region": "us-west-2", "kmsKeyId": replica_key_arn}]


def test_a_stack_that_does_not_replicate_keeps_its_secrets_in_its_region() -> None:
    dev = run_components("dev", _secrets)
    assert sorted(s["name"] for s in dev.of_type(SECRET)) == [
        "exec-assistant-dev/calendar",
        "exec-assistant-dev/integrations",
        "exec-assistant-dev/slack",
        "exec-assistant-dev/web",
    ]
    assert all(not s.get("replicas") for s in dev.of_type(SECRET))


def test_without_secret_config_no_value_is_stored(prod: Deployment) -> None:
    assert prod.of_type(VERSION) == []


def test_secret_config_becomes_the_secrets_value_and_reaches_the_engine_as_a_secret() -> None:
    deployment = run_components(
        "dev", _secrets, _with(slackCredentials=SLACK, calendarCredentials={"refresh_token": "r"})
    )
    versions = {v.name: v for v in deployment.of_type(VERSION)}
    assert sorted(versions) == ["calendar-value", "slack-value"]
    secret_ids = {s.name: s.outputs["id"] for s in deployment.of_type(SECRET)}
    for name, expected in (("slack", SLACK), ("calendar", {"refresh_token": "r"})):
        version = versions[f"{name}-value"]
        assert version["secretId"] == secret_ids[name]
        assert is_rpc_secret(version["secretString"])
        assert json.loads(unwrap_rpc_secret(version["secretString"])) == expected


def _plain_strings(value: Any) -> Iterator[str]:
    """Every string of an input as the engine would store it, but those inside secrets."""
    if is_rpc_secret(value):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _plain_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _plain_strings(item)


def test_no_credential_is_in_plain_text_in_any_resource() -> None:
    deployment = run_components("prod", _secrets, _with(slackCredentials=SLACK))
    plain = [text for resource in deployment for text in _plain_strings(resource.inputs)]
    assert plain, "the walk found nothing at all"
    for credential in SLACK.values():
        assert not [text for text in plain if credential in text], credential


def test_only_the_secret_that_has_config_gets_a_value() -> None:
    deployment = run_components("dev", _secrets, _with(slackCredentials=SLACK))
    assert [v.name for v in deployment.of_type(VERSION)] == ["slack-value"]


@pytest.mark.parametrize("missing", ["bot_token", "signing_secret"])
def test_slack_credentials_without_a_required_key_stop_the_preview_naming_it(missing: str) -> None:
    credentials = {k: v for k, v in SLACK.items() if k != missing}
    with pytest.raises(
        ConfigError, match=f"exec-assistant:slackCredentials has no {missing}"
    ) as error:
        run_components("dev", _secrets, _with(slackCredentials=credentials))
    assert "xoxb" not in str(error.value) and "s1gning" not in str(error.value)


def test_a_blank_signing_secret_is_as_good_as_none() -> None:
    with pytest.raises(ConfigError, match="has no signing_secret"):
        run_components("dev", _secrets, _with(slackCredentials={**SLACK, "signing_secret": " "}))


def test_a_misspelt_slack_key_is_named() -> None:
    with pytest.raises(ConfigError, match=r"unknown key.*signing-secret"):
        run_components("dev", _secrets, _with(slackCredentials={**SLACK, "signing-secret": "x"}))


def test_calendar_credentials_must_be_a_json_object() -> None:
    with pytest.raises(
        ConfigError, match="exec-assistant:calendarCredentials must be a JSON object"
    ):
        run_components("dev", _secrets, _with(calendarCredentials=["not", "an", "object"]))


def test_the_dr_stack_reads_productions_replicas_and_makes_no_secret_of_its_own() -> None:
    deployment = run_components("dr", _secrets)
    secrets = {s.name: s.read_id for s in deployment.of_type(SECRET)}
    assert secrets == {
        "slack": "exec-assistant/slack",
        "calendar": "exec-assistant/calendar",
        "integrations": "exec-assistant/integrations",
        "web": "exec-assistant/web",
    }
    assert deployment.of_type(VERSION) == []


def test_credentials_given_to_the_dr_stack_are_refused_not_ignored() -> None:
    with pytest.raises(ConfigError, match="slackCredentials is set in the dr stack"):
        run_components("dr", _secrets, _with(slackCredentials=SLACK))


INTEGRATIONS = {"PAGERDUTY_API_TOKEN": "u+pd-token", "JIRA_EMAIL": "exec@example.com"}


def test_integration_tokens_become_the_integrations_secrets_value_as_a_secret() -> None:
    deployment = run_components("dev", _secrets, _with(integrationsCredentials=INTEGRATIONS))
    (version,) = deployment.of_type(VERSION)
    assert version.name == "integrations-value"
    assert is_rpc_secret(version["secretString"])
    assert json.loads(unwrap_rpc_secret(version["secretString"])) == INTEGRATIONS
    plain = [text for resource in deployment for text in _plain_strings(resource.inputs)]
    assert not [text for text in plain if "u+pd-token" in text]


def test_a_misspelt_integration_token_is_named_and_no_value_is_quoted() -> None:
    with pytest.raises(ConfigError, match=r"unknown key.*PAGERDUTY_TOKEN") as error:
        run_components(
            "dev", _secrets, _with(integrationsCredentials={"PAGERDUTY_TOKEN": "u+pd-token"})
        )
    assert "u+pd-token" not in str(error.value)
    assert "PAGERDUTY_API_TOKEN" in str(error.value)


@pytest.mark.parametrize("token", ["", " ", 42, None])
def test_an_integration_token_that_is_not_a_string_stops_the_preview(token: object) -> None:
    with pytest.raises(ConfigError, match="JIRA_API_TOKEN is not a non-blank string"):
        run_components("dev", _secrets, _with(integrationsCredentials={"JIRA_API_TOKEN": token}))
