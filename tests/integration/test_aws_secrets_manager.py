"""Slack and calendar credentials and the systems of record's tokens from Secrets Manager (moto
on 127.0.0.1): read once per TTL, absent is None, and a secret that cannot be read is named,
never shown."""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.aws.secrets_manager import (
    CALENDAR_OAUTH,
    SLACK_USER_ID,
    SecretRef,
    SecretsManagerSecretStore,
    deployment_secret_refs,
)
from exec_assistant.clocks import SimulatedClock
from exec_assistant.domain.errors import SecretUnavailable
from exec_assistant.slack.secrets import SLACK_APP_TOKEN, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET

from canned_aws import canned_aws, json_error
from moto_server import AwsEndpoint

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SLACK = {
    "bot_token": "xoxb-1-bot",
    "signing_secret": "8f2e-signing",
    "app_token": "xapp-1-app",
    "user_id": "U12345",
}


class CountingClient:
    """A Secrets Manager client on the server, and the number of GetSecretValue calls made."""

    def __init__(self, aws: AwsEndpoint) -> None:
        self.client = aws.client("secretsmanager")
        self.calls: list[str] = []
        self.client.meta.events.register(
            "provide-client-params.secrets-manager.GetSecretValue",
            lambda params, **kwargs: self.calls.append(params["SecretId"]),
        )


@pytest.fixture
def secrets(aws: AwsEndpoint) -> CountingClient:
    return CountingClient(aws)


def _secret(aws: AwsEndpoint, value: str | bytes | None, prefix: str = "exec-assistant") -> str:
    """A new secret holding `value` (None: no value yet); its ARN."""
    name = aws.unique(prefix) + "/slack"
    args: dict[str, Any] = {"Name": name}
    if isinstance(value, str):
        args["SecretString"] = value
    elif isinstance(value, bytes):
        args["SecretBinary"] = value
    arn: str = aws.client("secretsmanager").create_secret(**args)["ARN"]
    return arn


