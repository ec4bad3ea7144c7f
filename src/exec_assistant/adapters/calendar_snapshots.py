"""Calendar snapshots as documents (`sessions/calendars/…json`): a file in the data folder
locally, an object of the documents bucket on AWS. A snapshot of 10,000 events is a few MB,
past a DynamoDB item's limit, and is read and written whole once per sync."""

from __future__ import annotations

import hashlib

from pydantic import ValidationError

from exec_assistant.domain.calendar_sync import CalendarSnapshot
from exec_assistant.ports import DocumentStore

PREFIX = "sessions/calendars/"


def snapshot_key(location: str) -> str:
    """The document of a location; hashed, as a location may hold any character."""
    return PREFIX + hashlib.sha256(location.encode()).hexdigest()[:32] + ".json"


class DocumentCalendarSnapshotRepository:
    """`CalendarSnapshotRepository` on a document store.

    A snapshot that cannot be read back (written by another version, damaged) reads as none:
    the source then makes a full sync, which is what it is for.
    """

    def __init__(self, documents: DocumentStore) -> None:
        self._documents = documents

    def get(self, location: str) -> CalendarSnapshot | None:
        body = self._documents.get(snapshot_key(location))
        if body is None:
            return None
        try:
            snapshot = CalendarSnapshot.model_validate_json(body)
        except ValidationError:
            return None
        return snapshot if snapshot.location == location else None

    def put(self, snapshot: CalendarSnapshot) -> None:
        self._documents.put(
            snapshot_key(snapshot.location),
            snapshot.model_dump_json().encode(),
            content_type="application/json",
        )

    def delete(self, location: str) -> None:
        self._documents.delete(snapshot_key(location))
