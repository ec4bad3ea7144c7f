"""Connecting the executive's calendar account on AWS: OAuth 2.0's authorization-code grant
with PKCE (RFC 7636), started from a link an operator asks for and finished on the callback
route, which stores the authorization.

Three secrets travel through the executive's browser, each random, single-use and short-lived:
the *invitation* (the connect link's `ticket`, valid an hour, spent when a calendar is
connected with it), the *state* (the consent's `state`, valid 10 minutes, spent by the first
callback that shows it) and the *browser key* (a cookie set with the redirect to the consent
page: the callback must come back to the same browser). The records of the pending steps keep
only their SHA-256 digests: a copy of the table holds nothing a browser could use.

The state is kept server-side rather than signed: the PKCE verifier must stay off the
browser's URL, and "used once" needs a record to spend whatever the state's form.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from exec_assistant.domain.authorized_user import scope_name

START_PATH = "/oauth/calendar/start"
CALLBACK_PATH = "/oauth/calendar/callback"
INVITATION_LIFETIME = timedelta(hours=1)
"""How long a connect link may be opened (and opened again after a failed attempt)."""
CONSENT_LIFETIME = timedelta(minutes=10)
"""From the redirect to the consent page until its callback."""
BROWSER_COOKIE = "__Host-calendar-consent"
"""`__Host-`: sent back only over HTTPS, to this host, for every path; never set by a
subdomain."""

_RANDOM_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}\Z")
"""What `new_token` makes: 32 random bytes, base64url without padding."""
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_CODE = re.compile(r"[\x21-\x7e]{1,4096}\Z")
"""An authorization code: printable ASCII without spaces. Google's are about 70 characters,
Microsoft's over a thousand; one past 4 KB is not sent on."""
_ERROR_CODE = re.compile(r"[a-z_]{1,40}\Z")

ProviderName = Literal["google", "microsoft"]


class ConsentStage(StrEnum):
    INVITED = "invited"
    """A connect link was given out: its ticket's digest."""
    REDIRECTED = "redirected"
    """The browser was sent to the consent page: its state's digest."""


class PendingConsent(BaseModel):
    """One pending step, kept until `expires_at` (and spent once)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: ConsentStage
    digest: str
    """SHA-256 (hex) of the ticket or the state."""
    provider: ProviderName
    created_at: datetime
    expires_at: datetime
    invitation: str | None = None
    """The invitation's digest (a redirect: the link it came from)."""
    code_verifier: str | None = None
    """PKCE's verifier (a redirect): sent with the code, never shown to the browser."""
    redirect_uri: str | None = None
    """The callback URL the consent page was given, sent again with the code (it must match)."""
    browser_digest: str | None = None
    """SHA-256 (hex) of the browser key set as a cookie with the redirect."""


@dataclass(frozen=True)
class ConsentProvider:
    """How one provider's consent page and token endpoint are asked."""

    name: ProviderName
    display_name: str
    authorization_endpoint: str
    token_endpoint: str
    scopes: tuple[str, ...]
    """Asked for, in this order; all must be granted but `identity_scopes`."""
    parameters: tuple[tuple[str, str], ...]
    """Added to the consent page's query (offline access, always the consent screen)."""
    client_secret_required: bool
    identity_scopes: tuple[str, ...] = ()
    """Scopes a token endpoint may leave out of the `scope` it answers."""

    @property
    def required_scopes(self) -> tuple[str, ...]:
        return tuple(s for s in self.scopes if s not in self.identity_scopes)


GOOGLE_READ_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
"""Read the calendars, change nothing."""

GOOGLE = ConsentProvider(
    name="google",
    display_name="Google",
    authorization_endpoint="https://accounts.google.com/o/oauth2/v2/auth",
    token_endpoint="https://oauth2.googleapis.com/token",
    scopes=(GOOGLE_READ_SCOPE,),
    # offline: a refresh token; consent: one every time (Google gives it on first consent
    # only otherwise, and a second connection would get none).
    parameters=(("access_type", "offline"), ("prompt", "consent")),
    client_secret_required=True,
)


MICROSOFT_CALENDAR_SCOPE = "Calendars.Read"
MICROSOFT_SCOPES = (MICROSOFT_CALENDAR_SCOPE, "offline_access")
"""Read-only: the calendars, and a refresh token to go on reading them."""


def microsoft(authority: str) -> ConsentProvider:
    """Microsoft's identity platform at `authority` (`https://login.microsoftonline.com/common`
    or one tenant's). The app registration is a public client (no secret): the calendar
    monitor renews its tokens as `calendars add microsoft` does, without one."""
    base = authority.rstrip("/")
    return ConsentProvider(
        name="microsoft",
        display_name="Microsoft 365",
        authorization_endpoint=f"{base}/oauth2/v2.0/authorize",
        token_endpoint=f"{base}/oauth2/v2.0/token",
        scopes=MICROSOFT_SCOPES,
        parameters=(("prompt", "consent"), ("response_mode", "query")),
        client_secret_required=False,
        identity_scopes=("offline_access",),
    )


def new_token() -> str:
    """A ticket, a state or a browser key: 256 random bits."""
    return secrets.token_urlsafe(_RANDOM_BYTES)


def is_token(value: str) -> bool:
    """Whether `value` has the form `new_token` gives (checked before anything is looked up:
    a huge or control-character value goes no further)."""
    return bool(_TOKEN.match(value))


def is_authorization_code(value: str) -> bool:
    return bool(_CODE.match(value))


def error_code(value: str) -> str | None:
    """An OAuth error code (`access_denied`) as a provider sends it; None for anything else,
    which is then neither logged nor shown."""
    return value if _ERROR_CODE.match(value) else None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_code_verifier() -> str:
    """PKCE's verifier: 64 random bytes, 86 characters of base64url (RFC 7636 allows 43-128)."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    """S256: base64url(SHA-256(verifier)), without padding (RFC 7636 §4.2)."""
    hashed = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(hashed).rstrip(b"=").decode("ascii")


def is_secure_endpoint(url: str) -> bool:
    """https with a host, or http to this machine (a test's server): a client secret and a
    code never travel the network in the clear."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in _LOOPBACK


def missing_scopes(provider: ConsentProvider, granted: str | None) -> list[str]:
    """The required scopes the token endpoint's `scope` does not grant (a box the executive
    unticked on the consent page). An answer without `scope` grants what was asked."""
    if granted is None:
        return []
    have = {scope_name(s) for s in granted.split()}
    return [s for s in provider.required_scopes if scope_name(s) not in have]
