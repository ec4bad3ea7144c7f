"""The SeenEventRepository contract: a retried chat event is handled once, on every adapter.

Its own backends (not tests/contract/conftest.py's Repositories): this port needs a clock.
One more entry in BACKENDS runs the whole suite against another store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.aws.dynamodb_state import DynamoSeenEventRepository
from exec_assistant.adapters.aws.tables import STATE
from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
from exec_assistant.adapters.local.sqlite_repositories import SqliteSeenEventRepository
from exec_assistant.adapters.memory import InMemorySeenEventRepository
from exec_assistant.clocks import FixedClock
from exec_assistant.ports import SeenEventRepository

from dynamo_tables import dynamodb_tables

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class MovableClock:
    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


FixtureLookup = Callable[[str], Any]
BackendFactory = Callable[
    [Path, MovableClock, FixtureLookup], AbstractContextManager[SeenEventRepository]
]


@contextmanager
def _memory(
    tmp_path: Path, clock: MovableClock, fixture: FixtureLookup
) -> Iterator[SeenEventRepository]:
    yield InMemorySeenEventRepository(clock)


@contextmanager
def _sqlite(
    tmp_path: Path, clock: MovableClock, fixture: FixtureLookup
) -> Iterator[SeenEventRepository]:
    db = SqliteDatabase(tmp_path / "db.sqlite3")
    try:
        yield SqliteSeenEventRepository(db, clock)
    finally:
        db.close()


@contextmanager
def _dynamodb(
    tmp_path: Path, clock: MovableClock, fixture: FixtureLookup
) -> Iterator[SeenEventRepository]:
    with dynamodb_tables(fixture("aws"), STATE) as (client, (table,)):
        yield DynamoSeenEventRepository(client, table, clock)


BACKENDS: dict[str, BackendFactory] = {"memory": _memory, "sqlite": _sqlite, "dynamodb": _dynamodb}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(T0)


@pytest.fixture(params=list(BACKENDS))
def seen(
    request: pytest.FixtureRequest, tmp_path: Path, clock: MovableClock
) -> Iterator[SeenEventRepository]:
    with BACKENDS[request.param](tmp_path, clock, request.getfixturevalue) as repository:
        yield repository


def _in(seconds: int) -> int:
    return int(T0.timestamp()) + seconds


def test_an_event_is_new_the_first_time_only(seen: SeenEventRepository) -> None:
    assert seen.first_seen("Ev1", _in(3600)) is True
    assert seen.first_seen("Ev1", _in(3600)) is False
    assert seen.first_seen("Ev1", _in(7200)) is False


def test_other_events_are_not_confused_with_it(seen: SeenEventRepository) -> None:
    assert seen.first_seen("Ev1", _in(3600)) is True
    assert seen.first_seen("Ev2", _in(3600)) is True
    assert seen.first_seen("ev1", _in(3600)) is True  # ids are case-sensitive


def test_an_expired_event_is_new_again_once(seen: SeenEventRepository, clock: MovableClock) -> None:
    assert seen.first_seen("Ev1", _in(3600)) is True
    clock.instant = T0 + timedelta(seconds=3599)
    assert seen.first_seen("Ev1", _in(7200)) is False
    clock.instant = T0 + timedelta(hours=3)
    assert seen.first_seen("Ev1", _in(4 * 3600)) is True
    assert seen.first_seen("Ev1", _in(4 * 3600)) is False


def test_expiry_of_one_event_leaves_the_others_recorded(
    seen: SeenEventRepository, clock: MovableClock
) -> None:
    assert seen.first_seen("short", _in(60)) is True
    assert seen.first_seen("long", _in(3600)) is True
    clock.instant = T0 + timedelta(minutes=5)
    assert seen.first_seen("third", _in(3600)) is True  # purges "short" along the way
    assert seen.first_seen("long", _in(3600)) is False
    assert seen.first_seen("short", _in(3600)) is True


def test_concurrent_sightings_of_one_event_give_one_first(seen: SeenEventRepository) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def sight() -> None:
        barrier.wait()
        results.append(seen.first_seen("Ev_retry", _in(3600)))

    threads = [threading.Thread(target=sight) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_sqlite_records_survive_reopening(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    db = SqliteDatabase(tmp_path / "db.sqlite3")
    assert SqliteSeenEventRepository(db, clock).first_seen("Ev1", _in(3600)) is True
    db.close()
    db = SqliteDatabase(tmp_path / "db.sqlite3")
    try:
        assert SqliteSeenEventRepository(db, clock).first_seen("Ev1", _in(3600)) is False
    finally:
        db.close()
