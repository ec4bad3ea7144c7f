"""What AWS Cost Explorer, AWS Budgets and STS answer, read through boto3 into plain figures.

One function per question, each given its boto3 client: the account's id, its budgets, the
spend of a date range by group, the forecast of the rest of the month. Amounts arrive as
decimal strings ("1234.5600000000"); anything not in the documented shape is a
ContextSourceUnavailable, as is every AWS error, translated by `aws_failure` into a reason a
person can act on (never AWS's own message: it names ARNs and users).

Cost Explorer charges $0.01 for each request, each page included (failed requests are free).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from exec_assistant.domain.errors import ContextSourceUnavailable

COST_METRIC = "UnblendedCost"
FORECAST_METRIC = "UNBLENDED_COST"
REQUIRED_ACTIONS = ("ce:GetCostAndUsage", "ce:GetCostForecast", "budgets:ViewBudget")
"""IAM actions the budget source needs (STS's GetCallerIdentity needs none)."""
MAX_PAGES = 20
"""Pages of one answer followed at most: 2,000 budgets, or thousands of groups ($0.20 of
Cost Explorer requests)."""
BUDGETS_PAGE = 100
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_THROTTLED = frozenset(
    {
        "LimitExceededException",
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
    }
)
_BAD_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "IncompleteSignature",
    }
)
_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})


@dataclass(frozen=True)
class MonthWindow:
    """This month's complete days, and the same days of last month, for `today` (UTC).

    On 27 Dec: this month is 1–26 Dec (26 days), compared with 1–26 Nov. On 31 Mar the 30
    days of March are compared with the 28 of February: a shorter month is compared whole.
    """

    today: date

    @property
    def month_start(self) -> date:
        return self.today.replace(day=1)

    @property
    def next_month_start(self) -> date:
        return (self.month_start + timedelta(days=32)).replace(day=1)

    @property
    def days(self) -> int:
        return (self.today - self.month_start).days

    @property
    def previous_start(self) -> date:
        return (self.month_start - timedelta(days=1)).replace(day=1)

    @property
    def previous_end(self) -> date:
        return min(self.previous_start + timedelta(days=self.days), self.month_start)

    @property
    def previous_days(self) -> int:
        return (self.previous_end - self.previous_start).days

    @property
    def period(self) -> str:
        """Dec 2026."""
        return f"{_MONTHS[self.today.month - 1]} {self.today.year}"

    @property
    def previous_period(self) -> str:
        """Nov (or Dec 2025 from January)."""
        start = self.previous_start
        month = _MONTHS[start.month - 1]
        return month if start.year == self.today.year else f"{month} {start.year}"


@dataclass(frozen=True)
class Grouping:
    """What costs are grouped by: a dimension (SERVICE), a cost allocation tag or a cost
    category, as Cost Explorer's `GroupBy` takes it."""

    type: str
    key: str

    @property
    def label(self) -> str:
        """service, linked account, tag team, cost category Team."""
        if self.type == "TAG":
            return f"tag {self.key}"
        if self.type == "COST_CATEGORY":
            return f"cost category {self.key}"
        return self.key.lower().replace("_", " ")

    def name_of(self, keys: Any) -> str:
        """A group's name from its `Keys`: "Amazon Simple Storage Service"; a tag's value
        without its "team$" prefix, and "(no team tag)" for the untagged."""
        if not isinstance(keys, list) or len(keys) != 1 or not isinstance(keys[0], str):
            raise _shape("GetCostAndUsage")
        value = keys[0]
        if self.type in ("TAG", "COST_CATEGORY"):
            value = value.split("$", 1)[1] if "$" in value else value
            if not value:
                kind = "tag" if self.type == "TAG" else "category"
                return f"(no {self.key} {kind})"
        return value.strip() or "(unnamed)"


@dataclass(frozen=True)
class GroupCosts:
    by_group: dict[str, float]
    unit: str | None
    requests: int


def account_id(sts: Any) -> str:
    answer = _call(sts, "get_caller_identity", "STS")
    account = answer.get("Account") if isinstance(answer, dict) else None
    if not isinstance(account, str) or not account.isdigit() or len(account) != 12:
        raise _shape("GetCallerIdentity")
    return account


