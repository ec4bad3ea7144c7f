"""`doctor` for incidents from PagerDuty and Opsgenie: the token is there and accepted, the API
answers and lets it read incidents, and its clock agrees with ours; each failure says what to
fix, and a hanging system does not hide the other's checks."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from exec_assistant.clocks import SystemClock
from exec_assistant.context.incident_sources import PagerDutyAndOpsgenieSource
from exec_assistant.context.opsgenie import OpsgenieSource
from exec_assistant.context.pagerduty import PagerDutySource
from exec_assistant.context.sources import ContextSourceDeps
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck
from exec_assistant.ports import IntegrationDoctor

from incident_fixtures import secrets
from opsgenie_api import OpsgenieApi
from pagerduty_api import PagerDutyApi
from scripted_answers import Fault


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyApi]:
    with PagerDutyApi() as api:
        yield api


def pd_doctor(tmp_path: Path, url: str, **tokens: str) -> IntegrationDoctor:
    deps = ContextSourceDeps(files=tmp_path, secrets=secrets(**tokens), clock=SystemClock())
    doctor = PagerDutySource(base_url=url).doctor(deps)
    assert doctor is not None
    return doctor


def outcome(checks: list[IntegrationCheck]) -> list[tuple[str, str]]:
    return [(check.check, check.status.value) for check in checks]


def test_a_working_pagerduty_passes_every_check(tmp_path: Path, pagerduty: PagerDutyApi) -> None:
    checks = pd_doctor(tmp_path, pagerduty.url, PAGERDUTY_API_TOKEN=pagerduty.token).check(5)

    assert outcome(checks) == [
        ("credentials", "ok"),
        ("reachable", "ok"),
        ("permissions", "ok"),
        ("clock", "ok"),
    ]
    assert {check.integration for check in checks} == {"incidents (pagerduty)"}
    assert pagerduty.requests[0].query["limit"] == ["1"]


def test_a_missing_token_says_where_to_make_one(tmp_path: Path, pagerduty: PagerDutyApi) -> None:
    checks = pd_doctor(tmp_path, pagerduty.url).check(5)

    assert outcome(checks)[0] == ("credentials", "failed")
    assert checks[0].detail == "no PagerDuty API token (PAGERDUTY_API_TOKEN is not set)"
    assert "API Access Keys" in (checks[0].fix or "")
    assert [c.status for c in checks[1:]] == [CheckStatus.SKIPPED] * 3
    assert pagerduty.requests == []


def test_a_refused_token_and_a_token_without_access_are_told_apart(
    tmp_path: Path, pagerduty: PagerDutyApi
) -> None:
    wrong = pd_doctor(tmp_path, pagerduty.url, PAGERDUTY_API_TOKEN="u+old").check(5)
    pagerduty.deny()
    denied = pd_doctor(tmp_path, pagerduty.url, PAGERDUTY_API_TOKEN=pagerduty.token).check(5)

    assert outcome(wrong) == [
        ("credentials", "failed"),
        ("reachable", "ok"),
        ("permissions", "skipped"),
        ("clock", "ok"),
    ]
    assert outcome(denied)[:3] == [
        ("credentials", "ok"),
        ("reachable", "ok"),
        ("permissions", "failed"),
    ]
    assert (
        denied[2].detail == "PagerDuty does not let this token read these incidents (Access Denied)"
    )


def test_a_clock_far_from_pagerdutys_is_a_warning(tmp_path: Path) -> None:
    with PagerDutyApi(clock_offset=timedelta(minutes=-10)) as api:
        checks = pd_doctor(tmp_path, api.url, PAGERDUTY_API_TOKEN=api.token).check(5)

    assert checks[-1].check == "clock"
    assert checks[-1].status is CheckStatus.WARNING
    assert "ahead of the server" in checks[-1].detail


def test_an_address_nobody_answers_fails_reachable(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    checks = pd_doctor(tmp_path, f"http://127.0.0.1:{port}", PAGERDUTY_API_TOKEN="t").check(1)

    assert outcome(checks)[:2] == [("credentials", "ok"), ("reachable", "failed")]
    assert "connection refused" in checks[1].detail


def test_throttling_is_a_warning_not_a_failure(tmp_path: Path, pagerduty: PagerDutyApi) -> None:
    pagerduty.throttle(reset=60)

    checks = pd_doctor(tmp_path, pagerduty.url, PAGERDUTY_API_TOKEN=pagerduty.token).check(5)

    assert outcome(checks)[1] == ("reachable", "warning")
    assert "rate-limiting" in checks[1].detail
    assert "in a minute" in (checks[1].fix or "")


def test_opsgenie_checks_its_key_and_a_hanging_pagerduty_hides_nothing(
    tmp_path: Path, pagerduty: PagerDutyApi
) -> None:
    pagerduty.faults.add(Fault.stall(), times=5)
    with OpsgenieApi() as opsgenie:
        source = PagerDutyAndOpsgenieSource.model_validate(
            {"pagerduty": {"base_url": pagerduty.url}, "opsgenie": {"base_url": opsgenie.url}}
        )
        deps = ContextSourceDeps(
            files=tmp_path,
            secrets=secrets(pagerduty=pagerduty, opsgenie=opsgenie),
            clock=SystemClock(),
        )
        doctor = source.doctor(deps)
        assert doctor is not None
        checks = doctor.check(1)

    by_system = {(c.integration, c.check): c.status.value for c in checks}
    assert by_system[("incidents (pagerduty)", "reachable")] == "failed"
    assert [s for (name, _c), s in by_system.items() if name == "incidents (opsgenie)"] == [
        "ok"
    ] * 4


def test_opsgenie_without_read_access_fails_permissions(tmp_path: Path) -> None:
    with OpsgenieApi() as opsgenie:
        opsgenie.deny()
        deps = ContextSourceDeps(
            files=tmp_path, secrets=secrets(opsgenie=opsgenie), clock=SystemClock()
        )
        doctor = OpsgenieSource(base_url=opsgenie.url).doctor(deps)
        assert doctor is not None
        checks = doctor.check(5)

    assert outcome(checks)[2] == ("permissions", "failed")
    assert "Read access right" in (checks[2].fix or "")
    assert checks[3].status is CheckStatus.OK
