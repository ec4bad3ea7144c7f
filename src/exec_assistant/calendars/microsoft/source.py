"""A Microsoft 365 calendar read through Microsoft Graph, as a CalendarSource.

The first sync asks `calendarView/delta` for every instance in the window and a margin past
it, and keeps them with the round's delta link in a CalendarSnapshot; each later sync asks
the delta link for what changed, so an unchanged calendar costs one request. A full sync
comes again when the window reaches past what the snapshot covers, when Graph no longer knows
the delta link, or when another account was connected since.

`microsoft:primary` is the account's own calendar, whose id is asked once (`GET
/me/calendar`) and kept: its meetings are named `microsoft:<that id>`, as those of
`microsoft:<that id>` are.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx

from exec_assistant.calendars.event_fields import NAME_LIMIT, clean_text
from exec_assistant.calendars.locations import PRIMARY, microsoft_identity
from exec_assistant.calendars.microsoft.authorization import (
    AuthorizationProblem,
    MicrosoftAuthorization,
    StoredAuthorization,
)
from exec_assistant.calendars.microsoft.delta_round import (
    MAX_PAGES,
    DeltaChanges,
    DeltaExpired,
    run_round,
)
from exec_assistant.calendars.microsoft.event_mapping import (
    MappingContext,
    UnreadableEvent,
    describe,
    series_master_id,
    to_event,
)
from exec_assistant.calendars.microsoft.graph_client import (
    GraphClient,
    GraphGarbage,
    GraphRefused,
    UnsafeEndpoint,
)
from exec_assistant.calendars.microsoft.graph_http import GraphHttp, HttpFailed
from exec_assistant.calendars.microsoft.wording import unavailable
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.calendar_sync import CalendarSnapshot
from exec_assistant.domain.errors import Interrupted
from exec_assistant.domain.models import CalendarEvent
from exec_assistant.ports import (
    CalendarFetch,
    CalendarSnapshotRepository,
    Clock,
    CredentialStore,
)
from exec_assistant.settings import Settings

log = logging.getLogger(__name__)

HttpClientFactory = Callable[[], httpx.Client]
OWNER = "owner"
ACCOUNT = "account"
SERIES = "series:"
"""Keys of CalendarSnapshot.extra: the calendar owner's address, the account the snapshot
was made with, and each series master's iCalUId by `series:<master id>`."""
PROBLEMS = (AuthorizationProblem, GraphRefused, GraphGarbage, HttpFailed, UnsafeEndpoint)


def default_http_client() -> httpx.Client:
    # trust_env: the proxy and CA settings of the environment, as any HTTPS client here.
    return httpx.Client(follow_redirects=False, trust_env=True)


