"""The Slack and calendar credentials, the systems of record's tokens and the web page's key
in Secrets Manager, encrypted with the deployment's key and, when the stack replicates to the
DR region, replicated there.

Their values are never in the program or in the state in plain text. Either set them as secret
stack config, a JSON object each:

    pulumi config set --secret exec-assistant:slackCredentials \\
        '{"bot_token": "xoxb-...", "app_token": "xapp-...",
          "signing_secret": "...", "user_id": "U..."}'

and the program stores them as the secrets' values (a secret Output, encrypted in the state);
or leave the config unset and put the values after the first deployment:

    aws secretsmanager put-secret-value --secret-id exec-assistant/slack --secret-string '{...}'

The integrations secret holds the tokens of PagerDuty, Opsgenie, Jira and Greenhouse, each
under the name the product reads it by (`integrationsCredentials`, or put by hand):

    {"PAGERDUTY_API_TOKEN": "...", "JIRA_EMAIL": "...", "JIRA_API_TOKEN": "..."}

The calendar secret is written by the calendar consent route once the executive connects an
account (docs/runbook.md); before that it holds the OAuth client only.

The web secret holds the key the web page's session cookies are signed with. It has no config:
the web function makes the key on the deployment's first request and stores it there (the
program never sees it); putting a new one by hand signs everyone out.

The dr stack makes no secrets of its own: production replicates its secrets into the DR
region under the same names, and the dr stack reads those replicas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from exec_assistant.adapters.aws.secrets_manager import (
    CALENDAR_SECRET_ID,
    INTEGRATION_SECRET_NAMES,
    INTEGRATIONS_SECRET_ID,
    SLACK_SECRET_ID,
)
from exec_assistant.adapters.aws.web_session_key import WEB_SECRET_ID
from exec_assistant.domain.errors import ConfigError
from exec_assistant.stack_settings import PROJECT
from exec_assistant_infra.keys import Keys
from exec_assistant_infra.stack import StackContext

SLACK_CREDENTIALS = "slackCredentials"
CALENDAR_CREDENTIALS = "calendarCredentials"
INTEGRATIONS_CREDENTIALS = "integrationsCredentials"
SLACK_KEYS = ("bot_token", "app_token", "signing_secret", "user_id")
"""The specification's JSON keys of the Slack secret (what the functions read)."""
REQUIRED_SLACK_KEYS = ("bot_token", "signing_secret")
"""Without these the webhook can neither check a request nor answer it."""
RECOVERY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class SecretsArgs:
    stack: StackContext
    keys: Keys


