"""Calendars over HTTP against real servers on 127.0.0.1: deadlines, size caps, redirects,
credentials, and stopping a download at the user's request.

The well-behaved server is a threaded `http.server`; the misbehaving ones (a byte at a time,
a body that never ends, silence after the headers) are raw sockets, so that they misbehave
exactly as written.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from exec_assistant.calendars.ics import IcsCalendarSource
from exec_assistant.domain.errors import CalendarUnavailable, Interrupted

from factories import NEW_YORK, calendar_text, vevent

WINDOW = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
BODY = calendar_text(
    vevent("weekly@test", "Leadership team", "20261019T100000", "20261019T110000")
).encode()
DEADLINE = 1.0
PASSWORD = "s3cr@t:pa ss"  # written %-encoded in URLs
PASSWORD_IN_URL = "s3cr%40t%3Apa%20ss"


def source(url: str, **options: object) -> IcsCalendarSource:
    return IcsCalendarSource(url, default_zone=NEW_YORK, **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# A well-behaved server: redirects, Basic authentication, and what the client sent
# --------------------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]]
    elsewhere = ""

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        if self.path.startswith("/hop/"):  # /hop/3 redirects to /hop/2 ... /hop/0 to the file
            left = int(self.path.rsplit("/", 1)[1])
            self._redirect(f"/hop/{left - 1}" if left else "/calendar.ics", 302)
        elif self.path == "/loop":
            self._redirect("/loop", 301)
        elif self.path == "/to-a-file":
            self._redirect("file:///etc/passwd", 302)
        elif self.path == "/elsewhere":
            self._redirect(self.elsewhere, 307)
        elif self.path == "/private.ics":
            expected = "Basic " + base64.b64encode(f"lee:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401, "Unauthorized")
                self.send_header("WWW-Authenticate", 'Basic realm="calendar"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._calendar()
        elif self.path == "/calendar.ics":
            self._calendar()
        else:
            self.send_error(404, "Not Found")

    def _redirect(self, location: str, status: int) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _calendar(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Served:
    url: str
    seen: list[dict[str, str]]
    """The path and headers of every request, in order."""
    handler: type[_Handler]


@pytest.fixture
def server() -> Iterator[Served]:
    handler = type("Handler", (_Handler,), {"seen": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{httpd.server_address[1]}", handler.seen, handler)
    httpd.shutdown()
    httpd.server_close()


def test_the_request_says_who_asks_and_what_for(server: Served) -> None:
    url, seen = server.url, server.seen
    source(f"{url}/calendar.ics").fetch(*WINDOW)
    assert seen[0]["user-agent"] == "exec-assistant"
    assert seen[0]["accept"] == "text/calendar"


def test_redirects_are_followed(server: Served) -> None:
    url, seen = server.url, server.seen
    fetched = source(f"{url}/hop/4").fetch(*WINDOW)  # five redirects: the most allowed
    assert [e.title for e in fetched.events] == ["Leadership team"]
    assert [s["path"] for s in seen][-1] == "/calendar.ics"


def test_a_sixth_redirect_is_refused(server: Served) -> None:
    url = server.url
    with pytest.raises(CalendarUnavailable, match=r"too many redirects \(more than 5\)"):
        source(f"{url}/hop/5").fetch(*WINDOW)


def test_a_redirect_loop_ends(server: Served) -> None:
    url, seen = server.url, server.seen
    with pytest.raises(CalendarUnavailable, match="too many redirects"):
        source(f"{url}/loop", timeout_seconds=5).fetch(*WINDOW)
    assert len(seen) == 6


def test_a_redirect_to_a_local_file_is_refused(server: Served) -> None:
    with pytest.raises(CalendarUnavailable, match="redirected to file:///etc/passwd, not an http"):
        source(f"{server.url}/to-a-file").fetch(*WINDOW)


def test_an_http_error_keeps_its_status_and_reason(
    server: Served,
) -> None:
    url = server.url
    with pytest.raises(CalendarUnavailable, match=rf"{url}/missing.ics: HTTP 404 Not Found$"):
        source(f"{url}/missing.ics").fetch(*WINDOW)


def test_credentials_in_the_url_are_sent_as_basic_authentication(
    server: Served,
) -> None:
    url = server.url
    private = url.replace("http://", f"http://lee:{PASSWORD_IN_URL}@") + "/private.ics"
    fetched = source(private).fetch(*WINDOW)
    assert [e.title for e in fetched.events] == ["Leadership team"]


def test_without_credentials_a_private_calendar_says_it_needs_them(
    server: Served,
) -> None:
    url = server.url
    with pytest.raises(CalendarUnavailable, match="HTTP 401 Unauthorized") as raised:
        source(f"{url}/private.ics").fetch(*WINDOW)
    assert "user name and password" in str(raised.value.hint)


def test_the_password_is_never_shown(server: Served) -> None:
    url = server.url
    host = url.removeprefix("http://")
    wrong = source(f"http://lee:wrong{PASSWORD_IN_URL}@{host}/private.ics")
    assert wrong.location == f"http://lee:***@{host}/private.ics"
    with pytest.raises(CalendarUnavailable) as raised:
        wrong.fetch(*WINDOW)
    unreachable = source(f"http://lee:{PASSWORD_IN_URL}@127.0.0.1:{closed_port()}/x.ics")
    with pytest.raises(CalendarUnavailable) as raised_too:
        unreachable.fetch(*WINDOW)
    for error in (raised.value, raised_too.value):
        text = f"{error} {error.location} {error.hint}"
        assert "s3cr" not in text and "***" in text


def test_the_password_is_not_sent_to_another_host(
    server: Served,
) -> None:
    url, seen = server.url, server.seen
    server.handler.elsewhere = url.replace("127.0.0.1", "localhost") + "/calendar.ics"
    redirected = url.replace("http://", f"http://lee:{PASSWORD_IN_URL}@") + "/elsewhere"
    assert source(redirected).fetch(*WINDOW).events
    assert [(s["path"], "authorization" in s) for s in seen] == [
        ("/elsewhere", True),
        ("/calendar.ics", False),
    ]


def test_the_calendar_id_does_not_change_with_the_password() -> None:
    first = source("https://lee:old@cal.example/team.ics")
    second = source("https://lee:new@cal.example/team.ics")
    assert first.calendar_id == second.calendar_id
    assert first.calendar_id != source("https://sam:old@cal.example/team.ics").calendar_id


@pytest.mark.parametrize(
    "url",
    [
        "https://cal.example/team.ics",
        "http://cal.example:8080/a/b.ics?token=x#y",
        "https://lee@cal.example/team.ics",
    ],
)
def test_a_url_without_a_password_keeps_its_calendar_id(url: str) -> None:
    before = "ics_" + hashlib.sha256(url.encode()).hexdigest()[:12]  # as calendars were named
    assert source(url).calendar_id == before
    assert source(url).location == url


def test_a_webcal_url_keeps_the_id_of_its_https_form() -> None:
    https = "https://cal.example/team.ics"
    webcal = source("webcal://cal.example/team.ics")
    assert webcal.calendar_id == "ics_" + hashlib.sha256(https.encode()).hexdigest()[:12]
    assert webcal.location == "webcal://cal.example/team.ics"


# --------------------------------------------------------------------------------------------
# Servers that misbehave
# --------------------------------------------------------------------------------------------


class RawServer:
    """Accepts connections on 127.0.0.1 and hands each to `serve(connection)` in a thread."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self._serve = serve
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.stopped = threading.Event()
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/calendar.ics"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)
            threading.Thread(target=self._run, args=(connection,), daemon=True).start()

    def _run(self, connection: socket.socket) -> None:
        try:
            _read_request(connection)
            self._serve(connection)
        except OSError:
            pass  # the client went away: what these servers are for
        finally:
            connection.close()

    def close(self) -> None:
        self.stopped.set()
        self._thread.join()
        self._listener.close()


