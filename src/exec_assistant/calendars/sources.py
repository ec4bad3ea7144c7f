"""One configured calendar location → the source that reads it: an iCalendar file or URL,
or a calendar of a Google or Microsoft 365 account read through its API."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from exec_assistant.calendars.ics import IcsCalendarSource
from exec_assistant.calendars.locations import api_calendar
from exec_assistant.domain.errors import ConfigError
from exec_assistant.ports import (
    CalendarSnapshotRepository,
    CalendarSource,
    Clock,
    CredentialStore,
)
from exec_assistant.settings import Settings


@dataclass(frozen=True)
class CalendarAccess:
    """What every calendar source of one run shares."""

    settings: Settings
    clock: Clock
    credentials: CredentialStore
    """The API accounts' authorizations."""
    snapshots: CalendarSnapshotRepository
    """What each API calendar's last sync held, for the next incremental one."""
    abort: threading.Event | None = None
    """Set: stop reading and raise Interrupted (Ctrl-C)."""


def calendar_source(location: str, access: CalendarAccess) -> CalendarSource:
    """The source of `location`; ConfigError for a location that names no calendar."""
    settings = access.settings
    try:
        api = api_calendar(location)
    except ValueError as exc:
        raise ConfigError(str(exc), key="calendars") from None
    if api is None:
        return IcsCalendarSource(
            location,
            default_zone=settings.zone,
            timeout_seconds=settings.http_timeout_seconds,
            max_bytes=int(settings.calendar_max_mb * 1024 * 1024),
            abort=access.abort,
        )
    # Each API's client is imported only where one of its calendars is configured.
    if api.provider == "google":
        from exec_assistant.calendars.google.source import GoogleCalendarSource, GoogleSourceOptions

        return GoogleCalendarSource(
            api.calendar,
            options=GoogleSourceOptions(
                default_zone=settings.zone,
                timeout_seconds=settings.http_timeout_seconds,
                max_bytes=int(settings.calendar_max_mb * 1024 * 1024),
                margin=timedelta(days=settings.calendar_sync_margin_days),
                api_endpoint=settings.google_api_endpoint,
            ),
            credentials=access.credentials,
            snapshots=access.snapshots,
            clock=access.clock,
            abort=access.abort,
        )
    if api.provider == "microsoft":
        from exec_assistant.calendars.microsoft import MicrosoftCalendarSource

        return MicrosoftCalendarSource(
            api.calendar,
            settings=settings,
            clock=access.clock,
            credentials=access.credentials,
            snapshots=access.snapshots,
            abort=access.abort,
        )
    raise ConfigError(f"{api.provider!r} is not a calendar provider", key="calendars")
