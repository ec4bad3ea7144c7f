"""Noise control: how a prep request reaches the executive, so that a busy day does not
bury them in messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from exec_assistant.domain.meeting_types import NotificationRules
from exec_assistant.domain.models import AskStyle, ChatSession


def ask_style_for(meeting_type: str, rules: NotificationRules, asked_today: int) -> AskStyle:
    """`silent` for a type in `silent_types` (never asked: it gets its pack without
    answers); `digest` once `asked_today` own requests have gone out today and that is the
    day's limit (with the default 5, the 6th request of a day is a line in the digest);
    `questions` otherwise. Quiet hours are not this function's concern: they decide when a
    request goes out, not how."""
    if meeting_type in rules.silent_types:
        return AskStyle.SILENT
    limit = rules.max_prep_requests_per_day
    if limit is not None and asked_today >= limit:
        return AskStyle.DIGEST
    return AskStyle.QUESTIONS


def day_bounds(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The executive's day holding `moment`, as [start, end) instants (23 or 25 hours long
    on a daylight-saving change)."""
    day = moment.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def own_requests_between(
    sessions: Iterable[ChatSession], start: datetime, end: datetime, *, besides: str = ""
) -> int:
    """Sessions opened in [start, end) that asked their questions in their own message
    (a session with no questions asked nothing)."""
    low, high = start.timestamp(), end.timestamp()
    return sum(
        1
        for s in sessions
        if s.session_id != besides
        and s.ask_style == AskStyle.QUESTIONS
        and s.questions
        and low <= s.created_at < high
    )
