"""The prep workflow on real DBOS, on a temporary SQLite data folder."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.bootstrap import LocalApp, build_engine, build_local, build_prep
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.pack_documents import read_pack
from exec_assistant.services.sync_calendars import sync_calendars
from exec_assistant.settings import load_settings
from exec_assistant.workflows.local import DurableTimer, LocalWorkflowEngine

from factories import EXEC, LEADERS, calendar_text, stamp, vevent

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = LEADERS


@dataclass
class Rig:
    local: LocalApp
    deps: PrepDependencies
    engine: LocalWorkflowEngine
    calendar: Path
    outbox: Path

    def sync(self) -> list[str]:
        report = sync_calendars(
            self.local.calendar_sources([str(self.calendar)]),
            self.local.meetings,
            self.local.overrides,
            self.local.config.catalog,
            self.local.config.rules,
            self.local.executive,
            datetime.now(UTC),
            14,
        )
        return report.superseded_workflows

    def write(self, start: datetime, minutes: int = 60) -> None:
        self.calendar.write_text(
            calendar_text(
                vevent(
                    "lt@test",
                    "Leadership team",
                    stamp(start),
                    stamp(start + timedelta(minutes=minutes)),
                    tz=None,
                    attendees=PEOPLE,
                )
            )
        )

    def meeting(self) -> Meeting:
        return self.local.meetings.list_between(
            datetime.now(UTC) - timedelta(days=1), datetime.now(UTC) + timedelta(days=14)
        )[0]

    def wait_for(self, status: MeetingStatus, seconds: float = 20) -> Meeting:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            meeting = self.meeting()
            if meeting.status == status:
                return meeting
            time.sleep(0.05)
        raise AssertionError(f"meeting still {self.meeting().status}, expected {status}")

    def sent(self) -> list[str]:
        if not self.outbox.exists():
            return []
        return [json.loads(line)["kind"] for line in self.outbox.read_text().splitlines()]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    config = tmp_path / "config"
    config.mkdir()
    # A short wait for answers keeps the timeout path fast.
    (config / "notification_rules.yaml").write_text("response_timeout_hours: 0.0005\n")
    settings, _ = load_settings(
        {
            "home": tmp_path / "data",
            "config_dir": config,
            "user_email": EXEC,
            "timezone": "America/New_York",
            "context_dir": ROOT / "examples" / "context",
        }
    )
    local = build_local(settings, command="test", exclusive=True)
    outbox = tmp_path / "outbox.jsonl"
    clock = SystemClock()
    deps = build_prep(local, OutboxChannel(outbox), clock)
    engine = build_engine(local, deps, DurableTimer(clock))
    engine.launch()
    yield Rig(local, deps, engine, tmp_path / "calendar.ics", outbox)
    engine.shutdown()
    local.close()


def test_answers_resume_the_waiting_workflow(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))  # prep due now, no final reminder
    rig.sync()
    meeting = rig.meeting()
    workflow_id = rig.engine.start(meeting)
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.engine.deliver_answers(workflow_id, {"1": "Close the capacity plan"})
    outcome = rig.engine.result(workflow_id)
    assert outcome["outcome"] == "done" and outcome["answered"] is True
    pack = read_pack(rig.local.documents, meeting.meeting_id)
    assert pack is not None and pack.answers_received
    assert pack.answers["What are your top priorities for the team this week?"] == (
        "Close the capacity plan"
    )
    assert rig.sent() == ["questions", "pack"]
    assert rig.meeting().status == MeetingStatus.MATERIALS_READY


def test_no_answers_times_out_and_the_pack_is_still_written(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))
    rig.sync()
    meeting = rig.meeting()
    outcome = rig.engine.result(rig.engine.start(meeting))
    assert outcome["outcome"] == "done" and outcome["answered"] is False
    pack = read_pack(rig.local.documents, meeting.meeting_id)
    assert pack is not None and not pack.answers_received
    assert rig.sent() == ["questions", "notice", "pack"]


def test_starting_twice_starts_one_workflow(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))
    rig.sync()
    meeting = rig.meeting()
    first = rig.engine.start(meeting)
    second = rig.engine.start(meeting)
    assert first == second == workflow_id_for(meeting.meeting_id, meeting.start)
    rig.engine.result(first)
    assert rig.engine.start(meeting) == first
    time.sleep(0.3)
    assert rig.sent().count("questions") == 1
    assert rig.sent().count("pack") == 1


def test_the_final_reminder_fires_at_its_time(rig: Rig) -> None:
    start = datetime.now(UTC) + timedelta(hours=2, seconds=3)
    rig.write(start)
    rig.sync()
    meeting = rig.meeting()
    assert meeting.reminder_at == start.replace(microsecond=0) - timedelta(hours=2)
    workflow_id = rig.engine.start(meeting)
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.engine.deliver_answers(workflow_id, {})
    rig.wait_for(MeetingStatus.MATERIALS_READY)
    assert "reminder" not in rig.sent()
    rig.engine.result(workflow_id)
    assert datetime.now(UTC) >= meeting.reminder_at
    assert rig.sent()[-1] == "reminder"
    assert rig.meeting().status == MeetingStatus.REMINDED


def test_a_cancelled_meeting_stops_its_workflow_and_sends_nothing_more(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))
    rig.sync()
    workflow_id = rig.engine.start(rig.meeting())
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.calendar.write_text(calendar_text())  # the meeting is gone
    superseded = rig.sync()
    assert superseded == [workflow_id]
    for old in superseded:
        rig.engine.cancel(old)
    assert rig.meeting().status == MeetingStatus.CANCELLED
    time.sleep(1.5)  # longer than the wait for answers
    assert rig.engine.status(workflow_id) == "CANCELLED"
    assert rig.sent() == ["questions"]


def test_a_rescheduled_meeting_gets_a_fresh_workflow(rig: Rig) -> None:
    start = datetime.now(UTC) + timedelta(minutes=110)
    rig.write(start)
    rig.sync()
    old = rig.engine.start(rig.meeting())
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.write(start + timedelta(minutes=5))
    superseded = rig.sync()
    assert superseded == [old]
    rig.engine.cancel(old)
    moved = rig.meeting()
    assert moved.status == MeetingStatus.SCHEDULED
    new = rig.engine.start(moved)
    assert new != old
    rig.engine.deliver_answers(new, {"1": "after the move"})
    assert rig.engine.result(new)["outcome"] == "done"
    assert rig.engine.status(old) == "CANCELLED"
    assert rig.sent() == ["questions", "questions", "pack"]
