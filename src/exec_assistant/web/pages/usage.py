"""Usage: the model calls made and what they cost, by day, by meeting type and by purpose,
for this month or the last 7 or 30 days; a delegate without the grant is shown the calls of
the meetings they may open only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from exec_assistant.display_text import TITLE_LIMIT, visible
from exec_assistant.domain.text import plural
from exec_assistant.domain.usage import UsageTotals
from exec_assistant.presentation.usage import EMPTY, UNPRICED_MARK, cost_text, tokens
from exec_assistant.services.usage import UsageReport, days_back, month_start, usage_report
from exec_assistant.web.context import WebContext, viewer_of
from exec_assistant.web.filters import Option, query_value

PERIODS = (("", "This month"), ("7", "The last 7 days"), ("30", "The last 30 days"))
MAX_DAYS = 3660
"""As the `usage` command: ten years at most."""


@dataclass(frozen=True)
class UsageRow:
    label: str
    calls: str
    input: str
    output: str
    cached: str
    cost: str


def _row(label: str, totals: UsageTotals) -> UsageRow:
    return UsageRow(
        label=label,
        calls=f"{totals.calls:,}",
        input=tokens(totals.input_tokens),
        output=tokens(totals.output_tokens),
        cached=tokens(totals.cache_read_tokens + totals.cache_write_tokens),
        cost=cost_text(totals),
    )


@dataclass(frozen=True)
class UsagePage:
    first_day: date
    last_day: date
    by_day: list[UsageRow]
    total: UsageRow
    by_type: list[UsageRow]
    by_purpose: list[UsageRow]
    calls: int
    meetings: int
    month_start: date
    month: UsageRow
    unpriced: str | None
    """Which calls had no price, and how to give one."""
    periods: list[Option]


def _unpriced(report: UsageReport) -> str | None:
    count = report.total.unpriced_calls
    if not count:
        return None
    models = ", ".join(visible(m, limit=TITLE_LIMIT) for m in report.unpriced_models[:5])
    if len(report.unpriced_models) > 5:
        models += f" and {len(report.unpriced_models) - 5} more"
    return (
        f"{UNPRICED_MARK} not priced: {plural(count, 'call')} to {models}, counted without a "
        "cost. Price a model in model_prices.yaml in your config folder."
    )


def usage_page(report: UsageReport, period: str) -> UsagePage:
    zone = report.zone
    return UsagePage(
        first_day=report.start.astimezone(zone).date(),
        # The window ends at an instant: its last day is the day before when that is midnight.
        last_day=(report.end - timedelta(microseconds=1)).astimezone(zone).date(),
        by_day=[_row(f"{d.day:%a %d %b}", d.totals) for d in report.by_day],
        total=_row("Total", report.total),
        by_type=[
            _row(visible(t.name, limit=TITLE_LIMIT), t.totals) for t in report.by_meeting_type
        ],
        by_purpose=[
            _row(visible(p.purpose.replace("_", " "), limit=TITLE_LIMIT), p.totals)
            for p in report.by_purpose
        ],
        calls=report.total.calls,
        meetings=report.meetings_with_calls,
        month_start=report.month_start.date(),
        month=_row("Month to date", report.month_to_date),
        unpriced=_unpriced(report),
        periods=[Option(value, label, value == period) for value, label in PERIODS],
    )


def routes(web: WebContext) -> list[BaseRoute]:
    site = web.site

    async def usage(request: Request) -> Response:
        period = query_value(request, "days") or ""
        if period and not (period.isascii() and period.isdigit() and 1 <= int(period) <= MAX_DAYS):
            raise HTTPException(400, f"days must be a whole number from 1 to {MAX_DAYS}")
        zone = site.executive.zone
        now = site.clock.now()
        start = days_back(now, zone, int(period)) if period else month_start(now, zone)
        viewer = viewer_of(request)
        report = await run_in_threadpool(
            usage_report,
            site.meetings,
            site.catalog,
            start,
            now,
            zone,
            now,
            lambda meeting: viewer.may_see(site.is_private(meeting.meeting_type)),
        )
        return web.pages.render(
            request,
            "usage.html",
            page="usage",
            title="Usage",
            view=usage_page(report, period),
            empty=EMPTY,
            plural=plural,
        )

    return [Route("/usage", usage, methods=["GET"])]
