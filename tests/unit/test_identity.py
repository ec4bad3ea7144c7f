"""Stable identifiers: a workflow id leads back to its prep."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from exec_assistant.domain.identity import (
    meeting_id_for,
    prep_id_for,
    prep_id_of,
    workflow_id_for,
)

MEETING = meeting_id_for("cal_work", "board@calendar.example", None)
START = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize("attempt", [1, 2, 9, 10, 123])
def test_every_attempt_of_a_prep_leads_back_to_the_prep(attempt: int) -> None:
    workflow_id = workflow_id_for(MEETING, START, attempt)

    assert prep_id_of(workflow_id) == prep_id_for(MEETING, START)


def test_the_first_attempt_is_the_prep_itself() -> None:
    assert prep_id_of(prep_id_for(MEETING, START)) == prep_id_for(MEETING, START)
    assert prep_id_for(MEETING, START).endswith("-20261201T1400Z")


def test_the_prep_id_is_short_enough_for_a_reminder_schedule_name() -> None:
    # EventBridge Scheduler names are at most 64 characters: "reminder-" + the prep id.
    latest = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    assert len("reminder-" + prep_id_of(workflow_id_for(MEETING, latest, 999))) <= 64


@pytest.mark.parametrize(
    "not_a_workflow_id",
    [
        "",
        "mtg_0123456789abcdef",
        "prep-mtg_0123456789abcdef-20261201T1400Z-a1",
        "prep-mtg_0123456789abcdef-20261201T1400Z-a0",
        "prep-mtg_0123456789abcdef-20261201T1400Z-a02",
        "prep-mtg_0123456789abcdef-20261201T1400Z-ax",
        "prep-mtg_0123456789abcdef-20261201T1400Z\n",
        "prep-mtg_0123456789ABCDEF-20261201T1400Z",
        "prep-mtg_0123456789abcdef-20261201T1400",
        "wf-123",
    ],
)
def test_a_string_that_is_no_workflow_id_is_refused(not_a_workflow_id: str) -> None:
    with pytest.raises(ValueError, match="not a prep workflow id"):
        prep_id_of(not_a_workflow_id)
