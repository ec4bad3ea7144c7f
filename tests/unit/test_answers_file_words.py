"""An answers file keeps the words the executive typed: YAML's readings of bare words and
numbers ("no" as false, "0755" as octal, "12:30" as a number of minutes) never reach a pack."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import Meeting

from factories import event

QUESTIONS = ("Anything to raise?", "Which room?", "When do we stop?")


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


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("no", "no"),
        ("yes", "yes"),
        ("off", "off"),
        ("0755", "0755"),
        ("12:30", "12:30"),
        ("1_000", "1_000"),
        ("0x1F", "0x1F"),
    ],
)
def test_a_bare_word_or_number_in_a_list_is_kept_as_typed(
    meeting: Meeting, tmp_path: Path, typed: str, kept: str
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(f"- {typed}\n")
    assert AnswersFile(path).answers_for(meeting, QUESTIONS) == {"1": kept}


def test_bare_words_in_a_mapping_by_question_number_are_kept_as_typed(
    meeting: Meeting, tmp_path: Path
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("1: no\n2: 0755\n3: 12:30\n")
    assert AnswersFile(path).answers_for(meeting, QUESTIONS) == {
        "1": "no",
        "2": "0755",
        "3": "12:30",
    }


def test_bare_words_for_several_meetings_are_kept_as_typed(
    meeting: Meeting, tmp_path: Path
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("meetings:\n  one_on_one:\n    - no\n    - 0755\n")
    assert AnswersFile(path).answers_for(meeting, QUESTIONS) == {"1": "no", "2": "0755"}
