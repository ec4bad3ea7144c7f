"""Bucket rules that need the whole stack: in pulumi-aws v7 a bucket's public access block and
encryption are separate resources, matched to their bucket by its name (the bucket's `bucket`,
which is also its `id`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from exec_assistant_policies.model import Finding, StackResource, StackRule
from exec_assistant_policies.props import is_set, is_true, items, mapping

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
LOGGING = "aws:s3/bucketLogging:BucketLogging"
_BLOCKS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
_KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})
PUBLISHED_TAG = ("DataClass", "public-assets")
"""A bucket of published files (the web pages' scripts and styles, behind CloudFront's origin
access control): still private, but it holds nothing a customer key would protect, and
CloudFront reads SSE-S3 without a grant in the key's policy."""


def _identities(bucket: StackResource) -> set[str]:
    return {
        value
        for value in (bucket.props.get("bucket"), bucket.props.get("id"))
        if isinstance(value, str) and value
    }


def _for_bucket(
    resources: Sequence[StackResource], resource_type: str, bucket: StackResource, key: str
) -> list[StackResource]:
    names = _identities(bucket)
    return [
        resource
        for resource in resources
        if resource.resource_type == resource_type and resource.props.get(key) in names
    ]


Judge = Callable[[Sequence[StackResource], StackResource, list[StackResource]], list[str]]


def _each_bucket_with(
    companion_type: str, judge: Judge
) -> Callable[[Sequence[StackResource]], list[Finding]]:
    """A stack check: every bucket needs a `companion_type` resource naming it, and `judge`
    (given the stack, the bucket and its companions) says what is wrong with them."""
    kind = companion_type.rsplit(":", 1)[-1]

    def check(resources: Sequence[StackResource]) -> list[Finding]:
        findings: list[Finding] = []
        for bucket in (r for r in resources if r.resource_type == BUCKET):
            companions = _for_bucket(resources, companion_type, bucket, "bucket")
            problems = judge(resources, bucket, companions) if companions else [f"has no {kind}"]
            findings.extend(Finding(bucket, problem) for problem in problems)
        return findings

    return check


def _public_access_problems(
    resources: Sequence[StackResource], bucket: StackResource, blocks: list[StackResource]
) -> list[str]:
    open_settings = sorted(
        {name for block in blocks for name in _BLOCKS if not is_true(block.props.get(name))}
    )
    return [f"public access block leaves {', '.join(open_settings)} off"] if open_settings else []


BUCKETS_PUBLIC_ACCESS_BLOCKED = StackRule(
    name="s3-public-access-blocked",
    description="Every bucket has a public access block with all four settings on.",
    check=_each_bucket_with(PUBLIC_ACCESS_BLOCK, _public_access_problems),
)


def _encryption_problems(
    resources: Sequence[StackResource], bucket: StackResource, configurations: list[StackResource]
) -> list[str]:
    receives_access_logs = bool(_for_bucket(resources, LOGGING, bucket, "targetBucket"))
    tag, value = PUBLISHED_TAG
    published = mapping(bucket.props.get("tags")).get(tag) == value
    defaults = [
        mapping(mapping(rule).get("applyServerSideEncryptionByDefault"))
        for configuration in configurations
        for rule in items(configuration.props.get("rules"))
    ]
    problems = []
    for default in defaults or [mapping(None)]:
        algorithm = default.get("sseAlgorithm")
        if receives_access_logs:
            if algorithm != "AES256":
                problems.append(
                    "receives S3 server access logs: use AES256 (SSE-S3), the default"
                    f" encryption the S3 guide supports for log buckets, not {algorithm!r}"
                )
        elif published and algorithm in {"AES256", *_KMS_ALGORITHMS}:
            continue
        elif algorithm not in _KMS_ALGORITHMS or not is_set(default, "kmsMasterKeyId"):
            problems.append(
                f"default encryption {algorithm!r}: use aws:kms with the KMS key (kmsMasterKeyId)"
            )
    return problems


BUCKETS_ENCRYPTED = StackRule(
    name="s3-encryption",
    description=(
        "Every bucket has default encryption with the KMS key, except a bucket that receives"
        " S3 server access logs, which must use SSE-S3 (AES256), and a bucket of published"
        " files (tag DataClass=public-assets), which may."
    ),
    check=_each_bucket_with(ENCRYPTION, _encryption_problems),
)
