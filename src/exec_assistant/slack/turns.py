"""What the executive does in Slack, turned into service calls and answered with blocks.

What must happen within Slack's 3 seconds (opening a modal: its trigger expires) happens in
the ack; everything slow (resuming a prep, reading notes with a model) runs lazily (see
`listeners`, which registers these)."""

from __future__ import annotations

import logging
import re
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.item_edits import ItemEditRefused, apply_edit
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import NO_PREP_STATUSES, Meeting, MeetingStatus, SessionState
from exec_assistant.domain.text_files import decode_text
from exec_assistant.ports import (
    ActionItemRepository,
    ChatSessionRepository,
    ChatThreadRepository,
    Clock,
    DecisionRepository,
    DocumentStore,
    MeetingRepository,
    NotesReader,
    PrepEngine,
    SeriesOverrideRepository,
)
from exec_assistant.services import conversation
from exec_assistant.services.answers import session_of, submit_answers, waiting_session
from exec_assistant.services.follow_ups import FollowUps
from exec_assistant.services.followup import list_action_items, list_decisions
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.notes import check_notes_given, process_notes
from exec_assistant.services.notes_review import notes_under_review
from exec_assistant.services.preps import retry_prep, start_prep
from exec_assistant.slack import blocks, ids
from exec_assistant.slack.channel import SlackChatChannel

log = logging.getLogger(__name__)

NOTES_FILE_LIMIT_BYTES = 2 * 1024 * 1024
"""Notes are text: a file bigger than this is not notes (and is not downloaded)."""
DOWNLOAD_TIMEOUT_SECONDS = 20.0
"""The whole download of a notes file may take this long (not the silence between bytes:
a host that sends a byte a second would hold the listener for ever)."""
_DOWNLOAD_CHUNK = 64 * 1024
FORM_ERROR_LIMIT = 300

_COMMAND = "/prep"


@dataclass(frozen=True)
class SlackDependencies:
    """Everything the listeners call, built by the composition root."""

    meetings: MeetingRepository
    sessions: ChatSessionRepository
    action_items: ActionItemRepository
    decisions: DecisionRepository
    documents: DocumentStore
    overrides: SeriesOverrideRepository
    threads: ChatThreadRepository
    catalog: MeetingTypeCatalog
    rules: NotificationRules
    executive: Executive
    engine: PrepEngine
    channel: SlackChatChannel
    clock: Clock
    zone: ZoneInfo
    follow_ups: FollowUps | None = None
    notes_reader: NotesReader | None = None
    notes_handoff: Callable[[Meeting, str], None] | None = None
    """Set: the notes are handed on to be read elsewhere (on AWS the webhook stores them, and
    the post-meeting function reads them and posts the result), not read in the listener."""
    private_providers: tuple[str, ...] = ()
    download_seconds: float = DOWNLOAD_TIMEOUT_SECONDS


