"""What model calls cost, as JSON and as tables that read well at 80 columns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text

from exec_assistant.display_text import LINE_LIMIT, TITLE_LIMIT, safe_text
from exec_assistant.domain.text import plural
from exec_assistant.domain.usage import UsageTotals
from exec_assistant.presentation.fitted_table import TableColumn, fitted_table
from exec_assistant.presentation.times import iso
from exec_assistant.services.usage import UsageReport

NOT_PRICED = "—"
UNPRICED_MARK = "+"
"""After a cost that leaves out calls to a model with no price: it cost at least that."""
EMPTY = "No model calls yet (the offline generator makes none)."


def money(usd: float) -> str:
    """ "$0.012", "$1.25", "$1,234": three figures at most behind the point, none cut to 0."""
    if usd == 0:
        return "$0"
    if usd < 0.001:
        return "<$0.001"
    if usd < 1:
        return f"${usd:.3f}"
    if usd < 1000:
        return f"${usd:.2f}"
    return f"${usd:,.0f}"


def tokens(count: int) -> str:
    """12,345 tokens as "12,345"."""
    return f"{count:,}"


def compact_tokens(count: int) -> str:
    """ "950 tok", "12k tok", "1.2M tok": for a narrow cell."""
    if count < 1000:
        return f"{count} tok"
    if count < 10_000:
        return f"{count / 1000:.1f}k tok"
    if count < 1_000_000:
        return f"{count // 1000}k tok"
    return f"{count / 1_000_000:.1f}M tok"


def cost_text(totals: UsageTotals) -> str:
    """The cost, marked when some calls were to a model with no price; "—" when none had one."""
    if totals.calls and totals.unpriced_calls == totals.calls:
        return NOT_PRICED
    return money(totals.cost_usd) + (UNPRICED_MARK if totals.unpriced_calls else "")


def totals_json(totals: UsageTotals) -> dict[str, Any]:
    return {
        "calls": totals.calls,
        "input_tokens": totals.input_tokens,
        "output_tokens": totals.output_tokens,
        "cache_read_tokens": totals.cache_read_tokens,
        "cache_write_tokens": totals.cache_write_tokens,
        "cost_usd": totals.cost_usd,
        "unpriced_calls": totals.unpriced_calls,
    }


def usage_json(report: UsageReport) -> dict[str, Any]:
    zone = report.zone
    return {
        "start": iso(report.start, zone),
        "end": iso(report.end, zone),
        "timezone": zone.key,
        "total": totals_json(report.total),
        "by_day": [{"date": d.day.isoformat(), **totals_json(d.totals)} for d in report.by_day],
        "by_meeting_type": [
            {"meeting_type": t.meeting_type, "name": t.name, **totals_json(t.totals)}
            for t in report.by_meeting_type
        ],
        "by_purpose": [{"purpose": p.purpose, **totals_json(p.totals)} for p in report.by_purpose],
        "month_to_date": {
            "start": iso(report.month_start, zone),
            **totals_json(report.month_to_date),
        },
        "unpriced_models": list(report.unpriced_models),
        "meetings_with_calls": report.meetings_with_calls,
    }


def _usage_table(
    header: str,
    labels: Sequence[Text],
    rows: Sequence[UsageTotals],
    width: int,
    total_row: UsageTotals | None = None,
) -> RenderableType:
    if total_row is not None:
        labels = [*labels, Text("Total", style="bold")]
        rows = [*rows, total_row]
    numbers = [
        ("Calls", [f"{r.calls:,}" for r in rows]),
        ("Input", [tokens(r.input_tokens) for r in rows]),
        ("Output", [tokens(r.output_tokens) for r in rows]),
        ("Cached", [tokens(r.cache_read_tokens + r.cache_write_tokens) for r in rows]),
        ("Cost", [cost_text(r) for r in rows]),
    ]
    columns = [TableColumn(header, labels, wrap=True, comfortable=16, word_cap=TITLE_LIMIT)]
    columns += [
        TableColumn(name, [Text(c) for c in cells], justify="right") for name, cells in numbers
    ]
    return fitted_table(columns, width)


def _period(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    first = start.astimezone(zone)
    # The window ends at an instant: its last day is the day before when that is midnight.
    last = (end - timedelta(microseconds=1)).astimezone(zone)
    if first.date() == last.date():
        return f"{first:%a %d %b %Y}"
    return f"{first:%a %d %b} – {last:%a %d %b %Y}"


def usage_view(report: UsageReport, width: int) -> RenderableType:
    """Per day (with the total), per meeting type and per purpose: calls, tokens in, out and
    cached (read from or written to the prompt cache), and cost; then the month to date, and
    which models have no price."""
    period = _period(report.start, report.end, report.zone)
    if not report.total.calls:
        parts: list[RenderableType] = [
            Text(EMPTY),
            Text(f"Period: {period} ({report.zone.key}).", style="dim"),
        ]
        if report.month_to_date.calls:
            parts.append(_month_line(report))
        return Group(*parts)
    parts = [
        Text(f"Model calls, {period} ({report.zone.key})", style="bold"),
        Text(),
        _usage_table(
            "Day",
            [Text(f"{d.day:%a %d %b}") for d in report.by_day],
            [d.totals for d in report.by_day],
            width,
            total_row=report.total,
        ),
        Text(),
        _usage_table(
            "Meeting type",
            [safe_text(t.name, limit=TITLE_LIMIT) for t in report.by_meeting_type],
            [t.totals for t in report.by_meeting_type],
            width,
        ),
        Text(),
        _usage_table(
            "Purpose",
            [safe_text(p.purpose.replace("_", " "), limit=TITLE_LIMIT) for p in report.by_purpose],
            [p.totals for p in report.by_purpose],
            width,
        ),
        Text(),
        Text(
            f"{plural(report.meetings_with_calls, 'meeting')}; costs at the prices when each "
            "call was made.",
            style="dim",
        ),
        _month_line(report),
    ]
    if report.total.unpriced_calls:
        unpriced = report.total.unpriced_calls
        parts.append(
            Text.assemble(
                Text(f"{UNPRICED_MARK} not priced: ", style="yellow"),
                safe_text(
                    f"{plural(unpriced, 'call')} to {_some(report.unpriced_models)}, "
                    "counted without a cost. Price a model in model_prices.yaml in your "
                    "config folder.",
                    limit=LINE_LIMIT,
                ),
            )
        )
    return Group(*parts)


def _some(names: Sequence[str], shown: int = 5) -> str:
    """ "a, b and 3 more": a list that stays one line."""
    listed = ", ".join(names[:shown])
    return f"{listed} and {len(names) - shown} more" if len(names) > shown else listed


def _month_line(report: UsageReport) -> Text:
    month = report.month_to_date
    return Text.assemble(
        Text("Month to date", style="bold"),
        f" (from {report.month_start:%a %d %b}): {plural(month.calls, 'call')}, {cost_text(month)}",
    )