def test_the_slack_names_are_read_from_the_keys_of_the_slack_secret(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    slack = _secret(aws, json.dumps(SLACK))
    calendar = _secret(aws, '{"client_id": "c", "refresh_token": "r"}')
    store = SecretsManagerSecretStore(
        secrets.client,
        deployment_secret_refs(slack, calendar_secret_id=calendar),
        SimulatedClock(T0),
    )

    assert store.get(SLACK_BOT_TOKEN) == "xoxb-1-bot"
    assert store.get(SLACK_SIGNING_SECRET) == "8f2e-signing"
    assert store.get(SLACK_APP_TOKEN) == "xapp-1-app"
    assert store.get(SLACK_USER_ID) == "U12345"
    assert store.get(CALENDAR_OAUTH) == '{"client_id": "c", "refresh_token": "r"}'
    assert store.get("ANTHROPIC_API_KEY") is None
    assert secrets.calls == [slack, calendar]


def test_the_signing_secret_may_live_in_a_secret_of_its_own(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    slack = _secret(aws, json.dumps({"bot_token": "xoxb-1"}))
    signing = _secret(aws, json.dumps({"signing_secret": "s3cr3t"}))
    refs = deployment_secret_refs(slack, signing_secret_id=signing, calendar_secret_id=None)
    store = SecretsManagerSecretStore(secrets.client, refs, SimulatedClock(T0))

    assert store.get(SLACK_BOT_TOKEN) == "xoxb-1"
    assert store.get(SLACK_SIGNING_SECRET) == "s3cr3t"
    assert store.get(SLACK_APP_TOKEN) is None
    assert CALENDAR_OAUTH not in refs


def test_the_spec_names_the_secrets_by_default() -> None:
    refs = deployment_secret_refs()

    assert refs[SLACK_BOT_TOKEN] == SecretRef("exec-assistant/slack", "bot_token")
    assert refs[SLACK_SIGNING_SECRET] == SecretRef("exec-assistant/slack", "signing_secret")
    assert refs[CALENDAR_OAUTH] == SecretRef("exec-assistant/calendar", None)
    assert refs["PAGERDUTY_API_TOKEN"] == SecretRef(
        "exec-assistant/integrations", "PAGERDUTY_API_TOKEN"
    )


def test_the_systems_of_records_tokens_are_read_by_name_from_the_integrations_secret(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    integrations = _secret(
        aws,
        json.dumps(
            {
                "PAGERDUTY_API_TOKEN": "u+pd-token",
                "JIRA_EMAIL": "exec@example.com",
                "JIRA_API_TOKEN": "ATATT3x-jira",
                "GREENHOUSE_CLIENT_ID": "gh-client",
            }
        ),
    )
    refs = deployment_secret_refs(_secret(aws, "{}"), integrations_secret_id=integrations)
    store = SecretsManagerSecretStore(secrets.client, refs, SimulatedClock(T0))

    assert store.get("PAGERDUTY_API_TOKEN") == "u+pd-token"
    assert store.get("JIRA_EMAIL") == "exec@example.com"
    assert store.get("JIRA_API_TOKEN") == "ATATT3x-jira"
    assert store.get("GREENHOUSE_CLIENT_ID") == "gh-client"
    assert store.get("OPSGENIE_API_KEY") is None
    assert secrets.calls == [integrations]  # one read for all of them


def test_a_deployments_functions_read_the_integrations_secret_it_names(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exec_assistant.aws_clients import AwsClients, aws_secrets
    from exec_assistant.deployment_settings import DeploymentSettings

    integrations = _secret(aws, json.dumps({"PAGERDUTY_API_TOKEN": "u+pd-token"}))
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", "from-the-environment")
    clients = AwsClients(aws.session(), endpoint_url=aws.url)
    deployment = DeploymentSettings(
        documents_s3_bucket="exec-assistant-documents", integrations_secret_arn=integrations
    )
    store = aws_secrets(deployment, clients, SimulatedClock(T0))
    assert store.get("PAGERDUTY_API_TOKEN") == "u+pd-token"
    # Without the secret named, the environment's (as on one machine).
    unnamed = DeploymentSettings(documents_s3_bucket="exec-assistant-documents")
    assert aws_secrets(unnamed, clients, SimulatedClock(T0)).get("PAGERDUTY_API_TOKEN") == (
        "from-the-environment"
    )


def test_the_web_sign_in_reads_the_slack_apps_credentials_from_the_slack_secret(
    aws: AwsEndpoint,
) -> None:
    from exec_assistant.aws_clients import AwsClients, aws_secrets
    from exec_assistant.deployment_settings import DeploymentSettings
    from exec_assistant.slack.secrets import SLACK_CLIENT_ID, SLACK_CLIENT_SECRET

    slack = _secret(
        aws, json.dumps(SLACK | {"client_id": "2141029472.691", "client_secret": "e1b9e11d"})
    )
    clients = AwsClients(aws.session(), endpoint_url=aws.url)
    deployment = DeploymentSettings(
        documents_s3_bucket="exec-assistant-documents", slack_bot_token_arn=slack
    )

    store = aws_secrets(deployment, clients, SimulatedClock(T0))

    assert store.get(SLACK_CLIENT_ID) == "2141029472.691"
    assert store.get(SLACK_CLIENT_SECRET) == "e1b9e11d"
    assert deployment_secret_refs(slack)[SLACK_CLIENT_ID] == SecretRef(slack, "client_id")


def test_a_secret_is_fetched_once_per_ttl_and_a_rotated_value_is_seen_after_it(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    slack = _secret(aws, json.dumps(SLACK))
    clock = SimulatedClock(T0)
    store = SecretsManagerSecretStore(
        secrets.client, deployment_secret_refs(slack), clock, ttl_seconds=300
    )
    for _ in range(20):
        assert store.get(SLACK_BOT_TOKEN) == "xoxb-1-bot"
        assert store.get(SLACK_SIGNING_SECRET) == "8f2e-signing"
    assert len(secrets.calls) == 1

    aws.client("secretsmanager").put_secret_value(
        SecretId=slack, SecretString=json.dumps({**SLACK, "bot_token": "xoxb-2-rotated"})
    )
    clock.advance_to(T0 + timedelta(seconds=299))
    assert store.get(SLACK_BOT_TOKEN) == "xoxb-1-bot"
    assert len(secrets.calls) == 1

    clock.advance_to(T0 + timedelta(seconds=300))
    assert store.get(SLACK_BOT_TOKEN) == "xoxb-2-rotated"
    assert store.get(SLACK_BOT_TOKEN) == "xoxb-2-rotated"
    assert len(secrets.calls) == 2


def test_callers_on_many_threads_at_a_cold_start_fetch_the_secret_once(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    slack = _secret(aws, json.dumps(SLACK))
    store = SecretsManagerSecretStore(
        secrets.client, deployment_secret_refs(slack), SimulatedClock(T0)
    )
    names = [SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_USER_ID] * 4

    with ThreadPoolExecutor(len(names)) as pool:
        values = list(pool.map(store.get, names))

    assert (
        values
        == [SLACK[key] for key in ("bot_token", "signing_secret", "app_token", "user_id")] * 4
    )
    assert secrets.calls == [slack]


def test_a_missing_secret_is_none_and_is_not_asked_for_again_within_the_ttl(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    missing = aws.unique("exec-assistant") + "/slack"
    store = SecretsManagerSecretStore(
        secrets.client, deployment_secret_refs(missing), SimulatedClock(T0)
    )

    assert store.get(SLACK_BOT_TOKEN) is None
    assert store.get(SLACK_SIGNING_SECRET) is None
    assert secrets.calls == [missing]


def test_a_secret_with_no_value_yet_or_scheduled_for_deletion_is_none(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    empty = _secret(aws, None)
    deleted = _secret(aws, json.dumps(SLACK))
    aws.client("secretsmanager").delete_secret(SecretId=deleted)

    for secret_id in (empty, deleted):
        store = SecretsManagerSecretStore(
            secrets.client, deployment_secret_refs(secret_id), SimulatedClock(T0)
        )
        assert store.get(SLACK_BOT_TOKEN) is None, secret_id


@pytest.mark.parametrize(
    "value",
    [{}, {"bot_token": None}, {"bot_token": ""}, {"bot_token": "  \n"}, {"other": "x"}],
)
def test_a_missing_null_or_blank_key_is_none(
    aws: AwsEndpoint, secrets: CountingClient, value: dict[str, Any]
) -> None:
    store = SecretsManagerSecretStore(
        secrets.client, deployment_secret_refs(_secret(aws, json.dumps(value))), SimulatedClock(T0)
    )

    assert store.get(SLACK_BOT_TOKEN) is None


def test_a_value_pasted_with_a_trailing_newline_is_read_without_it(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    slack = _secret(aws, json.dumps({"bot_token": " xoxb-1\n", "user_id": 12345}))
    store = SecretsManagerSecretStore(
        secrets.client, deployment_secret_refs(slack), SimulatedClock(T0)
    )

    assert store.get(SLACK_BOT_TOKEN) == "xoxb-1"
    assert store.get(SLACK_USER_ID) == "12345"


@pytest.mark.parametrize(
    ("stored", "says"),
    [
        ("xoxb-pasted-bare-token", "is not JSON, so it has no key 'bot_token'"),
        ('["xoxb-in-a-list"]', "is a JSON array, not an object"),
        ('"xoxb-in-quotes"', "is a JSON string, not an object"),
        ('{"bot_token": {"value": "xoxb-nested"}}', "key 'bot_token' is not a string"),
        ('{"bot_token": ["xoxb-listed"]}', "key 'bot_token' is not a string"),
        ('{"bot_token": true}', "key 'bot_token' is not a string"),
    ],
)
def test_a_secret_that_is_not_a_json_object_of_strings_is_named_not_shown(
    aws: AwsEndpoint, secrets: CountingClient, stored: str, says: str
) -> None:
    slack = _secret(aws, stored)
    store = SecretsManagerSecretStore(
        secrets.client, deployment_secret_refs(slack), SimulatedClock(T0)
    )

    with pytest.raises(SecretUnavailable) as raised:
        store.get(SLACK_BOT_TOKEN)

    message = str(raised.value)
    assert slack in message
    assert says in message
    assert "JSON object" in message
    assert "xoxb-" + stored.split("xoxb-")[-1].split('"')[0] not in message
    assert raised.value.secret_id == slack


def test_a_whole_secret_read_as_text_need_not_be_json(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    calendar = _secret(aws, "  plain-oauth-refresh-token\n")
    store = SecretsManagerSecretStore(
        secrets.client, {CALENDAR_OAUTH: SecretRef(calendar)}, SimulatedClock(T0)
    )

    assert store.get(CALENDAR_OAUTH) == "plain-oauth-refresh-token"


def test_a_binary_secret_is_read_as_utf8_text_or_refused_by_name(
    aws: AwsEndpoint, secrets: CountingClient
) -> None:
    text = _secret(aws, json.dumps({"bot_token": "xoxb-ünï"}).encode())
    binary = _secret(aws, b"\xff\xfe\x00xoxb")
    store = SecretsManagerSecretStore(
        secrets.client,
        {SLACK_BOT_TOKEN: SecretRef(text, "bot_token"), "OTHER": SecretRef(binary, "bot_token")},
        SimulatedClock(T0),
    )

    assert store.get(SLACK_BOT_TOKEN) == "xoxb-ünï"
    with pytest.raises(SecretUnavailable, match="binary data, not text") as raised:
        store.get("OTHER")
    assert binary in str(raised.value)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("AccessDeniedException", "secretsmanager:GetSecretValue"),
        ("DecryptionFailure", "kms:Decrypt"),
        ("InternalServiceError", "Secrets Manager answered InternalServiceError"),
    ],
)
def test_a_refused_secret_is_named_with_the_permission_to_grant_and_asked_again(
    code: str, says: str
) -> None:
    status, body, headers = json_error(code, "User is not authorized")
    secret_id = "arn:aws:secretsmanager:us-east-1:123456789012:secret:exec-assistant/slack-AbCdEf"
    with canned_aws(status, body, headers) as refusing:
        store = SecretsManagerSecretStore(
            refusing.client("secretsmanager"),
            deployment_secret_refs(secret_id),
            SimulatedClock(T0),
        )

        for _ in range(2):
            with pytest.raises(SecretUnavailable) as raised:
                store.get(SLACK_BOT_TOKEN)
            assert f"cannot read secret {secret_id}" in str(raised.value)
            assert says in str(raised.value)

        # A refusal is not remembered: a fixed policy works at once.
        assert len(refusing.requests) == 2


def test_secrets_manager_out_of_reach_is_named() -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        closed_port = placeholder.getsockname()[1]
    unreachable = AwsEndpoint(f"http://127.0.0.1:{closed_port}")
    store = SecretsManagerSecretStore(
        unreachable.client("secretsmanager", retries={"max_attempts": 1}),
        deployment_secret_refs(),
        SimulatedClock(T0),
    )

    with pytest.raises(SecretUnavailable, match="exec-assistant/slack: Secrets Manager cannot"):
        store.get(SLACK_BOT_TOKEN)
