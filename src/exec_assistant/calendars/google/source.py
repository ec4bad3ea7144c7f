"""One Google calendar as a CalendarSource, kept up to date by incremental sync.

The first sync asks `events.list` for every instance over the window and a margin past it
(`calendar_sync_margin_days`), page by page, and keeps them in a CalendarSnapshot with the
sync token of the last page. A later sync asks with that token only (Google refuses
timeMin/timeMax beside it) and merges what changed: a cancelled item removes its instance, a
changed one replaces it, and one moved out of the covered range leaves it. An unchanged
calendar costs that one request. The snapshot starts over with a full sync when Google says
the token expired (410), and when the window's end passes the range it covers: instances
that enter the window by the passing of time are no change to Google.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from exec_assistant.calendars.event_fields import NAME_LIMIT, clean_text
from exec_assistant.calendars.google.authorization import KEPT, GoogleAuthorization
from exec_assistant.calendars.google.client import GoogleCalendarApi, Sleep, SyncTokenExpired
from exec_assistant.calendars.google.events import (
    FIELDS,
    UnreadableEvent,
    calendar_event,
    describe_item,
    is_cancelled,
)
from exec_assistant.calendars.google.transport import BoundedHttp
from exec_assistant.calendars.locations import google_identity
from exec_assistant.calendars.wording import skipped
from exec_assistant.domain.calendar_sync import CalendarSnapshot
from exec_assistant.domain.errors import CalendarUnavailable, Interrupted
from exec_assistant.domain.models import CalendarEvent
from exec_assistant.ports import CalendarFetch, CalendarSnapshotRepository, Clock, CredentialStore

log = logging.getLogger(__name__)

PAGE_SIZE = 2500
"""The most events.list gives in one page."""
MAX_PAGES = 400
MAX_INSTANCES = 100_000
"""Past these a calendar is refused: no real fortnight holds them, a runaway server does."""
_TIME_ZONE = "time_zone"
"""The snapshot's `extra` key of the calendar's zone (one-off events are named by it)."""


@dataclass(frozen=True)
class GoogleSourceOptions:
    default_zone: ZoneInfo
    """The executive's zone: all-day events start at its midnight."""
    timeout_seconds: float = 30
    """The whole fetch (every page, retry and wait) ends within this."""
    max_bytes: int = 50 * 1024 * 1024
    """Each answer's cap."""
    margin: timedelta = timedelta(days=7)
    api_endpoint: str | None = None
    sleep: Sleep | None = field(default=None, compare=False)
    """The wait between attempts (tests record it); default: a wait Ctrl-C ends."""


