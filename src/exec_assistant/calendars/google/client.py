"""The Google Calendar API through google-api-python-client: each call with the retries
Google's error reference asks for, and every failure said in the executive's terms.

- 429, 5xx, and 403 `rateLimitExceeded` / `userRateLimitExceeded` are throttling: tried
  again after the `Retry-After` Google sends (seconds or an HTTP date), else after 1, 2, 4 s,
  as long as the wait ends within the time the sync may take.
- 401 renews the access token once and asks again; a second 401 means the authorization no
  longer works.
- 410 `fullSyncRequired` (an expired sync token) is SyncTokenExpired: the source starts over.
- An answer that is not a JSON object (an HTML error page of a proxy) is CalendarUnavailable.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import google_auth_httplib2
from googleapiclient import discovery
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from exec_assistant.calendars.event_fields import clean_text
from exec_assistant.calendars.google.authorization import KEPT, GoogleAuthorization
from exec_assistant.calendars.google.transport import BoundedHttp, TransportFailed
from exec_assistant.domain.errors import CalendarUnavailable, Interrupted
from exec_assistant.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

ATTEMPTS = 5
FIRST_BACKOFF_SECONDS = 1.0
_THROTTLING_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_SYNC_TOKEN_REASONS = frozenset({"fullSyncRequired", "updatedMinTooLongAgo"})
_NEXT_SYNC = f"The next sync tries again; {KEPT}."

Sleep = Callable[[float], None]


class SyncTokenExpired(Exception):
    """Google no longer knows the sync token (410): the source makes a full sync."""


def api_base(endpoint: str | None) -> str | None:
    """The Calendar API's base URL for googleapiclient's `api_endpoint`, which replaces the
    discovery document's `https://www.googleapis.com/calendar/v3/` whole: a bare origin
    (`http://127.0.0.1:8080`) gets the API's path, and every base ends in `/` so that the
    methods' relative paths join under it. None: Google's own."""
    if endpoint is None or not endpoint.strip():
        return None
    base = endpoint.strip()
    if urlsplit(base).path in ("", "/"):
        return base.rstrip("/") + "/calendar/v3/"
    return base if base.endswith("/") else base + "/"


@dataclass(frozen=True)
class _GoogleError:
    """An error answer: its status and the first of Google's `errors[].reason`."""

    status: int
    reason: str
    message: str
    retry_after: float | None

    @classmethod
    def of(cls, exc: HttpError) -> _GoogleError:
        status = int(exc.resp.status)
        reason, message = "", ""
        try:
            body = json.loads(exc.content)
        except (TypeError, ValueError):
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            message = str(error.get("message") or "")
            details = error.get("errors")
            if isinstance(details, list) and details and isinstance(details[0], dict):
                reason = str(details[0].get("reason") or "")
        return cls(
            status,
            reason,
            clean_text(" ".join(message.split()), 200),
            retry_after_seconds(exc.resp.get("retry-after")),
        )

    @property
    def throttled(self) -> bool:
        return (
            self.status == 429
            or self.status >= 500
            or (self.status == 403 and self.reason in _THROTTLING_REASONS)
        )

    def described(self) -> str:
        said = f": {self.message}" if self.message else ""
        return f"HTTP {self.status}{said}"


