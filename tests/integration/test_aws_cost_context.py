"""`budget` from AWS: budgets from AWS Budgets (on the moto server), the month from Cost
Explorer (on a local server speaking its JSON protocol, which moto only cans), through the
same rules as budget.yaml; and what a prep says when AWS refuses, throttles or stalls."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.retries import standard

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.clocks import FixedClock
from exec_assistant.context.aws_costs import AwsBudgetSource
from exec_assistant.context.files import BudgetContextProvider
from exec_assistant.context.sources import ContextSourceDeps
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.domain.integrations import CheckStatus
from exec_assistant.services.context import gather_one

from canned_aws import canned_aws
from cost_explorer_api import FakeBilling
from factories import context_request
from moto_server import ACCOUNT_ID, AwsEndpoint

NOW = datetime(2026, 12, 27, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
MARCUS = "marcus.webb@northwind.example"
EC2 = "Amazon Elastic Compute Cloud - Compute"
S3 = "Amazon Simple Storage Service"


def request(**overrides: Any) -> ContextRequest:
    return context_request(NOW, **overrides)


@pytest.fixture
def billing() -> Iterator[FakeBilling]:
    with FakeBilling(today=TODAY) as server:
        yield server


@pytest.fixture
def sdk_backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits botocore's retries would sleep, recorded and not slept: the library's
    backoff is what is sped up, never the project's code."""
    waits: list[float] = []
    original = standard.ExponentialBackoff.delay_amount

    def delay(self: standard.ExponentialBackoff, context: Any) -> float:
        waits.append(original(self, context))
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", delay)
    return waits


def deps(
    tmp_path: Path, clients: dict[str, Any] | None, *, clock: FixedClock | None = None
) -> ContextSourceDeps:
    return ContextSourceDeps(
        tmp_path,
        EnvSecretStore({}),
        clock or FixedClock(NOW),
        aws_client=clients.__getitem__ if clients is not None else None,
    )


def fake_only(billing: FakeBilling, **config: Any) -> Callable[[], ContextResult]:
    """A provider whose budgets and costs both come from the fake server."""
    clients = {"ce": billing.client("ce"), "budgets": billing.client("budgets")}
    source = AwsBudgetSource(account_id=ACCOUNT_ID, **config)
    provider = source.build(deps(Path(), clients))
    return lambda: provider.gather(request())


def steady_month(billing: FakeBilling) -> None:
    """EC2 up from 70 to 100 a day, S3 new at 10 a day, for the first 26 days."""
    for day in range(1, 27):
        billing.cost(date(2026, 12, day), EC2, 100.0, team="payments")
        billing.cost(date(2026, 11, day), EC2, 70.0, team="payments")
        billing.cost(date(2026, 12, day), S3, 10.0)
    billing.cost(date(2026, 11, 28), EC2, 999.0)  # after the days compared: not counted
    billing.forecast_per_day = 120.0


@pytest.fixture
def moto_budgets(aws: AwsEndpoint) -> Iterator[Callable[..., str]]:
    """Budgets created on the moto server under names no other test uses."""
    client = aws.client("budgets")
    made: list[str] = []

    def create(name: str, *, limit: float, actual: float, forecast: float) -> str:
        unique = AwsEndpoint.unique(name)
        client.create_budget(
            AccountId=ACCOUNT_ID,
            Budget={
                "BudgetName": unique,
                "BudgetLimit": {"Amount": str(limit), "Unit": "USD"},
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
                "CalculatedSpend": {
                    "ActualSpend": {"Amount": str(actual), "Unit": "USD"},
                    "ForecastedSpend": {"Amount": str(forecast), "Unit": "USD"},
                },
            },
        )
        made.append(unique)
        return unique

    yield create
    for name in made:
        client.delete_budget(AccountId=ACCOUNT_ID, BudgetName=name)


# --- Happy paths -----------------------------------------------------------------------------


