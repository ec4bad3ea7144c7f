"""Every chat channel asks a follow-up question: at the keyboard, from an answers file, as a
JSON line, or through several channels at once; its text is shown, never obeyed."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from exec_assistant.channels.answering import AnsweringChannel
from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.channels.fan_out import FanOutChannel
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.channels.terminal import TerminalChannel
from exec_assistant.domain.answers import AnswersInvalid, follow_up_answers, validate_answers
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ChatSession, FollowUpTurn, Meeting

from factories import NEW_YORK, event
from prep_fakes import FixedClock, RecordingChannel

KEY = "prep-x/FollowUp1"
SESSION = ChatSession(
    session_id="ses_1",
    user_id="u",
    meeting_id="m",
    channel="terminal",
    questions=("Priorities?", "Risks?"),
    answers={"1": "Ship it", "2": "the incident"},
    answers_given=True,
    created_at=0,
    expires_at=1,
)
TURN = FollowUpTurn(question_number="2", question="Which incident: INC-2291?")


@pytest.fixture
def meeting(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Meeting:
    return assess_event(
        event("Jordan / Priya 1:1"), None, catalog, rules, executive, None,
        datetime(2026, 11, 30, tzinfo=UTC),
    )  # fmt: skip


def test_the_follow_up_is_read_at_the_keyboard(
    meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("INC-2291, the checkout outage\nmore\n"))
    out = io.StringIO()
    got = TerminalChannel(Console(file=out, width=160), NEW_YORK, interactive=True).follow_up(
        meeting, SESSION, TURN, KEY
    )
    assert got == "INC-2291, the checkout outage"
    assert "Which incident: INC-2291?" in out.getvalue()
    assert "the incident" in out.getvalue()


def test_end_of_input_at_the_follow_up_means_nothing_to_add(
    meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    channel = TerminalChannel(Console(file=io.StringIO()), NEW_YORK, interactive=True)
    assert channel.follow_up(meeting, SESSION, TURN, KEY) == ""


def test_without_a_keyboard_it_says_how_to_answer_the_follow_up(meeting: Meeting) -> None:
    out = io.StringIO()
    channel = TerminalChannel(Console(file=out, width=160), NEW_YORK, interactive=False)
    assert channel.follow_up(meeting, SESSION, TURN, KEY) is None
    text = out.getvalue()
    assert "Which incident: INC-2291?" in text
    assert f"exec-assistant answer {meeting.meeting_id} --answers FILE" in text
    assert "question 2's" in text


def test_the_follow_up_and_the_answer_are_shown_as_text(meeting: Meeting) -> None:
    session = SESSION.model_copy(
        update={"answers": {"2": "[link=https://evil.example]the[/link] \x1b[2J\u202eincident"}}
    )
    turn = TURN.model_copy(update={"question": "[bold red]Which[/] \x1b]8;;x\x07one?"})
    out = io.StringIO()
    TerminalChannel(Console(file=out, width=200), NEW_YORK, interactive=False).follow_up(
        meeting, session, turn, KEY
    )
    text = out.getvalue()
    assert "[bold red]Which[/]" in text and "[link=https://evil.example]the[/link]" in text
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text


def test_the_compact_view_shows_the_follow_up_on_one_line(meeting: Meeting) -> None:
    out = io.StringIO()
    channel = TerminalChannel(
        Console(file=out, width=200), NEW_YORK, interactive=False, compact_clock=FixedClock()
    )
    assert channel.follow_up(meeting, SESSION, TURN, KEY) is None
    assert out.getvalue().count("\n") == 1 and "follow-up on answer 2" in out.getvalue()


def test_an_answers_file_answers_a_follow_up_in_its_section(
    meeting: Meeting, tmp_path: Path
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(
        "meetings:\n"
        "  one_on_one:\n"
        "    1: Ship it\n"
        "    2: the incident\n"
        "    follow_up:\n"
        "      2: INC-2291, the checkout outage\n"
    )
    answers = AnswersFile(path)
    assert answers.answers_for(meeting, SESSION.questions) == {"1": "Ship it", "2": "the incident"}
    terminal = TerminalChannel(
        Console(file=io.StringIO()), NEW_YORK, interactive=False, answers=answers
    )
    assert terminal.follow_up(meeting, SESSION, TURN, KEY) == "INC-2291, the checkout outage"
    answering = AnsweringChannel(RecordingChannel(), answers)
    assert answering.follow_up(meeting, SESSION, TURN, KEY) == "INC-2291, the checkout outage"
    other = TURN.model_copy(update={"question_number": "1"})
    assert answering.follow_up(meeting, SESSION, other, KEY) is None


def test_a_follow_up_section_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(AnswersInvalid, match="'follow_up' holds the answers to follow-up"):
        follow_up_answers({"1": "a", "follow_up": ["x"]}, ("Q?",), "answers.yaml")
    with pytest.raises(AnswersInvalid, match="there is no question 5"):
        follow_up_answers({"follow_up": {5: "x"}}, ("Q?",), "answers.yaml")
    assert validate_answers({"1": "a", "follow_up": {1: "b"}}, ("Q?",), "f") == {"1": "a"}


def test_the_outbox_writes_the_follow_up_as_a_json_line(meeting: Meeting, tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    assert OutboxChannel(path, FixedClock()).follow_up(meeting, SESSION, TURN, KEY) is None
    (line,) = path.read_text().splitlines()
    entry = json.loads(line)
    assert entry["kind"] == "follow_up" and entry["key"] == KEY
    assert (entry["question_number"], entry["question"], entry["answer"]) == (
        "2",
        "Which incident: INC-2291?",
        "the incident",
    )
    assert entry["session_id"] == "ses_1"


def test_several_channels_ask_once_each_and_the_first_answer_wins(meeting: Meeting) -> None:
    quiet, answering = RecordingChannel(), RecordingChannel(follow_up_answers=["INC-2291"])
    fan_out = FanOutChannel(quiet, answering)
    assert fan_out.follow_up(meeting, SESSION, TURN, KEY) == "INC-2291"
    assert fan_out.follow_up(meeting, SESSION, TURN, KEY) == "INC-2291"  # a retry: not again
    assert quiet.kinds() == ["follow_up"] and answering.kinds() == ["follow_up"]
