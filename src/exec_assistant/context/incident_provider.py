"""The `incidents` provider over one incidents API or two, and what their context.yaml
sections share (a provider and a doctor over their readers)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import httpx

from exec_assistant.context.deadlines import provider_deadline
from exec_assistant.context.incident_api import IncidentRead, IncidentReader, open_http
from exec_assistant.context.sources import ContextSourceDeps, SourceConfig
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules import incidents
from exec_assistant.domain.context_rules.incidents import Coverage
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.ports import ContextProvider, IntegrationDoctor, SecretStore

log = logging.getLogger(__name__)

_GRACE_SECONDS = 0.25
"""How long past the readers' deadline their outcome is awaited: a request cut at the deadline
says why itself (within the margin `provider_deadline` leaves the caller)."""


class IncidentApiSource(SourceConfig):
    """A section of context.yaml whose incidents come from APIs."""

    def readers(self, secrets: SecretStore) -> list[IncidentReader]:
        raise NotImplementedError

    def build(self, deps: ContextSourceDeps) -> ContextProvider:
        return ApiIncidentsProvider(
            self.readers(deps.secrets), timeout_seconds=self.timeout_seconds
        )

    def doctor(self, deps: ContextSourceDeps) -> IntegrationDoctor | None:
        from exec_assistant.context.incident_doctor import IncidentApiDoctor

        return IncidentApiDoctor(self.readers(deps.secrets), deps.clock)


class ApiIncidentsProvider:
    """`incidents` from one API, or from two at once (an organisation moving from Opsgenie to
    PagerDuty has both): the rows of both go through the rules together, and one that fails
    is named in the facts while the other's are kept."""

    name = incidents.PROVIDER

    def __init__(
        self,
        readers: Sequence[IncidentReader],
        *,
        timeout_seconds: float,
        transport: httpx.BaseTransport | None = None,
        pause: Callable[[float], None] | None = None,
    ) -> None:
        """`transport` and `pause` are for tests (a local server's, a recorded wait)."""
        self._readers = readers
        self._timeout = timeout_seconds
        self._transport = transport
        self._pause = pause

    def gather(self, request: ContextRequest) -> ContextResult:
        seconds = provider_deadline(self._timeout)
        deadline = time.monotonic() + seconds
        since = request.now - timedelta(days=request.lookback_days)
        outcomes = self._read_all(deadline, seconds, since, request.now)
        read = [(system, value) for system, value in outcomes if isinstance(value, IncidentRead)]
        failed = [
            (system, value)
            for system, value in outcomes
            if isinstance(value, ContextSourceUnavailable)
        ]
        if not read:
            if len(failed) == 1:
                raise failed[0][1]
            # Each reason names its system ("PagerDuty refused the API token…").
            raise ContextSourceUnavailable("; ".join(exc.reason for _s, exc in failed))
        coverage = Coverage(
            cut_off=tuple(r.cut_off for _s, r in read if r.cut_off is not None),
            unavailable=tuple((system, exc.reason) for system, exc in failed),
            read_from=tuple(system for system, _r in read),
        )
        rows = [row for _s, r in read for row in r.rows]
        log.info(
            "incidents read",
            extra={
                "meeting_id": request.meeting_id,
                "sources": [s for s, _r in read],
                "incidents": len(rows),
                "requests": sum(r.requests for _s, r in read),
                "cut_off": bool(coverage.cut_off),
                "failed": [s for s, _e in failed],
            },
        )
        return incidents.incidents_result(rows, request, coverage=coverage)

    def _read_all(
        self, deadline: float, seconds: float, since: datetime, until: datetime
    ) -> list[tuple[str, IncidentRead | ContextSourceUnavailable]]:
        """Each reader's rows or why not, side by side, all by `deadline`. A reader still
        reading then is left on its daemon thread; its requests end at the same deadline."""
        done: queue.Queue[tuple[int, IncidentRead | ContextSourceUnavailable]] = queue.Queue()

        def run(index: int, reader: IncidentReader) -> None:
            client, http = open_http(
                deadline,
                transport=self._transport,
                pause=self._pause,
                wait_asked=reader.wait_asked,
            )
            try:
                value: IncidentRead | ContextSourceUnavailable = reader.read(http, since, until)
            except ContextSourceUnavailable as exc:
                value = exc
            except Exception as exc:  # a reader's bug must not hide the other's incidents
                log.exception("incident reader failed", extra={"system": reader.system})
                value = ContextSourceUnavailable(
                    f"{reader.system} could not be read ({type(exc).__name__})"
                )
            finally:
                client.close()
            done.put((index, value))

        for index, reader in enumerate(self._readers):
            threading.Thread(
                target=run, args=(index, reader), name=f"incidents-{reader.system}", daemon=True
            ).start()
        results: dict[int, IncidentRead | ContextSourceUnavailable] = {}
        while len(results) < len(self._readers):
            try:
                left = deadline + _GRACE_SECONDS - time.monotonic()
                index, value = done.get(timeout=max(left, 0.0))
            except queue.Empty:
                break
            results[index] = value
        return [
            (
                reader.system,
                results.get(index)
                or ContextSourceUnavailable(f"{reader.system} gave no answer within {seconds:g} s"),
            )
            for index, reader in enumerate(self._readers)
        ]
