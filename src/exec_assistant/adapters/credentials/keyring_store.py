"""Calendar authorizations in the OS keyring (the macOS Keychain, Windows Credential Locker,
the Secret Service on Linux desktops), through the `keyring` package."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from exec_assistant.domain.errors import ExecAssistantError

SERVICE = "exec-assistant"


class KeyringUnavailable(ExecAssistantError):
    """The OS keyring refused or failed a request."""


def keyring_usable() -> bool:
    """True when keyring has a real backend here (not the fail or null one a headless
    machine gets)."""
    try:
        backend = keyring.get_keyring()
        priority = float(getattr(backend, "priority", 0))
    except Exception:  # a broken keyring configuration is no keyring
        return False
    module = type(backend).__module__
    return priority > 0 and not module.startswith(
        ("keyring.backends.fail", "keyring.backends.null")
    )


class KeyringCredentialStore:
    """`CredentialStore` on the OS keyring: one entry per provider under `service`."""

    def __init__(self, service: str = SERVICE) -> None:
        self._service = service

    @property
    def location(self) -> str:
        return f"the OS keyring ({self._service})"

    def load(self, provider: str) -> dict[str, Any] | None:
        try:
            raw = keyring.get_password(self._service, provider)
        except KeyringError as exc:
            raise _unavailable("read", exc) from None
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            raise KeyringUnavailable(
                f"the keyring's {self._service}/{provider} entry is not an authorization",
                hint=f"Connect the account again: 'exec-assistant calendars add {provider}'.",
            )
        return value

    def save(self, provider: str, authorization: Mapping[str, Any]) -> None:
        try:
            keyring.set_password(self._service, provider, json.dumps(dict(authorization)))
        except KeyringError as exc:
            raise _unavailable("write", exc) from None

    def delete(self, provider: str) -> None:
        try:
            keyring.delete_password(self._service, provider)
        except PasswordDeleteError:
            return  # there was none
        except KeyringError as exc:
            raise _unavailable("delete", exc) from None


def _unavailable(doing: str, exc: Exception) -> KeyringUnavailable:
    return KeyringUnavailable(
        f"the OS keyring cannot {doing} the authorization ({type(exc).__name__})",
        hint="Unlock the keyring, or keep authorizations in a file instead: "
        "EXEC_ASSISTANT_CREDENTIAL_STORE=file.",
    )
