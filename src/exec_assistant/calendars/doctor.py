"""`doctor` for an iCalendar file or URL: it can be read, and holds events in the window."""

from __future__ import annotations

from datetime import timedelta

from exec_assistant.domain.errors import CalendarUnavailable
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck
from exec_assistant.domain.text import plural
from exec_assistant.ports import CalendarSource, Clock


class CalendarReadDoctor:
    """Fetches the calendar as a sync would (nothing is stored)."""

    def __init__(self, source: CalendarSource, clock: Clock, lookahead_days: int) -> None:
        self._source = source
        self._clock = clock
        self._days = lookahead_days

    @property
    def name(self) -> str:
        return self._source.location

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        now = self._clock.now()
        try:
            fetch = self._source.fetch(now, now + timedelta(days=self._days))
        except CalendarUnavailable as exc:
            return [
                IntegrationCheck(
                    self.name, "reachable", CheckStatus.FAILED, exc.message, fix=exc.hint
                )
            ]
        events = plural(len(fetch.events), "event")
        checks = [
            IntegrationCheck(
                self.name,
                "reachable",
                CheckStatus.OK,
                f"read {fetch.name or 'the calendar'}: {events} in the next {self._days} days",
            )
        ]
        if fetch.warnings:
            checks.append(
                IntegrationCheck(
                    self.name,
                    "events",
                    CheckStatus.WARNING,
                    f"{plural(len(fetch.warnings), 'warning')}, the first: "
                    f"{fetch.warnings[0][:200]}",
                    fix="Run 'exec-assistant sync' to see them all.",
                )
            )
        return checks


class NoCalendarDoctor:
    """Says that no calendar is configured: nothing can be prepared."""

    name = "calendars"

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        return [
            IntegrationCheck(
                self.name,
                "configured",
                CheckStatus.WARNING,
                "no calendar is configured: no meeting can be found",
                fix="Run 'exec-assistant calendars add google' (or microsoft), or list "
                "iCalendar files or URLs in EXEC_ASSISTANT_CALENDARS.",
            )
        ]
