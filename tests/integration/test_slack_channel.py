"""The executive's Slack DM as a chat channel, against a fake Slack Web API on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from exec_assistant.adapters.memory import InMemoryChatThreadRepository, InMemoryDocumentStore
from exec_assistant.clocks import FixedClock
from exec_assistant.configuration import load_meeting_types
from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.models import (
    ActionItem,
    AgendaItem,
    AskStyle,
    ChatSession,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    PrepPack,
)
from exec_assistant.services.notes import NotesResult
from exec_assistant.slack.channel import SlackChatChannel
from exec_assistant.slack.client import slack_client
from exec_assistant.slack.errors import SlackUnavailable

from factories import stored_meeting
from slack_api import SlackApiServer

EXEC = "UEXEC001"
ZONE = ZoneInfo("America/New_York")
CATALOG = load_meeting_types(None)[0]
T0 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
NOW = T0 - timedelta(days=1)


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer() as server:
        yield server


@pytest.fixture
def threads() -> InMemoryChatThreadRepository:
    return InMemoryChatThreadRepository()


@pytest.fixture
def documents() -> InMemoryDocumentStore:
    return InMemoryDocumentStore()


def channel_on(
    slack: SlackApiServer,
    threads: InMemoryChatThreadRepository,
    documents: InMemoryDocumentStore | None = None,
    token: str | None = None,
) -> SlackChatChannel:
    client = slack_client(token or slack.bot_token, base_url=slack.base_url, timeout=5)
    return SlackChatChannel(
        client, EXEC, ZONE, CATALOG, threads, documents or InMemoryDocumentStore(), FixedClock(NOW)
    )


@pytest.fixture
def channel(
    slack: SlackApiServer, threads: InMemoryChatThreadRepository, documents: InMemoryDocumentStore
) -> SlackChatChannel:
    return channel_on(slack, threads, documents)


def meeting(n: int = 1, title: str = "Leadership team") -> Meeting:
    return stored_meeting(title, start=T0 + timedelta(hours=n), meeting_id=f"mtg_{n:04d}")


def session(n: int = 1, *, style: AskStyle = AskStyle.QUESTIONS) -> ChatSession:
    return ChatSession(
        session_id=f"ses_{n}",
        user_id=EXEC,
        meeting_id=f"mtg_{n:04d}",
        channel="slack",
        questions=("What do you want out of it?", "Anything to raise?"),
        answers_due=T0 - timedelta(hours=3),
        created_at=1_780_000_000,
        expires_at=1_780_086_400,
        ask_style=style,
    )


def pack() -> PrepPack:
    return PrepPack(
        meeting_id="mtg_0001",
        meeting_type="leadership_team",
        title="Leadership team",
        start=T0,
        end=T0 + timedelta(hours=1),
        timezone="America/New_York",
        agenda=(AgendaItem(title="Wins", minutes=10, start_offset_minutes=0),),
        generated_by="offline",
        generated_at=NOW,
    )


def keys_in(messages: list[dict[str, Any]]) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for m in messages if "metadata" in m]


def test_the_questions_start_a_thread_in_the_executives_dm(
    slack: SlackApiServer, channel: SlackChatChannel
) -> None:
    assert channel.ask(meeting(), session(), "prep-1/AskQuestions") is None
    dm = slack.dm_of(EXEC)
    [posted] = slack.messages_in(dm)
    assert posted["metadata"] == {
        "event_type": "exec_assistant",
        "event_payload": {"key": "prep-1/AskQuestions"},
    }
    assert "What do you want out of it?" in str(posted["blocks"])
    thread = channel.thread_of("mtg_0001")
    assert thread is not None and (thread.channel, thread.ts) == (dm, posted["ts"])


def test_every_later_message_goes_in_the_meetings_thread_and_the_dm_is_opened_once(
    slack: SlackApiServer, channel: SlackChatChannel
) -> None:
    m = meeting()
    channel.ask(m, session(), "k/ask")
    reminder = FinalReminder(
        meeting_id=m.meeting_id, title=m.title, start=m.start, timezone="UTC", headline=("Wins",)
    )
    channel.remind(m, reminder, "k/remind")
    channel.tell(m, "The wait for answers ended.", "k/tell")
    channel.follow_up(m, session(), FollowUpTurn(question_number="1", question="Which?"), "k/fu")
    channel.ask_for_notes(m, "notes-request/mtg_0001")
    result = NotesResult(
        meeting=m,
        summary="Went well.",
        decisions=[],
        action_items=[
            ActionItem(
                item_id="a1", meeting_id=m.meeting_id, text="Send it", source_line=1, created_at=T0
            )
        ],
        closed_elsewhere=[],
    )
    channel.post_notes_result(m, result, accepted=False)
    channel.post_notes_result(m, result, accepted=False)  # a retried listener

    thread = channel.thread_of(m.meeting_id)
    assert thread is not None
    in_thread = slack.messages_in(thread.channel, thread.ts)
    assert keys_in(in_thread)[:5] == [
        "k/ask",
        "k/remind",
        "k/tell",
        "k/fu",
        "notes-request/mtg_0001",
    ]
    assert len(in_thread) == 6
    assert len(slack.messages_in(thread.channel)) == 1
    assert len(slack.calls("conversations.open")) == 1


def test_a_second_meeting_gets_its_own_thread(
    slack: SlackApiServer, channel: SlackChatChannel
) -> None:
    channel.ask(meeting(1), session(), "k1")
    channel.ask(meeting(2), session(n=2), "k2")
    one, two = channel.thread_of("mtg_0001"), channel.thread_of("mtg_0002")
    assert one is not None and two is not None and one.ts != two.ts
    assert len(slack.messages_in(slack.dm_of(EXEC))) == 2
    assert len(slack.calls("conversations.open")) == 1


def test_the_pack_is_posted_in_the_thread_with_its_agenda_file(
    slack: SlackApiServer, channel: SlackChatChannel, documents: InMemoryDocumentStore
) -> None:
    documents.put(meeting_document("mtg_0001", "agenda.md"), b"# Leadership team\n\n- Wins\n")
    channel.ask(meeting(), session(), "k/ask")
    channel.deliver_pack(meeting(), pack(), "meetings/mtg_0001/agenda.md", "k/pack")
    assert slack.uploaded() == [("agenda.md", b"# Leadership team\n\n- Wins\n")]
    thread = channel.thread_of("mtg_0001")
    assert thread is not None
    in_thread = slack.messages_in(thread.channel, thread.ts)
    assert keys_in(in_thread) == ["k/ask", "k/pack"]
    assert in_thread[-1]["files"][0]["name"] == "agenda.md"
    complete = slack.calls("files.completeUploadExternal")[0].params
    assert complete["thread_ts"] == thread.ts


def test_a_pack_delivered_again_after_a_crash_posts_neither_message_nor_file_twice(
    slack: SlackApiServer, threads: InMemoryChatThreadRepository, documents: InMemoryDocumentStore
) -> None:
    documents.put(meeting_document("mtg_0001", "agenda.md"), b"# Pack\n")
    channel_on(slack, threads, documents).deliver_pack(meeting(), pack(), "", "k/pack")
    channel_on(slack, threads, documents).deliver_pack(meeting(), pack(), "", "k/pack")
    assert len(slack.calls("chat.postMessage")) == 1
    assert len(slack.uploaded()) == 1


def test_a_meetings_digest_is_posted_once_then_updated(
    slack: SlackApiServer, channel: SlackChatChannel
) -> None:
    channel.ask(meeting(1, "Budget review"), session(1, style=AskStyle.DIGEST), "k1")
    channel.ask(meeting(2, "Hiring sync"), session(2, style=AskStyle.DIGEST), "k2")
    [digest] = slack.messages_in(slack.dm_of(EXEC))
    assert "Budget review" in str(digest["blocks"]) and "Hiring sync" in str(digest["blocks"])
    assert len(slack.calls("chat.postMessage")) == 1
    assert len(slack.calls("chat.update")) == 1
    assert channel.thread_of("digest/2026-12-01") is not None


def test_a_digest_posted_before_a_crash_is_updated_not_posted_again(
    slack: SlackApiServer, threads: InMemoryChatThreadRepository, documents: InMemoryDocumentStore
) -> None:
    slack.fail("chat.postMessage", "internal_error", applied=True)
    with pytest.raises(SlackUnavailable):
        channel_on(slack, threads, documents).ask(
            meeting(1), session(1, style=AskStyle.DIGEST), "k1"
        )
    channel_on(slack, threads, documents).ask(meeting(2), session(2, style=AskStyle.DIGEST), "k2")
    [digest] = slack.messages_in(slack.dm_of(EXEC))
    assert "mtg_0002" in str(digest["blocks"]) and "mtg_0001" in str(digest["blocks"])


def test_a_post_that_reached_slack_before_a_crash_is_not_posted_twice(
    slack: SlackApiServer, threads: InMemoryChatThreadRepository
) -> None:
    slack.fail("chat.postMessage", "internal_error", applied=True)
    with pytest.raises(SlackUnavailable):
        channel_on(slack, threads).ask(meeting(), session(), "prep-1/AskQuestions")
    assert threads.get("mtg_0001") is None
    restarted = channel_on(slack, threads)
    restarted.ask(meeting(), session(), "prep-1/AskQuestions")
    [posted] = slack.messages_in(slack.dm_of(EXEC))
    thread = restarted.thread_of("mtg_0001")
    assert thread is not None and thread.ts == posted["ts"]
    assert len(slack.calls("chat.postMessage")) == 1

    slack.fail("chat.postMessage", "internal_error", applied=True)
    with pytest.raises(SlackUnavailable):
        restarted.tell(meeting(), "notice", "prep-1/Notice")
    channel_on(slack, threads).tell(meeting(), "notice", "prep-1/Notice")
    assert keys_in(slack.messages_in(thread.channel, thread.ts)) == [
        "prep-1/AskQuestions",
        "prep-1/Notice",
    ]


def test_a_rate_limited_post_is_sent_after_slacks_retry_after(
    slack: SlackApiServer, channel: SlackChatChannel
) -> None:
    slack.fail("chat.postMessage", "ratelimited", retry_after=1)
    started = time.monotonic()
    channel.ask(meeting(), session(), "k")
    assert time.monotonic() - started >= 1
    assert len(slack.calls("chat.postMessage")) == 2
    assert len(slack.messages_in(slack.dm_of(EXEC))) == 1


@pytest.mark.parametrize(
    ("method", "error", "says"),
    [
        ("chat.postMessage", "channel_not_found", "EXEC_ASSISTANT_SLACK_USER_ID"),
        ("conversations.open", "user_not_found", "EXEC_ASSISTANT_SLACK_USER_ID"),
        ("chat.postMessage", "not_in_channel", "EXEC_ASSISTANT_SLACK_USER_ID"),
        ("chat.postMessage", "token_revoked", "reinstall"),
        ("conversations.history", "invalid_auth", "SLACK_BOT_TOKEN"),
        ("chat.postMessage", "missing_scope", "manifest"),
    ],
)
def test_slack_refusals_are_reported_clearly_without_the_token(
    slack: SlackApiServer, channel: SlackChatChannel, method: str, error: str, says: str
) -> None:
    slack.fail(method, error)
    with pytest.raises(SlackUnavailable) as caught:
        channel.ask(meeting(), session(), "k")
    message = str(caught.value)
    assert error in message and says in message
    assert "mtg_0001" in message
    assert slack.bot_token not in message and "xoxb" not in message
    assert caught.value.code == error


def test_a_revoked_token_is_reported_without_the_token(
    slack: SlackApiServer, channel: SlackChatChannel
) -> None:
    slack.revoke()
    with pytest.raises(SlackUnavailable) as caught:
        channel.ask(meeting(), session(), "k")
    assert "token_revoked" in str(caught.value) and slack.bot_token not in str(caught.value)


def test_an_unreachable_slack_is_reported_without_the_request(
    threads: InMemoryChatThreadRepository,
) -> None:
    client = slack_client("xoxb-secret-token", base_url="http://127.0.0.1:9/api", timeout=1)
    channel = SlackChatChannel(
        client, EXEC, ZONE, CATALOG, threads, InMemoryDocumentStore(), FixedClock(NOW)
    )
    with pytest.raises(SlackUnavailable) as caught:
        channel.ask(meeting(), session(), "k")
    assert "could not be reached" in str(caught.value)
    assert "xoxb" not in str(caught.value)


def test_a_deleted_thread_is_started_again(
    slack: SlackApiServer, channel: SlackChatChannel, threads: InMemoryChatThreadRepository
) -> None:
    channel.ask(meeting(), session(), "k/ask")
    old = threads.get("mtg_0001")
    assert old is not None
    threads.put(old.model_copy(update={"ts": "1600000000.000001"}))  # gone from Slack
    channel.tell(meeting(), "hello", "k/tell")
    new = threads.get("mtg_0001")
    assert new is not None and new.ts != "1600000000.000001"
    assert keys_in(slack.messages_in(new.channel, new.ts)) == ["k/tell"]


def test_a_notice_about_no_meeting_is_a_message_of_its_own_in_the_dm_sent_once(
    slack: SlackApiServer, threads: InMemoryChatThreadRepository
) -> None:
    text = (
        "cannot read calendar google:primary: <!channel> expired\n"
        "Run 'exec-assistant calendars add google'."
    )
    channel_on(slack, threads).notify(text, "calendar-authorization/google/e1")
    # A restarted process sending it again finds it in the DM and posts nothing.
    channel_on(slack, threads).notify(text, "calendar-authorization/google/e1")
    [posted] = slack.messages_in(slack.dm_of(EXEC))
    assert "thread_ts" not in posted
    assert keys_in([posted]) == ["calendar-authorization/google/e1"]
    assert "calendars add google" in str(posted["blocks"])
    assert "&lt;!channel&gt;" in str(posted["blocks"])  # no one else is paged
