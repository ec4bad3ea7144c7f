"""The chat thread repository's contract: every adapter behaves the same to a caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exec_assistant.domain.models import ChatThread
from exec_assistant.ports import ChatThreadRepository

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def thread(
    topic: str, channel: str = "D0EXEC", ts: str = "1700000001.000001", at: datetime = T0
) -> ChatThread:
    return ChatThread(topic=topic, channel=channel, ts=ts, updated_at=at)


def test_a_stored_thread_is_found_by_its_topic_and_by_its_root_message(
    chat_threads: ChatThreadRepository,
) -> None:
    stored = thread("mtg_0001", ts="1700000001.000001")
    chat_threads.put(stored)
    chat_threads.put(thread("digest/2026-12-02", ts="1700000002.000002"))
    assert chat_threads.get("mtg_0001") == stored
    assert chat_threads.find("D0EXEC", "1700000001.000001") == stored
    assert chat_threads.find("D0EXEC", "1700000002.000002") == thread(
        "digest/2026-12-02", ts="1700000002.000002"
    )


def test_an_unknown_topic_or_root_finds_nothing(chat_threads: ChatThreadRepository) -> None:
    chat_threads.put(thread("mtg_0001"))
    assert chat_threads.get("mtg_0002") is None
    assert chat_threads.find("D0EXEC", "1700000009.000009") is None
    assert chat_threads.find("D0OTHER", "1700000001.000001") is None


def test_putting_a_topic_again_replaces_its_thread(chat_threads: ChatThreadRepository) -> None:
    chat_threads.put(thread("mtg_0001", ts="1700000001.000001"))
    later = thread("mtg_0001", ts="1700000005.000005", at=T0 + timedelta(hours=1))
    chat_threads.put(later)
    assert chat_threads.get("mtg_0001") == later
    assert chat_threads.find("D0EXEC", "1700000001.000001") is None
    assert chat_threads.find("D0EXEC", "1700000005.000005") == later


def test_the_instant_is_kept_exactly_in_utc(chat_threads: ChatThreadRepository) -> None:
    at = datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC)
    chat_threads.put(thread("mtg_0001", at=at))
    got = chat_threads.get("mtg_0001")
    assert got is not None and got.updated_at == at
