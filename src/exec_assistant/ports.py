"""The ports: what the services need from the outside world, as Protocols.

The repositories and the document store have an in-memory adapter for tests and a local one
(SQLite, a folder); one contract suite runs against every adapter of a port.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from exec_assistant.domain.calendar_consent import ConsentStage, PendingConsent
from exec_assistant.domain.calendar_sync import CalendarSnapshot
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.follow_ups import FollowUp
from exec_assistant.domain.integrations import IntegrationCheck
from exec_assistant.domain.meeting_types import MeetingType
from exec_assistant.domain.models import (
    ActionItem,
    CalendarEvent,
    CalendarState,
    ChatSession,
    ChatThread,
    Decision,
    Delivery,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    MeetingStatus,
    MeetingSummary,
    ModelCall,
    PrepPack,
)
from exec_assistant.domain.notes import NotesExtraction
from exec_assistant.domain.prep_pack import PackInputs
from exec_assistant.domain.prep_steps import AnswersRecorded, PrepOutcome, PrepRequest
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.domain.secret_rotation import RotationScope


class MeetingRepository(Protocol):
    def get(self, meeting_id: str) -> Meeting | None: ...

    def get_many(self, meeting_ids: Sequence[str]) -> dict[str, Meeting]:
        """The stored meetings among `meeting_ids`, by id; missing ones are left out."""
        ...

    def summaries(self, meeting_ids: Sequence[str]) -> dict[str, MeetingSummary]:
        """As `get_many`, each meeting summarised (what the registers list of it)."""
        ...

    def ids_with_prefix(self, prefix: str, limit: int = 10) -> list[str]:
        """Meeting ids starting with `prefix`, sorted, at most `limit`."""
        ...

    def put(self, meeting: Meeting) -> None: ...

    def put_many(self, meetings: Sequence[Meeting]) -> None:
        """Store all or none."""
        ...

    def update_many(
        self,
        meeting_ids: Sequence[str],
        change: Callable[[str, Meeting | None], Meeting | None],
    ) -> list[Meeting]:
        """For each id, `change(id, stored meeting or None)`; what it returns is stored (None:
        left as it is). Each meeting is read and written with no other write in between, and
        all or none is stored. The meetings stored, in the order of the ids."""
        ...

    def update(self, meeting_id: str, change: Callable[[Meeting], Meeting]) -> Meeting | None:
        """Apply `change` to the stored meeting and store the result, with no other write in
        between (a prep step and a sync, or two processes, cannot undo each other's change).
        The stored result, or None when there is no such meeting. `change` may raise to
        leave the meeting as it is."""
        ...

    def list_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> list[Meeting]:
        """Meetings starting in [start_from, start_to), ordered by start."""
        ...

    def fingerprints(self, meeting_ids: Sequence[str]) -> dict[str, str | None]:
        """The source fingerprint of each stored meeting among `meeting_ids`, by id."""
        ...

    def statuses_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> dict[str, MeetingStatus]:
        """The status of each meeting `list_between` would return, by id, without reading
        the whole records: a sync only needs that much to find the meetings that vanished."""
        ...

    def list_by_status(
        self,
        status: MeetingStatus,
        start_from: datetime | None = None,
        start_to: datetime | None = None,
    ) -> list[Meeting]:
        """Meetings in `status`, ordered by start (the status-start_time index)."""
        ...

    def list_series(self, series_id: str) -> list[Meeting]: ...


class SeriesOverrideRepository(Protocol):
    """Meeting types the executive chose for a whole recurring series."""

    def get(self, series_id: str) -> str | None: ...

    def set(self, series_id: str, meeting_type: str, at: datetime) -> None: ...

    def all(self) -> dict[str, str]: ...


class ChatSessionRepository(Protocol):
    def get(self, session_id: str) -> ChatSession | None: ...

    def put(self, session: ChatSession) -> None: ...

    def update(
        self, session_id: str, change: Callable[[ChatSession], ChatSession]
    ) -> ChatSession | None:
        """As MeetingRepository.update: answers arriving and the wait attaching its token
        never lose each other's write."""
        ...

    def list_for_user(self, user_id: str, created_after: int = 0) -> list[ChatSession]:
        """Sessions of `user_id` created after the given epoch second, oldest first."""
        ...

    def find_for_meeting(self, meeting_id: str) -> list[ChatSession]: ...


class ActionItemRepository(Protocol):
    def put_many(self, items: Sequence[ActionItem]) -> None: ...

    def replace_for_meeting(self, meeting_id: str, items: Sequence[ActionItem]) -> None:
        """Make `items` the meeting's action items: the meeting's others go, all or none."""
        ...

    def get(self, item_id: str) -> ActionItem | None: ...

    def list(
        self,
        *,
        owner: str | None = None,
        open_only: bool = False,
        meeting_id: str | None = None,
        series_id: str | None = None,
    ) -> list[ActionItem]: ...


class DecisionRepository(Protocol):
    def put_many(self, decisions: Sequence[Decision]) -> None: ...

    def replace_for_meeting(self, meeting_id: str, decisions: Sequence[Decision]) -> None:
        """Make `decisions` the meeting's decisions: the meeting's others go, all or none."""
        ...

    def get(self, decision_id: str) -> Decision | None: ...

    def list(
        self,
        *,
        open_only: bool = False,
        meeting_id: str | None = None,
        series_id: str | None = None,
    ) -> list[Decision]: ...


class DeliveryRepository(Protocol):
    """The record of every message sent to the executive, by its stable key."""

    def get(self, key: str) -> Delivery | None: ...

    def put(self, delivery: Delivery) -> None: ...


class ChatThreadRepository(Protocol):
    """Which chat thread holds each topic (a meeting's prep, a day's digest)."""

    def get(self, topic: str) -> ChatThread | None: ...

    def put(self, thread: ChatThread) -> None:
        """Store it as the topic's thread, in place of the one stored before."""
        ...

    def find(self, channel: str, ts: str) -> ChatThread | None:
        """The thread whose root message is `ts` in `channel` (a reply arrived in it)."""
        ...


class CalendarStateRepository(Protocol):
    """What each calendar's last accepted fetch held."""

    def get(self, calendar_id: str) -> CalendarState | None: ...

    def put(self, state: CalendarState) -> None: ...


class DocumentStore(Protocol):
    """Documents under the bucket layout: meetings/{id}/..., sessions/, agents/, config/, temp/."""

    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> list[str]: ...

    def delete(self, key: str) -> None: ...

    def location(self, key: str) -> str:
        """Where a person can find the document (a path, an s3:// URL)."""
        ...


@dataclass(frozen=True)
class CalendarFetch:
    calendar_id: str
    name: str
    events: list[CalendarEvent]
    warnings: list[str] = field(default_factory=list)


class CalendarSource(Protocol):
    @property
    def calendar_id(self) -> str: ...

    @property
    def location(self) -> str:
        """The file path or URL, for messages."""
        ...

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        """Every event instance overlapping the window; raises CalendarUnavailable."""
        ...


class CalendarSnapshotRepository(Protocol):
    """The events and cursor each calendar API source kept from its last sync."""

    def get(self, location: str) -> CalendarSnapshot | None: ...

    def put(self, snapshot: CalendarSnapshot) -> None:
        """Store it in place of the location's earlier snapshot, whole or not at all."""
        ...

    def delete(self, location: str) -> None:
        """Forget the location's snapshot (the next sync is a full one); none is fine."""
        ...


class CredentialStore(Protocol):
    """The calendar APIs' OAuth authorizations, by provider (`google`, `microsoft`).

    An authorization is the authorized-user JSON object google-auth reads and writes (`token`,
    `refresh_token`, `token_uri`, `client_id`, `client_secret`, `expiry`, `scopes`, and
    `provider`); a refreshed access token is saved back. Locally the OS keyring or a 0600
    file, on AWS the `exec-assistant/calendar` secret.
    """

    @property
    def location(self) -> str:
        """Where the authorizations are kept, for messages (never a value)."""
        ...

    def load(self, provider: str) -> dict[str, Any] | None: ...

    def save(self, provider: str, authorization: Mapping[str, Any]) -> None: ...

    def delete(self, provider: str) -> None: ...


class ConsentRepository(Protocol):
    """The pending steps of connecting a calendar account on AWS (connect links given out,
    consents in flight), by stage and digest, each until its `expires_at`."""

    def add(self, pending: PendingConsent) -> None: ...

    def get(self, stage: ConsentStage, digest: str, valid_at: datetime) -> PendingConsent | None:
        """The step, unless it was spent or had expired by `valid_at`."""
        ...

    def take(self, stage: ConsentStage, digest: str, valid_at: datetime) -> PendingConsent | None:
        """Spend the step: it is returned to one caller only, however many ask at once (one
        atomic step); None when it is unknown, spent, or had expired by `valid_at`."""
        ...


class SignInLinkRepository(Protocol):
    """The web page's one-time sign-in links on one machine, by the digest of their token,
    each until its `expires_at`; shared by the processes of one data folder (the `serve`
    that checks them, the command that makes one)."""

    def add(self, digest: str, expires_at: datetime) -> None: ...

    def take(self, digest: str, valid_at: datetime) -> bool:
        """Spend the link: True for one caller only, however many ask at once, in one
        process or several; False when it is unknown, spent, or had expired by `valid_at`.
        Expired links may be removed along the way."""
        ...


@dataclass(frozen=True)
class IssuedTokens:
    """A token endpoint's answer to an authorization code."""

    access_token: str
    expires_in: float
    refresh_token: str | None
    scope: str | None
    """The granted scopes as it answered them (space-separated); None when it left them out."""


class AuthorizationCodeExchange(Protocol):
    def exchange(
        self, provider: str, token_endpoint: str, fields: Mapping[str, str], deadline: float
    ) -> IssuedTokens:
        """POST the grant's `fields` to the token endpoint by `deadline` (time.monotonic);
        ConsentExchangeFailed when no usable answer comes (`provider` names it in the
        message)."""
        ...


class IntegrationDoctor(Protocol):
    """Checks one configured integration for `exec-assistant doctor`: credentials present,
    reachable, scopes right, clock skew. It never raises: a failure is a failed check."""

    @property
    def name(self) -> str: ...

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]: ...


