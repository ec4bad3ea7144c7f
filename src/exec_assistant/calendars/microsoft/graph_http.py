"""HTTP for Microsoft Graph and the Microsoft identity platform: one request at a time, each
within its deadline and a size cap, throttling honoured, and a way to stop.

httpx's timeouts bound each read, not the whole answer, so a server that trickles a byte a
second could hold a sync for as long as it likes. Here the answer's headers must come within
the deadline, and then a watchdog shuts the connection's socket down at the deadline (or when
the run is told to stop), which ends whatever read was waiting.

An answer of 429 or 5xx is asked again after its `Retry-After` (else 1, 2, 4 s), for at most
`ATTEMPTS` tries; the waits of all the requests of one GraphHttp (one sync of one calendar)
stay within its wait budget, and a longer wait asked for ends the sync instead (the next one
tries again). A GET whose connection broke is asked again too; a POST only when it was never
sent, as a token grant that reached the server may have been spent.

Nothing here logs or reports a header, a field or a body: errors say what happened on the
wire only.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from exec_assistant.calendars.http_fetch import size_text
from exec_assistant.domain.errors import Interrupted
from exec_assistant.retry_after import retry_after_seconds

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 4
FIRST_BACKOFF_SECONDS = 1.0
_CHUNK = 64 * 1024
_WATCH_SLICE_SECONDS = 0.05


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: httpx.Headers
    body: bytes

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None when it is not one (not JSON, an array, too
        deeply nested to read)."""
        try:
            parsed = json.loads(self.body)
        except (ValueError, RecursionError):
            return None
        return parsed if isinstance(parsed, dict) else None


