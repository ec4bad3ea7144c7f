"""Hostile input on DynamoDB: ids with markup, control characters and any Unicode are kept
exactly; ids DynamoDB cannot key are refused by name (or simply not found); huge texts under
the limit read back whole; records of different kinds in one table never meet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.aws.dynamodb_chat_sessions import DynamoChatSessionRepository
from exec_assistant.adapters.aws.dynamodb_follow_ups import DynamoActionItemRepository
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
from exec_assistant.domain.errors import RecordNotStored
from exec_assistant.domain.models import (
    ActionItem,
    CalendarState,
    ChatSession,
    ChatThread,
    Delivery,
    DeliveryState,
    Meeting,
)

from dynamo_tables import dynamodb_tables
from moto_server import AwsEndpoint

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ODD_IDS = [
    "mtg_\x00nul",
    "mtg_\x1f\x7f\x1b[31mred",
    "mtg_\u202eevil\u202c",
    "mtg_☃🙂𝔘",
    "mtg_line\nbreak\ttab",
    "mtg_<script>alert(1)</script>",
    "mtg_%_*'\"\\",
    "mtg_#hash#",
]
UNKEYABLE = ["", "m" * 1025, "mtg_\ud800lone"]


class Stores:
    def __init__(self, client: Any, names: list[str]) -> None:
        meetings, sessions, follow_ups, state = names
        self.meetings = DynamoMeetingRepository(client, meetings)
        self.sessions = DynamoChatSessionRepository(client, sessions)
        self.items = DynamoActionItemRepository(client, follow_ups)
        self.overrides = DynamoSeriesOverrideRepository(client, state)
        self.deliveries = DynamoDeliveryRepository(client, state)
        self.threads = DynamoChatThreadRepository(client, state)
        self.calendars = DynamoCalendarStateRepository(client, state)
        self.seen = DynamoSeenEventRepository(client, state, FixedClock(T0))


@pytest.fixture
def stores(aws: AwsEndpoint) -> Iterator[Stores]:
    with dynamodb_tables(aws, MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE) as (client, names):
        yield Stores(client, names)


def meeting(meeting_id: str, n: int = 0, **changes: Any) -> Meeting:
    start = T0 + n * HOUR
    fields: dict[str, Any] = {
        "meeting_id": meeting_id,
        "calendar_id": "cal_work",
        "series_id": f"ser_{meeting_id}",
        "source_uid": f"{meeting_id}@calendar.example",
        "title": f"Meeting {meeting_id}",
        "start": start,
        "end": start + HOUR,
        "timezone": "UTC",
        "discovered_at": T0,
        "updated_at": T0,
    }
    return Meeting(**(fields | changes))


def test_meetings_with_odd_ids_are_kept_and_found_exactly(stores: Stores) -> None:
    batch = [meeting(i, n) for n, i in enumerate(ODD_IDS)]
    stores.meetings.put_many(batch)

    for m in batch:
        assert stores.meetings.get(m.meeting_id) == m
        assert stores.meetings.list_series(m.series_id) == [m]
    assert stores.meetings.get_many(ODD_IDS) == {m.meeting_id: m for m in batch}
    assert stores.meetings.get_many(ODD_IDS * 4 + [f"x{n}" for n in range(30)]) == {
        m.meeting_id: m for m in batch
    }
    assert stores.meetings.ids_with_prefix("mtg_", limit=100) == sorted(ODD_IDS)
    assert stores.meetings.ids_with_prefix("mtg_\x00") == ["mtg_\x00nul"]
    assert stores.meetings.ids_with_prefix("mtg_%") == ["mtg_%_*'\"\\"]
    assert stores.meetings.ids_with_prefix("mtg_#") == ["mtg_#hash#"]
    assert stores.meetings.list_between(T0, T0 + 100 * HOUR) == batch
    changed = stores.meetings.update(
        "mtg_\u202eevil\u202c", lambda m: m.model_copy(update={"title": "ok"})
    )
    assert changed is not None and stores.meetings.get(changed.meeting_id) == changed


def test_ids_that_cannot_be_keyed_are_not_found_and_are_refused_by_name(stores: Stores) -> None:
    for bad in UNKEYABLE:
        assert stores.meetings.get(bad) is None
        assert stores.meetings.get_many([bad, "mtg_1"]) == {}
        assert stores.meetings.fingerprints([bad]) == {}
        assert stores.meetings.ids_with_prefix(bad) == []
        assert stores.meetings.list_series(bad) == []
        assert stores.meetings.update(bad, lambda m: m) is None
        assert stores.sessions.get(bad) is None
        assert stores.sessions.list_for_user(bad) == []
        assert stores.items.get(bad) is None
        assert stores.items.list(meeting_id=bad) == []
        assert stores.overrides.get(bad) is None
        assert stores.deliveries.get(bad) is None
        assert stores.threads.get(bad) is None
        assert stores.threads.find(bad, bad) is None
        assert stores.calendars.get(bad) is None

    for bad in UNKEYABLE:
        with pytest.raises(RecordNotStored) as refused:
            stores.meetings.put(meeting(bad))
        message = str(refused.value)
        assert message.startswith("cannot store meeting ")
        assert "\ud800" not in message and len(message) < 400  # shown escaped and cut
        with pytest.raises(RecordNotStored):
            stores.meetings.put_many([meeting("mtg_fine"), meeting(bad, 1)])
    # The small records' keys carry their kind ("override#"): an empty id is a fine key there.
    for bad in UNKEYABLE[1:]:
        with pytest.raises(RecordNotStored, match="override of series"):
            stores.overrides.set(bad, "board", T0)
        with pytest.raises(RecordNotStored, match="chat event"):
            stores.seen.first_seen(bad, int(T0.timestamp()) + 60)
    assert stores.meetings.get("mtg_fine") is None  # the batch stored nothing
    assert stores.overrides.all() == {}


def test_text_that_is_not_valid_unicode_is_refused_not_a_crash(stores: Stores) -> None:
    with pytest.raises(RecordNotStored, match="not valid Unicode"):
        stores.meetings.put(meeting("mtg_1", title="half a pair \ud83d"))
    with pytest.raises(RecordNotStored, match="chat session ses_1"):
        stores.sessions.put(
            ChatSession(
                session_id="ses_1",
                user_id="U1",
                meeting_id="mtg_1",
                channel="D1",
                created_at=1,
                expires_at=2,
                answers={"1": "\udc00"},
            )
        )
    assert stores.meetings.get("mtg_1") is None


def test_huge_texts_with_markup_and_control_characters_read_back_whole(stores: Stores) -> None:
    text = ("<b>bold</b> \x00\x07\x1b[2J ☃ \u202e " * 9_000)[:350_000]
    stored = meeting("mtg_1", description=text)
    stores.meetings.put(stored)
    item = ActionItem(
        item_id="act_1",
        meeting_id="mtg_1",
        text=text[:300_000],
        owner="Ölaf <x@y>",
        source_line=1,
        created_at=T0,
    )
    stores.items.put_many([item])

    assert stores.meetings.get("mtg_1") == stored
    assert stores.items.get("act_1") == item
    assert stores.items.list(owner="ÖLAF <X@Y>") == [item]


def test_records_of_different_kinds_with_one_id_never_meet(stores: Stores) -> None:
    same = "x#1"
    stores.overrides.set(same, "board", T0)
    stores.deliveries.put(
        Delivery(key=same, meeting_id="m", kind="pack", state=DeliveryState.SENT, updated_at=T0)
    )
    stores.threads.put(ChatThread(topic=same, channel="C#1", ts="2", updated_at=T0))
    stores.threads.put(ChatThread(topic="other", channel="C", ts="1#2", updated_at=T0 + HOUR))
    stores.calendars.put(CalendarState(calendar_id=same, events=1, updated_at=T0))
    assert stores.seen.first_seen(same, int(T0.timestamp()) + 60) is True

    assert stores.overrides.all() == {same: "board"}
    assert stores.deliveries.get(same) is not None
    assert stores.calendars.get(same) == CalendarState(calendar_id=same, events=1, updated_at=T0)
    # A channel and a ts are matched each on its own: "C#1"+"2" is not "C"+"#12".
    found = stores.threads.find("C#1", "2")
    assert found is not None and found.topic == same
    assert stores.threads.find("C", "#12") is None
    other = stores.threads.find("C", "1#2")
    assert other is not None and other.topic == "other"
    assert stores.seen.first_seen(same, int(T0.timestamp()) + 60) is False
