"""The HTTP under the Google clients: httplib2's `request()` on http.client, with one deadline
for a whole sync, a cap on each answer, and Ctrl-C honoured while a request is under way.

googleapiclient and google-auth's token refresh both call `request(uri, method, body,
headers)` and read `(response, content)`; httplib2's own timeout is the silence between two
bytes, so a server that trickles an answer, or one that never ends, would hold a sync. Here
each request runs in a watched worker (calendars/watched.py) and is cut off at the deadline.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httplib2

from exec_assistant.calendars.http_fetch import size_text
from exec_assistant.calendars.watched import CancellableConnection, run_watched
from exec_assistant.domain.errors import Interrupted

_CHUNK = 64 * 1024


class TransportFailed(httplib2.HttpLib2Error):  # type: ignore[misc]
    """No usable answer; `reason` says why in words fit for the executive. An httplib2 error,
    so that google-auth reports it as a TransportError when it happens during a refresh."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        """Nothing was answered and nothing else went wrong: asking again may work."""


class BoundedHttp:
    """`httplib2.Http`'s request() for the Google clients: no redirects, gzip understood.

    `start(seconds)` opens the time a sync may take; every request after it ends by then,
    raising TransportFailed, or Interrupted once `abort` is set.
    """

    def __init__(self, *, max_bytes: int, abort: threading.Event | None = None) -> None:
        self.max_bytes = max_bytes
        self._abort = abort
        self.deadline = time.monotonic()
        self.requests = 0
        """Requests sent since this object was made (the API's and the token endpoint's)."""

    def start(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        redirections: int = 0,
        connection_type: Any = None,
        **kwargs: Any,
    ) -> tuple[httplib2.Response, bytes]:
        if self._abort is not None and self._abort.is_set():
            raise Interrupted("stopped reading Google Calendar")
        if self.seconds_left() <= 0:
            raise TransportFailed("no time was left to ask")
        exchange = _Exchange(uri, method, body, dict(headers or {}), self)
        self.requests += 1
        return run_watched(
            exchange.run,
            cancel=exchange.cancel,
            deadline=self.deadline,
            abort=self._abort,
            interrupted=lambda: Interrupted("stopped reading Google Calendar"),
            too_slow=lambda: TransportFailed("no complete answer in the time a sync may take"),
            name="google-request",
        )

    def close(self) -> None:
        """Nothing is kept open between requests."""


class _Exchange:
    """One request and its answer, run by the worker thread; `cancel` may come from another."""

    def __init__(
        self,
        uri: str,
        method: str,
        body: bytes | str | None,
        headers: dict[str, str],
        http: BoundedHttp,
    ) -> None:
        self.parts = urlsplit(uri)
        self.method = method
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.headers["accept-encoding"] = "gzip"
        self.http = http
        self._wire = CancellableConnection()
        self.cancel = self._wire.cancel

    def run(self) -> tuple[httplib2.Response, bytes]:
        try:
            return self._exchange()
        except TransportFailed:
            raise
        except TimeoutError:
            raise TransportFailed("no complete answer in the time a sync may take") from None
        except ssl.SSLCertVerificationError as exc:
            raise TransportFailed(f"its certificate is not trusted: {exc.verify_message}") from None
        except ssl.SSLError:
            raise TransportFailed("no secure connection could be made") from None
        except socket.gaierror:
            raise TransportFailed("the host name cannot be found") from None
        except ConnectionRefusedError:
            raise TransportFailed("connection refused", retryable=True) from None
        except (http.client.HTTPException, OSError):
            raise TransportFailed(
                "the connection broke before a whole answer came", retryable=True
            ) from None

    def _exchange(self) -> tuple[httplib2.Response, bytes]:
        parts = self.parts
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TransportFailed(f"{parts.scheme}://{parts.netloc} is not an http(s) address")
        connection = self._wire.connect(parts, self.http.deadline)
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request(self.method, target, body=self.body, headers=self.headers)
            response = connection.getresponse()
            content = self._content(response)
            info: dict[str, str] = {k.lower(): v for k, v in response.getheaders()}
            info.pop("content-encoding", None)  # decoded here
            info["status"] = str(response.status)
            answer = httplib2.Response(info)
            answer.reason = response.reason
            return answer, content
        finally:
            connection.close()

    def _content(self, response: http.client.HTTPResponse) -> bytes:
        limit = self.http.max_bytes
        declared = response.getheader("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise TransportFailed(_too_large(limit, int(declared)))
        encoding = (response.getheader("Content-Encoding") or "").strip().lower()
        # wbits 16+: a gzip stream; max_length stops a small answer that unpacks to gigabytes.
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
        content = bytearray()
        while True:
            try:
                piece = response.read1(_CHUNK)
            except http.client.IncompleteRead:
                raise TransportFailed("the answer stopped before its end") from None
            if not piece:
                break
            if inflater is not None:
                try:
                    piece = inflater.decompress(piece, limit + 1 - len(content))
                except zlib.error:
                    raise TransportFailed("its compressed answer cannot be unpacked") from None
            content += piece
            if len(content) > limit:
                raise TransportFailed(_too_large(limit))
        if response.length:  # closed before the Content-Length it announced
            raise TransportFailed("the answer stopped before its end")
        if inflater is not None and not inflater.eof:
            raise TransportFailed("its compressed answer stopped before its end")
        return bytes(content)


def _too_large(limit: int, actual: int | None = None) -> str:
    seen = f" (it is {size_text(actual)})" if actual is not None else ""
    return (
        f"an answer was larger than {size_text(limit)}{seen}; raise "
        "EXEC_ASSISTANT_CALENDAR_MAX_MB if that is real"
    )
