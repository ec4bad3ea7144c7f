"""The chat conversation on a real DBOS prep: thread replies, use defaults, snooze and its
re-ask by the tick, skip, reclassify; on a temporary data folder."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.bootstrap import LocalApp, PrepRuntime, build_local, build_runtime
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.ports import PrepRunState
from exec_assistant.services.conversation import (
    answer_in_thread,
    reclassify_meeting,
    skip_meeting,
    snooze_prep,
    use_defaults,
)
from exec_assistant.services.pack_documents import read_pack
from exec_assistant.services.preps import start_prep
from exec_assistant.services.tick import TickDependencies, Ticker

from factories import LEADERS, calendar_text, rig_settings, stamp, vevent

PRIORITIES = "What are your top priorities for the team this week?"


@dataclass
class Rig:
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


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
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
    made = Rig(local, runtime, outbox, clock)
    report = runtime.ticker.tick(sync=True, prepare=False)
    assert report.sync is not None
    try:
        yield made
    finally:
        runtime.engine.shutdown()
        local.close()


def _start(rig: Rig) -> str:
    workflow_id = start_prep(rig.local.meetings, rig.runtime.engine, rig.meeting()).workflow_id
    rig.wait_for(MeetingStatus.NOTIFIED)
    return workflow_id


def test_thread_replies_answer_one_by_one_and_the_last_resumes_the_prep(rig: Rig) -> None:
    workflow_id = _start(rig)
    first = rig.reply("1. Close the capacity plan")
    assert first.submitted is None  # type: ignore[attr-defined]
    time.sleep(0.3)
    assert rig.meeting().status == MeetingStatus.NOTIFIED  # still waiting
    rig.reply("The checkout outage")
    last = rig.reply("Approve the hiring plan")
    assert last.submitted is not None and last.submitted.resumed  # type: ignore[attr-defined]
    outcome = rig.runtime.engine.result(workflow_id)
    assert outcome.outcome == "done" and outcome.answered is True
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None and pack.answers[PRIORITIES] == "Close the capacity plan"
    assert rig.sent() == ["questions", "pack"]


def test_use_defaults_after_one_answer_writes_the_pack_with_it(rig: Rig) -> None:
    workflow_id = _start(rig)
    rig.reply("Close the capacity plan")
    use_defaults(
        rig.local.meetings, rig.local.chat_sessions, rig.runtime.engine, rig.meeting().meeting_id
    )
    outcome = rig.runtime.engine.result(workflow_id)
    assert outcome.outcome == "done" and outcome.answered is True
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None and pack.answers == {PRIORITIES: "Close the capacity plan"}
    assert rig.sent() == ["questions", "pack"]


def test_a_snoozed_prep_is_asked_again_by_the_tick_once_and_then_answered(rig: Rig) -> None:
    workflow_id = _start(rig)
    meeting_id = rig.meeting().meeting_id
    snooze_prep(
        rig.local.meetings, rig.local.chat_sessions, meeting_id, rig.clock.now(), hours=0.0002
    )
    time.sleep(1.0)
    assert rig.ticker().tick(sync=False).reasked == [meeting_id]
    assert rig.ticker().tick(sync=False).reasked == []  # a restarted tick sends nothing
    assert rig.sent() == ["questions", "questions"]
    rig.reply("1. a\n2. b\n3. c")
    assert rig.runtime.engine.result(workflow_id).answered is True
    assert rig.sent() == ["questions", "questions", "pack"]


def test_skip_cancels_the_waiting_prep_and_nothing_more_is_sent(rig: Rig) -> None:
    workflow_id = _start(rig)
    skip_meeting(
        rig.local.meetings, rig.runtime.engine, rig.meeting().meeting_id, rig.clock.now(), "no"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        run = rig.runtime.engine.status(workflow_id)
        if run is not None and run.state == PrepRunState.CANCELLED:
            break
        time.sleep(0.05)
    assert run is not None and run.state == PrepRunState.CANCELLED
    # Nothing more from the tick either: no restart, no notes request.
    rig.ticker().tick(sync=False)
    time.sleep(0.5)
    assert rig.sent() == ["questions"]
    assert rig.meeting().status == MeetingStatus.SKIPPED


def test_reclassifying_an_asking_prep_asks_the_new_types_questions_on_dbos(rig: Rig) -> None:
    old_workflow = _start(rig)
    local = rig.local
    [changed] = reclassify_meeting(
        local.meetings,
        local.chat_sessions,
        local.overrides,
        rig.runtime.engine,
        local.config.catalog,
        local.config.rules,
        local.executive,
        rig.meeting().meeting_id,
        "one_on_one",
        rig.clock.now(),
    )
    assert changed.prep_attempt == 2 and changed.workflow_id != old_workflow
    rig.wait_for(MeetingStatus.NOTIFIED)
    deadline = time.monotonic() + 10
    while rig.sent().count("questions") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    questions = [line for line in rig.lines() if line["kind"] == "questions"]
    assert questions[-1]["questions"] == list(local.config.catalog.get("one_on_one").prep_questions)
    assert str(questions[-1]["key"]).endswith("/SendPrepNotification2")
    run = rig.runtime.engine.status(old_workflow)
    assert run is not None and run.state == PrepRunState.CANCELLED
    rig.reply("1. The roadmap")
    use_defaults(local.meetings, local.chat_sessions, rig.runtime.engine, changed.meeting_id)
    assert changed.workflow_id is not None
    outcome = rig.runtime.engine.result(changed.workflow_id)
    assert outcome.outcome == "done"
    pack = read_pack(local.documents, changed.meeting_id)
    assert pack is not None and pack.meeting_type == "one_on_one"
    assert pack.answers == {"What do you want to make sure you cover with them?": "The roadmap"}
    assert rig.sent() == ["questions", "questions", "pack"]
