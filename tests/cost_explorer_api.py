"""A fake AWS billing endpoint on 127.0.0.1: Cost Explorer (GetCostAndUsage, GetCostForecast)
and AWS Budgets (DescribeBudgets), spoken the way boto3 speaks them.

moto answers GetCostAndUsage only with results queued ahead, matched by the exact request
body, has no GetCostForecast, and lists budgets without paging: this server computes its
answers from the costs it is given, as the services do.

    with FakeBilling(today=date(2026, 12, 27)) as billing:
        billing.cost(date(2026, 12, 3), "Amazon Simple Storage Service", 120.5, team="data")
        billing.forecast_per_day = 40.0           # or None: DataUnavailableException
        billing.add_budget("Platform", limit=1000, actual=700, forecast=1100)
        billing.fail("GetCostForecast", "LimitExceededException", times=2)
        billing.stall("DescribeBudgets", 5)       # read, then answered after 5 s
        ce = billing.client("ce")

What it does as AWS does (the AWS JSON 1.1 protocol and the services' API reference):
- `POST /` with `X-Amz-Target: AWSInsightsIndexService.<Operation>` (Cost Explorer) or
  `AWSBudgetServiceGateway.<Operation>` (Budgets) and a JSON body; a SigV4 `Authorization`
  whose scope must be `…/us-east-1/ce/aws4_request` (or `budgets`): both are global services
  signed for us-east-1, and another scope is refused with InvalidSignatureException.
- Errors: HTTP 400 (403 for signatures) with `{"__type": code, "Message": …}` and the
  `x-amzn-ErrorType` header, as botocore parses them.
- GetCostAndUsage: `TimePeriod` [Start, End) split at month boundaries (MONTHLY) or by day
  (DAILY); `GroupBy` a DIMENSION (SERVICE, REGION), TAG (keys "team$data", "team$" for the
  untagged) or COST_CATEGORY; with a grouping `Total` is empty and `Groups` hold the
  amounts, without one `Total` does. Amounts are decimal strings with 10 places. Groups come
  `group_page_size` at a time with a `NextPageToken`, which must come back with an otherwise
  identical request (RequestChangedException if not).
- GetCostForecast: Start may not be before today, End must be after Start; the Total is
  `forecast_per_day` per day of the period; DataUnavailableException without one.
- DescribeBudgets: the account's budgets, `MaxResults` (1-1000, default 100) at a time with
  a `NextToken`; another account's id is AccessDeniedException.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from botocore.config import Config

from local_http import LocalHttpServer
from moto_server import ACCOUNT_ID, AwsEndpoint

CE_TARGET = "AWSInsightsIndexService"
BUDGETS_TARGET = "AWSBudgetServiceGateway"


@dataclass(frozen=True)
class Cost:
    day: date
    service: str
    amount: float
    tags: dict[str, str]
    region: str


@dataclass
class _Failure:
    code: str
    message: str
    status: int
    raw: bytes | None = None
    """Not an error: this body, with 200, as a captive portal or a broken proxy answers."""


@dataclass
class Request:
    operation: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    costs: list[Cost] = field(default_factory=list)
    budgets: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    stalls: dict[str, float] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)


class AwsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class FakeBilling(LocalHttpServer):
    def __init__(
        self,
        *,
        today: date,
        account: str = ACCOUNT_ID,
        unit: str = "USD",
        group_page_size: int = 100,
    ) -> None:
        self.today = today
        self.account = account
        self.unit = unit
        self.group_page_size = group_page_size
        self.forecast_per_day: float | None = 0.0
        self._state = _State()
        super().__init__(self._handler_class())

    def client(self, service: str, *, attempts: int = 1, read_timeout: float = 5) -> Any:
        """A boto3 client of `service` ("ce", "budgets") on this server."""
        config = Config(
            retries={"total_max_attempts": attempts, "mode": "standard"},
            connect_timeout=2,
            read_timeout=read_timeout,
        )
        return AwsEndpoint(self.url).session().client(service, endpoint_url=self.url, config=config)

    # ---- scripting ----------------------------------------------------------------------

    def cost(
        self, day: date, service: str, amount: float, *, region: str = "us-east-1", **tags: str
    ) -> None:
        with self._state.lock:
            self._state.costs.append(Cost(day, service, amount, dict(tags), region))

    def add_budget(
        self,
        name: str,
        *,
        limit: float | None,
        actual: float,
        forecast: float | None = None,
        unit: str = "USD",
        time_unit: str = "MONTHLY",
        budget_type: str = "COST",
        planned: dict[str, float] | None = None,
    ) -> None:
        """A budget as DescribeBudgets lists it (amounts as the long decimal strings AWS
        sends). `planned`: limits by period start (Unix seconds) instead of one limit."""
        spend: dict[str, Any] = {"ActualSpend": {"Amount": _long(actual), "Unit": unit}}
        if forecast is not None:
            spend["ForecastedSpend"] = {"Amount": _long(forecast), "Unit": unit}
        budget: dict[str, Any] = {
            "BudgetName": name,
            "TimeUnit": time_unit,
            "BudgetType": budget_type,
            "CalculatedSpend": spend,
            "TimePeriod": {"Start": 1767225600.0, "End": 3706473600.0},
            "LastUpdatedTime": 1796000000.0,
        }
        if limit is not None:
            budget["BudgetLimit"] = {"Amount": _long(limit), "Unit": unit}
        if planned is not None:
            budget["PlannedBudgetLimits"] = {
                key: {"Amount": _long(value), "Unit": unit} for key, value in planned.items()
            }
        with self._state.lock:
            self._state.budgets.append(budget)

    def fail(
        self, operation: str, code: str, *, times: int = 1, message: str = "", status: int = 400
    ) -> None:
        """The next `times` calls of `operation` answer this error."""
        with self._state.lock:
            queue = self._state.failures.setdefault(operation, deque())
            for _ in range(times):
                queue.append(_Failure(code, message or code, status))

    def garble(self, operation: str, body: bytes) -> None:
        """The next call of `operation` is answered 200 with `body`."""
        with self._state.lock:
            queue = self._state.failures.setdefault(operation, deque())
            queue.append(_Failure("", "", 200, body))

    def stall(self, operation: str, seconds: float) -> None:
        """Every call of `operation` is read, then answered `seconds` later."""
        with self._state.lock:
            self._state.stalls[operation] = seconds

    # ---- inspection ---------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        with self._state.lock:
            return list(self._state.requests)

    def count(self, operation: str) -> int:
        return sum(1 for r in self.requests if r.operation == operation)

    # ---- the services -------------------------------------------------------------------

    def _answer(self, target: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
        prefix, _, operation = target.partition(".")
        with self._state.lock:
            self._state.requests.append(Request(operation, params, headers))
            failures = self._state.failures.get(operation)
            failure = failures.popleft() if failures else None
            stall = self._state.stalls.get(operation, 0.0)
        if stall:
            self.stopping.wait(stall)
        service = {CE_TARGET: "ce", BUDGETS_TARGET: "budgets"}.get(prefix)
        if service is None:
            raise AwsError("UnknownOperationException", f"unknown target {target}")
        _check_signature(headers, service)
        if failure is not None and failure.raw is not None:
            return failure.raw
        if failure is not None:
            raise AwsError(failure.code, failure.message, failure.status)
        handlers = {
            "GetCostAndUsage": self._cost_and_usage,
            "GetCostForecast": self._forecast,
            "DescribeBudgets": self._describe_budgets,
        }
        if operation not in handlers:
            raise AwsError("UnknownOperationException", f"unknown operation {operation}")
        return handlers[operation](params)

    def _cost_and_usage(self, params: dict[str, Any]) -> dict[str, Any]:
        start, end = _period(params)
        granularity = params.get("Granularity")
        if granularity not in ("DAILY", "MONTHLY"):
            raise AwsError("ValidationException", "Granularity must be DAILY or MONTHLY")
        metrics = params.get("Metrics") or []
        if not metrics:
            raise AwsError("ValidationException", "Metrics is required")
        groupings = params.get("GroupBy") or []
        if len(groupings) > 2:
            raise AwsError("ValidationException", "GroupBy may have at most 2 definitions")
        token = params.get("NextPageToken")
        fingerprint = _fingerprint({k: v for k, v in params.items() if k != "NextPageToken"})
        offset = 0
        if token:
            seen, _, at = str(token).partition(":")
            if seen != fingerprint or not at.isdigit():
                raise AwsError("RequestChangedException", "The request changed between pages")
            offset = int(at)
        with self._state.lock:
            costs = [c for c in self._state.costs if start <= c.day < end]
        results: list[dict[str, Any]] = []
        rows: list[tuple[int, list[str], float]] = []
        for index, (p_start, p_end) in enumerate(_periods(start, end, granularity)):
            inside = [c for c in costs if p_start <= c.day < p_end]
            entry: dict[str, Any] = {
                "TimePeriod": {"Start": p_start.isoformat(), "End": p_end.isoformat()},
                "Total": {},
                "Groups": [],
                "Estimated": p_end > self.today.replace(day=1),
            }
            if not groupings:
                total = sum(c.amount for c in inside)
                entry["Total"] = {m: {"Amount": _amount(total), "Unit": self.unit} for m in metrics}
            else:
                sums: dict[tuple[str, ...], float] = {}
                for c in inside:
                    keys = tuple(_key(c, g) for g in groupings)
                    sums[keys] = sums.get(keys, 0.0) + c.amount
                rows.extend((index, list(keys), total) for keys, total in sorted(sums.items()))
            results.append(entry)
        page = rows[offset : offset + self.group_page_size]
        for index, keys, total in page:
            results[index]["Groups"].append(
                {
                    "Keys": keys,
                    "Metrics": {m: {"Amount": _amount(total), "Unit": self.unit} for m in metrics},
                }
            )
        answer: dict[str, Any] = {
            "GroupDefinitions": groupings,
            "ResultsByTime": results,
            "DimensionValueAttributes": [],
        }
        if offset + self.group_page_size < len(rows):
            answer["NextPageToken"] = f"{fingerprint}:{offset + self.group_page_size}"
        return answer

    def _forecast(self, params: dict[str, Any]) -> dict[str, Any]:
        start, end = _period(params)
        if start < self.today:
            raise AwsError(
                "ValidationException", "Start date must be equal to or later than the current date"
            )
        if params.get("Metric") not in ("UNBLENDED_COST", "BLENDED_COST", "AMORTIZED_COST"):
            raise AwsError("ValidationException", "Metric is not supported")
        if self.forecast_per_day is None:
            raise AwsError(
                "DataUnavailableException",
                "Insufficient amount of historical data to generate forecast.",
            )
        by_period = [
            (p_start, p_end, self.forecast_per_day * (p_end - p_start).days)
            for p_start, p_end in _periods(start, end, params.get("Granularity", "MONTHLY"))
        ]
        total = sum(amount for _s, _e, amount in by_period)
        return {
            "Total": {"Amount": _amount(total), "Unit": self.unit},
            "ForecastResultsByTime": [
                {
                    "TimePeriod": {"Start": s.isoformat(), "End": e.isoformat()},
                    "MeanValue": _amount(amount),
                }
                for s, e, amount in by_period
            ],
        }

    def _describe_budgets(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("AccountId") != self.account:
            raise AwsError(
                "AccessDeniedException", "You are not authorized to view this account's budgets"
            )
        size = params.get("MaxResults", 100)
        if not isinstance(size, int) or not 1 <= size <= 1000:
            raise AwsError("InvalidParameterException", "MaxResults must be 1-1000")
        token = params.get("NextToken")
        offset = int(token) if isinstance(token, str) and token.isdigit() else 0
        with self._state.lock:
            budgets = list(self._state.budgets)
        answer: dict[str, Any] = {"Budgets": budgets[offset : offset + size]}
        if offset + size < len(budgets):
            answer["NextToken"] = str(offset + size)
        return answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    params = json.loads(raw or b"{}")
                    answer = server._answer(headers.get("x-amz-target", ""), params, headers)
                except AwsError as exc:
                    self._reply(
                        exc.status,
                        {"__type": exc.code, "Message": exc.message},
                        {"x-amzn-ErrorType": exc.code},
                    )
                    return
                except ValueError:
                    self._reply(400, {"__type": "SerializationException"}, {})
                    return
                self._reply(200, answer, {})

            def _reply(self, status: int, body: Any, headers: dict[str, str]) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-RequestId", "fake-request")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up waiting
                    self.wfile.write(data)

        return Handler


def _check_signature(headers: dict[str, str], service: str) -> None:
    authorization = headers.get("authorization", "")
    if "AWS4-HMAC-SHA256" not in authorization or f"/us-east-1/{service}/aws4_request" not in (
        authorization
    ):
        raise AwsError(
            "InvalidSignatureException",
            f"Credential should be scoped to a valid region and to service {service}",
            403,
        )


def _period(params: dict[str, Any]) -> tuple[date, date]:
    period = params.get("TimePeriod") or {}
    try:
        start = date.fromisoformat(str(period.get("Start"))[:10])
        end = date.fromisoformat(str(period.get("End"))[:10])
    except ValueError:
        raise AwsError("ValidationException", "TimePeriod must have Start and End dates") from None
    if start >= end:
        raise AwsError(
            "ValidationException", "Start date (and hour) should be before end date (and hour)"
        )
    return start, end


def _periods(start: date, end: date, granularity: str) -> list[tuple[date, date]]:
    periods = []
    at = start
    while at < end:
        if granularity == "DAILY":
            following = at + timedelta(days=1)
        else:
            following = (at.replace(day=1) + timedelta(days=32)).replace(day=1)
        periods.append((at, min(following, end)))
        at = following
    return periods


def _key(cost: Cost, grouping: dict[str, Any]) -> str:
    kind, key = grouping.get("Type"), str(grouping.get("Key"))
    if kind == "DIMENSION":
        if key == "SERVICE":
            return cost.service
        if key == "REGION":
            return cost.region
        raise AwsError("ValidationException", f"Group by {key} is not supported here")
    if kind in ("TAG", "COST_CATEGORY"):
        return f"{key}${cost.tags.get(key, '')}"
    raise AwsError("ValidationException", f"GroupBy Type {kind} is not valid")


def _fingerprint(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


def _amount(value: float) -> str:
    return f"{value:.10f}"


def _long(value: float) -> str:
    """As Budgets sends them: '604.4560000000000172803993336856365203857421875'."""
    return f"{value:.43f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