class Secrets(pulumi.ComponentResource):
    slack: aws.secretsmanager.Secret
    calendar: aws.secretsmanager.Secret
    integrations: aws.secretsmanager.Secret
    web: aws.secretsmanager.Secret
    values: dict[str, aws.secretsmanager.SecretVersion]
    """The versions the stack's config gave ("slack", "calendar", "integrations"); a secret
    without one is written by hand after the first deploy."""
    replicas_of_primary: bool
    """True in the dr stack: the secrets are production's replicas, read, not made here
    (their values, rotation and key are production's)."""

    def __init__(
        self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("exec-assistant:secrets:Secrets", name, None, opts)
        stack = args.stack
        self._stack = stack
        self._keys = args.keys
        self.replicas_of_primary = stack.settings.environment == "dr"
        self.values: dict[str, aws.secretsmanager.SecretVersion] = {}

        self.slack = self._secret(
            "slack",
            secret_name(stack, SLACK_SECRET_ID),
            "Slack bot credentials",
            config_key=SLACK_CREDENTIALS,
            check=check_slack_credentials,
        )
        self.calendar = self._secret(
            "calendar",
            secret_name(stack, CALENDAR_SECRET_ID),
            "Calendar API credentials",
            config_key=CALENDAR_CREDENTIALS,
            check=check_json_object,
        )
        self.integrations = self._secret(
            "integrations",
            secret_name(stack, INTEGRATIONS_SECRET_ID),
            "Systems of record API tokens (PagerDuty, Opsgenie, Jira, Greenhouse)",
            config_key=INTEGRATIONS_CREDENTIALS,
            check=check_integration_tokens,
        )
        self.web = self._secret(
            "web", secret_name(stack, WEB_SECRET_ID), "The web page's session cookie key"
        )
        self.register_outputs(
            {
                "slack_arn": self.slack.arn,
                "calendar_arn": self.calendar.arn,
                "integrations_arn": self.integrations.arn,
                "web_arn": self.web.arn,
            }
        )

    def _secret(
        self,
        logical_name: str,
        name: str,
        description: str,
        *,
        config_key: str | None = None,
        check: Callable[[object, str], object] | None = None,
    ) -> aws.secretsmanager.Secret:
        """The secret; its value from `config_key` when the stack's config sets it (None: a
        secret the functions write)."""
        child = pulumi.ResourceOptions(parent=self)
        config = pulumi.Config(PROJECT)
        full_key = f"{PROJECT}:{config_key}"
        value = None
        if config_key is not None and check is not None:
            # Read in plain text only to check its shape, before anything is declared; the
            # value stored is the secret Output.
            check(config.get_object(config_key), full_key)
            value = config.get_secret_object(config_key)
        if self.replicas_of_primary:
            if value is not None:
                raise ConfigError(
                    f"{full_key} is set in the dr stack, which reads production's replicas: "
                    "set it in the production stack"
                )
            return aws.secretsmanager.Secret.get(logical_name, name, opts=child)
        settings = self._stack.settings
        replica_key = self._keys.replica_key
        replicas = (
            [
                aws.secretsmanager.SecretReplicaArgs(
                    region=settings.dr_region, kms_key_id=replica_key.arn
                )
            ]
            if settings.replicate_to_dr and replica_key is not None
            else []
        )
        secret = aws.secretsmanager.Secret(
            logical_name,
            name=name,
            description=description,
            kms_key_id=self._keys.key.arn,
            recovery_window_in_days=RECOVERY_WINDOW_DAYS,
            replicas=replicas,
            tags=self._stack.tags(),
            opts=child,
        )
        if value is not None:
            self.values[logical_name] = aws.secretsmanager.SecretVersion(
                f"{logical_name}-value",
                secret_id=secret.id,
                secret_string=pulumi.Output.json_dumps(value),
                opts=child,
            )
        return secret


def secret_name(stack: StackContext, default_id: str) -> str:
    """`exec-assistant/slack` with the stack's prefix in place of `exec-assistant`."""
    _, _, suffix = default_id.partition("/")
    return f"{stack.settings.name_prefix}/{suffix}"


def check_json_object(value: object, key: str) -> Mapping[str, Any] | None:
    """None when the config is unset; a ConfigError naming `key` when it is not a JSON object.
    Never quotes the value."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(
            f"{key} must be a JSON object (pulumi config set --secret {key} '{{...}}')"
        )
    return value


def check_slack_credentials(value: object, key: str) -> None:
    """The Slack secret's JSON: `bot_token` and `signing_secret` present and not blank, no key
    the functions would not read (a misspelt `signing-secret` is named, not ignored)."""
    credentials = check_json_object(value, key)
    if credentials is None:
        return
    refuse_unknown_keys(credentials, SLACK_KEYS, key)
    for required in REQUIRED_SLACK_KEYS:
        given = credentials.get(required)
        if not isinstance(given, str) or not given.strip():
            raise ConfigError(f"{key} has no {required}")


def check_integration_tokens(value: object, key: str) -> None:
    """The integrations secret's JSON: only the names the product reads, each a string (a
    misspelt `PAGERDUTY_TOKEN` is named, not ignored). Never quotes a value."""
    tokens = check_json_object(value, key)
    if tokens is None:
        return
    refuse_unknown_keys(tokens, INTEGRATION_SECRET_NAMES, key)
    for name, token in tokens.items():
        if not isinstance(token, str) or not token.strip():
            raise ConfigError(f"{key}: {name} is not a non-blank string")


def refuse_unknown_keys(value: Mapping[str, Any], known: Sequence[str], key: str) -> None:
    """A ConfigError naming the keys of `value` that are not `known` (a misspelt one is
    named, not ignored); never a value."""
    unknown = sorted(set(value) - set(known))
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:5])
        raise ConfigError(f"{key} has unknown key(s) {shown}; the keys are {', '.join(known)}")
