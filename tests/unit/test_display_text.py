"""Text from calendars, notes and answers reaches the terminal as written, and harmless."""

from __future__ import annotations

import io
import time

import pytest
from rich.console import Console, RenderableType

from exec_assistant.display_text import (
    LINE_BREAK_MARKER,
    escape_markup,
    safe_markdown,
    safe_markup,
    safe_text,
    visible,
)


def printed(renderable: RenderableType | str, *, emoji: bool = True) -> str:
    """What the terminal receives, without colours: any ESC in it came from the text."""
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(renderable, emoji=emoji)
    return out.getvalue()


HOSTILE = [
    ("[/bold]", "[/bold]"),
    ("[link=https://evil]click[/link]", "[link=https://evil]click[/link]"),
    ("[bold red]shout", "[bold red]shout"),
    (":smile: :warning:", ":smile: :warning:"),
    ("\x1b[2J", "\\x1b[2J"),
    ("\x1b]8;;http://x\x07click\x1b]8;;\x07", "\\x1b]8;;http://x\\x07click\\x1b]8;;\\x07"),
    ("\x1b]0;new window title\x07", "\\x1b]0;new window title\\x07"),
    ("pay\u202egnp.exe", "pay\\u202egnp.exe"),
    (
        "\u2066isolate\u2069 \u200emark\u200f \u061c",
        "\\u2066isolate\\u2069 \\u200emark\\u200f \\u061c",
    ),
    ("nul\x00byte", "nul\\x00byte"),
    ("del\x7f c1\x85\x9b", "del\\x7f c1\\x85\\x9b"),
    ("bell\x07 backspace\x08", "bell\\x07 backspace\\x08"),
    ("over\rwrite", "over\\x0dwrite"),
    ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
]


@pytest.mark.parametrize(("hostile", "shown"), HOSTILE)
def test_markup_and_terminal_controls_are_shown_not_obeyed(hostile: str, shown: str) -> None:
    out = printed(safe_text(hostile))
    assert out == shown + "\n"
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out


@pytest.mark.parametrize(("hostile", "shown"), HOSTILE)
def test_escaped_markup_composes_safely(hostile: str, shown: str) -> None:
    composed = f"[bold]Title:[/] {escape_markup(hostile)} [dim](end)[/]"
    # Emoji codes are not markup: such a string is printed with emoji off (or use safe_markup).
    assert printed(composed, emoji=False) == f"Title: {shown} (end)\n"


@pytest.mark.parametrize(("hostile", "shown"), HOSTILE)
def test_safe_markup_fills_fields_as_plain_text(hostile: str, shown: str) -> None:
    line = safe_markup("[green]✓[/] {title} at {count}", title=hostile, count=3)
    assert line.plain == f"✓ {shown} at 3"
    assert printed(line) == f"✓ {shown} at 3\n"


def test_safe_markup_keeps_its_own_styles_around_a_field() -> None:
    line = safe_markup("[bold]{title}[/] rest", title="ends with a backslash \\")
    assert line.plain == "ends with a backslash \\ rest"
    bold = [line.plain[s.start : s.end] for s in line.spans if "bold" in str(s.style)]
    assert bold == ["ends with a backslash \\"]


def test_a_styled_field_keeps_its_style() -> None:
    line = safe_markup("{who} said", who=safe_text("[Priya]", style="yellow"))
    assert line.plain == "[Priya] said"
    assert any(str(s.style) == "yellow" for s in line.spans)


def test_emoji_cjk_and_accents_survive_intact() -> None:
    text = "Café ☕ 会议 🇫🇷 👩‍👩‍👧 e\u0301 ﬁ"
    assert visible(text) == text
    assert visible(text, multiline=True) == text
    assert printed(safe_text(text)) == text + "\n"


def test_a_line_break_in_a_one_line_field_shows_as_a_marker() -> None:
    assert visible("Budget review\nRoom 4") == "Budget review ↵ Room 4"
    assert visible("a\r\n\r\n  b\u2028c\u2029d") == "a ↵ b ↵ c ↵ d"
    assert visible("\nTitle\n") == "Title"
    assert visible("tab\tseparated") == "tab separated"
    assert "\n" not in printed(safe_text("one\ntwo")).rstrip("\n")
    assert LINE_BREAK_MARKER.strip() in printed(safe_text("one\ntwo"))


def test_multiline_text_keeps_its_lines_and_tabs() -> None:
    assert visible("a\r\nb\n\n\tc\u2028d", multiline=True) == "a\nb\n\n\tc\nd"
    assert visible("a\x1b[31mb\nc", multiline=True) == "a\\x1b[31mb\nc"


def test_a_limit_cuts_with_an_ellipsis_at_a_word_boundary() -> None:
    assert visible("Quarterly business review with the whole team", limit=30) == (
        "Quarterly business review…"
    )
    assert visible("short", limit=30) == "short"
    assert visible("exactly ten", limit=11) == "exactly ten"
    assert visible("x" * 50, limit=10) == "x" * 9 + "…"
    assert len(visible("word " * 100, limit=40)) <= 40


def test_a_limit_counts_what_is_shown_and_never_splits_an_escape() -> None:
    shown = visible("\x1b" * 100, limit=10)
    assert len(shown) <= 10
    assert shown == "\\x1b\\x1b…"
    assert visible("ab\u202e" * 10, limit=9) == "ab\\u202e…"


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        visible("x", limit=0)


@pytest.mark.parametrize(
    "huge",
    [
        "word " * 4_000_000,
        "x" * 20_000_000,
        "会议" * 10_000_000,
        "\x1b[2J" * 5_000_000,
        "line\n" * 4_000_000,
    ],
    ids=["words", "one-word", "cjk", "escapes", "lines"],
)
def test_twenty_megabytes_with_a_limit_cost_no_more_than_a_short_text(huge: str) -> None:
    started = time.perf_counter()
    shown = safe_text(huge, limit=100)
    out = printed(shown)
    elapsed = time.perf_counter() - started
    assert len(shown.plain) <= 100 and shown.plain.endswith("…")
    assert len(out) < 200
    assert elapsed < 0.05, f"{elapsed:.3f} s"


def test_twenty_megabytes_of_clean_text_without_a_limit_take_well_under_a_second() -> None:
    huge = "plain words " * 1_700_000
    started = time.perf_counter()
    assert visible(huge) is huge
    assert time.perf_counter() - started < 0.5


def test_markdown_is_shown_without_controls_or_live_links() -> None:
    out = io.StringIO()
    console = Console(file=out, width=80, color_system="truecolor")
    console.print(safe_markdown("# Pack\n\n[click](https://evil.example) \x1b[2J done"))
    rendered = out.getvalue()
    assert "\x1b[2J" not in rendered
    assert "\\x1b[2J" in rendered
    assert "\x1b]8;" not in rendered  # no OSC 8 hyperlink
