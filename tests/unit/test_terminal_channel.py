"""The terminal channel: prompts at the keyboard, answers from a file, or says how to answer."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.channels.terminal import TerminalChannel
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.errors import UsageError
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ChatSession, Meeting

from factories import NEW_YORK, event

SESSION = ChatSession(
    session_id="s",
    user_id="u",
    meeting_id="m",
    channel="terminal",
    questions=("First?", "Second?", "Third?"),
    answers_due=datetime(2026, 12, 1, 12, tzinfo=UTC),
    created_at=0,
    expires_at=1,
)


@pytest.fixture
def meeting(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Meeting:
    return assess_event(
        event("Jordan / Priya 1:1"),
        None,
        catalog,
        rules,
        executive,
        None,
        datetime(2026, 11, 30, tzinfo=UTC),
    )


def test_questions_are_asked_at_the_keyboard(
    meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Cover on-call\n\nCheck workload\n"))
    console = Console(file=io.StringIO())
    answers = TerminalChannel(console, NEW_YORK, interactive=True).ask(
        meeting, SESSION, "prep-x/SendPrepNotification"
    )
    assert answers == {"1": "Cover on-call", "3": "Check workload"}


def test_without_a_keyboard_it_says_how_to_answer(meeting: Meeting) -> None:
    out = io.StringIO()
    answers = TerminalChannel(Console(file=out, width=120), NEW_YORK, interactive=False).ask(
        meeting, SESSION, "prep-x/SendPrepNotification"
    )
    assert answers is None
    text = out.getvalue()
    assert "1. First?" in text and "3. Third?" in text
    assert f"exec-assistant answer {meeting.meeting_id} --answers FILE" in text
    assert "Answer by Tue 01 Dec 07:00" in text


def test_answers_from_a_file_by_type(meeting: Meeting, tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("meetings:\n  one_on_one: [a, b]\n  qbr: [q]\n")
    channel = TerminalChannel(
        Console(file=io.StringIO()), NEW_YORK, interactive=False, answers=AnswersFile(path)
    )
    assert channel.ask(meeting, SESSION, "prep-x/SendPrepNotification") == {"1": "a", "2": "b"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("42\n", "expected a list of answers"),
        ("meetings: [1, 2]\n", "'meetings' must be a mapping"),
        ("- [unclosed\n", "not valid YAML or JSON"),
    ],
)
def test_a_bad_answers_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        AnswersFile(path)


def test_a_missing_answers_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        AnswersFile(tmp_path / "nope.yaml")


KEY = "prep-x/SendPrepNotification"


def test_end_of_input_at_the_prompt_means_no_more_answers(
    meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Cover on-call\n"))  # then Ctrl-D
    out = io.StringIO()
    answers = TerminalChannel(Console(file=out), NEW_YORK, interactive=True).ask(
        meeting, SESSION, KEY
    )
    assert answers == {"1": "Cover on-call"}
    assert "End of input" in out.getvalue()


def test_titles_and_questions_are_shown_as_text_not_markup_or_escapes(
    meeting: Meeting,
) -> None:
    hostile = meeting.model_copy(
        update={"title": "[/bold][link=https://evil.example]Board[/link] \x1b[2J\u202eevil"}
    )
    session = SESSION.model_copy(update={"questions": ("[red]Really?[/red]\x1b]8;;x\x07",)})
    out = io.StringIO()
    channel = TerminalChannel(Console(file=out, width=200), NEW_YORK, interactive=False)
    channel.ask(hostile, session, KEY)
    channel.tell(hostile, "[bold]note[/bold]", KEY)
    text = out.getvalue()
    assert "[/bold][link=https://evil.example]Board[/link]" in text
    assert "[red]Really?[/red]" in text and "[bold]note[/bold]" in text
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\x1b[2J" in text
