"""Gathering context: the providers a meeting type needs, in parallel, each with a timeout."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence

from pydantic import ValidationError

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.ports import ContextProvider

log = logging.getLogger(__name__)


def _run_one(
    provider: ContextProvider, request: ContextRequest, out: dict[str, ContextResult]
) -> None:
    name = provider.name
    try:
        result = provider.gather(request)
        if not isinstance(result, ContextResult):
            result = ContextResult.model_validate(result)
        out[name] = result
    except ValidationError:
        out[name] = ContextResult.unavailable(name, "the provider returned data in the wrong shape")
    except Exception as exc:  # any failure of one source must not stop the pack
        out[name] = ContextResult.unavailable(name, str(exc) or type(exc).__name__)


def gather_all(
    names: Sequence[str],
    providers: Mapping[str, ContextProvider],
    request: ContextRequest,
    timeout_seconds: float,
) -> list[ContextResult]:
    """One result per name, in order; a provider that fails or overruns is 'unavailable'.

    Daemon threads rather than an executor: a provider stuck on I/O must not keep the process
    from exiting.
    """
    started = time.perf_counter()
    results: dict[str, ContextResult] = {}
    threads = []
    for name in names:
        provider = providers.get(name)
        if provider is None:
            results[name] = ContextResult.unavailable(name, "no such source is configured")
            continue
        thread = threading.Thread(
            target=_run_one, args=(provider, request, results), name=f"context-{name}", daemon=True
        )
        thread.start()
        threads.append((name, thread))
    deadline = time.monotonic() + timeout_seconds
    for name, thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive() or name not in results:
            results[name] = ContextResult.unavailable(
                name, f"no answer within {timeout_seconds:g} s"
            )
    ordered = [results[name] for name in names]
    log.info(
        "context gathered",
        extra={
            "meeting_id": request.meeting_id,
            "providers": len(ordered),
            "unavailable": sum(1 for r in ordered if not r.available),
            "duration_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    return ordered
