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
        self._read: dict[str, tuple[bytes, CalendarSnapshot]] = {}
        """The last snapshot read or written per location, with its document: the same
        document read again is not parsed again (10,000 events take a tenth of a second)."""

    def get(self, location: str) -> CalendarSnapshot | None:
        body = self._documents.get(snapshot_key(location))
        if body is None:
            self._read.pop(location, None)
            return None
        known = self._read.get(location)
        if known is not None and known[0] == body:
            return known[1]  # snapshots are frozen: sharing one is safe
        try:
            snapshot = CalendarSnapshot.model_validate_json(body)
        except ValidationError:
            return None
        if snapshot.location != location:
            return None
        self._read[location] = (body, snapshot)
        return snapshot

    def put(self, snapshot: CalendarSnapshot) -> None:
        body = snapshot.model_dump_json().encode()
        self._documents.put(snapshot_key(snapshot.location), body, content_type="application/json")
        self._read[snapshot.location] = (body, snapshot)

    def delete(self, location: str) -> None:
        self._read.pop(location, None)
        self._documents.delete(snapshot_key(location))
