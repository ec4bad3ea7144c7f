"""The executive's Slack DM as a ChatChannel: one thread per meeting.

A meeting's first message (its prep questions, or whatever comes first when it was not asked)
starts a thread in the DM; the pack, the reminder, notices, follow-up questions and the
request for notes are replies in it. The day's digest is one message, updated as meetings
join it.

Never doubled: every message carries Slack message metadata
`{"event_type": "exec_assistant", "event_payload": {"key": key}}`. Before posting a key this
process has not posted, the DM (conversations.history) or the thread (conversations.replies)
is read with its metadata, and a message already carrying the key is taken for the post:
a crash between Slack's answer and the thread being stored sends nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.errors import UnknownMeetingType
from exec_assistant.domain.meeting_types import MeetingType, MeetingTypeCatalog
from exec_assistant.domain.models import (
    AskStyle,
    ChatSession,
    ChatThread,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    PrepPack,
)
from exec_assistant.domain.prep_pack import render_markdown
from exec_assistant.ports import ChatThreadRepository, Clock, DocumentStore
from exec_assistant.slack import blocks
from exec_assistant.slack.block_kit import clean, cut
from exec_assistant.slack.errors import SlackUnavailable

if TYPE_CHECKING:
    from exec_assistant.services.notes import NotesResult

log = logging.getLogger(__name__)

METADATA_EVENT = "exec_assistant"
AGENDA_FILE = "agenda.md"
DIGEST_TOPIC = "digest/{day}"
_DIGEST_DOCUMENT = "sessions/slack/digest-{day}.json"
LOOKBACK = timedelta(days=14)
"""How far back the DM is read for a top-level message already posted under a key."""
_LOOKUP_PAGES = 5
_PAGE = 200

T = TypeVar("T")


class SlackChatChannel:
    """A ChatChannel on the executive's Slack DM."""

    name = "slack"

    def __init__(
        self,
        client: WebClient,
        user_id: str,
        zone: ZoneInfo,
        catalog: MeetingTypeCatalog,
        threads: ChatThreadRepository,
        documents: DocumentStore,
        clock: Clock,
    ) -> None:
        self._client = client
        self._user_id = user_id
        self._zone = zone
        self._catalog = catalog
        self._threads = threads
        self._documents = documents
        self._clock = clock
        self._lock = threading.RLock()
        self._digest_lock = threading.Lock()
        self._dm: str | None = None
        self._posted: dict[str, str] = {}
        """Keys this process posted, and the ts of each."""

    # ---- the ChatChannel port -----------------------------------------------------------

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        """The prep questions as a DM message that starts the meeting's thread (or, when it
        has one already, a reply in it, shown in the DM too); in digest style, a line in the
        day's digest; in silent style, nothing."""
        style = session.ask_style
        if style == AskStyle.SILENT:
            return None
        meeting_type = self._type_of(meeting)
        if style == AskStyle.DIGEST:
            self._add_to_digest(meeting, meeting_type)
            return None
        message = blocks.notification(meeting, meeting_type, session, self._zone)
        self._post_in_thread(
            meeting, message, key, broadcast=True, doing="sending the prep questions"
        )
        return None

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None:
        """The pack as blocks in the meeting's thread, then its agenda.md as a file there."""
        message = blocks.pack_message(meeting, pack, self._zone)
        thread = self._post_in_thread(meeting, message, key, doing="delivering the prep pack")
        content = self._documents.get(meeting_document(meeting.meeting_id, AGENDA_FILE))
        if content is None:
            content = render_markdown(pack, self._type_name(pack.meeting_type)).encode()
        self._upload(thread, content, cut(f"Prep pack: {clean(pack.title)}", 200), key)

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None:
        message = blocks.reminder(reminder, self._zone)
        self._post_in_thread(meeting, message, key, doing="sending the reminder")

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        self._post_in_thread(meeting, blocks.notice(text), key, doing="sending a notice")

    def follow_up(
        self, meeting: Meeting, session: ChatSession, follow_up: FollowUpTurn, key: str
    ) -> str | None:
        message = blocks.follow_up_question(follow_up)
        self._post_in_thread(meeting, message, key, doing="asking a follow-up question")
        return None

    def ask_for_notes(self, meeting: Meeting, key: str) -> None:
        message = blocks.notes_request(meeting)
        self._post_in_thread(meeting, message, key, doing="asking for the notes")

    def notify(self, text: str, key: str) -> None:
        doing = "sending a notice"
        self._post(self._dm_channel(doing), blocks.notice(text), key, None, doing=doing)

    # ---- beyond the port ----------------------------------------------------------------

    def post_notes_result(self, meeting: Meeting, result: NotesResult, *, accepted: bool) -> None:
        """What the notes gave, with Accept / Edit until accepted. The same result posted
        twice (a retried listener) is posted once."""
        message = blocks.notes_result(result, self._zone, accepted=accepted)
        digest = hashlib.sha256(json.dumps(message.blocks, sort_keys=True).encode()).hexdigest()
        key = f"notes-result/{meeting.meeting_id}/{digest[:16]}"
        self._post_in_thread(meeting, message, key, doing="posting what the notes gave")

    def thread_of(self, meeting_id: str) -> ChatThread | None:
        return self._threads.get(meeting_id)

    # ---- posting ------------------------------------------------------------------------

    def _post_in_thread(
        self,
        meeting: Meeting,
        message: blocks.Message,
        key: str,
        *,
        doing: str,
        broadcast: bool = False,
    ) -> ChatThread:
        """Post in the meeting's thread, starting it when there is none (or Slack lost it)."""
        doing = f"{doing} for {meeting.meeting_id}"
        thread = self._threads.get(meeting.meeting_id)
        if thread is not None:
            try:
                self._post(
                    thread.channel, message, key, thread.ts, broadcast=broadcast, doing=doing
                )
                return thread
            except SlackUnavailable as error:
                if error.code != "thread_not_found":
                    raise
                log.warning("slack: thread of %s is gone; starting a new one", meeting.meeting_id)
        channel = self._dm_channel(doing)
        ts = self._post(channel, message, key, None, doing=doing)
        thread = ChatThread(
            topic=meeting.meeting_id, channel=channel, ts=ts, updated_at=self._clock.now()
        )
        self._threads.put(thread)
        return thread

    def _post(
        self,
        channel: str,
        message: blocks.Message,
        key: str,
        thread_ts: str | None,
        *,
        doing: str,
        broadcast: bool = False,
        look: bool = True,
    ) -> str:
        """The ts of the message carrying `key`: found in Slack (unless `look` is False: the
        caller has just looked), or posted now."""
        with self._lock:
            if key in self._posted:
                return self._posted[key]
        found = self._find_key(channel, key, thread_ts, doing) if look else None
        if found is not None:
            log.info("slack: %s was already posted; not posting it again", _key_id(key))
            with self._lock:
                self._posted[key] = found
            return found
        arguments: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            "blocks": message.blocks,
            "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts is not None:
            arguments["thread_ts"] = thread_ts
            if broadcast:
                arguments["reply_broadcast"] = True
        response = self._call(doing, lambda: self._client.chat_postMessage(**arguments))
        ts = str(response["ts"])
        with self._lock:
            self._posted[key] = ts
        log.info("slack: posted %s (%d blocks)", _key_id(key), len(message.blocks))
        return ts

    def _find_key(self, channel: str, key: str, thread_ts: str | None, doing: str) -> str | None:
        for message in self._messages(channel, thread_ts, doing):
            metadata = message.get("metadata")
            if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT:
                continue
            payload = metadata.get("event_payload")
            if isinstance(payload, dict) and payload.get("key") == key:
                return str(message.get("ts"))
        return None

    def _messages(
        self, channel: str, thread_ts: str | None, doing: str
    ) -> Iterator[dict[str, Any]]:
        """The thread's messages, or the DM's recent top-level ones, with their metadata."""
        cursor: str | None = None
        oldest = f"{(self._clock.now() - LOOKBACK).timestamp():.6f}"
        for _ in range(_LOOKUP_PAGES):
            arguments: dict[str, Any] = {
                "channel": channel,
                "include_all_metadata": True,
                "limit": _PAGE,
            }
            if cursor:
                arguments["cursor"] = cursor
            if thread_ts is None:
                read = partial(self._client.conversations_history, oldest=oldest, **arguments)
            else:
                read = partial(self._client.conversations_replies, ts=thread_ts, **arguments)
            page = self._call(doing, read)
            for message in page.get("messages") or []:
                if isinstance(message, dict):
                    yield message
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return

    def _upload(self, thread: ChatThread, content: bytes, title: str, key: str) -> None:
        file_key = f"{key}/file"
        with self._lock:
            if file_key in self._posted:
                return
        doing = f"uploading the prep pack for {thread.topic}"
        pack_ts = self._posted.get(key, thread.ts)
        for message in self._messages(thread.channel, thread.ts, doing):
            # A file share carries no metadata: the agenda file after the pack message is
            # the one this pack posted.
            files = message.get("files") or []
            if str(message.get("ts", "")) > pack_ts and any(
                isinstance(f, dict) and f.get("name") == AGENDA_FILE for f in files
            ):
                with self._lock:
                    self._posted[file_key] = str(message.get("ts"))
                return
        self._call(
            doing,
            lambda: self._client.files_upload_v2(
                channel=thread.channel,
                thread_ts=thread.ts,
                filename=AGENDA_FILE,
                content=content,
                title=title,
            ),
        )
        with self._lock:
            self._posted[file_key] = thread.ts
        log.info("slack: uploaded the pack file for %s (%d bytes)", thread.topic, len(content))

    # ---- the digest ---------------------------------------------------------------------

    def _add_to_digest(self, meeting: Meeting, meeting_type: MeetingType) -> None:
        """The meeting joins today's digest: posted once, then updated in place. One at a
        time: two preps asking at once would each read the entries and keep only theirs."""
        with self._digest_lock:
            self._add_to_digest_now(meeting, meeting_type)

    def _add_to_digest_now(self, meeting: Meeting, meeting_type: MeetingType) -> None:
        day = self._clock.now().astimezone(self._zone).date()
        topic = DIGEST_TOPIC.format(day=day.isoformat())
        doing = f"updating the digest of {day.isoformat()}"
        entries = self._digest_entries(day)
        entries[meeting.meeting_id] = (meeting, meeting_type.id)
        self._documents.put(
            _DIGEST_DOCUMENT.format(day=day.isoformat()),
            json.dumps(
                [{"meeting": m.model_dump(mode="json"), "type": t} for m, t in entries.values()]
            ).encode(),
            "application/json",
        )
        message = blocks.digest(
            [(m, self._catalog_type(t)) for m, t in entries.values()], self._zone, day
        )
        thread = self._threads.get(topic)
        if thread is not None:
            try:
                self._update(thread.channel, thread.ts, message, doing)
                return
            except SlackUnavailable as error:
                if error.code != "message_not_found":
                    raise
                with self._lock:  # deleted in Slack: a new one is posted
                    self._posted.pop(topic, None)
        channel = self._dm_channel(doing)
        found = None if thread is not None else self._find_key(channel, topic, None, doing)
        if found is not None:
            # Posted before a crash, and not stored: bring it up to date.
            self._update(channel, found, message, doing)
            ts = found
        else:
            ts = self._post(channel, message, topic, None, doing=doing, look=False)
        self._threads.put(
            ChatThread(topic=topic, channel=channel, ts=ts, updated_at=self._clock.now())
        )

    def _update(self, channel: str, ts: str, message: blocks.Message, doing: str) -> None:
        self._call(
            doing,
            lambda: self._client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            ),
        )

    def _digest_entries(self, day: date) -> dict[str, tuple[Meeting, str]]:
        raw = self._documents.get(_DIGEST_DOCUMENT.format(day=day.isoformat()))
        entries: dict[str, tuple[Meeting, str]] = {}
        for entry in json.loads(raw) if raw else []:
            meeting = Meeting.model_validate(entry["meeting"])
            entries[meeting.meeting_id] = (meeting, str(entry["type"]))
        return entries

    # ---- helpers ------------------------------------------------------------------------

    def _dm_channel(self, doing: str) -> str:
        with self._lock:
            if self._dm is not None:
                return self._dm
        response = self._call(doing, lambda: self._client.conversations_open(users=self._user_id))
        channel = str(response["channel"]["id"])
        with self._lock:
            self._dm = channel
        return channel

    def _call(self, doing: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except (SlackClientError, OSError) as exc:
            error = SlackUnavailable.from_api_error(exc, doing)
            if not isinstance(exc, SlackApiError) or error.code not in (
                "thread_not_found",
                "message_not_found",
            ):
                log.warning("slack: %s failed: %s", doing, error.code or type(exc).__name__)
            raise error from exc

    def _type_of(self, meeting: Meeting) -> MeetingType:
        return self._catalog_type(meeting.meeting_type)

    def _catalog_type(self, type_id: str | None) -> MeetingType:
        try:
            return self._catalog.get(type_id) if type_id else self._catalog.fallback
        except UnknownMeetingType:
            return self._catalog.fallback

    def _type_name(self, type_id: str) -> str:
        return self._catalog_type(type_id).name


def _key_id(key: str) -> str:
    """A key as logged: it holds ids and state names only, cut to a sane length."""
    return cut(clean(key), 200)
