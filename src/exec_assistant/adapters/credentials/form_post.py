"""A form POST to a token endpoint or an API, answered in JSON, within a deadline.

3 s to connect, then at most 10 s without a byte of the answer, and never past the caller's
deadline. A request that was not sent (no connection) and an answer of 429 or 5xx are tried
again, after the `Retry-After` the server gives (or 1, 2, 4 s), as long as the wait ends
before the deadline. A request sent and then left unanswered is not sent again: the server
may have acted on it (a refresh token spent), and a blind repeat would not tell.

Nothing here logs or reports a field, a header or the body: errors say what happened on the
wire only.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from exec_assistant.retry_after import retry_after_seconds

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 10.0
ATTEMPTS = 4
FIRST_BACKOFF_SECONDS = 1.0
MAX_ANSWER_BYTES = 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class JsonAnswer:
    status: int
    body: dict[str, Any]
    """The answer's JSON object; empty when the answer is not one."""


class PostFailed(Exception):
    """No usable answer: `reason` says why, in words fit for an error message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NotSent(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FormPoster:
    """POSTs of `application/x-www-form-urlencoded` fields; `sleep` is the wait between
    attempts."""

    def __init__(
        self,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        first_backoff: float = FIRST_BACKOFF_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.attempts = attempts
        self.first_backoff = first_backoff
        self._sleep = sleep

    def post(
        self,
        url: str,
        fields: Mapping[str, str],
        *,
        deadline: float,
        bearer: str | None = None,
    ) -> JsonAnswer:
        """The answer to POSTing `fields` to `url` (with `Authorization: Bearer <bearer>`),
        by `deadline` (time.monotonic); PostFailed otherwise."""
        body = urlencode(dict(fields)).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": "exec-assistant",
        }
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        attempt = 0
        while True:
            attempt += 1
            try:
                status, asked_wait, data = self._once(url, body, headers, deadline)
            except _NotSent as exc:
                if attempt >= self.attempts:
                    raise PostFailed(f"{exc.reason} ({attempt} attempts)") from None
                wait = self._backoff(attempt)
                problem = exc.reason
            else:
                if status != 429 and status < 500:
                    return JsonAnswer(status, _json_object(data))
                if attempt >= self.attempts:
                    raise PostFailed(f"HTTP {status} ({attempt} attempts)")
                wait = asked_wait if asked_wait is not None else self._backoff(attempt)
                problem = f"HTTP {status}"
            left = deadline - time.monotonic()
            if wait >= left:
                raise PostFailed(
                    f"{problem}, and the next attempt after {wait:g} s would end past the "
                    f"{max(left, 0):.0f} s left"
                )
            self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        return float(self.first_backoff * 2 ** (attempt - 1))

    def _once(
        self, url: str, body: bytes, headers: Mapping[str, str], deadline: float
    ) -> tuple[int, float | None, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PostFailed(f"{url} is not an http(s) URL")
        left = deadline - time.monotonic()
        if left <= 0:
            raise PostFailed("no time left to ask")
        connection: http.client.HTTPConnection
        timeout = min(self.connect_timeout, left)
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            try:
                connection.connect()
            except TimeoutError:
                raise _NotSent(f"no connection within {timeout:g} s") from None
            except ssl.SSLError:
                raise PostFailed("no secure connection could be made") from None
            except OSError as exc:
                raise _NotSent(_connect_problem(exc)) from None
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                self._limit(connection, deadline)
                connection.request("POST", target, body=body, headers=dict(headers))
                response = connection.getresponse()
                data = self._read(connection, response, deadline)
            except TimeoutError:
                raise PostFailed(
                    f"no answer within {self.read_timeout:g} s"
                    if time.monotonic() < deadline
                    else "no answer before the time left ran out"
                ) from None
            except (OSError, http.client.HTTPException):
                raise PostFailed("the connection broke before a whole answer came") from None
            return response.status, retry_after_seconds(response.getheader("Retry-After")), data
        finally:
            connection.close()

    def _limit(self, connection: http.client.HTTPConnection, deadline: float) -> None:
        """The next wait for the server: the read timeout, or less if the deadline is
        nearer (then an answer that trickles in is cut off at the deadline)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        if connection.sock is not None:
            connection.sock.settimeout(min(self.read_timeout, left))

    def _read(
        self,
        connection: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        deadline: float,
    ) -> bytes:
        data = bytearray()
        while True:
            self._limit(connection, deadline)
            piece = response.read1(_CHUNK)
            if not piece:
                return bytes(data)
            data += piece
            if len(data) > MAX_ANSWER_BYTES:
                raise PostFailed(f"the answer is larger than {MAX_ANSWER_BYTES // 1024} KB")


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(data)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _connect_problem(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return "the host name cannot be found"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if exc.strerror:
        return exc.strerror.lower()
    return "the connection failed"
