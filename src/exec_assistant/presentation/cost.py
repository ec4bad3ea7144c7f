"""A stack's monthly estimate as a bill that reads at 80 columns, and as JSON."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from exec_assistant.costing.estimate import SPEC_TOTAL, TARGET, CostReport
from exec_assistant.domain.cost import CostLine
from exec_assistant.presentation.fitted_table import TableColumn, fitted_table
from exec_assistant.presentation.usage import money

SENSIBLE_MARK = "*"
_PER = {1: "", 1000: "/1K", 10_000: "/10K", 100_000: "/100K", 1_000_000: "/1M"}


def quantity_text(quantity: float) -> str:
    """2,635 as "2,635", 31,967.5 as "32.0K", 1,610,000 as "1.61M", 0.094 as "0.094"."""
    if quantity >= 1_000_000_000:
        return f"{quantity / 1_000_000_000:.3g}B"
    if quantity >= 1_000_000:
        return f"{quantity / 1_000_000:.3g}M"
    if quantity >= 10_000:
        return f"{quantity / 1000:.1f}K"
    if quantity >= 100 or quantity == int(quantity):
        return f"{quantity:,.0f}"
    return f"{quantity:.2g}" if quantity < 1 else f"{quantity:.1f}"


def unit_price_text(line: CostLine) -> str:
    """ "$0.20/1M", "$0.045", "$0.0000133": the price of `per` units of the usage's unit,
    to three significant figures, never in exponent notation."""
    price = line.unit_price
    decimals = 3 if price >= 0.01 or price == 0 else 2 - math.floor(math.log10(price))
    shown = f"{price:.{decimals}f}".rstrip("0").rstrip(".")
    if "." in shown and len(shown.split(".")[1]) == 1:
        shown += "0"
    return f"${shown}{_PER.get(line.per, f'/{line.per:,}')}"


UNCOUNTED_UNITS = frozenset({"GB"})
"""Units written the same for one and many."""


def usage_text(line: CostLine) -> str:
    plural = "" if line.quantity == 1 or line.unit in UNCOUNTED_UNITS else "s"
    return f"{quantity_text(line.quantity)} {line.unit}{plural}"


def _bill_table(report: CostReport, width: int) -> RenderableType:
    services: list[Text] = []
    usages: list[Text] = []
    unit_prices: list[Text] = []
    monthly: list[Text] = []
    for service, lines in report.estimate.services():
        services.append(Text(service, style="bold"))
        usages.append(Text(""))
        unit_prices.append(Text(""))
        monthly.append(Text(money(sum(line.monthly for line in lines)), style="bold"))
        for line in lines:
            services.append(Text("  " + line.item))
            usages.append(Text(usage_text(line)))
            unit_prices.append(Text(unit_price_text(line)))
            monthly.append(Text(money(line.monthly), style="dim"))
    services.append(Text("Total", style="bold"))
    usages.append(Text(""))
    unit_prices.append(Text(""))
    monthly.append(Text(money(report.estimate.total), style="bold"))
    return fitted_table(
        [
            TableColumn("Service", services, wrap=True, comfortable=26),
            TableColumn("Usage", usages, wrap=True, comfortable=22),
            TableColumn("Unit price", unit_prices, justify="right"),
            TableColumn("Monthly", monthly, justify="right"),
        ],
        width,
    )


def _savings_table(report: CostReport, width: int) -> RenderableType:
    changes: list[Text] = []
    saves: list[Text] = []
    for saving in report.savings:
        mark = SENSIBLE_MARK if saving.in_sensible_set else " "
        cell = Text(f"{mark} {saving.change}\n")
        cell.append(saving.trade_off, style="dim")
        changes.append(cell)
        saves.append(Text(money(saving.monthly_saving)))
    return fitted_table(
        [
            TableColumn("Change (each alone)", changes, wrap=True, word_cap=60),
            TableColumn("Saves", saves, justify="right"),
        ],
        width,
        row_gap=True,
    )


def cost_view(report: CostReport, width: int) -> RenderableType:
    settings = report.settings
    prices = report.prices.aws
    meetings = settings.meetings_per_month
    parts: list[RenderableType] = [
        Text.assemble(
            (report.stack, "bold"),
            f" ({settings.region}): {meetings:,} meetings a month at {prices.region} "
            f"list prices of {prices.as_of.isoformat()}",
        ),
        _bill_table(report, width),
        Text(
            f"The specification estimates ~${SPEC_TOTAL:.0f} a month for its configuration "
            "(2 NAT gateways, no interface endpoints counted, Claude 3.5 Sonnet throughout)."
        ),
    ]
    if report.built_in:
        made = "; ".join(f"{b.what} {money(b.monthly_saving)}" for b in report.built_in)
        parts.append(Text(f"Already in this estimate, saving a month: {made}."))
    if report.savings:
        parts += [Text(""), Text("To spend less", style="bold"), _savings_table(report, width)]
    total = report.sensible.total
    under = "under" if total < TARGET else "over"
    parts.append(
        Text.assemble(
            (f"With the changes marked {SENSIBLE_MARK}: ", "bold"),
            (f"{money(total)} a month", "bold"),
            f" ({under} the target of ${TARGET:.0f} for 100 meetings)",
        )
    )
    if report.vpc_kept is not None:
        parts.append(
            Text(
                f"Keeping the VPC (one NAT gateway, no interface endpoints): "
                f"{money(report.vpc_kept.total)} a month."
            )
        )
    parts.append(
        Text(
            "Usage is counted from the workflow and the functions, with assumed durations "
            "and token counts; --json lists them with every unit price's source.",
            style="dim",
        )
    )
    return Group(*parts)


def _line_json(line: CostLine) -> dict[str, Any]:
    return {
        "service": line.service,
        "item": line.item,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price_usd": line.unit_price,
        "per": line.per,
        "monthly_usd": round(line.monthly, 6),
    }


def cost_json(report: CostReport) -> dict[str, Any]:
    prices = report.prices.aws
    return {
        "stack": report.stack,
        "region": report.settings.region,
        "meetings_per_month": report.settings.meetings_per_month,
        "prices": {
            "as_of": prices.as_of.isoformat(),
            "region": prices.region,
            "hours_per_month": prices.hours_per_month,
            "aws": {key: price.model_dump() for key, price in prices.prices.items()},
        },
        "lines": [_line_json(line) for line in report.estimate.lines],
        "total_usd": round(report.estimate.total, 6),
        "specification_total_usd": SPEC_TOTAL,
        "built_in": [
            {"what": b.what, "monthly_saving_usd": round(b.monthly_saving, 6)}
            for b in report.built_in
        ],
        "savings": [
            {
                "change": s.change,
                "config_key": s.config_key,
                "value": s.value,
                "monthly_saving_usd": round(s.monthly_saving, 6),
                "trade_off": s.trade_off,
                "in_sensible_set": s.in_sensible_set,
            }
            for s in report.savings
        ],
        "sensible_total_usd": round(report.sensible.total, 6),
        "vpc_kept_total_usd": (
            None if report.vpc_kept is None else round(report.vpc_kept.total, 6)
        ),
        "target_usd": TARGET,
        "assumptions": {
            "answers_per_meeting": report.answers_per_meeting,
            **{
                key: value
                for key, value in asdict(report.assumptions).items()
                if key != "model_calls"
            },
            "model_calls": [asdict(call) for call in report.assumptions.model_calls],
        },
    }