def test_budgets_from_aws_budgets_and_the_month_from_cost_explorer(
    aws: AwsEndpoint, billing: FakeBilling, moto_budgets: Callable[..., str], tmp_path: Path
) -> None:
    steady_month(billing)
    platform = moto_budgets("Platform", limit=3000, actual=2860, forecast=3500)
    data = moto_budgets("Data", limit=500, actual=200, forecast=240)
    clients = {
        "sts": aws.client("sts"),
        "budgets": aws.client("budgets"),
        "ce": billing.client("ce"),
    }
    source = AwsBudgetSource(budgets=(platform, data), owners={platform: MARCUS})

    started = time.perf_counter()
    result = source.build(deps(tmp_path, clients)).gather(request())
    elapsed = time.perf_counter() - started

    assert result.available
    assert result.facts == (
        "Dec 2026 total across 2 cost centres (as of 27 Dec): forecast $3.7k against a $3.5k "
        "budget, $240 (6.9%) over",
        f"{platform}: forecast $3.5k against a $3.0k budget, $500 (16.7%) over",
        f"{data}: forecast $240 against a $500 budget, $260 (52.0%) under",
        "AWS account 123456789012, Dec 2026: $2.9k in the first 26 days, forecast $3.5k by "
        "month end",
        "Largest changes by service against the first 26 days of Nov: "
        f"{EC2} +$780 (+42.9%), {S3} +$260 (new)",
    )
    assert result.highlights[0].startswith(f"{platform}: forecast $3.5k")
    assert result.highlights[1] == f"{EC2} spend is up $780 (+42.9%) on the first 26 days of Nov"
    assert result.data["cost_centers"][0]["owner"] == MARCUS
    costs = [r.params for r in billing.requests if r.operation == "GetCostAndUsage"]
    assert sorted(c["TimePeriod"]["Start"] for c in costs) == ["2026-11-01", "2026-12-01"]
    assert {c["TimePeriod"]["End"] for c in costs} == {"2026-11-27", "2026-12-27"}
    assert {c["Granularity"] for c in costs} == {"MONTHLY"}
    assert costs[0]["Metrics"] == ["UnblendedCost"]
    forecast = next(r.params for r in billing.requests if r.operation == "GetCostForecast")
    assert forecast["TimePeriod"] == {"Start": "2026-12-27", "End": "2027-01-01"}
    assert billing.count("GetCostAndUsage") + billing.count("GetCostForecast") == 3
    print(f"\nfirst gather: 3 Cost Explorer requests, {elapsed * 1000:.0f} ms")


def test_an_account_and_a_finance_export_with_the_same_figures_give_the_same_facts(
    aws: AwsEndpoint, billing: FakeBilling, moto_budgets: Callable[..., str], tmp_path: Path
) -> None:
    platform = moto_budgets("Platform", limit=3000, actual=2860, forecast=3500)
    data = moto_budgets("Data", limit=500, actual=200, forecast=240)
    (tmp_path / "budget.yaml").write_text(
        textwrap.dedent(
            f"""
            period: Dec 2026
            currency: USD
            as_of: 2026-12-27
            cost_centers:
              - {{name: {platform}, owner: {MARCUS}, budget: 3000, actual_to_date: 2860,
                  forecast: 3500}}
              - {{name: {data}, owner: {data}, budget: 500, actual_to_date: 200, forecast: 240}}
            """
        ),
        encoding="utf-8",
    )
    clients = {
        "sts": aws.client("sts"),
        "budgets": aws.client("budgets"),
        "ce": billing.client("ce"),
    }
    source = AwsBudgetSource(budgets=(platform, data), owners={platform: MARCUS})
    api = source.build(deps(tmp_path, clients))
    from_file = BudgetContextProvider(tmp_path)

    for ask in (request(), request(scope="people", people=(MARCUS,))):
        expected, got = from_file.gather(ask), api.gather(ask)
        assert got.facts[: len(expected.facts)] == expected.facts
        assert got.highlights == expected.highlights
        assert got.questions == expected.questions
        assert got.data["cost_centers"] == expected.data["cost_centers"]


