"""What a model says the notes hold, checked against the notes and merged with the parser's.

A model reads notes better than conventions do, and it also invents. So every item it gives
must quote the line it came from, and only what the notes support is kept: an item whose
quote is not in the notes goes (with the reason), an owner who is not an attendee stays as
written and unresolved, a due date is the parser's reading of the words the notes use.
Where the parser found something on the same line, the parser's item is the one kept.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from pydantic import BaseModel, Field

from exec_assistant.domain.models import Attendee
from exec_assistant.domain.notes.dates import due_from_text, resolve_due
from exec_assistant.domain.notes.model import (
    ExtractedActionItem,
    ExtractedDecision,
    NotesExtraction,
)
from exec_assistant.domain.notes.outline import blocks
from exec_assistant.domain.notes.owners import resolve_owner

__all__ = [
    "MAX_ITEMS",
    "CheckedNotes",
    "DraftActionItem",
    "DraftDecision",
    "NotesDraft",
    "check_draft",
    "clean_text",
    "without_controls",
]

MAX_ITEMS = 50
"""Decisions, and action items, kept from one model answer (each)."""
MIN_QUOTE_CHARS = 8
MIN_QUOTE_WORDS = 2
TEXT_LIMIT = 500
SUMMARY_LIMIT = 2000
_QUOTE_LIMIT = 1000
_SHOWN = 60
"""Characters of an item's text or quote named in a reason."""


class DraftDecision(BaseModel):
    text: str = Field(description="The decision in one sentence, in the notes' own words.")
    quote: str = Field(
        description="The exact words of the notes this decision comes from, copied "
        "character for character from one numbered line (without its line number)."
    )
    pending: bool = Field(
        default=False,
        description="true when the notes say the decision is still to be made (open, "
        "pending, needed, to decide); false when it was made.",
    )


class DraftActionItem(BaseModel):
    text: str = Field(description="What is to be done, in one sentence, without owner or date.")
    owner: str | None = Field(
        default=None,
        description="Who does it, exactly as the notes write the name (e.g. 'Priya', "
        "'@marcus', 'Sam Okafor'); null when the notes name nobody. Never guess.",
    )
    due: str | None = Field(
        default=None,
        description="The deadline exactly as the notes write it (e.g. 'next Friday', "
        "'by 12/20', 'EOW'); null when the notes give none. Never compute a date.",
    )
    done: bool = Field(default=False, description="true when the notes mark it done.")
    quote: str = Field(
        description="The exact words of the notes this item comes from, copied character "
        "for character from one numbered line (without its line number)."
    )


class NotesDraft(BaseModel):
    """The summary, decisions and action items of a meeting's notes."""

    summary: str = Field(
        default="", description="Two to four sentences: what the meeting covered and concluded."
    )
    decisions: list[DraftDecision] = Field(
        default_factory=list, description=f"Decisions made or still open, at most {MAX_ITEMS}."
    )
    action_items: list[DraftActionItem] = Field(
        default_factory=list,
        description=f"Things someone committed to do, at most {MAX_ITEMS}.",
    )


@dataclass(frozen=True)
class CheckedNotes:
    extraction: NotesExtraction
    dropped: tuple[str, ...]
    """Why items of the draft were not kept, one sentence each."""


# Controls (C0, DEL, C1), bidirectional overrides and lone surrogates: never part of a text
# shown to a person or stored for the next prep.
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff]"
)
_SPACES = re.compile(r"\s+")


def without_controls(text: str) -> str:
    """`text` with each control character a space (tabs and line breaks included)."""
    return _CONTROLS.sub(" ", text)


def clean_text(text: str, limit: int = TEXT_LIMIT, *, multiline: bool = False) -> str:
    """`text` without control characters, its spaces collapsed, cut to `limit` characters."""
    if multiline:
        lines = (clean_text(line, limit) for line in re.split(r"\r\n|\r|\n", text[: limit * 2]))
        kept = "\n".join(line for line in lines if line)
    else:
        kept = _SPACES.sub(" ", _CONTROLS.sub(" ", text[: limit * 2])).strip()
    if len(kept) <= limit:
        return kept
    return kept[: limit - 1].rstrip() + "…"


_TYPOGRAPHY = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "•": "-"}
)
# Markers at the start of a line that the model may or may not copy: quote marks, a heading,
# a bullet, a checkbox.
_LINE_MARKERS = re.compile(
    r"^\s*(?:>\s*)*(?:#{1,6}\s+)?(?:(?:[-*+]|\d{1,3}[.)])\s+)?(?:\[[ xX]?\]\s*)?"
)
_EMPHASIS = re.compile(r"\*\*|__|~~|`|\*")
_QUOTE_EDGES = " \"'.,;:!?()"


