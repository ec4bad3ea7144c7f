"""`doctor` for `incidents` from PagerDuty or Opsgenie: the token is stored, the API answers,
accepts the token and lets it read the incidents the prep asks for (the same filters, one
incident of the last day), and its clock agrees with ours (its `Date` header)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import timedelta

import httpx

from exec_assistant.calendars.microsoft.graph_http import HttpAnswer, HttpFailed, Throttled
from exec_assistant.context.deadlines import provider_deadline
from exec_assistant.context.doctor_steps import usual_fix
from exec_assistant.context.incident_api import IncidentReader, open_http, shape_error
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck, clock_check
from exec_assistant.ports import Clock

NAME = "incidents"
_AFTER_CREDENTIALS = ("reachable", "permissions", "clock")
_UNREACHED = ("permissions", "clock")


class IncidentApiDoctor:
    """Checks each system side by side (one that hangs does not hide the other's checks)."""

    name = NAME

    def __init__(
        self,
        readers: Sequence[IncidentReader],
        clock: Clock,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._readers = readers
        self._clock = clock
        self._transport = transport

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        deadline = time.monotonic() + provider_deadline(deadline_seconds)
        found: dict[int, list[IntegrationCheck]] = {}

        def work(index: int, reader: IncidentReader) -> None:
            found[index] = self._check_one(reader, deadline)

        workers = [
            threading.Thread(target=work, args=(i, r), name=f"doctor-{r.system}", daemon=True)
            for i, r in enumerate(self._readers)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(max(deadline - time.monotonic(), 0.0) + 0.2)
        checks: list[IntegrationCheck] = []
        for index, reader in enumerate(self._readers):
            checks.extend(
                found.get(index)
                or [
                    IntegrationCheck(
                        reader.integration,
                        "reachable",
                        CheckStatus.FAILED,
                        f"no answer within {deadline_seconds:g} s",
                        fix=usual_fix("no answer"),
                    )
                ]
            )
        return checks

    def _check_one(self, reader: IncidentReader, deadline: float) -> list[IntegrationCheck]:
        name = reader.integration
        token_set = IntegrationCheck(
            name, "credentials", CheckStatus.OK, f"{reader.secret_name} is set"
        )
        client, http = open_http(deadline, transport=self._transport, wait_asked=reader.wait_asked)
        now = self._clock.now()
        try:
            answer = reader.probe(http, now - timedelta(days=1), now)
        except ContextSourceUnavailable as exc:  # the token is missing or unusable
            return [
                IntegrationCheck(name, "credentials", CheckStatus.FAILED, exc.reason, fix=exc.fix),
                *(_skipped(name, check) for check in _AFTER_CREDENTIALS),
            ]
        except HttpFailed as exc:
            return [token_set, _unreached(reader, exc), *(_skipped(name, c) for c in _UNREACHED)]
        finally:
            client.close()
        checks = [
            IntegrationCheck(
                name,
                "reachable",
                CheckStatus.OK,
                f"{reader.system} answered (HTTP {answer.status})",
            )
        ]
        refused = reader.refusal(answer) if answer.status != 200 else None
        if refused is not None and refused.check == "credentials":
            checks.insert(
                0,
                IntegrationCheck(
                    name, "credentials", CheckStatus.FAILED, refused.reason, fix=refused.fix
                ),
            )
            checks.append(_skipped(name, "permissions"))
        else:
            accepted = f"{reader.secret_name} is accepted"
            checks.insert(0, IntegrationCheck(name, "credentials", CheckStatus.OK, accepted))
            checks.append(
                _readable(reader, answer)
                if refused is None
                else IntegrationCheck(
                    name, "permissions", CheckStatus.FAILED, refused.reason, fix=refused.fix
                )
            )
        checks.append(clock_check(name, answer.headers.get("Date"), self._clock.now()))
        return checks


def _unreached(reader: IncidentReader, exc: HttpFailed) -> IntegrationCheck:
    """No usable answer: rate-limiting is a warning (it answered), the rest a failure."""
    if isinstance(exc, Throttled):
        busy = exc.status == 429
        return IntegrationCheck(
            reader.integration,
            "reachable",
            CheckStatus.WARNING,
            f"{reader.system} answered, but "
            + ("is rate-limiting requests" if busy else "is failing")
            + f" ({exc.reason})",
            fix=usual_fix("rate-limiting") if busy else f"Check {reader.system}'s status page.",
        )
    return IntegrationCheck(
        reader.integration,
        "reachable",
        CheckStatus.FAILED,
        f"{reader.system} cannot be reached: {exc.reason}",
        fix="Check base_url (or region) in context.yaml and your network and proxy.",
    )


def _readable(reader: IncidentReader, answer: HttpAnswer) -> IntegrationCheck:
    """Permissions: the probe's page reads as the prep would read it."""
    name = reader.integration
    if answer.json_object() is None:
        problem = shape_error(reader.system, "not JSON")
        return IntegrationCheck(
            name, "permissions", CheckStatus.FAILED, problem.reason, fix=problem.fix
        )
    return IntegrationCheck(
        name,
        "permissions",
        CheckStatus.OK,
        f"{reader.secret_name} may read the incidents a prep asks for",
    )


def _skipped(name: str, check: str) -> IntegrationCheck:
    return IntegrationCheck(name, check, CheckStatus.SKIPPED, "not checked")
