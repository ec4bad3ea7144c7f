"""The product's records. Pydantic models so adapters can serialise them losslessly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from exec_assistant.domain.errors import IllegalStatusTransition


def _require_aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must carry a timezone")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_require_aware_utc)]
"""An instant, always stored and compared in UTC."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResponseStatus(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"
    NEEDS_ACTION = "needs_action"


class Attendee(_Record):
    email: str
    name: str | None = None
    response: ResponseStatus = ResponseStatus.NEEDS_ACTION

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].lower()

    @property
    def display_name(self) -> str:
        return self.name or self.email


class MeetingStatus(StrEnum):
    DISCOVERED = "discovered"
    SCHEDULED = "scheduled"
    NOTIFIED = "notified"
    ANSWERED = "answered"
    TIMED_OUT = "timed_out"
    MATERIALS_READY = "materials_ready"
    REMINDED = "reminded"
    COMPLETED = "completed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    """The prep stopped on an error; `prep_error` says why, and it is retried later."""


_S = MeetingStatus
_LEAVE = frozenset({_S.COMPLETED, _S.SCHEDULED, _S.SKIPPED, _S.CANCELLED, _S.FAILED})
# Moves back to SCHEDULED are reschedules (the meeting moved, so its prep starts again) or
# retries of a failed prep. A meeting can take place, and its notes arrive, before its prep
# has finished. A prep answered at once moves from SCHEDULED straight on.
ALLOWED_TRANSITIONS: dict[MeetingStatus, frozenset[MeetingStatus]] = {
    _S.DISCOVERED: frozenset({_S.SCHEDULED, _S.SKIPPED, _S.CANCELLED}),
    _S.SCHEDULED: frozenset({_S.NOTIFIED, _S.ANSWERED, _S.TIMED_OUT} | _LEAVE),
    _S.NOTIFIED: frozenset({_S.ANSWERED, _S.TIMED_OUT, _S.MATERIALS_READY} | _LEAVE),
    _S.ANSWERED: frozenset({_S.MATERIALS_READY} | _LEAVE),
    _S.TIMED_OUT: frozenset({_S.MATERIALS_READY} | _LEAVE),
    _S.MATERIALS_READY: frozenset({_S.REMINDED} | _LEAVE),
    _S.REMINDED: _LEAVE,
    _S.FAILED: frozenset({_S.SCHEDULED, _S.COMPLETED, _S.SKIPPED, _S.CANCELLED}),
    _S.COMPLETED: frozenset(),
    _S.SKIPPED: frozenset({_S.SCHEDULED, _S.CANCELLED}),
    _S.CANCELLED: frozenset({_S.SCHEDULED, _S.SKIPPED}),
}

ACTIVE_STATUSES = frozenset(
    {
        _S.SCHEDULED,
        _S.NOTIFIED,
        _S.ANSWERED,
        _S.TIMED_OUT,
        _S.MATERIALS_READY,
        _S.REMINDED,
        _S.FAILED,
    }
)
"""A prep is due, under way, done for now, or to be retried: the meeting is on."""

NO_PREP_STATUSES = frozenset({_S.SKIPPED, _S.CANCELLED, _S.COMPLETED})
"""A prep that finds its meeting in one of these stops: there is nothing to prepare."""

IN_PROGRESS_STATUSES = frozenset({_S.NOTIFIED, _S.ANSWERED, _S.TIMED_OUT, _S.MATERIALS_READY})
"""A prep workflow should be running for the meeting (asking, waiting, writing, reminding)."""

PREPARED_STATUSES = frozenset({_S.MATERIALS_READY, _S.REMINDED})
"""The pack has been delivered."""


class CalendarEvent(_Record):
    """One instance of an event as a calendar reports it, before the assistant's judgement."""

    calendar_id: str
    uid: str
    recurrence_id: UtcDatetime | None = None
    """Original start of this instance when it belongs to a recurring series."""
    title: str
    description: str = ""
    location: str = ""
    start: UtcDatetime
    end: UtcDatetime
    timezone: str
    all_day: bool = False
    cancelled: bool = False
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()


class ModelCall(_Record):
    """One call to a model: what it was for, what it used, what it is estimated to cost."""

    purpose: str
    """pack, pack_correction, context_summary, notes, follow_up."""
    provider: str
    model_id: str
    input_tokens: int = Field(default=0, ge=0)
    """Input tokens as the provider reports them, not counting those read from its cache."""
    output_tokens: int = Field(default=0, ge=0)
    cache_read_tokens: int = Field(default=0, ge=0)
    cache_write_tokens: int = Field(default=0, ge=0)
    cost_usd: float | None = None
    """At the configured prices; None when the model has no price in the table."""
    seconds: float = Field(default=0, ge=0)
    at: UtcDatetime
    outcome: str = "ok"
    """ok, rejected (the output failed validation), failed (an error, a time-out)."""


