"""The chat conversation on a real DBOS prep: thread replies, use defaults, snooze and its
re-ask by the tick, skip, reclassify; on a temporary data folder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exec_assistant.domain.models import MeetingStatus
from exec_assistant.ports import PrepRunState
from exec_assistant.services.conversation import (
    reclassify_meeting,
    skip_meeting,
    snooze_prep,
    use_defaults,
)
from exec_assistant.services.pack_documents import read_pack
from exec_assistant.services.preps import start_prep

from local_prep_rig import LocalPrepRig as Rig
from local_prep_rig import leadership_prep

PRIORITIES = "What are your top priorities for the team this week?"


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with leadership_prep(tmp_path) as made:
        yield made


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
