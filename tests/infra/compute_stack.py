"""Compute and Orchestration declared under the mocks over stand-in inputs, once per set of
settings (a few seconds each)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from exec_assistant_infra.compute import Compute, ComputeArgs
from exec_assistant_infra.orchestration import Orchestration, OrchestrationArgs
from infra.compute_stand_ins import StandIns, run_under_mocks, settings_with_artifacts

from pulumi_program import DeclaredResource, Deployment


def compute(parts: StandIns) -> Compute:
    return Compute(
        "compute",
        ComputeArgs(
            parts.stack,
            parts.keys,
            parts.network,
            parts.storage,
            parts.secrets,
            web_url=parts.web_url,
        ),
    )


def build(parts: StandIns) -> None:
    functions = compute(parts)
    Orchestration(
        "orchestration", OrchestrationArgs(parts.stack, parts.keys, parts.storage, functions)
    )


@cache
def declared(artifacts: Path, **values: Any) -> Deployment:
    """The resources for the production settings changed by `values` (camelCase keys), the
    archives in `artifacts`."""
    return run_under_mocks(settings_with_artifacts(artifacts, **values), build)


def policy(resource: DeclaredResource, key: str = "policy") -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(resource[key])["Statement"]
    return statements


def function_policy(deployment: Deployment, key: str) -> list[dict[str, Any]]:
    return policy(
        deployment.one("aws:iam/rolePolicy:RolePolicy", f"{key.replace('_', '-')}-access")
    )


def function(deployment: Deployment, key: str) -> DeclaredResource:
    return deployment.one("aws:lambda/function:Function", key.replace("_", "-"))


def actions_on(statements: list[dict[str, Any]], resource: str) -> set[str]:
    return {a for s in statements if resource in s["Resource"] for a in s["Action"]}
