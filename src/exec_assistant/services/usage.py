"""What the model calls cost: totals per day, per meeting type and per purpose."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from exec_assistant.domain.meeting_types import MeetingTypeCatalog
from exec_assistant.domain.models import Meeting, ModelCall
from exec_assistant.domain.usage import UsageTotals, total
from exec_assistant.ports import MeetingRepository

log = logging.getLogger(__name__)

CALLS_BEFORE_MEETING = timedelta(days=45)
"""A meeting's prep calls come at most its prep lead (30 days at most) before it starts, and a
meeting that moved keeps the calls of its earlier prep: a meeting starting up to this long after
the window may hold calls made in it."""
CALLS_AFTER_MEETING = timedelta(days=92)
"""Notes are read after the meeting: a meeting that started up to this long before the window
may hold calls made in it. Notes read later than that are not counted."""

UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class DayUsage:
    day: date
    """The local date the calls were made (not the meeting's date)."""
    totals: UsageTotals


@dataclass(frozen=True)
class TypeUsage:
    meeting_type: str
    """The type's id, or "unclassified"."""
    name: str
    totals: UsageTotals


@dataclass(frozen=True)
class PurposeUsage:
    purpose: str
    totals: UsageTotals


@dataclass(frozen=True)
class UsageReport:
    start: datetime
    end: datetime
    zone: ZoneInfo
    total: UsageTotals
    """Every call made in [start, end)."""
    by_day: tuple[DayUsage, ...]
    """Days with calls, oldest first."""
    by_meeting_type: tuple[TypeUsage, ...]
    """Costliest first."""
    by_purpose: tuple[PurposeUsage, ...]
    """Costliest first."""
    month_start: datetime
    month_to_date: UsageTotals
    """Every call from the start of the month containing `now` up to `now`."""
    unpriced_models: tuple[str, ...]
    """The models of the calls in the window that the price table does not know."""
    meetings_with_calls: int


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight on the first of the month containing `now`, in `zone`."""
    local = now.astimezone(zone)
    return datetime.combine(local.date().replace(day=1), time(), tzinfo=zone)


def days_back(now: datetime, zone: ZoneInfo, days: int) -> datetime:
    """Midnight at the start of the `days`-th local day back, counting today as the first."""
    today = now.astimezone(zone).date()
    return datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=zone)


def usage_report(
    meetings: MeetingRepository,
    catalog: MeetingTypeCatalog,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    now: datetime,
    counted: Callable[[Meeting], bool] = lambda _meeting: True,
) -> UsageReport:
    """The calls made in [start, end), grouped by the local day they were made, the meeting's
    type and their purpose, and the month to date as of `now`; only the calls of the
    meetings `counted` admits (a delegate's report leaves out the private types').

    A call belongs to the day it was made: a prep pack written on Friday for a Monday meeting
    counts on Friday.
    """
    first = month_start(now, zone)
    begin, finish = min(start, first), max(end, now)
    found = meetings.list_between(begin - CALLS_AFTER_MEETING, finish + CALLS_BEFORE_MEETING)
    in_window: list[tuple[Meeting, ModelCall]] = []
    month: list[ModelCall] = []
    for meeting in found:
        if not counted(meeting):
            continue
        for call in meeting.model_calls:
            if start <= call.at < end:
                in_window.append((meeting, call))
            if first <= call.at < now:
                month.append(call)

    by_day: dict[date, list[ModelCall]] = defaultdict(list)
    by_type: dict[str, list[ModelCall]] = defaultdict(list)
    by_purpose: dict[str, list[ModelCall]] = defaultdict(list)
    for meeting, call in in_window:
        by_day[call.at.astimezone(zone).date()].append(call)
        by_type[meeting.meeting_type or UNCLASSIFIED].append(call)
        by_purpose[call.purpose].append(call)

    names = {t.id: t.name for t in catalog}
    types = [
        TypeUsage(type_id, names.get(type_id, type_id), total(calls))
        for type_id, calls in by_type.items()
    ]
    purposes = [PurposeUsage(purpose, total(calls)) for purpose, calls in by_purpose.items()]
    report = UsageReport(
        start=start,
        end=end,
        zone=zone,
        total=total(call for _, call in in_window),
        by_day=tuple(DayUsage(day, total(by_day[day])) for day in sorted(by_day)),
        by_meeting_type=tuple(sorted(types, key=lambda t: (-t.totals.cost_usd, t.meeting_type))),
        by_purpose=tuple(sorted(purposes, key=lambda p: (-p.totals.cost_usd, p.purpose))),
        month_start=first,
        month_to_date=total(month),
        unpriced_models=tuple(
            sorted({call.model_id for _, call in in_window if call.cost_usd is None})
        ),
        meetings_with_calls=len({meeting.meeting_id for meeting, _ in in_window}),
    )
    log.info(
        "usage report",
        extra={
            "meetings_read": len(found),
            "calls": report.total.calls,
            "days": len(report.by_day),
        },
    )
    return report