def test_a_one_to_one_reads_only_the_budgets_of_the_attendee(billing: FakeBilling) -> None:
    billing.add_budget("Platform", limit=100, actual=50, forecast=150)
    billing.add_budget("marcus.webb@northwind.example", limit=10, actual=1, forecast=2)
    billing.add_budget("Data", limit=100, actual=50, forecast=90)
    clients = {"ce": billing.client("ce"), "budgets": billing.client("budgets")}
    source = AwsBudgetSource(
        account_id=ACCOUNT_ID, owners={"platform": "Marcus.Webb@northwind.example"}
    )

    result = source.build(deps(Path(), clients)).gather(request(scope="people", people=(MARCUS,)))

    assert [f.split(":")[0] for f in result.facts[1:]] == ["Platform", MARCUS]
    assert not any("AWS account" in fact for fact in result.facts)


def test_an_account_without_budgets_still_tells_its_month(billing: FakeBilling) -> None:
    steady_month(billing)

    result = fake_only(billing)()

    assert result.facts[0] == "AWS Budgets lists no cost centres."
    assert result.facts[1].startswith("AWS account 123456789012, Dec 2026: $2.9k")


def test_budgets_answering_not_found_for_an_empty_account_mean_no_budgets(
    billing: FakeBilling,
) -> None:
    billing.fail("DescribeBudgets", "NotFoundException", message="the budgets don't exist")

    result = fake_only(billing)()

    assert result.facts[0] == "AWS Budgets lists no cost centres."


def test_only_monthly_cost_budgets_count_and_named_ones_come_in_the_order_asked(
    billing: FakeBilling,
) -> None:
    billing.add_budget("Usage", limit=100, actual=1, budget_type="USAGE")
    billing.add_budget("Yearly", limit=100, actual=1, time_unit="ANNUALLY")
    billing.add_budget("Zeta", limit=100, actual=10, forecast=90)
    billing.add_budget("Alpha", limit=100, actual=10, forecast=90)

    result = fake_only(billing, budgets=("Zeta", "Alpha", "Yearly", "Gone"))()

    assert [f.split(":")[0] for f in result.facts[1:3]] == ["Zeta", "Alpha"]
    assert result.facts[-1] == "AWS Budgets has no monthly cost budget named Yearly, Gone"


def test_a_budget_planned_by_month_credits_and_no_forecast_yet(billing: FakeBilling) -> None:
    december = str(int(datetime(2026, 12, 1, tzinfo=UTC).timestamp()))
    billing.add_budget("Planned", limit=None, actual=520, planned={december: 600, "0": 1})
    billing.add_budget("Refunded", limit=100, actual=-40, forecast=-10)

    result = fake_only(billing)()

    planned, refunded = result.data["cost_centers"]
    assert planned["budget"] == 600
    assert planned["forecast"] == pytest.approx(520 * 31 / 26)
    assert "run rate" in planned["notes"]
    assert (refunded["actual_to_date"], refunded["forecast"]) == (0, 0)


def test_the_threshold_of_context_yaml_keeps_small_overruns_out_of_the_highlights(
    billing: FakeBilling,
) -> None:
    billing.add_budget("Platform", limit=3000, actual=2860, forecast=3500)  # 16.7% over
    billing.add_budget("Data", limit=500, actual=400, forecast=650)  # 30% over

    result = fake_only(billing, over_budget_percent=20)()

    assert [h.split(":")[0] for h in result.highlights] == ["Data"]
    assert any(f.startswith("Platform: forecast $3.5k") for f in result.facts)


def test_a_budget_in_another_currency_is_left_out_of_the_total(billing: FakeBilling) -> None:
    billing.add_budget("Platform", limit=100, actual=50, forecast=90)
    billing.add_budget("Berlin office", limit=100, actual=50, forecast=90, unit="EUR")
    billing.cost(date(2026, 12, 2), EC2, 10.0)  # the bill is in USD

    result = fake_only(billing)()

    assert [c["name"] for c in result.data["cost_centers"]] == ["Platform"]
    assert result.data["currency"] == "USD"


def test_costs_grouped_by_a_tag_name_the_untagged(billing: FakeBilling) -> None:
    steady_month(billing)

    result = fake_only(billing, group_by="tag:team")()

    assert result.facts[-1].startswith(
        "Largest changes by tag team against the first 26 days of Nov: payments +$780"
    )
    assert "(no team tag) +$260 (new)" in result.facts[-1]


