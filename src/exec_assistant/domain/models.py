"""The product's records. Pydantic models so adapters can serialise them losslessly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


S = MeetingStatus
# Moves back to SCHEDULED are reschedules: the meeting moved, so its prep starts again.
ALLOWED_TRANSITIONS: dict[MeetingStatus, frozenset[MeetingStatus]] = {
    S.DISCOVERED: frozenset({S.SCHEDULED, S.SKIPPED, S.CANCELLED}),
    # A meeting can take place, and its notes arrive, before its prep has finished.
    S.SCHEDULED: frozenset({S.NOTIFIED, S.COMPLETED, S.SKIPPED, S.CANCELLED}),
    S.NOTIFIED: frozenset(
        {S.ANSWERED, S.TIMED_OUT, S.COMPLETED, S.SCHEDULED, S.SKIPPED, S.CANCELLED}
    ),
    S.ANSWERED: frozenset({S.MATERIALS_READY, S.COMPLETED, S.SCHEDULED, S.SKIPPED, S.CANCELLED}),
    S.TIMED_OUT: frozenset({S.MATERIALS_READY, S.COMPLETED, S.SCHEDULED, S.SKIPPED, S.CANCELLED}),
    S.MATERIALS_READY: frozenset({S.REMINDED, S.COMPLETED, S.SCHEDULED, S.SKIPPED, S.CANCELLED}),
    S.REMINDED: frozenset({S.COMPLETED, S.SCHEDULED, S.SKIPPED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.SKIPPED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.CANCELLED: frozenset({S.SCHEDULED, S.SKIPPED}),
}

ACTIVE_STATUSES = frozenset(
    {S.SCHEDULED, S.NOTIFIED, S.ANSWERED, S.TIMED_OUT, S.MATERIALS_READY, S.REMINDED}
)


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
    prep_error: str | None = None
    prep_at: UtcDatetime | None = None
    reminder_at: UtcDatetime | None = None
    workflow_id: str | None = None
    pack_location: str | None = None
    generated_by: str | None = None
    token_usage: dict[str, int] = Field(default_factory=dict)
    source_fingerprint: str | None = None
    """What this record was assessed from (the event, its series' type, the configuration):
    a sync skips an event whose fingerprint is unchanged."""
    discovered_at: UtcDatetime
    updated_at: UtcDatetime

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


class SessionState(StrEnum):
    WAITING = "waiting"
    ANSWERED = "answered"
    TIMED_OUT = "timed_out"
    CLOSED = "closed"


class ChatSession(_Record):
    session_id: str
    user_id: str
    meeting_id: str
    channel: str
    questions: tuple[str, ...] = ()
    answers: dict[str, str] = Field(default_factory=dict)
    """Answers by question number, from "1"."""
    task_token: str | None = None
    """What resumes the waiting workflow: its id locally, the task token on Step Functions."""
    state: SessionState = SessionState.WAITING
    answers_due: UtcDatetime | None = None
    created_at: int
    """Seconds since the epoch, as the sessions table's sort key."""
    expires_at: int
    """Seconds since the epoch; the store drops the session after this (TTL)."""


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