def monthly_cost_budgets(budgets: Any, account: str) -> tuple[list[dict[str, Any]], int]:
    """The account's monthly cost budgets (usage, RI and Savings Plans budgets are no money
    spent; quarterly and yearly ones would not add up with the month) and the requests
    made."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    for page in range(1, MAX_PAGES + 1):
        params: dict[str, Any] = {"AccountId": account, "MaxResults": BUDGETS_PAGE}
        if token:
            params["NextToken"] = token
        try:
            answer = _call(budgets, "describe_budgets", "AWS Budgets", **params)
        except _NoData:
            return found, page  # an account without budgets may answer NotFoundException
        listed = answer.get("Budgets", [])
        if not isinstance(listed, list) or not all(isinstance(b, dict) for b in listed):
            raise _shape("DescribeBudgets")
        found.extend(
            b for b in listed if b.get("BudgetType") == "COST" and b.get("TimeUnit") == "MONTHLY"
        )
        token = answer.get("NextToken")
        if not token:
            return found, page
    raise ContextSourceUnavailable(f"AWS Budgets kept paging past {MAX_PAGES} pages")


def group_costs(ce: Any, start: date, end: date, grouping: Grouping) -> GroupCosts:
    """The unblended cost of [start, end) by group, summed over the months it spans."""
    if end <= start:
        return GroupCosts({}, None, 0)
    params: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": [COST_METRIC],
        "GroupBy": [{"Type": grouping.type, "Key": grouping.key}],
    }
    totals: dict[str, float] = {}
    unit: str | None = None
    requests = 0
    for page, answer in enumerate(_cost_pages(ce, params), start=1):
        periods = answer.get("ResultsByTime")
        if not isinstance(periods, list):
            raise _shape("GetCostAndUsage")
        for period in periods:
            groups = period.get("Groups", []) if isinstance(period, dict) else None
            if not isinstance(groups, list):
                raise _shape("GetCostAndUsage")
            for group in groups:
                if not isinstance(group, dict):
                    raise _shape("GetCostAndUsage")
                name = grouping.name_of(group.get("Keys"))
                amount, unit = _metric(group.get("Metrics"), COST_METRIC, "GetCostAndUsage")
                totals[name] = totals.get(name, 0.0) + amount
        requests = page
    return GroupCosts(totals, unit, requests)


def rest_of_month_forecast(ce: Any, window: MonthWindow) -> float | None:
    """Cost Explorer's forecast of today to the month's end; None while it has too little
    history to forecast (a new account)."""
    try:
        answer = _call(
            ce,
            "get_cost_forecast",
            "Cost Explorer",
            TimePeriod={
                "Start": window.today.isoformat(),
                "End": window.next_month_start.isoformat(),
            },
            Metric=FORECAST_METRIC,
            Granularity="MONTHLY",
        )
    except _NoData:
        return None
    amount, _unit = _metric({"Total": answer.get("Total")}, "Total", "GetCostForecast")
    return amount


def amount_of(value: Any, operation: str) -> float:
    """A decimal string (or number) of money as a float; anything else is an unexpected
    shape."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _shape(operation)
    try:
        amount = float(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        raise _shape(operation) from None
    if not math.isfinite(amount):
        raise _shape(operation)
    return amount


def aws_failure(exc: Exception, service: str, operation: str) -> ContextSourceUnavailable:
    """What went wrong with one AWS call, in words: refused (and which IAM actions the
    credentials need), throttled, credentials missing or rejected, unreachable."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return ContextSourceUnavailable(
            "no AWS credentials found",
            fix="Give this machine AWS credentials for the account whose costs to read "
            "(aws configure, AWS_PROFILE, or an instance or task role).",
        )
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return ContextSourceUnavailable(f"{service} gave no answer to {operation} in time")
    if isinstance(exc, EndpointConnectionError):
        return ContextSourceUnavailable(
            f"{service} cannot be reached", fix="Check the network and any proxy settings."
        )
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code") or "an error")[:60]
        message = str(exc.response.get("Error", {}).get("Message") or "")
        if code in _DENIED and "not enabled for cost explorer" in message.lower():
            return ContextSourceUnavailable(
                "Cost Explorer is not enabled for this AWS account",
                fix="Open Cost Explorer once in the Billing and Cost Management console (the "
                "management account's, in an organization); data appears within 24 hours.",
            )
        if code in _DENIED:
            return ContextSourceUnavailable(
                f"AWS refused {operation} (access denied): the credentials need "
                f"{', '.join(REQUIRED_ACTIONS)}",
                fix=f"Allow {', '.join(REQUIRED_ACTIONS)} on Resource * for these credentials.",
            )
        if code in _THROTTLED:
            return ContextSourceUnavailable(
                f"{service} is throttling requests ({code}); try again in a minute"
            )
        if code in _BAD_CREDENTIALS:
            return ContextSourceUnavailable(
                f"AWS rejected the credentials ({code})",
                fix="Renew or replace the AWS credentials (an expired SSO session: aws sso login).",
            )
        return ContextSourceUnavailable(f"{service} refused {operation} ({code})")
    # BotoCoreError and the rest: the class names the problem (ParamValidationError…).
    return ContextSourceUnavailable(f"{service} call {operation} failed ({type(exc).__name__})")


class _NoData(Exception):
    """The service has nothing to answer with: Cost Explorer's DataUnavailableException,
    Budgets' NotFoundException."""


def _call(client: Any, method: str, service: str, **params: Any) -> dict[str, Any]:
    operation = "".join(part.title() for part in method.split("_"))
    try:
        answer = getattr(client, method)(**params)
    except Exception as exc:
        if _code(exc) in ("DataUnavailableException", "NotFoundException"):
            raise _NoData from None
        raise aws_failure(exc, service, operation) from None
    if not isinstance(answer, dict):
        raise _shape(operation)
    return answer


def _cost_pages(ce: Any, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    token: str | None = None
    for _page in range(MAX_PAGES):
        query = dict(params)
        if token:
            query["NextPageToken"] = token
        try:
            answer = _call(ce, "get_cost_and_usage", "Cost Explorer", **query)
        except _NoData:
            return
        yield answer
        token = answer.get("NextPageToken")
        if not token:
            return
    raise ContextSourceUnavailable(f"Cost Explorer kept paging past {MAX_PAGES} pages")


def _metric(metrics: Any, name: str, operation: str) -> tuple[float, str | None]:
    if not isinstance(metrics, dict) or not isinstance(metrics.get(name), dict):
        raise _shape(operation)
    value = metrics[name]
    unit = value.get("Unit")
    return amount_of(value.get("Amount"), operation), unit if isinstance(unit, str) else None


def _code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _shape(operation: str) -> ContextSourceUnavailable:
    return ContextSourceUnavailable(f"AWS answered {operation} in an unexpected shape")
