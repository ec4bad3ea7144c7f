"""Gathering context from one source, within its time limit; a failure becomes 'unavailable'."""

from __future__ import annotations

import logging
import threading
import time

from pydantic import ValidationError

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.ports import ContextProvider

log = logging.getLogger(__name__)


def gather_one(
    provider: ContextProvider, request: ContextRequest, timeout_seconds: float
) -> ContextResult:
    """The provider's facts, or an unavailable result saying why (it failed, returned data in
    the wrong shape, or gave no answer within the time limit).

    A daemon thread rather than an executor: a provider stuck on I/O must neither hold up the
    prep past its limit nor keep the process from exiting.
    """
    started = time.perf_counter()
    outcome: list[ContextResult] = []
    name = provider.name

    def work() -> None:
        try:
            result = provider.gather(request)
            if not isinstance(result, ContextResult):
                result = ContextResult.model_validate(result)
            outcome.append(result)
        except ValidationError:
            outcome.append(
                ContextResult.unavailable(name, "the provider returned data in the wrong shape")
            )
        except Exception as exc:  # any failure of one source must not stop the pack
            outcome.append(ContextResult.unavailable(name, str(exc) or type(exc).__name__))

    worker = threading.Thread(target=work, name=f"context-{name}", daemon=True)
    worker.start()
    worker.join(timeout_seconds)
    result = (
        outcome[0]
        if outcome
        else ContextResult.unavailable(name, f"no answer within {timeout_seconds:g} s")
    )
    log.info(
        "context gathered",
        extra={
            "meeting_id": request.meeting_id,
            "provider": name,
            "available": result.available,
            "facts": len(result.facts),
            "duration_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    return result
