"""A provider's work within its time limit: its own deadline, and several calls to one system
side by side, all done by then or none used.

A provider that asks a service several questions (the budgets, two months of costs, a
forecast) asks them at once: the prep waits for the slowest, not for their sum. Each runs on a
daemon thread, so a call stuck on I/O neither holds the provider past its deadline nor keeps
the process from exiting; its client's own timeouts end it later.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from exec_assistant.domain.errors import ContextSourceUnavailable

MARGIN_SHARE = 0.1
MIN_MARGIN_SECONDS = 0.5
"""A provider gives up this long before its source's `timeout_seconds` (a tenth of it, at
least half a second, at most half the limit): it says itself what was too slow ("Cost
Explorer gave no answer within 18 s") before the prep stops waiting with a bare "no answer
within 20 s"."""


def provider_deadline(timeout_seconds: float) -> float:
    """Seconds a provider's work may take: 18 of a 20 s limit, 2.5 of 3 s, 0.5 of 1 s."""
    margin = min(max(timeout_seconds * MARGIN_SHARE, MIN_MARGIN_SECONDS), timeout_seconds / 2)
    return timeout_seconds - margin


def all_within(
    calls: Mapping[str, Callable[[], Any]],
    seconds: float,
    *,
    too_slow: Callable[[str], str],
) -> dict[str, Any]:
    """Every call's result by its name. The first failure to arrive is raised at once (the
    others are left to finish unseen); a call still running after `seconds` raises
    ContextSourceUnavailable(too_slow(its name)), naming the first unfinished in order."""
    done: queue.Queue[tuple[str, bool, Any]] = queue.Queue()

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            done.put((name, True, call()))
        except BaseException as exc:  # handed to the caller, whatever it is
            done.put((name, False, exc))

    for name, call in calls.items():
        threading.Thread(target=run, args=(name, call), name=f"call-{name}", daemon=True).start()
    deadline = time.monotonic() + seconds
    results: dict[str, Any] = {}
    while len(results) < len(calls):
        left = deadline - time.monotonic()
        try:
            name, ok, value = done.get(timeout=max(left, 0.0))
        except queue.Empty:
            missing = next(name for name in calls if name not in results)
            raise ContextSourceUnavailable(too_slow(missing)) from None
        if not ok:
            raise value
        results[name] = value
    return results
