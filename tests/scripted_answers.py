"""The frame of a fake JSON API (`FakeApi`), and the failures it can be told to answer next,
whatever the request: a status with its body and headers, a body that is not JSON, an answer
that never starts, one that never ends.

    api.faults.add(Fault.answer_with(429, body, {"Retry-After": "1"}), times=2)
    api.faults.add(Fault.endless())

A fake records every request, answers the next scripted fault if there is one, and otherwise
answers as the API (`respond`). Slow faults stop as soon as the server is closing, so a test
never waits on them.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from local_http import LocalHttpServer

Kind = Literal["status", "garbage", "stall", "endless"]


@dataclass(frozen=True)
class Fault:
    kind: Kind
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds before the answer starts (a slow peer that then answers)."""

    @classmethod
    def answer_with(
        cls, status: int, body: Any, headers: dict[str, str] | None = None, *, delay: float = 0.0
    ) -> Fault:
        return cls("status", status, body, headers or {}, delay)

    @classmethod
    def garbage(cls) -> Fault:
        """200 with an HTML page (a captive portal, a proxy's login)."""
        return cls("garbage")

    @classmethod
    def stall(cls) -> Fault:
        """The connection is accepted and no answer ever starts."""
        return cls("stall")

    @classmethod
    def endless(cls) -> Fault:
        """200 and JSON that keeps coming, a few bytes at a time, forever."""
        return cls("endless")


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()

    def add(self, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._queue.extend([fault] * times)

    def take(self) -> Fault | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def answer(
        self, handler: BaseHTTPRequestHandler, fault: Fault, stopping: threading.Event
    ) -> None:
        if fault.delay and stopping.wait(fault.delay):
            return
        if fault.kind == "stall":
            stopping.wait(30)
            return
        if fault.kind == "garbage":
            send(handler, 200, b"<html><body>Sign in</body></html>", "text/html")
            return
        if fault.kind == "endless":
            handler.send_response_only(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Date", formatdate(usegmt=True))
            handler.end_headers()
            handler.wfile.write(b'{"incidents": [')
            while not stopping.is_set():
                try:
                    handler.wfile.write(b'{"id": "P", "title": "x"}, ')
                    handler.wfile.flush()
                except OSError:
                    return
                time.sleep(0.02)
            return
        body = fault.body if isinstance(fault.body, bytes) else json.dumps(fault.body).encode()
        send(handler, fault.status, body, "application/json; charset=utf-8", fault.headers)


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    # send_response_only: send_response would add a Date of its own beside a test's.
    handler.send_response_only(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    if not any(name.lower() == "date" for name in headers or {}):
        handler.send_header("Date", formatdate(usegmt=True))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    path: str
    query: dict[str, list[str]]
    """Every value of each key, in order (`statuses[]` may come several times)."""
    headers: dict[str, str]


class FakeApi(LocalHttpServer):
    """GETs recorded in `requests`, scripted `faults` first, then `respond`."""

    def __init__(self, *, clock_offset: timedelta = timedelta()) -> None:
        api = self
        self.clock_offset = clock_offset
        """How far this server's Date header is from the real time."""
        self.denied = False
        self.faults = Faults()
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.stored: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api._dispatch(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def add(self, *records: dict[str, Any]) -> None:
        with self.lock:
            self.stored.extend(records)

    def deny(self) -> None:
        """The credentials are valid but may not read what is asked."""
        self.denied = True

    def date(self) -> str:
        return format_datetime(datetime.now(UTC) + self.clock_offset, usegmt=True)

    def respond(
        self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]
    ) -> None:
        raise NotImplementedError

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        with self.lock:
            self.requests.append(Seen(parts.path, query, dict(handler.headers.items())))
        fault = self.faults.take()
        if fault is not None:
            self.faults.answer(handler, fault, self.stopping)
            return
        self.respond(handler, parts.path, query)
