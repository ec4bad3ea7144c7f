"""The rules every IAM-style policy document of the estate keeps: identity policies, role trust
policies, resource policies (buckets, topics, queues, log resource policies, backup vaults,
secrets) and KMS key policies.

An Allow statement may not use a wildcard action, `NotAction`, `NotResource` or `NotPrincipal`,
nor grant to every principal; its resources are named, except for the few actions AWS only
authorises on `"*"` (listed below, each with its reason). Deny statements are not limited: a
`Deny` to `*` (such as refusing requests without TLS) only takes access away.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exec_assistant_policies.props import items, mapping, strings

UNSCOPED_ACTIONS: Mapping[str, str] = {
    # The task token names the paused execution; these calls have no resource to scope to.
    "states:SendTaskSuccess": "a task token is the resource; Step Functions has no ARN for it",
    "states:SendTaskFailure": "a task token is the resource; Step Functions has no ARN for it",
    "states:SendTaskHeartbeat": "a task token is the resource; Step Functions has no ARN for it",
    # Active tracing (Lambda and Step Functions) sends segments; X-Ray has no resource-level
    # permissions for writes or for sampling.
    "xray:PutTraceSegments": "X-Ray writes support no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray writes support no resource-level permissions",
    "xray:GetSamplingRules": "X-Ray sampling reads support no resource-level permissions",
    "xray:GetSamplingTargets": "X-Ray sampling reads support no resource-level permissions",
    # A function in the VPC: the Lambda guide says DescribeNetworkInterfaces only works when
    # allowed on "*"; EC2 Describe calls have no resource-level permissions at all. The
    # create/delete/assign calls are scoped to subnets and security groups instead.
    "ec2:DescribeNetworkInterfaces": "EC2 Describe calls support no resource-level permissions",
    "ec2:DescribeSubnets": "EC2 Describe calls support no resource-level permissions",
    # The state machine's execution log: Step Functions' guide grants the CloudWatch Logs
    # delivery calls on "*" because log deliveries have no resource-level permissions.
    "logs:CreateLogDelivery": "CloudWatch Logs deliveries support no resource-level permissions",
    "logs:GetLogDelivery": "CloudWatch Logs deliveries support no resource-level permissions",
    "logs:UpdateLogDelivery": "CloudWatch Logs deliveries support no resource-level permissions",
    "logs:DeleteLogDelivery": "CloudWatch Logs deliveries support no resource-level permissions",
    "logs:ListLogDeliveries": "CloudWatch Logs deliveries support no resource-level permissions",
    "logs:PutResourcePolicy": "CloudWatch Logs resource policies are account-wide",
    "logs:DescribeResourcePolicies": "CloudWatch Logs resource policies are account-wide",
    "logs:DescribeLogGroups": "listing log groups supports no resource-level permissions",
    # The budget context reads the account's bill: Cost Explorer's cost and forecast queries
    # have no resource type in the Service Authorization Reference (only cost categories,
    # anomaly monitors and the like do). Budgets' ViewBudget has one and is granted on the
    # account's budgets, not here.
    "ce:GetCostAndUsage": "Cost Explorer's cost queries support no resource-level permissions",
    "ce:GetCostForecast": "Cost Explorer's forecasts support no resource-level permissions",
}
"""Actions AWS only authorises on `"Resource": "*"`: the only ones an Allow may grant there."""

_UNSCOPED = {action.lower() for action in UNSCOPED_ACTIONS}
_ACCOUNT_ROOT = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$")
# An ARN whose resource part is only a wildcard (`arn:aws:s3:::*`) names every resource too.
_EVERY_RESOURCE_ARN = re.compile(r"^arn:[^:]+:[^:]+:[^:]*:[^:]*:\*$")


@dataclass(frozen=True)
class DocumentKind:
    """Where a document sits, which decides the two exceptions a statement may use."""

    label: str
    star_resource_is_self: bool = False
    """In a key, secret or vault policy `"Resource": "*"` means that one key, secret or vault."""
    account_root_may_administer_key: bool = False
    """A key policy lets the account root use `kms:*`: AWS's default key policy, which hands the
    key's administration to IAM (the specification's "Enable IAM User Permissions")."""


IDENTITY = DocumentKind("identity policy")
TRUST = DocumentKind("trust policy")
RESOURCE = DocumentKind("resource policy")
SELF_RESOURCE = DocumentKind("resource policy", star_resource_is_self=True)
KEY = DocumentKind("key policy", star_resource_is_self=True, account_root_may_administer_key=True)


def document_violations(value: Any, kind: DocumentKind, where: str) -> list[str]:
    """What is wrong with the policy document `value` (a JSON string, as Pulumi sends it, or an
    already decoded mapping) found at property `where`."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError as error:
            return [f"{where}: the {kind.label} is not valid JSON ({error.msg})"]
    else:
        decoded = value
    if not isinstance(decoded, Mapping):
        return [f"{where}: the {kind.label} is not a JSON object"]
    statements = items(decoded.get("Statement"))
    if not statements:
        return [f"{where}: the {kind.label} has no Statement"]
    found: list[str] = []
    for index, statement in enumerate(statements):
        label = f"{where} statement {_statement_label(statement, index)}"
        if not isinstance(statement, Mapping):
            found.append(f"{label}: not a JSON object")
            continue
        found.extend(f"{label}: {problem}" for problem in statement_violations(statement, kind))
    return found


