"""The calendar account's authorization in the spec's `exec-assistant/calendar` secret.

The secret holds one authorized-user JSON object, the one its rotation (services/
secret_rotation.py) renews: a refreshed access token is saved back as a new version, keeping
every key it does not know.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from exec_assistant.domain.errors import SecretUnavailable

_ABSENT = frozenset({"ResourceNotFoundException"})
"""No such secret, or one with no value yet."""
_PROVIDER_OF_HOST = {
    "oauth2.googleapis.com": "google",
    "accounts.google.com": "google",
    "login.microsoftonline.com": "microsoft",
}


def provider_of(authorization: Mapping[str, Any]) -> str | None:
    """Whose authorization it is: its `provider`, else the host of its token endpoint."""
    provider = authorization.get("provider")
    if isinstance(provider, str) and provider:
        return provider
    token_uri = authorization.get("token_uri")
    if isinstance(token_uri, str):
        return _PROVIDER_OF_HOST.get((urlsplit(token_uri).hostname or "").lower())
    return None


@dataclass(frozen=True)
class JsonSecret:
    """A secret's current value, a JSON object, and the id of its version (None, and `{}`,
    when the secret has no value yet)."""

    version_id: str | None
    value: dict[str, Any]


def read_json_secret(client: Any, secret_id: str) -> JsonSecret:
    """The current value of `secret_id`; SecretUnavailable, naming the secret and never its
    value, when Secrets Manager refuses or cannot be reached, or the value is not a JSON
    object."""
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _ABSENT:
            return JsonSecret(None, {})
        raise SecretUnavailable(secret_id, f"Secrets Manager refused ({code})") from None
    except BotoCoreError as exc:
        raise SecretUnavailable(
            secret_id, f"Secrets Manager cannot be reached ({type(exc).__name__})"
        ) from None
    version_id = str(response.get("VersionId") or "") or None
    text = response.get("SecretString")
    if not text or not str(text).strip():
        return JsonSecret(version_id, {})
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise SecretUnavailable(secret_id, "its value is not JSON") from None
    if not isinstance(value, dict):
        raise SecretUnavailable(secret_id, "its value is not a JSON object")
    return JsonSecret(version_id, value)


class SecretsManagerCredentialStore:
    """`CredentialStore` on one secret: `load(provider)` gives its value when it is that
    provider's authorization. The role needs GetSecretValue, and PutSecretValue to save."""

    def __init__(self, client: Any, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id

    @property
    def location(self) -> str:
        return f"the secret {self._secret_id}"

    def load(self, provider: str) -> dict[str, Any] | None:
        value = self._current()
        if value is None or provider_of(value) != provider:
            return None
        return value

    def save(self, provider: str, authorization: Mapping[str, Any]) -> None:
        value = {**dict(authorization), "provider": provider}
        self._put(value)

    def delete(self, provider: str) -> None:
        current = self._current()
        if current is not None and provider_of(current) == provider:
            # Its rotation then refuses, saying it holds no credentials, until an account
            # is connected again.
            self._put({})

    def _current(self) -> dict[str, Any] | None:
        return read_json_secret(self._client, self._secret_id).value or None

    def _put(self, value: Mapping[str, Any]) -> None:
        try:
            self._client.put_secret_value(
                SecretId=self._secret_id, SecretString=json.dumps(dict(value))
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            raise SecretUnavailable(
                self._secret_id,
                f"Secrets Manager refused to store the authorization ({code})",
                hint="The function's role needs secretsmanager:PutSecretValue on it.",
            ) from None
        except BotoCoreError as exc:
            raise SecretUnavailable(
                self._secret_id, f"Secrets Manager cannot be reached ({type(exc).__name__})"
            ) from None