def _normal(text: str) -> str:
    """Text as compared: NFKC, straight quotes and dashes, no emphasis, casefolded, spaces
    collapsed."""
    text = unicodedata.normalize("NFKC", _CONTROLS.sub(" ", text)).translate(_TYPOGRAPHY)
    return _SPACES.sub(" ", _EMPHASIS.sub("", text)).strip().casefold()


def _normal_line(line: str) -> str:
    return _normal(_LINE_MARKERS.sub("", line.translate(_TYPOGRAPHY), count=1))


def _normal_quote(quote: str) -> str:
    # A quote copied across a wrapped line may carry the next line's bullet: strip each part.
    parts = [_normal_line(part) for part in re.split(r"\r\n|\r|\n", quote)]
    return " ".join(p for p in parts if p).strip(_QUOTE_EDGES)


class _Notes:
    """The notes as the checks search them: each line normalised, joined by single spaces,
    with where each line starts; a bullet's wrapped lines count as the bullet's line."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.numbers: list[int] = []
        parts: list[str] = []
        offset = 0
        for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
            normal = _normal_line(line)
            if not normal:
                continue
            self.starts.append(offset)
            self.numbers.append(number)
            parts.append(normal)
            offset += len(normal) + 1
        self.text = " ".join(parts)
        # The parser cites a bullet by its first line, wherever in it a phrase is.
        self.bullet_line = {
            piece.line: block.line
            for block in blocks(text)
            if block.bullet
            for piece in block.pieces
        }

    def lines_of(self, quote: str) -> list[int]:
        """The lines (1-based, as the parser numbers them) where `quote` starts."""
        found: list[int] = []
        at = self.text.find(quote) if quote else -1
        while at >= 0 and len(found) < MAX_ITEMS:
            line = self.numbers[bisect.bisect_right(self.starts, at) - 1]
            found.append(self.bullet_line.get(line, line))
            at = self.text.find(quote, at + 1)
        return list(dict.fromkeys(found))

    def names(self, phrase: str) -> bool:
        """Whether `phrase` is written in the notes as whole words."""
        normal = _normal(phrase).lstrip("@")
        if not normal:
            return False
        pattern = rf"(?<![\w@.]){re.escape(normal)}(?![\w@])"
        return re.search(pattern, self.text) is not None


def _shown(text: str) -> str:
    return clean_text(text, _SHOWN)


def _quote_problem(kind: str, text: str, quote: str) -> str | None:
    normal = _normal_quote(quote)
    if len(normal) < MIN_QUOTE_CHARS or len(normal.split()) < MIN_QUOTE_WORDS:
        return (
            f"{kind} '{_shown(text)}': its quote '{_shown(quote)}' is too short to find "
            f"in the notes (at least {MIN_QUOTE_CHARS} characters and {MIN_QUOTE_WORDS} words)"
        )
    return None


def _attendee_named(email: str, attendees: Sequence[Attendee], notes: _Notes) -> bool:
    """Whether the notes name this attendee: by full, first or last name, email or handle."""
    for attendee in attendees:
        if attendee.email != email:
            continue
        local = attendee.email.partition("@")[0]
        names = [attendee.email, local, *re.split(r"[._-]+", local)]
        if attendee.name:
            names += [attendee.name, *attendee.name.split()]
        return any(len(n) > 1 and notes.names(n) for n in names)
    return False


@dataclass
class _Merge:
    notes: _Notes
    meeting_date: date
    attendees: Sequence[Attendee]
    parser_lines: set[int]
    seen: set[tuple[str, str]]
    claimed: set[tuple[str, int]]
    dropped: list[str]

    def line_for(self, kind: str, text: str, quote: str) -> int | None:
        """The line the quote comes from, or None (with the reason) when it is no good."""
        if (problem := _quote_problem(kind, text, quote)) is not None:
            self.dropped.append(problem)
            return None
        lines = self.notes.lines_of(_normal_quote(quote[:_QUOTE_LIMIT]))
        if not lines:
            self.dropped.append(
                f"{kind} '{_shown(text)}': its quote '{_shown(quote)}' is not in the notes"
            )
            return None
        # The same words on several lines: the first one no other item of this kind took.
        return next((n for n in lines if (kind, n) not in self.claimed), lines[0])

    def is_new(self, kind: str, text: str, line: int) -> bool:
        """False for what the parser found on that line, or an item already kept."""
        key = (kind, _normal(text).rstrip("."))
        if line in self.parser_lines or key in self.seen:
            return False
        self.seen.add(key)
        self.claimed.add((kind, line))
        return True

    def decision(self, draft: DraftDecision) -> ExtractedDecision | None:
        text = clean_text(draft.text)
        if not text:
            self.dropped.append(f"a decision without text (quote '{_shown(draft.quote)}')")
            return None
        line = self.line_for("decision", text, draft.quote)
        if line is None or not self.is_new("decision", text, line):
            return None
        return ExtractedDecision(text, line, draft.pending)

    def action(self, draft: DraftActionItem) -> ExtractedActionItem | None:
        text = clean_text(draft.text)
        if not text:
            self.dropped.append(f"an action item without text (quote '{_shown(draft.quote)}')")
            return None
        line = self.line_for("action item", text, draft.quote)
        if line is None or not self.is_new("action item", text, line):
            return None
        owner, resolved = self.owner(text, draft.owner)
        return ExtractedActionItem(
            text, owner, resolved, self.due(text, draft.due), draft.done, line
        )

    def owner(self, text: str, written: str | None) -> tuple[str | None, bool]:
        """The attendee's email, or the name as written (unresolved); None when the notes do
        not name that person at all: a model's guess is not an owner."""
        name = clean_text(written or "", 200)
        if not name:
            return None, False
        who, resolved = resolve_owner(name, self.attendees)
        named = self.notes.names(who) or self.notes.names(name)
        if resolved and not named:
            named = _attendee_named(who, self.attendees, self.notes)
        if not named:
            self.dropped.append(
                f"owner '{_shown(name)}' of action item '{_shown(text)}': not named in the "
                "notes, so the item is kept without an owner"
            )
            return None, False
        return (who or None), resolved and bool(who)

    def due(self, text: str, written: str | None) -> date | None:
        """The parser's reading of the deadline the notes write; None when it has none."""
        phrase = clean_text(written or "", 200)
        if not phrase:
            return None
        if not self.notes.names(_DUE_LEAD.sub("", phrase)):
            self.dropped.append(
                f"due '{_shown(phrase)}' of action item '{_shown(text)}': not written in the "
                "notes, so the item is kept without a due date"
            )
            return None
        return resolve_due(phrase, self.meeting_date) or due_from_text(phrase, self.meeting_date)[1]


