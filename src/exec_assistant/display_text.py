"""Text from outside (calendars, notes, answers, context files, paths) made safe to print.

Rich reads `[...]` in a printed string as markup (`[link=...]` makes a hyperlink) and `:name:`
as an emoji, and a terminal obeys the escape sequences and control characters it receives
(`\\x1b[2J` clears the screen, `\\x1b]8;;URL\\x07` opens a hyperlink, U+202E turns the rest of
the line right to left). Everything printed that did not come from this program goes through
`safe_text` (a `Text`, never read as markup) or, when a markup string has to be composed around
it, through `safe_markup` or `escape_markup`.

One scheme shows what would otherwise act on the terminal: each such character is written in
the backslash notation of a Python string literal, `\\x1b` for ESC, `\\x00` for NUL, `\\x85`
for a C1 control, `\\u202e` for a right-to-left override, `\\ud800` for a lone surrogate. It
covers C0 controls but tab and line breaks, DEL, C1 controls, lone surrogates, and the
bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). A backslash
the text itself contains is left as it is: Windows paths stay readable, at the price that a
title which spells out `\\x1b` looks like one which contained ESC.

In a one-line field (the default) a line break is shown as ` ↵ ` and a tab as a space; with
`multiline=True` they stay (CR LF and U+2028/U+2029 become plain line breaks). A `limit` cuts
the text to that many characters, ending in `…`, at a word boundary when one is near; it is
applied before any other work, so a 20 MB title costs no more than a short one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.text import Text

if TYPE_CHECKING:
    from rich.markdown import Markdown

TITLE_LIMIT = 100
"""Meeting titles, names, types: longer ones are cut."""
LINE_LIMIT = 500
"""One-line values: an action item, a decision, a warning, a path, a reason."""
BLOCK_LIMIT = 20_000
"""Multi-line values: a summary, an answer, a notes excerpt."""

LINE_BREAK_MARKER = " ↵ "
ELLIPSIS = "…"

_BIDI_CONTROLS = "\u061c\u200e\u200f" + "".join(map(chr, range(0x202A, 0x202F)))
_BIDI_CONTROLS += "".join(map(chr, range(0x2066, 0x206A)))


def _escape_of(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _shown_as() -> dict[int, str]:
    codes = [c for c in range(0x20) if chr(c) not in "\t\n\r"]
    codes += range(0x7F, 0xA0)  # DEL and the C1 controls
    codes += range(0xD800, 0xE000)  # surrogates: alone they cannot even be encoded
    codes += map(ord, _BIDI_CONTROLS)
    return {code: _escape_of(code) for code in codes}


_SHOWN_AS = _shown_as()
_NEEDS_ESCAPE = re.compile("[" + "".join(map(chr, _SHOWN_AS)) + "]")
_LINE_BREAKS = re.compile(r"[ \t]*\n\s*")
_ESCAPE_TAIL = re.compile(r"\\(?:x[0-9a-f]{0,1}|u[0-9a-f]{0,3})?$")
_WORD_SEARCH = 0.3
"""How far back from the limit a cut looks for a space, as a share of the limit."""


def visible(value: str, *, limit: int | None = None, multiline: bool = False) -> str:
    """`value` with every terminal control shown as an escape, cut to `limit` characters.

    `visible("Budget\\x1b[2J review")` is `'Budget\\\\x1b[2J review'`: the text a person sees.
    """
    if limit is not None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        # Enough to know whether the text is longer than the limit, and no more.
        head = value[: limit + 1]
    else:
        head = value
    shown = _neutralise(head, multiline=multiline)
    if limit is not None and (len(shown) > limit or len(value) > limit):
        shown = _cut(shown, limit)
    return shown


def _neutralise(value: str, *, multiline: bool) -> str:
    if value.isprintable():  # the common case: no controls, line breaks or bidi marks
        return value
    # Each step only when needed: a translate of 20 MB costs about a second.
    shown = value.translate(_SHOWN_AS) if _NEEDS_ESCAPE.search(value) else value
    if "\r" in shown:
        shown = shown.replace("\r\n", "\n").replace("\r", _escape_of(0x0D))
    if "\u2028" in shown or "\u2029" in shown:
        shown = shown.replace("\u2028", "\n").replace("\u2029", "\n")
    if not multiline:
        if "\n" in shown:
            shown = _LINE_BREAKS.sub(LINE_BREAK_MARKER, shown)
            shown = shown.removeprefix(LINE_BREAK_MARKER).removesuffix(LINE_BREAK_MARKER)
        shown = shown.replace("\t", " ")
    return shown


def _cut(shown: str, limit: int) -> str:
    keep = shown[: limit - len(ELLIPSIS)]
    space = keep.rfind(" ", int(len(keep) * (1 - _WORD_SEARCH)))
    # At a space when one is near; otherwise never on half an escape ("\x1"): drop it whole.
    keep = keep[:space] if space > 0 else _ESCAPE_TAIL.sub("", keep)
    return keep.rstrip().rstrip("\u200d") + ELLIPSIS


def safe_text(
    value: str, *, limit: int | None = None, multiline: bool = False, style: str = ""
) -> Text:
    """A `Text` showing `value` as written: no markup, no emoji codes, no terminal controls."""
    return Text(visible(value, limit=limit, multiline=multiline), style=style)


def escape_markup(value: str, *, limit: int | None = None, multiline: bool = False) -> str:
    """`value` made safe to place inside a markup string: controls shown, `[` escaped.

    Rich still turns `:smile:` into an emoji when such a string is printed with emoji on
    (the default); `safe_markup` does not.
    """
    return escape(visible(value, limit=limit, multiline=multiline))


def safe_markup(
    template: str, /, *, limit: int | None = LINE_LIMIT, **fields: str | int | float | Text
) -> Text:
    """The program's own markup `template` with untrusted `fields` filled in as plain text.

    `safe_markup("[green]✓[/] Pack ready: {path}", path=location)` styles the tick and prints
    the path as written, whatever brackets or escapes it holds. `limit` applies to each `str`
    field; a `Text` field (from `safe_text`, already cut) keeps its own styles.
    """
    filled: Mapping[str, str] = {
        name: (
            value.markup
            if isinstance(value, Text)
            else escape_markup(value, limit=limit)
            if isinstance(value, str)
            else escape(str(value))
        )
        for name, value in fields.items()
    }
    return Text.from_markup(template.format_map(filled), emoji=False)


def safe_markdown(value: str, *, limit: int | None = BLOCK_LIMIT) -> Markdown:
    """Markdown (a prep pack) to print: controls shown, and links shown as text rather than
    made clickable, since their targets came from outside."""
    from rich.markdown import Markdown  # markdown-it is slow to import: only when used

    return Markdown(visible(value, limit=limit, multiline=True), hyperlinks=False)
