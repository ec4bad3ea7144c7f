"""Lambda for the state machine's executions on moto: the functions answered in-process.

moto's Step Functions executor calls Lambda through a boto3 client on
`http://localhost:$MOTO_PORT` (read at each call). `LambdaFront` listens there instead of moto:
it answers `POST /2015-03-31/functions/{name}/invocations` by calling the test's callable for
that function name (`handler(event, context)`, as the Lambda runtime calls a handler) and
hands every other request to the moto server unchanged. A handler that raises is answered as
the Python runtime answers an unhandled error (`X-Amz-Function-Error: Unhandled`, the error's
class as `errorType`), so the definition's Retry and Catch see the exception's class name.

Function names are routed exactly: a test that names its functions uniquely (a suffix in the
ARNs it renders the definition with) is never answered by another test's callables, even by
an execution of an earlier test still running on the shared server.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import traceback
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from moto_server import ACCOUNT_ID, REGION

Handler = Callable[[Any, Any], Any]

_INVOCATION = re.compile(r"^/2015-03-31/functions/(?P<name>[^/?]+)/invocations(?:\?.*)?$")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class InvocationContext:
    """What the Lambda runtime hands a handler as its second argument (the attributes
    powertools and the handlers read)."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    timeout_seconds: int = 60
    started: float = field(default_factory=time.monotonic)
    alias: str | None = None
    """The alias the trigger invoked (on AWS every trigger invokes `live`)."""

    @property
    def invoked_function_arn(self) -> str:
        arn = function_arn(self.function_name)
        return f"{arn}:{self.alias}" if self.alias else arn

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"front/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        left = self.timeout_seconds - (time.monotonic() - self.started)
        return max(0, int(left * 1000))


@dataclass(frozen=True)
class Invocation:
    function_name: str
    event: Any
    error: str | None = None
    """The class name of what the handler raised."""


_UNHANDLED = {"X-Amz-Function-Error": "Unhandled"}


def _error(error_type: str, message: str, exc: BaseException) -> bytes:
    """The body the Python runtime answers a failed invocation with."""
    error = {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": "",
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }
    return json.dumps(error).encode()


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"


def function_name_of(reference: str) -> str:
    """The function name in an invocation's path: a name, a partial or full ARN, with or
    without a version or alias qualifier."""
    reference = urllib.parse.unquote(reference)
    parts = reference.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]


def forward(
    address: tuple[str, int], method: str, path: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The request handed to the server at `address` unchanged: its status, headers, body."""
    connection = http.client.HTTPConnection(*address, timeout=60)
    try:
        forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
        connection.request(method, path, body=body or None, headers=forwarded)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


class LambdaFront:
    """An HTTP server on 127.0.0.1: Lambda invocations answered by `handlers`, the rest
    proxied to the moto server at `moto_url`."""

    def __init__(self, moto_url: str) -> None:
        parsed = urllib.parse.urlsplit(moto_url)
        self._moto = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.handlers: dict[str, Handler] = {}
        self._calls: list[Invocation] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._request_handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lambda-front", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def calls(self, function_name: str | None = None) -> list[Invocation]:
        """The invocations answered so far, oldest first (of one function, if named)."""
        with self._lock:
            return [c for c in self._calls if function_name in (None, c.function_name)]

    @contextmanager
    def serving(self, handlers: Mapping[str, Handler]) -> Iterator[LambdaFront]:
        """`handlers` answer their functions' invocations until the block ends."""
        self.handlers.update(handlers)
        try:
            yield self
        finally:
            for name in handlers:
                self.handlers.pop(name, None)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _record(self, invocation: Invocation) -> None:
        with self._lock:
            self._calls.append(invocation)

    def _invoke(self, name: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        handler = self.handlers.get(name)
        if handler is None:
            message = json.dumps({"Type": "User", "Message": f"Function not found: {name}"})
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, message.encode()
        try:
            event = json.loads(body) if body.strip() else {}
        except ValueError:
            message = json.dumps({"Type": "User", "message": "Could not parse request body"})
            return 400, {"x-amzn-ErrorType": "InvalidRequestContentException"}, message.encode()
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        try:
            result = handler(event, InvocationContext(name))
        except Exception as exc:  # answered as the runtime answers an unhandled error
            self._record(Invocation(name, event, type(exc).__name__))
            return 200, headers | _UNHANDLED, _error(type(exc).__name__, str(exc), exc)
        try:
            answer = json.dumps(result).encode()
        except (TypeError, ValueError) as exc:  # as the runtime: the result is no JSON
            self._record(Invocation(name, event, "Runtime.MarshalError"))
            message = f"Unable to marshal response: {exc}"
            return 200, headers | _UNHANDLED, _error("Runtime.MarshalError", message, exc)
        self._record(Invocation(name, event))
        return 200, headers, answer

    def _proxy(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        return forward(self._moto, method, path, headers, body)

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("content-length") or 0)
                return self.rfile.read(length) if length else b""

            def _answer(self, status: int, headers: Any, body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items() if isinstance(headers, dict) else headers:
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _handle(self) -> None:
                body = self._body()
                match = _INVOCATION.match(self.path)
                if self.command == "POST" and match:
                    name = function_name_of(match.group("name"))
                    if self.headers.get("x-amz-invocation-type") == "Event":
                        threading.Thread(
                            target=front._invoke, args=(name, body), daemon=True
                        ).start()
                        self._answer(202, {}, b"")
                        return
                    self._answer(*front._invoke(name, body))
                    return
                self._answer(*front._proxy(self.command, self.path, dict(self.headers), body))

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

        return Handler
