"""Block Kit primitives that keep outside text inert and within Slack's limits.

Slack reads `<...>` in mrkdwn as a link or a mention (`<!channel>` notifies everyone,
`<https://evil|click>` is a link that reads "click") and `&amp;`-style entities as characters;
escaping `&`, `<` and `>` is the whole of its escaping. `verbatim` mrkdwn also keeps Slack from
turning bare URLs and #channel names into links. Control characters, bidirectional overrides
and lone surrogates are dropped: Slack refuses some and shows others as reordering text.

Slack refuses a whole payload when one field is over its limit (`invalid_blocks`), so every
text is cut here, with an ellipsis, to the limit of the field it goes in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

Block = dict[str, Any]

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
MODAL_TITLE = 24
MODAL_BUTTON = 24
LABEL_TEXT = 2000
HINT_TEXT = 2000
PLACEHOLDER_TEXT = 150
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
INPUT_VALUE = 3000
PRIVATE_METADATA = 3000
BLOCK_ID = 255
MESSAGE_TEXT = 3000
"""Slack cuts a message's `text` at 40,000 characters; the notification fallback is kept to a
line or two, and well under what a phone's notification shows."""

ELLIPSIS = "…"

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SPACES = re.compile(r"[ \t]+")


def clean(value: str, *, multiline: bool = False) -> str:
    """Outside text without control characters; one line unless `multiline`."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    value = _UNSAFE.sub("", value)
    if not multiline:
        value = _SPACES.sub(" ", value.replace("\n", " "))
    return value.strip()


def cut(value: str, limit: int) -> str:
    """`value` in at most `limit` characters, an ellipsis marking a cut."""
    if len(value) <= limit:
        return value
    return value[: max(0, limit - 1)].rstrip() + ELLIPSIS


def escape(value: str, *, limit: int | None = None, multiline: bool = False) -> str:
    """Outside text as inert mrkdwn, its escaped form at most `limit` characters (an entity
    is never cut in half)."""
    text = clean(value, multiline=multiline)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text if limit is None else _cut_markup(text, limit)


def plain(value: str, limit: int, *, multiline: bool = False) -> str:
    """Outside text for a plain_text field (Slack shows it as it is), cut to `limit`; never
    empty, since Slack refuses an empty text."""
    return cut(clean(value, multiline=multiline), limit) or "-"


def plain_text(value: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": plain(value, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object from text already escaped."""
    return {"type": "mrkdwn", "text": text or " ", "verbatim": True}


def header(title: str) -> Block:
    return {"type": "header", "text": plain_text(title, HEADER_TEXT)}


def section(text: str, *, accessory: dict[str, Any] | None = None) -> Block:
    """A section of escaped mrkdwn, cut to Slack's 3000 characters."""
    block: Block = {"type": "section", "text": mrkdwn(_cut_markup(text, SECTION_TEXT))}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [mrkdwn(_cut_markup(t, SECTION_TEXT)) for t in texts[:CONTEXT_ELEMENTS]],
    }


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain_text(text, BUTTON_TEXT),
        "action_id": action_id,
        "value": cut(value, BUTTON_VALUE),
    }
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def actions(*elements: dict[str, Any]) -> Block:
    return {"type": "actions", "elements": list(elements[:ACTIONS_ELEMENTS])}


def sections_of(title: str, lines: Iterable[str]) -> list[Block]:
    """Escaped lines under a bold title, as few sections as Slack's 3000 characters allow;
    a line too long for one section is cut."""
    blocks: list[Block] = []
    current = f"*{title}*"
    for line in lines:
        line = _cut_markup(line, SECTION_TEXT - len(title) - 8)
        if len(current) + 1 + len(line) > SECTION_TEXT:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}"
    blocks.append(section(current))
    return blocks


def fit(body: Sequence[Block], tail: Sequence[Block], limit: int, more: str) -> list[Block]:
    """`body` then `tail` in at most `limit` blocks: when the body is too long, as much of it
    as fits, then a context block saying what was left out (`more` formats the count)."""
    room = limit - len(tail)
    if len(body) <= room:
        return [*body, *tail]
    kept = list(body[: max(0, room - 1)])
    left = len(body) - len(kept)
    return [*kept, context(more.format(count=left)), *tail]


def _cut_markup(text: str, limit: int) -> str:
    """Cut composed mrkdwn without splitting an entity (`&amp;`) it holds."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + ELLIPSIS
