"""`serve` while a calendar server answers empty for a moment: the meetings and the prep under
way are kept, and carry on when the calendar is back. Real processes on a data folder."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli_user import CliUser
from factories import LEADERS, stamp, vevent

pytestmark = pytest.mark.slow


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_empty_fetch_then_a_full_one_cancels_nothing_and_the_prep_goes_on(
    tmp_path: Path,
) -> None:
    user = CliUser(tmp_path)
    now = datetime.now(UTC)
    events = [
        vevent(
            f"lt{n}@test",
            f"Leadership team {n}",
            stamp(now + timedelta(minutes=110) + timedelta(days=n)),
            stamp(now + timedelta(minutes=170) + timedelta(days=n)),
            tz=None,
            attendees=LEADERS,
        )
        for n in range(4)
    ]
    calendar = user.calendar(*events)
    full = calendar.read_text()
    # Without quiet hours: in the evening they would move the next day's request to now.
    (user.data / "config").mkdir(parents=True)
    (user.data / "config" / "notification_rules.yaml").write_text("quiet_hours: null\n")
    outbox = tmp_path / "outbox.jsonl"
    log = tmp_path / "serve.log"

    def kinds() -> list[str]:
        if not outbox.exists():
            return []
        return [json.loads(line)["kind"] for line in outbox.read_text().splitlines()]

    with log.open("w") as out:
        serve = subprocess.Popen(
            user.command("serve"),
            env={
                **user.env,
                "EXEC_ASSISTANT_CALENDARS": str(calendar),
                "EXEC_ASSISTANT_OUTBOX": str(outbox),
                "EXEC_ASSISTANT_SERVE_TICK_SECONDS": "0.2",
                "EXEC_ASSISTANT_CALENDAR_POLL_HOURS": "0.0005",  # a sync every 1.8 s
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_until(lambda: kinds() == ["questions"], "the first prep to ask")
        user.calendar()  # the server answers with an empty calendar
        wait_until(lambda: "came back with no events" in log.read_text(), "the doubt")
        calendar.write_text(full)  # and is back
        syncs = log.read_text().count("Synced 1 calendar")
        wait_until(lambda: log.read_text().count("Synced 1 calendar") > syncs, "a full sync")
        statuses = [m["status"] for m in user.json("meetings")]
        assert "cancelled" not in statuses, statuses
        answers = tmp_path / "answers.yaml"
        answers.write_text("- Ship it\n")
        meeting_id = next(m for m in user.json("meetings") if m["status"] == "notified")
        user.ok("answer", meeting_id["meeting_id"], "--answers", str(answers))
        wait_until(lambda: "pack" in kinds(), "the pack")
        assert kinds() == ["questions", "pack"], log.read_text()
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=30)
    assert "Traceback" not in log.read_text()
