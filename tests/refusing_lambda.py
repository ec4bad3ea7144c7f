"""A Lambda endpoint on 127.0.0.1 that hands every request to the moto server, except the
alias updates of the functions named in `refused`: those are answered as Lambda answers an
update of a function that another update is still changing (409 ResourceConflictException).
How a run that stops partway through its aliases is made, which moto alone never does.

    with RefusingLambda(aws.url) as front:
        front.refused.add("exec-assistant-dev-reminder")
        # AWS_ENDPOINT_URL_LAMBDA=front.url
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lambda_front import forward

_ALIAS_UPDATE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/?]+)/aliases/[^/?]+$")
_NOT_RELAYED = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class RefusingLambda:
    def __init__(self, moto_url: str) -> None:
        parsed = urllib.parse.urlsplit(moto_url)
        self._moto = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.refused: set[str] = set()
        """Function names whose alias updates are refused."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> RefusingLambda:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        update = _ALIAS_UPDATE.match(urllib.parse.urlsplit(path).path)
        if method == "PUT" and update and urllib.parse.unquote(update["name"]) in self.refused:
            message = "The operation cannot be performed at this time. An update is in progress"
            refusal = json.dumps({"Type": "User", "message": message}).encode()
            kind = ("x-amzn-ErrorType", "ResourceConflictException")
            return 409, [kind, ("Content-Type", "application/json")], refusal
        return forward(self._moto, method, path, headers, body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        front = self

        class Handler(BaseHTTPRequestHandler):
            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, answer = front.answer(
                    self.command, self.path, dict(self.headers), body
                )
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in _NOT_RELAYED:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_PUT = do_POST = do_DELETE = _relay

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
