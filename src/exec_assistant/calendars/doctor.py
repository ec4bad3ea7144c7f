"""`doctor` for an iCalendar file or URL: it can be read, and holds events in the window."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta

from exec_assistant.calendars.locations import api_calendar
from exec_assistant.domain.errors import CalendarUnavailable, ExecAssistantError
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck, clock_check
from exec_assistant.domain.text import plural
from exec_assistant.ports import CalendarSource, Clock, CredentialStore


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


class CalendarAccountDoctor:
    """For a calendar of an API account: its authorization is there and grants reading the
    calendars, and this machine's clock agrees with the API server's (tokens carry times).
    The read itself is `CalendarReadDoctor`'s."""

    def __init__(
        self,
        location: str,
        credentials: CredentialStore,
        clock: Clock,
        *,
        api_base: str,
        http_get: Callable[[str, float], str | None] | None = None,
    ) -> None:
        api = api_calendar(location)
        if api is None:
            raise ValueError(f"{location!r} is not an API calendar")
        self._api = api
        self._credentials = credentials
        self._clock = clock
        self._api_base = api_base
        self._date_of = http_get or _date_header

    @property
    def name(self) -> str:
        return self._api.location

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        provider = self._api.provider
        fix = f"Run 'exec-assistant calendars add {provider}'."
        try:
            authorization = self._credentials.load(provider)
        except ExecAssistantError as exc:
            return [
                IntegrationCheck(
                    self.name, "credentials", CheckStatus.FAILED, exc.message, fix=exc.hint
                )
            ]
        if authorization is None:
            return [
                IntegrationCheck(
                    self.name,
                    "credentials",
                    CheckStatus.FAILED,
                    f"no {provider} account is connected",
                    fix=fix,
                )
            ]
        checks = [
            IntegrationCheck(
                self.name,
                "credentials",
                CheckStatus.OK,
                f"an authorization is kept in {self._credentials.location}"
                + ("" if authorization.get("refresh_token") else ", without a refresh token"),
            )
        ]
        scopes = _scope_names(authorization.get("scopes"))
        wanted = _READING_SCOPES[provider]
        if scopes & wanted:
            checks.append(
                IntegrationCheck(self.name, "scopes", CheckStatus.OK, "it may read calendars")
            )
        else:
            checks.append(
                IntegrationCheck(
                    self.name,
                    "scopes",
                    CheckStatus.FAILED,
                    "its authorization does not grant reading calendars "
                    f"(it needs {sorted(wanted)[0]})",
                    fix=fix + " Leave the calendar permission ticked on the consent page.",
                )
            )
        date = self._date_of(self._api_base, max(1.0, deadline_seconds / 2))
        checks.append(clock_check(self.name, date, self._clock.now()))
        return checks


_READING_SCOPES = {
    "google": frozenset(
        {
            "https://www.googleapis.com/auth/calendar.readonly",
            "https://www.googleapis.com/auth/calendar",
        }
    ),
    "microsoft": frozenset({"calendars.read", "calendars.readwrite"}),
}


def _scope_names(value: object) -> frozenset[str]:
    items = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
    names = set()
    for item in items:
        text = str(item)
        names.add(text)
        # Microsoft writes `https://graph.microsoft.com/Calendars.Read` or the bare name.
        names.add(
            text.rsplit("/", 1)[-1].lower() if "graph.microsoft.com" in text else text.lower()
        )
    return frozenset(names)


def _date_header(url: str, timeout: float) -> str | None:
    """The Date header of any answer of the server (an error answer has one too); None when
    it cannot be reached."""
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "exec-assistant"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            date = response.headers.get("Date")
            return str(date) if date else None
    except urllib.error.HTTPError as exc:
        date = exc.headers.get("Date")
        return str(date) if date else None
    except (OSError, ValueError):
        return None
