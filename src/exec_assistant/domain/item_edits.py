"""The executive's corrections to the action items read from a meeting's notes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.models import ActionItem

ITEM_TEXT_LIMIT = 1000
OWNER_LIMIT = 200
DUE_BEFORE_LIMIT = timedelta(days=366)
"""How far before the notes were read a due date may lie (an item noted late)."""
DUE_AFTER_LIMIT = timedelta(days=5 * 366)


class ItemEditRefused(ExecAssistantError):
    exit_code = 2


class ItemEditsRefused(ItemEditRefused):
    """Edits of several items refused at once, each reason by item id, so that a form can
    show each beside its item. The message is the first reason's ("... (and 2 more items)")."""

    def __init__(self, reasons: Mapping[str, ItemEditRefused]) -> None:
        if not reasons:
            raise ValueError("ItemEditsRefused needs at least one reason")
        first = next(iter(reasons.values()))
        more = len(reasons) - 1
        tail = f" (and {more} more item{'s' if more != 1 else ''})" if more else ""
        super().__init__(first.message + tail, hint=first.hint)
        self.reasons = dict(reasons)


@dataclass(frozen=True)
class ItemEdit:
    """What the executive made of one action item: its text, its owner (None: nobody yet)
    and its due date (None: none)."""

    item_id: str
    text: str
    owner: str | None
    due: date | None


def parse_due(text: str | None, item_id: str) -> date | None:
    """A due date as typed or picked: `2026-12-09`; empty is none. Refused otherwise, with
    the form it takes."""
    if text is None or not text.strip():
        return None
    typed = text.strip()
    try:
        # Only the one form: fromisoformat alone takes 20261209 and 2026-W50-3 too.
        if not _DAY.fullmatch(typed):
            raise ValueError(typed)
        return date.fromisoformat(typed)
    except ValueError:
        shown = plain_line(typed)[:40]
        hidden = " (it holds characters that do not show)" if shown != typed[:40] else ""
        raise ItemEditRefused(
            f"action item {item_id}: '{shown}'{hidden} is not a date",
            hint="Give the due date as YYYY-MM-DD (2026-12-09), or leave it empty.",
        ) from None


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def plain_line(text: str) -> str:
    """Whitespace runs (newlines included) as one space; control and formatting characters
    (ESC, right-to-left overrides) dropped."""
    kept = "".join(
        " " if c.isspace() else c
        for c in text
        if c.isspace() or unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co"}
    )
    return " ".join(kept.split())


def apply_edit(item: ActionItem, edit: ItemEdit) -> ActionItem:
    """The item as edited. Refused: empty text, text over 1,000 or an owner over 200
    characters, a due date more than a year before the notes were read or more than five
    years after (a typo such as 2206-12-09)."""
    text = plain_line(edit.text)
    if not text:
        raise ItemEditRefused(
            f"action item {item.item_id}: the text is empty",
            hint="Say what is to be done, or leave the item as it was.",
        )
    if len(text) > ITEM_TEXT_LIMIT:
        raise ItemEditRefused(
            f"action item {item.item_id}: the text has {len(text):,} characters; "
            f"at most {ITEM_TEXT_LIMIT:,} are kept",
            hint="Shorten it to one line of what is to be done.",
        )
    owner = plain_line(edit.owner or "") or None
    if owner is not None and len(owner) > OWNER_LIMIT:
        raise ItemEditRefused(
            f"action item {item.item_id}: the owner has {len(owner):,} characters; "
            f"at most {OWNER_LIMIT} are kept",
            hint="Give a name or an email address.",
        )
    if edit.due is not None:
        read_on = item.created_at.date()
        if not read_on - DUE_BEFORE_LIMIT <= edit.due <= read_on + DUE_AFTER_LIMIT:
            raise ItemEditRefused(
                f"action item {item.item_id}: the due date {edit.due.isoformat()} is not "
                f"plausible for notes read on {read_on.isoformat()}",
                hint="Check the year, or leave the due date empty.",
            )
    same_owner = owner == item.owner
    return item.model_copy(
        update={
            "text": text,
            "owner": owner,
            # An owner typed by the executive is kept as typed; only the notes reader
            # matches owners to attendees.
            "owner_resolved": item.owner_resolved if same_owner else False,
            "due": edit.due,
        }
    )
