"""iCalendar (RFC 5545) calendars from a file or an http(s)/webcal URL."""

from __future__ import annotations

import hashlib
import logging
import stat
import threading
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from exec_assistant.calendars.event_fields import NAME_LIMIT, clean_text
from exec_assistant.calendars.http_fetch import RemoteLocation, fetch_remote, too_large
from exec_assistant.calendars.ics_fast import FastPathDeclined, read_fast
from exec_assistant.calendars.ics_reference import ReferenceReader
from exec_assistant.calendars.locations import google_calendar_of_ics_url, google_identity
from exec_assistant.domain.errors import CalendarUnavailable, Interrupted
from exec_assistant.domain.text import without_passwords
from exec_assistant.ports import CalendarFetch

log = logging.getLogger(__name__)

_REMOTE_SCHEMES = ("http://", "https://", "webcal://")
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def is_url(location: str) -> bool:
    return location.lower().startswith(_REMOTE_SCHEMES)


Parser = Literal["auto", "full"]
"""`auto` reads with the fast reader and falls back to the full one for what it does not
reproduce exactly; `full` always uses icalendar and recurring_ical_events (the reference)."""


class IcsCalendarSource:
    """Reads one iCalendar feed and expands it into event instances within a window.

    A URL may carry a user name and password (https://user:pass@host/cal.ics): they are sent
    as HTTP Basic authentication and never shown; `location` has the password as ***.
    `timeout_seconds` bounds the whole download, redirects included, and `max_bytes` its
    size (a file's too). Setting `abort` makes a `fetch` under way raise Interrupted.
    """

    def __init__(
        self,
        location: str,
        *,
        default_zone: ZoneInfo,
        timeout_seconds: float = 30,
        parser: Parser = "auto",
        max_bytes: int = DEFAULT_MAX_BYTES,
        abort: threading.Event | None = None,
    ):
        self._default_zone = default_zone
        self._timeout = timeout_seconds
        self._parser = parser
        self._max_bytes = max_bytes
        self._abort = abort
        self._path: Path | None = None
        self._remote: RemoteLocation | None = None
        self._invalid: str | None = None
        if is_url(location):
            try:
                self._remote = RemoteLocation.parse(location)
            except ValueError as exc:  # urlsplit's word for a URL it cannot take apart
                self._invalid = f"not a URL that can be read ({exc})"
                self._location = without_passwords(location)
                identity = self._location
            else:
                self._location = self._remote.display
                identity = self._remote.identity
        else:
            self._location = without_passwords(location)  # ftp://user:pass@... is a path here
            self._path = Path(location).expanduser().resolve()
            identity = str(self._path)
        self._calendar_id = "ics_" + hashlib.sha256(identity.encode()).hexdigest()[:12]
        google = google_calendar_of_ics_url(self._remote.url) if self._remote else None
        if google is not None:
            # The same calendar as `google:<id>` read through the API: the same meetings.
            self._calendar_id = google_identity(google)
        self._reference = ReferenceReader(
            calendar_id=self._calendar_id, default_zone=default_zone, location=self._location
        )

    @property
    def calendar_id(self) -> str:
        return self._calendar_id

    @property
    def location(self) -> str:
        """The path or URL as given, with a password in the URL shown as ***."""
        return self._location

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        if self._invalid is not None:
            raise CalendarUnavailable(
                self._location,
                self._invalid,
                hint="Check the URL in --calendar or EXEC_ASSISTANT_CALENDARS "
                "(a password with / ? # or @ in it must be percent-encoded).",
            )
        self._check_abort()
        data = self._read()
        self._check_abort()
        _check_looks_like_calendar(data, self._location)
        if self._parser == "auto":
            try:
                fast = read_fast(
                    data,
                    calendar_id=self._calendar_id,
                    default_zone=self._default_zone,
                    window_start=window_start,
                    window_end=window_end,
                    reference=_ReferenceQuestions(self._reference, window_start, window_end),
                )
            except FastPathDeclined as exc:
                log.info(
                    "calendar read in full",
                    extra={"calendar_id": self._calendar_id, "reason": str(exc)},
                )
            except Exception as exc:  # a fault in the fast reader must not cost the calendar
                log.warning(
                    "calendar read in full",
                    exc_info=True,
                    extra={
                        "calendar_id": self._calendar_id,
                        "reason": f"fast reader failed: {exc}",
                    },
                )
            else:
                return CalendarFetch(
                    self._calendar_id, self._name(fast.name), fast.events, fast.warnings
                )
        read = self._reference.read(data, window_start, window_end)
        return CalendarFetch(self._calendar_id, self._name(read.name), read.events, read.warnings)

    def _name(self, name: str | None) -> str:
        return clean_text(name or "", NAME_LIMIT) or self._location

    def _check_abort(self) -> None:
        if self._abort is not None and self._abort.is_set():
            raise Interrupted(f"stopped reading calendar {self._location}")

    def _read(self) -> bytes:
        if self._remote is not None:
            return fetch_remote(
                self._remote,
                timeout_seconds=self._timeout,
                max_bytes=self._max_bytes,
                abort=self._abort,
            )
        assert self._path is not None
        return self._read_file(self._path)

    def _read_file(self, path: Path) -> bytes:
        try:
            info = path.stat()
            if stat.S_ISDIR(info.st_mode):
                raise CalendarUnavailable(self._location, "is a folder, not a file")
            if not stat.S_ISREG(info.st_mode):
                # A pipe or a device would block the sync, or never end.
                raise CalendarUnavailable(
                    self._location, "is not a regular file (a pipe, socket or device)"
                )
            if info.st_size > self._max_bytes:
                raise CalendarUnavailable(self._location, too_large(self._max_bytes, info.st_size))
            with path.open("rb") as file:
                data = file.read(self._max_bytes + 1)  # it may have grown since
        except FileNotFoundError:
            raise CalendarUnavailable(
                self._location, "no such file", hint="Check the path given with --calendar."
            ) from None
        except IsADirectoryError:
            raise CalendarUnavailable(self._location, "is a folder, not a file") from None
        except OSError as exc:
            raise CalendarUnavailable(
                self._location, (exc.strerror or "cannot be read").lower()
            ) from None
        if len(data) > self._max_bytes:
            raise CalendarUnavailable(self._location, too_large(self._max_bytes))
        return data


def _check_looks_like_calendar(data: bytes, location: str) -> None:
    head = data[:4096]
    if b"BEGIN:VCALENDAR" in head.upper():
        return
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CalendarUnavailable(
            location,
            "the file is in UTF-16; iCalendar files are UTF-8",
            hint="Save or export it again as UTF-8.",
        )
    raise CalendarUnavailable(location, "not an iCalendar file (no BEGIN:VCALENDAR)")


class _ReferenceQuestions:
    """The reference reader, asked by the fast reader about the events it cannot judge."""

    def __init__(self, reader: ReferenceReader, window_start: datetime, window_end: datetime):
        self._reader = reader
        self._window = (window_start, window_end)

    def drop_warnings(self, calendar_text: str) -> list[str]:
        return self._reader.drop_warnings(calendar_text)

    def expansion_warnings(self, calendar_text: str) -> list[str]:
        return self._reader.expansion_warnings(calendar_text, *self._window)
