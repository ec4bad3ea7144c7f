"""Lines: decoding, unfolding and splitting content lines as icalendar does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from icalendar.parser import Contentline

# A parameter value as icalendar gives it: one string, or a list when it was comma-separated.
ParamValue = str | list[str]
Params = dict[str, ParamValue]


def decode(data: bytes) -> str:
    # As icalendar decodes, so that a stray byte turns into the same replacement character.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", "replace")


# icalendar's unfolding: a line break, any blank lines after it, then a space or tab.
_FOLD = re.compile(r"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]")
_BLANK_LINES_THEN_FOLD = re.compile(r"\n(?:\r?\n)+[ \t]")


def unfold(text: str) -> list[str]:
    if _BLANK_LINES_THEN_FOLD.search(text):
        text = _FOLD.sub("", text)
    else:
        # Without blank lines before a continuation, the fold is just "line break + one
        # space or tab"; plain replacements do the same as _FOLD several times faster.
        text = (
            text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").replace("\n\t", "")
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # a lone CR stays part of its line, as in icalendar
    return [line for line in text.split("\n") if line]


_TOKEN = r"[A-Za-z0-9-]+"
# Parameter values this reader takes as they are: icalendar would give back the same string.
# Excluded, and so left to icalendar: backslashes and carets (both are unescaped), commas
# outside quotes (lists), tabs, control characters, and "=" or spaces outside quotes (it
# strips spaces next to ";" and "=", even inside a value).
_QUOTED = r'"[^\x00-\x1f\x7f"\\^]*"'
_UNQUOTED = r'[^\x00-\x20\x7f";:,=\\^](?:[^\x00-\x1f\x7f";:,=\\^]*[^\x00-\x20\x7f";:,=\\^])?'
_HEAD = re.compile(rf"({_TOKEN})((?:;{_TOKEN}=(?:{_QUOTED}|{_UNQUOTED}))*):")
_PARAM = re.compile(rf";({_TOKEN})=({_QUOTED}|{_UNQUOTED})")
CLEAN_NAME = re.compile(_TOKEN)
_BACKSLASH_ESCAPE = re.compile(r"\\([\\,;:nN])")


def _unescape(value: str) -> str:
    """icalendar's unescaping of a property value: \\n and \\N are line breaks."""
    if "\\" not in value:
        return value
    return _BACKSLASH_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


@dataclass(slots=True)
class Line:
    name: str
    """Upper case, as icalendar keys properties."""
    params: Params
    raw: str
    """The value as written, before unescaping."""

    @property
    def value(self) -> str:
        return _unescape(self.raw)

    def param(self, key: str) -> ParamValue | None:
        return self.params.get(key)


NO_PARAMS: Params = {}  # shared by every line without parameters; never changed


class BadLine(Exception):
    """icalendar cannot split this line into name, parameters and value."""


def parse_line(line: str) -> Line:
    match = _HEAD.match(line)
    if match is not None:
        params: Params = {}
        if match.group(2):
            for key, value in _PARAM.findall(match.group(2)):
                params[key.upper()] = value[1:-1] if value[:1] == '"' else value
        return Line(match.group(1).upper(), params, line[match.end() :])
    # Anything unusual is split by icalendar itself, so its reading is the one used.
    try:
        content = cast(Any, Contentline)(line)
        name, icalendar_params, raw = content.raw_parts()
    except (ValueError, AssertionError) as exc:
        raise BadLine(str(exc)) from None
    params = {}
    for key, value in icalendar_params.items():
        params[str(key).upper()] = (
            [str(v) for v in value] if isinstance(value, list) else str(value)
        )
    return Line(str(name).upper(), params, str(raw))
