"""A calendar that breaks in an unforeseen way (a reader fault, a URL that cannot be parsed)
costs only its own sync: the meetings already stored are still prepared at their time."""

from __future__ import annotations

from datetime import datetime, timedelta

from exec_assistant.adapters.memory import (
    InMemoryCalendarStateRepository,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.ports import CalendarFetch, CalendarSource
from exec_assistant.services.tick import TickDependencies, Ticker

from factories import event
from prep_fakes import NOW, FixedClock, RecordingEngine


class BrokenCalendar:
    """A calendar whose reader fails with an error nobody foresaw."""

    calendar_id = "ics_broken"
    location = "broken.ics"

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        raise KeyError("UID")


def test_a_calendar_that_breaks_does_not_stop_the_preps_that_are_due(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    meetings = InMemoryMeetingRepository()
    stored = assess_event(
        event("Weekly sync", start=NOW + timedelta(hours=3)),
        None,
        catalog,
        rules,
        executive,
        None,
        NOW - timedelta(days=1),
    )
    meetings.put_many([stored])
    engine = RecordingEngine()
    sources: list[CalendarSource] = [BrokenCalendar()]
    deps = TickDependencies(
        meetings=meetings,
        overrides=InMemorySeriesOverrideRepository(),
        calendar_states=InMemoryCalendarStateRepository(),
        catalog=catalog,
        rules=rules,
        executive=executive,
        engine=engine,
        clock=FixedClock(),
        sources=lambda: sources,
    )
    ticker = Ticker(deps, sync_every=timedelta(hours=2))
    try:
        report = ticker.tick()
    except Exception as exc:  # the sync's fault must not cost the preps
        raise AssertionError(f"the tick failed on the calendar's error: {exc!r}") from None
    assert [r.meeting_id for r in report.started] == [stored.meeting_id]