def test_pages_of_budgets_and_of_groups_are_all_read(billing: FakeBilling) -> None:
    billing.group_page_size = 50
    for i in range(150):
        billing.add_budget(f"Team {i:03}", limit=100, actual=50, forecast=100)
    for i in range(120):
        billing.cost(date(2026, 12, 2), f"Service {i:03}", 1.0 + i)

    result = fake_only(billing)()

    assert result.facts[0].startswith("Dec 2026 total across 150 cost centres")
    assert billing.count("DescribeBudgets") == 2
    assert billing.count("GetCostAndUsage") == 3 + 1  # this month's 3 pages, last month's 1
    assert result.data["account"]["actual_to_date"] == sum(1.0 + i for i in range(120))


# --- Failures --------------------------------------------------------------------------------


def test_access_denied_names_the_iam_actions_needed(billing: FakeBilling) -> None:
    billing.fail("GetCostForecast", "AccessDeniedException", message="User: arn:aws:iam::1:user/x")

    with pytest.raises(ContextSourceUnavailable) as caught:
        fake_only(billing)()

    assert str(caught.value) == (
        "AWS refused GetCostForecast (access denied): the credentials need "
        "ce:GetCostAndUsage, ce:GetCostForecast, budgets:ViewBudget"
    )
    assert "arn:aws" not in str(caught.value)


def test_cost_explorer_not_yet_enabled_is_said_as_such(billing: FakeBilling) -> None:
    billing.fail(
        "GetCostAndUsage",
        "AccessDeniedException",
        message="User not enabled for cost explorer access",
        times=2,
    )

    with pytest.raises(
        ContextSourceUnavailable, match=r"^Cost Explorer is not enabled for this AWS account$"
    ):
        fake_only(billing)()


def test_a_throttled_call_tried_again_gives_the_facts(
    billing: FakeBilling, sdk_backoffs: list[float]
) -> None:
    steady_month(billing)
    billing.fail("GetCostForecast", "LimitExceededException", times=2)
    clients = {"ce": billing.client("ce", attempts=3), "budgets": billing.client("budgets")}
    provider = AwsBudgetSource(account_id=ACCOUNT_ID).build(deps(Path(), clients))

    result = provider.gather(request())

    assert "forecast $3.5k by month end" in result.facts[1]
    assert billing.count("GetCostForecast") == 3
    assert len(sdk_backoffs) == 2


def test_throttling_that_does_not_stop_is_a_clear_reason(
    billing: FakeBilling, sdk_backoffs: list[float]
) -> None:
    billing.fail("GetCostAndUsage", "LimitExceededException", times=10)
    clients = {"ce": billing.client("ce", attempts=3), "budgets": billing.client("budgets")}
    provider = AwsBudgetSource(account_id=ACCOUNT_ID).build(deps(Path(), clients))

    result = gather_one(provider, request(), 5)

    assert result.reason == (
        "Cost Explorer is throttling requests (LimitExceededException); try again in a minute"
    )


def test_a_slow_cost_explorer_is_named_before_the_prep_stops_waiting(
    billing: FakeBilling,
) -> None:
    billing.stall("GetCostForecast", 3)
    source = AwsBudgetSource(account_id=ACCOUNT_ID, timeout_seconds=1)
    clients = {"ce": billing.client("ce"), "budgets": billing.client("budgets")}

    started = time.perf_counter()
    result = gather_one(source.build(deps(Path(), clients)), request(), source.timeout_seconds)
    elapsed = time.perf_counter() - started

    assert result.reason == "Cost Explorer gave no answer within 0.5 s"
    assert elapsed < 1


def test_an_answer_that_is_not_the_documented_shape_is_refused(billing: FakeBilling) -> None:
    billing.add_budget("Odd", limit=100, actual=1)
    billing._state.budgets[0]["CalculatedSpend"]["ActualSpend"]["Amount"] = "NaN"

    with pytest.raises(
        ContextSourceUnavailable, match=r"^AWS answered DescribeBudgets in an unexpected shape$"
    ):
        fake_only(billing)()


