"""A VEVENT nested inside another (without a UID, with a recurrence rule) is an oddity of a
hand-made or broken feed: it is skipped with a warning, or the calendar refused in words;
never a Python error."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from exec_assistant.calendars.ics import IcsCalendarSource
from exec_assistant.domain.errors import CalendarUnavailable

from factories import NEW_YORK

NESTED = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//exec-assistant tests//EN",
        "BEGIN:VEVENT",
        "UID:outer@test",
        "DTSTAMP:20261101T000000Z",
        "DTSTART:20261202T150000Z",
        "DTEND:20261202T160000Z",
        "SUMMARY:Weekly sync",
        "ORGANIZER:mailto:jordan.lee@northwind.example",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:priya.raman@northwind.example",
        "BEGIN:VEVENT",
        "DTSTART:20261203T150000Z",
        "RRULE:FREQ=DAILY;COUNT=2",
        "END:VEVENT",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)


def test_a_nested_event_without_uid_is_not_a_python_error(tmp_path: Path) -> None:
    path = tmp_path / "nested.ics"
    path.write_text(NESTED)
    source = IcsCalendarSource(str(path), default_zone=NEW_YORK)
    start = datetime(2026, 11, 30, tzinfo=UTC)
    try:
        fetched = source.fetch(start, start + timedelta(days=14))
    except CalendarUnavailable:
        return  # refused in words: fine
    assert [e.title for e in fetched.events if e.uid == "outer@test"] == ["Weekly sync"]


NESTED_ENDLESS_RULE = NESTED.replace(
    "RRULE:FREQ=DAILY;COUNT=2", "UID:inner@test\r\nRRULE:FREQ=DAILY;INTERVAL=0"
)


def test_a_nested_event_with_an_interval_of_0_does_not_hang_the_sync(tmp_path: Path) -> None:
    """INTERVAL=0 is refused in a top-level event; inside another it must not spin forever
    (a sync that never ends leaves `serve` preparing nothing). Read in a child process, so
    that a reader that spins is killed with it."""
    path = tmp_path / "nested.ics"
    path.write_text(NESTED_ENDLESS_RULE)
    code = (
        "import sys; from datetime import UTC, datetime, timedelta; "
        "from zoneinfo import ZoneInfo; "
        "from exec_assistant.calendars.ics import IcsCalendarSource; "
        "from exec_assistant.domain.errors import CalendarUnavailable; "
        "s = IcsCalendarSource(sys.argv[1], default_zone=ZoneInfo('America/New_York')); "
        "start = datetime(2026, 11, 30, tzinfo=UTC)\n"
        "try:\n    s.fetch(start, start + timedelta(days=14))\n"
        "except CalendarUnavailable:\n    pass\n"
    )
    try:
        read = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=15
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("reading the calendar did not end within 15 s") from None
    assert read.returncode == 0, read.stderr[-2000:]
