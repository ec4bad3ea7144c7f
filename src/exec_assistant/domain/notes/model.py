"""What the notes parser gives back, what it knows of the meeting, and a helper its parts share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from exec_assistant.domain.models import Attendee

__all__ = [
    "Context",
    "ExtractedActionItem",
    "ExtractedDecision",
    "Item",
    "NotesExtraction",
    "words",
]


@dataclass(frozen=True)
class ExtractedDecision:
    text: str
    source_line: int
    pending: bool = False


@dataclass(frozen=True)
class ExtractedActionItem:
    text: str
    owner: str | None
    owner_resolved: bool
    due: date | None
    done: bool
    source_line: int


@dataclass(frozen=True)
class NotesExtraction:
    summary: str
    decisions: tuple[ExtractedDecision, ...]
    action_items: tuple[ExtractedActionItem, ...]


Item = ExtractedDecision | ExtractedActionItem


@dataclass(frozen=True)
class Context:
    """The meeting the notes belong to: dates count from its day, owners resolve to its people."""

    meeting_date: date
    attendees: tuple[Attendee, ...]


def words(text: str) -> frozenset[str]:
    """The words of a list written as one string, for the parser's word lists."""
    return frozenset(text.split())
