"""The settings of the API sources of context.yaml: `budget: {source: aws}` and
`staffing: {source: greenhouse}` refuse what they cannot use, by key."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from exec_assistant.context.aws_costs import AwsBudgetSource
from exec_assistant.context.greenhouse import GreenhouseStaffingSource


def refused(model: type[Any], **settings: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(settings)
    error = caught.value.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def test_aws_defaults_read_every_monthly_budget_grouped_by_service() -> None:
    source = AwsBudgetSource()

    assert (source.budgets, source.group_by, source.top_movers) == ((), "SERVICE", 5)
    assert source.over_budget_percent == 0
    assert source.timeout_seconds == 20


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"group_by": "services"}, "group_by: Value error, 'services' is not a grouping"),
        ({"budgets": ["a:b"]}, "budgets.0: String should match pattern"),
        ({"owners": {"Platform": "not an email"}}, "owners.Platform: String should match"),
        ({"account_id": "12345"}, "account_id: String should match pattern"),
        ({"top_movers": 50}, "top_movers: Input should be less than or equal to 20"),
        ({"over_budget_percent": -1}, "over_budget_percent: Input should be greater than"),
        ({"budget": ["Platform"]}, "budget: Extra inputs are not permitted"),
    ],
)
def test_aws_settings_that_cannot_work_are_refused_by_key(
    settings: dict[str, Any], problem: str
) -> None:
    assert refused(AwsBudgetSource, **settings).startswith(problem)


def test_greenhouse_defaults_to_greenhouses_own_addresses() -> None:
    source = GreenhouseStaffingSource()

    assert source.base_url == "https://harvest.greenhouse.io"
    assert source.token_url == "https://auth.greenhouse.io/token"


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"base_url": "http://harvest.example.com"}, "base_url: Value error, the address must"),
        ({"token_url": "ftp://auth.example.com/token"}, "token_url: Value error"),
        ({"user_id": 0}, "user_id: Input should be greater than 0"),
        ({"api_key": "x"}, "api_key: Extra inputs are not permitted"),
    ],
)
def test_greenhouse_settings_that_cannot_work_are_refused_by_key(
    settings: dict[str, Any], problem: str
) -> None:
    assert refused(GreenhouseStaffingSource, **settings).startswith(problem)


def test_a_greenhouse_on_this_machine_may_be_plain_http() -> None:
    source = GreenhouseStaffingSource(base_url="http://127.0.0.1:8080")

    assert source.base_url == "http://127.0.0.1:8080"