class HttpFailed(Exception):
    """No usable answer: `reason` says why, in words fit for an error message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Throttled(HttpFailed):
    """The server kept answering 429 or 5xx, or asked for a wait past the budget left."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class _NotSent(Exception):
    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class GraphHttp:
    """The requests of one sync (or one sign-in), on `client`.

    `request_seconds` bounds each request, its whole answer included; `wait_budget_seconds`
    the waits between attempts, all requests together; `max_bytes` each answer's body.
    Setting `abort` stops the next request and any wait, raising Interrupted.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        request_seconds: float,
        wait_budget_seconds: float,
        max_bytes: int,
        abort: threading.Event | None = None,
        stopped: str = "stopped talking to Microsoft",
        attempts: int = ATTEMPTS,
        first_backoff: float = FIRST_BACKOFF_SECONDS,
        pause: Callable[[float], None] | None = None,
    ) -> None:
        self._client = client
        self._request_seconds = request_seconds
        self._budget_left = wait_budget_seconds
        self._max_bytes = max_bytes
        self._abort = abort
        self._stopped = stopped
        self._attempts = attempts
        self._first_backoff = first_backoff
        self._pause = pause or self._wait
        self.sent = 0
        """Requests that went out, retries included (for the logs and the benchmarks)."""
        self.waited = 0.0

    def get(self, url: str, headers: Mapping[str, str]) -> HttpAnswer:
        return self._send("GET", url, headers, None, idempotent=True)

    def post_form(
        self, url: str, fields: Mapping[str, str], headers: Mapping[str, str]
    ) -> HttpAnswer:
        body = urlencode(dict(fields)).encode()
        form_headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", url, form_headers, body, idempotent=False)

    def check_abort(self) -> None:
        if self._abort is not None and self._abort.is_set():
            raise Interrupted(self._stopped)

    def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        idempotent: bool,
    ) -> HttpAnswer:
        attempt = 0
        while True:
            attempt += 1
            self.check_abort()
            try:
                answer = self._exchange(method, url, headers, body, retry_broken=idempotent)
            except _NotSent as exc:
                if not exc.retry or attempt >= self._attempts:
                    suffix = f" ({attempt} attempts)" if attempt > 1 else ""
                    raise HttpFailed(exc.reason + suffix) from None
                status, wait, problem = 0, self._backoff(attempt), exc.reason
            else:
                if answer.status not in RETRIED_STATUSES:
                    return answer
                if attempt >= self._attempts:
                    raise Throttled(
                        answer.status,
                        f"it kept answering HTTP {answer.status} ({attempt} attempts)",
                    )
                asked = retry_after_seconds(answer.headers.get("Retry-After"))
                status, problem = answer.status, f"HTTP {answer.status}"
                wait = asked if asked is not None else self._backoff(attempt)
            if wait > self._budget_left:
                left = max(self._budget_left, 0)
                if status:
                    raise Throttled(
                        status,
                        f"it answered {problem} and asks to wait {wait:g} s, more than the "
                        f"{left:g} s this sync may still wait",
                    )
                raise HttpFailed(
                    f"{problem}; trying again after {wait:g} s would take more than the "
                    f"{left:g} s this sync may still wait"
                )
            self._budget_left -= wait
            self.waited += wait
            self._pause(wait)

    def _backoff(self, attempt: int) -> float:
        return float(self._first_backoff * 2 ** (attempt - 1))

    def _wait(self, seconds: float) -> None:
        if self._abort is None:
            time.sleep(seconds)
        elif self._abort.wait(seconds):
            raise Interrupted(self._stopped)

    def _exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        retry_broken: bool,
    ) -> HttpAnswer:
        deadline = time.monotonic() + self._request_seconds
        watch: _Watchdog | None = None
        self.sent += 1
        try:
            with self._client.stream(
                method,
                url,
                headers=dict(headers),
                content=body,
                timeout=httpx.Timeout(self._request_seconds),
            ) as response:
                watch = _Watchdog(response, deadline, self._abort)
                try:
                    data = self._read(response)
                finally:
                    watch.stop()
                return HttpAnswer(response.status_code, response.headers, data)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise HttpFailed("the address is not an http(s) URL") from None
        except httpx.DecodingError:
            raise HttpFailed("the answer's compressed body cannot be read") from None
        except httpx.ConnectTimeout:
            raise _NotSent(f"no connection within {self._request_seconds:g} s") from None
        except httpx.ConnectError as exc:
            untrusted = _tls_problem(exc)
            if untrusted:
                raise _NotSent(untrusted, retry=False) from None
            raise _NotSent(_network_problem(exc)) from None
        except httpx.HTTPError as exc:
            if watch is not None and watch.aborted:
                raise Interrupted(self._stopped) from None
            if (watch is not None and watch.expired) or isinstance(exc, httpx.TimeoutException):
                reason = f"no complete answer within {self._request_seconds:g} s"
            else:
                reason = _network_problem(exc)
            if retry_broken:
                raise _NotSent(reason) from None
            raise HttpFailed(reason) from None

    def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise HttpFailed(_too_large(self._max_bytes, int(declared)))
        data = bytearray()
        for piece in response.iter_bytes(_CHUNK):
            data += piece
            if len(data) > self._max_bytes:
                raise HttpFailed(_too_large(self._max_bytes))
        return bytes(data)


class _Watchdog:
    """Shuts the answer's socket down at the deadline or when `abort` is set."""

    def __init__(
        self, response: httpx.Response, deadline: float, abort: threading.Event | None
    ) -> None:
        self.expired = False
        self.aborted = False
        self._deadline = deadline
        self._abort = abort
        self._done = threading.Event()
        stream = response.extensions.get("network_stream")
        self._socket: socket.socket | None = (
            stream.get_extra_info("socket") if stream is not None else None
        )
        self._thread: threading.Thread | None = None
        if self._socket is not None:
            self._thread = threading.Thread(target=self._run, name="graph-watchdog", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(_WATCH_SLICE_SECONDS):
            if self._abort is not None and self._abort.is_set():
                self.aborted = True
            elif time.monotonic() >= self._deadline:
                self.expired = True
            else:
                continue
            assert self._socket is not None
            with contextlib.suppress(OSError):  # already closed: nothing to stop
                self._socket.shutdown(socket.SHUT_RDWR)
            return


def _too_large(limit: int, actual: int | None = None) -> str:
    seen = f" (it is {size_text(actual)})" if actual is not None else ""
    return (
        f"an answer is larger than {size_text(limit)}{seen}; raise "
        "EXEC_ASSISTANT_CALENDAR_MAX_MB if the calendar really is that large"
    )


def _causes(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _tls_problem(exc: Exception) -> str | None:
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"its certificate is not trusted ({cause.verify_message})"
        if isinstance(cause, ssl.SSLError):
            return "no secure connection could be made"
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return "its certificate is not trusted"
    return None


def _network_problem(exc: Exception) -> str:
    """What happened, without the Python exception's name or errno."""
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return "the host name cannot be found"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError | BrokenPipeError):
            return "the connection was reset"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection broke before a whole answer came"
    return "the connection failed"
