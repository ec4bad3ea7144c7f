"""The SecretStore port on Secrets Manager: each name the code asks for (SLACK_BOT_TOKEN…)
is a key of a JSON secret, read once per TTL."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from exec_assistant.domain.errors import SecretUnavailable
from exec_assistant.ports import Clock
from exec_assistant.slack.secrets import (
    SLACK_APP_TOKEN,
    SLACK_BOT_TOKEN,
    SLACK_CLIENT_ID,
    SLACK_CLIENT_SECRET,
    SLACK_SIGNING_SECRET,
)

log = logging.getLogger(__name__)

SLACK_SECRET_ID = "exec-assistant/slack"
"""The spec's Slack secret: a JSON object with `bot_token`, `signing_secret`, `app_token`,
`user_id`, and the app's `client_id` and `client_secret` (the web page's sign-in with Slack,
and token rotation)."""
CALENDAR_SECRET_ID = "exec-assistant/calendar"
"""The spec's calendar API credentials, read whole."""

INTEGRATIONS_SECRET_ID = "exec-assistant/integrations"
"""The systems of record's tokens: a JSON object keyed by the names the context sources and
the tracker ask for (`INTEGRATION_SECRET_NAMES`)."""
INTEGRATION_SECRET_NAMES = (
    "PAGERDUTY_API_TOKEN",
    "OPSGENIE_API_KEY",
    "JIRA_EMAIL",
    "JIRA_API_TOKEN",
    "GREENHOUSE_CLIENT_ID",
    "GREENHOUSE_CLIENT_SECRET",
)
"""Each a key of the integrations secret, read by that name, as locally from the environment
(README, "Systems of record": which source reads which)."""

SLACK_USER_ID = "SLACK_USER_ID"
"""The executive's Slack member id, as the Slack secret holds it."""
CALENDAR_OAUTH = "CALENDAR_OAUTH"
"""The calendar API's credentials: the whole calendar secret (its JSON, as a string)."""

_ABSENT = frozenset({"ResourceNotFoundException"})
"""No such secret, or one with no current value yet."""
_DELETED = "InvalidRequestException"
"""Also what a secret scheduled for deletion answers: then it reads as absent."""


@dataclass(frozen=True)
class SecretRef:
    """Where a secret name's value is: the secret (a name or an ARN) and the key of its JSON
    object, or None for the whole secret string."""

    secret_id: str
    key: str | None = None


def deployment_secret_refs(
    slack_secret_id: str = SLACK_SECRET_ID,
    *,
    signing_secret_id: str | None = None,
    calendar_secret_id: str | None = CALENDAR_SECRET_ID,
    integrations_secret_id: str | None = INTEGRATIONS_SECRET_ID,
) -> dict[str, SecretRef]:
    """The names the code asks for, in the spec's secrets: `slack_secret_id` is
    SLACK_BOT_TOKEN_ARN's secret, `signing_secret_id` SLACK_SIGNING_SECRET_ARN's (the same
    secret unless given), `calendar_secret_id` CALENDAR_OAUTH_SECRET_ARN's (None: no calendar
    API), `integrations_secret_id` INTEGRATIONS_SECRET_ARN's (None: no system of record's
    API)."""
    signing = signing_secret_id or slack_secret_id
    refs = {
        SLACK_BOT_TOKEN: SecretRef(slack_secret_id, "bot_token"),
        SLACK_APP_TOKEN: SecretRef(slack_secret_id, "app_token"),
        SLACK_USER_ID: SecretRef(slack_secret_id, "user_id"),
        SLACK_CLIENT_ID: SecretRef(slack_secret_id, "client_id"),
        SLACK_CLIENT_SECRET: SecretRef(slack_secret_id, "client_secret"),
        SLACK_SIGNING_SECRET: SecretRef(signing, "signing_secret"),
    }
    if calendar_secret_id:
        refs[CALENDAR_OAUTH] = SecretRef(calendar_secret_id, None)
    if integrations_secret_id:
        refs.update(integration_refs(integrations_secret_id))
    return refs


