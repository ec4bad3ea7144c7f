"""Slack's side of signing in to the web page (Sign in with Slack, OpenID Connect): the
address of Slack's authorize page, the code exchanged at `openid.connect.token`, and the
identity token it answers verified against the keys Slack publishes.

Slack's flow (`https://slack.com/.well-known/openid-configuration`): the browser goes to
`/openid/connect/authorize` with `response_type=code`, the scopes `openid profile email`, the
app's `client_id`, a `state`, a `nonce` and the `redirect_uri`, and comes back with `code` and
`state` (or `error=access_denied` when the person cancels). The code is POSTed as a form with
the client id and secret to `openid.connect.token`, which answers as every Web API method
does: HTTP 200 with `{"ok": true, "access_token": "xoxp-…", "id_token": "eyJ…"}` or
`{"ok": false, "error": "invalid_code"}`; 429 with `Retry-After` when rate limited. The
identity token is an RS256 JWT: `iss` https://slack.com, `aud` the client id, `exp` five
minutes after `iat`, the `nonce` sent, `https://slack.com/user_id`,
`https://slack.com/team_id`, `name` and `email`.

Nothing here logs or shows a code, a token or a claim's value: errors name what went wrong.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeGuard
from urllib.parse import urlencode

import httpx
import jwt

from exec_assistant.display_text import TITLE_LIMIT, visible
from exec_assistant.domain.calendar_consent import error_code
from exec_assistant.domain.errors import (
    WebSignInFailed,
    WebSignInNotConfigured,
    WebSignInUnavailable,
)
from exec_assistant.ports import Clock
from exec_assistant.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

SCOPES = ("openid", "profile", "email")
USER_ID_CLAIM = "https://slack.com/user_id"
TEAM_ID_CLAIM = "https://slack.com/team_id"
ALGORITHMS = ["RS256"]
"""The only signature accepted: Slack's (`id_token_signing_alg_values_supported`). Never
taken from the token's own header."""
LEEWAY = timedelta(seconds=60)
"""How far this server's clock and Slack's may disagree on `exp` and `iat`."""
KEYS_LIFETIME = timedelta(hours=1)
"""How long Slack's signing keys are kept before they are fetched again."""
KEYS_REFETCH_AFTER = timedelta(minutes=1)
"""A token signed with a key not among those kept fetches them again (Slack rotated its
keys), at most this often: a stream of forged key ids cannot make the server hammer Slack."""
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
"""3 s to connect to Slack, 10 s without a byte of its answer: the callback answers well
inside API Gateway's 30 s."""
MAX_ANSWER_BYTES = 256 * 1024

TRY_AGAIN = "Sign in again in a moment."
TELL_OPERATOR = "Tell whoever runs the deployment: its log names the cause."
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,40}\Z")
_SLACK_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,40}\Z")
_CONFIGURATION_ERRORS = frozenset(
    {
        "invalid_client_id",
        "bad_client_secret",
        "invalid_client",
        "bad_redirect_uri",
        "oauth_authorization_url_mismatch",
        "invalid_grant_type",
        "invalid_team_for_non_distributed_app",
        "unapproved_app",
    }
)
"""What `openid.connect.token` says when the deployment's own Slack app is at fault."""
_SPENT_CODE_ERRORS = frozenset({"invalid_code", "code_already_used", "code_expired"})


@dataclass(frozen=True)
class SlackOpenIdSettings:
    """The deployment's Slack app as an OpenID Connect client, and who may sign in."""

    client_id: str
    client_secret: str
    redirect_uri: str
    """The callback's address (`https://<web address>/sign-in/slack/callback`), as listed
    under the Slack app's OAuth & Permissions → Redirect URLs."""
    executive_user_id: str
    team_id: str | None = None
    """Only people of this workspace may sign in (None: the executive and the delegates, in
    whatever workspace)."""
    delegates: tuple[str, ...] = ()
    """Slack member ids of the delegates (a chief of staff, an assistant)."""
    delegates_see_private: bool = False
    issuer: str = "https://slack.com"
    authorize_url: str = "https://slack.com/openid/connect/authorize"
    token_url: str = "https://slack.com/api/openid.connect.token"
    jwks_url: str = "https://slack.com/openid/connect/keys"


@dataclass(frozen=True)
class SlackIdentity:
    """Who Slack says signed in, from a verified identity token."""

    user_id: str
    team_id: str | None
    name: str
    """As shown on the page: control characters and direction overrides made visible, cut
    to a title's length."""
    email: str | None