class MicrosoftCalendarSource:
    """`calendar` is `primary` or a Graph calendar id. `token_clock` tells when an access
    token has expired (real time, whatever `--now` says); `pause` waits between attempts."""

    def __init__(
        self,
        calendar: str,
        *,
        settings: Settings,
        clock: Clock,
        credentials: CredentialStore,
        snapshots: CalendarSnapshotRepository,
        abort: threading.Event | None = None,
        http_client: HttpClientFactory = default_http_client,
        token_clock: Clock | None = None,
        max_pages: int = MAX_PAGES,
        pause: Callable[[float], None] | None = None,
    ) -> None:
        self._calendar = calendar
        self._location = f"microsoft:{calendar}"
        self._settings = settings
        self._clock = clock
        self._credentials = credentials
        self._snapshots = snapshots
        self._abort = abort
        self._http_client = http_client
        self._token_clock = token_clock or SystemClock()
        self._max_pages = max_pages
        self._pause = pause
        self._identity = microsoft_identity(calendar) if calendar != PRIMARY else None

    @property
    def calendar_id(self) -> str:
        if self._identity is None:
            known = self._snapshots.get(self._location)
            return known.calendar_id if known is not None else microsoft_identity(PRIMARY)
        return self._identity

    @property
    def location(self) -> str:
        return self._location

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        if self._abort is not None and self._abort.is_set():
            raise Interrupted(f"stopped reading calendar {self._location}")
        started = time.perf_counter()
        max_bytes = int(self._settings.calendar_max_mb * 1024 * 1024)
        with self._http_client() as client:
            http = GraphHttp(
                client,
                request_seconds=self._settings.http_timeout_seconds,
                wait_budget_seconds=self._settings.http_timeout_seconds,
                max_bytes=max_bytes,
                abort=self._abort,
                stopped=f"stopped reading calendar {self._location}",
                pause=self._pause,
            )
            authorization = MicrosoftAuthorization(self._credentials, http, self._token_clock)
            try:
                graph = GraphClient(http, authorization, self._settings.microsoft_graph_endpoint)
                sync = _Sync(self, graph, authorization.load(), max_bytes)
                result = sync.run(window_start, window_end)
            except PROBLEMS as exc:
                log.info(
                    "microsoft calendar not read",
                    extra={
                        "location": self._location,
                        "problem": type(exc).__name__,
                        "requests": http.sent,
                    },
                )
                raise unavailable(self._location, exc, authorization.episode) from None
        self._identity = result.calendar_id
        log.info(
            "microsoft calendar read",
            extra={
                "calendar_id": result.calendar_id,
                "full_sync": sync.full,
                "requests": http.sent,
                "pages": sync.pages,
                "changed": sync.changed,
                "events": len(result.events),
                "waited_s": round(http.waited, 3),
                "duration_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return result


@dataclass
class _Calendar:
    identity: str
    name: str
    owner: str | None
    delta_path: str


@dataclass
class _Sync:
    """One fetch: what it asked and found, for the logs."""

    source: MicrosoftCalendarSource
    graph: GraphClient
    authorization: StoredAuthorization
    max_bytes: int
    full: bool = False
    pages: int = 0
    changed: int = 0
    warnings: list[str] = field(default_factory=list)

    def run(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        source = self.source
        snapshot = source._snapshots.get(source._location)
        if snapshot is not None and snapshot.extra.get(ACCOUNT) != (
            self.authorization.account or ""
        ):
            snapshot = None  # made with another account: nothing of it holds
        calendar = self._calendar(snapshot)
        cover_to = window_end + timedelta(days=source._settings.calendar_sync_margin_days)
        changes: DeltaChanges | None = None
        events: dict[str, CalendarEvent] = {}
        covered = (window_start, cover_to)
        if (
            snapshot is not None
            and snapshot.cursor
            and snapshot.calendar_id == calendar.identity
            and snapshot.covered_from <= window_start
            and window_end <= snapshot.covered_to
        ):
            try:
                changes = run_round(
                    self.graph,
                    snapshot.cursor,
                    max_bytes=self.max_bytes,
                    max_pages=source._max_pages,
                )
                events = dict(snapshot.events)
                covered = (snapshot.covered_from, snapshot.covered_to)
            except DeltaExpired:
                log.info("microsoft delta link expired", extra={"location": source._location})
        if changes is None:
            self.full = True
            params = {
                "startDateTime": _graph_time(window_start),
                "endDateTime": _graph_time(cover_to),
            }
            changes = run_round(
                self.graph,
                self.graph.url(calendar.delta_path, params),
                max_bytes=self.max_bytes,
                max_pages=source._max_pages,
            )
        self.pages = changes.pages
        self.changed = len(changes.upserts) + len(changes.removed)
        extra = dict(snapshot.extra) if snapshot is not None else {}
        self._apply(changes, events, extra, calendar)
        extra[OWNER] = calendar.owner or ""
        extra[ACCOUNT] = self.authorization.account or ""
        source._snapshots.put(
            CalendarSnapshot(
                location=source._location,
                calendar_id=calendar.identity,
                name=calendar.name,
                cursor=changes.delta_link,
                covered_from=covered[0],
                covered_to=covered[1],
                events=events,
                extra=_referenced(extra, events),
                updated_at=source._clock.now(),
            )
        )
        shown = sorted(
            (e for e in events.values() if _overlaps(e, window_start, window_end)),
            key=lambda e: (e.start, e.uid),
        )
        return CalendarFetch(calendar.identity, calendar.name, shown, self.warnings)

    def _calendar(self, snapshot: CalendarSnapshot | None) -> _Calendar:
        """The calendar's identity, name and owner: remembered, or asked once."""
        calendar = self.source._calendar
        primary = calendar == PRIMARY
        if snapshot is not None and snapshot.calendar_id and OWNER in snapshot.extra:
            return _Calendar(
                snapshot.calendar_id,
                snapshot.name,
                snapshot.extra[OWNER] or None,
                _delta_path(calendar),
            )
        path = "/me/calendar" if primary else f"/me/calendars/{quote(calendar, safe='')}"
        body = self.graph.get(self.graph.url(path)).body
        graph_id = body.get("id")
        if not isinstance(graph_id, str) or not graph_id.strip() or not graph_id.isprintable():
            raise GraphGarbage("the calendar it describes has no id")
        owner = body.get("owner")
        address = owner.get("address") if isinstance(owner, dict) else None
        given = body.get("name")
        name = clean_text(given if isinstance(given, str) else "", NAME_LIMIT)
        return _Calendar(
            microsoft_identity(graph_id.strip() if primary else calendar),
            name or self.source._location,
            address.strip().lower() if isinstance(address, str) and address.strip() else None,
            _delta_path(calendar),
        )

    def _apply(
        self,
        changes: DeltaChanges,
        events: dict[str, CalendarEvent],
        extra: dict[str, str],
        calendar: _Calendar,
    ) -> None:
        for event_id in changes.removed:
            events.pop(event_id, None)
        if changes.without_id:
            self.warnings.append(
                f"{changes.without_id} entries of Microsoft Graph's answer name no event id "
                "and were skipped"
            )
        for master in {series_master_id(raw) for raw in changes.upserts.values()} - {None}:
            assert master is not None
            if SERIES + master not in extra:
                extra[SERIES + master] = self._series_uid(master)
        context = MappingContext(
            calendar_id=calendar.identity,
            default_zone=self.source._settings.zone,
            owner=calendar.owner,
            series_uids={
                key[len(SERIES) :]: value for key, value in extra.items() if key.startswith(SERIES)
            },
        )
        for event_id, raw in changes.upserts.items():
            try:
                events[event_id] = to_event(raw, context)
            except UnreadableEvent as exc:
                events.pop(event_id, None)
                self.warnings.append(f"skipped {describe(raw)}: {exc.reason}")

    def _series_uid(self, master: str) -> str:
        """The series master's iCalUId: what the iCalendar export names every instance by."""
        url = self.graph.url(f"/me/events/{quote(master, safe='')}", {"$select": "iCalUId"})
        try:
            body = self.graph.get(url).body
        except GraphRefused as exc:
            if exc.status != 404:
                raise
            body = {}
        uid = body.get("iCalUId")
        if isinstance(uid, str) and uid.strip() and uid.isprintable():
            return uid.strip()
        # The master is gone (its instances will be soon): a stable name all the same.
        self.warnings.append(
            "a recurring series' own event could not be read; its meetings are named by "
            "its Graph id"
        )
        return f"graph-series-{master}"


def _delta_path(calendar: str) -> str:
    if calendar == PRIMARY:
        return "/me/calendarView/delta"
    return f"/me/calendars/{quote(calendar, safe='')}/calendarView/delta"


def _graph_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _referenced(extra: dict[str, str], events: dict[str, CalendarEvent]) -> dict[str, str]:
    """`extra` without the series no instance of the snapshot belongs to any more."""
    wanted = {e.uid for e in events.values()}
    return {
        key: value for key, value in extra.items() if not key.startswith(SERIES) or value in wanted
    }


def _overlaps(event: CalendarEvent, start: datetime, end: datetime) -> bool:
    if event.start == event.end:
        return start <= event.start < end
    return event.start < end and event.end > start
