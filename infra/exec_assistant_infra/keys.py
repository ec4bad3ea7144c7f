"""The deployment's KMS key: tables, buckets, secrets, logs, the trail and the alarm topic are
encrypted with it; and, when the stack replicates to the DR region, a key there for the
replicas.

The key is created with every statement that names no role: the account's, and those of the
services that check the key's policy when a resource is made with the key (a log group, the
trail, the alarm topic), so those can be made before the roles are. `Keys.attach_policy` then
sets the whole policy, once the roles exist (their own policies name the key's ARN, so the key
cannot name them at creation without a cycle); from then on the `KeyPolicy` alone owns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from exec_assistant_infra.policy_documents import Statement, document, service_principal_allow
from exec_assistant_infra.stack import StackContext

KEY_DELETION_WINDOW_DAYS = 30
THIS_KEY = "*"
"""In a key policy, the `Resource` "*" means the key the policy is attached to, and is the value
KMS documents there; it grants nothing on any other key."""

ENCRYPT_AND_DECRYPT = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
"""What CloudWatch Logs needs of the key of an encrypted log group (AWS documents these as
`kms:Encrypt*`, `kms:Decrypt*`, `kms:ReEncrypt*`, `kms:GenerateDataKey*`, `kms:Describe*`:
here each one by name)."""


class HasRoles(Protocol):
    """A component whose IAM roles use the key (Compute: one role per function)."""

    @property
    def roles(self) -> Mapping[str, aws.iam.Role]: ...


@dataclass(frozen=True)
class KeysArgs:
    stack: StackContext


class Keys(pulumi.ComponentResource):
    key: aws.kms.Key
    alias: aws.kms.Alias
    dr_provider: aws.Provider | None
    """The AWS provider for `settings.dr_region`, when the stack replicates there."""
    replica_key: aws.kms.Key | None
    """The key of the replicas in the DR region (secrets, documents), when the stack
    replicates there."""
    policy: aws.kms.KeyPolicy | None

    def __init__(
        self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("exec-assistant:keys:Keys", name, None, opts)
        self._stack = args.stack
        settings = args.stack.settings
        child = pulumi.ResourceOptions(parent=self)
        tags = args.stack.tags()

        self.key = aws.kms.Key(
            "key",
            description="Encryption key for Executive Assistant data",
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            enable_key_rotation=True,
            policy=document(*key_policy_statements(args.stack)),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["policy"]),
        )
        self.alias = aws.kms.Alias(
            "alias",
            name=f"alias/{settings.name_prefix}",
            target_key_id=self.key.key_id,
            opts=child,
        )

        self.dr_provider = None
        self.replica_key = None
        if settings.replicate_to_dr:
            self.dr_provider = aws.Provider("dr-region", region=settings.dr_region, opts=child)
            in_dr = pulumi.ResourceOptions(parent=self, provider=self.dr_provider)
            self.replica_key = aws.kms.Key(
                "replica-key",
                description=(
                    f"Encryption key for Executive Assistant replicas from {settings.region}"
                ),
                deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
                enable_key_rotation=True,
                tags=tags,
                opts=in_dr,
            )
            # The DR region's own stack may use `alias/<prefix>` there: the replicas' key
            # has a name of its own.
            aws.kms.Alias(
                "replica-alias",
                name=f"alias/{settings.name_prefix}-replica",
                target_key_id=self.replica_key.key_id,
                opts=in_dr,
            )

        self.policy = None
        self.register_outputs(
            {
                "key_arn": self.key.arn,
                "alias": self.alias.name,
                "replica_key_arn": self.replica_key.arn if self.replica_key else None,
            }
        )

    def attach_policy(self, compute: HasRoles) -> aws.kms.KeyPolicy:
        """The key's whole policy: the account's IAM policies, every function role, and the
        AWS services that write encrypted data with the key."""
        if self.policy is not None:
            raise RuntimeError("the key's policy is attached once")
        self.policy = aws.kms.KeyPolicy(
            "key-policy",
            key_id=self.key.key_id,
            policy=document(
                *key_policy_statements(
                    self._stack,
                    function_roles=[role.arn for role in compute.roles.values()],
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return self.policy


def key_policy_statements(
    stack: StackContext,
    *,
    function_roles: Sequence[pulumi.Input[str]] = (),
) -> list[Statement]:
    """The statements of the key's policy (the specification's two first); without roles,
    the policy the key is created with."""
    account, region, partition = stack.account_id, stack.region, stack.partition
    statements: list[Statement] = [
        # The specification's, and what AWS gives every key: IAM policies in the account
        # decide who else may use it. `kms:*` here is the one wildcard action of the
        # deployment; without it no one could ever change the key's policy again.
        _principal_allow(
            {"AWS": f"arn:{partition}:iam::{account}:root"},
            ["kms:*"],
            sid="Enable IAM User Permissions",
        ),
    ]
    if function_roles:
        statements.append(
            _principal_allow(
                {"AWS": list(function_roles)},
                ["kms:Decrypt", "kms:DescribeKey"],
                sid="Allow Lambda to decrypt",
                # The specification's statement, kept to the services that decrypt for the
                # functions: a role never uses the key directly.
                condition={
                    "StringEquals": {
                        "kms:ViaService": [
                            f"{service}.{region}.amazonaws.com"
                            for service in ("s3", "secretsmanager", "sqs")
                        ]
                    }
                },
            )
        )
    statements += [
        service_principal_allow(
            f"logs.{region}.amazonaws.com",
            ENCRYPT_AND_DECRYPT,
            [THIS_KEY],
            sid="Allow CloudWatch Logs to encrypt the log groups",
            condition={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{partition}:logs:{region}:{account}:log-group:*"
                    )
                }
            },
        ),
        service_principal_allow(
            "cloudtrail.amazonaws.com",
            ["kms:GenerateDataKey"],
            [THIS_KEY],
            sid="Allow CloudTrail to encrypt the trail",
            condition={
                "StringEquals": {"aws:SourceArn": stack.trail_arn},
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": (
                        f"arn:{partition}:cloudtrail:*:{account}:trail/*"
                    )
                },
            },
        ),
        service_principal_allow(
            "cloudtrail.amazonaws.com",
            ["kms:DescribeKey"],
            [THIS_KEY],
            sid="Allow CloudTrail to describe the key",
            condition={"StringEquals": {"aws:SourceArn": stack.trail_arn}},
        ),
        # CloudWatch alarms publish to the alarm topic, which is encrypted with the key.
        service_principal_allow(
            "cloudwatch.amazonaws.com",
            ["kms:Decrypt", "kms:GenerateDataKey"],
            [THIS_KEY],
            sid="Allow CloudWatch alarms to publish to the encrypted topic",
            # As AWS documents it, without a condition: CloudWatch does not say which
            # account's alarm asks, and the topic's own policy admits this account's only.
        ),
    ]
    return statements


def _principal_allow(
    principal: Mapping[str, Any],
    actions: Sequence[str],
    *,
    sid: str,
    condition: Mapping[str, Any] | None = None,
) -> Statement:
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": dict(principal),
        "Action": sorted(actions),
        "Resource": THIS_KEY,
    }
    if condition:
        statement["Condition"] = dict(condition)
    return statement
