"""Blocking network work that a caller can cut short: at a deadline, or on Ctrl-C.

A socket's timeout is the longest silence between two bytes, so a server that sends one byte
a second holds a reader for as long as it likes, and a blocked read does not notice Ctrl-C.
The work runs in a worker thread that the caller watches in short slices; at the deadline, or
when told to stop, the caller cancels it (shuts its socket down, which ends whatever the
worker was blocked on) and raises.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar
from urllib.parse import SplitResult

T = TypeVar("T")

SLICE_SECONDS = 0.05


class _Outcome(Generic[T]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


def run_watched(
    work: Callable[[], T],
    *,
    cancel: Callable[[], None],
    deadline: float,
    abort: threading.Event | None,
    interrupted: Callable[[], BaseException],
    too_slow: Callable[[], BaseException],
    name: str = "network-worker",
) -> T:
    """`work()`'s result, or what it raised; `too_slow()` is raised once `deadline`
    (time.monotonic) passes and `interrupted()` once `abort` is set, after `cancel()`."""
    outcome: _Outcome[T] = _Outcome()

    def run() -> None:
        try:
            outcome.value = work()
        except BaseException as exc:  # handed to the caller's thread, which raises it
            outcome.error = exc
        finally:
            outcome.done.set()

    threading.Thread(target=run, name=name, daemon=True).start()
    while not outcome.done.wait(SLICE_SECONDS):
        if abort is not None and abort.is_set():
            cancel()
            raise interrupted()
        if time.monotonic() >= deadline:
            cancel()
            raise too_slow()
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]


class CancellableConnection:
    """Opens the worker's HTTP connections and lets the watching thread cut them: `cancel`
    shuts the socket down, ending whatever the worker was blocked on, now or once the
    connection it is making is made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            sock = self._socket
        if sock is not None:
            _shut(sock)

    def connect(self, parts: SplitResult, deadline: float) -> http.client.HTTPConnection:
        """A connection to the http(s) host of `parts`; each blocking step also ends by
        itself a little after `deadline` (the socket's own timeout), so the worker stops
        even when a connect under way could not be cut short."""
        assert parts.hostname is not None
        remaining = max(deadline - time.monotonic(), 0) + 1
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=remaining, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=remaining)
        connection.connect()
        with self._lock:
            self._socket = connection.sock
            cancelled = self._cancelled
        if cancelled:
            _shut(connection.sock)
        return connection


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected: nothing to stop
        sock.shutdown(socket.SHUT_RDWR)
