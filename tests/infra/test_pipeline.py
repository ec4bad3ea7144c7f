"""The GitHub workflows as a reviewer reads them: CI lints and runs every test; a deploy goes
package → dev → stage → prod, prod only after a person approves, AWS reached by OIDC and never
by stored keys, each stack deployed by one run at a time, and the aliases rolled back only
when this run's shift or smoke test failed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
DEPLOY_TOOLS = ROOT / ".github" / "actions" / "deploy-tools" / "action.yml"
STACKS = ("dev", "stage", "prod")


def load(path: Path) -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    if True in document:
        document["on"] = document.pop(True)
    return document


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load(WORKFLOWS / "ci.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load(WORKFLOWS / "deploy.yml")


def runs(steps: list[dict[str, Any]]) -> list[str]:
    return [str(step["run"]) for step in steps if "run" in step]


def step_using(steps: list[dict[str, Any]], action: str) -> dict[str, Any]:
    [step] = [s for s in steps if str(s.get("uses", "")).startswith(action + "@")]
    return step


def needs(job: dict[str, Any]) -> list[str]:
    value = job.get("needs", [])
    return [value] if isinstance(value, str) else list(value)


def ancestors(jobs: dict[str, Any], name: str) -> set[str]:
    found: set[str] = set()
    for parent in needs(jobs[name]):
        found |= {parent, *ancestors(jobs, parent)}
    return found


def test_ci_lints_and_runs_the_whole_suite_on_python_311_on_every_push_and_pull_request(
    ci: dict[str, Any],
) -> None:
    assert set(ci["on"]) == {"push", "pull_request"}
    [job] = ci["jobs"].values()
    python = step_using(job["steps"], "actions/setup-python")["with"]
    assert python["python-version"] == "3.11" and python["cache"] == "pip"
    assert runs(job["steps"]) == ["make lint", "make test"]
    assert ci["permissions"] == {"contents": "read"}


def test_a_push_to_main_deploys_in_order_and_a_manual_run_picks_its_stack(
    deploy: dict[str, Any],
) -> None:
    assert deploy["on"]["push"] == {"branches": ["main"]}
    stack_input = deploy["on"]["workflow_dispatch"]["inputs"]["stack"]
    assert stack_input["type"] == "choice" and stack_input["options"] == list(STACKS)
    jobs = deploy["jobs"]
    assert set(jobs) == {
        "package",
        *(f"{kind}-{s}" for s in STACKS for kind in ("preview", "deploy")),
    }
    previous = "package"
    for stack in STACKS:
        assert needs(jobs[f"preview-{stack}"]) == [previous]
        assert needs(jobs[f"deploy-{stack}"]) == [f"preview-{stack}"]
        previous = f"deploy-{stack}"
    assert {"deploy-dev", "deploy-stage"} <= ancestors(jobs, "deploy-prod")
    for stack in STACKS:
        for job in (jobs[f"preview-{stack}"], jobs[f"deploy-{stack}"]):
            condition = job["if"]
            assert "!failure()" in condition and "!cancelled()" in condition
            assert f"inputs.stack == '{stack}'" in condition
            assert "github.event_name == 'push'" in condition


def test_the_package_job_builds_the_archives_every_later_job_deploys(
    deploy: dict[str, Any],
) -> None:
    package = deploy["jobs"]["package"]
    assert "make package" in runs(package["steps"])
    upload = step_using(package["steps"], "actions/upload-artifact")["with"]
    tools = load(DEPLOY_TOOLS)
    download = step_using(tools["runs"]["steps"], "actions/download-artifact")["with"]
    assert upload["path"] == download["path"] == "build/lambda"
    assert upload["name"] == download["name"]
    for name, job in deploy["jobs"].items():
        if name != "package":
            assert {"uses": "./.github/actions/deploy-tools"} in job["steps"], name


def test_every_stack_is_previewed_then_deployed_shifted_and_smoke_tested(
    deploy: dict[str, Any],
) -> None:
    for stack in STACKS:
        preview = step_using(deploy["jobs"][f"preview-{stack}"]["steps"], "pulumi/actions")
        assert preview["uses"] == "pulumi/actions@v6"
        assert preview["with"]["command"] == "preview" and preview["with"]["stack-name"] == stack
        steps = deploy["jobs"][f"deploy-{stack}"]["steps"]
        up = step_using(steps, "pulumi/actions")
        assert up["with"]["command"] == "up" and up["with"]["stack-name"] == stack
        assert up["with"]["work-dir"] == "infra"
        order = [s.get("id") for s in steps if s.get("id")]
        assert order == ["up", "shift", "smoke"]
        by_id = {s["id"]: s for s in steps if "id" in s}
        assert by_id["shift"]["run"] == f".venv/bin/python tools/shift_traffic.py --stack {stack}"
        smoke = by_id["smoke"]
        assert 'tools/smoke_test.py --url "$SLACK_REQUEST_URL"' in smoke["run"]
        assert smoke["env"]["SLACK_REQUEST_URL"] == "${{ steps.up.outputs.slack_request_url }}"


def test_the_rollback_runs_only_when_this_runs_shift_or_smoke_test_failed(
    deploy: dict[str, Any],
) -> None:
    for stack in STACKS:
        steps = deploy["jobs"][f"deploy-{stack}"]["steps"]
        rollbacks = [s for s in steps if "--rollback" in str(s.get("run", ""))]
        assert len(rollbacks) == 1
        [rollback] = rollbacks
        assert steps[-1] is rollback
        assert (
            rollback["run"] == f".venv/bin/python tools/shift_traffic.py --stack {stack} --rollback"
        )
        condition = rollback["if"]
        assert condition.startswith("${{ failure() && (")
        assert "steps.shift.outcome == 'failure'" in condition
        assert "steps.smoke.outcome == 'failure'" in condition
        for step in steps:
            if step is not rollback:
                assert "if" not in step, step


def test_prod_waits_behind_the_protected_environment_and_nothing_else_does(
    deploy: dict[str, Any],
) -> None:
    environments = {name: job.get("environment") for name, job in deploy["jobs"].items()}
    assert environments.pop("deploy-prod") == "production"
    assert set(environments.values()) == {None}
    assert "protected" in (WORKFLOWS / "deploy.yml").read_text(encoding="utf-8")


def test_each_stack_is_deployed_by_one_run_at_a_time_never_cancelled_halfway(
    deploy: dict[str, Any],
) -> None:
    for stack in STACKS:
        concurrency = deploy["jobs"][f"deploy-{stack}"]["concurrency"]
        assert concurrency == {"group": f"deploy-{stack}", "cancel-in-progress": False}


def test_aws_is_reached_by_oidc_with_the_least_permissions_and_no_stored_keys(
    deploy: dict[str, Any],
) -> None:
    assert deploy["permissions"] == {"contents": "read"}
    assert "permissions" not in deploy["jobs"]["package"]
    for stack in STACKS:
        for name in (f"preview-{stack}", f"deploy-{stack}"):
            job = deploy["jobs"][name]
            assert job["permissions"] == {"contents": "read", "id-token": "write"}
            credentials = step_using(job["steps"], "aws-actions/configure-aws-credentials")
            assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
            assert not {"aws-access-key-id", "aws-secret-access-key"} & set(credentials["with"])
    for path in (*WORKFLOWS.glob("*.yml"), DEPLOY_TOOLS):
        text = path.read_text(encoding="utf-8")
        assert "AWS_ACCESS_KEY_ID" not in text and "AWS_SECRET_ACCESS_KEY" not in text, path
        assert not re.search(r"\$\{\{[^}]*\bsecrets\.", text), f"{path} reads a stored secret"


def test_no_step_echoes_a_secret_or_splices_an_expression_into_its_script(
    deploy: dict[str, Any], ci: dict[str, Any]
) -> None:
    steps = [s for w in (deploy, ci) for job in w["jobs"].values() for s in job["steps"]]
    steps += load(DEPLOY_TOOLS)["runs"]["steps"]
    for script in runs(steps):
        # Values reach scripts through `env:`, never as `${{ }}` pasted into the shell.
        assert "${{" not in script, script
        assert not re.search(r"\b(echo|printf)\b.*(SECRET|TOKEN|PASSWORD)", script, re.I), script
        assert "set -x" not in script
