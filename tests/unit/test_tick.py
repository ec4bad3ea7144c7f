"""The periodic driver on fakes: sync when due, stop superseded preps, start due ones, retry
failed ones, and notice preps whose workflow died."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from exec_assistant.adapters.memory import (
    InMemoryCalendarStateRepository,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import CalendarEvent, Meeting, MeetingStatus
from exec_assistant.ports import CalendarFetch, PrepRunState
from exec_assistant.services.preps import NothingToRetry, retry_prep
from exec_assistant.services.tick import TickDependencies, Ticker

from factories import event
from prep_fakes import NOW, FixedClock, RecordingEngine

START = NOW + timedelta(hours=30)


@dataclass
class ListCalendar:
    """A calendar source serving whatever events the test puts in it."""

    events: list[CalendarEvent] = field(default_factory=list)
    calendar_id: str = "ics_test"
    location: str = "test.ics"
    fetches: int = 0

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        self.fetches += 1
        return CalendarFetch(self.calendar_id, "Test", list(self.events))


@dataclass
class Rig:
    ticker: Ticker
    meetings: InMemoryMeetingRepository
    engine: RecordingEngine
    clock: FixedClock
    calendar: ListCalendar

    def only(self) -> Meeting:
        found = self.meetings.list_between(NOW - timedelta(days=1), NOW + timedelta(days=14))
        assert len(found) == 1
        return found[0]


@pytest.fixture
def rig(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Rig:
    meetings = InMemoryMeetingRepository()
    engine = RecordingEngine()
    clock = FixedClock()
    calendar = ListCalendar([event("Weekly sync", start=START)])
    sources: Sequence[ListCalendar] = [calendar]
    deps = TickDependencies(
        meetings=meetings,
        overrides=InMemorySeriesOverrideRepository(),
        calendar_states=InMemoryCalendarStateRepository(),
        catalog=catalog,
        rules=rules,
        executive=executive,
        engine=engine,
        clock=clock,
        sources=lambda: sources,
    )
    return Rig(Ticker(deps, sync_every=timedelta(hours=2)), meetings, engine, clock, calendar)


def test_syncs_at_the_first_tick_and_then_every_interval(rig: Rig) -> None:
    rig.ticker.tick()
    rig.clock.advance(timedelta(hours=1, minutes=59))
    assert rig.ticker.tick().sync is None
    rig.clock.advance(timedelta(minutes=1))
    assert rig.ticker.tick().sync is not None
    assert rig.calendar.fetches == 2


def test_starts_a_prep_when_its_time_comes_and_only_once(rig: Rig) -> None:
    rig.ticker.tick()
    meeting = rig.only()
    assert meeting.prep_at is not None and meeting.prep_at > NOW
    assert rig.engine.started == []
    rig.clock.value = meeting.prep_at
    report = rig.ticker.tick()
    assert [r.workflow_id for r in report.started] == [
        workflow_id_for(meeting.meeting_id, meeting.start)
    ]
    assert rig.only().workflow_id == report.started[0].workflow_id
    assert rig.ticker.tick().started == []  # running: not started again


def test_stops_the_prep_of_a_meeting_that_moved_and_starts_the_new_one(rig: Rig) -> None:
    meeting_start = NOW + timedelta(hours=10)
    rig.calendar.events = [event("Weekly sync", start=meeting_start)]
    rig.ticker.tick()
    first = rig.engine.started[0].workflow_id
    rig.calendar.events = [event("Weekly sync", start=meeting_start + timedelta(hours=1))]
    report = rig.ticker.tick(sync=True)
    assert report.cancelled == [first]
    assert [r.workflow_id for r in report.started] != [first]
    assert len(report.started) == 1


def test_a_meeting_back_after_being_cancelled_gets_its_prep_started_again(rig: Rig) -> None:
    rig.calendar.events = [event("Weekly sync", start=NOW + timedelta(hours=10))]
    rig.ticker.tick()
    first = rig.engine.started[0].workflow_id
    rig.calendar.events[0] = rig.calendar.events[0].model_copy(update={"cancelled": True})
    assert rig.ticker.tick(sync=True).cancelled == [first]
    assert rig.only().status == MeetingStatus.CANCELLED
    rig.calendar.events[0] = rig.calendar.events[0].model_copy(update={"cancelled": False})
    report = rig.ticker.tick(sync=True)
    assert rig.only().status == MeetingStatus.SCHEDULED
    assert [r.attempt for r in report.retried] == [2]
    assert rig.engine.runs[report.retried[0].workflow_id].state == PrepRunState.RUNNING


def test_a_failed_prep_is_retried_when_its_time_comes(rig: Rig) -> None:
    rig.calendar.events = [event("Weekly sync", start=NOW + timedelta(hours=10))]
    rig.ticker.tick()
    meeting = rig.only()
    retry_at = NOW + timedelta(minutes=5)
    rig.meetings.put(
        meeting.with_status(MeetingStatus.FAILED, prep_error="x failed", retry_at=retry_at)
    )
    rig.engine.finish(meeting.workflow_id or "", PrepRunState.FAILED)
    assert rig.ticker.tick().retried == []
    rig.clock.value = retry_at
    report = rig.ticker.tick()
    assert [r.attempt for r in report.retried] == [2]
    retried = rig.only()
    assert retried.status == MeetingStatus.SCHEDULED
    assert (retried.prep_error, retried.retry_at, retried.prep_attempt) == (None, None, 2)
    assert retried.workflow_id == report.retried[0].workflow_id


def test_a_prep_whose_workflow_died_is_shown_failed_and_retried(rig: Rig) -> None:
    rig.calendar.events = [event("Weekly sync", start=NOW + timedelta(hours=10))]
    rig.ticker.tick()
    meeting = rig.only()
    rig.meetings.put(meeting.with_status(MeetingStatus.NOTIFIED))
    rig.engine.finish(meeting.workflow_id or "", PrepRunState.FAILED, error="boom")
    report = rig.ticker.tick()
    assert report.stranded == [meeting.meeting_id]
    # Shown failed with the reason, and due for a retry at once.
    assert [r.attempt for r in report.retried] == [2]


def test_a_prep_whose_workflow_is_lost_is_shown_failed(rig: Rig) -> None:
    rig.calendar.events = [event("Weekly sync", start=NOW + timedelta(hours=10))]
    rig.ticker.tick()
    meeting = rig.only()
    rig.meetings.put(meeting.with_status(MeetingStatus.NOTIFIED))
    del rig.engine.runs[meeting.workflow_id or ""]  # workflows.sqlite3 deleted, say
    rig.clock.advance(timedelta(seconds=1))
    rig.ticker.tick(sync=False)
    assert rig.engine.started[-1].attempt == 2


def test_a_sync_on_its_own_starts_nothing(rig: Rig) -> None:
    rig.calendar.events = [event("Weekly sync", start=NOW + timedelta(hours=10))]
    report = rig.ticker.tick(sync=True, prepare=False)
    assert report.sync is not None and rig.engine.started == []


def test_only_a_failed_prep_can_be_retried(rig: Rig) -> None:
    rig.ticker.tick()
    with pytest.raises(NothingToRetry, match="it is scheduled"):
        retry_prep(rig.meetings, rig.engine, rig.only().meeting_id)
