"""A sync reads the stored meetings, assesses the calendar's events, then writes. What another
writer stores in between (`notes` completing the meeting, a prep step moving it on) is not
overwritten with what the sync read before it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from exec_assistant.adapters.memory import (
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import CalendarEvent, Meeting, MeetingStatus
from exec_assistant.ports import CalendarFetch
from exec_assistant.services.sync_calendars import sync_calendars

from factories import event
from prep_fakes import NOW


@dataclass
class ListCalendar:
    events: list[CalendarEvent]
    calendar_id: str = "ics_test"
    location: str = "test.ics"

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        return CalendarFetch(self.calendar_id, "Test", list(self.events))


class MeetingsWithAnotherWriter(InMemoryMeetingRepository):
    """The stored meetings, and another process that writes while the sync is under way,
    after it has read what it needs to judge the calendar (as `notes` does beside `serve`)."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: list[tuple[str, MeetingStatus]] = []

    def _another_writer(self) -> None:
        for meeting_id, status in self.meanwhile:
            self.update(meeting_id, lambda m, s=status: m.with_status(s))
        self.meanwhile = []

    def get_many(self, meeting_ids: Sequence[str]) -> dict[str, Meeting]:
        found = super().get_many(meeting_ids)
        self._another_writer()
        return found

    def statuses_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> dict[str, MeetingStatus]:
        found = super().statuses_between(start_from, start_to, calendar_id)
        self._another_writer()
        return found


def test_notes_given_while_a_sync_runs_keep_the_meeting_completed(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    meetings = MeetingsWithAnotherWriter()
    overrides = InMemorySeriesOverrideRepository()
    calendar = ListCalendar([event("Weekly sync", start=NOW + timedelta(hours=30))])

    def sync() -> None:
        sync_calendars([calendar], meetings, overrides, catalog, rules, executive, NOW, 14)

    sync()
    [stored] = meetings.list_between(NOW, NOW + timedelta(days=14))
    # The organizer edits the event (its description, say): the next sync assesses it again,
    # and `notes` completes the meeting while that sync is under way.
    calendar.events = [calendar.events[0].model_copy(update={"description": "Agenda: plan"})]
    meetings.meanwhile = [(stored.meeting_id, MeetingStatus.COMPLETED)]
    sync()
    after = meetings.get(stored.meeting_id)
    assert after is not None
    assert after.status == MeetingStatus.COMPLETED
