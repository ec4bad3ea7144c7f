"""`doctor` for `budget` from AWS: the credentials sign in (and to which account), the clock
agrees with AWS's, AWS Budgets and Cost Explorer let them read, and a forecast can be had.

It asks what a prep asks, less: STS once, Budgets once per 100 budgets, and Cost Explorer
twice (one day's total and the month's forecast: $0.02).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from exec_assistant.context.aws_cost_reads import (
    COST_METRIC,
    MonthWindow,
    aws_failure,
    monthly_cost_budgets,
    rest_of_month_forecast,
)
from exec_assistant.context.doctor_steps import Step, run_steps, usual_fix
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck, clock_check
from exec_assistant.domain.text import plural
from exec_assistant.ports import Clock

if TYPE_CHECKING:
    from exec_assistant.context.aws_costs import AwsBudgetSource

NAME = "budget (aws)"


class AwsCostsDoctor:
    name = NAME

    def __init__(
        self, config: AwsBudgetSource, aws_client: Callable[[str], Any] | None, clock: Clock
    ) -> None:
        self._config = config
        self._aws_client = aws_client
        self._clock = clock
        self._account = config.account_id or ""
        """The account whose budgets are read: as configured, else the credentials'."""

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        clients = self._aws_client
        if clients is None:
            return [
                IntegrationCheck(
                    NAME,
                    "credentials",
                    CheckStatus.FAILED,
                    "AWS is not set up in this runtime",
                    fix="Run where AWS credentials are available, or set budget.source to file.",
                )
            ]
        steps: list[Step] = [
            ("credentials", lambda: self._sign_in(clients("sts"))),
            ("permissions", lambda: self._budgets(clients("budgets"))),
            ("permissions", lambda: self._cost_explorer(clients("ce"))),
            ("forecast", lambda: self._forecast(clients("ce"))),
        ]
        return run_steps(NAME, steps, deadline_seconds, default_fix=usual_fix)

    def _sign_in(self, sts: Any) -> list[IntegrationCheck]:
        try:
            answer = sts.get_caller_identity()
        except Exception as exc:
            raise aws_failure(exc, "STS", "GetCallerIdentity") from None
        account = str(answer.get("Account", "?"))[:12]
        self._account = self._config.account_id or account
        headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        checks = [
            IntegrationCheck(NAME, "credentials", CheckStatus.OK, f"signed in to account {account}")
        ]
        if self._config.account_id and self._config.account_id != account:
            checks.append(
                IntegrationCheck(
                    NAME,
                    "credentials",
                    CheckStatus.WARNING,
                    f"context.yaml names account {self._config.account_id}, the credentials "
                    f"are of {account}",
                    fix="Use credentials of the account whose budgets to read, or drop "
                    "budget.account_id.",
                )
            )
        checks.append(clock_check(NAME, headers.get("date"), self._clock.now()))
        return checks

    def _budgets(self, budgets: Any) -> list[IntegrationCheck]:
        listed, _requests = monthly_cost_budgets(budgets, self._account)
        found = {str(b.get("BudgetName")) for b in listed}
        checks = [
            IntegrationCheck(
                NAME,
                "permissions",
                CheckStatus.OK,
                f"AWS Budgets lists {plural(len(listed), 'monthly cost budget')}",
            )
        ]
        missing = [name for name in self._config.budgets if name not in found]
        if missing:
            checks.append(
                IntegrationCheck(
                    NAME,
                    "budgets",
                    CheckStatus.WARNING,
                    f"no monthly cost budget named {', '.join(missing)[:200]}",
                    fix="Correct budget.budgets in context.yaml, or create the budgets "
                    "(monthly, cost) in AWS Budgets.",
                )
            )
        return checks

    def _cost_explorer(self, ce: Any) -> list[IntegrationCheck]:
        today = self._clock.now().astimezone(UTC).date()
        try:
            ce.get_cost_and_usage(
                TimePeriod={
                    "Start": (today - timedelta(days=1)).isoformat(),
                    "End": today.isoformat(),
                },
                Granularity="DAILY",
                Metrics=[COST_METRIC],
            )
        except Exception as exc:
            raise aws_failure(exc, "Cost Explorer", "GetCostAndUsage") from None
        return [IntegrationCheck(NAME, "permissions", CheckStatus.OK, "Cost Explorer answers")]

    def _forecast(self, ce: Any) -> list[IntegrationCheck]:
        window = MonthWindow(self._clock.now().astimezone(UTC).date())
        if rest_of_month_forecast(ce, window) is None:
            return [
                IntegrationCheck(
                    NAME,
                    "forecast",
                    CheckStatus.WARNING,
                    "Cost Explorer has too little history to forecast yet",
                    fix="Nothing to do: packs say 'no forecast yet' until AWS has enough "
                    "history (a few weeks of spend).",
                )
            ]
        return [IntegrationCheck(NAME, "forecast", CheckStatus.OK, "a forecast to month end")]