class Meeting(_Record):
    meeting_id: str
    calendar_id: str
    series_id: str
    source_uid: str
    recurrence_id: UtcDatetime | None = None
    title: str
    description: str = ""
    location: str = ""
    start: UtcDatetime
    end: UtcDatetime
    timezone: str
    all_day: bool = False
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()
    meeting_type: str | None = None
    classification_reason: str | None = None
    type_overridden: bool = False
    status: MeetingStatus = MeetingStatus.DISCOVERED
    skip_reason: str | None = None
    skipped_by_executive: bool = False
    """Skipped because the executive said so (not by a rule): a later sync keeps it skipped."""
    prep_at: UtcDatetime | None = None
    reminder_at: UtcDatetime | None = None
    workflow_id: str | None = None
    """The prep workflow of this meeting's current attempt."""
    prep_attempt: int = Field(default=1, ge=1)
    """1 for the first prep of this instance; a retry after a failure is a fresh attempt."""
    prep_error: str | None = None
    """Why the last attempt failed (the state and the error), while status is FAILED."""
    retry_at: UtcDatetime | None = None
    """When a failed prep is tried again."""
    pack_location: str | None = None
    generated_by: str | None = None
    fallback_reason: str | None = None
    """Why the offline generator wrote the pack instead of the configured model."""
    model_calls: tuple[ModelCall, ...] = ()
    """Every model call made for this meeting (its prep, its notes), in order."""
    source_fingerprint: str | None = None
    """What this record was assessed from (the event, its series' type, the configuration):
    a sync skips an event whose fingerprint is unchanged."""
    discovered_at: UtcDatetime
    updated_at: UtcDatetime

    @model_validator(mode="before")
    @classmethod
    def _older_records(cls, data: Any) -> Any:
        # Records written before model calls were kept carry an always-empty `token_usage`.
        if isinstance(data, dict) and "token_usage" in data:
            data = {k: v for k, v in data.items() if k != "token_usage"}
        return data

    @property
    def duration_minutes(self) -> int:
        return max(0, int((self.end - self.start) / timedelta(minutes=1)))

    def with_status(self, status: MeetingStatus, **changes: Any) -> Meeting:
        """The same meeting in `status`; refuses moves the lifecycle does not allow."""
        if status != self.status and status not in ALLOWED_TRANSITIONS[self.status]:
            raise IllegalStatusTransition(self.meeting_id, self.status.value, status.value)
        return self.model_copy(update={"status": status, **changes})

    def same_content_as(self, other: Meeting) -> bool:
        """Equal in everything a user could see, ignoring bookkeeping timestamps."""
        ignore = {"updated_at", "discovered_at", "source_fingerprint"}
        return self.model_dump(exclude=ignore) == other.model_dump(exclude=ignore)


class MeetingSummary(BaseModel):
    """What a list shows of a meeting: its title, times, type, series and people, read
    without its prep bookkeeping and model calls. Reading 1,000 of these costs about a
    third of reading the meetings whole."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    meeting_id: str
    series_id: str
    title: str
    start: UtcDatetime
    end: UtcDatetime
    meeting_type: str | None = None
    status: MeetingStatus = MeetingStatus.DISCOVERED
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingSummary:
        return cls(
            meeting_id=meeting.meeting_id,
            series_id=meeting.series_id,
            title=meeting.title,
            start=meeting.start,
            end=meeting.end,
            meeting_type=meeting.meeting_type,
            status=meeting.status,
            organizer=meeting.organizer,
            attendees=meeting.attendees,
        )


class SessionState(StrEnum):
    WAITING = "waiting"
    ANSWERED = "answered"
    TIMED_OUT = "timed_out"
    CLOSED = "closed"


class FollowUpTurn(_Record):
    """One follow-up question on a vague answer ("the incident": which one?), and its answer."""

    question_number: str
    """The prep question whose answer it asks about, from "1"."""
    question: str
    answer: str | None = None
    """None while it waits; "" when the executive gave none."""


class AskStyle(StrEnum):
    """How a prep request reaches the executive (noise control, see `domain.noise`)."""

    QUESTIONS = "questions"
    """Its own message with the questions."""
    DIGEST = "digest"
    """A line in the day's digest: the day's own requests are used up."""
    SILENT = "silent"
    """Not asked: its type is silent, and the prep goes on without answers."""


class ChatSession(_Record):
    session_id: str
    user_id: str
    meeting_id: str
    channel: str
    questions: tuple[str, ...] = ()
    answers: dict[str, str] = Field(default_factory=dict)
    """Answers by question number, from "1". While `answers_given` is False these are the
    answers given so far (replies in a thread, one by one)."""
    task_token: str | None = None
    """What resumes the waiting workflow, attached by the wait state when it starts waiting:
    the workflow id locally, the task token on Step Functions. Answers given before it is
    attached are kept; the wait then completes at once."""
    state: SessionState = SessionState.WAITING
    answers_given: bool = False
    """The answers to the questions are in. While the state is still waiting, the assistant
    is deciding whether one needs a follow-up question, or one waits for its answer."""
    follow_ups: tuple[FollowUpTurn, ...] = ()
    """The follow-up questions asked in this session, in order."""
    answers_due: UtcDatetime | None = None
    ask_style: AskStyle = AskStyle.QUESTIONS
    snoozed_until: UtcDatetime | None = None
    """The executive asked to be asked again then (once); None when not snoozed."""
    questions_round: int = Field(default=1, ge=1)
    """1 for the questions first asked; 2 after the meeting was reclassified while they
    waited and the new type's questions were set, and so on. Each round is asked under its
    own delivery key."""
    created_at: int
    """Seconds since the epoch, as the sessions table's sort key."""
    expires_at: int
    """Seconds since the epoch; the store drops the session after this (TTL)."""

    @property
    def pending_follow_up(self) -> FollowUpTurn | None:
        """The follow-up question that waits for its answer, if one does."""
        if self.state != SessionState.WAITING or not self.follow_ups:
            return None
        last = self.follow_ups[-1]
        return last if last.answer is None else None


class ItemStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class ActionItem(_Record):
    item_id: str
    meeting_id: str
    series_id: str | None = None
    text: str
    owner: str | None = None
    owner_resolved: bool = False
    due: date | None = None
    status: ItemStatus = ItemStatus.OPEN
    source_line: int
    created_at: UtcDatetime
    accepted: bool = True
    """False while the executive has not accepted the notes it came from (a proposal):
    nothing that reaches other people or trackers shows it until then."""
    tracker_key: str | None = None
    """The item's issue in the task tracker (a Jira key), once it was created there."""
    tracker_url: str | None = None


class DecisionStatus(StrEnum):
    PENDING = "pending"
    DECIDED = "decided"
    SUPERSEDED = "superseded"


class Decision(_Record):
    decision_id: str
    meeting_id: str
    series_id: str | None = None
    text: str
    status: DecisionStatus = DecisionStatus.DECIDED
    source_line: int | None = None
    created_at: UtcDatetime
    accepted: bool = True
    """As `ActionItem.accepted`."""


class AgendaItem(_Record):
    title: str
    minutes: int
    start_offset_minutes: int
    purpose: str = ""
    notes: tuple[str, ...] = ()


class PrepPack(_Record):
    meeting_id: str
    meeting_type: str
    title: str
    start: UtcDatetime
    end: UtcDatetime
    timezone: str
    attendees: tuple[str, ...] = ()
    agenda: tuple[AgendaItem, ...]
    prep_questions: tuple[str, ...] = ()
    answers: dict[str, str] = Field(default_factory=dict)
    """Answers to the prep questions, by question text."""
    answers_received: bool = True
    questions: tuple[str, ...] = ()
    """Questions for the executive to ask the attendees."""
    background: dict[str, list[str]] = Field(default_factory=dict)
    """Facts per context provider; an unavailable provider says so and why."""
    decisions_needed: tuple[str, ...] = ()
    open_action_items: tuple[str, ...] = ()
    notes_template: str = ""
    generated_by: str
    """offline, or the model that wrote it (anthropic:claude-sonnet-4-6)."""
    fallback_reason: str | None = None
    """Why the offline generator wrote it when a model was configured."""
    generated_at: UtcDatetime


class FinalReminder(_Record):
    meeting_id: str
    title: str
    start: UtcDatetime
    timezone: str
    headline: tuple[str, ...]
    """The agenda at a glance: 'Wins and priorities (10 min)'."""
    questions: tuple[str, ...] = ()
    open_items: tuple[str, ...] = ()
    pack_location: str | None = None
    late: bool = False
    """Sent after its time: the assistant was not running when it was due."""


class DeliveryState(StrEnum):
    SENDING = "sending"
    """About to be handed to the channel: if the process dies now, it is sent again, with the
    same key, so the receiving end can drop the copy."""
    SENT = "sent"


class Delivery(_Record):
    """One message to the executive (questions, pack, reminder, notice), by its stable key."""

    key: str
    """The prep and the state that sends it: `prep-mtg_…-20261201T1500Z/SendPrepMaterials`."""
    meeting_id: str
    kind: str
    state: DeliveryState
    attempts: int = 1
    updated_at: UtcDatetime


class ChatThread(_Record):
    """Where a topic's conversation lives in a chat: the thread of one meeting's prep, or the
    message of one day's digest."""

    topic: str
    """A meeting id, or `digest/2026-12-02` for the digest of that day."""
    channel: str
    """The chat's id for the conversation (a Slack DM's channel id)."""
    ts: str
    """The thread's root message (a Slack message timestamp)."""
    updated_at: UtcDatetime


class CalendarState(_Record):
    """What the last fetch of one calendar held: a sudden empty fetch is not believed at once."""

    calendar_id: str
    events: int = 0
    """Events in the window at the last fetch that was accepted."""
    empty_since: UtcDatetime | None = None
    """When a fetch first came back empty while the one before held events; unconfirmed."""
    updated_at: UtcDatetime
