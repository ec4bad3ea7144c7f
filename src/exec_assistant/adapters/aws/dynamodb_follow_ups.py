"""Action items and decisions on DynamoDB (the `exec-assistant-follow-ups` table).

One partition per meeting: an item is keyed (meeting_id, "action#<item id>"), a decision
(meeting_id, "decision#<decision id>"), so a meeting's items are read strongly consistently
and replaced in transactions. An item's meeting never changes (it comes from one meeting's
notes). The lists by series, by owner, open ones and all go through the global indexes
(see `tables.FOLLOW_UPS`), which are eventually consistent; so is `get`, which finds the
item's meeting through an index before reading the item itself.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

from exec_assistant.adapters.aws.dynamodb_table import (
    PARTITION_KEY_BYTES,
    SORT_KEY_BYTES,
    DynamoClient,
    DynamoTable,
    Item,
    Write,
    body_of,
    check_size,
    iso_key,
    item_size,
    key_fits,
    require_key,
    s,
    shown,
    text,
)
from exec_assistant.adapters.aws.tables import FOLLOW_UPS
from exec_assistant.domain.models import ActionItem, Decision, DecisionStatus, ItemStatus

Record = TypeVar("Record", bound=ActionItem | Decision)

_BY_KEY = FOLLOW_UPS.index("record_key-index").name
_BY_KIND = FOLLOW_UPS.index("kind-created_at-index").name
_OPEN = FOLLOW_UPS.index("open_kind-created_at-index").name
_BY_SERIES = FOLLOW_UPS.index("series_key-created_at-index").name
_BY_OWNER = FOLLOW_UPS.index("owner_key-created_at-index").name


class _Kind(Generic[Record]):
    """How one kind of follow-up is keyed and indexed."""

    def __init__(
        self,
        name: str,
        parse: Callable[[str], Record],
        record_id: Callable[[Record], str],
        is_open: Callable[[Record], bool],
        owner: Callable[[Record], str | None],
    ) -> None:
        self.name = name
        self.parse: Callable[[str], Record] = parse
        self.record_id: Callable[[Record], str] = record_id
        self.is_open: Callable[[Record], bool] = is_open
        self.owner: Callable[[Record], str | None] = owner

    def label(self, record_id: str) -> str:
        words = "action item" if self.name == "action" else self.name
        return f"{words} {shown(record_id)}"

    def key(self, record_id: str) -> str:
        return f"{self.name}#{record_id}"

    def item(self, record: Record) -> Item:
        record_id = self.record_id(record)
        label = self.label(record_id)
        require_key(f"{label} (its meeting id)", record.meeting_id, PARTITION_KEY_BYTES)
        require_key(label, self.key(record_id), SORT_KEY_BYTES)
        item: Item = {
            "meeting_id": s(record.meeting_id),
            "record_key": s(self.key(record_id)),
            "kind": s(self.name),
            "created_at": s(iso_key(record.created_at)),
            "body": s(body_of(label, record)),
        }
        # Sparse indexes: a record is in the open, series and owner indexes only when it
        # is open, has a series, has an owner.
        if self.is_open(record):
            item["open_kind"] = s(self.name)
        if record.series_id and key_fits(series := f"{self.name}#{record.series_id}"):
            item["series_key"] = s(series)
        owner = self.owner(record)
        if owner and key_fits(owner.lower()):
            item["owner_key"] = s(owner.lower())
        check_size(label, item, "Its text is too long to keep: shorten it in the notes.")
        return item

    def record(self, item: Item) -> Record:
        return self.parse(text(item, "body") or "")


class _FollowUpTable(Generic[Record]):
    def __init__(self, client: DynamoClient, table_name: str, kind: _Kind[Record]) -> None:
        self._table = DynamoTable(client, table_name, FOLLOW_UPS.environment_variable)
        self._kind: _Kind[Record] = kind

    def _put(self, record: Record) -> Write:
        item = self._kind.item(record)
        return Write(
            self._kind.label(self._kind.record_id(record)), {"Put": {"Item": item}}, item_size(item)
        )

    def put_many(self, records: Sequence[Record]) -> None:
        latest = {self._kind.record_id(r): r for r in list(records)}
        self._table.transact([self._put(r) for r in latest.values()])

    def _keys_of_meeting(self, meeting_id: str) -> list[str]:
        if not key_fits(meeting_id):
            return []
        items = self._table.query(
            KeyConditionExpression="meeting_id = :meeting AND begins_with(record_key, :kind)",
            ExpressionAttributeValues={
                ":meeting": s(meeting_id),
                ":kind": s(f"{self._kind.name}#"),
            },
            ProjectionExpression="record_key",
            ConsistentRead=True,
        )
        return [text(i, "record_key") or "" for i in items]

    def replace_for_meeting(self, meeting_id: str, records: Sequence[Record]) -> None:
        latest = {self._kind.record_id(r): r for r in list(records)}
        puts = [self._put(r) for r in latest.values()]
        kept = {self._kind.key(i) for i, r in latest.items() if r.meeting_id == meeting_id}
        deletes = [
            Write(
                f"{self._kind.name} {shown(key)}",
                {"Delete": {"Key": {"meeting_id": s(meeting_id), "record_key": s(key)}}},
                len(key) + len(meeting_id),
            )
            for key in self._keys_of_meeting(meeting_id)
            if key not in kept
        ]
        self._table.transact(puts + deletes)

    def get(self, record_id: str) -> Record | None:
        key = self._kind.key(record_id)
        if not key_fits(key, SORT_KEY_BYTES):
            return None
        for found in self._table.query(
            IndexName=_BY_KEY,
            KeyConditionExpression="record_key = :key",
            ExpressionAttributeValues={":key": s(key)},
        ):
            item = self._table.get({"meeting_id": found["meeting_id"], "record_key": s(key)})
            if item:
                return self._kind.record(item)
        return None

    def _query(self, index: str | None, attribute: str, value: str) -> Iterable[Item]:
        if not key_fits(value):
            return []
        if index is None:  # the meeting's own partition
            return self._table.query(
                KeyConditionExpression="meeting_id = :value AND begins_with(record_key, :kind)",
                ExpressionAttributeValues={
                    ":value": s(value),
                    ":kind": s(f"{self._kind.name}#"),
                },
                ConsistentRead=True,
            )
        return self._table.query(
            IndexName=index,
            KeyConditionExpression=f"{attribute} = :value",
            ExpressionAttributeValues={":value": s(value)},
        )

    def list(
        self,
        *,
        owner: str | None,
        open_only: bool,
        meeting_id: str | None,
        series_id: str | None,
    ) -> builtins.list[Record]:
        # The narrowest query the filters allow; the other filters are applied to its result.
        name = self._kind.name
        if meeting_id is not None:
            items = self._query(None, "meeting_id", meeting_id)
        elif series_id is not None:
            items = self._query(_BY_SERIES, "series_key", f"{name}#{series_id}")
        elif owner:
            items = self._query(_BY_OWNER, "owner_key", owner.lower())
        elif open_only:
            items = self._query(_OPEN, "open_kind", name)
        else:
            items = self._query(_BY_KIND, "kind", name)
        wanted_owner = owner.lower() if owner else None
        found = [
            r
            for r in map(self._kind.record, items)
            if (wanted_owner is None or (self._kind.owner(r) or "").lower() == wanted_owner)
            and (not open_only or self._kind.is_open(r))
            and (meeting_id is None or r.meeting_id == meeting_id)
            and (series_id is None or r.series_id == series_id)
        ]
        return sorted(found, key=lambda r: (r.created_at, self._kind.record_id(r)))


def _item_owner(item: ActionItem) -> str | None:
    return item.owner


def _no_owner(decision: Decision) -> str | None:
    return None


_ACTION: _Kind[ActionItem] = _Kind(
    "action",
    ActionItem.model_validate_json,
    lambda i: i.item_id,
    lambda i: i.status == ItemStatus.OPEN,
    _item_owner,
)
_DECISION: _Kind[Decision] = _Kind(
    "decision",
    Decision.model_validate_json,
    lambda d: d.decision_id,
    lambda d: d.status == DecisionStatus.PENDING,
    _no_owner,
)


class DynamoActionItemRepository:
    """`ActionItemRepository` on the follow-ups table. `put_many` and `replace_for_meeting`
    write one transaction per chunk of DynamoDB's limits (100 records, 4 MB): up to that, all
    or none; past it, each chunk whole or not at all, the earlier chunks staying stored when
    a later one fails."""

    def __init__(self, client: DynamoClient, table_name: str = FOLLOW_UPS.default_name) -> None:
        self._records = _FollowUpTable(client, table_name, _ACTION)

    def put_many(self, items: Sequence[ActionItem]) -> None:
        self._records.put_many(items)

    def replace_for_meeting(self, meeting_id: str, items: Sequence[ActionItem]) -> None:
        self._records.replace_for_meeting(meeting_id, items)

    def get(self, item_id: str) -> ActionItem | None:
        return self._records.get(item_id)

    def list(
        self,
        *,
        owner: str | None = None,
        open_only: bool = False,
        meeting_id: str | None = None,
        series_id: str | None = None,
    ) -> list[ActionItem]:
        return self._records.list(
            owner=owner, open_only=open_only, meeting_id=meeting_id, series_id=series_id
        )


class DynamoDecisionRepository:
    """`DecisionRepository` on the follow-ups table; the limits of `DynamoActionItemRepository`."""

    def __init__(self, client: DynamoClient, table_name: str = FOLLOW_UPS.default_name) -> None:
        self._records = _FollowUpTable(client, table_name, _DECISION)

    def put_many(self, decisions: Sequence[Decision]) -> None:
        self._records.put_many(decisions)

    def replace_for_meeting(self, meeting_id: str, decisions: Sequence[Decision]) -> None:
        self._records.replace_for_meeting(meeting_id, decisions)

    def get(self, decision_id: str) -> Decision | None:
        return self._records.get(decision_id)

    def list(
        self,
        *,
        open_only: bool = False,
        meeting_id: str | None = None,
        series_id: str | None = None,
    ) -> list[Decision]:
        return self._records.list(
            owner=None, open_only=open_only, meeting_id=meeting_id, series_id=series_id
        )
