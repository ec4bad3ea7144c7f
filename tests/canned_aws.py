"""An AWS endpoint on 127.0.0.1 that gives every request the same answer: how a refusal
(AccessDenied, a failed event entry) reaches the adapters, which moto never gives."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.config import Config

from moto_server import AwsEndpoint


@dataclass
class CannedAws:
    url: str
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    """(method, path, headers) of every request received."""

    def client(self, service: str) -> Any:
        config = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5)
        return AwsEndpoint(self.url).session().client(service, endpoint_url=self.url, config=config)


@contextmanager
def canned_aws(
    status: int, body: bytes, headers: dict[str, str] | None = None
) -> Iterator[CannedAws]:
    """An endpoint answering `status` with `body` and `headers` to every request."""
    canned = CannedAws("")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            canned.requests.append((self.command, self.path, dict(self.headers)))
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    canned.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield canned
    finally:
        server.shutdown()
        server.server_close()


def json_error(code: str, message: str) -> tuple[int, bytes, dict[str, str]]:
    """The answer of a JSON-protocol service (Secrets Manager, EventBridge, Scheduler)."""
    body = json.dumps({"__type": code, "message": message}).encode()
    return 400, body, {"content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code}


def s3_error(code: str, message: str, status: int = 403) -> tuple[int, bytes, dict[str, str]]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>R1</RequestId></Error>"
    ).encode()
    return status, body, {"content-type": "application/xml"}