def integration_refs(secret_id: str) -> dict[str, SecretRef]:
    """Each integration's token, under its own name, as a key of the secret `secret_id`."""
    return {name: SecretRef(secret_id, name) for name in INTEGRATION_SECRET_NAMES}


@dataclass(frozen=True)
class _Fetched:
    value: str | None
    """The secret string; None when there is no such secret."""
    at: datetime


class SecretsManagerSecretStore:
    """Secrets by name through `refs`; names not in `refs` have no value.

    Each secret is fetched at most once per `ttl_seconds` however many names read it (a warm
    Lambda sees a rotated token within the TTL). An absent secret, key, or blank value reads
    as None, and that is remembered for the TTL too. A refused or unreadable one raises
    SecretUnavailable, naming the secret and never its value, and is asked again next time.
    """

    def __init__(
        self,
        client: Any,
        refs: Mapping[str, SecretRef],
        clock: Clock,
        ttl_seconds: float = 300,
    ) -> None:
        self._client = client
        self._refs = dict(refs)
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._cache: dict[str, _Fetched] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> str | None:
        ref = self._refs.get(name)
        if ref is None:
            return None
        secret = self._secret_string(ref.secret_id)
        if secret is None:
            return None
        if ref.key is None:
            return secret.strip() or None
        return _value_at(ref, secret)

    def _secret_string(self, secret_id: str) -> str | None:
        # One lock for all secrets: a cold start reads one or two, and a second caller waiting
        # for the first fetch is better than both fetching.
        with self._lock:
            now = self._clock.now()
            cached = self._cache.get(secret_id)
            if cached is not None and now - cached.at < self._ttl:
                return cached.value
            value = self._fetch(secret_id)
            self._cache[secret_id] = _Fetched(value, now)
            return value

    def _fetch(self, secret_id: str) -> str | None:
        try:
            response = self._client.get_secret_value(SecretId=secret_id)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _ABSENT or code == _DELETED:
                log.info("secret absent", extra={"secret_id": secret_id, "code": code})
                return None
            raise _unavailable(secret_id, code) from None
        except BotoCoreError as exc:
            raise SecretUnavailable(
                secret_id, f"Secrets Manager cannot be reached ({type(exc).__name__})"
            ) from None
        if "SecretString" in response:
            return str(response["SecretString"])
        binary = response.get("SecretBinary")
        if binary is None:
            return None
        try:
            return bytes(binary).decode("utf-8")
        except UnicodeDecodeError:
            raise SecretUnavailable(
                secret_id,
                "it holds binary data, not text",
                hint="Store it as a secret string (a JSON object of keys).",
            ) from None


def _unavailable(secret_id: str, code: str) -> SecretUnavailable:
    if code in ("AccessDeniedException", "AccessDenied"):
        return SecretUnavailable(
            secret_id,
            "access denied",
            hint="The function's role needs secretsmanager:GetSecretValue on this secret, "
            "and kms:Decrypt on its KMS key.",
        )
    if code == "DecryptionFailure":
        return SecretUnavailable(
            secret_id,
            "its KMS key cannot decrypt it",
            hint="The function's role needs kms:Decrypt on the secret's KMS key.",
        )
    return SecretUnavailable(secret_id, f"Secrets Manager answered {code or 'an error'}")


def _value_at(ref: SecretRef, secret: str) -> str | None:
    shape = 'Store it as a JSON object: {"bot_token": "xoxb-...", "signing_secret": "..."}.'
    try:
        parsed = json.loads(secret)
    except ValueError:
        raise SecretUnavailable(
            ref.secret_id, f"it is not JSON, so it has no key '{ref.key}'", hint=shape
        ) from None
    if not isinstance(parsed, dict):
        raise SecretUnavailable(
            ref.secret_id,
            f"it is a JSON {_json_kind(parsed)}, not an object, so it has no key '{ref.key}'",
            hint=shape,
        )
    value = parsed.get(ref.key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SecretUnavailable(ref.secret_id, f"its key '{ref.key}' is not a string", hint=shape)
    return str(value).strip() or None


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"
