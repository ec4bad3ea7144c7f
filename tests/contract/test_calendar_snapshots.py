"""One contract for every store of calendar snapshots: in memory, and as documents in the
data folder and in the documents bucket (on a moto server)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.aws.s3_document_store import S3DocumentStore
from exec_assistant.adapters.calendar_snapshots import (
    DocumentCalendarSnapshotRepository,
    snapshot_key,
)
from exec_assistant.adapters.local.folder_document_store import FolderDocumentStore
from exec_assistant.adapters.memory import (
    InMemoryCalendarSnapshotRepository,
    InMemoryDocumentStore,
)
from exec_assistant.domain.calendar_sync import CalendarSnapshot
from exec_assistant.domain.models import CalendarEvent
from exec_assistant.ports import CalendarSnapshotRepository, DocumentStore

from moto_server import AwsEndpoint

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _s3(aws: AwsEndpoint) -> DocumentStore:
    client = aws.client("s3")
    bucket = aws.unique("documents")
    client.create_bucket(Bucket=bucket)
    return S3DocumentStore(client, bucket)


BACKENDS: dict[str, Callable[[Path, Callable[[str], Any]], CalendarSnapshotRepository]] = {
    "memory": lambda tmp, fixture: InMemoryCalendarSnapshotRepository(),
    "documents_in_memory": lambda tmp, fixture: DocumentCalendarSnapshotRepository(
        InMemoryDocumentStore()
    ),
    "data_folder": lambda tmp, fixture: DocumentCalendarSnapshotRepository(
        FolderDocumentStore(tmp)
    ),
    "documents_bucket": lambda tmp, fixture: DocumentCalendarSnapshotRepository(
        _s3(fixture("aws"))
    ),
}


@pytest.fixture(params=list(BACKENDS))
def snapshots(request: pytest.FixtureRequest, tmp_path: Path) -> CalendarSnapshotRepository:
    return BACKENDS[request.param](tmp_path, request.getfixturevalue)


def _event(n: int) -> CalendarEvent:
    start = T0 + timedelta(minutes=30 * n)
    return CalendarEvent(
        calendar_id="google:exec@example.com",
        uid=f"uid-{n}@google.com",
        title=f"Meeting {n} <b>&</b> \u202e",
        start=start,
        end=start + timedelta(minutes=30),
        timezone="America/New_York",
    )


def _snapshot(location: str = "google:primary", events: int = 3) -> CalendarSnapshot:
    return CalendarSnapshot(
        location=location,
        calendar_id="google:exec@example.com",
        name="Exec",
        cursor="sync-token-1",
        covered_from=T0,
        covered_to=T0 + timedelta(days=21),
        events={f"ev{n}": _event(n) for n in range(events)},
        extra={"time_zone": "America/New_York"},
        updated_at=T0,
    )


def test_none_at_first(snapshots: CalendarSnapshotRepository) -> None:
    assert snapshots.get("google:primary") is None


def test_a_snapshot_comes_back_as_it_was_put(snapshots: CalendarSnapshotRepository) -> None:
    snapshots.put(_snapshot())
    assert snapshots.get("google:primary") == _snapshot()


def test_a_later_snapshot_replaces_the_earlier(snapshots: CalendarSnapshotRepository) -> None:
    snapshots.put(_snapshot(events=5))
    later = _snapshot(events=1).model_copy(update={"cursor": "sync-token-2"})
    snapshots.put(later)
    assert snapshots.get("google:primary") == later


def test_each_location_has_its_own(snapshots: CalendarSnapshotRepository) -> None:
    snapshots.put(_snapshot("google:primary", 1))
    snapshots.put(_snapshot("google:team@group.calendar.google.com", 2))
    team = snapshots.get("google:team@group.calendar.google.com")
    assert team is not None and len(team.events) == 2
    snapshots.delete("google:primary")
    snapshots.delete("google:primary")
    assert snapshots.get("google:primary") is None
    assert snapshots.get("google:team@group.calendar.google.com") is not None


def test_ten_thousand_events_round_trip(snapshots: CalendarSnapshotRepository) -> None:
    big = _snapshot(events=10_000)
    snapshots.put(big)
    back = snapshots.get("google:primary")
    assert back is not None and len(back.events) == 10_000 and back == big


def test_a_damaged_snapshot_reads_as_none_so_the_next_sync_is_a_full_one() -> None:
    documents = InMemoryDocumentStore()
    snapshots = DocumentCalendarSnapshotRepository(documents)
    snapshots.put(_snapshot())
    documents.put(snapshot_key("google:primary"), b'{"location": "google:primary", "ev')
    assert snapshots.get("google:primary") is None
