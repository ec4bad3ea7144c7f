"""Calendars over HTTP: one deadline for the whole answer, a size cap, and a way to stop.

urllib's timeout is the longest silence between two bytes, so a server that sends one byte a
second holds a sync for as long as it likes. Here the download runs in a worker thread that
the caller watches in short slices: at the deadline, or when asked to stop, the caller shuts
the connection's socket down, which ends whatever the worker was blocked on, and reports.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from exec_assistant.calendars.watched import CancellableConnection, run_watched
from exec_assistant.domain.errors import CalendarUnavailable, Interrupted

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
UNREACHABLE_HINT = "Check the URL and your network; meetings already stored are kept as they are."
_HEADERS = {
    "User-Agent": "exec-assistant",
    "Accept": "text/calendar",
    "Accept-Encoding": "identity",
}


@dataclass(frozen=True)
class RemoteLocation:
    """A calendar URL, taken apart: what to ask for, with which credentials, and how to show
    it (never with its password)."""

    url: str
    """What is requested: http(s), without user name or password."""
    display: str
    """The URL as given, with the password replaced by ***: for messages and `location`."""
    identity: str
    """The URL without the password (webcal:// as https://): what names the calendar, so that
    a changed password keeps its meetings."""
    username: str | None
    password: str | None = field(repr=False)

    @classmethod
    def parse(cls, location: str) -> RemoteLocation:
        canonical = _https_for_webcal(location)
        parts = urlsplit(canonical)
        userinfo, at, host = parts.netloc.rpartition("@")
        if not at:
            return cls(canonical, location, canonical, None, None)
        username, colon, password = userinfo.partition(":")
        return cls(
            url=parts._replace(netloc=host).geturl(),
            display=_without_password(location),
            identity=_without_password(canonical, mask=""),
            username=unquote(username),
            password=unquote(password) if colon else None,
        )

    def authorization(self) -> str | None:
        if self.username is None:
            return None
        pair = f"{self.username}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


def _https_for_webcal(url: str) -> str:
    if url.lower().startswith("webcal://"):
        return "https://" + url[len("webcal://") :]
    return url


def _without_password(url: str, mask: str = "***") -> str:
    """https://user:secret@host/x as https://user:***@host/x (or https://user@host/x)."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    end = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    netloc, path = rest[:end], rest[end:]
    userinfo, at, host = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    username = userinfo.partition(":")[0]
    hidden = f"{username}:{mask}" if mask else username
    return f"{scheme}://{hidden}@{host}{path}"


def size_text(count: int) -> str:
    """1,000 bytes, 50 MB, 10 GB."""
    if count < 1024 * 1024:
        return f"{count:,} bytes"
    if count < 1024 * 1024 * 1024:
        return f"{count / (1024 * 1024):.3g} MB"
    return f"{count / (1024 * 1024 * 1024):.3g} GB"


def too_large(limit: int, actual: int | None = None) -> str:
    seen = f" (it is {size_text(actual)})" if actual is not None else ""
    return (
        f"larger than {size_text(limit)}{seen}; raise EXEC_ASSISTANT_CALENDAR_MAX_MB if it is real"
    )


def fetch_remote(
    remote: RemoteLocation,
    *,
    timeout_seconds: float,
    max_bytes: int,
    abort: threading.Event | None,
) -> bytes:
    """The body of the calendar's answer, following up to 5 redirects, all within
    `timeout_seconds`; raises CalendarUnavailable, or Interrupted when `abort` is set."""
    download = _Download(remote, timeout_seconds, max_bytes)
    return run_watched(
        download.run,
        cancel=download.cancel,
        deadline=download.deadline,
        abort=abort,
        interrupted=lambda: Interrupted(f"stopped reading calendar {remote.display}"),
        too_slow=lambda: _too_slow(remote, timeout_seconds),
        name="calendar-download",
    )


def _too_slow(remote: RemoteLocation, timeout_seconds: float) -> CalendarUnavailable:
    return CalendarUnavailable(
        remote.display,
        f"no complete answer within {timeout_seconds:g} s",
        hint="The server is slow or stuck; the next sync tries again, and meetings "
        "already stored are kept as they are.",
    )


class _Download:
    """One GET with its redirects, run by the worker thread; `cancel` may come from another."""

    def __init__(self, remote: RemoteLocation, timeout_seconds: float, max_bytes: int) -> None:
        self.remote = remote
        self.timeout_seconds = timeout_seconds
        self.deadline = time.monotonic() + timeout_seconds
        self.max_bytes = max_bytes
        self._wire = CancellableConnection()
        self.cancel = self._wire.cancel

    def run(self) -> bytes:
        try:
            return self._get()
        except CalendarUnavailable:
            raise
        except TimeoutError:
            raise _too_slow(self.remote, self.timeout_seconds) from None
        except Exception as exc:  # whatever the network did, said in the user's terms
            raise CalendarUnavailable(
                self.remote.display, f"unreachable ({_network_problem(exc)})", hint=UNREACHABLE_HINT
            ) from None

    def _fail(self, reason: str, hint: str | None = None) -> CalendarUnavailable:
        return CalendarUnavailable(self.remote.display, reason, hint=hint)

    def _get(self) -> bytes:
        url = self.remote.url
        origin = _origin(urlsplit(url))
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            connection = self._connect(parts)
            try:
                headers = dict(_HEADERS)
                authorization = self.remote.authorization()
                if authorization and _origin(parts) == origin:  # never to another host
                    headers["Authorization"] = authorization
                target = parts.path or "/"
                if parts.query:
                    target += "?" + parts.query
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                if response.status in _REDIRECTS:
                    url = self._next(url, response)
                    continue
                if not 200 <= response.status < 300:
                    raise self._http_error(response)
                return self._body(response)
            finally:
                connection.close()
        raise self._fail(f"too many redirects (more than {MAX_REDIRECTS})")

    def _connect(self, parts: SplitResult) -> http.client.HTTPConnection:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self._fail(f"{_without_password(parts.geturl())} is not an http(s) URL")
        return self._wire.connect(parts, self.deadline)

    def _next(self, url: str, response: http.client.HTTPResponse) -> str:
        location = response.getheader("Location")  # its body is not wanted: not read
        if not location:
            raise self._fail(f"HTTP {response.status} {response.reason} without a Location")
        target = _https_for_webcal(urljoin(url, location.strip()))
        if urlsplit(target).scheme not in ("http", "https"):
            raise self._fail(f"redirected to {_without_password(target)}, not an http(s) URL")
        return target

    def _http_error(self, response: http.client.HTTPResponse) -> CalendarUnavailable:
        hint = None
        if response.status == 401:
            hint = (
                "Check the user name and password in the URL."
                if self.remote.username is not None
                else "The calendar asks for a user name and password: give them in the URL "
                "(https://user:password@host/...)."
            )
        return self._fail(f"HTTP {response.status} {response.reason}", hint)

    def _body(self, response: http.client.HTTPResponse) -> bytes:
        declared = response.getheader("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            raise self._fail(too_large(self.max_bytes, int(declared)))
        body = bytearray()
        while True:
            try:
                piece = response.read1(_CHUNK)
            except http.client.IncompleteRead as exc:
                body += exc.partial
                raise self._fail(_cut_off(len(body))) from None
            if not piece:
                break
            body += piece
            if len(body) > self.max_bytes:
                raise self._fail(too_large(self.max_bytes))
        if response.length:  # the server closed before the Content-Length it announced
            raise self._fail(_cut_off(len(body), len(body) + response.length))
        return bytes(body)


def _cut_off(received: int, expected: int | None = None) -> str:
    of = f" of {size_text(expected)}" if expected is not None else ""
    return f"the answer stopped after {size_text(received)}{of}; the next sync tries again"


def _origin(parts: SplitResult) -> tuple[str, str | None, int | None]:
    return parts.scheme, parts.hostname, parts.port


def _network_problem(exc: Exception) -> str:
    """What happened, without the Python exception's name or errno."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its certificate is not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        if exc.reason == "WRONG_VERSION_NUMBER":
            return "the server does not answer in HTTPS"
        return "no secure connection could be made" + (
            f": {str(exc.reason).lower().replace('_', ' ')}" if exc.reason else ""
        )
    if isinstance(exc, socket.gaierror):
        return "the host name cannot be found"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "the connection was reset"
    if isinstance(exc, http.client.HTTPException):
        return "the server's answer is not HTTP"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return "the connection failed"
