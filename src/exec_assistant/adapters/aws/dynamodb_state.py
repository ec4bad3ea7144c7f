"""The small records on DynamoDB, one table (`exec-assistant-state`) keyed by a prefixed id:
series overrides (`override#<series id>`), deliveries (`delivery#<key>`), chat threads
(`thread#<topic>`), calendar states (`calendar#<calendar id>`), seen chat events
(`seen#<event id>`) and the pending steps of connecting a calendar account
(`consent#<stage>#<digest>`); the last two are deleted by the table's time to live some time
after they expire.

Reads by key are strongly consistent; `SeriesOverrideRepository.all` and
`ChatThreadRepository.find` go through global indexes (eventually consistent).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from exec_assistant.adapters.aws.dynamodb_table import (
    SORT_KEY_BYTES,
    DynamoClient,
    DynamoTable,
    Item,
    LostRace,
    body_of,
    check_size,
    iso_key,
    key_fits,
    n,
    require_key,
    s,
    shown,
    text,
)
from exec_assistant.adapters.aws.tables import STATE
from exec_assistant.domain.calendar_consent import ConsentStage, PendingConsent
from exec_assistant.domain.models import CalendarState, ChatThread, Delivery

if TYPE_CHECKING:  # the ports import the whole domain; the Slack webhook's cold start uses this
    from exec_assistant.ports import Clock

Model = TypeVar("Model", bound=BaseModel)

_OVERRIDES = STATE.index("kind-pk-index").name
_THREADS = STATE.index("thread_channel-thread_ts-index").name
_OVERRIDE_KIND = "override"


class _Records:
    """Records of one prefix in the state table."""

    def __init__(self, client: DynamoClient, table_name: str, prefix: str, words: str) -> None:
        self.table = DynamoTable(client, table_name, STATE.environment_variable)
        self._prefix = prefix
        self._words = words

    def pk(self, record_id: str) -> str:
        return f"{self._prefix}#{record_id}"

    def label(self, record_id: str) -> str:
        return f"{self._words} {shown(record_id)}"

    def read(self, record_id: str) -> Item | None:
        pk = self.pk(record_id)
        # Also the sort key of the override index: the shorter limit holds for every record.
        if not key_fits(pk, SORT_KEY_BYTES):
            return None
        return self.table.get({"pk": s(pk)})

    def item(self, record_id: str, **attributes: dict[str, str]) -> Item:
        label = self.label(record_id)
        pk = self.pk(record_id)
        require_key(label, pk, SORT_KEY_BYTES)
        item: Item = {"pk": s(pk), **attributes}
        check_size(label, item)
        return item

    def put_model(self, record_id: str, model: BaseModel, **attributes: dict[str, str]) -> None:
        body = body_of(self.label(record_id), model)
        self.table.put(self.label(record_id), self.item(record_id, body=s(body), **attributes))

    def get_model(self, record_id: str, model: type[Model]) -> Model | None:
        item = self.read(record_id)
        return model.model_validate_json(text(item, "body") or "") if item else None


class DynamoSeriesOverrideRepository:
    def __init__(self, client: DynamoClient, table_name: str = STATE.default_name) -> None:
        self._records = _Records(client, table_name, "override", "the override of series")

    def get(self, series_id: str) -> str | None:
        item = self._records.read(series_id)
        return text(item, "meeting_type") if item else None

    def set(self, series_id: str, meeting_type: str, at: datetime) -> None:
        item = self._records.item(
            series_id,
            kind=s(_OVERRIDE_KIND),
            series_id=s(series_id),
            meeting_type=s(meeting_type),
            set_at=s(iso_key(at)),
        )
        self._records.table.put(self._records.label(series_id), item)

    def all(self) -> dict[str, str]:
        items = self._records.table.query(
            IndexName=_OVERRIDES,
            KeyConditionExpression="kind = :kind",
            ExpressionAttributeValues={":kind": s(_OVERRIDE_KIND)},
        )
        return {text(i, "series_id") or "": text(i, "meeting_type") or "" for i in items}


class DynamoDeliveryRepository:
    def __init__(self, client: DynamoClient, table_name: str = STATE.default_name) -> None:
        self._records = _Records(client, table_name, "delivery", "the delivery")

    def get(self, key: str) -> Delivery | None:
        return self._records.get_model(key, Delivery)

    def put(self, delivery: Delivery) -> None:
        self._records.put_model(delivery.key, delivery, meeting_id=s(delivery.meeting_id))


class DynamoCalendarStateRepository:
    def __init__(self, client: DynamoClient, table_name: str = STATE.default_name) -> None:
        self._records = _Records(client, table_name, "calendar", "the state of calendar")

    def get(self, calendar_id: str) -> CalendarState | None:
        return self._records.get_model(calendar_id, CalendarState)

    def put(self, state: CalendarState) -> None:
        self._records.put_model(state.calendar_id, state)


class DynamoChatThreadRepository:
    def __init__(self, client: DynamoClient, table_name: str = STATE.default_name) -> None:
        self._records = _Records(client, table_name, "thread", "the chat thread of")

    def get(self, topic: str) -> ChatThread | None:
        return self._records.get_model(topic, ChatThread)

    def put(self, thread: ChatThread) -> None:
        """Replaces the topic's item: the root the topic had before is no longer found."""
        root: dict[str, dict[str, str]] = {}
        # Index keys: a thread with an empty channel or ts is stored but cannot be found.
        if key_fits(thread.channel) and key_fits(thread.ts, SORT_KEY_BYTES):
            root = {"thread_channel": s(thread.channel), "thread_ts": s(thread.ts)}
        self._records.put_model(thread.topic, thread, **root)

    def find(self, channel: str, ts: str) -> ChatThread | None:
        if not (key_fits(channel) and key_fits(ts, SORT_KEY_BYTES)):
            return None
        items = self._records.table.query(
            IndexName=_THREADS,
            KeyConditionExpression="thread_channel = :channel AND thread_ts = :ts",
            ExpressionAttributeValues={":channel": s(channel), ":ts": s(ts)},
        )
        found = [ChatThread.model_validate_json(text(i, "body") or "") for i in items]
        return max(found, key=lambda t: t.updated_at) if found else None


