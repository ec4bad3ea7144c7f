"""The settings of `incidents: {source: pagerduty | opsgenie | pagerduty+opsgenie}` in
context.yaml: sensible defaults, and what cannot work refused by key."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from exec_assistant.context.incident_sources import PagerDutyAndOpsgenieSource
from exec_assistant.context.opsgenie import OpsgenieSource
from exec_assistant.context.pagerduty import PagerDutySource


def refused(model: type[Any], settings: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(settings)
    error = caught.value.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def test_pagerduty_defaults_read_every_incident_of_the_us_region() -> None:
    source = PagerDutySource()

    assert source.base_url == "https://api.pagerduty.com"
    assert (source.service_ids, source.team_ids, source.statuses, source.urgencies) == (
        (),
        (),
        (),
        (),
    )
    assert source.severity_by_priority["P1"] == "SEV1"
    assert source.severity_by_urgency == {"high": "SEV2", "low": "SEV4"}
    assert (source.max_incidents, source.timeout_seconds) == (1000, 20)


def test_pagerduty_severities_read_as_incidents_csv_reads_them() -> None:
    source = PagerDutySource.model_validate(
        {"severity_by_priority": {"Critical": "sev 1"}, "base_url": "https://api.eu.pagerduty.com/"}
    )

    assert source.severity_by_priority == {"Critical": "SEV1"}
    assert source.base_url == "https://api.eu.pagerduty.com"


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"base_url": "http://api.pagerduty.com"}, "base_url: Value error, the address must use"),
        ({"base_url": "https://u:p@api.pagerduty.com"}, "base_url: Value error, the address"),
        ({"base_url": "api.pagerduty.com"}, "base_url: Value error, the address must be"),
        ({"service_ids": ["not an id"]}, "service_ids.0: String should match pattern"),
        ({"urgencies": ["urgent"]}, "urgencies.0: Input should be 'high' or 'low'"),
        ({"statuses": ["open"]}, "statuses.0: Input should be 'triggered'"),
        ({"severity_by_priority": {"P1": "critical"}}, "severity_by_priority.P1: Value error"),
        ({"severity_by_urgency": {"high": "SEV1"}}, "severity_by_urgency: Value error, give"),
        ({"max_incidents": 20_000}, "max_incidents: Input should be less than or equal to 10000"),
        ({"api_token": "x"}, "api_token: Extra inputs are not permitted"),
    ],
)
def test_pagerduty_settings_that_cannot_work_are_refused_by_key(
    settings: dict[str, Any], problem: str
) -> None:
    assert refused(PagerDutySource, settings).startswith(problem)


def test_a_local_pagerduty_may_be_plain_http() -> None:
    assert PagerDutySource(base_url="http://127.0.0.1:8080").base_url == "http://127.0.0.1:8080"


def test_opsgenie_region_picks_its_address_unless_one_is_given() -> None:
    assert OpsgenieSource().address == "https://api.opsgenie.com"
    assert OpsgenieSource(region="eu").address == "https://api.eu.opsgenie.com"
    assert OpsgenieSource(base_url="https://og.proxy.example").address == (
        "https://og.proxy.example"
    )


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"region": "apac"}, "region: Input should be 'us' or 'eu'"),
        ({"severity_by_priority": {"P6": "SEV1"}}, "severity_by_priority.P6.[key]: Input"),
        ({"severity_by_priority": {"P1": "SEV1"}}, "severity_by_priority: Value error, give"),
        ({"query": "x" * 501}, "query: String should have at most 500 characters"),
        ({"base_url": "http://api.opsgenie.com"}, "base_url: Value error, the address must use"),
    ],
)
def test_opsgenie_settings_that_cannot_work_are_refused_by_key(
    settings: dict[str, Any], problem: str
) -> None:
    assert refused(OpsgenieSource, settings).startswith(problem)


def test_both_at_once_take_each_systems_settings_under_its_name() -> None:
    source = PagerDutyAndOpsgenieSource.model_validate(
        {
            "source": "pagerduty+opsgenie",
            "timeout_seconds": 10,
            "pagerduty": {"service_ids": ["PABC123"]},
            "opsgenie": {"region": "eu"},
        }
    )

    assert source.pagerduty.service_ids == ("PABC123",)
    assert source.opsgenie.address == "https://api.eu.opsgenie.com"
    assert source.timeout_seconds == 10


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"pagerduty": {"timeout_seconds": 5}}, "pagerduty: Value error, timeout_seconds belongs"),
        ({"opsgenie": {"source": "opsgenie"}}, "opsgenie: Value error, source belongs"),
        ({"pagerduty": {"team_ids": ["x y"]}}, "pagerduty.team_ids.0: String should match"),
        ({"jira": {}}, "jira: Extra inputs are not permitted"),
    ],
)
def test_both_at_once_refuse_what_belongs_elsewhere(settings: dict[str, Any], problem: str) -> None:
    assert refused(PagerDutyAndOpsgenieSource, settings).startswith(problem)
