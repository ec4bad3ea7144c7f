"""The prep workflow on real DBOS, on a temporary SQLite data folder, driven by the spec."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbos import DBOS

from exec_assistant.bootstrap import LocalApp, PrepRuntime, build_local, build_runtime
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.clocks import SimulatedClock, SystemClock
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.models import ChatSession, Meeting, MeetingStatus
from exec_assistant.ports import ChatChannel, Clock, PrepRunState
from exec_assistant.services.answers import submit_answers
from exec_assistant.services.pack_documents import read_pack
from exec_assistant.services.preps import prep_request, start_prep
from exec_assistant.workflows.spec import (
    MEETING_PREP,
    SEND_MATERIALS,
    State,
    StateKind,
    WorkflowSpec,
)

from factories import LEADERS, calendar_text, rig_settings, stamp, vevent


@dataclass
class Rig:
    local: LocalApp
    runtime: PrepRuntime
    calendar: Path
    outbox: Path
    clock: Clock

    def sync(self) -> list[str]:
        report = self.runtime.ticker.tick(sync=True, prepare=False)
        assert report.sync is not None
        return report.cancelled

    def write(self, start: datetime, minutes: int = 60) -> None:
        self.calendar.write_text(
            calendar_text(
                vevent(
                    "lt@test",
                    "Leadership team",
                    stamp(start),
                    stamp(start + timedelta(minutes=minutes)),
                    tz=None,
                    attendees=LEADERS,
                )
            )
        )

    def meeting(self) -> Meeting:
        now = self.clock.now()
        found = self.local.meetings.list_between(now - timedelta(days=1), now + timedelta(days=14))
        return found[0]

    def start(self) -> str:
        return start_prep(self.local.meetings, self.runtime.engine, self.meeting()).workflow_id

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

    def answer(self, answers: Any) -> None:
        submit_answers(
            self.local.meetings,
            self.local.chat_sessions,
            self.runtime.engine,
            self.meeting().meeting_id,
            answers,
            "test",
        )

    def steps_of(self, workflow_id: str) -> list[str]:
        """The states DBOS recorded for the workflow, in order (its own receives and
        sleeps left out)."""
        names = [s["function_name"] for s in DBOS.list_workflow_steps(workflow_id)]
        return [n for n in names if not n.startswith("DBOS.")]


RigFactory = Callable[..., Rig]


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[RigFactory]:
    made: list[Rig] = []

    def make(
        channel: Callable[[Path, Clock], ChatChannel] | None = None,
        clock: Clock | None = None,
        timeout_hours: float = 0.0005,  # a short wait for answers keeps the timeout path fast
        spec: WorkflowSpec = MEETING_PREP,
    ) -> Rig:
        config = tmp_path / "config"
        config.mkdir(exist_ok=True)
        (config / "notification_rules.yaml").write_text(
            f"response_timeout_hours: {timeout_hours}\n"
        )
        calendar = tmp_path / "calendar.ics"
        calendar.write_text(calendar_text())
        settings = rig_settings(tmp_path, config, calendar)
        local = build_local(settings, command="test", exclusive=True)
        outbox = tmp_path / "outbox.jsonl"
        the_clock = clock or SystemClock()
        runtime = build_runtime(
            local,
            (channel or OutboxChannel)(outbox, the_clock),
            the_clock,
            pause=lambda seconds: None,
            spec=spec,
        )
        runtime.engine.launch()
        rig = Rig(local, runtime, calendar, outbox, the_clock)
        made.append(rig)
        return rig

    yield make
    for rig in made:
        rig.runtime.engine.shutdown()
        rig.local.close()


@pytest.fixture
def rig(make_rig: RigFactory) -> Rig:
    return make_rig()


def test_answers_resume_the_waiting_workflow(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))  # prep due now, no final reminder
    rig.sync()
    workflow_id = rig.start()
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.answer({"1": "Close the capacity plan"})
    outcome = rig.runtime.engine.result(workflow_id)
    assert outcome.outcome == "done" and outcome.answered is True
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None and pack.answers_received
    assert pack.answers["What are your top priorities for the team this week?"] == (
        "Close the capacity plan"
    )
    assert rig.sent() == ["questions", "pack"]
    assert rig.meeting().status == MeetingStatus.MATERIALS_READY


def test_no_answers_times_out_and_the_pack_is_still_written(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))
    rig.sync()
    outcome = rig.runtime.engine.result(rig.start())
    assert outcome.outcome == "done" and outcome.answered is False
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None and not pack.answers_received
    assert rig.sent() == ["questions", "notice", "pack"]


def test_starting_twice_starts_one_workflow(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))
    rig.sync()
    first, second = rig.start(), rig.start()
    meeting = rig.meeting()
    assert first == second == workflow_id_for(meeting.meeting_id, meeting.start)
    rig.runtime.engine.result(first)
    assert rig.start() == first
    time.sleep(0.3)
    assert rig.sent().count("questions") == 1
    assert rig.sent().count("pack") == 1


def test_the_final_reminder_fires_at_its_time(rig: Rig) -> None:
    start = datetime.now(UTC) + timedelta(hours=2, seconds=3)
    rig.write(start)
    rig.sync()
    meeting = rig.meeting()
    assert meeting.reminder_at == start.replace(microsecond=0) - timedelta(hours=2)
    workflow_id = rig.start()
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.answer({})
    rig.wait_for(MeetingStatus.MATERIALS_READY)
    assert "reminder" not in rig.sent()
    rig.runtime.engine.result(workflow_id)
    assert datetime.now(UTC) >= meeting.reminder_at
    assert rig.sent()[-1] == "reminder"
    assert rig.meeting().status == MeetingStatus.REMINDED


def test_a_cancelled_meeting_stops_its_workflow_and_sends_nothing_more(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))
    rig.sync()
    workflow_id = rig.start()
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.calendar.write_text(calendar_text())  # the meeting is gone
    assert rig.sync() == [workflow_id]
    assert rig.meeting().status == MeetingStatus.CANCELLED
    time.sleep(1.5)  # longer than the wait for answers
    run = rig.runtime.engine.status(workflow_id)
    assert run is not None and run.state == PrepRunState.CANCELLED
    assert rig.sent() == ["questions"]


def test_a_rescheduled_meeting_gets_a_fresh_workflow(rig: Rig) -> None:
    start = datetime.now(UTC) + timedelta(minutes=110)
    rig.write(start)
    rig.sync()
    old = rig.start()
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.write(start + timedelta(minutes=5))
    assert rig.sync() == [old]
    assert rig.meeting().status == MeetingStatus.SCHEDULED
    new = rig.start()
    assert new != old
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.answer({"1": "after the move"})
    assert rig.runtime.engine.result(new).outcome == "done"
    run = rig.runtime.engine.status(old)
    assert run is not None and run.state == PrepRunState.CANCELLED
    assert rig.sent() == ["questions", "questions", "pack"]


def _walk_recorded(data_of: Callable[[str], Any]) -> Callable[[State], str]:
    """A decision for `WorkflowSpec.walk` from what the engine recorded: the choice the data
    makes, the catch an error takes."""

    def decide(state: State) -> str:
        if state.kind == StateKind.CHOICE:
            return state.choose(data_of("data"))
        recorded = data_of(state.name)
        if isinstance(recorded, Exception):
            catch = state.catch_for(getattr(recorded, "error", type(recorded).__name__))
            assert catch is not None
            return catch.next
        assert state.next is not None
        return state.next

    return decide


def _spec_path(rig: Rig, workflow_id: str) -> list[str]:
    """The path through the spec the recorded steps imply, tasks only (as DBOS records)."""
    data: dict[str, Any] = {}
    recorded: dict[str, Any] = {}
    for step in DBOS.list_workflow_steps(workflow_id):
        name = step["function_name"]
        if name.startswith("DBOS."):
            if name == "DBOS.recv" and step["output"] is None:
                recorded["WaitForUserResponses"] = _Timeout()
            continue
        recorded[name] = step["error"] if step["error"] is not None else step["output"]
        state = MEETING_PREP[name]
        if state.result_path and step["error"] is None and step["output"] is not None:
            data[state.result_path[2:]] = step["output"]
    walked = MEETING_PREP.walk(
        _walk_recorded(lambda key: data if key == "data" else recorded.get(key))
    )
    executable = (StateKind.TASK, StateKind.PARALLEL, StateKind.WAIT_FOR_ANSWERS)
    return [n for n in walked if MEETING_PREP[n].kind in executable]


class _Timeout(Exception):
    error = "States.Timeout"


@pytest.mark.parametrize(
    "path", ["answered", "timed_out", "stopped", "answered_at_once", "failed", "reminded"]
)
def test_the_engine_runs_the_spec_and_nothing_else(make_rig: RigFactory, path: str) -> None:
    """The states DBOS recorded are exactly the path the spec gives for what the states
    returned: the engine has no order of its own."""

    class AtOnce(OutboxChannel):
        def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
            super().ask(meeting, session, key)
            return {"1": "at once"}

    class Down(OutboxChannel):
        def _emit(self, line: str) -> None:
            raise ConnectionError("down")

    channel = {"answered_at_once": AtOnce, "failed": Down}.get(path)
    rig = make_rig(channel=channel)
    starts_in = timedelta(hours=2, seconds=4) if path == "reminded" else timedelta(minutes=110)
    rig.write(datetime.now(UTC) + starts_in)
    rig.sync()
    if path == "stopped":
        rig.local.meetings.update(
            rig.meeting().meeting_id, lambda m: m.with_status(MeetingStatus.SKIPPED)
        )
    workflow_id = rig.start()
    if path in ("answered", "reminded"):
        rig.wait_for(MeetingStatus.NOTIFIED)
        deadline = time.monotonic() + 10
        while rig.steps_of(workflow_id)[-1:] != ["WaitForUserResponses"]:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        rig.answer(["yes"])
    if path == "failed":
        with pytest.raises(Exception, match="SendPrepNotification failed"):
            rig.runtime.engine.result(workflow_id)
    else:
        rig.runtime.engine.result(workflow_id)
    steps = rig.steps_of(workflow_id)
    assert steps == _spec_path(rig, workflow_id)
    expected = {
        "answered": ["ClassifyMeeting", "SendPrepNotification", "WaitForUserResponses"],
        "timed_out": ["ClassifyMeeting", "SendPrepNotification", "WaitForUserResponses"],
        "stopped": ["ClassifyMeeting"],
        "answered_at_once": ["ClassifyMeeting", "SendPrepNotification", "GatherContext"],
        "failed": ["ClassifyMeeting", "SendPrepNotification", "RecordPrepFailure"],
        "reminded": ["ClassifyMeeting", "SendPrepNotification", "WaitForUserResponses"],
    }[path]
    assert steps[: len(expected)] == expected
    if path == "timed_out":
        assert "HandleTimeout" in steps
    if path in ("stopped", "failed"):
        assert steps == expected
    elif path == "reminded":
        assert steps[-2:] == ["ScheduleFinalReminder", "SendFinalReminder"]
    else:
        assert steps[-3:] == ["GenerateMaterials", "SendPrepMaterials", "ScheduleFinalReminder"]


class FlakyOutbox(OutboxChannel):
    """The outbox, failing as a network would: while `broken()` says so."""

    def __init__(self, path: Path, clock: Clock, broken: Callable[[], bool]) -> None:
        super().__init__(path, clock)
        self._broken = broken
        self.failures = 0

    def _emit(self, line: str) -> None:
        if self._broken():
            self.failures += 1
            raise ConnectionError("the chat service did not answer")
        super()._emit(line)


def test_a_channel_that_fails_once_is_retried_and_sends_once(make_rig: RigFactory) -> None:
    failures = iter([True])
    channels: list[FlakyOutbox] = []

    def flaky(path: Path, clock: Clock) -> FlakyOutbox:
        channels.append(FlakyOutbox(path, clock, lambda: next(failures, False)))
        return channels[0]

    rig = make_rig(channel=flaky)
    channel = channels[0]
    rig.write(datetime.now(UTC) + timedelta(minutes=110))
    rig.sync()
    workflow_id = rig.start()
    rig.wait_for(MeetingStatus.NOTIFIED)
    rig.answer(["Ship it"])
    assert rig.runtime.engine.result(workflow_id).outcome == "done"
    assert channel.failures == 1
    assert rig.sent() == ["questions", "pack"]


def test_a_channel_down_for_an_hour_fails_visibly_then_the_prep_is_retried(
    make_rig: RigFactory,
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    clock = SimulatedClock(start)
    back_at = start + timedelta(hours=1)
    rig = make_rig(
        channel=lambda path, c: FlakyOutbox(path, c, lambda: clock.now() < back_at),
        clock=clock,
        timeout_hours=1,
    )
    rig.write(start + timedelta(minutes=110))  # prep due now, meeting before any reminder
    rig.sync()
    first = rig.runtime.ticker.tick()
    assert len(first.started) == 1
    failed = rig.wait_for(MeetingStatus.FAILED)
    assert failed.prep_error is not None
    assert failed.prep_error.startswith("SendPrepNotification failed: ConnectionError")
    assert failed.retry_at == start + timedelta(minutes=5)
    attempts = 1
    while rig.meeting().status == MeetingStatus.FAILED:
        retry_at = rig.meeting().retry_at
        assert retry_at is not None, rig.meeting().prep_error
        clock.advance_to(retry_at)
        assert len(rig.runtime.ticker.tick().retried) == 1
        attempts += 1
        deadline = time.monotonic() + 20
        while rig.meeting().status not in (MeetingStatus.FAILED, MeetingStatus.NOTIFIED):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    # Tried at +0, +5, +15, +35, +75 minutes: the last one after the hour.
    assert attempts == 5
    assert clock.now() == start + timedelta(minutes=75)
    # The time to answer counts from when the questions went out, not from the first try.
    session = rig.local.chat_sessions.find_for_meeting(rig.meeting().meeting_id)[0]
    assert session.answers_due == start + timedelta(minutes=90)
    rig.answer(["Back"])
    rig.wait_for(MeetingStatus.MATERIALS_READY)
    assert rig.sent() == ["questions", "pack"]  # nothing twice, nothing lost
    assert rig.meeting().prep_attempt == 5


def test_answers_given_while_asking_complete_the_wait_at_once(make_rig: RigFactory) -> None:
    rigs: list[Rig] = []

    class AnsweredWhileAsking(OutboxChannel):
        """The executive answers the moment the questions arrive: before the prep has
        finished sending them, let alone attached its token to the session."""

        def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
            super().ask(meeting, session, key)
            rigs[0].answer(["Straight away"])
            return None

    rig = make_rig(channel=AnsweredWhileAsking, timeout_hours=1)
    rigs.append(rig)
    rig.write(datetime.now(UTC) + timedelta(hours=1, minutes=50))
    rig.sync()
    started = time.monotonic()
    outcome = rig.runtime.engine.result(rig.start())
    assert time.monotonic() - started < 10  # not the hour's wait
    assert outcome.outcome == "done" and outcome.answered
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None and pack.answers_received
    assert rig.sent() == ["questions", "pack"]


def test_the_request_of_a_meeting_names_its_attempt(rig: Rig) -> None:
    rig.write(datetime.now(UTC) + timedelta(hours=30))
    rig.sync()
    meeting = rig.meeting().model_copy(update={"prep_attempt": 3})
    request = prep_request(meeting)
    assert request.workflow_id == f"{request.prep_id}-a3" and request.attempt == 3


def test_a_delivery_that_never_returns_fails_the_prep_visibly(make_rig: RigFactory) -> None:
    """A pipe nobody reads, a chat service that never answers: the send gives up at its time
    limit (1 s here, SEND_LIMIT_SECONDS in the spec), is retried, and the prep is shown failed
    instead of hanging on."""
    released = threading.Event()

    class Endless(OutboxChannel):
        def deliver_pack(self, meeting: Meeting, pack: Any, location: str, key: str) -> None:
            released.wait(30)

    states = dict(MEETING_PREP.states)
    states[SEND_MATERIALS] = replace(states[SEND_MATERIALS], timeout_seconds=1)
    rig = make_rig(channel=Endless, spec=replace(MEETING_PREP, states=states))
    try:
        rig.write(datetime.now(UTC) + timedelta(minutes=110))
        rig.sync()
        workflow_id = rig.start()
        rig.wait_for(MeetingStatus.NOTIFIED)
        rig.answer(["Ship it"])
        failed = rig.wait_for(MeetingStatus.FAILED, seconds=30)
        assert failed.prep_error == (
            "SendPrepMaterials failed: States.Timeout: SendPrepMaterials did not finish within 1 s"
        )
        # The meeting shows the failure a moment before the workflow has ended.
        deadline = time.monotonic() + 10
        run = rig.runtime.engine.status(workflow_id)
        while run is not None and run.state == PrepRunState.RUNNING:
            assert time.monotonic() < deadline, "the failed workflow never ended"
            time.sleep(0.05)
            run = rig.runtime.engine.status(workflow_id)
        assert run is not None and run.state == PrepRunState.FAILED
    finally:
        released.set()


def test_a_source_whose_facts_cannot_be_kept_is_unavailable_and_the_pack_still_goes_out(
    rig: Rig,
) -> None:
    rig.write(datetime.now(UTC) + timedelta(minutes=110))
    rig.sync()
    # A file where the context's folder belongs: every branch's write fails, all retries too.
    (rig.local.data.path / "temp").write_text("not a folder")
    outcome = rig.runtime.engine.result(rig.start())
    assert outcome.outcome == "done"
    pack = read_pack(rig.local.documents, rig.meeting().meeting_id)
    assert pack is not None
    assert pack.background["incidents"] == ["unavailable: the source failed: DataFolderError"]
    assert rig.sent() == ["questions", "notice", "pack"]
