"""The executive's Google authorization: the stored authorized-user JSON as google-auth
credentials, the access token renewed at the authorization's own token endpoint when it has
expired, and the renewed token saved back to the credential store.

Every way the authorization can fail to renew (revoked, expired, the OAuth client deleted)
comes out as the one message the executive can act on: connect the account again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import google_auth_httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials

from exec_assistant.calendars.google.transport import BoundedHttp, TransportFailed
from exec_assistant.domain.calendar_consent import GOOGLE, GOOGLE_READ_SCOPE
from exec_assistant.domain.errors import CalendarAuthorizationExpired, CalendarUnavailable
from exec_assistant.ports import CredentialStore

log = logging.getLogger(__name__)

PROVIDER = "google"
"""The authorization's name in the credential store."""
READ_SCOPE = GOOGLE_READ_SCOPE
"""The scope `calendars add google` asks for: read the calendars, change nothing."""
READING_SCOPES = frozenset({READ_SCOPE, "https://www.googleapis.com/auth/calendar"})
"""Either lets the source read events."""
CONNECT_COMMAND = "exec-assistant calendars add google --client-secrets FILE"
KEPT = "meetings already stored are kept as they are"
GOOGLE_TOKEN_URI = GOOGLE.token_endpoint
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def not_connected(location: str, store: CredentialStore) -> CalendarUnavailable:
    return CalendarUnavailable(
        location,
        f"no Google account is connected (no authorization in {store.location})",
        hint=f"Run `{CONNECT_COMMAND}` to connect one (it opens Google's consent page).",
    )


def authorization_lapsed(location: str, refresh_token: str) -> CalendarAuthorizationExpired:
    """The one message for an authorization that no longer works, whatever the cause; its
    episode is a digest of the refresh token, so the executive is told once per dead
    authorization."""
    return CalendarAuthorizationExpired(
        location,
        "the Google authorization expired or was revoked",
        provider=PROVIDER,
        episode=hashlib.sha256(refresh_token.encode()).hexdigest()[:16],
        hint=f"Run `{CONNECT_COMMAND}` to authorize exec-assistant again; {KEPT}.",
    )


def sign_in_unavailable(location: str, reason: str) -> CalendarUnavailable:
    return CalendarUnavailable(
        location,
        f"Google's sign-in service gave no new access token ({reason})",
        hint=f"The next sync tries again; {KEPT}.",
    )


class GoogleAuthorization:
    """The credentials of one sync, read from the store once; `save()` writes a renewed
    access token back, keeping every other key as stored."""

    def __init__(self, store: CredentialStore, location: str) -> None:
        self._store = store
        self._location = location
        self._stored: dict[str, Any] | None = None
        self._credentials: Credentials | None = None
        self._token_at_load: str | None = None

    def credentials(self) -> Credentials:
        if self._credentials is None:
            stored = self._store.load(PROVIDER)
            if stored is None:
                raise not_connected(self._location, self._store)
            self._credentials = _credentials_of(stored, self._location)
            self._stored = stored
            self._token_at_load = self._credentials.token
        return self._credentials

    def ensure_valid(self, http: BoundedHttp) -> None:
        """Renew the access token when it has expired (or soon will)."""
        if not self.credentials().valid:
            self.refresh(http)

    def refresh(self, http: BoundedHttp) -> None:
        """A new access token from the token endpoint; CalendarUnavailable when none comes."""
        credentials = self.credentials()
        try:
            credentials.refresh(google_auth_httplib2.Request(http))  # type: ignore[no-untyped-call]
        except RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise sign_in_unavailable(self._location, "it did not answer") from None
            log.info(
                "google authorization refused",
                extra={"location": self._location, "error": _oauth_error(exc)},
            )
            raise self.lapsed() from None
        except TransportError as exc:
            cause = exc.args[0] if exc.args else None
            reason = cause.reason if isinstance(cause, TransportFailed) else "no answer"
            raise sign_in_unavailable(self._location, reason) from None
        except (TypeError, ValueError, KeyError):  # an answer that is not the token JSON
            raise sign_in_unavailable(self._location, "its answer cannot be read") from None
        log.info("google access token renewed", extra={"location": self._location})

    def lapsed(self) -> CalendarAuthorizationExpired:
        return authorization_lapsed(self._location, str(self.credentials().refresh_token))

    def save(self) -> None:
        """Store a renewed access token, unless the account was connected again meanwhile
        (another refresh token is stored: that newer authorization stands)."""
        credentials, stored = self._credentials, self._stored
        if credentials is None or stored is None or credentials.token == self._token_at_load:
            return
        current = self._store.load(PROVIDER)
        if current is None or current.get("refresh_token") != stored.get("refresh_token"):
            return
        renewed = json.loads(credentials.to_json())  # type: ignore[no-untyped-call]
        self._store.save(PROVIDER, {**current, "token": renewed["token"], **_expiry(renewed)})
        self._token_at_load = credentials.token


def _credentials_of(stored: Mapping[str, Any], location: str) -> Credentials:
    """google-auth's Credentials of the stored JSON, renewed at its own `token_uri`.

    (`Credentials.from_authorized_user_info` of google-auth 2.x always puts Google's token
    endpoint in place of the stored one; the authorization names its own, which must be
    https, or a server on this machine.)"""
    missing = [k for k in ("refresh_token", "client_id", "client_secret") if not stored.get(k)]
    if missing:
        raise _unusable(location, f"has no {', '.join(missing)}")
    token_uri = str(stored.get("token_uri") or GOOGLE_TOKEN_URI)
    parts = urlsplit(token_uri)
    if not (
        (parts.scheme == "https" and parts.hostname)
        or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    ):
        raise _unusable(location, "names a token endpoint that is not an https URL")
    scopes = stored.get("scopes")
    if isinstance(scopes, str):
        scopes = scopes.split()
    token = stored.get("token")
    try:
        return Credentials(  # type: ignore[no-untyped-call]
            token=token if isinstance(token, str) and token else None,
            refresh_token=str(stored["refresh_token"]),
            token_uri=token_uri,
            client_id=str(stored["client_id"]),
            client_secret=str(stored["client_secret"]),
            scopes=[str(s) for s in scopes] if isinstance(scopes, list) else None,
            expiry=_expiry_of(stored.get("expiry")),
        )
    except (ValueError, TypeError):
        raise _unusable(location, "cannot be read") from None


def _expiry_of(value: object) -> datetime | None:
    """The access token's expiry as google-auth keeps it (naive UTC); None: renew first."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _unusable(location: str, problem: str) -> CalendarUnavailable:
    return CalendarUnavailable(
        location,
        f"the stored Google authorization {problem}",
        hint=f"Run `{CONNECT_COMMAND}` to connect the account again.",
    )


def _expiry(renewed: Mapping[str, Any]) -> dict[str, Any]:
    return {"expiry": renewed["expiry"]} if "expiry" in renewed else {}


def _oauth_error(exc: RefreshError) -> str:
    """The OAuth error code (invalid_grant, invalid_client), for the log; never a token."""
    data = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(data, Mapping) and isinstance(data.get("error"), str):
        return str(data["error"])[:40]
    return "unknown"
