"""Reading a file a user gives as text, whatever editor saved it; refusing what is not text."""

from __future__ import annotations

import ast
import codecs
import time
from datetime import date
from pathlib import Path

import pytest

from exec_assistant.domain import text_files
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.notes import parse_notes
from exec_assistant.domain.text_files import UnreadableTextFile, decode_text

from factories import person

NOTES = "## Action items\n- [ ] Send the “final” deck – Owner: Priya — Due: 12/4\nCafé at 9.\n"


def refusal(data: bytes, name: str = "notes.md") -> str:
    with pytest.raises(UnreadableTextFile) as raised:
        decode_text(data, name)
    return str(raised.value)


# --------------------------------------------------------------------------------------------
# Encodings


@pytest.mark.parametrize(
    "encoded",
    [
        NOTES.encode("utf-8"),
        codecs.BOM_UTF8 + NOTES.encode("utf-8"),
        codecs.BOM_UTF8 + codecs.BOM_UTF8 + NOTES.encode("utf-8"),
        NOTES.encode("utf-16"),
        codecs.BOM_UTF16_LE + NOTES.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + NOTES.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + NOTES.encode("utf-32-le"),
        codecs.BOM_UTF32_BE + NOTES.encode("utf-32-be"),
        NOTES.encode("utf-16-le"),
        NOTES.encode("utf-16-be"),
        NOTES.encode("cp1252"),
    ],
    ids=[
        "utf-8",
        "utf-8 with a byte order mark",
        "utf-8 with the mark twice",
        "utf-16 as Python writes it",
        "utf-16 le with a mark",
        "utf-16 be with a mark",
        "utf-32 le with a mark",
        "utf-32 be with a mark",
        "utf-16 le without a mark",
        "utf-16 be without a mark",
        "windows-1252",
    ],
)
def test_each_encoding_editors_save_in_gives_the_same_text(encoded: bytes) -> None:
    assert decode_text(encoded, "notes.md") == NOTES


def test_windows_1252_quotes_dashes_and_euro_come_through() -> None:
    word = b"\x93Quoted\x94 \x91single\x92 \x96 en \x97 em \x85 \x80 5 \xe9t\xe9 \xa0nbsp"
    assert decode_text(word, "notes.txt") == "“Quoted” ‘single’ – en — em … € 5 été \xa0nbsp"


def test_bytes_windows_1252_leaves_unassigned_are_read_as_latin_1() -> None:
    assert decode_text(b"a\x81b\x8dc", "notes.txt") == "a\x81b\x8dc"


def test_utf_8_with_a_few_windows_1252_bytes_pasted_in_keeps_both() -> None:
    data = "Café “ok” — ".encode() + b"\x93pasted\x94" + " ünd €".encode()
    assert decode_text(data, "notes.md") == "Café “ok” — “pasted” ünd €"


def test_a_utf_8_byte_order_mark_with_a_stray_byte_keeps_the_utf_8() -> None:
    data = codecs.BOM_UTF8 + "Café ".encode() + b"\x96 dash"
    assert decode_text(data, "notes.md") == "Café – dash"


def test_mostly_windows_1252_is_not_mistaken_for_utf_8() -> None:
    # "Ã©" is a valid UTF-8 sequence, but one among many stray bytes says Windows-1252.
    data = "naïve café “x” Ã©".encode("cp1252")
    assert decode_text(data, "notes.txt") == "naïve café “x” Ã©"


def test_line_endings_are_left_as_they_are() -> None:
    assert decode_text(b"a\r\nb\rc\n", "notes.md") == "a\r\nb\rc\n"


def test_nothing_is_empty_text() -> None:
    assert decode_text(b"", "notes.md") == ""
    assert decode_text(codecs.BOM_UTF8, "notes.md") == ""


def test_terminal_colour_codes_and_a_few_control_characters_are_text() -> None:
    data = b"\x1b[31mred\x1b[0m \x07 \x08 \x0c page\n" * 3
    assert decode_text(data, "notes.md") == data.decode()


# --------------------------------------------------------------------------------------------
# What is not text


def test_nul_bytes_are_refused_with_where_they_are() -> None:
    message = refusal(b"## Notes\nab\x00cd\x00")
    assert message == (
        "notes.md is not text: it contains NUL bytes, the first at byte 11 (line 2); "
        "save it as UTF-8"
    )


def test_the_refusal_is_a_typed_error_for_the_user() -> None:
    with pytest.raises(ExecAssistantError) as raised:
        decode_text(b"\x00\x01\x02\x03", "answers.yaml")
    assert raised.value.exit_code == 2
    assert str(raised.value).startswith("answers.yaml is not text")


