"""Pull every calendar, and store what changed: new, moved, cancelled or skipped meetings."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from exec_assistant.domain.discovery import (
    Executive,
    assess_event,
    cancel_vanished,
    configuration_key,
    event_fingerprint,
)
from exec_assistant.domain.errors import (
    CalendarAuthorizationExpired,
    CalendarUnavailable,
    Interrupted,
)
from exec_assistant.domain.identity import meeting_id_for, series_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ACTIVE_STATUSES, CalendarState, Meeting, MeetingStatus
from exec_assistant.ports import (
    CalendarSource,
    CalendarStateRepository,
    MeetingRepository,
    SeriesOverrideRepository,
)

log = logging.getLogger(__name__)

ENDED = frozenset({MeetingStatus.CANCELLED, MeetingStatus.COMPLETED})
"""A meeting that vanishes from the calendar in these is left as it is."""
DOUBT_EMPTY_AFTER = 3
"""A fetch with no events, where the last held at least this many, is not believed at once: a
calendar server that answers empty for a moment must not cancel the fortnight."""


@dataclass(frozen=True)
class ReauthorizationNeeded:
    provider: str
    episode: str
    message: str
    """What to tell the executive: the cause and the command that fixes it."""


@dataclass
class CalendarSyncResult:
    calendar_id: str
    location: str
    name: str = ""
    events: int = 0
    discovered: int = 0
    updated: int = 0
    cancelled: int = 0
    skipped: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    reauthorize: ReauthorizationNeeded | None = None
    """Its account must be authorized again (the executive is told once)."""
    seconds: float = 0.0
    held_back: bool = False
    """It came back empty where it held events before: its meetings were kept, unconfirmed."""

    @property
    def changed(self) -> int:
        return self.discovered + self.updated + self.cancelled + self.skipped


@dataclass
class SyncReport:
    window_start: datetime
    window_end: datetime
    calendars: list[CalendarSyncResult] = field(default_factory=list)
    changed_meetings: list[Meeting] = field(default_factory=list)
    superseded_workflows: list[str] = field(default_factory=list)
    """Prep workflows to stop: their meeting was cancelled, skipped or moved."""

    def total(self, attribute: str) -> int:
        return sum(int(getattr(c, attribute)) for c in self.calendars)

    @property
    def failed(self) -> list[CalendarSyncResult]:
        return [c for c in self.calendars if c.error]


class SyncObserver(Protocol):
    """Told about progress, for a display; has no say in the result."""

    def calendar_started(self, location: str) -> None: ...

    def calendar_fetched(self, location: str, events: int) -> None: ...

    def calendar_finished(self, result: CalendarSyncResult) -> None: ...


def sync_calendars(
    sources: Sequence[CalendarSource],
    meetings: MeetingRepository,
    overrides: SeriesOverrideRepository,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    now: datetime,
    lookahead_days: int,
    observer: SyncObserver | None = None,
    *,
    calendar_states: CalendarStateRepository | None = None,
    accept_empty: bool = False,
) -> SyncReport:
    """Sync each calendar; one calendar failing leaves its stored meetings untouched.

    With `calendar_states`, a calendar that suddenly comes back empty keeps its meetings and
    says so, until a second empty fetch (or `accept_empty`) confirms it. Raises Interrupted
    when a source is told to stop; what was stored before stays stored.
    """
    report = SyncReport(now, now + timedelta(days=lookahead_days))
    series_types = overrides.all()
    for source in sources:
        if observer:
            observer.calendar_started(source.location)
        started = time.perf_counter()
        result = CalendarSyncResult(source.calendar_id, source.location)
        try:
            changed = _sync_one(
                source,
                meetings,
                series_types,
                _Judgement(catalog, rules, executive, calendar_states, accept_empty),
                report,
                result,
                observer,
            )
            report.changed_meetings.extend(changed)
        except CalendarAuthorizationExpired as exc:
            result.error = str(exc)
            result.reauthorize = ReauthorizationNeeded(exc.provider, exc.episode, str(exc))
        except CalendarUnavailable as exc:
            result.error = str(exc)
        except Interrupted:
            raise
        except Exception as exc:  # a fault of the reader must cost only this calendar
            log.warning(
                "calendar sync failed",
                extra={"calendar_id": source.calendar_id, "error": type(exc).__name__},
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
            result.error = (
                f"cannot read calendar {source.location}: an unexpected {type(exc).__name__} "
                "in exec-assistant (run with -v and EXEC_ASSISTANT_LOG_LEVEL=DEBUG for the "
                "details, and please report it); its meetings are kept as they were"
            )
        result.seconds = time.perf_counter() - started
        report.calendars.append(result)
        log.info(
            "calendar synced",
            extra={
                "calendar_id": result.calendar_id,
                "events": result.events,
                "discovered": result.discovered,
                "updated": result.updated,
                "cancelled": result.cancelled,
                "skipped": result.skipped,
                "warnings": len(result.warnings),
                "failed": result.error is not None,
                "held_back": result.held_back,
                "duration_ms": round(result.seconds * 1000),
            },
        )
        if observer:
            observer.calendar_finished(result)
    return report


@dataclass(frozen=True)
class _Judgement:
    """What the assessment of a calendar's events depends on besides the events."""

    catalog: MeetingTypeCatalog
    rules: NotificationRules
    executive: Executive
    states: CalendarStateRepository | None
    accept_empty: bool


