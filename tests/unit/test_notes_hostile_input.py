"""Notes as a careless or hostile user may hand them in: huge, odd, full of markup."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import FrameType

import pytest

from exec_assistant.domain.notes import NotesExtraction, parse_notes

from factories import person

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "notes"
MONDAY = date(2026, 11, 30)
PRIYA = person("Priya Raman")
TEAM = (
    person("Jordan Lee"),
    PRIYA,
    person("Marcus Webb"),
    person("Elena Park"),
    person("Dev Kapoor"),
    person("Hannah Cho"),
)
MB = 1_000_000


class TooSlow(Exception):
    pass


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fails the block when it runs longer than `seconds`, instead of letting it run for hours.

    A signal interrupts even a regular expression stuck in backtracking (the re module checks
    for signals as it goes), so a quadratic regression fails here rather than hanging the run.
    """
    armed = threading.current_thread() is threading.main_thread()
    if armed:

        def stop(signum: int, frame: FrameType | None) -> None:
            raise TooSlow(f"over {seconds} s")

        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.perf_counter()
    try:
        yield
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - started < seconds


def parse(text: str) -> NotesExtraction:
    return parse_notes(text, MONDAY, TEAM)


def example_notes() -> str:
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.md")))


# --------------------------------------------------------------------------------------------
# Size


def test_twenty_megabytes_of_notes_are_read_in_linear_time() -> None:
    # About 7 to 10 s here for 350,000 lines; the budget only catches a quadratic blow-up.
    one = example_notes()
    copies = 20 * MB // (len(one) + 2)
    text = "\n\n".join([one] * copies)
    with within(90):
        result = parse(text)
    assert len(text) > 19 * MB
    # Each copy states the same items: they are kept once, with the first copy's lines.
    assert len(result.action_items) == 11
    assert len(result.decisions) == 5
    assert max(a.source_line for a in result.action_items) < one.count("\n") + 2


