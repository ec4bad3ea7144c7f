"""The summary of the notes: what they say under a Summary heading, else their first prose."""

from __future__ import annotations

import re
from collections.abc import Sequence

from exec_assistant.domain.notes.extraction import prose_items
from exec_assistant.domain.notes.model import Context
from exec_assistant.domain.notes.outline import Block, Section, ends_sentence

__all__ = ["summary"]

_SUMMARY_LIMIT = 400
_SUMMARY_MARK = re.compile(r"^(?:summary|tl;?dr|overview)\s*:\s*(?P<rest>.+)$", re.IGNORECASE)


def _shorten(text: str, limit: int = _SUMMARY_LIMIT) -> str:
    if len(text) <= limit:
        return text
    # Only the first `limit` characters (and the one after) can hold the cut.
    head = text[: limit + 1]
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", head) if m.end() <= limit]
    if ends:
        return text[: ends[-1]]
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _as_sentence(text: str) -> str:
    return text if ends_sentence(text) else f"{text}."


def _summary_section(blocks: Sequence[Block]) -> str:
    """The text under a Summary/TL;DR heading, else that of a "TL;DR: ..." paragraph."""
    under_heading = [_as_sentence(b.text) for b in blocks if b.section is Section.SUMMARY]
    if under_heading:
        return " ".join(under_heading)
    for block in blocks:
        inline = None if block.bullet else _SUMMARY_MARK.match(block.text)
        if inline:
            return inline["rest"]
    return ""


def _first_paragraph(blocks: Sequence[Block], ctx: Context) -> str:
    for block in blocks:
        if not block.bullet and (prose := prose_items(block, ctx)[1]):
            return " ".join(prose)
    return ""


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary(blocks: Sequence[Block], ctx: Context, decisions: int, actions: int) -> str:
    written = _summary_section(blocks) or _first_paragraph(blocks, ctx)
    if written:
        return _shorten(" ".join(written.split()))
    return f"Notes with {_counted(decisions, 'decision')} and {_counted(actions, 'action item')}."
