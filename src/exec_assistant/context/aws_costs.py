"""`budget` from AWS: AWS Budgets' monthly cost budgets as cost centres, and the account's month
from Cost Explorer (spend so far, the forecast to month end, the largest movers).

Each budget is a cost centre of the `budget` rules, exactly as a row of budget.yaml is: its
limit is the budget, AWS's forecasted spend the forecast, its actual spend the actual to
date; so an AWS account and a finance export with the same figures give the same facts. A
budget's owner (who it belongs to in a 1:1) comes from `owners`, else it is the budget's name
(name a budget after its owner's email and it needs no mapping).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from exec_assistant.context.aws_cost_reads import (
    GroupCosts,
    Grouping,
    MonthWindow,
    account_id,
    amount_of,
    group_costs,
    monthly_cost_budgets,
    rest_of_month_forecast,
)
from exec_assistant.context.deadlines import all_within, provider_deadline
from exec_assistant.context.sources import ContextSourceDeps, SourceConfig
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules import budget
from exec_assistant.domain.context_rules.budget import BudgetHeader, BudgetRules, CostCenter
from exec_assistant.domain.context_rules.cloud_spend import (
    AccountSpend,
    CostGroup,
    MoverRules,
    cloud_spend_result,
)
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.ports import ContextProvider, IntegrationDoctor

log = logging.getLogger(__name__)

SOURCE_NAME = "AWS Budgets"
GROUP_DIMENSIONS = (
    "AZ",
    "INSTANCE_TYPE",
    "INVOICING_ENTITY",
    "LEGAL_ENTITY_NAME",
    "LINKED_ACCOUNT",
    "OPERATION",
    "PLATFORM",
    "PURCHASE_TYPE",
    "RECORD_TYPE",
    "REGION",
    "SERVICE",
    "TENANCY",
    "USAGE_TYPE",
)
"""The dimensions Cost Explorer groups costs by."""

BudgetName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^:\\]+$"),
]
"""As AWS Budgets allows them: up to 100 characters, no colon or backslash."""
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
]


class AwsBudgetSource(SourceConfig):
    """AWS Budgets and Cost Explorer, with the credentials of the machine or the function.

        budget:
          source: aws
          budgets: [Platform, Data]     # default: every monthly cost budget of the account
          owners:                       # who owns a budget, for 1:1s (default: its name)
            Platform: marcus.webb@northwind.example
          over_budget_percent: 5        # highlight forecasts more than 5% over (default 0: any)
          group_by: SERVICE             # or a dimension (REGION…), tag:team, cost_category:Team
          top_movers: 5                 # the largest changes against last month (0: none)
          mover_percent: 20             # a group up more than 20% ...
          mover_minimum: 100            # ... and more than 100 (the bill's currency) is a
                                        # highlight
          account_id: "123456789012"    # default: the credentials' own account (STS)

    Only monthly cost budgets count: usage, reservation and Savings Plans budgets are not
    money, and a quarter's or a year's limit does not add up with a month's. A prep makes 1
    Budgets request per 100 budgets and 3 Cost Explorer requests (2 with `top_movers: 0`),
    at $0.01 each; the account id is asked of STS once per process. The credentials need
    ce:GetCostAndUsage, ce:GetCostForecast and budgets:ViewBudget (read-only).
    """

    source: Literal["aws"] = "aws"
    budgets: tuple[BudgetName, ...] = Field(default=(), max_length=200)
    owners: dict[BudgetName, Email] = Field(default_factory=dict, max_length=1000)
    over_budget_percent: float = Field(default=0.0, ge=0, le=1000)
    group_by: str = "SERVICE"
    top_movers: int = Field(default=5, ge=0, le=20)
    mover_percent: float = Field(default=20.0, ge=0, le=100_000)
    mover_minimum: float = Field(default=100.0, ge=0)
    account_id: str | None = Field(default=None, pattern=r"^\d{12}$")

    @field_validator("group_by")
    @classmethod
    def _known_grouping(cls, value: str) -> str:
        grouping_of(value)
        return value.strip()

    @property
    def grouping(self) -> Grouping:
        return grouping_of(self.group_by)

    def build(self, deps: ContextSourceDeps) -> ContextProvider:
        return AwsCostContextProvider(self, deps.aws_client)

    def doctor(self, deps: ContextSourceDeps) -> IntegrationDoctor | None:
        from exec_assistant.context.aws_costs_doctor import AwsCostsDoctor

        return AwsCostsDoctor(self, deps.aws_client, deps.clock)


def grouping_of(text: str) -> Grouping:
    """SERVICE, REGION… (a dimension), tag:<key> (a cost allocation tag) or
    cost_category:<name>; ValueError naming the choices otherwise."""
    value = text.strip()
    kind, _, key = value.partition(":")
    if key and kind.lower() == "tag" and len(key) <= 128:
        return Grouping("TAG", key.strip())
    if key and kind.lower() == "cost_category" and len(key) <= 50:
        return Grouping("COST_CATEGORY", key.strip())
    if not key and value.upper() in GROUP_DIMENSIONS:
        return Grouping("DIMENSION", value.upper())
    raise ValueError(
        f"{value[:40]!r} is not a grouping; use one of {', '.join(GROUP_DIMENSIONS)}, "
        "tag:<key> or cost_category:<name>"
    )


class AwsCostContextProvider:
    """Asks STS (once), AWS Budgets and Cost Explorer side by side at every prep: the bill
    changes by the hour, and the 3 Cost Explorer requests cost $0.03."""

    name = budget.PROVIDER

    def __init__(self, config: AwsBudgetSource, aws_client: Callable[[str], Any] | None) -> None:
        self._config = config
        self._aws_client = aws_client
        self._account = config.account_id
        self._lock = threading.Lock()

    def gather(self, request: ContextRequest) -> ContextResult:
        started = time.perf_counter()
        config = self._config
        ce = self._client("ce")
        window = MonthWindow(request.now.astimezone(UTC).date())
        grouping = config.grouping
        calls: dict[str, Callable[[], Any]] = {
            "budgets": self._budgets,
            "current": lambda: group_costs(ce, window.month_start, window.today, grouping),
            "forecast": lambda: rest_of_month_forecast(ce, window),
        }
        if config.top_movers:
            calls["previous"] = lambda: group_costs(
                ce, window.previous_start, window.previous_end, grouping
            )
        seconds = provider_deadline(config.timeout_seconds)
        results = all_within(
            calls,
            seconds,
            too_slow=lambda call: f"{_SERVICES[call]} gave no answer within {seconds:g} s",
        )
        account, listed, budget_requests = results["budgets"]
        current: GroupCosts = results["current"]
        previous: GroupCosts = results.get("previous") or GroupCosts({}, None, 0)
        rest: float | None = results["forecast"]
        wanted = _named(listed, config.budgets)
        currency = _currency(wanted, current.unit)
        centers = [
            _cost_center(b, window, self._owner(str(b["BudgetName"])))
            for b in wanted
            if _unit(b) in (None, currency)
        ]
        actual = sum(current.by_group.values())
        spend = AccountSpend(
            account=f"AWS account {account}",
            period=window.period,
            days=window.days,
            actual_to_date=actual,
            forecast=actual + rest if rest is not None else None,
            currency=currency,
            previous_period=window.previous_period,
            previous_days=window.previous_days,
        )
        groups = [
            CostGroup(
                name=name,
                current=current.by_group.get(name, 0.0),
                previous=previous.by_group.get(name, 0.0),
            )
            for name in sorted(set(current.by_group) | set(previous.by_group))
        ]
        found = {str(b["BudgetName"]) for b in listed}
        result = cloud_spend_result(
            BudgetHeader(period=window.period, currency=currency, as_of=window.today),
            centers,
            spend,
            groups,
            request,
            source=SOURCE_NAME,
            grouped_by=grouping.label,
            missing_budgets=[name for name in config.budgets if name not in found],
            budget_rules=BudgetRules(over_budget_percent=config.over_budget_percent),
            mover_rules=MoverRules(
                top=config.top_movers,
                rise_percent=config.mover_percent,
                min_rise=config.mover_minimum,
            ),
        )
        log.info(
            "aws costs read",
            extra={
                "meeting_id": request.meeting_id,
                "budgets": len(centers),
                "budgets_skipped": len(wanted) - len(centers),
                "groups": len(groups),
                "requests": budget_requests + current.requests + previous.requests + 1,
                "duration_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return result

    def account(self) -> str:
        """The account's id: as configured, else the credentials' (STS, asked once)."""
        with self._lock:
            if self._account is None:
                self._account = account_id(self._client("sts"))
            return self._account

    def _budgets(self) -> tuple[str, list[dict[str, Any]], int]:
        account = self.account()
        listed, requests = monthly_cost_budgets(self._client("budgets"), account)
        return account, listed, requests

    def _client(self, service: str) -> Any:
        if self._aws_client is None:
            raise ContextSourceUnavailable(
                "AWS is not set up in this runtime",
                fix="Run where AWS credentials are available, or set budget.source to file.",
            )
        return self._aws_client(service)

    def _owner(self, name: str) -> str:
        owners = self._config.owners
        if name in owners:
            return owners[name]
        folded = {key.casefold(): value for key, value in owners.items()}
        return folded.get(name.casefold(), name)


_SERVICES = {
    "budgets": SOURCE_NAME,
    "current": "Cost Explorer",
    "previous": "Cost Explorer",
    "forecast": "Cost Explorer",
}


def _named(listed: list[dict[str, Any]], names: tuple[str, ...]) -> list[dict[str, Any]]:
    """The budgets asked for, in the order asked; all of them, by name, when none are."""
    by_name = {str(b.get("BudgetName")): b for b in listed}
    if names:
        return [by_name[name] for name in names if name in by_name]
    return [by_name[name] for name in sorted(by_name)]


def _currency(budgets: list[dict[str, Any]], cost_unit: str | None) -> str:
    """The bill's currency (Cost Explorer's unit), else the one most budgets are in: budgets
    in another are left out, as their limits do not add up with the rest."""
    if cost_unit:
        return cost_unit
    units = Counter(unit for b in budgets if (unit := _unit(b)))
    return units.most_common(1)[0][0] if units else "USD"


def _unit(b: Mapping[str, Any]) -> str | None:
    limit = b.get("BudgetLimit")
    unit = limit.get("Unit") if isinstance(limit, dict) else None
    return unit if isinstance(unit, str) and unit else None


def _cost_center(b: Mapping[str, Any], window: MonthWindow, owner: str) -> CostCenter:
    """A monthly budget as a cost centre. A budget AWS has no forecast for yet is projected
    at its run rate so far (said in its notes); credits that take spend below zero count as
    none spent."""
    spent = b.get("CalculatedSpend")
    if not isinstance(spent, dict) or not isinstance(spent.get("ActualSpend"), dict):
        raise _budget_shape()
    actual = max(amount_of(spent["ActualSpend"].get("Amount"), "DescribeBudgets"), 0.0)
    notes = None
    forecasted = spent.get("ForecastedSpend")
    if isinstance(forecasted, dict) and forecasted.get("Amount") is not None:
        forecast = max(amount_of(forecasted.get("Amount"), "DescribeBudgets"), 0.0)
    else:
        month_days = (window.next_month_start - window.month_start).days
        forecast = max(actual, actual * month_days / max(window.days, 1))
        notes = "forecast: the month's run rate so far (AWS Budgets has none yet)"
    return CostCenter(
        name=str(b["BudgetName"]),
        owner=owner,
        budget=_limit(b, window),
        forecast=forecast,
        actual_to_date=actual,
        notes=notes,
    )


def _limit(b: Mapping[str, Any], window: MonthWindow) -> float:
    """The budget's limit, or this month's planned limit for a budget planned by month."""
    limit = b.get("BudgetLimit")
    if not isinstance(limit, dict):
        planned = b.get("PlannedBudgetLimits")
        start = datetime(window.month_start.year, window.month_start.month, 1, tzinfo=UTC)
        key = str(int(start.timestamp()))
        limit = planned.get(key) if isinstance(planned, dict) else None
        if not isinstance(limit, dict):
            raise _budget_shape()
    return max(amount_of(limit.get("Amount"), "DescribeBudgets"), 0.0)


def _budget_shape() -> ContextSourceUnavailable:
    return ContextSourceUnavailable("AWS answered DescribeBudgets in an unexpected shape")
