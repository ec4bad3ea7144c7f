"""Context from the assistant's own records: the decision register and meeting history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
)
from exec_assistant.context.store import DecisionsContextProvider, HistoryContextProvider
from exec_assistant.domain.context import ContextRequest
from exec_assistant.domain.models import (
    ActionItem,
    Decision,
    DecisionStatus,
    Meeting,
    MeetingStatus,
)

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
PRIYA = "priya.raman@northwind.example"


def request(**changes: object) -> ContextRequest:
    base = {
        "meeting_id": "mtg_next",
        "series_id": "ser_lt",
        "meeting_type": "leadership_team",
        "title": "Leadership team",
        "start": NOW + timedelta(days=1),
        "now": NOW,
        "people": (PRIYA,),
    }
    return ContextRequest.model_validate({**base, **changes})


def decision(decision_id: str, status: DecisionStatus, days_ago: int) -> Decision:
    return Decision(
        decision_id=decision_id,
        meeting_id="mtg_last",
        series_id="ser_lt",
        text=f"Decision {decision_id}",
        status=status,
        source_line=3,
        created_at=NOW - timedelta(days=days_ago),
    )


def test_pending_and_recent_decisions() -> None:
    repo = InMemoryDecisionRepository()
    repo.put_many(
        [
            decision("d1", DecisionStatus.PENDING, 2),
            decision("d2", DecisionStatus.DECIDED, 7),
            decision("d3", DecisionStatus.DECIDED, 60),
        ]
    )
    result = DecisionsContextProvider(repo).gather(request())
    assert result.facts[0] == "1 decision pending across your meetings."
    assert "Pending: Decision d1" in result.facts
    assert any(f.endswith("Decision d2") and f.startswith("Decided 30 Nov") for f in result.facts)
    assert not any("d3" in f for f in result.facts)  # older than 30 days
    assert result.highlights == ("Pending decision: Decision d1",)


def test_history_gives_the_last_notes_and_what_people_owe() -> None:
    meetings = InMemoryMeetingRepository()
    last = Meeting(
        meeting_id="mtg_last",
        calendar_id="c",
        series_id="ser_lt",
        source_uid="u",
        title="Leadership team",
        start=NOW - timedelta(days=6),
        end=NOW - timedelta(days=6),
        timezone="UTC",
        status=MeetingStatus.COMPLETED,
        discovered_at=NOW,
        updated_at=NOW,
    )
    meetings.put(last)
    documents = InMemoryDocumentStore()
    documents.put(
        "meetings/mtg_last/followup.json",
        json.dumps({"summary": "Agreed the QBR story."}).encode(),
    )
    items = InMemoryActionItemRepository()
    items.put_many(
        [
            ActionItem(
                item_id="a1",
                meeting_id="mtg_last",
                series_id="ser_lt",
                text="Draft deck",
                owner=PRIYA,
                owner_resolved=True,
                source_line=9,
                created_at=NOW - timedelta(days=6),
            ),
        ]
    )
    result = HistoryContextProvider(meetings, items, documents).gather(request())
    assert result.facts == (
        "Last time (Tue 01 Dec): Agreed the QBR story.",
        "1 open action item from earlier meetings of this series.",
        f"{PRIYA} has 1 open action item.",
    )


def test_history_of_a_first_meeting() -> None:
    result = HistoryContextProvider(
        InMemoryMeetingRepository(), InMemoryActionItemRepository(), InMemoryDocumentStore()
    ).gather(request(people=()))
    assert result.facts[0] == "No earlier notes for this meeting series."