def _read_request(connection: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            raise OSError("closed")
        data += chunk


def serving(serve: Callable[[socket.socket, threading.Event], None]) -> Iterator[RawServer]:
    holder: list[RawServer] = []
    raw = RawServer(lambda c: serve(c, holder[0].stopped))
    holder.append(raw)
    yield raw
    raw.close()


def _drip(connection: socket.socket, stopped: threading.Event) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n")
    connection.sendall(f"Content-Length: {len(BODY)}\r\n\r\n".encode())
    for byte in BODY:  # one byte every 0.1 s: the calendar would take minutes
        if stopped.wait(0.1):
            return
        connection.sendall(bytes([byte]))


def _endless(connection: socket.socket, stopped: threading.Event) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"X-FILLER:" + b"x" * 8000 + b"\r\n"
    while not stopped.is_set():
        connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")


def _trickle(connection: socket.socket, stopped: threading.Event) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    while not stopped.wait(0.01):
        connection.sendall(b"5\r\nxxxxx\r\n")


def _silent(connection: socket.socket, stopped: threading.Event) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nBEGIN:VCAL")
    stopped.wait(30)


def _huge(connection: socket.socket, stopped: threading.Event) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\nBEGIN:VCALENDAR")
    stopped.wait(30)


def _endless_headers(connection: socket.socket, stopped: threading.Event) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stopped.is_set():
        connection.sendall(b"X-More: " + b"x" * 1000 + b"\r\n")


def _cut(connection: socket.socket, stopped: threading.Event) -> None:
    connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(BODY)}\r\n\r\n".encode())
    connection.sendall(BODY[:100])


@pytest.fixture
def drip() -> Iterator[RawServer]:
    yield from serving(_drip)


@pytest.fixture
def endless() -> Iterator[RawServer]:
    yield from serving(_endless)


