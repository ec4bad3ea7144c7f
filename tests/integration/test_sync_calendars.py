"""Syncing calendars end to end through the service, on SQLite and real iCalendar files."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
from exec_assistant.adapters.local.sqlite_repositories import (
    SqliteMeetingRepository,
    SqliteSeriesOverrideRepository,
)
from exec_assistant.calendars.ics import IcsCalendarSource
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import UnknownMeetingType
from exec_assistant.domain.meeting_types import MeetingType, MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.services.meetings import classify_series
from exec_assistant.services.sync_calendars import SyncReport, sync_calendars

from factories import EXEC, NEW_YORK, calendar_text, vevent

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 07:00 in New York


@dataclass
class World:
    path: Path
    db: SqliteDatabase
    meetings: SqliteMeetingRepository
    overrides: SqliteSeriesOverrideRepository
    catalog: MeetingTypeCatalog
    rules: NotificationRules
    executive: Executive

    def write(self, *events: str) -> None:
        self.path.write_text(calendar_text(*events))

    def sync(self, now: datetime = NOW, location: str | None = None) -> SyncReport:
        source = IcsCalendarSource(
            location or str(self.path), default_zone=NEW_YORK, timeout_seconds=2
        )
        return sync_calendars(
            [source],
            self.meetings,
            self.overrides,
            self.catalog,
            self.rules,
            self.executive,
            now,
            14,
        )

    def by_title(self) -> dict[str, list[Meeting]]:
        found: dict[str, list[Meeting]] = {}
        for m in self.meetings.list_between(NOW - timedelta(days=30), NOW + timedelta(days=60)):
            found.setdefault(m.title, []).append(m)
        return found


@pytest.fixture
def world(
    tmp_path: Path, catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> Iterator[World]:
    db = SqliteDatabase(tmp_path / "db.sqlite3")
    yield World(
        tmp_path / "calendar.ics",
        db,
        SqliteMeetingRepository(db),
        SqliteSeriesOverrideRepository(db),
        catalog,
        rules,
        executive,
    )
    db.close()


ONE_ON_ONE = vevent(
    "priya@test",
    "Jordan / Priya 1:1",
    "20261201T090000",
    "20261201T093000",
    extra=["RRULE:FREQ=WEEKLY;COUNT=3"],
)
QBR = vevent(
    "qbr@test",
    "Q4 QBR",
    "20261210T130000",
    "20261210T150000",
    attendees=[f"PARTSTAT=ACCEPTED:mailto:{EXEC}"]
    + [f"PARTSTAT=ACCEPTED:mailto:p{i}@northwind.example" for i in range(5)],
)
DECLINED = vevent(
    "guild@test",
    "Architecture Guild",
    "20261203T120000",
    "20261203T130000",
    attendees=[f"PARTSTAT=DECLINED:mailto:{EXEC}", "PARTSTAT=ACCEPTED:mailto:w@northwind.example"],
)
FOCUS = vevent("focus@test", "Focus time", "20261202T080000", "20261202T100000", attendees=[])
OFFSITE = vevent("offsite@test", "Offsite", "20261209", "20261210")


def test_first_sync_counts_what_it_found(world: World) -> None:
    world.write(ONE_ON_ONE, QBR, DECLINED, FOCUS, OFFSITE)
    report = world.sync()
    totals = {k: report.total(k) for k in ("discovered", "updated", "cancelled", "skipped")}
    assert totals == {"discovered": 3, "updated": 0, "cancelled": 0, "skipped": 3}
    meetings = world.by_title()
    assert [m.meeting_type for m in meetings["Jordan / Priya 1:1"]] == ["one_on_one"] * 2
    assert meetings["Q4 QBR"][0].prep_at == datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    assert meetings["Architecture Guild"][0].skip_reason == "you declined"
    assert meetings["Focus time"][0].skip_reason == "no attendees besides you"
    assert meetings["Offsite"][0].skip_reason == "all-day event"


def test_an_unchanged_resync_writes_nothing(world: World) -> None:
    world.write(ONE_ON_ONE, QBR, DECLINED, FOCUS, OFFSITE)
    world.sync()
    with world.db.reading() as conn:
        before = conn.total_changes
    report = world.sync()
    with world.db.reading() as conn:
        assert conn.total_changes == before
    assert sum(c.changed for c in report.calendars) == 0
    assert report.total("unchanged") == 6


def test_resyncing_later_the_same_day_changes_nothing(world: World) -> None:
    world.write(ONE_ON_ONE, QBR)
    world.sync()
    report = world.sync(now=NOW + timedelta(hours=3))
    assert report.total("updated") == 0


def test_a_moved_meeting_updates_in_place_and_its_times_move(world: World) -> None:
    world.write(QBR)
    world.sync()
    before = world.by_title()["Q4 QBR"][0]
    world.write(
        QBR.replace("20261210T130000", "20261211T100000").replace(
            "20261210T150000", "20261211T120000"
        )
    )
    report = world.sync()
    assert report.total("updated") == 1
    after = world.meetings.get(before.meeting_id)
    assert after is not None
    assert after.start == datetime(2026, 12, 11, 15, 0, tzinfo=UTC)
    assert after.prep_at == after.start - timedelta(hours=72)
    assert after.reminder_at == after.start - timedelta(hours=2)
    assert len(world.by_title()["Q4 QBR"]) == 1


def test_a_moved_instance_of_a_series_updates_that_instance(world: World) -> None:
    world.write(ONE_ON_ONE)
    world.sync()
    moved = vevent(
        "priya@test",
        "Jordan / Priya 1:1",
        "20261208T160000",
        "20261208T163000",
        extra=["RECURRENCE-ID;TZID=America/New_York:20261208T090000"],
    )
    world.write(ONE_ON_ONE, moved)
    report = world.sync()
    assert (report.total("updated"), report.total("discovered")) == (1, 0)
    starts = [m.start.astimezone(NEW_YORK).hour for m in world.by_title()["Jordan / Priya 1:1"]]
    assert starts == [9, 16]


def test_a_cancelled_instance_and_a_vanished_event_are_cancelled(world: World) -> None:
    world.write(ONE_ON_ONE, QBR)
    world.sync()
    cancelled = vevent(
        "priya@test",
        "Jordan / Priya 1:1",
        "20261208T090000",
        "20261208T093000",
        extra=["RECURRENCE-ID;TZID=America/New_York:20261208T090000", "STATUS:CANCELLED"],
    )
    world.write(ONE_ON_ONE, cancelled)  # and the QBR is gone
    report = world.sync()
    assert report.total("cancelled") == 2
    meetings = world.by_title()
    assert meetings["Q4 QBR"][0].status == MeetingStatus.CANCELLED
    assert meetings["Q4 QBR"][0].skip_reason == "removed from the calendar"
    statuses = [m.status for m in meetings["Jordan / Priya 1:1"]]
    assert statuses == [MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED]
    assert world.sync().total("cancelled") == 0  # and that is not reported again


def test_a_meeting_that_comes_back_is_scheduled_again(world: World) -> None:
    world.write(QBR)
    world.sync()
    world.write()
    world.sync()
    world.write(QBR)
    world.sync()
    assert world.by_title()["Q4 QBR"][0].status == MeetingStatus.SCHEDULED


def test_an_unreachable_calendar_leaves_stored_meetings_untouched(world: World) -> None:
    world.write(ONE_ON_ONE, QBR)
    world.sync()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/calendar.ics"
    before = world.by_title()
    report = world.sync(location=url)
    assert report.failed and url in (report.failed[0].error or "")
    assert world.by_title() == before


def test_an_override_sticks_for_the_series_now_and_on_later_syncs(world: World) -> None:
    world.write(
        QBR,
        vevent(
            "coffee@test",
            "Coffee with Tom",
            "20261201T193000",
            "20261201T200000",
            extra=["RRULE:FREQ=WEEKLY;COUNT=4"],
        ),
    )
    world.sync()
    first = world.by_title()["Coffee with Tom"][0]
    assert first.meeting_type == "general"
    changed = classify_series(
        first.meeting_id,
        "one_on_one",
        world.meetings,
        world.overrides,
        world.catalog,
        world.rules,
        world.executive,
        NOW,
    )
    assert len(changed) == 2  # the instances inside the window so far
    # Two weeks later a new instance enters the window; it is classified the same way.
    world.sync(now=NOW + timedelta(days=14))
    coffees = world.by_title()["Coffee with Tom"]
    assert len(coffees) == 4
    assert {m.meeting_type for m in coffees} == {"one_on_one"}
    assert {m.classification_reason for m in coffees} == {"set by you for this series"}
    # The prep time follows the new type's lead (12 h instead of 24 h).
    last = coffees[-1]
    assert last.prep_at == last.start - timedelta(hours=12)
    assert world.by_title()["Q4 QBR"][0].meeting_type == "qbr"


def test_an_unknown_type_is_refused_and_nothing_changes(world: World) -> None:
    world.write(QBR)
    world.sync()
    qbr = world.by_title()["Q4 QBR"][0]
    with pytest.raises(UnknownMeetingType, match="unknown meeting type 'board'"):
        classify_series(
            qbr.meeting_id,
            "board",
            world.meetings,
            world.overrides,
            world.catalog,
            world.rules,
            world.executive,
            NOW,
        )
    assert world.overrides.all() == {}
    assert world.meetings.get(qbr.meeting_id) == qbr


def test_a_changed_configuration_reassesses_unchanged_events(world: World) -> None:
    world.write(QBR)
    world.sync()
    qbr = world.by_title()["Q4 QBR"][0]
    assert qbr.prep_at == qbr.start - timedelta(hours=72)
    patched = world.catalog.get("qbr").model_copy(update={"prep_lead_hours": 96})
    world.catalog = MeetingTypeCatalog([patched, *(t for t in world.catalog if t.id != "qbr")])
    report = world.sync()
    assert report.total("updated") == 1
    qbr = world.by_title()["Q4 QBR"][0]
    assert qbr.prep_at == qbr.start - timedelta(hours=96)


class CountingCatalog(MeetingTypeCatalog):
    """The shipped meeting types, counting the passes over them: each classification is one."""

    def __init__(self, types: MeetingTypeCatalog) -> None:
        super().__init__(list(types))
        self.passes = 0

    def __iter__(self) -> Iterator[MeetingType]:
        self.passes += 1
        return super().__iter__()


def test_an_unchanged_event_is_not_assessed_again(world: World, tmp_path: Path) -> None:
    counting = CountingCatalog(world.catalog)
    world.catalog = counting
    world.write(ONE_ON_ONE, QBR)
    world.sync()
    stored = world.meetings.fingerprints(
        [m.meeting_id for ms in world.by_title().values() for m in ms]
    )
    assert stored and all(stored.values())

    empty = tmp_path / "empty.ics"
    empty.write_text(calendar_text())
    counting.passes = 0
    world.sync(location=str(empty))
    passes_without_events = counting.passes

    counting.passes = 0
    report = world.sync(now=NOW + timedelta(hours=1))
    assert report.total("unchanged") == 3 and report.changed_meetings == []
    # No event was classified again: the catalog was read as for a calendar without events.
    assert counting.passes == passes_without_events