@dataclass(frozen=True)
class TrackedIssue:
    """An action item's issue in a tracker (Jira)."""

    key: str
    url: str
    done: bool = False


class TaskTracker(Protocol):
    """Where accepted action items become issues, and where their completion is read back."""

    @property
    def name(self) -> str: ...

    def create(self, item: ActionItem, meeting: Meeting | None) -> TrackedIssue:
        """Create the item's issue (its owner as assignee, its due date); raises on failure
        (TrackerUnavailable when no request can succeed just now). An item whose issue was
        created before, by a run that stopped before storing its key, gets that issue back:
        never a second one."""
        ...

    def states(self, keys: Sequence[str]) -> dict[str, TrackedIssue]:
        """The issues among `keys` that exist, by key, with whether each is done; a key that
        no longer exists is left out, not an error."""
        ...


class ContextProvider(Protocol):
    """One system of record (budget, big rocks, incidents, staffing, decisions, history)."""

    @property
    def name(self) -> str: ...

    def gather(self, request: ContextRequest) -> ContextResult:
        """Facts for this meeting; raises on failure (the caller reports it as unavailable)."""
        ...


class ChatChannel(Protocol):
    """Where the executive is asked, and where packs and reminders go (terminal, outbox).

    Every message carries its stable `key` (the prep and the state sending it): a message may
    be handed over again after a crash, with the same key, and the receiving end can drop the
    copy. Transport failures raise; the workflow retries them.
    """

    @property
    def name(self) -> str: ...

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        """Send the prep questions; the answers by number when the channel has them at once
        (a person at the terminal, an answers file), None when they arrive later."""
        ...

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None: ...

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None: ...

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        """A short notice about the meeting's prep (the wait for answers ended, say)."""
        ...

    def follow_up(
        self, meeting: Meeting, session: ChatSession, follow_up: FollowUpTurn, key: str
    ) -> str | None:
        """Ask one follow-up question on an answer; its answer when the channel has it at once
        ("" for none given), None when it arrives later (as an answer to its question's
        number)."""
        ...

    def ask_for_notes(self, meeting: Meeting, key: str) -> None:
        """The meeting has ended: ask the executive for its notes (and say how to give
        them on this channel)."""
        ...

    def notify(self, text: str, key: str) -> None:
        """A notice about no one meeting (a calendar's authorization has expired)."""
        ...


