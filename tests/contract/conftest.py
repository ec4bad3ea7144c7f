"""Contract fixtures: every repository port, once per adapter.

To run the suites against another adapter, add one entry to BACKENDS: a context manager that
takes the test's tmp_path and a way to ask for another fixture (`aws`, say) and yields a
Repositories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
    DynamoSeriesOverrideRepository,
)
from exec_assistant.adapters.aws.tables import (
    CHAT_SESSIONS,
    FOLLOW_UPS,
    MEETINGS,
    STATE,
)
from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
from exec_assistant.adapters.local.sqlite_repositories import (
    SqliteActionItemRepository,
    SqliteCalendarStateRepository,
    SqliteChatSessionRepository,
    SqliteChatThreadRepository,
    SqliteDecisionRepository,
    SqliteDeliveryRepository,
    SqliteMeetingRepository,
    SqliteSeriesOverrideRepository,
)
from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryCalendarStateRepository,
    InMemoryChatSessionRepository,
    InMemoryChatThreadRepository,
    InMemoryDecisionRepository,
    InMemoryDeliveryRepository,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.domain.models import (
    ActionItem,
    Attendee,
    ChatSession,
    Decision,
    Meeting,
    MeetingStatus,
    ModelCall,
    ResponseStatus,
)
from exec_assistant.ports import (
    ActionItemRepository,
    CalendarStateRepository,
    ChatSessionRepository,
    ChatThreadRepository,
    DecisionRepository,
    DeliveryRepository,
    MeetingRepository,
    SeriesOverrideRepository,
)

from dynamo_tables import dynamodb_tables
from moto_server import AwsEndpoint

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
"""A whole-second instant the test data is placed around."""


@dataclass(frozen=True)
class Repositories:
    meetings: MeetingRepository
    overrides: SeriesOverrideRepository
    chat_sessions: ChatSessionRepository
    action_items: ActionItemRepository
    decisions: DecisionRepository
    deliveries: DeliveryRepository
    calendar_states: CalendarStateRepository
    chat_threads: ChatThreadRepository


FixtureLookup = Callable[[str], Any]
"""`request.getfixturevalue`: a backend asks for the fixtures it needs, and only it starts them."""
BackendFactory = Callable[[Path, FixtureLookup], AbstractContextManager[Repositories]]


@contextmanager
def _memory_backend(tmp_path: Path, fixture: FixtureLookup) -> Iterator[Repositories]:
    yield Repositories(
        meetings=InMemoryMeetingRepository(),
        overrides=InMemorySeriesOverrideRepository(),
        chat_sessions=InMemoryChatSessionRepository(),
        action_items=InMemoryActionItemRepository(),
        decisions=InMemoryDecisionRepository(),
        deliveries=InMemoryDeliveryRepository(),
        calendar_states=InMemoryCalendarStateRepository(),
        chat_threads=InMemoryChatThreadRepository(),
    )


@contextmanager
def _sqlite_backend(tmp_path: Path, fixture: FixtureLookup) -> Iterator[Repositories]:
    db = SqliteDatabase(tmp_path / "db.sqlite3")
    try:
        yield Repositories(
            meetings=SqliteMeetingRepository(db),
            overrides=SqliteSeriesOverrideRepository(db),
            chat_sessions=SqliteChatSessionRepository(db),
            action_items=SqliteActionItemRepository(db),
            decisions=SqliteDecisionRepository(db),
            deliveries=SqliteDeliveryRepository(db),
            calendar_states=SqliteCalendarStateRepository(db),
            chat_threads=SqliteChatThreadRepository(db),
        )
    finally:
        db.close()


@contextmanager
def _dynamodb_backend(tmp_path: Path, fixture: FixtureLookup) -> Iterator[Repositories]:
    aws: AwsEndpoint = fixture("aws")
    with dynamodb_tables(aws, MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE) as (client, names):
        meetings, sessions, follow_ups, state = names
        yield Repositories(
            meetings=DynamoMeetingRepository(client, meetings),
            overrides=DynamoSeriesOverrideRepository(client, state),
            chat_sessions=DynamoChatSessionRepository(client, sessions),
            action_items=DynamoActionItemRepository(client, follow_ups),
            decisions=DynamoDecisionRepository(client, follow_ups),
            deliveries=DynamoDeliveryRepository(client, state),
            calendar_states=DynamoCalendarStateRepository(client, state),
            chat_threads=DynamoChatThreadRepository(client, state),
        )


BACKENDS: dict[str, BackendFactory] = {
    "memory": _memory_backend,
    "sqlite": _sqlite_backend,
    "dynamodb": _dynamodb_backend,
}


@pytest.fixture(params=list(BACKENDS))
def repositories(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repositories]:
    with BACKENDS[request.param](tmp_path, request.getfixturevalue) as repos:
        yield repos


@pytest.fixture
def meetings(repositories: Repositories) -> MeetingRepository:
    return repositories.meetings


@pytest.fixture
def overrides(repositories: Repositories) -> SeriesOverrideRepository:
    return repositories.overrides


@pytest.fixture
def chat_sessions(repositories: Repositories) -> ChatSessionRepository:
    return repositories.chat_sessions


@pytest.fixture
def action_items(repositories: Repositories) -> ActionItemRepository:
    return repositories.action_items


@pytest.fixture
def decisions(repositories: Repositories) -> DecisionRepository:
    return repositories.decisions


@pytest.fixture
def deliveries(repositories: Repositories) -> DeliveryRepository:
    return repositories.deliveries


@pytest.fixture
def calendar_states(repositories: Repositories) -> CalendarStateRepository:
    return repositories.calendar_states


@pytest.fixture
def chat_threads(repositories: Repositories) -> ChatThreadRepository:
    return repositories.chat_threads


# Builders: a valid record with only what the test cares about spelled out. The tests get them
# through the make_* fixtures below (importing a conftest by name is not reliable).


def build_meeting(meeting_id: str = "mtg_0001", **overrides: Any) -> Meeting:
    start = overrides.pop("start", T0)
    fields: dict[str, Any] = {
        "meeting_id": meeting_id,
        "calendar_id": "cal_work",
        "series_id": f"ser_{meeting_id}",
        "source_uid": f"{meeting_id}@calendar.example",
        "title": f"Meeting {meeting_id}",
        "start": start,
        "end": start + timedelta(minutes=30),
        "timezone": "America/New_York",
        "discovered_at": T0 - timedelta(days=7),
        "updated_at": T0 - timedelta(days=7),
    }
    fields.update(overrides)
    return Meeting(**fields)


def build_full_meeting(meeting_id: str = "mtg_full") -> Meeting:
    """A meeting with every optional field set."""
    return build_meeting(
        meeting_id,
        series_id="ser_board",
        recurrence_id=T0,
        title="Board prep",
        description="Line one\nLine two — with ünïcode",
        location="Room 4 / https://meet.example/abc",
        start=T0,
        end=T0 + timedelta(minutes=45),
        all_day=False,
        organizer=Attendee(email="ceo@northwind.example", name="Casey", response="accepted"),
        attendees=(
            Attendee(email="ceo@northwind.example", name="Casey", response="accepted"),
            Attendee(email="priya@partner.example", response=ResponseStatus.TENTATIVE),
            Attendee(email="sam@northwind.example", name="Sam", response="declined"),
        ),
        meeting_type="board",
        classification_reason="title mentions board",
        type_overridden=True,
        status=MeetingStatus.MATERIALS_READY,
        skip_reason="not skipped, just testing the field",
        # Given in New York time; the record keeps the instant, in UTC.
        prep_at=datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("America/New_York")),
        reminder_at=T0 - timedelta(minutes=15),
        workflow_id="wf-123",
        pack_location="meetings/mtg_full/pack.md",
        generated_by="template",
        fallback_reason="the model's pack named someone not invited",
        model_calls=(
            ModelCall(
                purpose="pack",
                provider="anthropic",
                model_id="claude-sonnet-4-6",
                input_tokens=1200,
                output_tokens=300,
                cache_read_tokens=800,
                cost_usd=0.00834,
                seconds=4.5,
                at=T0 - timedelta(days=3),
            ),
        ),
        discovered_at=T0 - timedelta(days=10),
        updated_at=T0 - timedelta(days=2),
    )


def build_session(session_id: str = "ses_1", **overrides: Any) -> ChatSession:
    fields: dict[str, Any] = {
        "session_id": session_id,
        "user_id": "U_EXEC",
        "meeting_id": "mtg_0001",
        "channel": "D123",
        "created_at": 1_780_000_000,
        "expires_at": 1_780_086_400,
    }
    fields.update(overrides)
    return ChatSession(**fields)


def build_item(item_id: str = "act_1", **overrides: Any) -> ActionItem:
    fields: dict[str, Any] = {
        "item_id": item_id,
        "meeting_id": "mtg_0001",
        "text": f"Do {item_id}",
        "source_line": 1,
        "created_at": T0,
    }
    fields.update(overrides)
    return ActionItem(**fields)


def build_decision(decision_id: str = "dec_1", **overrides: Any) -> Decision:
    fields: dict[str, Any] = {
        "decision_id": decision_id,
        "meeting_id": "mtg_0001",
        "text": f"Decide {decision_id}",
        "created_at": T0,
    }
    fields.update(overrides)
    return Decision(**fields)


@pytest.fixture
def make_meeting() -> Callable[..., Meeting]:
    return build_meeting


@pytest.fixture
def make_full_meeting() -> Callable[..., Meeting]:
    return build_full_meeting


@pytest.fixture
def make_session() -> Callable[..., ChatSession]:
    return build_session


@pytest.fixture
def make_item() -> Callable[..., ActionItem]:
    return build_item


@pytest.fixture
def make_decision() -> Callable[..., Decision]:
    return build_decision
