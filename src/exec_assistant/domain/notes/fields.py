"""The fields an action line carries: "Owner: Priya", "(due: Friday)", or a date after a dash.

The notes template writes "- [ ] text - Owner: NAME - Due: DATE"; people also write
"AI: Maria - update the runbook - 4/2". Fields are taken out of the text, so the item reads
"Update the runbook" and its owner and due date are recorded on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from exec_assistant.domain.notes.dates import resolve_due

__all__ = ["NO_VALUE", "Fields", "dashed_due", "fields_of"]

_SEPARATOR = re.compile(r"((?:^|\s+)(?:--?|[—–|])(?:\s+|$)|\s*;\s*)")
_FIELD = re.compile(
    r"^\s*(?P<key>owners?|assignee|assigned\s+to|dri|due(?:\s+date)?|deadline|eta)\s*:\s*"
    r"(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
# The value may not hold an opening bracket, so "(owner: (owner: ..." is read in one pass.
_BRACKETED_FIELD = re.compile(
    r"\s*[(\[]\s*(?P<key>owners?|assignee|dri|due(?:\s+date)?|deadline|eta)\s*:\s*"
    r"(?P<value>[^()\[\]]*?)\s*[)\]]",
    re.IGNORECASE,
)
NO_VALUE = frozenset({"", "tbd", "tbc", "n/a", "na", "none", "?", "-", "unassigned", "unknown"})
"""What a field, or a whole item, says when it says nothing: "Owner: TBD", "- None"."""


@dataclass
class Fields:
    """What "Owner:"/"Due:" fields said, and the text left once they are taken out."""

    text: str
    owner: str | None = None
    due: date | None = None
    due_given: bool = False

    def take(self, key: str, value: str, meeting: date) -> None:
        value = value.strip()
        if key.lower().startswith(("due", "deadline", "eta")):
            self.due_given = True
            self.due = self.due or resolve_due(value, meeting)
        elif value.casefold() not in NO_VALUE:
            self.owner = self.owner or value


def fields_of(clause: str, meeting: date) -> Fields:
    found = Fields("")
    for match in _BRACKETED_FIELD.finditer(clause):
        found.take(match["key"], match["value"], meeting)
    parts = _SEPARATOR.split(_BRACKETED_FIELD.sub("", clause))
    kept: list[str] = []
    # split() with a group alternates text, separator, text...: keep each text with the
    # separator before it, so an item written "A - B" keeps its own dash.
    for index in range(0, len(parts), 2):
        field_match = _FIELD.match(parts[index])
        if field_match:
            found.take(field_match["key"], field_match["value"], meeting)
        else:
            kept.append((parts[index - 1] if index else "") + parts[index])
    found.text = "".join(kept)
    return found


# A dash between spaces: "follow-up", "re-run" and "Q4-Q1" hold dashes that separate nothing.
_DASH_SEPARATOR = re.compile(r"\s+(?:--?|[—–])\s+")
# How many words at the end of the text before a dated field may form a date of their own.
_DATE_WORDS = 4


def _ends_with_date(text: str, meeting: date) -> bool:
    words = text.rsplit(None, _DATE_WORDS)[-_DATE_WORDS:]
    return any(resolve_due(" ".join(words[-k:]), meeting) for k in range(1, len(words) + 1))


def dashed_due(text: str, meeting: date) -> tuple[str, date] | None:
    """(text before, due) when the last dash-separated field of `text` is a date, else None.

    "update the runbook - 4/2", "... – Apr 2", "... — due 4/2", "... - by Friday",
    "... - in May" each end in a due date. The field must be a date and nothing else:
    "review the plan - Q1 numbers" and "book the offsite - tomorrow's standup" keep their
    last field as text. A date right before the dash makes a range, not a deadline:
    "freeze from Dec 1 - Dec 5" and "compare 10/1 - 12/31" have no due date.
    """
    last = None
    for separator in _DASH_SEPARATOR.finditer(text):
        last = separator
    if last is None:
        return None
    head, tail = text[: last.start()], text[last.end() :]
    due = resolve_due(tail, meeting)
    if due is None or not head.strip() or _ends_with_date(head, meeting):
        return None
    return head, due
