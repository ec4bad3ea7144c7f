"""A real DBOS prep of one leadership-team meeting, on a temporary data folder: its prep due
now, its wait for answers long enough that a test ends it by what it does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from exec_assistant.bootstrap import LocalApp, PrepRuntime, build_local, build_runtime
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.services.conversation import answer_in_thread
from exec_assistant.services.tick import TickDependencies, Ticker

from factories import LEADERS, calendar_text, rig_settings, stamp, vevent


@dataclass
class LocalPrepRig:
    local: LocalApp
    runtime: PrepRuntime
    outbox: Path
    clock: SystemClock

    def meeting(self) -> Meeting:
        now = self.clock.now()
        return self.local.meetings.list_between(now - timedelta(days=1), now + timedelta(days=2))[0]

    def wait_for(self, status: MeetingStatus, seconds: float = 20) -> Meeting:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            meeting = self.meeting()
            if meeting.status == status:
                return meeting
            time.sleep(0.05)
        raise AssertionError(f"meeting still {self.meeting().status}, expected {status}")

    def lines(self) -> list[dict[str, object]]:
        if not self.outbox.exists():
            return []
        return [json.loads(line) for line in self.outbox.read_text().splitlines()]

    def sent(self) -> list[object]:
        return [line["kind"] for line in self.lines()]

    def reply(self, text: str) -> object:
        return answer_in_thread(
            self.local.meetings,
            self.local.chat_sessions,
            self.runtime.engine,
            self.meeting().meeting_id,
            text,
        )

    def ticker(self) -> Ticker:
        local = self.local
        return Ticker(
            TickDependencies(
                meetings=local.meetings,
                overrides=local.overrides,
                calendar_states=local.calendar_states,
                catalog=local.config.catalog,
                rules=local.config.rules,
                executive=local.executive,
                engine=self.runtime.engine,
                clock=self.clock,
                sources=lambda: [],
                channel=OutboxChannel(self.outbox, self.clock),
                sessions=local.chat_sessions,
                deliveries=local.deliveries,
            ),
            sync_every=None,
        )


@contextmanager
def leadership_prep(tmp_path: Path) -> Iterator[LocalPrepRig]:
    """The assistant of a test in `tmp_path`, DBOS launched, its calendar synced."""
    config = tmp_path / "config"
    config.mkdir()
    # Long enough a wait that every test ends it by what it does, not by the time-out.
    (config / "notification_rules.yaml").write_text("response_timeout_hours: 0.05\n")
    start = datetime.now(UTC) + timedelta(minutes=110)  # prep due now, no final reminder
    calendar = tmp_path / "calendar.ics"
    calendar.write_text(
        calendar_text(
            vevent(
                "lt@test",
                "Leadership team",
                stamp(start),
                stamp(start + timedelta(minutes=60)),
                tz=None,
                attendees=LEADERS,
            )
        )
    )
    settings = rig_settings(tmp_path, config, calendar)
    local = build_local(settings, command="test", exclusive=True)
    outbox = tmp_path / "outbox.jsonl"
    clock = SystemClock()
    runtime = build_runtime(local, OutboxChannel(outbox, clock), clock, pause=lambda s: None)
    runtime.engine.launch()
    made = LocalPrepRig(local, runtime, outbox, clock)
    report = runtime.ticker.tick(sync=True, prepare=False)
    assert report.sync is not None
    try:
        yield made
    finally:
        runtime.engine.shutdown()
        local.close()
