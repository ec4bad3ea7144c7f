"""The DynamoDB repositories ask only for what they need: no Scan anywhere, and few calls.

Every call a client makes is counted with a botocore event hook (at the client, as it goes to
the server): a Scan would read every record of a table, on every call, forever growing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.aws.dynamodb_chat_sessions import DynamoChatSessionRepository
from exec_assistant.adapters.aws.dynamodb_follow_ups import (
    DynamoActionItemRepository,
    DynamoDecisionRepository,
)
from exec_assistant.adapters.aws.dynamodb_meetings import DynamoMeetingRepository
from exec_assistant.adapters.aws.dynamodb_state import (
    DynamoCalendarStateRepository,
    DynamoChatThreadRepository,
    DynamoDeliveryRepository,
    DynamoSeenEventRepository,
    DynamoSeriesOverrideRepository,
)
from exec_assistant.adapters.aws.tables import CHAT_SESSIONS, FOLLOW_UPS, MEETINGS, STATE
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.models import (
    ActionItem,
    CalendarState,
    ChatSession,
    ChatThread,
    Decision,
    Delivery,
    DeliveryState,
    Meeting,
    MeetingStatus,
)

from dynamo_tables import dynamodb_tables
from moto_server import AwsEndpoint

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Calls:
    """The operations a client made, by name, since the last `take`."""

    def __init__(self, client: Any) -> None:
        self.counted: Counter[str] = Counter()
        client.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.counted[model.name] += 1

    def take(self) -> dict[str, int]:
        taken = dict(self.counted)
        self.counted.clear()
        return taken


@dataclass
class Stores:
    calls: Calls
    meetings: DynamoMeetingRepository
    sessions: DynamoChatSessionRepository
    items: DynamoActionItemRepository
    decisions: DynamoDecisionRepository
    overrides: DynamoSeriesOverrideRepository
    deliveries: DynamoDeliveryRepository
    threads: DynamoChatThreadRepository
    calendars: DynamoCalendarStateRepository
    seen: DynamoSeenEventRepository


@pytest.fixture
def stores(aws: AwsEndpoint) -> Iterator[Stores]:
    with dynamodb_tables(aws, MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE) as (client, names):
        meetings, sessions, follow_ups, state = names
        yield Stores(
            calls=Calls(client),
            meetings=DynamoMeetingRepository(client, meetings),
            sessions=DynamoChatSessionRepository(client, sessions),
            items=DynamoActionItemRepository(client, follow_ups),
            decisions=DynamoDecisionRepository(client, follow_ups),
            overrides=DynamoSeriesOverrideRepository(client, state),
            deliveries=DynamoDeliveryRepository(client, state),
            threads=DynamoChatThreadRepository(client, state),
            calendars=DynamoCalendarStateRepository(client, state),
            seen=DynamoSeenEventRepository(client, state, FixedClock(T0)),
        )


def meeting(n: int, **changes: Any) -> Meeting:
    start = T0 + n * HOUR
    fields: dict[str, Any] = {
        "meeting_id": f"mtg_{n:04}",
        "calendar_id": "cal_work",
        "series_id": f"ser_{n % 3}",
        "source_uid": f"uid-{n}",
        "title": f"Meeting {n}",
        "start": start,
        "end": start + HOUR,
        "timezone": "UTC",
        "discovered_at": T0,
        "updated_at": T0,
    }
    return Meeting(**(fields | changes))


def item(n: int, **changes: Any) -> ActionItem:
    fields: dict[str, Any] = {
        "item_id": f"act_{n:04}",
        "meeting_id": f"mtg_{n % 2:04}",
        "series_id": "ser_0",
        "owner": "Sam",
        "text": f"Do {n}",
        "source_line": n,
        "created_at": T0 + n * timedelta(seconds=1),
    }
    return ActionItem(**(fields | changes))


def test_no_port_method_scans_a_table_and_each_asks_as_little_as_it_can(stores: Stores) -> None:
    calls, meetings = stores.calls, stores.meetings
    meetings.put_many([meeting(n) for n in range(250)])
    assert calls.take() == {"TransactWriteItems": 3}  # 100 + 100 + 50
    meetings.put(meeting(1, title="Changed"))
    assert calls.take() == {"PutItem": 1}
    assert meetings.get("mtg_0001") is not None
    assert calls.take() == {"Query": 1}
    assert len(meetings.get_many([f"mtg_{n:04}" for n in range(5)])) == 5
    assert calls.take() == {"Query": 5}
    # Many ids: their keys from the id index, then the records 100 at a time.
    assert len(meetings.get_many([f"mtg_{n:04}" for n in range(250)])) == 250
    assert calls.take() == {"Query": 1, "BatchGetItem": 3}
    assert len(meetings.fingerprints([f"mtg_{n:04}" for n in range(40)])) == 40
    assert calls.take() == {"Query": 1, "BatchGetItem": 1}
    assert meetings.ids_with_prefix("mtg_01", limit=3) == ["mtg_0100", "mtg_0101", "mtg_0102"]
    assert calls.take() == {"Query": 1}
    assert len(meetings.list_between(T0, T0 + 10 * HOUR)) == 10
    assert len(meetings.list_between(T0, T0 + 10 * HOUR, calendar_id="cal_work")) == 10
    assert len(meetings.statuses_between(T0, T0 + 10 * HOUR)) == 10
    assert len(meetings.list_by_status(MeetingStatus.DISCOVERED, T0, T0 + 5 * HOUR)) == 5
    assert len(meetings.list_series("ser_1")) == 83
    assert calls.take() == {"Query": 5}
    assert meetings.update("mtg_0002", lambda m: m.with_status(MeetingStatus.SCHEDULED))
    assert calls.take() == {"Query": 1, "PutItem": 1}
    meetings.update_many(["mtg_0003", "mtg_0004"], lambda i, m: m)
    assert calls.take() == {"Query": 2, "TransactWriteItems": 1}

    session = ChatSession(
        session_id="ses_1",
        user_id="U1",
        meeting_id="mtg_0001",
        channel="D1",
        created_at=1,
        expires_at=2,
    )
    stores.sessions.put(session)
    stores.sessions.get("ses_1")
    stores.sessions.update("ses_1", lambda x: x.model_copy(update={"task_token": "t"}))
    stores.sessions.list_for_user("U1")
    stores.sessions.find_for_meeting("mtg_0001")
    assert calls.take() == {"PutItem": 2, "GetItem": 2, "Query": 2}

    stores.items.put_many([item(n) for n in range(120)])
    assert calls.take() == {"TransactWriteItems": 2}
    stores.items.replace_for_meeting("mtg_0000", [item(0, text="Again")])
    # The meeting's own records (one query), then 1 put and 59 deletes in one transaction.
    assert calls.take() == {"Query": 1, "TransactWriteItems": 1}
    stores.items.get("act_0001")
    assert calls.take() == {"Query": 1, "GetItem": 1}
    for filters in (
        {},
        {"open_only": True},
        {"owner": "sam"},
        {"series_id": "ser_0"},
        {"meeting_id": "mtg_0001"},
        {"owner": "sam", "open_only": True, "meeting_id": "mtg_0001", "series_id": "ser_0"},
    ):
        stores.items.list(**filters)  # type: ignore[arg-type]
    assert calls.take() == {"Query": 6}
    decision = Decision(decision_id="dec_1", meeting_id="mtg_0001", text="Go", created_at=T0)
    stores.decisions.put_many([decision])
    stores.decisions.replace_for_meeting("mtg_0001", [decision])
    stores.decisions.get("dec_1")
    stores.decisions.list(open_only=True)
    assert calls.take() == {"TransactWriteItems": 2, "Query": 3, "GetItem": 1}

    stores.overrides.set("ser_1", "board", T0)
    stores.overrides.get("ser_1")
    stores.overrides.all()
    delivery = Delivery(
        key="prep-1/Send",
        meeting_id="mtg_0001",
        kind="pack",
        state=DeliveryState.SENT,
        updated_at=T0,
    )
    stores.deliveries.put(delivery)
    stores.deliveries.get(delivery.key)
    stores.threads.put(ChatThread(topic="mtg_0001", channel="D1", ts="1.2", updated_at=T0))
    stores.threads.get("mtg_0001")
    stores.threads.find("D1", "1.2")
    stores.calendars.put(CalendarState(calendar_id="cal_work", events=3, updated_at=T0))
    stores.calendars.get("cal_work")
    stores.seen.first_seen("Ev1", int(T0.timestamp()) + 60)
    stores.seen.first_seen("Ev1", int(T0.timestamp()) + 60)
    assert calls.take() == {"PutItem": 6, "GetItem": 4, "Query": 2}
