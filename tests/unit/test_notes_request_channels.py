"""Every non-Slack chat channel asks for a meeting's notes once it has ended: the terminal
prints the command, the outbox writes a line; several channels pass it on."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from exec_assistant.channels.answering import AnsweringChannel
from exec_assistant.channels.fan_out import FanOutChannel
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.channels.terminal import TerminalChannel
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import Meeting

from factories import NEW_YORK, event
from prep_fakes import FixedClock, RecordingChannel

KEY = "notes-request/mtg_x"


@pytest.fixture
def meeting(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Meeting:
    return assess_event(
        event("Jordan / Priya 1:1 [link=https://evil.example]x[/link]\x1b[2J"),
        None,
        catalog,
        rules,
        executive,
        None,
        datetime(2026, 11, 30, tzinfo=UTC),
    )


def test_the_terminal_prints_the_notes_command_and_obeys_no_markup(meeting: Meeting) -> None:
    out = io.StringIO()
    channel = TerminalChannel(
        Console(file=out, width=200, color_system=None), NEW_YORK, interactive=False
    )
    channel.ask_for_notes(meeting, KEY)
    text = out.getvalue()
    assert f"exec-assistant notes {meeting.meeting_id} FILE" in text
    assert "[link=https://evil.example]" in text and "\x1b" not in text
    assert "ended Wed 02 Dec 11:00" in text


def test_the_outbox_writes_a_notes_request_line(meeting: Meeting, tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    OutboxChannel(path, FixedClock()).ask_for_notes(meeting, KEY)
    [line] = path.read_text().splitlines()
    entry = json.loads(line)
    assert entry["kind"] == "notes_request" and entry["key"] == KEY
    assert entry["meeting_id"] == meeting.meeting_id
    assert entry["command"] == f"exec-assistant notes {meeting.meeting_id} FILE"


def test_fan_out_and_answering_channels_pass_the_request_on_once(meeting: Meeting) -> None:
    first, second = RecordingChannel(name="a"), RecordingChannel(name="b", failures=0)
    fan_out = FanOutChannel(first, second)
    second.failures = 1
    with pytest.raises(ConnectionError):
        fan_out.ask_for_notes(meeting, KEY)
    fan_out.ask_for_notes(meeting, KEY)  # the state's retry
    assert first.sent == [("notes_request", meeting.meeting_id)]
    assert second.sent == [("notes_request", meeting.meeting_id)]
    inner = RecordingChannel()
    AnsweringChannel(inner, None).ask_for_notes(meeting, KEY)
    assert inner.keys == [KEY]
