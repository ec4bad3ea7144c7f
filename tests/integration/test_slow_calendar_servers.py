"""Calendar servers that drip, never finish or send too much, met by real `sync` and `serve`
processes: one deadline for the whole download, a size cap, and Ctrl-C honoured at once."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli_user import CliUser

pytestmark = pytest.mark.slow

Behaviour = Callable[[socket.socket], None]


def drip(connection: socket.socket) -> None:
    """Headers for a large body, then one byte a second."""
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: 100000\r\n\r\n"
    )
    for _ in range(120):
        connection.sendall(b"B")
        time.sleep(1)


def endless(connection: socket.socket) -> None:
    """A chunked body that never ends."""
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"X-FILLER:" + b"x" * 65000 + b"\r\n"
    while True:
        connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")


class Server:
    def __init__(self, behaviour: Behaviour) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/calendar.ics"
        self.requests = 0
        self._behaviour = behaviour
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.requests += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                self._behaviour(connection)
            except OSError:
                pass

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def server_for() -> Iterator[Callable[[Behaviour], Server]]:
    servers: list[Server] = []

    def make(behaviour: Behaviour) -> Server:
        servers.append(Server(behaviour))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path)


def test_a_dripping_calendar_fails_at_the_deadline(
    user: CliUser, server_for: Callable[[Behaviour], Server]
) -> None:
    server = server_for(drip)
    started = time.monotonic()
    result = user.run("sync", "-c", server.url, EXEC_ASSISTANT_HTTP_TIMEOUT_SECONDS="2")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    assert elapsed < 10, elapsed  # the deadline is the whole download, not the gap between bytes
    assert "2 s" in result.stderr and server.url in result.stderr
    assert "Traceback" not in result.stderr


def test_an_endless_calendar_stops_at_the_size_cap(
    user: CliUser, server_for: Callable[[Behaviour], Server]
) -> None:
    server = server_for(endless)
    started = time.monotonic()
    result = user.run("sync", "-c", server.url, EXEC_ASSISTANT_CALENDAR_MAX_MB="1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert time.monotonic() - started < 20
    assert "1 MB" in result.stderr and "EXEC_ASSISTANT_CALENDAR_MAX_MB" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_stops_within_a_second_while_a_calendar_drips(
    user: CliUser, server_for: Callable[[Behaviour], Server], stop: signal.Signals
) -> None:
    server = server_for(drip)
    serve = user.serve(EXEC_ASSISTANT_CALENDARS=server.url)
    try:
        deadline = time.monotonic() + 60
        while server.requests == 0:
            assert time.monotonic() < deadline, "serve never asked for the calendar"
            time.sleep(0.05)
        time.sleep(1.5)  # in the middle of the drip
        stopped_at = time.monotonic()
        serve.send_signal(stop)
        out, err = serve.communicate(timeout=30)
        took = time.monotonic() - stopped_at
    finally:
        if serve.poll() is None:
            serve.kill()
    assert serve.returncode == 0, err
    assert took < 1.5, f"serve took {took:.2f} s to stop"
    assert "Stopped." in out
    assert "Traceback" not in err