_DUE_LEAD = re.compile(
    r"^(?:due\s*:?\s*(?:by\s+|on\s+)?|by\s+|before\s+|no\s+later\s+than\s+)", re.I
)


_Draft = TypeVar("_Draft", DraftDecision, DraftActionItem)


def _capped(drafts: Sequence[_Draft], noun: str, dropped: list[str]) -> Sequence[_Draft]:
    if len(drafts) > MAX_ITEMS:
        dropped.append(
            f"{len(drafts) - MAX_ITEMS} {noun} past the first {MAX_ITEMS} the model gave "
            "were not read"
        )
    return drafts[:MAX_ITEMS]


def check_draft(
    draft: NotesDraft,
    notes_text: str,
    meeting_date: date,
    attendees: Sequence[Attendee],
    parsed: NotesExtraction,
) -> CheckedNotes:
    """The parser's items and the draft's items the notes support, in line order.

    `notes_text` is what the model read; each kept item cites the line its quote starts on
    (a bullet's first line, as the parser cites it).
    """
    dropped: list[str] = []
    parser_lines = {d.source_line for d in parsed.decisions}
    parser_lines |= {a.source_line for a in parsed.action_items}
    seen = {("decision", _normal(d.text).rstrip(".")) for d in parsed.decisions}
    seen |= {("action item", _normal(a.text).rstrip(".")) for a in parsed.action_items}
    merge = _Merge(_Notes(notes_text), meeting_date, attendees, parser_lines, seen, set(), dropped)
    decisions = [
        found
        for d in _capped(draft.decisions, "decisions", dropped)
        if (found := merge.decision(d)) is not None
    ]
    actions = [
        item
        for a in _capped(draft.action_items, "action items", dropped)
        if (item := merge.action(a)) is not None
    ]
    summary = clean_text(draft.summary, SUMMARY_LIMIT) or parsed.summary
    return CheckedNotes(
        NotesExtraction(
            summary,
            tuple(sorted((*parsed.decisions, *decisions), key=lambda d: d.source_line)),
            tuple(sorted((*parsed.action_items, *actions), key=lambda a: a.source_line)),
        ),
        tuple(dropped),
    )