@dataclass(frozen=True)
class GeneratedPack:
    pack: PrepPack
    calls: tuple[ModelCall, ...] = ()
    """The model calls that went into it, the rejected drafts' included."""


class PackGenerator(Protocol):
    """Writes the prep pack: an agent on a model, or the offline generator.

    A generator that cannot give a pack it trusts raises `PackRejected` with the reason and
    the calls it made; the caller then writes the offline pack.
    """

    @property
    def name(self) -> str: ...

    @property
    def destination(self) -> ModelDestination:
        """Where the meeting's content goes: checked against the private providers first."""
        ...

    def generate(self, inputs: PackInputs) -> GeneratedPack: ...


@dataclass(frozen=True)
class AnswerReview:
    follow_up: FollowUp | None = None
    """The one question to ask, or None: the answers are concrete enough to prepare from."""
    calls: tuple[ModelCall, ...] = ()
    failure: str | None = None
    """Why the review gave no verdict (the model failed or ran out of time)."""


class AnswerReviewer(Protocol):
    """Reads the prep answers so far and decides whether one is too vague to prepare from
    ("the incident", "same as last time"), and what single short question would make it
    concrete. It returns within its own time limit; a failure is reported in the review, not
    raised."""

    @property
    def name(self) -> str: ...

    @property
    def destination(self) -> ModelDestination:
        """Where the answers go: checked against the private providers first."""
        ...

    def review(
        self, meeting: Meeting, meeting_type: MeetingType, session: ChatSession
    ) -> AnswerReview: ...