class DynamoSeenEventRepository:
    """Event ids with their expiry (Unix seconds, the table's time to live), judged against
    `clock`: one conditional write answers whether an event is new, so two functions handling
    the same retry cannot both be told it is. DynamoDB purges the expired records itself."""

    def __init__(self, client: DynamoClient, table_name: str, clock: Clock) -> None:
        self._records = _Records(client, table_name, "seen", "the chat event")
        self._clock = clock

    def first_seen(self, event_id: str, expires_at: int) -> bool:
        now = int(self._clock.now().timestamp())
        item = self._records.item(event_id, expires_at=n(expires_at))
        try:
            self._records.table.put(
                self._records.label(event_id),
                item,
                {
                    # An expired record (not yet deleted by DynamoDB) counts as absent.
                    "ConditionExpression": "attribute_not_exists(pk) OR expires_at <= :now",
                    "ExpressionAttributeValues": {":now": n(now)},
                },
            )
        except LostRace:
            return False
        return True


class DynamoConsentRepository:
    """Each pending step an item with its expiry (Unix seconds, the table's time to live):
    `take` is one conditional delete, so of two callbacks with the same state one gets it.
    An expired item that DynamoDB has not purged yet counts as absent."""

    def __init__(self, client: DynamoClient, table_name: str = STATE.default_name) -> None:
        self._records = _Records(client, table_name, "consent", "the pending consent")

    def add(self, pending: PendingConsent) -> None:
        self._records.put_model(
            _consent_id(pending.stage, pending.digest),
            pending,
            expires_at=n(int(pending.expires_at.timestamp())),
        )

    def get(self, stage: ConsentStage, digest: str, valid_at: datetime) -> PendingConsent | None:
        pending = self._records.get_model(_consent_id(stage, digest), PendingConsent)
        return pending if pending is not None and pending.expires_at > valid_at else None

    def take(self, stage: ConsentStage, digest: str, valid_at: datetime) -> PendingConsent | None:
        item = self._records.table.take(
            {"pk": s(self._records.pk(_consent_id(stage, digest)))},
            {
                "ConditionExpression": "attribute_exists(pk) AND expires_at > :valid_at",
                "ExpressionAttributeValues": {":valid_at": n(int(valid_at.timestamp()))},
            },
        )
        if item is None:
            return None
        pending = PendingConsent.model_validate_json(text(item, "body") or "")
        # The condition is to the second; the record's own instant decides.
        return pending if pending.expires_at > valid_at else None


def _consent_id(stage: ConsentStage, digest: str) -> str:
    return f"{stage.value}#{digest}"
