"""The text in the bytes of a file a user gives us: meeting notes, an answers file, context.

People save notes from many editors: UTF-8 with or without a byte order mark, UTF-16 from
Windows tools, Windows-1252 from Word and Outlook (curly quotes and dashes at 0x91-0x97).
`decode_text` reads each of them; a file that is not text at all (a .docx, a PDF, an image,
bytes with NULs in them) is refused with a message that says what it is and what to do.
"""

from __future__ import annotations

import codecs
import re

from exec_assistant.domain.errors import ExecAssistantError

__all__ = ["UnreadableTextFile", "decode_text", "refuse_control_characters"]

_SAVE_AS_UTF8 = "save it as UTF-8"
_SAVE_AS_TEXT = "save it as plain text (.txt) or Markdown (.md), in UTF-8"


class UnreadableTextFile(ExecAssistantError):
    """A file given as text is not text, or not in an encoding it says it is in."""

    exit_code = 2

    def __init__(self, name: str, problem: str, fix: str = _SAVE_AS_UTF8) -> None:
        super().__init__(f"{name} {problem}; {fix}")
        self.name = name
        self.problem = problem


_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 first: its little-endian mark starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
# Files that are documents or images rather than text, by their first bytes.
_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (a .docx, .xlsx or .pptx document is one)"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office document in the old format (.doc)"),
    (b"{\\rtf", "a rich text (RTF) document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)
# In UTF-16 without a mark, text in a Latin script has a NUL in every other byte: this share
# of the characters at least, and no NUL on the other side.
_UTF16_NUL_SHARE = 0.25
_UTF16_MIN_NULS = 4
# Characters no text file holds: C0 controls other than tab, line breaks, form feed and ESC
# (notes pasted from a terminal keep their colour codes), DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
# Above this share of control characters (and this many), the bytes are not text. Random
# bytes read as Windows-1252 hold about 12%.
_CONTROL_SHARE = 0.05
_CONTROL_ALLOWANCE = 8
# A valid UTF-8 sequence of two to four bytes (RFC 3629: no overlong forms, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_UTF8_RUN = re.compile(rb"(?:[\x00-\x7f]|" + _UTF8_MULTIBYTE.pattern + rb")+")


# Bytes Windows-1252 leaves unassigned; Latin-1 reads each as the code point of its value.
_UNASSIGNED_IN_1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_SURROGATE_TO_LATIN_1 = {0xDC00 + byte: byte for byte in _UNASSIGNED_IN_1252}


def _windows_1252(data: bytes) -> str:
    if not any(byte in data for byte in _UNASSIGNED_IN_1252):
        return data.decode("cp1252")
    return data.decode("cp1252", errors="surrogateescape").translate(_SURROGATE_TO_LATIN_1)


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"byte {offset} (line {line})"


def _with_bom(data: bytes, name: str) -> str | None:
    for bom, codec, label in _BOMS:
        if not data.startswith(bom):
            continue
        body = data[len(bom) :]
        try:
            return body.decode(codec)
        except UnicodeDecodeError as error:
            if codec == "utf-8":
                return _utf8_with_strays(body)
            where = _position(data, len(bom) + error.start)
            raise UnreadableTextFile(
                name, f"starts with a {label} byte order mark but is not {label} at {where}"
            ) from None
    return None


def _utf16_codec(data: bytes) -> str | None:
    """UTF-16 without a byte order mark, when its NULs say so beyond doubt."""
    if len(data) % 2:
        return None
    enough = max(_UTF16_MIN_NULS, len(data) // 2 * _UTF16_NUL_SHARE)
    nul_high, nul_low = data[1::2].count(0), data[0::2].count(0)
    if nul_low == 0 and nul_high >= enough:
        return "utf-16-le"
    if nul_high == 0 and nul_low >= enough:
        return "utf-16-be"
    return None


def _with_nuls(data: bytes, name: str) -> str:
    codec = _utf16_codec(data)
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            text = None
        # A guess must read as clean text: no control codes at all.
        if text is not None and _CONTROL.search(text) is None:
            return text
    where = _position(data, data.index(0))
    raise UnreadableTextFile(name, f"is not text: it contains NUL bytes, the first at {where}")


def _utf8_with_strays(data: bytes) -> str:
    """UTF-8 with the odd Windows-1252 byte pasted in: each part read in its own encoding."""
    parts: list[str] = []
    end = 0
    for run in _UTF8_RUN.finditer(data):
        parts.append(_windows_1252(data[end : run.start()]))
        parts.append(run[0].decode("utf-8"))
        end = run.end()
    parts.append(_windows_1252(data[end:]))
    return "".join(parts)


def _not_utf8(data: bytes) -> str:
    """Text that is not valid UTF-8: Windows-1252, unless it is mostly UTF-8 after all."""
    replaced = data.decode("utf-8", errors="replace")
    # One U+FFFD per stray byte or broken sequence; a U+FFFD the file itself holds is valid.
    strays = replaced.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(replaced) - len(replaced.encode("ascii", errors="ignore"))
    if non_ascii - strays > strays:
        return _utf8_with_strays(data)
    return _windows_1252(data)


def refuse_control_characters(text: str, name: str) -> None:
    """UnreadableTextFile for text that holds a NUL, or of which more than 1 character in 20
    (and more than 8) is a control code: what `decode_text` refuses once it has the text, for
    text that came without bytes to decode (a paste)."""
    if (nul := text.find("\x00")) >= 0:
        line = text.count("\n", 0, nul) + 1
        raise UnreadableTextFile(name, f"is not text: it contains NUL characters, from line {line}")
    controls = len(_CONTROL.findall(text))
    if controls <= max(_CONTROL_ALLOWANCE, len(text) * _CONTROL_SHARE):
        return
    first = _CONTROL.search(text)
    assert first is not None
    line = text.count("\n", 0, first.start()) + 1
    raise UnreadableTextFile(
        name,
        f"is not text: {controls:,} of its {len(text):,} characters are control codes "
        f"(the first on line {line})",
    )


def decode_text(data: bytes, name: str) -> str:
    """The text in `data`, the bytes of the file called `name` (named in any error).

    - a byte order mark decides: UTF-8, UTF-16 LE/BE or UTF-32 LE/BE; the mark is dropped.
      UTF-16 or UTF-32 that breaks off (an odd byte, half a surrogate pair) is refused.
    - without one, bytes with NULs are UTF-16 only when every other byte is NUL, on one side
      only ("N\\0o\\0t\\0e\\0s\\0"); any other NUL means the file is not text.
    - valid UTF-8 is UTF-8; anything else is Windows-1252 (Latin-1 where Windows-1252 leaves
      a byte unassigned), so Word's curly quotes and dashes come through. A UTF-8 file with a
      few Windows-1252 bytes pasted in keeps its UTF-8 and gets the quotes too.
    - a document or image (.docx, PDF, RTF, PNG ...), text holding NUL characters, or text
      of which more than 1 character in 20 is a control code, is refused.

    Line endings are left as they are. Raises UnreadableTextFile, e.g. "notes.md is not
    text: it contains NUL bytes, the first at byte 12 (line 1); save it as UTF-8" (bytes
    are counted from 0).
    """
    text = _with_bom(data, name)
    if text is None:
        for magic, kind in _FORMATS:
            if data.startswith(magic):
                raise UnreadableTextFile(name, f"is {kind}, not text", _SAVE_AS_TEXT)
        if 0 in data:
            text = _with_nuls(data, name)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = _not_utf8(data)
    # Some tools write the mark twice; a second one is no part of the text either.
    text = text.lstrip("\ufeff")
    refuse_control_characters(text, name)
    return text
