"""A cloud account's bill beside its budgets: month to date, the forecast to month end, and the
services (or tag values) whose spend moved most against the same days of last month.

The budgets themselves are cost centres and go through the `budget` rules, so an account's
budgets and a finance export's cost centres read alike. What only a billing API knows (the
whole account's spend, the movers) is added after them, for organisation-wide meetings: in a
1:1 only the budgets the attendees own are told.

    spend = AccountSpend(account="AWS account 123456789012", period="Dec 2026", days=26, ...)
    result = cloud_spend_result(header, budgets, spend, groups, request, source="AWS Budgets")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules.budget import (
    BUDGET_RULES,
    BudgetHeader,
    BudgetRules,
    CostCenter,
    budget_result,
    exceeds,
)
from exec_assistant.domain.context_rules.formatting import fixed, money, number, percent_of
from exec_assistant.domain.context_rules.results import extended
from exec_assistant.domain.context_rules.rows import Count, SourceRow, Text
from exec_assistant.domain.text import plural

Amount = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""Money that may be below zero: credits and refunds are negative spend."""


class CostGroup(SourceRow):
    """One service's (or tag value's) spend over this month's days so far, and over the same
    days of last month."""

    name: Text
    current: Amount
    previous: Amount

    @property
    def change(self) -> float:
        return self.current - self.previous

    @property
    def change_pct(self) -> float | None:
        """None when there was nothing last month to take a share of (a new service)."""
        return percent_of(self.change, self.previous) if self.previous > 0 else None


class AccountSpend(SourceRow):
    """The whole account's spend this month."""

    account: Text
    """How the account is named in a fact: "AWS account 123456789012"."""
    period: Text
    """The month: "Dec 2026"."""
    days: Count
    """Complete days of the month so far (0 on the 1st)."""
    actual_to_date: Amount
    forecast: Amount | None = None
    """The month's expected total (spend so far and the forecast of the rest); None when the
    billing service has no forecast (too little history)."""
    currency: Text = "USD"
    previous_period: Text
    """Last month, for "against the first 26 days of Nov"."""
    previous_days: Count
    """Days of last month compared: as many as this month's, or all of a shorter month."""


@dataclass(frozen=True)
class MoverRules:
    """Which changes are told, and which need the meeting's attention."""

    top: int = 5
    """How many of the largest changes (up or down) the movers fact lists."""
    rise_percent: float = 20.0
    """A rise of more than this share of last month's spend on the same days..."""
    min_rise: float = 100.0
    """...and of more than this amount is a highlight: +$150 (+25%) is, +$50 (+400%) is not.
    Spend where there was none last month is judged by the amount alone."""

    def movers(self, groups: Sequence[CostGroup]) -> list[CostGroup]:
        """The `top` largest changes either way, largest first (by name on a tie); a group
        that did not move is no mover."""
        moved = [group for group in groups if round(group.change, 2) != 0]
        return sorted(moved, key=lambda g: (-abs(g.change), g.name))[: self.top]

    def needs_attention(self, group: CostGroup) -> bool:
        return exceeds(
            group.change, group.change_pct, floor=self.min_rise, percent=self.rise_percent
        )


MOVER_RULES = MoverRules()


def cloud_spend_result(
    header: BudgetHeader,
    budgets: Sequence[CostCenter],
    spend: AccountSpend,
    groups: Sequence[CostGroup],
    request: ContextRequest,
    *,
    source: str,
    grouped_by: str = "service",
    missing_budgets: Sequence[str] = (),
    budget_rules: BudgetRules = BUDGET_RULES,
    mover_rules: MoverRules = MOVER_RULES,
) -> ContextResult:
    """The budgets' facts (the `budget` rules), then, for the organisation, the account's
    spend, its largest movers and the budgets asked for that the account does not have.

    `grouped_by` names what the groups are, for "Largest changes by service".
    """
    base = budget_result(header, budgets, request, source=source, rules=budget_rules)
    if request.scope == "people":
        return base
    movers = mover_rules.movers(groups)
    flagged = [group for group in movers if mover_rules.needs_attention(group)]
    facts = [account_fact(spend)]
    if movers:
        facts.append(movers_fact(movers, spend, grouped_by))
    if missing_budgets:
        facts.append(missing_budgets_fact(missing_budgets, source))
    return extended(
        base,
        facts=facts,
        highlights=(mover_highlight(group, spend) for group in flagged),
        questions=(mover_question(group, spend.currency) for group in flagged),
        data={
            "account": spend_data(spend),
            "grouped_by": grouped_by,
            "movers": [group_data(group) for group in movers],
            "missing_budgets": list(missing_budgets),
        },
    )


