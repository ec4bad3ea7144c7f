"""What a private bucket's settings resources must say, read from the declared resources."""

from __future__ import annotations

from typing import Any

from pulumi_program import Deployment

PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def assert_private_and_versioned(deployment: Deployment, bucket: str) -> None:
    """Every public access blocked, ACLs off, versioning on, for the bucket named `bucket`."""
    block = deployment.one(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{bucket}-public-access"
    )
    assert all(block[flag] is True for flag in PUBLIC_ACCESS_FLAGS)
    ownership = deployment.one(
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls", f"{bucket}-ownership"
    )
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    versioning = deployment.one("aws:s3/bucketVersioning:BucketVersioning", f"{bucket}-versioning")
    assert versioning["versioningConfiguration"]["status"] == "Enabled"


def default_encryption(deployment: Deployment, bucket: str) -> dict[str, Any]:
    configuration = deployment.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        f"{bucket}-encryption",
    )
    rule: dict[str, Any] = configuration["rules"][0]["applyServerSideEncryptionByDefault"]
    return rule
