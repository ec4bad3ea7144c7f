"""A calendar that suddenly comes back empty is not believed at once: its meetings (and their
preps) are kept until a second empty fetch, or `--accept-empty`, confirms it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
from exec_assistant.adapters.local.sqlite_repositories import (
    SqliteCalendarStateRepository,
    SqliteMeetingRepository,
    SqliteSeriesOverrideRepository,
)
from exec_assistant.calendars.ics import IcsCalendarSource
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import MeetingStatus
from exec_assistant.services.sync_calendars import SyncReport, sync_calendars

from factories import NEW_YORK, calendar_text, vevent

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EVENTS = [
    vevent(f"m{n}@test", f"Meeting {n}", f"202612{n + 1:02}T100000", f"202612{n + 1:02}T110000")
    for n in range(5)
]


@dataclass
class World:
    path: Path
    db: SqliteDatabase
    catalog: MeetingTypeCatalog
    rules: NotificationRules
    executive: Executive

    def write(self, *events: str) -> None:
        self.path.write_text(calendar_text(*events))

    def sync(self, *, accept_empty: bool = False, with_state: bool = True) -> SyncReport:
        return sync_calendars(
            [IcsCalendarSource(str(self.path), default_zone=NEW_YORK)],
            SqliteMeetingRepository(self.db),
            SqliteSeriesOverrideRepository(self.db),
            self.catalog,
            self.rules,
            self.executive,
            NOW,
            14,
            calendar_states=SqliteCalendarStateRepository(self.db) if with_state else None,
            accept_empty=accept_empty,
        )

    def statuses(self) -> list[MeetingStatus]:
        meetings = SqliteMeetingRepository(self.db).list_between(NOW, NOW + timedelta(days=14))
        return [m.status for m in meetings]


@pytest.fixture
def world(
    tmp_path: Path, catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> Iterator[World]:
    db = SqliteDatabase(tmp_path / "db.sqlite3")
    yield World(tmp_path / "calendar.ics", db, catalog, rules, executive)
    db.close()


SCHEDULED = [MeetingStatus.SCHEDULED] * 5
CANCELLED = [MeetingStatus.CANCELLED] * 5


def test_one_empty_fetch_keeps_the_meetings_and_says_so(world: World) -> None:
    world.write(*EVENTS)
    world.sync()
    world.write()
    report = world.sync()
    assert world.statuses() == SCHEDULED
    assert report.total("cancelled") == 0 and report.superseded_workflows == []
    result = report.calendars[0]
    assert result.held_back
    assert "came back with no events, where it had 5 before" in result.warnings[0]
    assert "--accept-empty" in result.warnings[0]


def test_a_second_empty_fetch_confirms_it(world: World) -> None:
    world.write(*EVENTS)
    world.sync()
    world.write()
    world.sync()
    report = world.sync()
    assert world.statuses() == CANCELLED
    assert report.total("cancelled") == 5 and not report.calendars[0].held_back


def test_accept_empty_believes_it_at_once(world: World) -> None:
    world.write(*EVENTS)
    world.sync()
    world.write()
    assert world.sync(accept_empty=True).total("cancelled") == 5
    assert world.statuses() == CANCELLED


def test_an_empty_fetch_then_a_full_one_changes_nothing(world: World) -> None:
    world.write(*EVENTS)
    world.sync()
    world.write()
    world.sync()
    world.write(*EVENTS)
    report = world.sync()
    assert world.statuses() == SCHEDULED
    assert report.total("cancelled") == 0 and report.total("updated") == 0
    # The doubt is over: the next empty fetch is doubted afresh.
    world.write()
    assert world.sync().calendars[0].held_back


def test_a_small_calendar_that_empties_is_believed(world: World) -> None:
    world.write(*EVENTS[:2])
    world.sync()
    world.write()
    assert world.sync().total("cancelled") == 2


def test_a_folder_from_before_this_check_counts_its_stored_meetings(world: World) -> None:
    world.write(*EVENTS)
    world.sync(with_state=False)  # an earlier version kept no record of fetches
    world.write()
    assert world.sync().calendars[0].held_back
    assert world.statuses() == SCHEDULED
