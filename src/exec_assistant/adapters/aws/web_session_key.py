"""The key that signs the web page's session cookies on AWS: the `session_key` of the web
secret (`exec-assistant/web`, `{"session_key": "<32 random bytes, base64url>"}`), made by the
first web function instance that finds none, so that every instance reads the cookies the
others signed and a new deployment keeps everyone signed in.

Two instances that start at once both find none and both make a key. Each puts its key as
the version whose id (`ClientRequestToken`) is derived from what it found, so the first put
makes that version and the second is refused (ResourceExistsException): it reads the first
one's key and uses it. A key put by hand (`aws secretsmanager put-secret-value`) signs
everyone out once each instance has restarted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from exec_assistant.adapters.aws.secrets_manager_credentials import read_json_secret
from exec_assistant.domain.errors import SecretUnavailable

WEB_SECRET_ID = "exec-assistant/web"
"""The web page's own secret: a JSON object with `session_key`."""
SESSION_KEY = "session_key"
KEY_BYTES = 32
_TAKEN = "ResourceExistsException"
"""Another instance made the version first."""


@dataclass(frozen=True)
class _Found:
    version_id: str | None
    value: dict[str, Any]
    key: bytes | None


def new_session_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


class SecretsManagerSessionKey:
    """The session key in the secret `secret_id`. The role needs GetSecretValue on it, and
    PutSecretValue for the first request of a deployment."""

    def __init__(
        self, client: Any, secret_id: str, *, make_key: Callable[[], bytes] = new_session_key
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._make_key = make_key

    def key(self) -> bytes:
        """The key; made and stored when the secret has none."""
        found = self._read()
        if found.key is not None:
            return found.key
        made = self._make_key()
        value = {**found.value, SESSION_KEY: _encode(made)}
        try:
            self._client.put_secret_value(
                SecretId=self._secret_id,
                SecretString=json.dumps(value),
                ClientRequestToken=_version_after(found.version_id),
            )
        except ClientError as exc:
            code = _code(exc)
            if code != _TAKEN:
                raise SecretUnavailable(
                    self._secret_id,
                    f"Secrets Manager refused to store the web page's session key ({code})",
                    hint="The web function's role needs secretsmanager:PutSecretValue on it "
                    "(a replica, in the DR region, is written in its primary region).",
                ) from None
        except BotoCoreError as exc:
            raise _unreachable(self._secret_id, exc) from None
        stored = self._read()
        if stored.key is None:
            raise SecretUnavailable(
                self._secret_id,
                "it holds no session key after one was stored",
                hint="Something else wrote the secret at the same moment: try again, and write "
                'it by hand only as {"session_key": "<32 random bytes, base64url>"}.',
            )
        return stored.key

    def _read(self) -> _Found:
        current = read_json_secret(self._client, self._secret_id)
        return _Found(current.version_id, current.value, _decode(current.value.get(SESSION_KEY)))


def _encode(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def _decode(text: object) -> bytes | None:
    """The key, when `text` is one (KEY_BYTES or more, base64url); None otherwise: a value
    that is not a key is replaced, never used."""
    if not isinstance(text, str):
        return None
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return key if len(key) >= KEY_BYTES else None


def _version_after(version_id: str | None) -> str:
    """The id of the version that follows `version_id` (None: the first): the same for every
    instance that found the same thing, 44 characters (Secrets Manager takes 32 to 64)."""
    digest = hashlib.sha256(f"session-key-after:{version_id or ''}".encode()).hexdigest()
    return f"session-key-{digest[:32]}"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _unreachable(secret_id: str, exc: BotoCoreError) -> SecretUnavailable:
    return SecretUnavailable(secret_id, f"Secrets Manager cannot be reached ({type(exc).__name__})")
