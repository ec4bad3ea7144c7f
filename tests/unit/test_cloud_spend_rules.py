"""The rules an API's budget and staffing figures go through: budget thresholds, a cloud
account's month and its movers, reqs outside the export's teams."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from exec_assistant.domain.context import ContextRequest
from exec_assistant.domain.context_rules import (
    AccountSpend,
    BudgetHeader,
    BudgetRules,
    CostCenter,
    CostGroup,
    MoverRules,
    budget_result,
    cloud_spend_result,
)
from exec_assistant.domain.context_rules.staffing import reqs_outside_teams_fact

from factories import context_request

NOW = datetime(2026, 12, 27, 9, 0, tzinfo=UTC)
ANA = "ana@example.com"


def request(**overrides: Any) -> ContextRequest:
    return context_request(NOW, **overrides)


def center(name: str, budget: float, forecast: float, owner: str = ANA) -> CostCenter:
    return CostCenter(name=name, owner=owner, budget=budget, forecast=forecast)


def spend(**overrides: Any) -> AccountSpend:
    fields: dict[str, Any] = {
        "account": "AWS account 123456789012",
        "period": "Dec 2026",
        "days": 26,
        "actual_to_date": 12_340,
        "forecast": 15_020,
        "previous_period": "Nov",
        "previous_days": 26,
        **overrides,
    }
    return AccountSpend(**fields)


# --- Budget thresholds -----------------------------------------------------------------------


def test_by_default_every_overrun_is_a_highlight_and_a_question() -> None:
    centers = [center("Compute", 1000, 1050), center("Travel", 1000, 900)]

    result = budget_result(BudgetHeader(), centers, request(), source="budget.yaml")

    assert result.highlights == ("Compute: forecast $1.1k against a $1.0k budget, $50 (5.0%) over",)
    assert len(result.questions) == 1


def test_a_threshold_keeps_small_overruns_out_of_the_highlights_but_in_the_facts() -> None:
    centers = [center("Compute", 1000, 1200), center("Storage", 1000, 1050)]
    rules = BudgetRules(over_budget_percent=10)

    result = budget_result(BudgetHeader(), centers, request(), source="x", rules=rules)

    assert [h.split(":")[0] for h in result.highlights] == ["Compute"]
    assert ["Storage" in q for q in result.questions] == [False]
    assert any(f.startswith("Storage: forecast") for f in result.facts)


def test_a_centre_without_budget_is_flagged_by_any_spend_whatever_the_threshold() -> None:
    rules = BudgetRules(over_budget_percent=50)

    result = budget_result(
        BudgetHeader(), [center("Pilot", 0, 10)], request(), source="x", rules=rules
    )

    assert result.questions == (
        "What is driving the $10 overrun in Pilot, and what is the plan to close it?",
    )


# --- A cloud account's month -----------------------------------------------------------------


def test_the_account_and_its_movers_follow_the_budgets() -> None:
    groups = [
        CostGroup(name="Amazon EC2", current=2600, previous=1820),
        CostGroup(name="Amazon S3", current=260, previous=0),
        CostGroup(name="AWS Lambda", current=90, previous=100),
        CostGroup(name="Tax", current=5, previous=5),
    ]

    result = cloud_spend_result(
        BudgetHeader(period="Dec 2026"),
        [center("Platform", 3000, 3500)],
        spend(),
        groups,
        request(),
        source="AWS Budgets",
    )

    assert result.facts[0].startswith("Dec 2026 total across 1 cost centre")
    assert result.facts[2:] == (
        "AWS account 123456789012, Dec 2026: $12.3k in the first 26 days, forecast $15.0k "
        "by month end",
        "Largest changes by service against the first 26 days of Nov: Amazon EC2 +$780 "
        "(+42.9%), Amazon S3 +$260 (new), AWS Lambda -$10 (-10.0%)",
    )
    assert result.highlights[1:] == (
        "Amazon EC2 spend is up $780 (+42.9%) on the first 26 days of Nov",
        "Amazon S3: $260 this month, none in the first 26 days of Nov",
    )
    assert result.questions[1:] == (
        "What is behind the 42.9% rise in Amazon EC2 spend, and will it last?",
        "What is behind the $260 rise in Amazon S3 spend, and will it last?",
    )
    assert result.data["movers"][0] == {
        "name": "Amazon EC2",
        "current": 2600,
        "previous": 1820,
        "change": 780,
        "change_pct": 42.9,
    }


def test_a_small_rise_and_a_fall_are_told_but_not_highlighted() -> None:
    groups = [
        CostGroup(name="Big jump, little money", current=50, previous=10),
        CostGroup(name="Falling", current=100, previous=900),
    ]

    result = cloud_spend_result(
        BudgetHeader(), [], spend(), groups, request(), source="AWS Budgets"
    )

    assert result.highlights == ()
    assert "Falling -$800 (-88.9%)" in result.facts[-1]


def test_only_the_top_movers_are_listed_largest_change_first() -> None:
    groups = [CostGroup(name=f"S{i}", current=100 + i, previous=100) for i in range(1, 9)]

    result = cloud_spend_result(
        BudgetHeader(),
        [],
        spend(),
        groups,
        request(),
        source="AWS Budgets",
        mover_rules=MoverRules(top=3),
    )

    assert [m["name"] for m in result.data["movers"]] == ["S8", "S7", "S6"]


def test_the_first_of_the_month_and_a_new_account_read_plainly() -> None:
    result = cloud_spend_result(
        BudgetHeader(),
        [],
        spend(days=0, actual_to_date=0, forecast=None, previous_days=0),
        [],
        request(),
        source="AWS Budgets",
    )

    assert result.facts == (
        "AWS Budgets lists no cost centres.",
        "AWS account 123456789012, Dec 2026: no complete day yet, no forecast yet",
    )


def test_a_one_to_one_sees_only_the_budgets_its_attendee_owns() -> None:
    result = cloud_spend_result(
        BudgetHeader(),
        [center("Platform", 3000, 3500, owner="Ana@Example.com"), center("Data", 1, 1, "b@x.io")],
        spend(),
        [CostGroup(name="Amazon EC2", current=5000, previous=100)],
        request(scope="people", people=(ANA,)),
        source="AWS Budgets",
    )

    assert not any("AWS account" in fact or "Largest" in fact for fact in result.facts)
    assert [f.split(":")[0] for f in result.facts[1:]] == ["Platform"]
    assert "account" not in result.data


def test_names_with_line_breaks_stay_on_one_line() -> None:
    groups = [CostGroup(name="Evil\n# heading\r\nservice", current=900, previous=100)]

    result = cloud_spend_result(BudgetHeader(), [], spend(), groups, request(), source="x")

    assert all("\n" not in text and "\r" not in text for text in result.facts + result.highlights)
    assert "Evil # heading service" in result.facts[-1]


def test_budgets_asked_for_but_missing_are_named() -> None:
    result = cloud_spend_result(
        BudgetHeader(), [], spend(), [], request(), source="AWS Budgets", missing_budgets=["Data"]
    )

    assert result.facts[-1] == "AWS Budgets has no monthly cost budget named Data"


# --- Reqs outside the export's teams ---------------------------------------------------------


def test_reqs_outside_the_teams_are_counted_by_department_most_first() -> None:
    counts = {f"Dept {i:02}": 1 for i in range(10)} | {"Sales": 3}

    fact = reqs_outside_teams_fact(counts, source="Greenhouse", teams_from="staffing.yaml")

    assert fact.startswith(
        "Greenhouse lists 13 open reqs outside the teams in staffing.yaml: Sales (3), Dept 00 (1)"
    )
    assert fact.endswith("and 3 more")
