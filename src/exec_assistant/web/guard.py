"""What every request passes before a page sees it: the security headers on every response,
a Host this server answers to, no state-changing request from another Origin, and a session
for everything but the sign-in and the public assets."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exec_assistant.ports import Clock
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""No inline script or style at all: markup that slipped through escaping still cannot run."""

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    # Not "no-referrer": under it a browser posts a form with `Origin: null`, which the
    # Origin check must refuse. "same-origin" sends nothing to any other site.
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SIGN_IN_PATH = "/sign-in"
BODY_SECONDS = 10.0
"""The longest a form may take to arrive once its headers have (a request's head has its
own deadline in the server)."""


@dataclass(frozen=True)
class GuardRules:
    public_paths: frozenset[str]
    """Paths served without a session (the sign-in and its callback)."""
    public_prefixes: tuple[str, ...]
    """Path prefixes served without a session (the assets)."""
    cross_origin_paths: frozenset[str]
    """Paths other servers post to, which check their own signature (Slack's events)."""
    allowed_hosts: frozenset[str] | None
    """Host headers answered; None: any (behind API Gateway, which sets it). Locally the
    loopback names only, so a page that rebinds its own name to 127.0.0.1 gets nothing."""
    body_seconds: float = BODY_SECONDS


def loopback_hosts(port: int, bound: str | None = None) -> frozenset[str]:
    """The names a page on this machine's loopback is reached by, and `bound`, the loopback
    address the server listens on when it is another (127.0.0.2, say)."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    if bound:
        names.add(f"[{bound.strip('[]')}]" if ":" in bound else bound.lower())
    return frozenset({f"{name}:{port}" for name in names} | (names if port == 80 else set()))


class WebGuard:
    """ASGI middleware in front of the whole app (Slack's route included)."""

    def __init__(
        self, app: ASGIApp, *, cookies: SessionCookies, clock: Clock, rules: GuardRules
    ) -> None:
        self._app = app
        self._cookies = cookies
        self._clock = clock
        self._rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        send = _with_security_headers(send, no_store=not _is_asset(scope, self._rules))
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if scope["path"] not in self._rules.cross_origin_paths:  # Slack's route bounds its own
            length = Headers(scope=scope).get("content-length")
            if length is not None and (not length.isdigit() or int(length) > BODY_LIMIT_BYTES):
                await _too_large()(scope, receive, send)
                return
            if scope["method"] not in SAFE_METHODS:
                # Read whole before any page sees it: a body that never ends, or trickles in
                # for ever, holds a connection no longer than BODY_SECONDS.
                try:
                    async with asyncio.timeout(self._rules.body_seconds):
                        body = await _read_at_most(receive, BODY_LIMIT_BYTES)
                except TimeoutError:
                    await _too_slow(self._rules.body_seconds)(scope, receive, send)
                    return
                if body is None:
                    await _too_large()(scope, receive, send)
                    return
                receive = _replay(body, receive)
        await self._app(scope, receive, send)

    def _refusal(self, scope: Scope) -> Response | None:
        connection = HTTPConnection(scope)
        path: str = scope["path"]
        headers = connection.headers
        hosts = self._rules.allowed_hosts
        if hosts is not None and headers.get("host", "").lower() not in hosts:
            return PlainTextResponse("unknown host", status_code=421)
        method: str = scope["method"]
        if method == "HEAD" and path in self._rules.public_paths:
            # A sign-in step acts when it is opened (spends a link, a state): a HEAD, which
            # a link preview or an uptime check sends, must not.
            return PlainTextResponse("open it with GET", status_code=405, headers={"allow": "GET"})
        crossing = method not in SAFE_METHODS and path not in self._rules.cross_origin_paths
        if crossing and not _same_origin(headers, str(scope.get("scheme", "http"))):
            return PlainTextResponse(
                "refused: this form was not sent from this site", status_code=403
            )
        session = self._cookies.read(connection.cookies.get(SESSION_COOKIE), self._clock.now())
        scope.setdefault("state", {})["session"] = session
        if session is not None or self._is_public(path):
            return None
        if method in SAFE_METHODS:
            target = _relative_target(scope)
            where = SIGN_IN_PATH if target == "/" else f"{SIGN_IN_PATH}?next={quote(target)}"
            return RedirectResponse(where, status_code=303)
        return PlainTextResponse("sign in first", status_code=403)

    def _is_public(self, path: str) -> bool:
        return (
            path in self._rules.public_paths
            or path in self._rules.cross_origin_paths
            or path.startswith(self._rules.public_prefixes)
        )


BODY_LIMIT_BYTES = 3 * 1024 * 1024
"""The largest request body a page takes (a form with pasted or uploaded notes)."""


def _too_large() -> Response:
    megabytes = BODY_LIMIT_BYTES // (1024 * 1024)
    return _refusal_page(
        413,
        "That form was too large",
        f"The form is larger than {megabytes} MB, the most a page takes. Go back: what you "
        "typed is still in the form. Send less at a time (notes: split long ones).",
    )


def _too_slow(seconds: float) -> Response:
    return _refusal_page(
        408,
        "That form took too long",
        f"The form did not arrive within {seconds:g} seconds. Go back and send it again.",
    )


def _refusal_page(status: int, title: str, words: str) -> Response:
    """A page of its own, made before any page of the app can be: the connection is then
    closed, since the rest of the body is not read."""
    page = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} · exec-assistant</title>\n"
        '<link rel="stylesheet" href="/assets/app.css">\n</head>\n<body>\n<main id="main">\n'
        f'<h1>{title}</h1>\n<p class="problem" role="alert">{words}</p>\n'
        '<p><a href="/">Back to the fortnight</a></p>\n</main>\n</body>\n</html>\n'
    )
    return HTMLResponse(page, status_code=status, headers={"connection": "close"})


async def _read_at_most(receive: Receive, limit: int) -> bytes | None:
    """A body sent without a length (chunked), read whole; None once it passes `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def receiving() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receiving


def _is_asset(scope: Scope, rules: GuardRules) -> bool:
    return str(scope["path"]).startswith(rules.public_prefixes)


def _same_origin(headers: Headers, scheme: str) -> bool:
    """The request came from a page of this site: its Origin (or, without one, its Referer)
    names this scheme and host, and the browser does not call it cross-site. A client that
    sends neither (a script, curl) is left to the CSRF token every form carries."""
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    site = (scheme.lower(), headers.get("host", "").lower())
    origin = headers.get("origin")
    if origin is not None:
        return origin != "null" and _site_of(origin) == site
    referer = headers.get("referer")
    return referer is None or _site_of(referer) == site


def _site_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _relative_target(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return str(scope["path"]) + (f"?{query}" if query else "")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 32 for c in target):
        return "/"
    return target


def _with_security_headers(send: Send, *, no_store: bool) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS.items():
                headers[name] = value
            if no_store:  # pages hold meeting content: no copy in any cache
                headers["cache-control"] = "no-store"
        await send(message)

    return sending
