"""Least privilege: every policy document the estate declares, and which AWS managed policies a
role may have attached."""

from __future__ import annotations

import re
from collections.abc import Mapping

from exec_assistant_policies.documents import (
    IDENTITY,
    KEY,
    RESOURCE,
    SELF_RESOURCE,
    TRUST,
    DocumentKind,
    document_violations,
)
from exec_assistant_policies.model import ResourceRule
from exec_assistant_policies.props import Props, items, mapping, strings

_DOCUMENTS: Mapping[str, tuple[tuple[str, DocumentKind], ...]] = {
    "aws:iam/policy:Policy": (("policy", IDENTITY),),
    "aws:iam/rolePolicy:RolePolicy": (("policy", IDENTITY),),
    "aws:iam/userPolicy:UserPolicy": (("policy", IDENTITY),),
    "aws:iam/groupPolicy:GroupPolicy": (("policy", IDENTITY),),
    "aws:iam/role:Role": (("assumeRolePolicy", TRUST),),
    "aws:kms/key:Key": (("policy", KEY),),
    "aws:kms/keyPolicy:KeyPolicy": (("policy", KEY),),
    "aws:s3/bucket:Bucket": (("policy", RESOURCE),),
    "aws:s3/bucketPolicy:BucketPolicy": (("policy", RESOURCE),),
    "aws:sns/topic:Topic": (("policy", RESOURCE),),
    "aws:sns/topicPolicy:TopicPolicy": (("policy", RESOURCE),),
    "aws:sqs/queue:Queue": (("policy", RESOURCE),),
    "aws:sqs/queuePolicy:QueuePolicy": (("policy", RESOURCE),),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": (("policyDocument", RESOURCE),),
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": (("policy", RESOURCE),),
    "aws:secretsmanager/secret:Secret": (("policy", SELF_RESOURCE),),
    "aws:secretsmanager/secretPolicy:SecretPolicy": (("policy", SELF_RESOURCE),),
    "aws:backup/vaultPolicy:VaultPolicy": (("policy", SELF_RESOURCE),),
}


def _policy_document_violations(resource_type: str, props: Props) -> list[str]:
    found = [
        problem
        for key, kind in _DOCUMENTS[resource_type]
        for problem in document_violations(props.get(key), kind, key)
    ]
    if resource_type == "aws:iam/role:Role":
        for index, inline in enumerate(items(props.get("inlinePolicies"))):
            where = f"inlinePolicies[{index}] {mapping(inline).get('name') or ''}".rstrip()
            found.extend(document_violations(mapping(inline).get("policy"), IDENTITY, where))
    return found


POLICY_DOCUMENTS = ResourceRule(
    name="iam-least-privilege",
    description=(
        "IAM, key and resource policies name their actions and resources: no wildcard actions"
        " (but the account root's kms:* in a key policy), no '*' resource but for the actions AWS"
        " only authorises on '*', no NotAction/NotResource/NotPrincipal, no Allow to Principal"
        " '*', no iam:PassRole on a wildcard; a policy that is not valid JSON is refused."
    ),
    resource_types=frozenset(_DOCUMENTS),
    check=_policy_document_violations,
)

ALLOWED_MANAGED_POLICIES: Mapping[str, str] = {
    "service-role/AWSLambdaVPCAccessExecutionRole": (
        "the specification's: the network interfaces a function in the VPC needs, which Lambda"
        " manages with the function's role"
    ),
}
"""AWS managed policies a role may have attached (path after `arn:aws:iam::aws:policy/`).
Everything else the estate grants is an inline statement on named resources; customer managed
policies are allowed, since their documents are checked by `iam-least-privilege`."""

_AWS_MANAGED_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?P<path>.+)$")
_NEVER = re.compile(r"(^|/)(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]*FullAccess)$")

_ATTACHMENTS: Mapping[str, str] = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/role:Role": "managedPolicyArns",
}


def _managed_policy_violations(resource_type: str, props: Props) -> list[str]:
    found = []
    for arn in strings(props.get(_ATTACHMENTS[resource_type])):
        managed = _AWS_MANAGED_POLICY.match(arn)
        if managed is None:
            continue
        path = managed.group("path")
        if _NEVER.search(path):
            found.append(f"{arn} grants whole services or the account; it is never attached")
        elif path not in ALLOWED_MANAGED_POLICIES:
            allowed = ", ".join(sorted(ALLOWED_MANAGED_POLICIES))
            found.append(
                f"{arn} is not an allowed AWS managed policy (allowed: {allowed});"
                " grant the actions inline on the resources they need"
            )
    return found


MANAGED_POLICIES = ResourceRule(
    name="iam-managed-policy-allow-list",
    description=(
        "Roles have only the AWS managed policies on the pack's allow-list attached; never"
        " AdministratorAccess, PowerUserAccess or a *FullAccess policy."
    ),
    resource_types=frozenset(_ATTACHMENTS),
    check=_managed_policy_violations,
)