class GoogleCalendarSource:
    """`google:<calendar>` of the connected account; `primary` is the account's own calendar,
    named by its real id (the account's address) once the first sync has asked."""

    def __init__(
        self,
        calendar: str,
        *,
        options: GoogleSourceOptions,
        credentials: CredentialStore,
        snapshots: CalendarSnapshotRepository,
        clock: Clock,
        abort: threading.Event | None = None,
    ) -> None:
        self._calendar = calendar
        self._location = f"google:{calendar}"
        self._options = options
        self._snapshots = snapshots
        self._clock = clock
        self._abort = abort
        self._http = BoundedHttp(max_bytes=options.max_bytes, abort=abort)
        self._authorization = GoogleAuthorization(credentials, self._location)
        self._api = GoogleCalendarApi(
            location=self._location,
            authorization=self._authorization,
            http=self._http,
            endpoint=options.api_endpoint,
            abort=abort,
            sleep=options.sleep,
        )
        self._known_id: str | None = None

    @property
    def calendar_id(self) -> str:
        if self._known_id is None:
            snapshot = self._snapshots.get(self._location)
            self._known_id = snapshot.calendar_id if snapshot else google_identity(self._calendar)
        return self._known_id

    @property
    def location(self) -> str:
        return self._location

    @property
    def requests(self) -> int:
        """HTTP requests this source has sent (the API's and the token endpoint's)."""
        return self._http.requests

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        if self._abort is not None and self._abort.is_set():
            raise Interrupted(f"stopped reading calendar {self._location}")
        started = time.perf_counter()
        self._http.start(self._options.timeout_seconds)
        warnings: list[str] = []
        prior = self._snapshots.get(self._location)
        try:
            if prior is not None and _covers(prior, window_start, window_end):
                try:
                    snapshot = self._incremental(prior, warnings)
                    kind = "incremental"
                except SyncTokenExpired:
                    log.info("google sync token expired", extra={"location": self._location})
                    self._snapshots.delete(self._location)
                    snapshot, kind = self._full(window_start, window_end, prior, warnings), "full"
            else:
                snapshot, kind = self._full(window_start, window_end, prior, warnings), "full"
        finally:
            self._authorization.save()
        self._known_id = snapshot.calendar_id
        events = sorted(
            (e for e in snapshot.events.values() if _overlaps(e, window_start, window_end)),
            key=lambda e: (e.start, e.uid),
        )
        log.info(
            "google calendar read",
            extra={
                "location": self._location,
                "sync": kind,
                "events": len(events),
                "requests": self._http.requests,
                "duration_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return CalendarFetch(
            snapshot.calendar_id, snapshot.name or self._location, events, warnings
        )

    def _full(
        self,
        window_start: datetime,
        window_end: datetime,
        prior: CalendarSnapshot | None,
        warnings: list[str],
    ) -> CalendarSnapshot:
        calendar_id, name = (prior.calendar_id, prior.name) if prior else self._identity()
        covered_to = window_end + self._options.margin
        merge = _Merge(calendar_id, window_start, covered_to, {}, self._options.default_zone)
        cursor = None
        for page in self._pages(timeMin=_rfc3339(window_start), timeMax=_rfc3339(covered_to)):
            merge.page(page, warnings)
            cursor = _text(page.get("nextSyncToken")) or None
        snapshot = CalendarSnapshot(
            location=self._location,
            calendar_id=calendar_id,
            name=merge.name or name,
            cursor=cursor,
            covered_from=window_start,
            covered_to=covered_to,
            events=merge.events,
            extra=_zone_extra(merge.zone),
            updated_at=self._clock.now(),
        )
        self._snapshots.put(snapshot)
        return snapshot

    def _incremental(self, prior: CalendarSnapshot, warnings: list[str]) -> CalendarSnapshot:
        merge = _Merge(
            prior.calendar_id,
            prior.covered_from,
            prior.covered_to,
            dict(prior.events),
            self._options.default_zone,
            zone=prior.extra.get(_TIME_ZONE),
        )
        cursor = prior.cursor
        for page in self._pages(syncToken=prior.cursor):
            merge.page(page, warnings)
            cursor = _text(page.get("nextSyncToken")) or None
        name = merge.name or prior.name
        if not merge.changed and cursor == prior.cursor and name == prior.name:
            return prior  # nothing to store: the next sync asks with the same token
        snapshot = prior.model_copy(
            update={
                "cursor": cursor,
                "name": name,
                "events": merge.events,
                "extra": {**prior.extra, **_zone_extra(merge.zone)},
                "updated_at": self._clock.now(),
            }
        )
        self._snapshots.put(snapshot)
        return snapshot

    def _identity(self) -> tuple[str, str]:
        """calendars.get, once per calendar: its real id (`primary` is the account's
        address) and its name."""
        answer = self._api.calendar(self._calendar)
        real = _text(answer.get("id")).strip()
        if not real or clean_text(real, 1024) != real:
            raise CalendarUnavailable(
                self._location,
                "Google Calendar's answer gives the calendar no usable id",
                hint=f"The next sync tries again; {KEPT}.",
            )
        return google_identity(real), clean_text(_text(answer.get("summary")), NAME_LIMIT)

    def _pages(self, **query: str | None) -> Iterator[dict[str, Any]]:
        """Every page of one events.list, following nextPageToken to the last one."""
        params: dict[str, Any] = {
            "calendarId": self._calendar,
            "singleEvents": True,
            "showDeleted": True,  # what a sync token asks, so the first sync asks it too
            "maxResults": PAGE_SIZE,
            "fields": FIELDS,
            **query,
        }
        seen: set[str] = set()
        instances = 0
        for _ in range(MAX_PAGES):
            page = self._api.events_page(**params)
            items = page.get("items", [])
            if not isinstance(items, list):
                raise CalendarUnavailable(
                    self._location,
                    "Google Calendar's answer is not a list of events",
                    hint=f"The next sync tries again; {KEPT}.",
                )
            instances += len(items)
            if instances > MAX_INSTANCES:
                raise self._too_many(f"more than {MAX_INSTANCES:,} event instances")
            yield page
            token = _text(page.get("nextPageToken"))
            if not token:
                return
            if token in seen:
                raise self._too_many("its pages go round in a circle")
            seen.add(token)
            params["pageToken"] = token
        raise self._too_many(f"more than {MAX_PAGES} pages of events")

    def _too_many(self, what: str) -> CalendarUnavailable:
        return CalendarUnavailable(
            self._location,
            f"Google Calendar's answer has {what} for the sync window",
            hint=f"The next sync tries again; {KEPT}.",
        )


class _Merge:
    """Items of events.list pages applied to the instances of [covered_from, covered_to)."""

    def __init__(
        self,
        calendar_id: str,
        covered_from: datetime,
        covered_to: datetime,
        events: dict[str, CalendarEvent],
        default_zone: ZoneInfo,
        zone: str | None = None,
    ) -> None:
        self.calendar_id = calendar_id
        self.covered = (covered_from, covered_to)
        self.events = events
        self.default_zone = default_zone
        self.zone = zone
        self.name = ""
        self.changed = False

    def page(self, page: dict[str, Any], warnings: list[str]) -> None:
        self.zone = _text(page.get("timeZone")) or self.zone
        self.name = clean_text(_text(page.get("summary")), NAME_LIMIT) or self.name
        for item in page.get("items", []):
            if isinstance(item, dict):
                self._apply(item, warnings)

    def _apply(self, item: dict[str, Any], warnings: list[str]) -> None:
        key = _text(item.get("id"))
        if not key:
            return  # nothing could ever change or remove it: not kept
        if is_cancelled(item):
            self._remove(key)
            if not item.get("recurringEventId"):  # a whole series: its instances go too
                prefix = key + "_"
                for instance in [k for k in self.events if k.startswith(prefix)]:
                    self._remove(instance)
            return
        try:
            event = calendar_event(
                item,
                calendar_id=self.calendar_id,
                calendar_zone=self.zone,
                default_zone=self.default_zone,
            )
        except UnreadableEvent as exc:
            warnings.append(skipped(describe_item(item), exc.problem))
            self._remove(key)
            return
        if not _overlaps(event, *self.covered):
            self._remove(key)  # moved out of the range the snapshot covers
        elif self.events.get(key) != event:
            self.events[key] = event
            self.changed = True

    def _remove(self, key: str) -> None:
        if self.events.pop(key, None) is not None:
            self.changed = True


def _covers(snapshot: CalendarSnapshot, window_start: datetime, window_end: datetime) -> bool:
    return (
        snapshot.cursor is not None
        and snapshot.covered_from <= window_start
        and window_end <= snapshot.covered_to
    )


def _overlaps(event: CalendarEvent, start: datetime, end: datetime) -> bool:
    """As events.list's timeMin/timeMax: ends after `start` and starts before `end` (an
    event of no length counts at its start)."""
    return event.start < end and (event.end > start or event.start >= start)


def _rfc3339(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _zone_extra(zone: str | None) -> dict[str, str]:
    return {_TIME_ZONE: zone} if zone else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