def _held_back(
    calendar_id: str,
    meetings: MeetingRepository,
    judgement: _Judgement,
    report: SyncReport,
    result: CalendarSyncResult,
) -> bool:
    """True when an empty fetch is not believed yet: the stored meetings stay as they are."""
    states, now = judgement.states, report.window_start
    if states is None or result.events or judgement.accept_empty:
        return False
    state = states.get(calendar_id)
    if state is not None and state.empty_since is not None:
        return False  # the second empty fetch in a row: it is empty
    if state is not None:
        before = state.events
    else:  # no record yet (a data folder from an earlier version): what is stored counts
        stored = meetings.statuses_between(now, report.window_end, calendar_id=calendar_id)
        before = sum(1 for status in stored.values() if status not in ENDED)
    if before < DOUBT_EMPTY_AFTER:
        return False
    states.put(
        CalendarState(calendar_id=calendar_id, events=before, empty_since=now, updated_at=now)
    )
    result.held_back = True
    result.warnings.append(
        f"it came back with no events, where it had {before} before; its meetings are kept "
        "as they were. If it really is empty now, the next sync accepts it, or run "
        "'exec-assistant sync --accept-empty'."
    )
    return True


def _sync_one(
    source: CalendarSource,
    meetings: MeetingRepository,
    series_types: dict[str, str],
    judgement: _Judgement,
    report: SyncReport,
    result: CalendarSyncResult,
    observer: SyncObserver | None,
) -> list[Meeting]:
    now = report.window_start
    catalog, rules, executive = judgement.catalog, judgement.rules, judgement.executive
    fetch = source.fetch(report.window_start, report.window_end)
    # An API source knows its identity for sure once it has asked (`google:primary` is the
    # account's address): the meetings and the state are the fetch's calendar's.
    calendar_id = result.calendar_id = fetch.calendar_id
    result.name = fetch.name
    result.events = len(fetch.events)
    result.warnings.extend(fetch.warnings)
    if observer:
        observer.calendar_fetched(source.location, len(fetch.events))
    if _held_back(calendar_id, meetings, judgement, report, result):
        return []

    events = {meeting_id_for(e.calendar_id, e.uid, e.recurrence_id): e for e in fetch.events}
    config_key = configuration_key(catalog, rules, executive)
    overrides = {
        i: series_types.get(series_id_for(e.calendar_id, e.uid)) for i, e in events.items()
    }
    fingerprints = {i: event_fingerprint(e, overrides[i], config_key) for i, e in events.items()}
    # An event assessed before from exactly the same inputs would be assessed the same way:
    # its stored meeting stands as it is.
    known = meetings.fingerprints(list(events))
    to_assess = [i for i in events if known.get(i) is None or known[i] != fingerprints[i]]
    # Only the ids and statuses in the window are needed to find what vanished; the few
    # meetings that did are the only ones read in full.
    statuses = meetings.statuses_between(now, report.window_end, calendar_id=calendar_id)
    vanished = [i for i, status in statuses.items() if i not in events and status not in ENDED]
    outcomes: dict[str, tuple[Meeting | None, Meeting]] = {}

    def judge(meeting_id: str, old: Meeting | None) -> Meeting | None:
        """The meeting as this sync leaves it, judged from what is stored at this moment: a
        prep step or `notes` writing meanwhile is not undone."""
        event = events.get(meeting_id)
        if event is None:  # vanished
            if old is None or old.status in ENDED:
                return None
            new = cancel_vanished(old).model_copy(update={"updated_at": now})
        else:
            new = assess_event(event, old, catalog, rules, executive, overrides[meeting_id], now)
            new = new.model_copy(update={"source_fingerprint": fingerprints[meeting_id]})
            if old is not None and old.same_content_as(new):
                outcomes.pop(meeting_id, None)
                # Nothing to tell; the fingerprint is recorded so the next sync skips it.
                return new if old.source_fingerprint != new.source_fingerprint else None
            if old is not None:
                new = new.model_copy(update={"updated_at": now})
        outcomes[meeting_id] = (old, new)
        return new

    changed = meetings.update_many([*to_assess, *vanished], judge) if to_assess or vanished else []
    result.unchanged += len(events) - len([i for i in to_assess if i in outcomes])
    for meeting_id in [*to_assess, *vanished]:
        if meeting_id not in outcomes:
            continue
        old, new = outcomes[meeting_id]
        if old is None:
            _count_new(new, result)
            continue
        _count_change(old, new, result)
        if old.workflow_id and (
            new.workflow_id != old.workflow_id or new.status not in ACTIVE_STATUSES
        ):
            report.superseded_workflows.append(old.workflow_id)
    if judgement.states is not None:
        judgement.states.put(
            CalendarState(calendar_id=calendar_id, events=len(events), updated_at=now)
        )
    return changed


def _count_new(meeting: Meeting, result: CalendarSyncResult) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        result.cancelled += 1
    elif meeting.status == MeetingStatus.SKIPPED:
        result.skipped += 1
    else:
        result.discovered += 1


def _count_change(old: Meeting, new: Meeting, result: CalendarSyncResult) -> None:
    if new.status == MeetingStatus.CANCELLED and old.status != MeetingStatus.CANCELLED:
        result.cancelled += 1
    elif new.status == MeetingStatus.SKIPPED and old.status != MeetingStatus.SKIPPED:
        result.skipped += 1
    else:
        result.updated += 1
