"""`exec-assistant doctor` on the Jira sections, against the fake Jira Cloud: each check
says what it found and, when it is not right, what to do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.context.jira import JiraBigRocksSource, JiraTrackerSource
from exec_assistant.context.sources import ContextSourceDeps
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck

from jira_api import JiraApi

S = CheckStatus


class Now:
    def now(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture
def jira() -> Iterator[JiraApi]:
    with JiraApi() as api:
        api.add_project("OPS", issue_types=("Task", "Epic"))
        api.add_issue("OPS", "Epic", "Failover", labels=["big-rock"], duedate="2027-01-29")
        yield api


def deps(jira: JiraApi, **secrets: str) -> ContextSourceDeps:
    values = {"JIRA_EMAIL": jira.email, "JIRA_API_TOKEN": jira.token, **secrets}
    return ContextSourceDeps(".", EnvSecretStore(values), Now())  # type: ignore[arg-type]


def tracker_checks(jira: JiraApi, **config: str) -> dict[str, IntegrationCheck]:
    source = JiraTrackerSource.model_validate(
        {"base_url": jira.base_url, "project": "OPS", **config}
    )
    doctor = source.doctor(deps(jira))
    assert doctor is not None and doctor.name == "jira:action_items"
    found = doctor.check(5)
    assert all(c.integration == "jira:action_items" for c in found)
    return {c.check: c for c in found}


def statuses(checks: dict[str, IntegrationCheck]) -> dict[str, CheckStatus]:
    return {name: check.status for name, check in checks.items()}


def test_a_tracker_that_may_do_everything_is_all_ok(jira: JiraApi) -> None:
    checks = tracker_checks(jira)

    assert statuses(checks) == {
        "credentials": S.OK,
        "reachable": S.OK,
        "clock": S.OK,
        "permissions": S.OK,
    }
    assert checks["reachable"].detail == (
        "127.0.0.1 answers, signed in as assistant@northwind.example"
    )
    assert checks["permissions"].detail == "may create, assign and browse Task issues in OPS"


def test_big_rocks_check_that_the_search_finds_epics(jira: JiraApi) -> None:
    finds = JiraBigRocksSource(base_url=jira.base_url, label="big-rock", projects=("OPS",))
    none = JiraBigRocksSource(base_url=jira.base_url, label="no-such-label")

    found = {c.check: c for c in finds.doctor(deps(jira)).check(5)}  # type: ignore[union-attr]
    empty = {c.check: c for c in none.doctor(deps(jira)).check(5)}  # type: ignore[union-attr]

    assert found["permissions"].status == S.OK
    assert empty["permissions"].status == S.WARNING
    assert "finds no epic" in empty["permissions"].detail


def test_missing_credentials_skip_the_rest(jira: JiraApi) -> None:
    source = JiraTrackerSource(base_url=jira.base_url, project="OPS")
    checks = {c.check: c for c in source.doctor(deps(jira, JIRA_API_TOKEN="")).check(5)}  # type: ignore[union-attr]

    assert statuses(checks) == {
        "credentials": S.FAILED,
        "reachable": S.SKIPPED,
        "clock": S.SKIPPED,
        "permissions": S.SKIPPED,
    }
    assert checks["credentials"].detail == "JIRA_API_TOKEN not set"
    assert "id.atlassian.com" in (checks["credentials"].fix or "")
    assert jira.requests == []


def test_a_refused_token_fails_reachable_without_showing_it(jira: JiraApi) -> None:
    source = JiraTrackerSource(base_url=jira.base_url, project="OPS")
    checks = {c.check: c for c in source.doctor(deps(jira, JIRA_API_TOKEN="wrong-token")).check(5)}  # type: ignore[union-attr]

    assert checks["reachable"].status == S.FAILED
    assert "refused the email and API token (401)" in checks["reachable"].detail
    assert all("wrong-token" not in f"{c.detail} {c.fix}" for c in checks.values())


def test_missing_permissions_are_named_with_the_fix(jira: JiraApi) -> None:
    jira.permissions["OPS"] = {"BROWSE_PROJECTS"}
    jira.global_permissions = set()
    source = JiraTrackerSource(base_url=jira.base_url, project="OPS")

    every = source.doctor(deps(jira)).check(5)  # type: ignore[union-attr]

    permissions = [c for c in every if c.check == "permissions"]
    assert [(c.status, c.detail) for c in permissions] == [
        (S.FAILED, "the account may not create issues in project OPS"),
        (
            S.WARNING,
            "no Assign Issues or Browse users and groups permission: issues are created unassigned",
        ),
    ]
    assert permissions[0].fix == "Ask a Jira admin to grant 'Create Issues' in OPS."


def test_an_issue_type_the_project_lacks_lists_the_ones_it_has(jira: JiraApi) -> None:
    checks = tracker_checks(jira, issue_type="Bug")

    assert checks["permissions"].status == S.FAILED
    assert checks["permissions"].detail == (
        "project OPS has no issue type 'Bug' this account may create"
    )
    assert checks["permissions"].fix == "Set issue_type in context.yaml to one of: Task, Epic."


def test_an_unknown_project_is_a_failed_check_not_a_crash(jira: JiraApi) -> None:
    checks = tracker_checks(jira, project="NOPE")

    assert checks["permissions"].status == S.FAILED
    assert "No project could be found with key 'NOPE'" in checks["permissions"].detail


def test_a_clock_far_from_jiras_is_a_warning(jira: JiraApi) -> None:
    jira.clock_offset = timedelta(minutes=-12)

    checks = tracker_checks(jira)

    assert checks["clock"].status == S.WARNING
    assert checks["clock"].detail.startswith("this machine's clock is 7")
    assert "ahead of Jira's" in checks["clock"].detail
    assert "NTP" in (checks["clock"].fix or "")