@dataclass(frozen=True)
class ReadNotes:
    """What a notes reader found, beside the parser's extraction (which it may extend)."""

    extraction: NotesExtraction
    calls: tuple[ModelCall, ...] = ()
    read_by: str = "parser"
    dropped: tuple[str, ...] = ()
    """Why items the model gave were not kept (a quote not in the notes)."""


class NotesReader(Protocol):
    """Turns a meeting's notes into a summary, decisions and action items: the parser alone,
    or an agent whose items are checked against the notes and merged with the parser's."""

    @property
    def name(self) -> str: ...

    @property
    def destination(self) -> ModelDestination: ...

    def read(self, notes: str, meeting: Meeting, parsed: NotesExtraction) -> ReadNotes: ...


class ReminderScheduler(Protocol):
    """Sends a prep's final reminder at its time from outside the workflow (EventBridge
    Scheduler on AWS), so that the workflow need not stay open until then."""

    def schedule(self, request: PrepRequest, remind_at: datetime) -> None:
        """Have SendFinalReminder run with `request` at `remind_at`, in place of any schedule
        this prep had before."""
        ...

    def cancel(self, prep_id: str) -> None:
        """Drop the prep's schedule; nothing happens when it has none."""
        ...


class SecretStore(Protocol):
    """API keys and tokens: the environment locally, Secrets Manager on AWS."""

    def get(self, name: str) -> str | None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class SeenEventRepository(Protocol):
    """The ids of the chat events already handled, so a retried event is handled once."""

    def first_seen(self, event_id: str, expires_at: int) -> bool:
        """Record `event_id` until `expires_at` (Unix seconds) and say whether this is its first
        sighting: True once, False for every later call until the record expires (then True
        again, once). The check and the record are one atomic step, so two processes handling
        the same retry cannot both get True. Expired records may be purged along the way."""
        ...


