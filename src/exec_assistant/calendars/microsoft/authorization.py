"""The Microsoft 365 authorization, kept in the credential store and renewed when it expires.

It is stored as the authorized-user JSON object the other calendar authorizations use
(`token`, `refresh_token`, `token_uri`, `client_id`, `scopes`, `expiry`, `provider`, and the
`account` it was given by), the same keys the secret rotation on AWS renews. A public client
has no `client_secret`.

The renewal is one form POST of a refresh-token grant to the stored `token_uri`, as the
rotation makes it, rather than msal's `acquire_token_by_refresh_token`: msal would first ask
the authority for its OpenID configuration, one more request on every sync, and hands back
the same fields. Microsoft rotates refresh tokens: the one it answers replaces the stored one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from exec_assistant.adapters.credentials.oauth_refresh import (
    bearer_token,
    expiry_text,
    parse_expiry,
    scope_name,
)
from exec_assistant.calendars.microsoft.graph_http import GraphHttp, HttpFailed
from exec_assistant.domain.calendar_consent import MICROSOFT_CALENDAR_SCOPE, MICROSOFT_SCOPES
from exec_assistant.ports import Clock, CredentialStore

PROVIDER = "microsoft"
CALENDAR_SCOPE = MICROSOFT_CALENDAR_SCOPE
SCOPES = MICROSOFT_SCOPES
"""Read-only: the calendars, and a refresh token to go on reading them."""
EXPIRY_MARGIN = timedelta(minutes=1)
"""A token with less left than this is renewed first: it would not outlive the sync."""
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_AADSTS = re.compile(r"AADSTS\d{4,6}")
_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_SIGN_IN_AGAIN_ERRORS = frozenset(
    {"invalid_grant", "interaction_required", "consent_required", "login_required"}
)
_CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client"})

ProblemKind = Literal["missing", "expired", "client", "unusable", "unreachable"]


class AuthorizationProblem(Exception):
    """The authorization cannot be used: none stored, expired or revoked (`expired`), the
    app registration refused (`client`), not an authorization at all (`unusable`), or the
    token endpoint gave no answer (`unreachable`). `detail` names codes, never a value."""

    def __init__(self, kind: ProblemKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class StoredAuthorization:
    value: dict[str, Any]
    """The stored object as it is, its other keys kept on renewal."""
    token: str | None
    refresh_token: str
    token_uri: str
    client_id: str
    expiry: datetime | None

    @property
    def account(self) -> str | None:
        account = self.value.get("account")
        return account if isinstance(account, str) and account else None

    def usable_at(self, now: datetime) -> bool:
        return bool(self.token) and self.expiry is not None and self.expiry - EXPIRY_MARGIN > now


def parse_authorization(value: Mapping[str, Any] | None) -> StoredAuthorization:
    """The stored authorization; AuthorizationProblem when there is none, or none usable."""
    if value is None:
        raise AuthorizationProblem("missing")
    fields: dict[str, str] = {}
    for key in ("refresh_token", "token_uri", "client_id"):
        item = value.get(key)
        if not isinstance(item, str) or not item.strip():
            raise AuthorizationProblem("unusable", f"it has no {key}")
        fields[key] = item.strip()
    token = value.get("token")
    return StoredAuthorization(
        value=dict(value),
        token=token if isinstance(token, str) and token else None,
        refresh_token=fields["refresh_token"],
        token_uri=fields["token_uri"],
        client_id=fields["client_id"],
        expiry=parse_expiry(value.get("expiry")),
    )


def authorization_value(
    *,
    access_token: str,
    refresh_token: str,
    token_uri: str,
    client_id: str,
    expiry: datetime,
    account: str | None,
) -> dict[str, Any]:
    """A new authorization, as `calendars add microsoft` stores it."""
    value: dict[str, Any] = {
        "provider": PROVIDER,
        "token": access_token,
        "refresh_token": refresh_token,
        "token_uri": token_uri,
        "client_id": client_id,
        "scopes": list(SCOPES),
        "expiry": expiry_text(expiry),
    }
    if account:
        value["account"] = account
    return value


class MicrosoftAuthorization:
    """The access token for the requests of one sync: the stored one while it lasts, a new
    one (saved back) when it has expired or Graph has refused it."""

    def __init__(self, store: CredentialStore, http: GraphHttp, clock: Clock) -> None:
        self._store = store
        self._http = http
        self._clock = clock
        self._current: StoredAuthorization | None = None
        self.renewed = False
        """True once this sync has renewed the token: a refusal after that is final."""

    def load(self) -> StoredAuthorization:
        if self._current is None:
            self._current = parse_authorization(self._store.load(PROVIDER))
        return self._current

    @property
    def episode(self) -> str | None:
        """A name for the authorization in use (a digest of its refresh token): the
        executive is told once that it died, not at every sync."""
        if self._current is None:
            return None
        return hashlib.sha256(self._current.refresh_token.encode()).hexdigest()[:16]

    def bearer(self) -> str:
        current = self.load()
        if current.token and current.usable_at(self._clock.now()):
            return current.token
        return self.renew()

    def renew(self) -> str:
        current = self.load()
        _check_endpoint(current.token_uri)
        fields = {
            "grant_type": "refresh_token",
            "refresh_token": current.refresh_token,
            "client_id": current.client_id,
            "scope": " ".join(SCOPES),
        }
        try:
            answer = self._http.post_form(current.token_uri, fields, {"Accept": "application/json"})
        except HttpFailed as exc:
            raise AuthorizationProblem(
                "unreachable", f"the token endpoint {_host(current.token_uri)}: {exc.reason}"
            ) from None
        issued_at = self._clock.now()
        body = answer.json_object() or {}
        if answer.status != 200:
            raise _refused(answer.status, body)
        issued = bearer_token(body)
        if issued is None:
            raise AuthorizationProblem(
                "unusable",
                f"the token endpoint {_host(current.token_uri)} answered without a bearer "
                "token and its lifetime",
            )
        granted = body.get("scope")
        if isinstance(granted, str) and not grants_calendars(granted):
            raise AuthorizationProblem("expired", f"{CALENDAR_SCOPE} is no longer granted")
        renewed = dict(current.value)
        access_token, expires_in = issued
        renewed["token"] = access_token
        renewed["expiry"] = expiry_text(issued_at + timedelta(seconds=expires_in))
        new_refresh = body.get("refresh_token")
        if isinstance(new_refresh, str) and new_refresh:
            renewed["refresh_token"] = new_refresh
        self._store.save(PROVIDER, renewed)
        self._current = parse_authorization(renewed)
        self.renewed = True
        return access_token


def grants_calendars(scope: str) -> bool:
    """Whether a token answer's `scope` holds Calendars.Read (Microsoft answers
    `https://graph.microsoft.com/Calendars.Read` or the bare name)."""
    names = {scope_name(item) for item in scope.split()}
    return CALENDAR_SCOPE.lower() in names or "calendars.readwrite" in names


def error_code(body: Mapping[str, Any]) -> str:
    """`invalid_grant, AADSTS700082`: the OAuth error and Microsoft's own code, never the
    description's text (it carries trace ids and times)."""
    error = body.get("error")
    code = error if isinstance(error, str) and _CODE.fullmatch(error) else ""
    description = body.get("error_description")
    aadsts = _AADSTS.search(description) if isinstance(description, str) else None
    parts = [part for part in (code, aadsts.group(0) if aadsts else "") if part]
    return ", ".join(parts)


def _refused(status: int, body: Mapping[str, Any]) -> AuthorizationProblem:
    error = body.get("error")
    code = error_code(body) or f"HTTP {status}"
    if isinstance(error, str) and error in _CLIENT_ERRORS:
        return AuthorizationProblem("client", code)
    if status in (400, 401) or (isinstance(error, str) and error in _SIGN_IN_AGAIN_ERRORS):
        return AuthorizationProblem("expired", code)
    return AuthorizationProblem("unusable", f"the token endpoint answered {code}")


def _check_endpoint(token_uri: str) -> None:
    parts = urlsplit(token_uri)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return  # a token server on this machine: nothing travels the network in the clear
    raise AuthorizationProblem(
        "unusable", "its token_uri is not an https URL: the refresh token would travel in the clear"
    )


def _host(url: str) -> str:
    return urlsplit(url).netloc or url
