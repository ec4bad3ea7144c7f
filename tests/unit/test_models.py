"""The meeting lifecycle refuses illegal moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from exec_assistant.domain.errors import IllegalStatusTransition
from exec_assistant.domain.models import Meeting, MeetingStatus

S = MeetingStatus
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def meeting(status: MeetingStatus) -> Meeting:
    return Meeting(
        meeting_id="mtg_1",
        calendar_id="cal",
        series_id="ser_1",
        source_uid="uid",
        title="Sync",
        start=NOW + timedelta(days=1),
        end=NOW + timedelta(days=1, hours=1),
        timezone="UTC",
        status=status,
        discovered_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    "path",
    [
        [
            S.DISCOVERED,
            S.SCHEDULED,
            S.NOTIFIED,
            S.ANSWERED,
            S.MATERIALS_READY,
            S.REMINDED,
            S.COMPLETED,
        ],
        [S.DISCOVERED, S.SCHEDULED, S.NOTIFIED, S.TIMED_OUT, S.MATERIALS_READY, S.COMPLETED],
        [S.DISCOVERED, S.SKIPPED, S.SCHEDULED],
        [S.SCHEDULED, S.CANCELLED, S.SCHEDULED],
        [S.ANSWERED, S.SCHEDULED],  # the meeting moved: prep starts again
        [S.SCHEDULED, S.COMPLETED],  # notes arrived before the prep finished
    ],
)
def test_the_lifecycle_allows_its_paths(path: list[MeetingStatus]) -> None:
    current = meeting(path[0])
    for status in path[1:]:
        current = current.with_status(status)
    assert current.status == path[-1]


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.DISCOVERED, S.MATERIALS_READY),
        (S.SCHEDULED, S.MATERIALS_READY),
        (S.SKIPPED, S.COMPLETED),
        (S.COMPLETED, S.SCHEDULED),
        (S.COMPLETED, S.CANCELLED),
        (S.CANCELLED, S.NOTIFIED),
        (S.SKIPPED, S.REMINDED),
    ],
)
def test_illegal_moves_are_refused(start: MeetingStatus, to: MeetingStatus) -> None:
    with pytest.raises(IllegalStatusTransition, match=f"from '{start.value}' to '{to.value}'"):
        meeting(start).with_status(to)


def test_staying_in_a_status_is_allowed() -> None:
    assert meeting(S.COMPLETED).with_status(S.COMPLETED).status == S.COMPLETED


def test_instants_are_stored_in_utc_and_must_carry_a_zone() -> None:
    plus_two = timezone(timedelta(hours=2))
    m = meeting(S.SCHEDULED).model_copy()
    stored = Meeting.model_validate(
        {**m.model_dump(), "start": datetime(2026, 12, 1, 10, tzinfo=plus_two)}
    )
    assert stored.start == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert stored.start.utcoffset() == timedelta(0)
    with pytest.raises(ValidationError, match="timezone"):
        Meeting.model_validate({**m.model_dump(), "start": datetime(2026, 12, 1, 10)})


def test_duration_in_minutes() -> None:
    assert meeting(S.SCHEDULED).duration_minutes == 60