class PrepRunState(StrEnum):
    RUNNING = "running"
    """Started, working or waiting (for answers, for the reminder's time)."""
    SUCCEEDED = "succeeded"
    """Done, or stopped because there was nothing more to do."""
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PrepRun:
    workflow_id: str
    state: PrepRunState
    outcome: PrepOutcome | None = None
    """How it ended, once it has."""
    error: str | None = None


class PrepEngine(Protocol):
    """Runs prep workflows from the workflow spec: DBOS on one machine, Step Functions on
    AWS."""

    def start(self, request: PrepRequest) -> None:
        """Start the workflow `request.workflow_id`; starting it again starts nothing."""
        ...

    def deliver_answers(self, task_token: str, answers: AnswersRecorded) -> None:
        """Complete the wait for answers that attached `task_token`."""
        ...

    def cancel(self, workflow_id: str) -> None:
        """Stop the workflow; nothing more is sent for it. Unknown ids are ignored."""
        ...

    def status(self, workflow_id: str) -> PrepRun | None:
        """Where the workflow is; None for one never started."""
        ...

    def retry(self, failed_workflow_id: str | None, request: PrepRequest) -> None:
        """Start a fresh attempt (`request`, a new workflow id) of a prep whose last attempt
        failed or was lost; the old one is stopped first if it is still about."""
        ...


@dataclass(frozen=True)
class SecretDescription:
    """A secret as its rotation sees it: its name, whether rotation is on, and the stages of
    each version (version id → stages)."""

    name: str
    rotation_enabled: bool
    stages: Mapping[str, tuple[str, ...]]

    def version_at(self, stage: str) -> str | None:
        """The id of the version that has `stage`; None when none has."""
        for version, stages in self.stages.items():
            if stage in stages:
                return version
        return None


class SecretVersions(Protocol):
    """The versions of the secrets a rotation function rotates. A refusal raises
    SecretUnavailable, naming the secret and never its value."""

    def describe(self, secret_id: str) -> SecretDescription: ...

    def value(self, secret_id: str, stage: str, version_id: str | None = None) -> str | None:
        """The secret string at `stage` (of `version_id`, when given); None when that version
        has no value yet."""
        ...

    def put_pending(
        self, secret_id: str, version_id: str, value: str, rotation_token: str | None
    ) -> None:
        """`value` as version `version_id`, staged AWSPENDING."""
        ...

    def move_current(self, secret_id: str, to_version: str, from_version: str) -> None:
        """AWSCURRENT to `to_version` (AWSPREVIOUS to `from_version`), then AWSPENDING off
        `to_version`."""
        ...


class CredentialRenewal(Protocol):
    """One kind of credentials a secret holds, renewed at its provider. The methods raise
    RotationRefused, CredentialsRejected or ProviderUnavailable for `scope`, and answer by
    `scope.deadline`."""

    kind: str
    """What it renews, for messages ("the calendar's OAuth tokens")."""

    def holds(self, value: Mapping[str, Any]) -> bool:
        """Whether the secret's JSON object is of this kind."""
        ...

    def renew(self, current: Mapping[str, Any], scope: RotationScope) -> dict[str, Any]:
        """The next value of the secret: new tokens from the provider, the rest kept."""
        ...

    def check(
        self, pending: Mapping[str, Any], current: Mapping[str, Any], scope: RotationScope
    ) -> None:
        """Raise unless `pending` is usable in place of `current`."""
        ...