def statement_violations(statement: Mapping[str, Any], kind: DocumentKind) -> list[str]:
    effect = statement.get("Effect")
    if effect == "Deny":
        return []
    if effect != "Allow":
        return [f"Effect must be Allow or Deny, not {effect!r}"]
    found = [
        f"{negation} in an Allow grants everything it does not name; name what is allowed"
        for negation in ("NotAction", "NotResource", "NotPrincipal")
        if negation in statement
    ]
    actions = strings(statement.get("Action"))
    root_administers_key = kind.account_root_may_administer_key and _only_account_root(
        statement.get("Principal")
    )
    for action in actions:
        if "*" not in action and "?" not in action:
            continue
        if action.lower() == "kms:*" and root_administers_key:
            continue
        found.append(f"action {action!r} is a wildcard; list the actions this grant needs")
    if _grants_everyone(statement.get("Principal")):
        found.append("Principal `*` in an Allow grants every AWS account and anonymous callers")
    found.extend(_resource_violations(actions, strings(statement.get("Resource")), kind))
    return found


def _resource_violations(actions: list[str], resources: list[str], kind: DocumentKind) -> list[str]:
    found: list[str] = []
    if any(action.lower() == "iam:passrole" for action in actions):
        found.extend(
            f"iam:PassRole on {resource!r} lets the holder hand any matching role to a service;"
            " name the role"
            for resource in resources
            if "*" in resource
        )
    every = [resource for resource in resources if _names_every_resource(resource)]
    if not every or kind.star_resource_is_self:
        return found
    scoped = [
        action
        for action in actions
        if action.lower() not in _UNSCOPED and action.lower() != "iam:passrole"
    ]
    if scoped:
        found.append(
            f"resource {every[0]!r} for {', '.join(scoped)}: these actions can be scoped;"
            " name the resources (only actions AWS authorises solely on '*' may use it)"
        )
    return found


def _names_every_resource(resource: str) -> bool:
    return resource == "*" or _EVERY_RESOURCE_ARN.match(resource) is not None


def _grants_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return any(value == "*" for values in mapping(principal).values() for value in items(values))


def _only_account_root(principal: Any) -> bool:
    given = mapping(principal)
    if set(given) != {"AWS"}:
        return False
    arns = strings(given["AWS"])
    return bool(arns) and all(_ACCOUNT_ROOT.match(arn) for arn in arns)


def _statement_label(statement: Any, index: int) -> str:
    sid = mapping(statement).get("Sid")
    return repr(sid) if isinstance(sid, str) and sid else str(index)
