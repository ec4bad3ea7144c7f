"""When to prepare and when to remind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from exec_assistant.domain.meeting_types import QuietHours

LAST_ALLOWED = timedelta(minutes=1)


def move_before_quiet_hours(
    instant: datetime, quiet: QuietHours | None, zone: ZoneInfo
) -> datetime:
    """`instant` if it is outside quiet hours, else the last allowed minute before they began.

    Never later than `instant`: a prep that would land at 02:00 moves to 20:59 the evening
    before (with the default 21:00-07:00), so the executive has it before they switch off.
    """
    if quiet is None:
        return instant
    local = instant.astimezone(zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return instant
    quiet_day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) < quiet.end:
        quiet_day -= timedelta(days=1)
    quiet_began = datetime.combine(quiet_day, quiet.start, tzinfo=zone)
    return (quiet_began - LAST_ALLOWED).astimezone(UTC)


def compute_prep_at(
    start: datetime,
    lead_hours: float,
    quiet: QuietHours | None,
    zone: ZoneInfo,
    now: datetime,
    previous: datetime | None = None,
) -> datetime:
    """`start - lead`, moved out of quiet hours; `now` if that has already passed.

    `previous` is the prep time stored before: when it has already passed as well, it is kept,
    so that syncing again later does not keep pushing an overdue prep forward.
    """
    wanted = move_before_quiet_hours(start - timedelta(hours=lead_hours), quiet, zone)
    if wanted >= now:
        return wanted
    if previous is not None and previous <= now:
        return previous
    return now


def compute_reminder_at(
    start: datetime,
    now: datetime,
    minutes_before: int = 120,
    previous: datetime | None = None,
) -> datetime | None:
    """`start - 2 h`; None for a meeting already closer than that when first seen."""
    wanted = start - timedelta(minutes=minutes_before)
    if wanted >= now or previous == wanted:
        return wanted
    return None


MIN_ANSWER_WINDOW = timedelta(minutes=15)
PACK_MARGIN = timedelta(minutes=30)


def compute_answers_due(
    asked_at: datetime, start: datetime, timeout_hours: float, reminder_minutes: int = 120
) -> datetime:
    """When to stop waiting for answers.

    After the timeout (24 h by default), but in time for the pack to be ready half an hour
    before the final reminder; and never less than 15 minutes after asking.
    """
    timeout = asked_at + timedelta(hours=timeout_hours)
    useful = start - timedelta(minutes=reminder_minutes) - PACK_MARGIN
    return min(timeout, max(asked_at + MIN_ANSWER_WINDOW, useful))
