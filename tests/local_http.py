"""A fake API's HTTP server: 127.0.0.1, a free port, a thread per request, started by `with`
and stopped on leaving it, when `stopping` is set so a handler told to stall or trickle lets
go at once; and `FakeApiHandler`, the answers such fakes give (JSON, an HTML page, a
redirect)."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs


class LocalHttpServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"


class FakeApiHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers as APIs do."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def form(self) -> dict[str, str]:
        """The posted form's fields (the first value of each)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def reply(self, status: int, headers: dict[str, str], body: Any) -> None:
        """`body` as JSON, or as an HTML page when it is a string. A client that has gone
        (it gave up waiting) is not an error."""
        is_page = isinstance(body, str)
        data = body.encode() if is_page else json.dumps(body).encode()
        self.send_response(status)
        kind = "text/html" if is_page else "application/json"
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
