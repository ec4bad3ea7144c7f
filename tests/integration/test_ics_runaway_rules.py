"""A recurrence rule that names every second of the day (FREQ=DAILY with BYHOUR, BYMINUTE
and BYSECOND lists) is as much "not a meeting schedule" as FREQ=SECONDLY: one such event in a
calendar must not take the sync minutes and gigabytes. Read in a child process, so that a
reader that runs away is killed with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EVERY = ",".join(str(n) for n in range(60))
HOURS = ",".join(str(n) for n in range(24))
RUNAWAY = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//exec-assistant tests//EN",
        "BEGIN:VEVENT",
        "UID:runaway@test",
        "DTSTAMP:20261101T000000Z",
        "DTSTART:20261202T150000Z",
        "DTEND:20261202T160000Z",
        "SUMMARY:Every second",
        f"RRULE:FREQ=DAILY;BYHOUR={HOURS};BYMINUTE={EVERY};BYSECOND={EVERY}",
        "ORGANIZER:mailto:jordan.lee@northwind.example",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:priya.raman@northwind.example",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)
READ = (
    "import sys; from datetime import UTC, datetime, timedelta; "
    "from zoneinfo import ZoneInfo; "
    "from exec_assistant.calendars.ics import IcsCalendarSource; "
    "from exec_assistant.domain.errors import CalendarUnavailable; "
    "s = IcsCalendarSource(sys.argv[1], default_zone=ZoneInfo('America/New_York')); "
    "start = datetime(2026, 11, 30, tzinfo=UTC)\n"
    "try:\n    print(len(s.fetch(start, start + timedelta(days=14)).events))\n"
    "except CalendarUnavailable:\n    print(0)\n"
)


def test_a_rule_for_every_second_of_the_day_is_read_in_seconds(tmp_path: Path) -> None:
    path = tmp_path / "runaway.ics"
    path.write_text(RUNAWAY)
    try:
        read = subprocess.run(
            [sys.executable, "-c", READ, str(path)], capture_output=True, text=True, timeout=20
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("reading one event took more than 20 s") from None
    assert read.returncode == 0, read.stderr[-2000:]
    assert int(read.stdout) < 10_000  # not a million "meetings"
