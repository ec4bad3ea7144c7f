"""Decisions, action items and a summary, read from a meeting's notes by explicit conventions.

Only what the notes state is extracted: a checkbox, a marker ("ACTION:", "Decision:"), an
assignment ("Priya to send ...", "@marcus will ..."), a bullet under a heading that says what
its bullets are, or an instruction in a paragraph under such a heading. Discussion, hedges and
questions are left alone, because an assistant that invents work it then chases people about
is worse than one that misses a line.

The package reads notes in stages: `outline` (headings, bullets, paragraphs, markers),
`extraction` (items from blocks), with `fields`, `owners` and `dates` for what an item
carries, and `summary`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from exec_assistant.domain.models import Attendee
from exec_assistant.domain.notes.dates import resolve_due
from exec_assistant.domain.notes.extraction import block_items, unique
from exec_assistant.domain.notes.model import (
    Context,
    ExtractedActionItem,
    ExtractedDecision,
    NotesExtraction,
)
from exec_assistant.domain.notes.outline import blocks, source_lines
from exec_assistant.domain.notes.owners import resolve_owner
from exec_assistant.domain.notes.summary import summary

__all__ = [
    "ExtractedActionItem",
    "ExtractedDecision",
    "NotesExtraction",
    "parse_notes",
    "resolve_due",
    "resolve_owner",
    "source_lines",
]


def parse_notes(text: str, meeting_date: date, attendees: Sequence[Attendee]) -> NotesExtraction:
    """The decisions, action items and summary the notes state, each with its source line.

    Lines are numbered as an editor numbers them: LF, CRLF and a lone CR each end a line.
    """
    ctx = Context(meeting_date, tuple(attendees))
    found_blocks = blocks(text)
    items = unique([item for block in found_blocks for item in block_items(block, ctx)])
    decisions = tuple(i for i in items if isinstance(i, ExtractedDecision))
    actions = tuple(i for i in items if isinstance(i, ExtractedActionItem))
    return NotesExtraction(
        summary(found_blocks, ctx, len(decisions), len(actions)), decisions, actions
    )
