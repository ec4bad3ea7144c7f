"""A fake of Slack's OpenID Connect provider (Sign in with Slack) on 127.0.0.1: its authorize
page, `openid.connect.token` and its signing keys, answering as Slack does.

    with OpenIdProvider(client_id="c", client_secret="s", clock=clock) as slack:
        slack.sign_in_as(SlackUser("U0EXEC", "T0NORTH", "Jordan Lee", "jordan@x.example"))
        slack.authorize_url                 # http://127.0.0.1:<port>/openid/connect/authorize
        slack.misbehave(Misbehaviour.EXPIRED)   # the next token answer's id_token has expired
        slack.cancel()                      # the next authorize ends with error=access_denied

What it does as Slack does (https://slack.com/.well-known/openid-configuration):
- `GET /openid/connect/authorize?response_type=code&scope=openid profile email&client_id=…
  &state=…&nonce=…&redirect_uri=…` (the person's click on Slack's page): 302 to
  `redirect_uri?code=…&state=…`, as the user `sign_in_as` named; `cancel()`: 302 with
  `error=access_denied&state=…`. An unknown client, another response_type, no `openid`
  scope or no redirect_uri: 400 and an HTML page, no redirect.
- `POST /api/openid.connect.token`, a form with `client_id`, `client_secret`, `code`,
  `redirect_uri`, `grant_type`: HTTP 200 and `{"ok": true, "access_token": "xoxp-…",
  "token_type": "Bearer", "id_token": …}`, the id_token an RS256 JWT with `iss`
  https://slack.com, `sub`, `aud` (the client id), `iat`, `exp` (5 minutes later),
  `auth_time`, `nonce`, `https://slack.com/user_id`, `https://slack.com/team_id`, `name`,
  `email`… Failures are HTTP 200 `{"ok": false, "error": …}` as every Web API method's:
  `invalid_client_id`, `bad_client_secret`, `invalid_code` (unknown or used code: each
  works once), `bad_redirect_uri` (not the authorize's).
- `GET /openid/connect/keys`: `{"keys": [{"kty": "RSA", "kid": …, "alg": "RS256", "use":
  "sig", "n": …, "e": "AQAB"}]}`.

`misbehave(m)` spoils the next token answer (or, for KEYS_DOWN, the next keys answer); see
`Misbehaviour`. `clock` (anything with `now()`) dates the tokens: give it the app's.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from local_http import FakeApiHandler, LocalHttpServer

ISSUER = "https://slack.com"
AUTHORIZE_PATH = "/openid/connect/authorize"
TOKEN_PATH = "/api/openid.connect.token"
KEYS_PATH = "/openid/connect/keys"
TOKEN_LIFETIME_SECONDS = 300
"""Slack's id_token: exp is iat + 5 minutes."""


class Misbehaviour(StrEnum):
    WRONG_AUDIENCE = "wrong_audience"
    """The id_token's `aud` is another app's client id."""
    WRONG_ISSUER = "wrong_issuer"
    EXPIRED = "expired"
    """Issued 10 minutes ago, expired 5 minutes ago."""
    FROM_THE_FUTURE = "from_the_future"
    """Issued 10 minutes from now."""
    WRONG_NONCE = "wrong_nonce"
    BAD_SIGNATURE = "bad_signature"
    """Signed with another private key under the published key id."""
    UNKNOWN_KEY = "unknown_key"
    """Signed with a key id the keys endpoint does not list."""
    HS256 = "hs256"
    """Signed with HMAC, the client secret as the key (the algorithm-confusion attack)."""
    NO_ID_TOKEN = "no_id_token"
    SERVER_ERROR = "server_error"
    """HTTP 500 and an HTML page."""
    RATE_LIMITED = "rate_limited"
    """HTTP 429, `Retry-After: 3`, `{"ok": false, "error": "ratelimited"}`."""
    SLOW = "slow"
    """The answer comes after `slow_seconds`."""
    GARBAGE = "garbage"
    """HTTP 200 and an HTML page instead of JSON."""
    NOT_OK = "not_ok"
    """HTTP 200 and `{"ok": false, "error": "invalid_code"}`."""
    BAD_CLIENT = "bad_client"
    """HTTP 200 and `{"ok": false, "error": "bad_client_secret"}`."""
    KEYS_DOWN = "keys_down"
    """The keys endpoint answers HTTP 500 (next time it is asked)."""


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    team_id: str
    name: str
    email: str