def _meeting_id(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    action = actions[0]
    value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
    return str(value)


def _view_meeting_id(body: dict[str, Any]) -> str:
    return str((body.get("view") or {}).get("private_metadata") or "")


def _trigger_key(body: dict[str, Any]) -> str:
    """A stable key for a message sent in answer to one click or one event."""
    event_id = body.get("event_id")
    if event_id:
        return f"slack-event/{event_id}"
    trigger = body.get("trigger_id") or (body.get("view") or {}).get("id") or ""
    return f"slack-action/{trigger}"


class SlackTurns:
    """Each of the executive's turns in Slack, handled: a click, a form, a reply, a command."""

    def __init__(self, deps: SlackDependencies) -> None:
        self._deps = deps

    # --- helpers ---------------------------------------------------------------------------

    def _meeting(self, meeting_id: str) -> Meeting:
        return find_meeting(self._deps.meetings, meeting_id)

    def _tell(self, meeting: Meeting, text: str, body: dict[str, Any]) -> None:
        self._deps.channel.tell(meeting, text, _trigger_key(body))

    def _follow_ups(self) -> FollowUps | None:
        return self._deps.follow_ups

    def _say_problem(
        self, exc: ExecAssistantError, body: dict[str, Any], respond: Respond | None
    ) -> None:
        text = str(exc)  # with its hint
        if respond is not None and body.get("response_url"):
            respond(text=blocks.notice(text).text, replace_original=False)
            return
        meeting_id = _meeting_id(body) or _view_meeting_id(body)
        meeting = self._deps.meetings.get(meeting_id) if meeting_id else None
        if meeting is not None:
            self._tell(meeting, text, body)

    # --- prep questions --------------------------------------------------------------------

    def _open_modal(
        self,
        ack: Ack,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        form: Callable[[Meeting], dict[str, Any]],
    ) -> None:
        """Ack, and open the meeting's form at once: the click's trigger expires in 3 s."""
        ack()
        try:
            meeting = self._meeting(_meeting_id(body))
        except ExecAssistantError as exc:
            respond(text=blocks.notice(str(exc)).text, replace_original=False)
            return
        client.views_open(trigger_id=body["trigger_id"], view=form(meeting))

    def open_answers(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        """Prep now: the type's questions as a modal, prefilled from last time."""
        ack()
        deps = self._deps
        try:
            meeting = self._meeting(_meeting_id(body))
            meeting, session = waiting_session(deps.meetings, deps.sessions, meeting.meeting_id)
            prefill = conversation.previous_answers(
                deps.meetings, deps.sessions, meeting, questions=session.questions
            )
            prefill.update(session.answers)
        except ExecAssistantError as exc:
            respond(text=blocks.notice(str(exc)).text, replace_original=False)
            return
        client.views_open(
            trigger_id=body["trigger_id"], view=blocks.answers_modal(meeting, session, prefill)
        )
        log.info("answers modal opened", extra={"meeting_id": meeting.meeting_id})

    def take_answers(self, body: dict[str, Any]) -> None:
        deps = self._deps
        meeting_id = _view_meeting_id(body)
        answers = blocks.answers_from_view(body["view"])
        try:
            submitted = submit_answers(
                deps.meetings,
                deps.sessions,
                deps.engine,
                meeting_id,
                answers,
                "the Slack form",
                follow_ups=self._follow_ups(),
            )
        except ExecAssistantError as exc:
            self._say_problem(exc, body, None)
            return
        if submitted.follow_up is None:
            self._tell(submitted.meeting, "Thanks: your answers are in; preparing the pack.", body)

    def use_defaults(self, body: dict[str, Any], respond: Respond) -> None:
        deps = self._deps
        try:
            submitted = conversation.use_defaults(
                deps.meetings, deps.sessions, deps.engine, _meeting_id(body)
            )
        except ExecAssistantError as exc:
            self._say_problem(exc, body, respond)
            return
        self._tell(submitted.meeting, "Preparing the pack without answers.", body)

    def snooze(self, body: dict[str, Any], respond: Respond) -> None:
        deps = self._deps
        try:
            meeting = self._meeting(_meeting_id(body))
            until = conversation.snooze_prep(
                deps.meetings, deps.sessions, meeting.meeting_id, deps.clock.now()
            )
        except ExecAssistantError as exc:
            self._say_problem(exc, body, respond)
            return
        local = until.astimezone(deps.zone)
        self._tell(meeting, f"Snoozed: I will ask again at {local:%H:%M} ({local:%Z}).", body)

    def skip(self, body: dict[str, Any], respond: Respond) -> None:
        deps = self._deps
        try:
            meeting = conversation.skip_meeting(
                deps.meetings,
                deps.engine,
                _meeting_id(body),
                deps.clock.now(),
                "skipped in Slack",
            )
        except ExecAssistantError as exc:
            self._say_problem(exc, body, respond)
            return
        self._tell(meeting, "Skipped: nothing more will be prepared or sent for it.", body)

    def open_reclassify(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        self._open_modal(
            ack, body, client, respond, lambda m: blocks.reclassify_modal(m, self._deps.catalog)
        )

    def check_type(self, ack: Ack, body: dict[str, Any]) -> None:
        if blocks.type_from_view(body["view"]) not in self._deps.catalog:
            ack(response_action="errors", errors={ids.TYPE_ACTION: "Choose a meeting type."})
            return
        ack()

    def reclassify(self, body: dict[str, Any]) -> None:
        deps = self._deps
        meeting_type = blocks.type_from_view(body["view"])
        try:
            changed = conversation.reclassify_meeting(
                deps.meetings,
                deps.sessions,
                deps.overrides,
                deps.engine,
                deps.catalog,
                deps.rules,
                deps.executive,
                _view_meeting_id(body),
                meeting_type,
                deps.clock.now(),
            )
            meeting = self._meeting(_view_meeting_id(body))
        except ExecAssistantError as exc:
            self._say_problem(exc, body, None)
            return
        name = deps.catalog.get(meeting_type).name
        self._tell(
            meeting,
            f"Now a {name}, for this and every later meeting of the series "
            f"({len(changed)} changed).",
            body,
        )

    # --- notes -----------------------------------------------------------------------------

    def _read_notes(self, meeting: Meeting, text: str, body: dict[str, Any]) -> None:
        deps = self._deps
        if deps.notes_handoff is not None:
            self._hand_off_notes(meeting, text, body)
            return
        try:
            result = process_notes(
                meeting.meeting_id,
                text,
                meetings=deps.meetings,
                action_items=deps.action_items,
                decisions=deps.decisions,
                documents=deps.documents,
                meeting_date=meeting.start.astimezone(deps.zone).date(),
                now=deps.clock.now(),
                reader=deps.notes_reader,
                catalog=deps.catalog if deps.notes_reader is not None else None,
                private_providers=deps.private_providers,
                proposed=True,
            )
        except ExecAssistantError as exc:
            self._tell(meeting, str(exc), body)
            return
        deps.channel.post_notes_result(meeting, result, accepted=False)
        log.info(
            "notes read from Slack",
            extra={
                "meeting_id": meeting.meeting_id,
                "decisions": len(result.decisions),
                "action_items": len(result.action_items),
            },
        )

    def _hand_off_notes(self, meeting: Meeting, text: str, body: dict[str, Any]) -> None:
        handoff = self._deps.notes_handoff
        assert handoff is not None
        try:
            check_notes_given(meeting, text, self._deps.clock.now())
        except ExecAssistantError as exc:
            self._tell(meeting, str(exc), body)
            return
        handoff(meeting, text)
        self._tell(meeting, "Notes received: reading them now.", body)
        log.info("notes handed on", extra={"meeting_id": meeting.meeting_id})

    def accept_notes(self, body: dict[str, Any], respond: Respond) -> None:
        deps = self._deps
        meeting_id = _meeting_id(body)
        try:
            conversation.accept_notes(
                deps.meetings,
                deps.action_items,
                deps.decisions,
                meeting_id,
                deps.clock.now(),
                documents=deps.documents,
            )
            meeting = self._meeting(meeting_id)
        except ExecAssistantError as exc:
            self._say_problem(exc, body, respond)
            return
        result = notes_under_review(
            deps.meetings, deps.action_items, deps.decisions, deps.documents, meeting.meeting_id
        )
        message = blocks.notes_result(result, deps.zone, accepted=True)
        respond(text=message.text, blocks=message.blocks, replace_original=True)

    def open_edit_notes(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        def form(meeting: Meeting) -> dict[str, Any]:
            items = self._deps.action_items.list(meeting_id=meeting.meeting_id)
            return blocks.edit_notes_modal(meeting, items)

        self._open_modal(ack, body, client, respond, form)

    def check_edits(self, ack: Ack, body: dict[str, Any]) -> None:
        """Refuse a bad edit in the form itself: Slack shows why under the item's text."""
        stored = {
            i.item_id: i for i in self._deps.action_items.list(meeting_id=_view_meeting_id(body))
        }
        errors: dict[str, str] = {}
        for edit in blocks.edits_from_view(body["view"]):
            item = stored.get(edit.item_id)
            if item is None:
                continue  # refused with the reason when saved
            try:
                apply_edit(item, edit)
            except ItemEditRefused as exc:
                errors[f"text/{edit.item_id}"] = _form_text(exc)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

    def save_edits(self, body: dict[str, Any]) -> None:
        deps = self._deps
        meeting_id = _view_meeting_id(body)
        try:
            meeting = self._meeting(meeting_id)
            conversation.edit_notes_items(
                deps.action_items,
                meeting.meeting_id,
                blocks.edits_from_view(body["view"]),
                documents=deps.documents,
                meeting=meeting,
            )
        except ExecAssistantError as exc:
            self._say_problem(exc, body, None)
            return
        result = notes_under_review(
            deps.meetings, deps.action_items, deps.decisions, deps.documents, meeting_id
        )
        deps.channel.post_notes_result(meeting, result, accepted=False)

    def open_paste_notes(
        self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        self._open_modal(ack, body, client, respond, blocks.paste_notes_modal)

    def check_pasted_notes(self, ack: Ack, body: dict[str, Any]) -> None:
        text = blocks.notes_from_view(body["view"])
        if not text.strip():
            ack(response_action="errors", errors={ids.NOTES_BLOCK: "Paste the notes here."})
            return
        ack()

    def take_pasted_notes(self, body: dict[str, Any]) -> None:
        try:
            meeting = self._meeting(_view_meeting_id(body))
        except ExecAssistantError:
            return
        self._read_notes(meeting, blocks.notes_from_view(body["view"]), body)

    # --- messages in the DM ----------------------------------------------------------------

    def message(self, body: dict[str, Any], client: WebClient) -> None:
        """A reply in a meeting's thread: answers while its prep asks, notes once it has
        begun. Edits, deletions and the assistant's own messages are ignored."""
        event = body.get("event") or {}
        if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
            return
        if event.get("channel_type") not in (None, "im"):
            return
        deps = self._deps
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return  # a new message in the DM, not a reply: nothing to attach it to
        thread = deps.threads.find(str(event.get("channel")), str(thread_ts))
        if thread is None:
            return
        meeting = deps.meetings.get(thread.topic)
        if meeting is None:
            return
        text = str(event.get("text") or "")
        files = event.get("files") or []
        session = session_of(deps.sessions, meeting)
        now = deps.clock.now()
        asking = session is not None and session.state == SessionState.WAITING
        if asking and meeting.status not in NO_PREP_STATUSES and not files:
            self._thread_answer(meeting, text, body)
            return
        if meeting.start > now:
            self._tell(
                meeting,
                "Nothing is waiting for an answer here now. Send the notes in this thread "
                "once the meeting has begun.",
                body,
            )
            return
        if files:
            try:
                text = self._download_notes(client, files)
            except ExecAssistantError as exc:
                self._tell(meeting, str(exc), body)
                return
        if text.strip():
            self._read_notes(meeting, text, body)

    def _thread_answer(self, meeting: Meeting, text: str, body: dict[str, Any]) -> None:
        deps = self._deps
        try:
            answer = conversation.answer_in_thread(
                deps.meetings,
                deps.sessions,
                deps.engine,
                meeting.meeting_id,
                text,
                follow_ups=self._follow_ups(),
            )
        except ExecAssistantError as exc:
            self._tell(meeting, str(exc), body)
            return
        if answer.submitted is not None:
            if answer.submitted.follow_up is None:
                self._tell(meeting, "Thanks: your answers are in; preparing the pack.", body)
            return
        if answer.next_question is not None:
            number, question = answer.next_question
            self._tell(meeting, f"Got it. Next, {number}. {question}", body)

    def _download_notes(self, client: WebClient, files: Sequence[dict[str, Any]]) -> str:
        texts = []
        for shared in files[:5]:
            info = client.files_info(file=str(shared.get("id") or "")).get("file") or {}
            name = str(info.get("name") or "notes")
            size = int(info.get("size") or 0)
            url = str(info.get("url_private_download") or info.get("url_private") or "")
            if size > NOTES_FILE_LIMIT_BYTES:
                raise NotesFileRefused(
                    f"{name} is {size:,} bytes; notes are text, at most "
                    f"{NOTES_FILE_LIMIT_BYTES // 1024 // 1024} MB ({NOTES_FILE_LIMIT_BYTES:,} "
                    "bytes)",
                    hint="Send the notes as a text or Markdown file, or paste them.",
                )
            if not url.startswith(("https://", "http://")):
                raise NotesFileRefused(f"Slack gave no download address for {name}")
            texts.append(decode_text(self._fetch(client, url, name), name))
        return "\n\n".join(texts)

    def _fetch(self, client: WebClient, url: str, name: str) -> bytes:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
        seconds = self._deps.download_seconds
        deadline = time.monotonic() + seconds
        chunks: list[bytes] = []
        size = 0
        try:
            # Each read waits at most this long: the deadline is checked between reads.
            with urllib.request.urlopen(request, timeout=min(seconds, 5.0)) as response:
                while piece := response.read1(_DOWNLOAD_CHUNK):
                    size += len(piece)
                    if size > NOTES_FILE_LIMIT_BYTES:
                        raise NotesFileRefused(f"{name} is larger than a notes file can be")
                    if time.monotonic() > deadline:
                        raise NotesFileRefused(
                            f"{name} did not download from Slack within {seconds:g} s",
                            hint="Send it again, or paste the notes.",
                        )
                    chunks.append(piece)
        except OSError as exc:
            raise NotesFileRefused(
                f"could not download {name} from Slack: {getattr(exc, 'reason', exc)}",
                hint="Send it again, or paste the notes.",
            ) from None
        return b"".join(chunks)

    # --- the slash command -----------------------------------------------------------------

    def command(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """/prep list | now <meeting> | notes <meeting> | actions [@owner] | decisions | help"""
        deps = self._deps
        words = _unquoted(str(body.get("text") or "")).split(maxsplit=1)
        verb = words[0].lower() if words else "help"
        rest = words[1].strip() if len(words) > 1 else ""
        now = deps.clock.now()
        try:
            if verb == "list":
                entries = conversation.upcoming(deps.meetings, deps.sessions, now)
                message = blocks.meeting_list(entries, deps.zone)
            elif verb == "actions":
                message = blocks.action_list(
                    self._actions(rest, now.astimezone(deps.zone).date(), client), deps.zone
                )
            elif verb == "decisions":
                message = blocks.decision_list(list_decisions(deps.decisions, deps.meetings))
            elif verb == "now":
                message = self._prep_now(rest, now)
            elif verb == "notes":
                meeting = self._one_meeting(rest, now)
                ack()
                client.views_open(
                    trigger_id=body["trigger_id"], view=blocks.paste_notes_modal(meeting)
                )
                return
            else:
                message = blocks.help_message()
        except ExecAssistantError as exc:
            message = blocks.notice(str(exc))
        ack(text=message.text, blocks=message.blocks)
        log.info("slash command", extra={"verb": verb if verb in _VERBS else "help"})

    def _actions(self, owner: str, today: date, client: WebClient) -> list[Any]:
        deps = self._deps
        query = self._person(owner.strip(), client) if owner.strip() else None
        return list_action_items(
            deps.action_items, deps.meetings, today, owner=query, open_only=True
        )

    def _person(self, query: str, client: WebClient) -> str:
        """A Slack mention (`<@U123|priya>`) as the notes name people: their email when
        Slack gives it, else their full name; anything else as typed."""
        mention = _MENTION.fullmatch(query)
        if mention is None:
            return query.lstrip("@")
        user_id, label = mention.group(1), mention.group(2) or ""
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError:
            return label or user_id  # not found, or no users:read: the name Slack showed
        profile = user.get("profile") or {}
        return str(profile.get("email") or user.get("real_name") or label or user_id)

    def _one_meeting(self, query: str, now: datetime) -> Meeting:
        if not query:
            raise CommandRefused("say which meeting: its id, or words of its title")
        found = conversation.find_meetings(self._deps.meetings, query, now)
        if not found:
            raise CommandRefused(f"no meeting matches '{query}'", hint="Try /prep list.")
        if len(found) > 1 and found[0].meeting_id != query:
            titles = "; ".join(f"{m.title} ({m.meeting_id[:12]})" for m in found[:5])
            raise CommandRefused(f"'{query}' matches several meetings: {titles}")
        return found[0]

    def _prep_now(self, query: str, now: datetime) -> blocks.Message:
        deps = self._deps
        meeting = self._one_meeting(query, now)
        if meeting.end <= now:
            raise CommandRefused(f"'{meeting.title}' is over; send its notes with /prep notes")
        status = meeting.status
        if status == MeetingStatus.FAILED:
            retry_prep(deps.meetings, deps.engine, meeting.meeting_id)
        elif status == MeetingStatus.SCHEDULED:
            start_prep(deps.meetings, deps.engine, meeting)
        elif status in NO_PREP_STATUSES or status == MeetingStatus.DISCOVERED:
            raise CommandRefused(f"'{meeting.title}' is {status.value}: nothing is prepared for it")
        else:
            return blocks.notice(f"The prep of '{meeting.title}' is already {status.value}.")
        return blocks.notice(f"Preparing '{meeting.title}' now; its questions follow here.")


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_VERBS = ("list", "now", "notes", "actions", "decisions", "help")


class NotesFileRefused(ExecAssistantError):
    pass


class CommandRefused(ExecAssistantError):
    pass


_QUOTES = str.maketrans({q: " " for q in '"“”`'})


def _unquoted(text: str) -> str:
    """/prep "now" "Leadership": quotes around the words are not part of them."""
    return " ".join(text.translate(_QUOTES).split())


def _form_text(exc: ExecAssistantError) -> str:
    return str(exc)[:FORM_ERROR_LIMIT]
