"""The calendar's OAuth 2.0 authorization renewed with a refresh-token grant at its token
endpoint: Google's (`https://oauth2.googleapis.com/token`) or Microsoft's
(`https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`).

The secret is an authorized-user JSON object in the shape google-auth reads and writes
(`Credentials.from_authorized_user_info`): `token`, `refresh_token`, `token_uri`,
`client_id`, `client_secret`, `expiry`, `scopes`; Microsoft's uses the same keys. A renewal
keeps every other key as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from exec_assistant.adapters.credentials.form_post import FormPoster, JsonAnswer, PostFailed
from exec_assistant.domain.authorized_user import expiry_text as expiry_text
from exec_assistant.domain.authorized_user import scope_name as scope_name
from exec_assistant.domain.errors import CredentialsRejected, ProviderUnavailable, RotationRefused
from exec_assistant.domain.secret_rotation import RotationScope
from exec_assistant.ports import Clock

REQUIRED_KEYS = ("refresh_token", "token_uri", "client_id")
EXPIRY_MARGIN = timedelta(minutes=1)
"""A token with less left than this is taken as expired: it would not outlive a sync."""
_IDENTITY_SCOPES = frozenset({"openid", "offline_access", "profile", "email"})
"""Scopes that token endpoints leave out of the `scope` they answer (or add on their own)."""
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_REAUTHORIZE = (
    "Authorize the calendar again and store the new authorized-user JSON with "
    "`aws secretsmanager put-secret-value`; the current value is unchanged."
)


class OAuthRefreshRenewal:
    """New access (and, where the provider rotates them, refresh) tokens for the calendar."""

    kind = "the calendar's OAuth authorization"

    def __init__(self, poster: FormPoster, clock: Clock) -> None:
        self._poster = poster
        self._clock = clock

    def holds(self, value: Mapping[str, Any]) -> bool:
        return "token_uri" in value and "refresh_token" in value

    def renew(self, current: Mapping[str, Any], scope: RotationScope) -> dict[str, Any]:
        _require(current, scope, "its current value")
        token_uri = str(current["token_uri"])
        _check_endpoint(token_uri, scope)
        fields = {
            "grant_type": "refresh_token",
            "refresh_token": str(current["refresh_token"]),
            "client_id": str(current["client_id"]),
        }
        if current.get("client_secret"):
            fields["client_secret"] = str(current["client_secret"])
        scopes = _scopes(current.get("scopes"))
        if scopes:
            # Microsoft's endpoint asks for them; Google's takes them (a subset, at most).
            fields["scope"] = " ".join(scopes)
        try:
            answer = self._poster.post(token_uri, fields, deadline=scope.deadline)
        except PostFailed as exc:
            raise ProviderUnavailable(
                scope.secret,
                scope.step,
                f"the token endpoint {_host(token_uri)} gave no answer: {exc.reason}",
                hint="The next rotation tries again; the current value is unchanged.",
            ) from None
        issued_at = self._clock.now()
        access_token, expires_in = _issued(answer, token_uri, scope)
        _check_granted(scopes, answer.body.get("scope"), token_uri, scope)
        renewed = dict(current)
        renewed["token"] = access_token
        renewed["expiry"] = expiry_text(issued_at + timedelta(seconds=expires_in))
        # Google keeps the refresh token (and answers none); Microsoft answers a new one.
        new_refresh = answer.body.get("refresh_token")
        if isinstance(new_refresh, str) and new_refresh:
            renewed["refresh_token"] = new_refresh
        return renewed

    def check(
        self, pending: Mapping[str, Any], current: Mapping[str, Any], scope: RotationScope
    ) -> None:
        _require(pending, scope, "the pending value")
        token = pending.get("token")
        if not isinstance(token, str) or not token:
            raise CredentialsRejected(
                scope.secret, scope.step, "the pending value has no access token"
            )
        for key in ("token_uri", "client_id"):
            if pending.get(key) != current.get(key):
                raise CredentialsRejected(
                    scope.secret,
                    scope.step,
                    f"the pending value's {key} is not the current one's: it is not a renewal "
                    "of this authorization",
                )
        expiry = parse_expiry(pending.get("expiry"))
        now = self._clock.now()
        if expiry is None or expiry - EXPIRY_MARGIN <= now:
            shown = "none" if expiry is None else expiry.isoformat()
            raise CredentialsRejected(
                scope.secret,
                scope.step,
                f"the pending access token has expired or has no expiry (expiry: {shown})",
                hint=_REAUTHORIZE,
            )


def _require(value: Mapping[str, Any], scope: RotationScope, what: str) -> None:
    missing = [
        key for key in REQUIRED_KEYS if not isinstance(value.get(key), str) or not value[key]
    ]
    if missing:
        raise RotationRefused(
            scope.secret,
            scope.step,
            f"{what} has no {', '.join(missing)}",
            hint="Store the calendar's authorized-user JSON (token, refresh_token, token_uri, "
            "client_id, client_secret, expiry, scopes).",
        )


def _check_endpoint(token_uri: str, scope: RotationScope) -> None:
    parts = urlsplit(token_uri)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return  # a token server on this machine: nothing travels the network in the clear
    raise RotationRefused(
        scope.secret,
        scope.step,
        f"its token_uri {token_uri} is not an https URL: the client secret would travel in "
        "the clear",
        hint="Use the provider's https token endpoint.",
    )


def _issued(answer: JsonAnswer, token_uri: str, scope: RotationScope) -> tuple[str, float]:
    body = answer.body
    if answer.status != 200:
        error = body.get("error")
        code = error if isinstance(error, str) and error else f"HTTP {answer.status}"
        raise CredentialsRejected(
            scope.secret,
            scope.step,
            f"the token endpoint {_host(token_uri)} refused the refresh ({code})",
            hint=_REAUTHORIZE
            if code == "invalid_grant"
            else "Check client_id and client_secret against the OAuth client at the provider. "
            + _REAUTHORIZE,
        )
    issued = bearer_token(body)
    if issued is None:
        raise CredentialsRejected(
            scope.secret,
            scope.step,
            f"the token endpoint {_host(token_uri)} answered without a bearer access token "
            "and its lifetime",
            hint="Check that token_uri is the provider's OAuth 2.0 token endpoint.",
        )
    return issued


def bearer_token(body: Mapping[str, Any]) -> tuple[str, float] | None:
    """The access token and its lifetime in seconds from a token endpoint's answer, or None
    when it holds no bearer token with a lifetime. (`expires_in` as a string of digits, as
    Microsoft's v1 endpoint writes it, is read as its number.)"""
    access_token = body.get("access_token")
    expires_in = body.get("expires_in")
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    token_type = str(body.get("token_type") or "Bearer")
    if (
        not isinstance(access_token, str)
        or not access_token
        or isinstance(expires_in, bool)
        or not isinstance(expires_in, int | float)
        or expires_in <= 0
        or token_type.lower() != "bearer"
    ):
        return None
    return access_token, float(expires_in)


def _check_granted(asked: list[str], granted: object, token_uri: str, scope: RotationScope) -> None:
    """The scopes the calendar was authorized for, all granted again (a person may have
    unticked one at the provider since)."""
    if not asked or not isinstance(granted, str):
        return
    have = {scope_name(s) for s in granted.split()}
    missing = [s for s in asked if scope_name(s) not in have and s not in _IDENTITY_SCOPES]
    if missing:
        raise CredentialsRejected(
            scope.secret,
            scope.step,
            f"the token endpoint {_host(token_uri)} no longer grants {', '.join(missing)}",
            hint="Authorize the calendar again with every scope it needs; the current value "
            "is unchanged.",
        )


def _scopes(value: object) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(item) for item in value if str(item).strip()]
    return []


def parse_expiry(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url