@pytest.fixture
def trickle() -> Iterator[RawServer]:
    yield from serving(_trickle)


@pytest.fixture
def silent() -> Iterator[RawServer]:
    yield from serving(_silent)


@pytest.fixture
def huge() -> Iterator[RawServer]:
    yield from serving(_huge)


@pytest.fixture
def endless_headers() -> Iterator[RawServer]:
    yield from serving(_endless_headers)


@pytest.fixture
def cut() -> Iterator[RawServer]:
    yield from serving(_cut)


def timed(call: Callable[[], object]) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises((CalendarUnavailable, Interrupted)) as raised:
        call()
    return raised.value, time.monotonic() - started


def test_a_server_that_drips_fails_at_the_deadline(drip: RawServer) -> None:
    error, seconds = timed(lambda: source(drip.url, timeout_seconds=DEADLINE).fetch(*WINDOW))
    assert str(error).startswith(f"cannot read calendar {drip.url}: no complete answer within 1 s")
    assert DEADLINE <= seconds < DEADLINE + 0.5


def test_silence_after_the_headers_fails_at_the_deadline(silent: RawServer) -> None:
    error, seconds = timed(lambda: source(silent.url, timeout_seconds=DEADLINE).fetch(*WINDOW))
    assert "no complete answer within 1 s" in str(error)
    assert DEADLINE <= seconds < DEADLINE + 0.5


def test_a_body_that_never_ends_stops_at_the_size_cap(endless: RawServer) -> None:
    error, seconds = timed(
        lambda: source(endless.url, timeout_seconds=10, max_bytes=2 * 1024 * 1024).fetch(*WINDOW)
    )
    assert str(error).endswith(
        ": larger than 2 MB; raise EXEC_ASSISTANT_CALENDAR_MAX_MB if it is real"
    )
    assert seconds < 5


def test_a_body_that_never_ends_stops_at_the_deadline_when_that_comes_first(
    trickle: RawServer,
) -> None:
    error, seconds = timed(lambda: source(trickle.url, timeout_seconds=DEADLINE).fetch(*WINDOW))
    assert "no complete answer within 1 s" in str(error)
    assert seconds < DEADLINE + 0.5


def test_a_content_length_over_the_cap_is_refused_before_reading(huge: RawServer) -> None:
    error, seconds = timed(lambda: source(huge.url, timeout_seconds=5).fetch(*WINDOW))
    assert str(error).endswith(
        ": larger than 50 MB (it is 10 GB); raise EXEC_ASSISTANT_CALENDAR_MAX_MB if it is real"
    )
    assert seconds < 1


def test_headers_that_never_end_are_not_http(endless_headers: RawServer) -> None:
    error, seconds = timed(lambda: source(endless_headers.url, timeout_seconds=5).fetch(*WINDOW))
    assert "unreachable (the server's answer is not HTTP)" in str(error)
    assert seconds < 2


def test_an_answer_cut_short_says_so(cut: RawServer) -> None:
    error, _ = timed(lambda: source(cut.url, timeout_seconds=5).fetch(*WINDOW))
    assert f"the answer stopped after 100 bytes of {len(BODY):,} bytes" in str(error)


@pytest.mark.parametrize("server_name", ["drip", "silent"])
def test_abort_stops_a_download_within_half_a_second(
    server_name: str, request: pytest.FixtureRequest
) -> None:
    raw: RawServer = request.getfixturevalue(server_name)
    abort = threading.Event()
    calendar = source(raw.url, timeout_seconds=30, abort=abort)
    threading.Timer(0.3, abort.set).start()
    error, seconds = timed(lambda: calendar.fetch(*WINDOW))
    assert isinstance(error, Interrupted)
    assert str(error) == f"stopped reading calendar {raw.url}"
    assert seconds - 0.3 < 0.5, f"stopped {seconds - 0.3:.3f} s after the abort"
    # The worker's connection is shut down as well: the server sees the client go.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not _closed_by_client(raw.connections[0]):
        time.sleep(0.05)
    assert _closed_by_client(raw.connections[0])


def _closed_by_client(connection: socket.socket) -> bool:
    try:
        connection.setblocking(False)
        return connection.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_abort_stops_a_connection_that_is_never_accepted() -> None:
    # A listener whose queue is full: the kernel drops further handshakes and connect hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        abort = threading.Event()
        calendar = source(f"http://127.0.0.1:{port}/x.ics", timeout_seconds=30, abort=abort)
        threading.Timer(0.3, abort.set).start()
        error, seconds = timed(lambda: calendar.fetch(*WINDOW))
        assert isinstance(error, Interrupted)
        assert seconds - 0.3 < 0.5
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_an_abort_set_before_the_fetch_stops_it_at_once(server: Served) -> None:
    abort = threading.Event()
    abort.set()
    with pytest.raises(Interrupted):
        source(f"{server.url}/calendar.ics", abort=abort).fetch(*WINDOW)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
