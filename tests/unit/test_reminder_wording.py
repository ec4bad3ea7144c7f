"""The final reminder says how far off the meeting is: with `final_reminder_minutes: 30` it
goes out half an hour before, and must not announce the meeting as two hours away."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from exec_assistant.channels.terminal import TerminalChannel
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import FinalReminder

from factories import NEW_YORK, event

START = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_a_reminder_half_an_hour_before_does_not_say_in_2_hours(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    half_hour = rules.model_copy(update={"final_reminder_minutes": 30})
    meeting = assess_event(
        event("Jordan / Priya 1:1", start=START),
        None,
        catalog,
        half_hour,
        executive,
        None,
        START - timedelta(days=1),
    )
    assert meeting.reminder_at == START - timedelta(minutes=30)
    out = io.StringIO()
    reminder = FinalReminder(
        meeting_id=meeting.meeting_id,
        title=meeting.title,
        start=meeting.start,
        timezone="America/New_York",
        headline=("Their topics (20 min)",),
    )
    TerminalChannel(Console(file=out, width=120), NEW_YORK, interactive=False).remind(
        meeting, reminder, "prep-x/SendFinalReminder"
    )
    assert "In 2 hours" not in out.getvalue(), out.getvalue()