class _Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class _Code:
    user: SlackUser
    redirect_uri: str
    nonce: str | None


@cache
def signing_key(which: int = 0) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, made once per test process (the provider's, or another)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    user: SlackUser | None = None
    cancel_next: bool = False
    codes: dict[str, _Code] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    misbehaviours: deque[Misbehaviour] = field(default_factory=deque)
    authorizations: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    key_requests: int = 0
    key_id: str = "slack-key-1"
    key_index: int = 0


class OpenIdProvider(LocalHttpServer):
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        clock: _Clock | None = None,
        slow_seconds: float = 3.0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._now: Callable[[], datetime] = clock.now if clock else lambda: datetime.now(UTC)
        self.slow_seconds = slow_seconds
        self._state = _State()
        super().__init__(self._handler_class())

    @property
    def authorize_url(self) -> str:
        return self.url + AUTHORIZE_PATH

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH

    @property
    def jwks_url(self) -> str:
        return self.url + KEYS_PATH

    # ---- scripting ----------------------------------------------------------------------

    def sign_in_as(self, user: SlackUser) -> None:
        """Who is signed in to Slack in the browser from now on."""
        with self._state.lock:
            self._state.user = user
            self._state.cancel_next = False

    def cancel(self) -> None:
        """The next authorize ends with the person's *Cancel*."""
        with self._state.lock:
            self._state.cancel_next = True

    def misbehave(self, misbehaviour: Misbehaviour) -> None:
        with self._state.lock:
            self._state.misbehaviours.append(misbehaviour)

    def rotate_keys(self) -> None:
        """Slack signs with a new key from now on, and publishes only that one."""
        with self._state.lock:
            self._state.key_index += 1
            self._state.key_id = f"slack-key-{self._state.key_index + 1}"

    # ---- inspection ---------------------------------------------------------------------

    @property
    def authorizations(self) -> list[dict[str, str]]:
        """Every authorize request's query, in order."""
        with self._state.lock:
            return [dict(a) for a in self._state.authorizations]

    @property
    def token_requests(self) -> list[dict[str, str]]:
        """Every token request's form, in order."""
        with self._state.lock:
            return [dict(t) for t in self._state.token_requests]

    @property
    def key_requests(self) -> int:
        with self._state.lock:
            return self._state.key_requests

    # ---- the endpoints ------------------------------------------------------------------

    def _authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """(302, the Location) or (400, an error page's text)."""
        with self._state.lock:
            self._state.authorizations.append(query)
            redirect_uri = query.get("redirect_uri", "")
            if query.get("client_id") != self.client_id:
                return 400, "invalid_client_id"
            if (
                query.get("response_type") != "code"
                or "openid" not in query.get("scope", "").split()
                or not urlsplit(redirect_uri).scheme
            ):
                return 400, "invalid_request"
            answer: dict[str, str]
            if self._state.cancel_next or self._state.user is None:
                self._state.cancel_next = False
                answer = {"error": "access_denied"}
            else:
                code = f"{next(self._state.counter)}.{secrets.token_hex(32)}"
                self._state.codes[code] = _Code(self._state.user, redirect_uri, query.get("nonce"))
                answer = {"code": code}
            if "state" in query:
                answer["state"] = query["state"]
            separator = "&" if "?" in redirect_uri else "?"
            return 302, f"{redirect_uri}{separator}{urlencode(answer)}"

    def _token(self, fields: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        with self._state.lock:
            self._state.token_requests.append(fields)
            spoiled = self._take(exclude=Misbehaviour.KEYS_DOWN)
            key_id, key_index = self._state.key_id, self._state.key_index
            if spoiled == Misbehaviour.SERVER_ERROR:
                return 500, {}, "<html><body>Internal Server Error</body></html>"
            if spoiled == Misbehaviour.GARBAGE:
                return 200, {}, "<html><body>Slack is having trouble.</body></html>"
            if spoiled == Misbehaviour.RATE_LIMITED:
                return 429, {"Retry-After": "3"}, {"ok": False, "error": "ratelimited"}
            if spoiled == Misbehaviour.NOT_OK:
                return 200, {}, {"ok": False, "error": "invalid_code"}
            if spoiled == Misbehaviour.BAD_CLIENT:
                return 200, {}, {"ok": False, "error": "bad_client_secret"}
            if fields.get("client_id") != self.client_id:
                return 200, {}, {"ok": False, "error": "invalid_client_id"}
            if fields.get("client_secret") != self.client_secret:
                return 200, {}, {"ok": False, "error": "bad_client_secret"}
            code = self._state.codes.pop(fields.get("code", ""), None)
            if code is None:
                return 200, {}, {"ok": False, "error": "invalid_code"}
            if fields.get("redirect_uri") != code.redirect_uri:
                return 200, {}, {"ok": False, "error": "bad_redirect_uri"}
            n = next(self._state.counter)
        if spoiled == Misbehaviour.SLOW:
            self.stopping.wait(self.slow_seconds)
        body: dict[str, Any] = {
            "ok": True,
            "access_token": f"xoxp-fake-{n}",
            "token_type": "Bearer",
        }
        if spoiled != Misbehaviour.NO_ID_TOKEN:
            body["id_token"] = self._id_token(code, spoiled, key_id, key_index)
        return 200, {}, body

    def _take(
        self, *, exclude: Misbehaviour | None = None, only: Misbehaviour | None = None
    ) -> Misbehaviour | None:
        queue = self._state.misbehaviours
        for index, misbehaviour in enumerate(queue):
            if (only is not None and misbehaviour == only) or (
                only is None and misbehaviour != exclude
            ):
                del queue[index]
                return misbehaviour
        return None

    def _id_token(
        self, code: _Code, spoiled: Misbehaviour | None, key_id: str, key_index: int
    ) -> str:
        issued = int(self._now().timestamp())
        if spoiled == Misbehaviour.EXPIRED:
            issued -= 2 * TOKEN_LIFETIME_SECONDS
        if spoiled == Misbehaviour.FROM_THE_FUTURE:
            issued += 2 * TOKEN_LIFETIME_SECONDS
        user = code.user
        claims: dict[str, Any] = {
            "iss": "https://evil.example" if spoiled == Misbehaviour.WRONG_ISSUER else ISSUER,
            "sub": user.user_id,
            "aud": "0000000000.another-app"
            if spoiled == Misbehaviour.WRONG_AUDIENCE
            else self.client_id,
            "exp": issued + TOKEN_LIFETIME_SECONDS,
            "iat": issued,
            "auth_time": issued,
            "nonce": "a-nonce-of-another-sign-in"
            if spoiled == Misbehaviour.WRONG_NONCE
            else code.nonce,
            "at_hash": "tUbyWGBHe0V32FJEupkgVQ",
            "https://slack.com/team_id": user.team_id,
            "https://slack.com/user_id": user.user_id,
            "email": user.email,
            "email_verified": True,
            "date_email_verified": issued - 86_400,
            "locale": "en-US",
            "name": user.name,
            "given_name": user.name.partition(" ")[0],
            "family_name": user.name.partition(" ")[2],
        }
        if code.nonce is None and spoiled != Misbehaviour.WRONG_NONCE:
            del claims["nonce"]
        if spoiled == Misbehaviour.HS256:
            return jwt.encode(
                claims, self.client_secret, algorithm="HS256", headers={"kid": key_id}
            )
        key = signing_key(key_index)
        if spoiled == Misbehaviour.BAD_SIGNATURE:
            key = signing_key(key_index + 100)
        if spoiled == Misbehaviour.UNKNOWN_KEY:
            key, key_id = signing_key(key_index + 100), "a-key-slack-never-published"
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id})

    def _keys(self) -> tuple[int, dict[str, str], Any]:
        with self._state.lock:
            self._state.key_requests += 1
            if self._take(only=Misbehaviour.KEYS_DOWN) is not None:
                return 500, {}, "<html><body>Internal Server Error</body></html>"
            key_id, key_index = self._state.key_id, self._state.key_index
        public = RSAAlgorithm.to_jwk(signing_key(key_index).public_key(), as_dict=True)
        return 200, {}, {"keys": [{**public, "kid": key_id, "alg": "RS256", "use": "sig"}]}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(FakeApiHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == KEYS_PATH:
                    self.reply(*provider._keys())
                    return
                if parts.path != AUTHORIZE_PATH:
                    self.reply(404, {}, "<p>Not found</p>")
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, text = provider._authorize(query)
                if status != 302:
                    self.reply(status, {}, f"<!doctype html><title>Error</title><p>{text}</p>")
                    return
                self.redirect(text)

            def do_POST(self) -> None:
                fields = self.form()
                if urlsplit(self.path).path != TOKEN_PATH:
                    self.reply(404, {}, {"ok": False, "error": "unknown_method"})
                    return
                self.reply(*provider._token(fields))

        return Handler