def account_fact(spend: AccountSpend) -> str:
    """AWS account 1234, Dec 2026: $12.3k in the first 26 days, forecast $15.0k by month end."""
    so_far = (
        f"{money(spend.actual_to_date, spend.currency)} in the first {plural(spend.days, 'day')}"
        if spend.days
        else "no complete day yet"
    )
    forecast = (
        f"forecast {money(spend.forecast, spend.currency)} by month end"
        if spend.forecast is not None
        else "no forecast yet"
    )
    return f"{spend.account}, {spend.period}: {so_far}, {forecast}"


def movers_fact(movers: Sequence[CostGroup], spend: AccountSpend, grouped_by: str) -> str:
    """Largest changes by service against the first 26 days of Nov: Amazon EC2 +$1.2k
    (+15.0%), Amazon S3 -$300 (-5.0%), AWS Lambda +$80 (new)."""
    listed = ", ".join(
        f"{group.name} {signed_money(group.change, spend.currency)} ({_share(group)})"
        for group in movers
    )
    return f"Largest changes by {grouped_by} against {_compared(spend)}: {listed}"


def mover_highlight(group: CostGroup, spend: AccountSpend) -> str:
    """Amazon EC2 spend is up $1.2k (+35.0%) on the first 26 days of Nov; AWS Lambda: $500
    this month, none in the first 26 days of Nov."""
    if group.previous == 0:
        current = money(group.current, spend.currency)
        return f"{group.name}: {current} this month, none in {_compared(spend)}"
    return (
        f"{group.name} spend is up {money(group.change, spend.currency)} ({_share(group)}) "
        f"on {_compared(spend)}"
    )


def mover_question(group: CostGroup, currency: str) -> str:
    pct = group.change_pct
    if pct is None:
        return (
            f"What is behind the {money(group.change, currency)} rise in {group.name} spend, "
            "and will it last?"
        )
    return f"What is behind the {fixed(pct, 1)}% rise in {group.name} spend, and will it last?"


def missing_budgets_fact(names: Sequence[str], source: str) -> str:
    return f"{source} has no monthly cost budget named {', '.join(names)}"


def signed_money(amount: float, currency: str) -> str:
    """+$1.2k, -$300: a change with its direction."""
    return money(amount, currency) if amount < 0 else f"+{money(amount, currency)}"


def spend_data(spend: AccountSpend) -> dict[str, Any]:
    return {
        **spend.model_dump(mode="json"),
        "actual_to_date": number(spend.actual_to_date),
        "forecast": number(spend.forecast) if spend.forecast is not None else None,
    }


def group_data(group: CostGroup) -> dict[str, Any]:
    pct = group.change_pct
    return {
        "name": group.name,
        "current": number(round(group.current, 2)),
        "previous": number(round(group.previous, 2)),
        "change": number(round(group.change, 2)),
        "change_pct": float(fixed(pct, 1)) if pct is not None else None,
    }


def _share(group: CostGroup) -> str:
    pct = group.change_pct
    if pct is None:
        return "new" if group.previous == 0 else "after a credit"
    return f"{'+' if pct >= 0 else '-'}{fixed(abs(pct), 1)}%"


def _compared(spend: AccountSpend) -> str:
    return f"the first {plural(spend.previous_days, 'day')} of {spend.previous_period}"
