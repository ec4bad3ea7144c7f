"""Budget: forecast against budget per cost centre; an overrun beyond the threshold (any, by
default) is worth a question.

The same rules for any source of cost centres (a finance export, AWS Budgets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules.formatting import (
    day,
    fixed,
    iso,
    maybe_number,
    money,
    number,
    one_decimal,
    percent_of,
)
from exec_assistant.domain.context_rules.results import context_result, nothing_to_report, scoped
from exec_assistant.domain.context_rules.rows import Number, SourceRow, Text
from exec_assistant.domain.meeting_types import ContextProviderName
from exec_assistant.domain.text import plural

PROVIDER: ContextProviderName = "budget"


class CostCenter(SourceRow):
    name: Text
    owner: Text
    """Email of the person accountable for the spend."""
    budget: Number
    forecast: Number
    code: str | None = None
    actual_to_date: Number | None = None
    notes: str | None = None

    @property
    def variance(self) -> float:
        """Above zero: forecast over budget."""
        return self.forecast - self.budget

    @property
    def variance_pct(self) -> float | None:
        return percent_of(self.variance, self.budget)


class BudgetHeader(SourceRow):
    """What the figures are: the period, the currency, when they were taken."""

    period: str | None = None
    currency: Text = "USD"
    as_of: date | None = None


@dataclass(frozen=True)
class BudgetRules:
    """When a cost centre's forecast needs the meeting's attention."""

    over_budget_percent: float = 0.0
    """A forecast over budget by more than this share of the budget: 0 flags every overrun;
    10 flags $1.2M against $1.0M (20% over) but not $1.05M (5% over). A centre with no
    budget to take a share of is flagged by any spend over it."""

    def needs_attention(self, center: CostCenter) -> bool:
        return exceeds(
            center.variance, center.variance_pct, floor=0, percent=self.over_budget_percent
        )


BUDGET_RULES = BudgetRules()


def exceeds(change: float, share: float | None, *, floor: float, percent: float) -> bool:
    """A change worth the meeting's attention: more than `floor`, and more than `percent` of
    what it is measured against (`share`, in percent), or any change past the floor when
    there was nothing to take a share of (`share` None)."""
    return change > floor and (share is None or share > percent)


def budget_result(
    header: BudgetHeader,
    centers: Sequence[CostCenter],
    request: ContextRequest,
    *,
    source: str,
    rules: BudgetRules = BUDGET_RULES,
) -> ContextResult:
    """Facts for the total and each cost centre; the overruns that need attention, largest
    first, as highlights and questions.

    `source` names where the rows came from, for "budget.yaml lists no cost centres.".
    """
    scope = scoped(centers, lambda center: center.owner, request)
    data = budget_data(header, scope)
    if not scope:
        return nothing_to_report(
            PROVIDER,
            request,
            data,
            owned="Nothing in the budget is owned by the attendees.",
            listed=f"{source} lists no cost centres.",
        )
    over = sorted((c for c in scope if rules.needs_attention(c)), key=lambda c: -c.variance)
    return context_result(
        PROVIDER,
        facts=(
            budget_total_fact(header, scope, request.now.date()),
            *(cost_center_fact(c, header.currency) for c in scope),
        ),
        highlights=(cost_center_fact(c, header.currency) for c in over),
        questions=(overrun_question(c, header.currency) for c in over),
        data=data,
    )


def budget_data(header: BudgetHeader, centers: Sequence[CostCenter]) -> dict[str, Any]:
    """The figures for context.json, rounded like the facts."""
    budget = sum(c.budget for c in centers)
    forecast = sum(c.forecast for c in centers)
    return {
        "period": header.period,
        "currency": header.currency,
        "as_of": iso(header.as_of),
        "total_budget": number(budget),
        "total_forecast": number(forecast),
        "variance": number(forecast - budget),
        "variance_pct": one_decimal(percent_of(forecast - budget, budget)),
        "cost_centers": [
            {
                **center.model_dump(mode="json"),
                "budget": number(center.budget),
                "forecast": number(center.forecast),
                "actual_to_date": maybe_number(center.actual_to_date),
                "variance": number(center.variance),
                "variance_pct": one_decimal(center.variance_pct),
            }
            for center in centers
        ],
    }


def budget_total_fact(header: BudgetHeader, centers: Sequence[CostCenter], today: date) -> str:
    """FY2026-Q4 total across 3 cost centres (as of 27 Nov): forecast $1.25M against a..."""
    budget = sum(c.budget for c in centers)
    forecast = sum(c.forecast for c in centers)
    subject = f"{header.period} total" if header.period else "Total"
    as_of = f" (as of {day(header.as_of, today)})" if header.as_of else ""
    return (
        f"{subject} across {plural(len(centers), 'cost centre')}{as_of}: "
        f"{forecast_vs_budget(forecast, budget, header.currency)}"
    )


def cost_center_fact(center: CostCenter, currency: str) -> str:
    """Cloud compute: forecast $1.23M against a $1.10M budget, $132.0k (12.0%) over."""
    return f"{center.name}: {forecast_vs_budget(center.forecast, center.budget, currency)}"


def forecast_vs_budget(forecast: float, budget: float, currency: str) -> str:
    variance = forecast - budget
    head = f"forecast {money(forecast, currency)} against a {money(budget, currency)} budget"
    if variance == 0:
        return f"{head}, on budget"
    direction = "over" if variance > 0 else "under"
    pct = percent_of(variance, budget)
    share = f" ({fixed(abs(pct), 1)}%)" if pct is not None else ""
    return f"{head}, {money(abs(variance), currency)}{share} {direction}"


def overrun_question(center: CostCenter, currency: str) -> str:
    """By percentage, or by amount when there was no budget to take a percentage of."""
    pct = center.variance_pct
    size = f"{fixed(pct, 1)}%" if pct is not None else money(center.variance, currency)
    return f"What is driving the {size} overrun in {center.name}, and what is the plan to close it?"
