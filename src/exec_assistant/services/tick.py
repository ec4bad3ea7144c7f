"""The periodic driver: sync the calendars when due, stop the preps whose meeting moved or
vanished, start the preps that are due, and retry the ones that failed.

With a chat channel, each tick also asks again the prep requests whose snooze has ended,
and asks for the notes of meetings that had a prep and have just ended: each once, by its
delivery key, so that a tick repeated after a restart sends nothing twice.

With a task tracker (Jira), each tick that prepares also creates the issues of newly accepted
action items, and reads back which issues are done every `ITEM_STATES_EVERY`; a tracker that
fails is logged and tried again at the next tick, never stopping the preps.

`serve` ticks every half minute, `sync` ticks once without starting anything, the demo ticks
at each moment of its simulated fortnight; the same service would run as the CalendarMonitor
function on AWS.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import ExecAssistantError, Interrupted
from exec_assistant.domain.identity import (
    delivery_key,
    prep_id_for,
    session_id_for,
    workflow_id_for,
)
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import (
    IN_PROGRESS_STATUSES,
    PREPARED_STATUSES,
    ChatSession,
    Meeting,
    MeetingStatus,
    SessionState,
)
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.ports import (
    ActionItemRepository,
    CalendarSource,
    CalendarStateRepository,
    ChatChannel,
    ChatSessionRepository,
    Clock,
    DeliveryRepository,
    MeetingRepository,
    PrepEngine,
    PrepRunState,
    SeriesOverrideRepository,
    TaskTracker,
)
from exec_assistant.services.action_item_sync import ItemSyncReport, sync_action_items
from exec_assistant.services.answers import submit_answers
from exec_assistant.services.deliveries import deliver_once
from exec_assistant.services.preps import prep_request as prep_request_of
from exec_assistant.services.preps import retry_prep, start_prep
from exec_assistant.services.sync_calendars import SyncObserver, SyncReport, sync_calendars

log = logging.getLogger(__name__)

_S = MeetingStatus


@dataclass(frozen=True)
class TickDependencies:
    meetings: MeetingRepository
    overrides: SeriesOverrideRepository
    calendar_states: CalendarStateRepository
    catalog: MeetingTypeCatalog
    rules: NotificationRules
    executive: Executive
    engine: PrepEngine
    clock: Clock
    sources: Callable[[], Sequence[CalendarSource]]
    """The calendars to sync, asked for at each sync (none configured: an empty list)."""
    lookahead_days: int = 14
    channel: ChatChannel | None = None
    """Where snoozed requests are asked again and notes asked for; None: neither is done."""
    sessions: ChatSessionRepository | None = None
    deliveries: DeliveryRepository | None = None
    tracker: TaskTracker | None = None
    """Where accepted action items become issues; None: they stay on this side."""
    action_items: ActionItemRepository | None = None


NOTES_REQUEST_WINDOW = timedelta(days=1)
"""Notes are asked for meetings that ended within this long; older ones are left alone."""
SNOOZE_LOOKBACK = timedelta(days=8)
"""Sessions opened this long ago or less are looked at for an ended snooze (a prep waits a
day at most for its answers)."""
_ASKED_FOR_NOTES = PREPARED_STATUSES | IN_PROGRESS_STATUSES
ITEM_STATES_EVERY = timedelta(minutes=15)
"""How often a tick asks the tracker which issues are done (new issues are made every tick)."""
ITEM_RETRY_AFTER = timedelta(minutes=5)
"""How long ticks leave a tracker alone that could not be used (down, credentials refused):
a tracker that hangs would otherwise hold every tick for its whole time limit."""


def notes_request_key(meeting_id: str) -> str:
    return f"notes-request/{meeting_id}"


def reauthorization_key(provider: str, episode: str) -> str:
    """One request per dead authorization of an account."""
    return f"calendar-authorization/{provider}/{episode}"


def snooze_key(prep_id: str, until: datetime) -> str:
    """One re-ask per snooze: the prep and the time it was snoozed until."""
    return delivery_key(prep_id, f"Snoozed-{until:%Y%m%dT%H%M%SZ}")


@dataclass
class TickReport:
    at: datetime
    sync: SyncReport | None = None
    cancelled: list[str] = field(default_factory=list)
    """Workflows stopped: their meeting moved, was cancelled or was skipped."""
    started: list[PrepRequest] = field(default_factory=list)
    retried: list[PrepRequest] = field(default_factory=list)
    stranded: list[str] = field(default_factory=list)
    """Meetings whose prep workflow had ended in an error or was lost: now shown failed."""
    reasked: list[str] = field(default_factory=list)
    """Meetings whose snoozed prep request was asked again now."""
    notes_requested: list[str] = field(default_factory=list)
    """Meetings whose notes were asked for now."""
    reauthorization_asked: list[str] = field(default_factory=list)
    """Calendar accounts (`google`, `microsoft`) the executive was asked to authorize again."""
    sync_error: str | None = None
    """Why the calendars could not be synced at all (the preps went ahead regardless)."""
    items: ItemSyncReport | None = None
    """The action items' sync with the tracker, when one is configured."""


