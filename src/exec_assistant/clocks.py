"""Clocks: the real one, a fixed instant and one that starts at a given instant (--now), and
a simulated one."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Always the same instant: `--now` for a command that is over in a moment (sync)."""

    def __init__(self, instant: datetime) -> None:
        self._instant = instant.astimezone(UTC)

    def now(self) -> datetime:
        return self._instant


class OffsetClock:
    """Starts at `start` and runs at the speed of real time (what --now means)."""

    def __init__(self, start: datetime) -> None:
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


class SimulatedClock:
    """Time that only moves when told to: the demo plays two weeks in seconds with it."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance_to(self, instant: datetime) -> None:
        """Move forward to `instant`; never backwards."""
        with self._lock:
            self._now = max(self._now, instant.astimezone(UTC))