class GoogleCalendarApi:
    """The calls the sources and `calendars add google` make, on one authorization.

    `sleep` waits between attempts (Ctrl-C ends the wait); `http` bounds every request by
    the deadline its owner started.
    """

    def __init__(
        self,
        *,
        location: str,
        authorization: GoogleAuthorization,
        http: BoundedHttp,
        endpoint: str | None,
        abort: threading.Event | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self._location = location
        self._authorization = authorization
        self._http = http
        self._endpoint = api_base(endpoint)
        self._abort = abort
        self._sleep = sleep
        self._service: Any = None

    def calendar(self, calendar_id: str) -> dict[str, Any]:
        """calendars.get: the calendar's id (`primary` resolved), summary and timeZone."""
        return self._execute(lambda s: s.calendars().get(calendarId=calendar_id))

    def events_page(self, **params: Any) -> dict[str, Any]:
        """One page of events.list."""
        return self._execute(lambda s: s.events().list(**params))

    def calendar_list_page(self, page_token: str | None) -> dict[str, Any]:
        """One page of calendarList.list: the calendars the account sees."""
        return self._execute(lambda s: s.calendarList().list(maxResults=250, pageToken=page_token))

    def _api(self) -> Any:
        if self._service is None:
            http = google_auth_httplib2.AuthorizedHttp(
                self._authorization.credentials(),
                http=self._http,
                refresh_status_codes=(),  # a 401 is handled in _execute, renewing once
            )
            options = {"api_endpoint": self._endpoint} if self._endpoint else None
            self._service = discovery.build(
                "calendar",
                "v3",
                http=http,
                static_discovery=True,
                cache_discovery=False,
                client_options=options,
            )
        return self._service

    def _execute(self, make: Callable[[Any], HttpRequest]) -> dict[str, Any]:
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            self._authorization.ensure_valid(self._http)
            try:
                answer = make(self._api()).execute(num_retries=0)
            except HttpError as exc:
                error = _GoogleError.of(exc)
                if error.status == 401 and not renewed:
                    renewed = True
                    self._authorization.refresh(self._http)
                    continue
                if error.status == 401:
                    raise self._authorization.lapsed() from None
                if error.status == 410 and error.reason in _SYNC_TOKEN_REASONS:
                    raise SyncTokenExpired from None
                if not error.throttled:
                    raise self._refused(error) from None
                self._wait(attempt, error.retry_after, error.described())
                continue
            except TransportFailed as exc:
                if not exc.retryable:
                    raise CalendarUnavailable(
                        self._location, f"Google Calendar: {exc.reason}", hint=_NEXT_SYNC
                    ) from None
                self._wait(attempt, None, exc.reason)
                continue
            except ValueError:  # not UTF-8: googleapiclient's decode of a 2xx answer
                raise self._unreadable("its answer is not JSON") from None
            if isinstance(answer, str):  # what googleapiclient returns for a non-JSON body
                raise self._unreadable("its answer is not JSON")
            if not isinstance(answer, dict):
                raise self._unreadable("its answer is not a JSON object")
            return answer

    def _wait(self, attempt: int, asked: float | None, problem: str) -> None:
        if attempt >= ATTEMPTS:
            raise CalendarUnavailable(
                self._location,
                f"Google Calendar answered {problem} to each of {attempt} attempts",
                hint=_NEXT_SYNC,
            )
        wait = asked if asked is not None else FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1)
        left = self._http.seconds_left()
        if wait >= left:
            raise CalendarUnavailable(
                self._location,
                f"Google Calendar answered {problem}, and waiting {wait:g} s to ask again "
                f"would take longer than the {max(left, 0):.0f} s this sync has left",
                hint=_NEXT_SYNC,
            )
        log.info(
            "google calendar throttled; waiting",
            extra={"location": self._location, "attempt": attempt, "wait_seconds": wait},
        )
        if self._sleep is not None:
            self._sleep(wait)
        elif self._abort is not None:
            self._abort.wait(wait)
        else:
            threading.Event().wait(wait)
        if self._abort is not None and self._abort.is_set():
            raise Interrupted("stopped reading Google Calendar")

    def _refused(self, error: _GoogleError) -> CalendarUnavailable:
        if error.status == 404:
            return CalendarUnavailable(
                self._location,
                "the Google account has no such calendar (or may not see it)",
                hint="Run `exec-assistant calendars add google` to list the account's "
                "calendars, and use one of the google:<id> lines it prints.",
            )
        if error.status == 403:
            return CalendarUnavailable(
                self._location,
                f"Google Calendar refused to read it ({error.described()})",
                hint="Check that the account may read this calendar; run `exec-assistant "
                "calendars add google` again to grant read access to calendars.",
            )
        return CalendarUnavailable(
            self._location, f"Google Calendar answered {error.described()}", hint=_NEXT_SYNC
        )

    def _unreadable(self, problem: str) -> CalendarUnavailable:
        return CalendarUnavailable(
            self._location,
            f"Google Calendar's answer cannot be read: {problem} (an error page of a proxy?)",
            hint=f"Check EXEC_ASSISTANT_GOOGLE_API_ENDPOINT if it is set; {KEPT}.",
        )