def test_a_peer_answering_html_is_refused_not_read_as_no_costs(billing: FakeBilling) -> None:
    billing.garble("GetCostAndUsage", b"<html>captive portal</html>")

    with pytest.raises(
        ContextSourceUnavailable, match=r"^AWS answered GetCostAndUsage in an unexpected shape$"
    ):
        fake_only(billing)()


def test_a_peer_answering_html_to_everything_is_refused(billing: FakeBilling) -> None:
    with canned_aws(200, b"<html>captive portal</html>") as portal:
        clients = {"ce": portal.client("ce"), "budgets": portal.client("budgets")}
        provider = AwsBudgetSource(account_id=ACCOUNT_ID).build(deps(Path(), clients))

        with pytest.raises(ContextSourceUnavailable, match=r"in an unexpected shape$"):
            provider.gather(request())


def test_no_credentials_at_all_is_said_in_words(
    monkeypatch: pytest.MonkeyPatch, billing: FakeBilling, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    session = boto3.Session(region_name="us-east-1")
    config = Config(retries={"total_max_attempts": 1})
    clients = {
        s: session.client(s, endpoint_url=billing.url, config=config)
        for s in ("ce", "budgets", "sts")
    }

    result = gather_one(AwsBudgetSource().build(deps(tmp_path, clients)), request(), 5)

    assert result.reason == "no AWS credentials found"
    assert billing.requests == []


def test_a_runtime_without_aws_says_so(tmp_path: Path) -> None:
    result = gather_one(AwsBudgetSource().build(deps(tmp_path, None)), request(), 5)

    assert result.reason == "AWS is not set up in this runtime"


# --- doctor ----------------------------------------------------------------------------------


def test_doctor_signs_in_checks_each_permission_and_the_clock(aws: AwsEndpoint) -> None:
    now = datetime.now(UTC)
    with FakeBilling(today=now.date()) as billing:
        clients = {
            "sts": aws.client("sts"),
            "budgets": billing.client("budgets"),
            "ce": billing.client("ce"),
        }
        billing.add_budget("Platform", limit=100, actual=1, forecast=2)
        source = AwsBudgetSource(budgets=("Platform", "Gone"))

        checks = source.doctor(deps(Path(), clients, clock=FixedClock(now))).check(10)

    assert [(c.check, c.status) for c in checks] == [
        ("credentials", CheckStatus.OK),
        ("clock", CheckStatus.OK),
        ("permissions", CheckStatus.OK),
        ("budgets", CheckStatus.WARNING),
        ("permissions", CheckStatus.OK),
        ("forecast", CheckStatus.OK),
    ]
    assert checks[0].detail == "signed in to account 123456789012"
    assert checks[3].detail == "no monthly cost budget named Gone"
    assert {c.integration for c in checks} == {"budget (aws)"}
    assert billing.count("GetCostAndUsage") + billing.count("GetCostForecast") == 2


def test_doctor_names_the_refused_permission_and_skips_what_follows(aws: AwsEndpoint) -> None:
    now = datetime.now(UTC) - timedelta(minutes=10)
    with FakeBilling(today=now.date()) as billing:
        billing.fail("GetCostAndUsage", "AccessDeniedException")
        clients = {
            "sts": aws.client("sts"),
            "budgets": billing.client("budgets"),
            "ce": billing.client("ce"),
        }

        checks = AwsBudgetSource().doctor(deps(Path(), clients, clock=FixedClock(now))).check(10)

    by_check = [(c.check, c.status) for c in checks]
    assert by_check[1] == ("clock", CheckStatus.WARNING)
    assert by_check[3:] == [("permissions", CheckStatus.FAILED), ("forecast", CheckStatus.SKIPPED)]
    assert checks[3].fix == (
        "Allow ce:GetCostAndUsage, ce:GetCostForecast, budgets:ViewBudget on Resource * for "
        "these credentials."
    )


def test_doctor_without_aws_fails_the_credentials_check(tmp_path: Path) -> None:
    checks = AwsBudgetSource().doctor(deps(tmp_path, None)).check(5)

    assert [(c.check, c.status) for c in checks] == [("credentials", CheckStatus.FAILED)]
