"""Work that must not hold a step past its time: run it in a thread and stop waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class TimeLimitExceeded(TimeoutError):
    """The work gave no result in time; its thread is left to finish on its own."""


def within(seconds: float, work: Callable[[], T], *, name: str, what: str) -> T:
    """`work()`'s result or its exception, or TimeLimitExceeded ("`what` gave no answer
    within N s") once `seconds` have passed. For calls that may block where their own time
    limit cannot reach (a client stuck in a read); the thread is a daemon, so a process that
    is done does not wait for it."""
    outcome: list[T | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        raise TimeLimitExceeded(f"{what} gave no answer within {seconds:g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result
