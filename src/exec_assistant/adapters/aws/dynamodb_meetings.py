"""The meeting repository on DynamoDB (the spec's `exec-assistant-meetings` table).

The table's key is (meeting_id, calendar_id). A meeting's id is a digest of its calendar
(`identity.meeting_id_for`), so each id has one item; reading by id is a strongly consistent
Query on the hash key (the calendar is not known beforehand), several at a time for many ids.
The lists go through the global indexes (see `tables.MEETINGS`), which are eventually
consistent: a meeting written a moment ago may be missing from a list for that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from exec_assistant.adapters.aws.dynamodb_table import (
    SORT_KEY_BYTES,
    UPDATE_ATTEMPTS,
    DynamoClient,
    DynamoTable,
    Item,
    LostRace,
    Write,
    body_of,
    check_size,
    fits_one_transaction,
    iso_key,
    item_size,
    key_fits,
    new_version,
    pause,
    require_key,
    retry_lost_races,
    s,
    shown,
    text,
)
from exec_assistant.adapters.aws.tables import MEETINGS
from exec_assistant.domain.errors import UpdateConflict
from exec_assistant.domain.models import Meeting, MeetingStatus, MeetingSummary

_KIND = "meeting"
_QUERY_EACH = 25
"""Up to this many ids are read with a query each; more through the id index."""
_BY_STATUS = MEETINGS.index("status-start_time-index").name
_BY_START = MEETINGS.index("kind-start_time-index").name
_BY_ID = MEETINGS.index("kind-meeting_id-index").name
_BY_SERIES = MEETINGS.index("series_id-start_time-index").name
_SIZE_HINT = (
    "Its calendar event is too long to keep (the description or the attendee list):"
    " shorten it in the calendar, then sync again."
)


def _label(meeting_id: str) -> str:
    return f"meeting {shown(meeting_id)}"


def _by_start(meetings: list[Meeting]) -> list[Meeting]:
    return sorted(meetings, key=lambda m: (m.start, m.meeting_id))


def _item(meeting: Meeting, version: str) -> Item:
    label = _label(meeting.meeting_id)
    # The id is also the sort key of the id index, hence the shorter limit.
    require_key(label, meeting.meeting_id, SORT_KEY_BYTES)
    require_key(f"{label} (its calendar id)", meeting.calendar_id, SORT_KEY_BYTES)
    item: Item = {
        "meeting_id": s(meeting.meeting_id),
        "calendar_id": s(meeting.calendar_id),
        "kind": s(_KIND),
        "status": s(meeting.status.value),
        "start_time": s(iso_key(meeting.start)),
        "body": s(body_of(label, meeting)),
        "version": s(version),
    }
    if key_fits(meeting.series_id):  # an index key: absent rather than empty
        item["series_id"] = s(meeting.series_id)
    if meeting.source_fingerprint is not None:
        item["source_fingerprint"] = s(meeting.source_fingerprint)
    check_size(label, item, _SIZE_HINT)
    return item


def _meeting(item: Item) -> Meeting:
    return Meeting.model_validate_json(text(item, "body") or "")


class _Stored:
    """A meeting as read, with what a conditional write of its successor needs."""

    def __init__(self, item: Item) -> None:
        self.meeting = _meeting(item)
        self.calendar_id = text(item, "calendar_id") or ""
        self.version = text(item, "version")

    def condition(self) -> dict[str, Any]:
        if self.version is None:  # written by something that keeps no version
            return {
                "ConditionExpression": (
                    "attribute_exists(meeting_id) AND attribute_not_exists(version)"
                )
            }
        return {
            "ConditionExpression": "version = :read",
            "ExpressionAttributeValues": {":read": s(self.version)},
        }


_ABSENT = {"ConditionExpression": "attribute_not_exists(meeting_id)"}


class DynamoMeetingRepository:
    """`MeetingRepository` on the meetings table. `put_many` and `update_many` write one
    transaction per chunk of DynamoDB's limits (100 meetings, 4 MB): up to that, all or none
    is stored; past it, each chunk is stored whole or not at all, but a failure in a later
    chunk leaves the earlier chunks stored."""

    def __init__(
        self,
        client: DynamoClient,
        table_name: str = MEETINGS.default_name,
        *,
        update_attempts: int = UPDATE_ATTEMPTS,
    ) -> None:
        """`update_attempts`: how many lost races an update takes before `UpdateConflict`."""
        self._table = DynamoTable(client, table_name, MEETINGS.environment_variable)
        self._attempts = update_attempts

    # Reads by id ---------------------------------------------------------------------------

    def _read(self, meeting_id: str, projection: str | None = None) -> Item | None:
        if not key_fits(meeting_id, SORT_KEY_BYTES):
            return None  # no such id can be stored
        args: dict[str, Any] = {
            "KeyConditionExpression": "meeting_id = :id",
            "ExpressionAttributeValues": {":id": s(meeting_id)},
            "ConsistentRead": True,
        }
        if projection:
            args["ProjectionExpression"] = projection
        return next(self._table.query(**args), None)

    def _stored(self, meeting_id: str) -> _Stored | None:
        item = self._read(meeting_id)
        return _Stored(item) if item else None

    def _stored_many(self, meeting_ids: list[str], *, sure: bool) -> dict[str, _Stored | None]:
        items = self._read_many(meeting_ids, sure=sure)
        return {i: _Stored(items[i]) if i in items else None for i in meeting_ids}

    def get(self, meeting_id: str) -> Meeting | None:
        item = self._read(meeting_id)
        return _meeting(item) if item else None

    def _read_many(
        self, meeting_ids: Sequence[str], projection: str | None = None, *, sure: bool = False
    ) -> dict[str, Item]:
        """The stored items of the ids. A few ids: a strongly consistent query each. Many:
        their keys from the id index (one range of it, read whole), then the items by a
        strongly consistent BatchGetItem. The index is eventually consistent: a meeting
        written a moment ago may not be in it yet, and is left out; `sure` asks for a query
        each for the ids the index did not give, to be certain they are absent."""
        ids = [i for i in dict.fromkeys(meeting_ids) if key_fits(i, SORT_KEY_BYTES)]
        if len(ids) <= _QUERY_EACH:
            items = self._table.each(lambda i: self._read(i, projection), ids)
            return {i: item for i, item in zip(ids, items, strict=True) if item}
        wanted = set(ids)
        keys = [
            {"meeting_id": key["meeting_id"], "calendar_id": key["calendar_id"]}
            for key in self._table.query(
                IndexName=_BY_ID,
                KeyConditionExpression="kind = :kind AND meeting_id BETWEEN :low AND :high",
                ExpressionAttributeValues={
                    ":kind": s(_KIND),
                    ":low": s(min(ids)),
                    ":high": s(max(ids)),
                },
            )
            if text(key, "meeting_id") in wanted
        ]
        if projection:
            projection = ", ".join(dict.fromkeys(["meeting_id", *projection.split(", ")]))
        found = {text(i, "meeting_id") or "": i for i in self._table.batch_get(keys, projection)}
        rest = [i for i in ids if i not in found] if sure else []
        for meeting_id, item in zip(
            rest, self._table.each(lambda i: self._read(i, projection), rest), strict=True
        ):
            if item:
                found[meeting_id] = item
        return found

    def get_many(self, meeting_ids: Sequence[str]) -> dict[str, Meeting]:
        """The stored meetings among the ids; beyond a few ids, one written a moment ago may
        be left out (see `_read_many`)."""
        return {i: _meeting(item) for i, item in self._read_many(meeting_ids).items()}

    def summaries(self, meeting_ids: Sequence[str]) -> dict[str, MeetingSummary]:
        """As `get_many` (and as consistent), the bodies summarised."""
        items = self._read_many(meeting_ids, "meeting_id, body")
        return {
            i: MeetingSummary.model_validate_json(text(item, "body") or "")
            for i, item in items.items()
        }

    def fingerprints(self, meeting_ids: Sequence[str]) -> dict[str, str | None]:
        items = self._read_many(meeting_ids, "meeting_id, source_fingerprint")
        return {i: text(item, "source_fingerprint") for i, item in items.items()}

    def ids_with_prefix(self, prefix: str, limit: int = 10) -> list[str]:
        if limit <= 0 or (prefix and not key_fits(prefix, SORT_KEY_BYTES)):
            return []
        condition = "kind = :kind"
        values = {":kind": s(_KIND)}
        if prefix:
            condition += " AND begins_with(meeting_id, :prefix)"
            values[":prefix"] = s(prefix)
        found: list[str] = []
        for item in self._table.query(
            IndexName=_BY_ID,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            Limit=limit,
        ):
            found.append(text(item, "meeting_id") or "")
            if len(found) == limit:
                break
        return found

    # Writes ----------------------------------------------------------------------------------

    def put(self, meeting: Meeting) -> None:
        self._table.put(_label(meeting.meeting_id), _item(meeting, new_version()))

    def put_many(self, meetings: Sequence[Meeting]) -> None:
        """Store them all (the last of a repeated id wins); see the class for the limits."""
        # Walk the whole batch before writing anything: one that breaks off stores nothing.
        latest = {m.meeting_id: m for m in list(meetings)}
        writes = [self._write(m, new_version()) for m in latest.values()]
        self._table.transact(writes)

    def _write(
        self, meeting: Meeting, version: str, condition: dict[str, Any] | None = None
    ) -> Write:
        item = _item(meeting, version)
        put: dict[str, Any] = {"Item": item, **(condition or {})}
        return Write(_label(meeting.meeting_id), {"Put": put}, item_size(item))

    def update(self, meeting_id: str, change: Callable[[Meeting], Meeting]) -> Meeting | None:
        """Read, change, and write only if no one wrote in between; else read again and call
        `change` again on what is stored now (it may be called more than once)."""

        def attempt() -> Meeting | None:
            stored = self._stored(meeting_id)
            if stored is None:
                return None
            changed = change(stored.meeting)
            if changed.calendar_id == stored.calendar_id:
                self._table.put(
                    _label(meeting_id), _item(changed, new_version()), stored.condition()
                )
            else:  # a new key: the old item goes in the same transaction
                self._table.transact_one(
                    [self._delete(stored), self._write(changed, new_version(), _ABSENT)]
                )
            return changed

        return retry_lost_races(_label(meeting_id), attempt, self._attempts)

    def update_many(
        self,
        meeting_ids: Sequence[str],
        change: Callable[[str, Meeting | None], Meeting | None],
    ) -> list[Meeting]:
        """As `update` for each id (`change` sees None for an id not stored). Every change
        is worked out before anything is written, so a `change` that raises stores nothing.
        One transaction per chunk (see the class); a chunk that loses a race to another
        writer is read and changed again, alone: the chunks stored before it stay stored."""
        ids = list(dict.fromkeys(meeting_ids))
        # A meeting missing from the index's answer is taken as absent: written only if
        # still absent, so one written meanwhile makes the chunk read again, certainly.
        stored = self._stored_many(ids, sure=False)
        changed: dict[str, Meeting] = {}
        for meeting_id in ids:
            current = stored[meeting_id]
            result = change(meeting_id, current.meeting if current else None)
            if result is not None:
                changed[meeting_id] = result
        done: dict[str, Meeting] = {}
        for group in self._groups(list(changed), stored, changed):
            done.update(self._commit(group, stored, changed, change))
        return [done[i] for i in ids if i in done]

    def _writes(self, stored: _Stored | None, meeting: Meeting) -> list[Write]:
        if stored is None:
            return [self._write(meeting, new_version(), _ABSENT)]
        if meeting.calendar_id != stored.calendar_id:
            return [self._delete(stored), self._write(meeting, new_version(), _ABSENT)]
        return [self._write(meeting, new_version(), stored.condition())]

    def _delete(self, stored: _Stored) -> Write:
        key = {"meeting_id": s(stored.meeting.meeting_id), "calendar_id": s(stored.calendar_id)}
        delete = {"Delete": {"Key": key, **stored.condition()}}
        return Write(_label(stored.meeting.meeting_id), delete)

    def _groups(
        self, ids: list[str], stored: dict[str, _Stored | None], changed: dict[str, Meeting]
    ) -> list[list[str]]:
        """The ids in chunks whose writes fit one transaction each."""
        groups: list[list[str]] = []
        current: list[Write] = []
        for meeting_id in ids:
            own = self._writes(stored[meeting_id], changed[meeting_id])
            if groups and fits_one_transaction(current + own):
                groups[-1].append(meeting_id)
                current += own
            else:
                groups.append([meeting_id])
                current = own
        return groups

    def _commit(
        self,
        group: list[str],
        stored: dict[str, _Stored | None],
        changed: dict[str, Meeting],
        change: Callable[[str, Meeting | None], Meeting | None],
    ) -> dict[str, Meeting]:
        """Write one chunk's meetings in one transaction; after a lost race, read and change
        them again (a chunk that grew past one transaction is split, each part on its own)."""
        for lost in range(self._attempts):
            present = [i for i in group if i in changed]
            writes = [w for i in present for w in self._writes(stored[i], changed[i])]
            if not fits_one_transaction(writes):
                done: dict[str, Meeting] = {}
                for part in self._groups(present, stored, changed):
                    done.update(self._commit(part, stored, changed, change))
                return done
            try:
                self._table.transact_one(writes)
                return {i: changed[i] for i in present}
            except LostRace:
                if lost == self._attempts - 1:
                    break
                pause(lost)
            fresh = self._stored_many(group, sure=True)
            for meeting_id in group:
                current = stored[meeting_id] = fresh[meeting_id]
                result = change(meeting_id, current.meeting if current else None)
                if result is None:
                    changed.pop(meeting_id, None)
                else:
                    changed[meeting_id] = result
        raise UpdateConflict(_label(group[0]), self._attempts)

    # Lists -----------------------------------------------------------------------------------

    def _window(
        self,
        index: str,
        hash_condition: str,
        values: dict[str, Any],
        start_from: datetime | None,
        start_to: datetime | None,
        **extra: Any,
    ) -> list[Item]:
        """Items of the index in [start_from, start_to) of start (either end open)."""
        low = iso_key(start_from) if start_from is not None else None
        high = iso_key(start_to) if start_to is not None else None
        if low is not None and high is not None and low >= high:
            return []
        condition = hash_condition
        if low is not None and high is not None:
            # One condition on the sort key: BETWEEN is inclusive, the end is left out below.
            condition += " AND start_time BETWEEN :low AND :high"
            values = {**values, ":low": s(low), ":high": s(high)}
        elif low is not None:
            condition += " AND start_time >= :low"
            values = {**values, ":low": s(low)}
        elif high is not None:
            condition += " AND start_time < :high"
            values = {**values, ":high": s(high)}
        items = self._table.query(
            IndexName=index,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            **extra,
        )
        return [i for i in items if high is None or (text(i, "start_time") or "") < high]

    def list_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> list[Meeting]:
        items = self._window(_BY_START, "kind = :kind", {":kind": s(_KIND)}, start_from, start_to)
        return _by_start(
            [
                _meeting(i)
                for i in items
                if calendar_id is None or text(i, "calendar_id") == calendar_id
            ]
        )

    def statuses_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> dict[str, MeetingStatus]:
        # The keys and the status alone: no record body is read or validated.
        items = self._window(
            _BY_START,
            "kind = :kind",
            {":kind": s(_KIND)},
            start_from,
            start_to,
            ProjectionExpression="meeting_id, calendar_id, start_time, #status",
            ExpressionAttributeNames={"#status": "status"},
        )
        rows = sorted(
            (text(i, "start_time") or "", text(i, "meeting_id") or "", text(i, "status") or "")
            for i in items
            if calendar_id is None or text(i, "calendar_id") == calendar_id
        )
        return {meeting_id: MeetingStatus(status) for _, meeting_id, status in rows}

    def list_by_status(
        self,
        status: MeetingStatus,
        start_from: datetime | None = None,
        start_to: datetime | None = None,
    ) -> list[Meeting]:
        items = self._window(
            _BY_STATUS,
            "#status = :status",
            {":status": s(status.value)},
            start_from,
            start_to,
            ExpressionAttributeNames={"#status": "status"},
        )
        return _by_start([_meeting(i) for i in items])

    def list_series(self, series_id: str) -> list[Meeting]:
        if not key_fits(series_id):
            return []
        items = self._window(
            _BY_SERIES, "series_id = :series", {":series": s(series_id)}, None, None
        )
        return _by_start([_meeting(i) for i in items])
