"""What every function of the AWS deployment opens first, and the Slack webhook's cold start
can afford: the boto3 clients, the secrets, the Slack events seen. Nothing of the services
is imported here."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from exec_assistant.slack.secrets import (
    SLACK_BOT_TOKEN,
    SLACK_CLIENT_ID,
    SLACK_CLIENT_SECRET,
    SLACK_SIGNING_SECRET,
)

if TYPE_CHECKING:
    from exec_assistant.deployment_settings import DeploymentSettings
    from exec_assistant.ports import Clock, SecretStore, SeenEventRepository

SLACK_SECRET_KEYS = {
    SLACK_BOT_TOKEN: "bot_token",
    SLACK_SIGNING_SECRET: "signing_secret",
    SLACK_CLIENT_ID: "client_id",
    SLACK_CLIENT_SECRET: "client_secret",
}
"""The JSON keys of the spec's `exec-assistant/slack` secret, by the names the code asks for."""

ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 5.0
"""Seconds without a byte from the service. DynamoDB, S3, Step Functions and the rest
answer in milliseconds; with 3 attempts a service that hangs fails its call, named, in
about 25 s: inside the 30 s of the shortest functions, so the prep records what hung
rather than "Task timed out"."""


class AwsClients:
    """boto3 clients from one session, each made on first use and kept (clients are
    thread-safe; making one takes tens of milliseconds). `endpoint_url`: one endpoint for
    every service (the tests' moto server)."""

    def __init__(
        self,
        session: Any | None = None,
        *,
        endpoint_url: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        read_timeout: float = READ_TIMEOUT_SECONDS,
    ) -> None:
        self._session = session
        self.endpoint_url = endpoint_url
        self._config = {
            "retries": {"mode": "standard", "total_max_attempts": ATTEMPTS},
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
        }
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def session(self) -> Any:
        if self._session is None:
            import boto3

            self._session = boto3.Session()
        return self._session

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                from botocore.config import Config

                self._clients[service] = self.session.client(
                    service, endpoint_url=self.endpoint_url, config=Config(**self._config)
                )
            return self._clients[service]


class FallbackSecretStore:
    """The named secrets from `primary` only; every other name from `fallback` (the
    environment: a model provider's key, where one is used)."""

    def __init__(self, primary: SecretStore, names: Sequence[str], fallback: SecretStore) -> None:
        self._primary = primary
        self._names = frozenset(names)
        self._fallback = fallback

    def get(self, name: str) -> str | None:
        return (self._primary if name in self._names else self._fallback).get(name)


def aws_secrets(deployment: DeploymentSettings, clients: AwsClients, clock: Clock) -> SecretStore:
    """Slack's token, signing secret and app credentials, and the systems of record's
    tokens, from Secrets Manager (fetched once per 5 minutes); the rest from the
    environment."""
    from exec_assistant.adapters.local.env_secrets import EnvSecretStore

    arns = {
        SLACK_BOT_TOKEN: deployment.slack_bot_token_arn,
        SLACK_SIGNING_SECRET: deployment.slack_signing_secret_arn,
        # The app's credentials, for the web page's sign-in, beside the bot token.
        SLACK_CLIENT_ID: deployment.slack_bot_token_arn,
        SLACK_CLIENT_SECRET: deployment.slack_bot_token_arn,
    }
    named = {name: arn for name, arn in arns.items() if arn}
    environment = EnvSecretStore(os.environ)
    integrations = deployment.integrations_secret_arn
    if not named and not integrations:
        return environment
    from exec_assistant.adapters.aws.secrets_manager import (
        SecretRef,
        SecretsManagerSecretStore,
        integration_refs,
    )

    refs = {name: SecretRef(arn, SLACK_SECRET_KEYS[name]) for name, arn in named.items()}
    if integrations:
        refs.update(integration_refs(integrations))
    store = SecretsManagerSecretStore(clients.client("secretsmanager"), refs, clock)
    return FallbackSecretStore(store, list(refs), environment)


def seen_events(
    deployment: DeploymentSettings, clients: AwsClients, clock: Clock
) -> SeenEventRepository:
    """The Slack events already handled, in the state table (every instance sees them)."""
    from exec_assistant.adapters.aws.dynamodb_state import DynamoSeenEventRepository

    return DynamoSeenEventRepository(clients.client("dynamodb"), deployment.state_table, clock)