@pytest.mark.parametrize(
    "data",
    [
        b"ab\x00\x00cd",  # NULs on both sides of the pairs
        b"a\x00b\x00c",  # odd length
        b"\x00a\x00b\x00c\x00d" + b"a\x00",  # NULs on both sides
        b"x" * 100 + b"\x00" + b"y" * 100,  # one NUL among text
    ],
)
def test_nul_bytes_that_are_not_utf_16_are_refused(data: bytes) -> None:
    assert "contains NUL bytes" in refusal(data)


def test_sixteen_bit_numbers_are_not_mistaken_for_utf_16() -> None:
    # Small little-endian counters have a NUL in every other byte, as UTF-16 text does.
    counters = b"".join(n.to_bytes(2, "little") for n in range(1, 41))
    assert refusal(counters) == (
        "notes.md is not text: it contains NUL bytes, the first at byte 1 (line 1); "
        "save it as UTF-8"
    )


def test_utf_16_without_a_mark_must_decode_cleanly() -> None:
    lone_surrogate = "ab".encode("utf-16-le") + b"\x00\xd8" + "cd".encode("utf-16-le")
    assert "contains NUL bytes" in refusal(lone_surrogate)


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (codecs.BOM_UTF16_LE + b"a\x00b", "UTF-16"),
        (codecs.BOM_UTF16_BE + b"\xd8\x00\x00a", "UTF-16"),
        (codecs.BOM_UTF32_LE + b"a\x00\x00\x00b", "UTF-32"),
    ],
)
def test_a_file_that_breaks_the_encoding_its_mark_names_is_refused(data: bytes, label: str) -> None:
    assert f"starts with a {label} byte order mark but is not {label} at byte" in refusal(data)


def test_nul_characters_after_a_mark_are_refused() -> None:
    data = "line one\nline\x00two".encode("utf-16")
    assert refusal(data) == (
        "notes.md is not text: it contains NUL characters, from line 2; save it as UTF-8"
    )


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive (a .docx, .xlsx or .pptx document is one)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "a Microsoft Office document"),
        (b"{\\rtf1\\ansi\\deff0 {\\fonttbl}", "a rich text (RTF) document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"GIF89a\x01\x00", "a GIF image"),
        (b"\x1f\x8b\x08\x00", "a gzip archive"),
    ],
)
def test_documents_and_images_are_refused_by_what_they_are(data: bytes, kind: str) -> None:
    message = refusal(data, "notes.docx")
    assert message.startswith(f"notes.docx is {kind}")
    assert message.endswith("save it as plain text (.txt) or Markdown (.md), in UTF-8")


def test_bytes_that_are_mostly_control_codes_are_refused() -> None:
    data = b"ok\n" + bytes(range(1, 9)) * 20 + b"\x0e\x0f" * 20
    assert refusal(data) == (
        "notes.md is not text: 200 of its 203 characters are control codes (the first on line 2); "
        "save it as UTF-8"
    )


def test_random_bytes_without_nuls_are_refused() -> None:
    # A deterministic stand-in for a binary file with its NUL bytes taken out.
    data = bytes((n * 7919 + 13) % 255 + 1 for n in range(50_000))
    assert "control codes" in refusal(data)


# --------------------------------------------------------------------------------------------
# With the notes parser


def test_word_notes_in_windows_1252_with_crlf_parse_as_written() -> None:
    notes = (
        "Weekly sync\r\n\r\nNext Steps\r\n"
        "\x96 Revisit the \x93pricing\x94 model in May\r\n"
        "\x96 Priya to send the deck by Friday\r\n"
    ).encode("latin-1")
    text = decode_text(notes, "sync.txt")
    result = parse_notes(text, date(2026, 12, 1), (person("Priya Raman"),))
    assert [(a.text, a.due, a.source_line) for a in result.action_items] == [
        ("Revisit the “pricing” model", date(2027, 5, 31), 4),
        ("Send the deck", date(2026, 12, 4), 5),
    ]


def test_twenty_megabytes_decode_quickly() -> None:
    data = NOTES.encode("cp1252") * (20_000_000 // len(NOTES))
    started = time.perf_counter()
    text = decode_text(data, "notes.txt")
    assert time.perf_counter() - started < 10
    assert text.startswith(NOTES)


def test_the_module_imports_only_the_standard_library_and_the_domain() -> None:
    tree = ast.parse(Path(text_files.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"__future__", "codecs", "re", "exec_assistant.domain.errors"}
