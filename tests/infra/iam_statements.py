"""Reading the policy documents a test's resources declare."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pulumi_program import DeclaredResource, Deployment

POLICY_INPUTS = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
}


def statements(resource: DeclaredResource) -> list[dict[str, Any]]:
    text = resource.inputs[POLICY_INPUTS[resource.type]]
    found = json.loads(text)["Statement"]
    return found if isinstance(found, list) else [found]


def every_statement(deployment: Deployment) -> Iterator[tuple[DeclaredResource, dict[str, Any]]]:
    for resource in deployment:
        if resource.type in POLICY_INPUTS and resource.inputs.get(POLICY_INPUTS[resource.type]):
            for statement in statements(resource):
                yield resource, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def by_sid(resource: DeclaredResource) -> dict[str, dict[str, Any]]:
    return {statement.get("Sid", ""): statement for statement in statements(resource)}
