"""The rules as Pulumi policies. Constructing `pulumi_policy.PolicyPack` starts the analyzer's
gRPC server and never returns, so the pack itself is built only by the pack's `__main__.py`;
the policies are here, importable."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from exec_assistant_policies.catalog import RESOURCE_RULES, STACK_RULES
from exec_assistant_policies.model import ResourceRule, StackResource, StackRule

PACK_NAME = "exec-assistant-security"
ENFORCEMENT = EnforcementLevel.MANDATORY


def resource_policy(rule: ResourceRule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        for message in rule.check(args.resource_type, args.props):
            report_violation(message, None)

    return ResourceValidationPolicy(name=rule.name, description=rule.description, validate=validate)


def stack_policy(rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        stack = [
            StackResource(resource.resource_type, resource.name, resource.props, resource.urn)
            for resource in args.resources
        ]
        for finding in rule.check(stack):
            report_violation(finding.message, finding.resource.urn or None)

    return StackValidationPolicy(name=rule.name, description=rule.description, validate=validate)


def policies() -> list[Policy]:
    """One Pulumi policy per rule of the catalogue."""
    return [
        *(resource_policy(rule) for rule in RESOURCE_RULES),
        *(stack_policy(rule) for rule in STACK_RULES),
    ]