class _NotSent(Exception):
    """The channel failed; the record says so, and the next tick tries again."""


class TickObserver(Protocol):
    """Told as a tick goes, so a display keeps the order in which things happen."""

    def synced(self, report: SyncReport) -> None: ...

    def sync_failed(self, problem: str) -> None: ...

    def started(self, request: PrepRequest, retry: bool) -> None: ...

    def failed(self, meeting: Meeting) -> None:
        """A prep shown failed, waiting for its retry (told at every tick until then)."""
        ...


class Ticker:
    """Keeps when the calendars were last synced; everything else is in the stores."""

    def __init__(self, deps: TickDependencies, sync_every: timedelta | None) -> None:
        """`sync_every`: how often `tick` syncs (None: only at the first tick)."""
        self._deps = deps
        self._sync_every = sync_every
        self._next_sync: datetime | None = None
        self._synced_once = False
        self._next_item_states: datetime | None = None
        self._items_resume_at: datetime | None = None

    def sync_due(self, now: datetime) -> bool:
        if not self._synced_once:
            return True
        return self._next_sync is not None and now >= self._next_sync

    def tick(
        self,
        *,
        sync: bool | None = None,
        prepare: bool = True,
        accept_empty: bool = False,
        progress: SyncObserver | None = None,
        observer: TickObserver | None = None,
    ) -> TickReport:
        """One round. `sync`: True to sync now, False not to, None when due. `prepare`:
        start, retry and check preps (False for a sync on its own, which runs no preps)."""
        deps = self._deps
        report = TickReport(deps.clock.now())
        if sync or (sync is None and self.sync_due(report.at)):
            try:
                report.sync = self._sync(report.at, accept_empty, progress)
            except Interrupted:
                raise
            except ExecAssistantError as exc:
                if not prepare:
                    raise  # a sync on its own reports it
                # The meetings already stored are still prepared at their time.
                self._synced_once, self._next_sync = True, self._after(report.at)
                report.sync_error = str(exc)
                if observer:
                    observer.sync_failed(report.sync_error)
            else:
                self._ask_to_reauthorize(report.sync, report)
                for workflow_id in report.sync.superseded_workflows:
                    deps.engine.cancel(workflow_id)
                    report.cancelled.append(workflow_id)
                if observer:
                    observer.synced(report.sync)
        if prepare:
            now = deps.clock.now()
            report.stranded = self._fail_stranded(now)
            self._start_due(now, report, observer)
            self._retry_failed(now, report, observer)
            self._reask_snoozed(now, report)
            self._ask_for_notes(now, report)
            report.items = self._sync_items(now)
        if (
            report.started
            or report.retried
            or report.cancelled
            or report.stranded
            or report.reasked
            or report.notes_requested
        ):
            log.info(
                "tick",
                extra={
                    "started": len(report.started),
                    "retried": len(report.retried),
                    "cancelled": len(report.cancelled),
                    "stranded": len(report.stranded),
                    "reasked": len(report.reasked),
                    "notes_requested": len(report.notes_requested),
                },
            )
        return report

    def _sync_items(self, now: datetime) -> ItemSyncReport | None:
        """New accepted items to the tracker; which issues are done, when that is due."""
        deps = self._deps
        if deps.tracker is None or deps.action_items is None:
            return None
        if self._items_resume_at is not None and now < self._items_resume_at:
            return None
        read_states = self._next_item_states is None or now >= self._next_item_states
        try:
            report = sync_action_items(
                deps.action_items, deps.meetings, deps.tracker, deps.clock, read_states=read_states
            )
        except Exception as exc:  # the stores failed: the preps go on, the next tick retries
            log.warning("action items not synced", extra={"error": type(exc).__name__})
            return None
        if report.unavailable is not None:
            self._items_resume_at = now + ITEM_RETRY_AFTER
        elif read_states:
            self._next_item_states = now + ITEM_STATES_EVERY
        return report

    def _sync(self, now: datetime, accept_empty: bool, observer: SyncObserver | None) -> SyncReport:
        deps = self._deps
        result = sync_calendars(
            deps.sources(),
            deps.meetings,
            deps.overrides,
            deps.catalog,
            deps.rules,
            deps.executive,
            now,
            deps.lookahead_days,
            observer,
            calendar_states=deps.calendar_states,
            accept_empty=accept_empty,
        )
        self._synced_once, self._next_sync = True, self._after(now)
        return result

    def _after(self, now: datetime) -> datetime | None:
        return now + self._sync_every if self._sync_every else None

    def _fail_stranded(self, now: datetime) -> list[str]:
        """Meetings whose prep should be running but whose workflow ended in an error or is
        unknown to the engine (its state was lost): shown failed, to be retried."""
        deps = self._deps
        stranded = []
        for status in sorted(IN_PROGRESS_STATUSES):
            for meeting in deps.meetings.list_by_status(status):
                if meeting.workflow_id is None or meeting.end <= now:
                    continue
                run = deps.engine.status(meeting.workflow_id)
                if run is not None and run.state != PrepRunState.FAILED:
                    continue
                why = (
                    f"the prep stopped on an error: {run.error}"
                    if run is not None and run.error
                    else "the prep stopped on an error"
                    if run is not None
                    else "the prep's workflow was lost (its state is gone)"
                )
                if self._mark_failed(meeting, why, now):
                    stranded.append(meeting.meeting_id)
        return stranded

    def _mark_failed(self, meeting: Meeting, why: str, now: datetime) -> bool:
        def fail(current: Meeting) -> Meeting:
            if current.status not in IN_PROGRESS_STATUSES or (
                current.workflow_id != meeting.workflow_id
            ):
                return current
            return current.with_status(_S.FAILED, prep_error=why, retry_at=now)

        stored = self._deps.meetings.update(meeting.meeting_id, fail)
        return stored is not None and stored.status == _S.FAILED

    def _start_due(self, now: datetime, report: TickReport, observer: TickObserver | None) -> None:
        """Scheduled meetings whose prep time has come, soonest first. One whose current
        attempt already ended (its meeting was cancelled and came back, say) gets a fresh
        attempt."""
        deps = self._deps
        for meeting in deps.meetings.list_by_status(_S.SCHEDULED):
            if meeting.prep_at is None or meeting.prep_at > now or meeting.end <= now:
                continue
            workflow_id = workflow_id_for(meeting.meeting_id, meeting.start, meeting.prep_attempt)
            run = deps.engine.status(workflow_id)
            if run is None:
                if observer:
                    observer.started(prep_request_of(meeting), retry=False)
                report.started.append(start_prep(deps.meetings, deps.engine, meeting))
            elif run.state != PrepRunState.RUNNING:
                request = retry_prep(deps.meetings, deps.engine, meeting.meeting_id, stalled=True)
                if observer:
                    observer.started(request, retry=True)
                report.retried.append(request)

    def _retry_failed(
        self, now: datetime, report: TickReport, observer: TickObserver | None
    ) -> None:
        deps = self._deps
        for meeting in deps.meetings.list_by_status(_S.FAILED):
            if meeting.retry_at is None or meeting.retry_at > now or meeting.start <= now:
                if observer and meeting.end > now:
                    observer.failed(meeting)
                continue
            request = retry_prep(deps.meetings, deps.engine, meeting.meeting_id)
            if observer:
                observer.started(request, retry=True)
            report.retried.append(request)

    def _reask_snoozed(self, now: datetime, report: TickReport) -> None:
        """Prep requests whose snooze has ended, asked again once (the same questions, in
        the same session). A channel that fails is tried again at the next tick."""
        deps = self._deps
        channel, sessions, deliveries = deps.channel, deps.sessions, deps.deliveries
        if channel is None or sessions is None or deliveries is None:
            return
        user_id = deps.executive.email or "executive"
        since = int((now - SNOOZE_LOOKBACK).timestamp())
        for session in sessions.list_for_user(user_id, created_after=since):
            until = session.snoozed_until
            if until is None or until > now or session.state != SessionState.WAITING:
                continue
            meeting = deps.meetings.get(session.meeting_id)
            if meeting is None or meeting.status not in IN_PROGRESS_STATUSES:
                continue
            prep_id = prep_id_for(meeting.meeting_id, meeting.start)
            if session_id_for(prep_id) != session.session_id:
                continue  # the meeting moved: a new prep asks afresh
            try:
                if self._reask(meeting, session, snooze_key(prep_id, until)):
                    report.reasked.append(meeting.meeting_id)
            except _NotSent:
                continue
            self._unsnooze(sessions, session, until)

    def _reask(self, meeting: Meeting, session: ChatSession, key: str) -> bool:
        """True when the request went out now; answers the channel has at once are taken."""
        deps = self._deps
        assert deps.channel is not None and deps.deliveries is not None
        assert deps.sessions is not None
        channel = deps.channel
        asked: list[dict[str, str] | None] = []
        try:
            sent = deliver_once(
                deps.deliveries,
                deps.clock,
                key,
                meeting.meeting_id,
                "questions",
                lambda: asked.append(channel.ask(meeting, session, key)),
            )
        except Exception as exc:  # the channel is down: the next tick tries again
            log.warning(
                "snoozed prep request not sent",
                extra={"meeting_id": meeting.meeting_id, "error": type(exc).__name__},
            )
            raise _NotSent from exc
        if asked and asked[0]:
            submit_answers(
                deps.meetings, deps.sessions, deps.engine, meeting.meeting_id, asked[0], key
            )
        return sent

    @staticmethod
    def _unsnooze(sessions: ChatSessionRepository, session: ChatSession, until: datetime) -> None:
        def clear(current: ChatSession) -> ChatSession:
            if current.snoozed_until != until:
                return current  # snoozed again meanwhile
            return current.model_copy(update={"snoozed_until": None})

        sessions.update(session.session_id, clear)

    def _ask_to_reauthorize(self, sync: SyncReport, report: TickReport) -> None:
        """A calendar account whose authorization died: the executive told once per dead
        authorization (its meetings are kept meanwhile), not at every sync."""
        deps = self._deps
        channel, deliveries = deps.channel, deps.deliveries
        if channel is None or deliveries is None:
            return
        needed = {r.reauthorize.episode: r.reauthorize for r in sync.calendars if r.reauthorize}
        for episode, what in needed.items():
            key = reauthorization_key(what.provider, episode)
            try:
                sent = deliver_once(
                    deliveries,
                    deps.clock,
                    key,
                    f"calendar:{what.provider}",
                    "reauthorization",
                    functools.partial(channel.notify, what.message, key),
                )
            except Exception as exc:  # the channel is down: the next sync tries again
                log.warning(
                    "reauthorization request not sent",
                    extra={"provider": what.provider, "error": type(exc).__name__},
                )
                continue
            if sent:
                report.reauthorization_asked.append(what.provider)

    def _ask_for_notes(self, now: datetime, report: TickReport) -> None:
        """Meetings that had a prep and ended within the last day, without notes yet (not
        skipped, cancelled or completed): their notes asked for, once."""
        deps = self._deps
        channel, deliveries = deps.channel, deps.deliveries
        if channel is None or deliveries is None:
            return
        # A meeting lasts a day at most as far as asking for notes goes.
        found = deps.meetings.list_between(now - 2 * NOTES_REQUEST_WINDOW, now)
        for meeting in found:
            if not (now - NOTES_REQUEST_WINDOW < meeting.end <= now):
                continue
            if meeting.status not in _ASKED_FOR_NOTES:
                continue
            if self._request_notes(meeting):
                report.notes_requested.append(meeting.meeting_id)

    def _request_notes(self, meeting: Meeting) -> bool:
        deps = self._deps
        assert deps.channel is not None and deps.deliveries is not None
        channel = deps.channel
        key = notes_request_key(meeting.meeting_id)
        try:
            return deliver_once(
                deps.deliveries,
                deps.clock,
                key,
                meeting.meeting_id,
                "notes_request",
                lambda: channel.ask_for_notes(meeting, key),
            )
        except Exception as exc:  # the channel is down: the next tick tries again
            log.warning(
                "notes request not sent",
                extra={"meeting_id": meeting.meeting_id, "error": type(exc).__name__},
            )
            return False
