"""Every rule of the pack, and running them all over a set of resources in one call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from exec_assistant_policies import buckets, encryption, iam, operations, public_access
from exec_assistant_policies.model import ResourceRule, StackResource, StackRule, Violation

RESOURCE_RULES: tuple[ResourceRule, ...] = (
    iam.POLICY_DOCUMENTS,
    iam.MANAGED_POLICIES,
    public_access.PUBLIC_BUCKET_ACLS,
    public_access.NO_INTERNET_INGRESS,
    public_access.NO_FUNCTION_URLS,
    public_access.LAMBDA_PERMISSIONS,
    public_access.API_ROUTES_AUTHENTICATED,
    public_access.CLOUDFRONT_TLS,
    encryption.TABLES,
    encryption.ENCRYPTED_WITH_KMS,
    encryption.KEY_ROTATION,
    encryption.TRAILS,
    operations.LOG_RETENTION,
    operations.LAMBDA_TRACED_ARM64,
)
STACK_RULES: tuple[StackRule, ...] = (
    buckets.BUCKETS_PUBLIC_ACCESS_BLOCKED,
    buckets.BUCKETS_ENCRYPTED,
)
RULE_NAMES: tuple[str, ...] = tuple(r.name for r in RESOURCE_RULES) + tuple(
    r.name for r in STACK_RULES
)
"""Every rule's name, in the pack's order: resource rules, then stack rules."""


def check_resource(resource_type: str, name: str, props: Mapping[str, Any]) -> list[Violation]:
    """What the per-resource rules find wrong with one resource."""
    return [
        Violation(rule.name, resource_type, name, message)
        for rule in RESOURCE_RULES
        if rule.applies_to(resource_type)
        for message in rule.check(resource_type, props)
    ]


def check_resources(
    resources: Iterable[tuple[str, str, Mapping[str, Any]]],
) -> list[Violation]:
    """Every rule of the pack over a whole stack: `(type, name, props)` per resource, props with
    the engine's camelCase keys (a resource's outputs, which include its inputs, as a stack
    policy sees them)."""
    stack = [StackResource(type_, name, props) for type_, name, props in resources]
    found = [
        violation
        for resource in stack
        for violation in check_resource(resource.resource_type, resource.name, resource.props)
    ]
    found.extend(
        Violation(rule.name, finding.resource.resource_type, finding.resource.name, finding.message)
        for rule in STACK_RULES
        for finding in rule.check(stack)
    )
    return found
