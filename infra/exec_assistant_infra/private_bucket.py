"""A bucket no one outside the account can reach: every public access blocked, ACLs off
(the bucket owner owns every object), encrypted, optionally versioned and access-logged."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi_aws.s3 import (
    BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs as SseDefault,
)


@dataclass(frozen=True)
class BucketEncryption:
    """SSE-KMS with `kms_key_arn` (with an S3 bucket key, which cuts KMS calls), or SSE-S3
    when None."""

    kms_key_arn: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class AccessLogging:
    target_bucket: pulumi.Input[str]
    target_prefix: str


def private_bucket(
    name: str,
    bucket_name: pulumi.Input[str],
    *,
    encryption: BucketEncryption,
    versioned: bool,
    tags: dict[str, str],
    parent: pulumi.Resource,
    provider: aws.Provider | None = None,
    access_logging: AccessLogging | None = None,
) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
    """The bucket and its settings' resources (wait for these before relying on them: a
    replication rule needs the versioning on)."""
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    bucket = aws.s3.Bucket(name, bucket=bucket_name, tags=tags, opts=opts)
    settings: list[pulumi.Resource] = [
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=opts,
        ),
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=opts,
        ),
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[_encryption_rule(encryption)],
            opts=opts,
        ),
    ]
    if versioned:
        settings.append(
            aws.s3.BucketVersioning(
                f"{name}-versioning",
                bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                    status="Enabled"
                ),
                opts=opts,
            )
        )
    if access_logging is not None:
        settings.append(
            aws.s3.BucketLogging(
                f"{name}-logging",
                bucket=bucket.id,
                target_bucket=access_logging.target_bucket,
                target_prefix=access_logging.target_prefix,
                opts=opts,
            )
        )
    return bucket, settings


def _encryption_rule(
    encryption: BucketEncryption,
) -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgs:
    if encryption.kms_key_arn is None:
        default = SseDefault(sse_algorithm="AES256")
        return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=default
        )
    default = SseDefault(sse_algorithm="aws:kms", kms_master_key_id=encryption.kms_key_arn)
    return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
        apply_server_side_encryption_by_default=default, bucket_key_enabled=True
    )
