"""`doctor`: every configured integration checked at once, within one deadline."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck
from exec_assistant.ports import IntegrationDoctor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DoctorReport:
    checks: list[IntegrationCheck]

    def count(self, status: CheckStatus) -> int:
        return sum(1 for check in self.checks if check.status == status)

    @property
    def healthy(self) -> bool:
        return self.count(CheckStatus.FAILED) == 0


def run_doctors(doctors: Sequence[IntegrationDoctor], deadline_seconds: float) -> DoctorReport:
    """Each doctor's checks, in the order given. They run side by side (one slow peer must
    not hold up the others); one that has not answered by the deadline, or that raises,
    becomes one failed check. Daemon threads: a peer stuck on I/O cannot keep us waiting."""
    started = time.monotonic()
    outcomes: dict[int, list[IntegrationCheck]] = {}

    def work(index: int, doctor: IntegrationDoctor) -> None:
        try:
            outcomes[index] = list(doctor.check(deadline_seconds))
        except Exception as exc:  # a doctor must report, never stop the others
            outcomes[index] = [
                IntegrationCheck(
                    doctor.name,
                    "check",
                    CheckStatus.FAILED,
                    f"the check itself failed ({type(exc).__name__}: {str(exc)[:200]})",
                    fix="Run with -v and EXEC_ASSISTANT_LOG_LEVEL=DEBUG, and please report it.",
                )
            ]

    workers = [
        threading.Thread(target=work, args=(i, d), name=f"doctor-{i}", daemon=True)
        for i, d in enumerate(doctors)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(0.0, deadline_seconds - (time.monotonic() - started)))
    checks: list[IntegrationCheck] = []
    for index, doctor in enumerate(doctors):
        found = outcomes.get(index)
        if found is None:
            found = [
                IntegrationCheck(
                    doctor.name,
                    "reachable",
                    CheckStatus.FAILED,
                    f"no answer within {deadline_seconds:g} s",
                    fix="Check the address and your network, or give more time with --timeout.",
                )
            ]
        checks.extend(found)
    report = DoctorReport(checks)
    log.info(
        "doctor ran",
        extra={
            "integrations": len(doctors),
            "checks": len(checks),
            "failed": report.count(CheckStatus.FAILED),
            "warnings": report.count(CheckStatus.WARNING),
            "duration_ms": round((time.monotonic() - started) * 1000),
        },
    )
    return report
