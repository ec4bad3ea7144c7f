"""The local HTTP endpoint: `POST /slack/events` (events, interactivity and slash commands on
one path) as Starlette routes, served by uvicorn on a thread.

The routes are a list so the web page can share the same ASGI app:
`Starlette(routes=[*slack_routes(app, max_body_bytes=n), *web_routes])`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from dataclasses import dataclass

import h11
import uvicorn
from slack_bolt import App
from slack_bolt.response import BoltResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from exec_assistant.domain.errors import ConfigError
from exec_assistant.slack.incoming import MalformedSlackRequest, parse_slack_request
from exec_assistant.slack.middleware import request_kind

SLACK_EVENTS_PATH = "/slack/events"
BODY_SECONDS = 10.0
"""The longest a client may take to send a body: a trickle that never ends gets 408."""
HEAD_SECONDS = 10.0
"""The longest a connection may take to send a request's line and headers before it is
closed: connections that never finish them (slow-loris) would otherwise stay open for ever."""

logger = logging.getLogger(__name__)


class _BodyTooLarge(Exception):
    pass


def slack_routes(
    app: App, *, max_body_bytes: int, path: str = SLACK_EVENTS_PATH
) -> list[BaseRoute]:
    """The Slack route: a body over `max_body_bytes` gets 413 before it is read whole (its
    Content-Length, else the bytes counted as they arrive: chunked bodies too), a body that
    is not a form or a JSON object 400, and a request Bolt refuses its status (401 for a bad
    or stale signature). `app.dispatch` runs on a worker thread, never on the event loop."""

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return PlainTextResponse("Content-Length is not a number", status_code=400)
            if int(length) > max_body_bytes:
                return _too_large(max_body_bytes)
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await _read_at_most(request, max_body_bytes)
        except _BodyTooLarge:
            return _too_large(max_body_bytes)
        except TimeoutError:
            return PlainTextResponse("the body took too long to arrive", status_code=408)
        except ClientDisconnect:
            return Response(status_code=400)
        headers = {name: request.headers.getlist(name) for name in request.headers}
        query = {name: request.query_params.getlist(name) for name in request.query_params}
        try:
            bolt_request = parse_slack_request(body, headers, query)
        except MalformedSlackRequest as exc:
            return PlainTextResponse(f"not a Slack request: {exc}", status_code=400)
        bolt_response: BoltResponse = await run_in_threadpool(app.dispatch, bolt_request)
        logger.info(
            "slack request",
            extra={
                "kind": request_kind(bolt_request.body),
                "status": bolt_response.status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return Response(
            status_code=bolt_response.status,
            content=bolt_response.body,
            headers=bolt_response.first_headers_without_set_cookie(),
        )

    return [Route(path, slack_events, methods=["POST"])]


async def _read_at_most(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> Response:
    return PlainTextResponse(
        f"the body is larger than {limit // 1024} KB",
        status_code=413,
        headers={"connection": "close"},
    )


def slack_asgi_app(app: App, *, max_body_bytes: int) -> Starlette:
    """An ASGI app serving only the Slack route."""
    return Starlette(routes=slack_routes(app, max_body_bytes=max_body_bytes))


@dataclass
class RunningEndpoint:
    """A uvicorn server on a thread; it stops when its stop event is set."""

    host: str
    port: int
    thread: threading.Thread
    server: uvicorn.Server

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(timeout)


def _head_deadline_protocol(head_seconds: float) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol, with a deadline for each request's head."""

    class HeadDeadlineProtocol(H11Protocol):
        """Closes a connection that has not sent a whole request head (line and headers)
        within `head_seconds` of opening, or of its previous response. uvicorn's own
        keep-alive timer stops at the first byte, so a head sent a byte at a time, or never
        ended, would hold the connection for ever."""

        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self._arm_head_timer()

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:
                self._disarm_head_timer()

        def on_response_complete(self) -> None:
            self._arm_head_timer()  # before: the next pipelined request may disarm it
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_timer()
            super().connection_lost(exc)

        def _arm_head_timer(self) -> None:
            self._disarm_head_timer()
            self._head_timer = self.loop.call_later(head_seconds, self._head_too_slow)

        def _disarm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeadDeadlineProtocol


def bind_http_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: a free port); a port already in use is a
    ConfigError naming it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            key="--http-port",
            hint="Choose another port with --http-port, or stop what is using it.",
        ) from None
    sock.listen(128)
    return sock


def run_http_endpoint(
    asgi_app: ASGIApp,
    host: str,
    port: int,
    stop: threading.Event,
    *,
    head_seconds: float = HEAD_SECONDS,
    sock: socket.socket | None = None,
) -> RunningEndpoint:
    """Serve `asgi_app` on host:port (0: a free port, see `.port`), or on `sock` bound by
    `bind_http_socket`, on a daemon thread, and return once it accepts connections. Setting
    `stop` stops it within a fraction of a second when idle (a request still running is
    given a second more). A port already in use is a ConfigError naming it.

    No limit on connections: uvicorn counts idle ones toward it, so a few dozen that never
    finish their headers would turn every Slack request away with 503. Instead each
    connection must send a request's head within `head_seconds`, and its body within
    BODY_SECONDS."""
    if sock is None:
        sock = bind_http_socket(host, port)
    bound_port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        asgi_app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=5,
        timeout_graceful_shutdown=1,
        http=_head_deadline_protocol(head_seconds),
    )
    server = uvicorn.Server(config)

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()

    def watch() -> None:
        stop.wait()
        server.should_exit = True

    thread = threading.Thread(target=serve, name=f"slack-http-{bound_port}", daemon=True)
    thread.start()
    threading.Thread(target=watch, name=f"slack-http-stop-{bound_port}", daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.should_exit = True
        raise ConfigError(f"the HTTP endpoint on {host}:{bound_port} did not start")
    return RunningEndpoint(host=host, port=bound_port, thread=thread, server=server)
