"""Prep and reminder times: lead hours, quiet hours (never later), prep now when overdue."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from exec_assistant.domain.meeting_types import QuietHours
from exec_assistant.domain.timing import (
    compute_prep_at,
    compute_reminder_at,
    move_before_quiet_hours,
)

from factories import NEW_YORK

QUIET = QuietHours(start=time(21, 0), end=time(7, 0))
EARLY = datetime(2026, 11, 1, tzinfo=UTC)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def test_prep_starts_lead_hours_before_the_meeting() -> None:
    start = ny(2026, 12, 10, 13, 0)
    assert compute_prep_at(start, 72, QUIET, NEW_YORK, EARLY) == ny(2026, 12, 7, 13, 0)


def test_prep_in_quiet_hours_after_midnight_moves_to_the_evening_before() -> None:
    # 09:00 meeting, 12 h lead -> 21:00, inside quiet hours -> 20:59.
    prep = compute_prep_at(ny(2026, 12, 1, 9, 0), 12, QUIET, NEW_YORK, EARLY)
    assert prep == ny(2026, 11, 30, 20, 59)
    prep = compute_prep_at(ny(2026, 12, 1, 14, 0), 12, QUIET, NEW_YORK, EARLY)  # 02:00
    assert prep == ny(2026, 11, 30, 20, 59)


def test_prep_in_quiet_hours_before_midnight_moves_earlier_the_same_evening() -> None:
    assert move_before_quiet_hours(ny(2026, 12, 1, 23, 30), QUIET, NEW_YORK) == ny(
        2026, 12, 1, 20, 59
    )


def test_the_edges_of_quiet_hours() -> None:
    assert move_before_quiet_hours(ny(2026, 12, 1, 20, 59), QUIET, NEW_YORK) == ny(
        2026, 12, 1, 20, 59
    )
    assert move_before_quiet_hours(ny(2026, 12, 1, 7, 0), QUIET, NEW_YORK) == ny(2026, 12, 1, 7, 0)
    assert move_before_quiet_hours(ny(2026, 12, 1, 6, 59), QUIET, NEW_YORK) == ny(
        2026, 11, 30, 20, 59
    )


def test_a_moved_prep_is_never_later_than_asked() -> None:
    instant = datetime(2026, 11, 20, tzinfo=UTC)
    for minutes in range(0, 24 * 60, 7):
        asked = instant + timedelta(minutes=minutes)
        assert move_before_quiet_hours(asked, QUIET, NEW_YORK) <= asked


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(13, 0))
    assert move_before_quiet_hours(ny(2026, 12, 1, 12, 30), lunch, NEW_YORK) == ny(
        2026, 12, 1, 11, 59
    )
    assert move_before_quiet_hours(ny(2026, 12, 1, 13, 0), lunch, NEW_YORK) == ny(
        2026, 12, 1, 13, 0
    )


def test_quiet_hours_follow_the_local_clock_across_a_dst_change() -> None:
    # New York falls back on 1 Nov 2026: 21:00 local is 01:00 UTC on the 1st, 02:00 on the 2nd.
    before = move_before_quiet_hours(datetime(2026, 11, 1, 4, 0, tzinfo=UTC), QUIET, NEW_YORK)
    after = move_before_quiet_hours(datetime(2026, 11, 2, 4, 0, tzinfo=UTC), QUIET, NEW_YORK)
    assert before.astimezone(NEW_YORK).time() == time(20, 59)
    assert after.astimezone(NEW_YORK).time() == time(20, 59)
    assert before == datetime(2026, 11, 1, 0, 59, tzinfo=UTC)
    assert after == datetime(2026, 11, 2, 1, 59, tzinfo=UTC)


def test_without_quiet_hours_nothing_moves() -> None:
    at = ny(2026, 12, 1, 3, 0)
    assert move_before_quiet_hours(at, None, NEW_YORK) == at


def test_prep_already_past_at_discovery_starts_now() -> None:
    now = ny(2026, 11, 30, 7, 0)
    assert compute_prep_at(ny(2026, 11, 30, 10, 0), 24, QUIET, NEW_YORK, now) == now


def test_an_overdue_prep_keeps_its_time_on_a_later_sync() -> None:
    first = ny(2026, 11, 30, 7, 0)
    later = first + timedelta(hours=2)
    prep = compute_prep_at(ny(2026, 11, 30, 10, 0), 24, QUIET, NEW_YORK, later, previous=first)
    assert prep == first


def test_a_previous_prep_still_in_the_future_does_not_delay_an_overdue_one() -> None:
    now = ny(2026, 11, 30, 7, 0)
    prep = compute_prep_at(
        ny(2026, 11, 30, 10, 0), 24, QUIET, NEW_YORK, now, previous=now + timedelta(hours=1)
    )
    assert prep == now


def test_reminder_two_hours_before() -> None:
    now = ny(2026, 11, 30, 7, 0)
    assert compute_reminder_at(ny(2026, 12, 1, 9, 0), now) == ny(2026, 12, 1, 7, 0)


def test_no_reminder_for_a_meeting_less_than_two_hours_away() -> None:
    now = ny(2026, 11, 30, 9, 0)
    assert compute_reminder_at(ny(2026, 11, 30, 10, 30), now) is None


def test_a_reminder_set_earlier_survives_a_later_sync() -> None:
    start = ny(2026, 11, 30, 12, 0)
    reminder = ny(2026, 11, 30, 10, 0)
    later = ny(2026, 11, 30, 11, 0)
    assert compute_reminder_at(start, later, previous=reminder) == reminder
