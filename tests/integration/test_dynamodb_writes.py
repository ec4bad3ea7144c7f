"""Writes on DynamoDB: concurrent updates lose nothing, batches past DynamoDB's transaction
limit are stored chunk by chunk, and a record too large to store is refused by name."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.aws.dynamodb_chat_sessions import DynamoChatSessionRepository
from exec_assistant.adapters.aws.dynamodb_follow_ups import DynamoActionItemRepository
from exec_assistant.adapters.aws.dynamodb_meetings import DynamoMeetingRepository
from exec_assistant.adapters.aws.tables import CHAT_SESSIONS, FOLLOW_UPS, MEETINGS
from exec_assistant.domain.errors import RecordNotStored, UpdateConflict
from exec_assistant.domain.models import ActionItem, ChatSession, Meeting, MeetingStatus

from dynamo_tables import dynamodb_tables
from moto_server import AwsEndpoint

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class InjectedOutage(Exception):
    """The network gave out before a call reached DynamoDB."""


class Repos:
    def __init__(self, client: Any, names: list[str]) -> None:
        self.client = client
        self.meetings_table = names[0]
        self.meetings = DynamoMeetingRepository(client, names[0])
        self.sessions = DynamoChatSessionRepository(client, names[1])
        self.items = DynamoActionItemRepository(client, names[2])

    def before(self, operation: str, action: Callable[[int], None]) -> None:
        """Run `action(n)` before the n-th call (from 1) of `operation` leaves the client."""
        seen = [0]

        def hook(**_: Any) -> None:
            seen[0] += 1
            action(seen[0])

        self.client.meta.events.register(f"before-call.dynamodb.{operation}", hook)

    def transactions(self) -> list[int]:
        """The number of actions of each TransactWriteItems call, as they are made."""
        sizes: list[int] = []

        def hook(params: dict[str, Any], **_: Any) -> None:
            sizes.append(len(params["TransactItems"]))

        self.client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", hook)
        return sizes


@pytest.fixture
def repos(aws: AwsEndpoint) -> Iterator[Repos]:
    with dynamodb_tables(aws, MEETINGS, CHAT_SESSIONS, FOLLOW_UPS) as (client, names):
        yield Repos(client, names)


def meeting(n: int, **changes: Any) -> Meeting:
    start = T0 + n * HOUR
    fields: dict[str, Any] = {
        "meeting_id": f"mtg_{n:04}",
        "calendar_id": "cal_work",
        "series_id": "ser_1",
        "source_uid": f"uid-{n}",
        "title": f"Meeting {n}",
        "start": start,
        "end": start + HOUR,
        "timezone": "UTC",
        "discovered_at": T0,
        "updated_at": T0,
    }
    return Meeting(**(fields | changes))


def item(n: int, meeting_id: str = "mtg_0001", **changes: Any) -> ActionItem:
    fields: dict[str, Any] = {
        "item_id": f"act_{n:04}",
        "meeting_id": meeting_id,
        "text": f"Do {n}",
        "source_line": n,
        "created_at": T0 + n * timedelta(seconds=1),
    }
    return ActionItem(**(fields | changes))


def bump(m: Meeting) -> Meeting:
    return m.model_copy(update={"prep_attempt": m.prep_attempt + 1})


# Concurrent updates --------------------------------------------------------------------------


def test_a_write_landing_between_an_updates_read_and_write_is_kept(repos: Repos) -> None:
    repos.meetings.put(meeting(1))
    seen: list[str] = []

    def change(m: Meeting) -> Meeting:
        seen.append(m.title)
        if len(seen) == 1:  # another writer gets in at the worst moment
            repos.meetings.put(m.model_copy(update={"title": "Renamed meanwhile"}))
        return bump(m)

    result = repos.meetings.update("mtg_0001", change)

    assert seen == ["Meeting 1", "Renamed meanwhile"]  # read again after losing the race
    stored = repos.meetings.get("mtg_0001")
    assert stored == result
    assert stored is not None and (stored.title, stored.prep_attempt) == ("Renamed meanwhile", 2)


def test_update_and_update_many_from_two_threads_lose_nothing(repos: Repos) -> None:
    repos.meetings.put_many([meeting(1), meeting(2)])
    start = threading.Barrier(2)

    def one_by_one() -> None:
        start.wait()
        for _ in range(15):
            repos.meetings.update("mtg_0001", bump)

    def in_batches() -> None:
        start.wait()
        for _ in range(15):
            repos.meetings.update_many(
                ["mtg_0001", "mtg_0002"], lambda i, m: bump(m) if m else None
            )

    threads = [threading.Thread(target=one_by_one), threading.Thread(target=in_batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = repos.meetings.get_many(["mtg_0001", "mtg_0002"])
    assert {i: m.prep_attempt for i, m in stored.items()} == {"mtg_0001": 31, "mtg_0002": 16}


def test_a_session_answered_while_its_token_is_attached_keeps_both(repos: Repos) -> None:
    session = ChatSession(
        session_id="ses_1",
        user_id="U1",
        meeting_id="mtg_0001",
        channel="D1",
        created_at=1,
        expires_at=2,
    )
    repos.sessions.put(session)
    calls = [0]

    def attach(s: ChatSession) -> ChatSession:
        calls[0] += 1
        if calls[0] == 1:
            repos.sessions.update("ses_1", lambda x: x.model_copy(update={"answers": {"1": "y"}}))
        return s.model_copy(update={"task_token": "tok"})

    repos.sessions.update("ses_1", attach)

    stored = repos.sessions.get("ses_1")
    assert stored is not None and (stored.task_token, stored.answers) == ("tok", {"1": "y"})


def test_an_update_that_loses_every_race_gives_up_by_name_and_writes_nothing(
    repos: Repos,
) -> None:
    meetings = DynamoMeetingRepository(repos.client, repos.meetings_table, update_attempts=3)
    meetings.put(meeting(1))
    renames = [0]

    def change(m: Meeting) -> Meeting:
        renames[0] += 1
        meetings.put(m.model_copy(update={"title": f"Renamed {renames[0]}"}))
        return bump(m)

    with pytest.raises(UpdateConflict, match="meeting mtg_0001") as conflict:
        meetings.update("mtg_0001", change)
    with pytest.raises(UpdateConflict, match="mtg_0001"):
        meetings.update_many(["mtg_0001"], lambda i, m: change(m) if m else None)

    assert conflict.value.attempts == 3
    stored = meetings.get("mtg_0001")
    assert stored is not None and (stored.title, stored.prep_attempt) == ("Renamed 6", 1)


# Transactions past DynamoDB's limit of 100 actions ---------------------------------------------


def test_a_batch_of_250_meetings_is_stored_in_transactions_of_at_most_100(repos: Repos) -> None:
    sizes = repos.transactions()
    batch = [meeting(n) for n in range(250)]

    repos.meetings.put_many(batch)

    assert sizes == [100, 100, 50]
    assert repos.meetings.get_many([m.meeting_id for m in batch]) == {
        m.meeting_id: m for m in batch
    }


def test_past_100_each_chunk_is_all_or_none_but_not_the_batch(repos: Repos) -> None:
    def outage_at_second(n: int) -> None:
        if n == 2:
            raise InjectedOutage("the network gave out")

    repos.before("TransactWriteItems", outage_at_second)
    batch = [meeting(n) for n in range(250)]

    with pytest.raises(InjectedOutage):
        repos.meetings.put_many(batch)

    stored = repos.meetings.get_many([m.meeting_id for m in batch])
    assert sorted(stored) == [f"mtg_{n:04}" for n in range(100)]  # the first chunk, whole


def test_update_many_past_100_reads_again_only_the_chunk_that_lost_a_race(repos: Repos) -> None:
    repos.meetings.put_many([meeting(n) for n in range(150)])
    changes: list[str] = []

    def renamed_meanwhile(n: int) -> None:
        if n == 2:  # just before the second chunk is written
            repos.meetings.put(meeting(120, title="Renamed meanwhile"))

    repos.before("TransactWriteItems", renamed_meanwhile)

    def change(meeting_id: str, current: Meeting | None) -> Meeting | None:
        changes.append(meeting_id)
        return bump(current) if current else None

    stored = repos.meetings.update_many([f"mtg_{n:04}" for n in range(150)], change)

    assert len(stored) == 150
    # Every meeting changed once: the second chunk's were read and changed again, alone.
    assert len(changes) == 150 + 50
    assert changes[150:] == [f"mtg_{n:04}" for n in range(100, 150)]
    got = repos.meetings.get_many([f"mtg_{n:04}" for n in range(150)])
    assert {m.prep_attempt for m in got.values()} == {2}
    assert got["mtg_0120"].title == "Renamed meanwhile"


def test_replacing_a_meetings_150_items_by_120_leaves_exactly_the_120(repos: Repos) -> None:
    repos.items.put_many([item(n) for n in range(150)])
    repos.items.put_many([item(n, meeting_id="mtg_other") for n in range(500, 505)])
    sizes = repos.transactions()
    fresh = [item(n, text=f"Again {n}") for n in range(90, 210)]

    repos.items.replace_for_meeting("mtg_0001", fresh)

    assert sizes == [100, 100, 10]  # 120 writes and 90 deletes
    listed = repos.items.list(meeting_id="mtg_0001")
    assert listed == sorted(fresh, key=lambda i: i.created_at)
    assert len(repos.items.list(meeting_id="mtg_other")) == 5


# Records too large for DynamoDB ------------------------------------------------------------


def test_a_meeting_over_400_kb_is_refused_by_name_and_nothing_is_stored(repos: Repos) -> None:
    huge = meeting(7, description="x" * 420_000)

    with pytest.raises(RecordNotStored) as refused:
        repos.meetings.put(huge)

    message = str(refused.value)
    assert "meeting mtg_0007" in message
    assert "400" in message or "409,600" in message
    assert "botocore" not in message and "ValidationException" not in message
    assert repos.meetings.get("mtg_0007") is None


def test_one_oversized_meeting_in_a_batch_of_150_stores_none_of_them(repos: Repos) -> None:
    batch = [meeting(n) for n in range(150)]
    batch[140] = meeting(140, description="y" * 450_000)

    with pytest.raises(RecordNotStored, match="mtg_0140"):
        repos.meetings.put_many(batch)

    assert repos.meetings.get_many([m.meeting_id for m in batch]) == {}


def test_an_update_that_would_make_a_meeting_too_large_leaves_it_as_it_was(repos: Repos) -> None:
    repos.meetings.put(meeting(1))

    with pytest.raises(RecordNotStored, match="mtg_0001"):
        repos.meetings.update(
            "mtg_0001", lambda m: m.model_copy(update={"location": "z" * 500_000})
        )
    with pytest.raises(RecordNotStored, match="mtg_0001"):
        repos.meetings.update_many(
            ["mtg_0001"], lambda i, m: m.model_copy(update={"location": "z" * 500_000}) if m else m
        )

    assert repos.meetings.get("mtg_0001") == meeting(1)


def test_a_session_with_answers_too_long_to_keep_is_refused_by_name(repos: Repos) -> None:
    session = ChatSession(
        session_id="ses_big",
        user_id="U1",
        meeting_id="mtg_1",
        channel="D1",
        created_at=1,
        expires_at=2,
        answers={"1": "word " * 100_000},
    )

    with pytest.raises(RecordNotStored, match="chat session ses_big") as refused:
        repos.sessions.put(session)
    assert refused.value.hint and "answer" in refused.value.hint
    assert repos.sessions.get("ses_big") is None


def test_a_meeting_just_under_the_limit_is_stored_whole(repos: Repos) -> None:
    big = meeting(3, description="é" * 190_000)  # 380,000 bytes of UTF-8

    repos.meetings.put(big)

    assert repos.meetings.get("mtg_0003") == big
    assert repos.meetings.list_by_status(MeetingStatus.DISCOVERED) == [big]
