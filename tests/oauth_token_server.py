"""A fake OAuth 2.0 token endpoint on 127.0.0.1 that answers refresh-token grants as Google's
and Microsoft's do, and their consent page and authorization-code grants (with PKCE).

    with OAuthTokenServer(refresh_token="1//r0", client_id="c", client_secret="s") as oauth:
        oauth.token_uri                     # http://127.0.0.1:<port>/token
        oauth.fail(503)                     # the next grant answers 503
        oauth.fail(429, retry_after=1)      # ... 429 with Retry-After: 1
        oauth.hang()                        # the next grant is read and never answered
        oauth.revoke()                      # every later grant: 400 invalid_grant

What it does as the providers do:
- `POST /token`, a form: `grant_type=refresh_token`, `refresh_token`, `client_id`,
  `client_secret`, optional `scope`. 200 JSON: `access_token` (new each time), `expires_in`,
  `scope` (the granted scopes, space-separated), `token_type: Bearer`.
- `rotates_refresh_tokens=False` (Google): no `refresh_token` in the answer, the old one stays
  valid. `True` (Microsoft): a new `refresh_token` in every answer (the old one also stays
  valid, as Microsoft's do until they expire).
- A revoked or unknown refresh token: 400 `{"error": "invalid_grant", "error_description":
  "Token has been expired or revoked."}`; a wrong client: 401 `invalid_client`; another grant
  type: 400 `unsupported_grant_type`.

The consent (`GET /authorize`, the address `authorize_uri` gives) as the executive's click
on Google's or Microsoft's consent page ends it:

    oauth.consent("grant")                 # (the default) 302 to redirect_uri?code=…&state=…
    oauth.consent("deny")                  # 302 to redirect_uri?error=access_denied&state=…
    oauth.consent("grant", scopes=())      # granted, the calendar box unticked

- An unknown client_id, a response_type other than `code`, no redirect_uri or no S256
  code_challenge: 400 and an HTML error page, no redirect (as Google's "Error 400:
  invalid_request" page).
- `grant_type=authorization_code`: the code once (a second use: 400 `invalid_grant`, "Bad
  Request"), with the redirect_uri it was given for (else 400 `redirect_uri_mismatch`) and
  the verifier whose S256 is its challenge (else 400 `invalid_grant`, "Invalid code
  verifier."). 200: `access_token`, `expires_in`, `refresh_token`, `scope`, `token_type`.
  With `client_secret=None` (a public client, as Microsoft's) no secret is asked.
- `garble()`: the next grant answers 200 with an HTML page instead of JSON.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from local_http import FakeApiHandler

GOOGLE_CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    hang: bool = False
    garbage: bool = False


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    refresh_tokens: set[str] = field(default_factory=set)
    grants: list[dict[str, str]] = field(default_factory=list)
    failures: deque[_Failure] = field(default_factory=deque)
    issued: list[str] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    codes: dict[str, _Code] = field(default_factory=dict)
    consents: list[dict[str, str]] = field(default_factory=list)
    decision: str = "grant"
    consent_scopes: tuple[str, ...] | None = None


class OAuthTokenServer:
    def __init__(
        self,
        *,
        refresh_token: str,
        client_id: str,
        client_secret: str | None,
        rotates_refresh_tokens: bool = False,
        granted_scopes: tuple[str, ...] = (GOOGLE_CALENDAR_SCOPE,),
        expires_in: int = 3599,
        token_prefix: str = "ya29.fake-",
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.rotates_refresh_tokens = rotates_refresh_tokens
        self.granted_scopes = granted_scopes
        self.expires_in = expires_in
        self.token_prefix = token_prefix
        self._state = _State(refresh_tokens={refresh_token})
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> OAuthTokenServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def token_uri(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/token"

    @property
    def authorize_uri(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/authorize"

    # ---- scripting ----------------------------------------------------------------------

    def fail(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        with self._state.lock:
            for _ in range(times):
                self._state.failures.append(_Failure(status, retry_after))

    def hang(self) -> None:
        """The next grant is read whole and never answered (until the server stops)."""
        with self._state.lock:
            self._state.failures.append(_Failure(0, None, hang=True))

    def garble(self) -> None:
        """The next grant answers 200 with an HTML page, not JSON."""
        with self._state.lock:
            self._state.failures.append(_Failure(200, None, garbage=True))

    def consent(self, decision: str = "grant", *, scopes: tuple[str, ...] | None = None) -> None:
        """How the consent page ends from now on: `grant` (with `scopes` ticked: None, what
        was asked) or `deny`."""
        with self._state.lock:
            self._state.decision = decision
            self._state.consent_scopes = scopes

    def revoke(self) -> None:
        """Every refresh token issued so far is revoked (the user removed the app's access)."""
        with self._state.lock:
            self._state.refresh_tokens.clear()

    # ---- inspection ---------------------------------------------------------------------

    @property
    def grants(self) -> list[dict[str, str]]:
        """Every request's form fields, in order (the failed ones too)."""
        with self._state.lock:
            return [dict(g) for g in self._state.grants]

    @property
    def issued(self) -> list[str]:
        """Every access and refresh token handed out, in order."""
        with self._state.lock:
            return list(self._state.issued)

    @property
    def consents(self) -> list[dict[str, str]]:
        """Every consent page's query, in order."""
        with self._state.lock:
            return [dict(c) for c in self._state.consents]

    # ---- the consent page ---------------------------------------------------------------

    def _authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """(302, the redirect's Location) or (400, an error page's text)."""
        with self._state.lock:
            self._state.consents.append(query)
            redirect_uri = query.get("redirect_uri", "")
            if query.get("client_id") != self.client_id:
                return 400, "Error 401: invalid_client. The OAuth client was not found."
            if (
                query.get("response_type") != "code"
                or not urlsplit(redirect_uri).scheme
                or query.get("code_challenge_method") != "S256"
                or not query.get("code_challenge")
            ):
                return 400, "Error 400: invalid_request"
            state = query.get("state")
            answer: dict[str, str]
            if self._state.decision == "deny":
                answer = {"error": "access_denied"}
            else:
                asked = tuple(query.get("scope", "").split())
                ticked = self._state.consent_scopes
                scopes = asked if ticked is None else ticked
                code = f"4/0fake-code-{next(self._state.counter)}"
                self._state.codes[code] = _Code(
                    self.client_id, redirect_uri, query["code_challenge"], scopes
                )
                answer = {"code": code, "scope": " ".join(scopes)}
            if state is not None:
                answer["state"] = state
            separator = "&" if "?" in redirect_uri else "?"
            return 302, f"{redirect_uri}{separator}{urlencode(answer)}"

    # ---- the endpoint -------------------------------------------------------------------

    def _code_grant(self, fields: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if fields.get("client_id") != self.client_id or (
            self.client_secret is not None and fields.get("client_secret") != self.client_secret
        ):
            return 401, {}, {"error": "invalid_client", "error_description": "Unauthorized"}
        code = self._state.codes.pop(fields.get("code", ""), None)
        if code is None:
            return 400, {}, {"error": "invalid_grant", "error_description": "Bad Request"}
        if fields.get("redirect_uri") != code.redirect_uri:
            return 400, {}, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
        verifier = fields.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != code.challenge:
            return (
                400,
                {},
                {"error": "invalid_grant", "error_description": "Invalid code verifier."},
            )
        n = next(self._state.counter)
        access_token, refresh_token = f"{self.token_prefix}{n}", f"1//fake-refresh-{n}"
        self._state.refresh_tokens.add(refresh_token)
        self._state.issued += [access_token, refresh_token]
        return (
            200,
            {},
            {
                "access_token": access_token,
                "expires_in": self.expires_in,
                "refresh_token": refresh_token,
                "scope": " ".join(code.scopes),
                "token_type": "Bearer",
            },
        )

    def _grant(self, fields: dict[str, str]) -> tuple[int, dict[str, str], Any] | None:
        with self._state.lock:
            self._state.grants.append(fields)
            failure = self._state.failures.popleft() if self._state.failures else None
            if failure is not None:
                if failure.hang:
                    return None
                if failure.garbage:
                    return 200, {}, "<html><body>Sorry, something went wrong.</body></html>"
                headers = (
                    {"Retry-After": str(failure.retry_after)}
                    if failure.retry_after is not None
                    else {}
                )
                return failure.status, headers, {"error": "temporarily_unavailable"}
            if fields.get("grant_type") == "authorization_code":
                return self._code_grant(fields)
            if fields.get("grant_type") != "refresh_token":
                return 400, {}, {"error": "unsupported_grant_type"}
            if (
                fields.get("client_id") != self.client_id
                or fields.get("client_secret") != self.client_secret
            ):
                return 401, {}, {"error": "invalid_client", "error_description": "Unauthorized"}
            if fields.get("refresh_token") not in self._state.refresh_tokens:
                return (
                    400,
                    {},
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    },
                )
            n = next(self._state.counter)
            access_token = f"{self.token_prefix}{n}"
            self._state.issued.append(access_token)
            body: dict[str, Any] = {
                "access_token": access_token,
                "expires_in": self.expires_in,
                "scope": " ".join(self.granted_scopes),
                "token_type": "Bearer",
            }
            if self.rotates_refresh_tokens:
                refresh_token = f"refresh-{n}"
                self._state.refresh_tokens.add(refresh_token)
                self._state.issued.append(refresh_token)
                body["refresh_token"] = refresh_token
            return 200, {}, body

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(FakeApiHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/authorize":
                    self.reply(404, {}, _page("Not found"))
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, text = server._authorize(query)
                if status != 302:
                    self.reply(status, {}, _page(text))
                    return
                self.redirect(text)

            def do_POST(self) -> None:
                fields = self.form()
                if self.path != "/token":
                    self.reply(404, {}, {"error": "not_found"})
                    return
                answer = server._grant(fields)
                if answer is None:
                    server._stopping.wait(60)
                    return
                self.reply(*answer)

        return Handler


def _page(text: str) -> str:
    return f"<!doctype html><title>Error</title><p>{text}</p>"