def test_a_single_five_megabyte_line_is_read_in_linear_time() -> None:
    words = " ".join(example_notes().split())
    line = " ".join([words] * (5 * MB // (len(words) + 1)))
    # About 1 s as prose and 5 s as one action here (the whole line is then the item's text).
    for notes in (line, f"ACTION: {line}"):
        with within(60):
            parse(notes)


ADVERSARIAL_LINES = {
    "a run of spaces": "a" + " " * 100_000 + "b",
    "a run of spaces after a full stop": "a." + " " * 100_000 + "B",
    "a heading with a run of spaces": "# a" + " " * 100_000 + "b",
    "a heading of hashes": "# " + "#" * 100_000 + "a",
    "opening brackets": "[" * 100_000,
    "unclosed link text": "[a" * 50_000,
    "unclosed link targets": "[x](" * 25_000,
    "opening parentheses": "(" * 100_000,
    "unclosed owner fields": "(owner: " * 12_500,
    "many deadlines words": "send " + "by the " * 15_000,
    "many dashes": "a - " * 25_000,
    "many mentions": "@a " * 33_000,
    "dots then a letter": "." * 100_000 + "a",
    "many months": "in May " * 15_000,
    "stars": "*" * 100_000,
    "underscores": "_" * 100_000,
}


@pytest.mark.parametrize("line", ADVERSARIAL_LINES.values(), ids=ADVERSARIAL_LINES.keys())
@pytest.mark.parametrize("where", ["prose", "action bullet", "next steps", "heading"])
def test_a_pathological_line_is_read_in_linear_time(line: str, where: str) -> None:
    notes = {
        "prose": line,
        "action bullet": f"## Action items\n- {line}",
        "next steps": f"Next steps:\n{line}",
        "heading": f"## {line}\n**{line}**\n{line}:",
    }[where]
    # 100 KB: linear code takes well under a second, quadratic code minutes to hours.
    with within(10):
        parse(notes)


@pytest.mark.parametrize("opening", ["ACTION: Priya to send the rota", "We went over the rota"])
def test_a_paragraph_of_a_hundred_thousand_wrapped_lines_is_read_in_linear_time(
    opening: str,
) -> None:
    # Each line carries on the sentence above it: the whole paragraph is one sentence.
    notes = opening + "\n" + "\n".join(["and the rest of it"] * 100_000)
    with within(30):
        result = parse(notes)
    assert len(result.action_items) == (1 if opening.startswith("ACTION") else 0)


def test_thousands_of_action_items_are_all_kept_in_order() -> None:
    count = 5_000
    notes = "## Action items\n" + "\n".join(
        f"- [ ] Check server {n} - Owner: Priya - Due: 12/{n % 28 + 1}" for n in range(count)
    )
    with within(20):
        result = parse(notes)
    assert len(result.action_items) == count
    assert [a.source_line for a in result.action_items] == list(range(2, count + 2))
    assert result.action_items[-1].text == f"Check server {count - 1}"
    assert {a.owner for a in result.action_items} == {PRIYA.email}


# --------------------------------------------------------------------------------------------
# Content a terminal or a renderer would interpret: kept as plain text


@pytest.mark.parametrize(
    "task",
    [
        "[bold red]Send[/] the [link=https://evil.example]deck[/link]",
        "Send the \x1b[31mdeck\x1b[0m\x1b[2J",
        "Send the \u202edeck\u202c to \u2067Priya\u2069",
        "Send the deck \x07\x08 now",
        "Send [/] the [[deck]]",
    ],
)
def test_markup_and_control_characters_come_through_as_written(task: str) -> None:
    notes = f"## Action items\n- [ ] {task} - Owner: Priya - Due: Friday\n## Decisions\n- {task}"
    result = parse(notes)
    assert [a.text for a in result.action_items] == [task]
    assert result.action_items[0].owner == PRIYA.email
    assert result.action_items[0].due == date(2026, 12, 4)
    assert [d.text for d in result.decisions] == [task]


def test_markup_in_the_summary_comes_through_as_written() -> None:
    assert parse("Summary: [blink]all good[/blink] \x1b[5m").summary == (
        "[blink]all good[/blink] \x1b[5m"
    )


def test_a_nul_character_in_the_text_does_not_stop_the_parser() -> None:
    result = parse("## Action items\n- Send the\x00 deck\n- Book the room")
    assert [a.text for a in result.action_items] == ["Send the\x00 deck", "Book the room"]


# --------------------------------------------------------------------------------------------
# Odd shapes


def test_a_byte_order_mark_in_the_middle_does_not_hide_a_heading() -> None:
    notes = (
        "\ufeff# Part one\nIntro.\n\ufeff## Action items\n- Send the deck\n\ufeff- Book the room"
    )
    result = parse(notes)
    assert [(a.text, a.source_line) for a in result.action_items] == [
        ("Send the deck", 4),
        ("Book the room", 5),
    ]


@pytest.mark.parametrize("notes", ["", " ", "\n\n\n", "\t \r\n \r", "\ufeff", "\u2028\u00a0"])
def test_empty_or_blank_notes_give_nothing(notes: str) -> None:
    result = parse(notes)
    assert (result.decisions, result.action_items) == ((), ())
    assert result.summary == "Notes with 0 decisions and 0 action items."


def test_notes_with_only_headings_give_nothing() -> None:
    notes = "# ILT\n## Action items\n## Decisions\nNext steps:\n**Summary**\nAction Items\n##"
    result = parse(notes)
    assert (result.decisions, result.action_items) == ((), ())
    assert result.summary == "Notes with 0 decisions and 0 action items."


# --------------------------------------------------------------------------------------------
# Line endings


NOTES_LINES = ["# Sync", "", "Priya to send the rota.", "## Decisions", "- Vendor B", ""]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_every_line_ending_gives_the_same_source_lines(ending: str) -> None:
    result = parse(ending.join(NOTES_LINES))
    assert [a.source_line for a in result.action_items] == [3]
    assert [d.source_line for d in result.decisions] == [5]


def test_mixed_line_endings_count_as_an_editor_counts_them() -> None:
    result = parse("# Sync\r\n\rPriya to send the rota.\n## Decisions\r- Vendor B")
    assert [a.source_line for a in result.action_items] == [3]
    assert [d.source_line for d in result.decisions] == [5]


@pytest.mark.parametrize("separator", ["\f", "\v", "\x1c", "\x85", "\u2028", "\u2029"])
def test_other_separators_do_not_count_as_line_breaks(separator: str) -> None:
    # Editors, grep and sed break lines at LF and CR only; the cited line must be theirs.
    result = parse(f"# Sync{separator}more\nIntro.\nPriya to send the rota.")
    assert [a.source_line for a in result.action_items] == [3]
