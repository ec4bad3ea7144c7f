"""A fake OAuth 2.0 token endpoint on 127.0.0.1 that answers refresh-token grants as Google's
and Microsoft's do.

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
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

GOOGLE_CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    hang: bool = False


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    refresh_tokens: set[str] = field(default_factory=set)
    grants: list[dict[str, str]] = field(default_factory=list)
    failures: deque[_Failure] = field(default_factory=deque)
    issued: list[str] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class OAuthTokenServer:
    def __init__(
        self,
        *,
        refresh_token: str,
        client_id: str,
        client_secret: str,
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

    # ---- scripting ----------------------------------------------------------------------

    def fail(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        with self._state.lock:
            for _ in range(times):
                self._state.failures.append(_Failure(status, retry_after))

    def hang(self) -> None:
        """The next grant is read whole and never answered (until the server stops)."""
        with self._state.lock:
            self._state.failures.append(_Failure(0, None, hang=True))

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

    # ---- the endpoint -------------------------------------------------------------------

    def _grant(self, fields: dict[str, str]) -> tuple[int, dict[str, str], Any] | None:
        with self._state.lock:
            self._state.grants.append(fields)
            failure = self._state.failures.popleft() if self._state.failures else None
            if failure is not None:
                if failure.hang:
                    return None
                headers = (
                    {"Retry-After": str(failure.retry_after)}
                    if failure.retry_after is not None
                    else {}
                )
                return failure.status, headers, {"error": "temporarily_unavailable"}
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

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.path != "/token":
                    self._reply(404, {}, {"error": "not_found"})
                    return
                fields = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                answer = server._grant(fields)
                if answer is None:
                    server._stopping.wait(60)
                    return
                self._reply(*answer)

            def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
