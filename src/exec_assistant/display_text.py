"""Text from outside (calendars, notes, answers, files) shown as text: never as markup or
terminal control sequences."""

from __future__ import annotations

import re

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"<U+{code:04X}>"


def safe_text(value: str, *, limit: int | None = None) -> Text:
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return Text(_CONTROL.sub(_visible, value))