def slack_http_client() -> httpx.Client:
    """An HTTP client for Slack's endpoints: TIMEOUT, no redirects followed."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)


class SlackOpenId:
    """The authorize address, and the identity a callback's code stands for. Requests go
    through `client` (its timeouts apply: `slack_http_client`); times are judged by
    `clock`."""

    def __init__(self, settings: SlackOpenIdSettings, client: httpx.Client, clock: Clock) -> None:
        self._settings = settings
        self._client = client
        self._clock = clock
        self._keys = _SigningKeys(settings.jwks_url, client, clock)

    def authorize_url(self, state: str, nonce: str) -> str:
        """Slack's sign-in page for this app, preset to the workspace when one is set."""
        query = {
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "client_id": self._settings.client_id,
            "state": state,
            "nonce": nonce,
            "redirect_uri": self._settings.redirect_uri,
        }
        if self._settings.team_id:
            query["team"] = self._settings.team_id
        separator = "&" if "?" in self._settings.authorize_url else "?"
        return f"{self._settings.authorize_url}{separator}{urlencode(query)}"

    def identify(self, code: str, nonce: str) -> SlackIdentity:
        """Who signed in: the code exchanged, the identity token verified (its signature,
        issuer, audience, times and `nonce`). WebSignInFailed otherwise."""
        token = self._exchange(code)
        claims = self._verified(token, nonce)
        return _identity(claims)

    # ---- the code -----------------------------------------------------------------------

    def _exchange(self, code: str) -> str:
        fields = {
            "client_id": self._settings.client_id,
            "client_secret": self._settings.client_secret,
            "code": code,
            "redirect_uri": self._settings.redirect_uri,
            "grant_type": "authorization_code",
        }
        body = _json_answer(
            self._client, "POST", self._settings.token_url, "its sign-in", data=fields
        )
        if body.get("ok") is not True:
            raise _refused(body.get("error"))
        token = body.get("id_token")
        if not isinstance(token, str) or not token:
            raise WebSignInUnavailable(
                "Slack confirmed the sign-in but sent no identity token; no session was started.",
                reason="no_id_token",
                hint=TELL_OPERATOR + " The Slack app needs the openid user scope.",
            )
        return token

    # ---- the identity token -------------------------------------------------------------

    def _verified(self, token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _unverified("is not a token", "malformed_id_token") from None
        kid = header.get("kid")
        key = self._keys.key_for(kid if isinstance(kid, str) else None)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self._settings.client_id,
                issuer=self._settings.issuer,
                options={
                    "require": ["iss", "aud", "sub", "exp", "iat", "nonce"],
                    # judged below against the injected clock
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise _unverified("is not signed with Slack's key", "bad_signature") from None
        except jwt.InvalidAlgorithmError:
            raise _unverified("is not signed as Slack signs", "bad_algorithm") from None
        except jwt.InvalidAudienceError:
            raise _unverified("was made for another app", "wrong_audience") from None
        except jwt.InvalidIssuerError:
            raise _unverified("was not issued by Slack", "wrong_issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _unverified(f"has no {exc.claim}", "missing_claim") from None
        except jwt.PyJWTError:
            raise _unverified("is not a token", "malformed_id_token") from None
        self._check_times(claims)
        given = claims.get("nonce")
        if not isinstance(given, str) or not hmac.compare_digest(given, nonce):
            raise _unverified("was made for another sign-in", "wrong_nonce")
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        now = self._clock.now().timestamp()
        leeway = LEEWAY.total_seconds()
        expires, issued = claims.get("exp"), claims.get("iat")
        if not _is_number(expires) or not _is_number(issued):
            raise _unverified("has no readable times", "bad_times")
        if expires <= now - leeway:
            raise _unverified("has expired", "expired")
        not_before = claims.get("nbf", issued)
        if issued > now + leeway or (_is_number(not_before) and not_before > now + leeway):
            raise _unverified("is dated in the future", "not_yet_valid")


class _SigningKeys:
    """Slack's signing keys (its JWKS), fetched through the client and kept a while."""

    def __init__(self, url: str, client: httpx.Client, clock: Clock) -> None:
        self._url = url
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at: datetime | None = None

    def key_for(self, kid: str | None) -> Any:
        """The public key of `kid` (None: the only key there is)."""
        with self._lock:
            now = self._clock.now()
            age = None if self._fetched_at is None else now - self._fetched_at
            if self._keys is None or age is None or age >= KEYS_LIFETIME:
                self._fetch(now)
            key = self._find(kid)
            if key is None and age is not None and age >= KEYS_REFETCH_AFTER:
                self._fetch(now)
                key = self._find(kid)
        if key is None:
            raise _unverified("is signed with a key Slack does not publish", "unknown_key")
        return key

    def _find(self, kid: str | None) -> Any:
        keys = list(self._keys or ())
        if kid is None:
            return keys[0].key if len(keys) == 1 else None
        return next((k.key for k in keys if k.key_id == kid), None)

    def _fetch(self, now: datetime) -> None:
        body = _json_answer(self._client, "GET", self._url, "its signing keys")
        try:
            keys = jwt.PyJWKSet.from_dict(body)
        except jwt.PyJWTError:
            log.warning("slack signing keys unusable")
            raise WebSignInUnavailable(
                "Slack's signing keys could not be read, so the sign-in could not be "
                "verified; no session was started.",
                reason="keys_unusable",
                hint=TRY_AGAIN,
            ) from None
        self._keys, self._fetched_at = keys, now


def _json_answer(
    client: httpx.Client, method: str, url: str, what: str, **request: Any
) -> dict[str, Any]:
    """The JSON object Slack answered; WebSignInUnavailable for no answer in time, a broken
    connection, 429, an error status, or an answer that is not a JSON object."""
    try:
        response = client.request(method, url, headers={"Accept": "application/json"}, **request)
    except httpx.HTTPError as exc:
        late = isinstance(exc, httpx.TimeoutException)
        problem = "did not answer in time" if late else "could not be reached"
        log.warning("slack %s", problem, extra={"asked": what})
        raise WebSignInUnavailable(
            f"Slack {problem} for {what}; no session was started.",
            reason="slack_timeout" if late else "slack_unreachable",
            hint=TRY_AGAIN,
        ) from None
    status = response.status_code
    if status == 429:
        wait = retry_after_seconds(response.headers.get("retry-after"))
        raise WebSignInUnavailable(
            "Slack is receiving too many sign-ins right now; no session was started.",
            reason="slack_rate_limited",
            hint=f"Sign in again in {max(int(wait or 0), 1)} s." if wait is not None else TRY_AGAIN,
        )
    body = _json_object(response.content) if len(response.content) <= MAX_ANSWER_BYTES else None
    if status >= 400 or body is None:
        log.warning("slack answer unusable", extra={"asked": what, "status": status})
        problem = f"answered with an error (HTTP {status})" if status >= 400 else "answered"
        if status < 400:
            problem += " with something other than Slack's JSON"
        raise WebSignInUnavailable(
            f"Slack {problem} for {what}; no session was started.",
            reason="slack_error" if status >= 400 else "slack_garbage",
            hint=TRY_AGAIN,
        )
    return body


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _refused(error: object) -> WebSignInFailed:
    """What `{"ok": false, "error": …}` from openid.connect.token means for the person."""
    code = error_code(error) if isinstance(error, str) else None
    log.warning("slack refused the code", extra={"error": code or "unknown"})
    if code in _SPENT_CODE_ERRORS:
        return WebSignInFailed(
            "Slack no longer accepts this sign-in (it took too long, or it was completed "
            "already); no session was started.",
            reason=code or "invalid_code",
            hint="Sign in again.",
        )
    if code in _CONFIGURATION_ERRORS:
        return WebSignInNotConfigured(
            f"Slack refused this assistant's Slack app ({code}); no session was started.",
            reason=code or "bad_client",
            hint="Tell whoever runs the deployment: the Slack secret's client_id and "
            "client_secret must be the app's (Basic Information → App Credentials) and the "
            "app's Redirect URLs must list this site's /sign-in/slack/callback.",
        )
    return WebSignInUnavailable(
        f"Slack refused the sign-in{f' ({code})' if code else ''}; no session was started.",
        reason=code or "slack_refused",
        hint=TRY_AGAIN,
    )


def _unverified(what: str, reason: str) -> WebSignInUnavailable:
    log.warning("slack identity token refused", extra={"problem": reason})
    return WebSignInUnavailable(
        f"Slack's answer could not be trusted: its identity token {what}; no session was started.",
        reason=reason,
        hint="Sign in again. If this happens again, tell whoever runs the deployment (this "
        "server's clock may be wrong; its log names the cause).",
    )


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _identity(claims: dict[str, Any]) -> SlackIdentity:
    user_id = claims.get(USER_ID_CLAIM, claims.get("sub"))
    if not isinstance(user_id, str) or not _SLACK_USER_ID.match(user_id):
        raise _unverified("names no Slack member", "no_user_id")
    team = claims.get(TEAM_ID_CLAIM)
    team_id = team if isinstance(team, str) and _SLACK_TEAM_ID.match(team) else None
    email = claims.get("email")
    shown_email = visible(email.strip(), limit=TITLE_LIMIT) if isinstance(email, str) else None
    name = claims.get("name")
    shown_name = (
        visible(name.strip(), limit=TITLE_LIMIT) if isinstance(name, str) and name.strip() else ""
    )
    return SlackIdentity(
        user_id=user_id,
        team_id=team_id,
        name=shown_name or shown_email or user_id,
        email=shown_email or None,
    )
