"""The doctor runs every integration's checks side by side, within one deadline, and reports
what it found even when a check hangs or breaks."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from rich.console import Console

from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck, clock_check
from exec_assistant.presentation.doctor import doctor_json, doctor_view
from exec_assistant.services.doctor import DoctorReport, run_doctors


class _Doctor:
    def __init__(self, name: str, status: CheckStatus = CheckStatus.OK, *, wait: float = 0):
        self.name = name
        self._status = status
        self._wait = wait

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        time.sleep(self._wait)
        return [IntegrationCheck(self.name, "reachable", self._status, "answered", fix="do it")]


class _Hanging:
    name = "hangs"

    def __init__(self) -> None:
        self.release = threading.Event()

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        self.release.wait(30)
        return []


class _Broken:
    name = "broken"

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        raise RuntimeError("boom")


def test_the_checks_come_in_the_order_of_the_doctors() -> None:
    report = run_doctors([_Doctor("a"), _Doctor("b", CheckStatus.WARNING)], 5)
    assert [c.integration for c in report.checks] == ["a", "b"]
    assert report.healthy


def test_slow_checks_run_side_by_side() -> None:
    started = time.monotonic()
    run_doctors([_Doctor(str(i), wait=0.3) for i in range(4)], 5)
    assert time.monotonic() - started < 1.0


def test_a_check_that_hangs_fails_at_the_deadline_and_the_others_still_report() -> None:
    hanging = _Hanging()
    started = time.monotonic()
    report = run_doctors([hanging, _Doctor("fine")], 0.3)
    hanging.release.set()
    assert time.monotonic() - started < 2
    assert report.checks[0].status == CheckStatus.FAILED
    assert "no answer within 0.3 s" in report.checks[0].detail
    assert report.checks[1].status == CheckStatus.OK
    assert not report.healthy


def test_a_check_that_raises_is_one_failed_check() -> None:
    report = run_doctors([_Broken(), _Doctor("fine")], 5)
    assert report.checks[0].status == CheckStatus.FAILED
    assert "RuntimeError: boom" in report.checks[0].detail
    assert report.checks[1].status == CheckStatus.OK


def test_clock_skew_is_a_warning_past_two_minutes() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    ok = clock_check("x", "Thu, 03 Dec 2026 12:00:30 GMT", now)
    late = clock_check("x", "Thu, 03 Dec 2026 11:55:00 GMT", now)
    assert ok.status == CheckStatus.OK
    assert late.status == CheckStatus.WARNING
    assert "300 s ahead of the server" in late.detail
    assert clock_check("x", None, now).status == CheckStatus.SKIPPED
    assert clock_check("x", "yesterday", now).status == CheckStatus.SKIPPED


def test_the_report_reads_at_80_columns_without_markup_or_passwords() -> None:
    report = DoctorReport(
        [
            IntegrationCheck(
                "https://me:hunter2@cal.example.com/" + "very-long-path/" * 6 + "cal.ics",
                "reachable",
                CheckStatus.FAILED,
                "[red]refused[/red] \x1b[2J by the server",
                fix="Check the URL.",
            ),
            IntegrationCheck("slack", "scopes", CheckStatus.OK, "all 8 scopes"),
        ]
    )
    console = Console(width=80, record=True, color_system=None)
    console.print(doctor_view(report, 80))
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "hunter2" not in text
    assert "[red]refused[/red]" in text
    assert "\x1b" not in text
    assert "fix: Check the URL." in text
    assert "2 integrations, 2 checks: 1 failed, 0 warnings." in text
    data = doctor_json(report)
    assert data["healthy"] is False
    assert "hunter2" not in str(data)


def test_an_empty_report_says_what_to_do() -> None:
    console = Console(width=80, record=True)
    console.print(doctor_view(DoctorReport([]), 80))
    assert "Nothing is configured" in console.export_text()
