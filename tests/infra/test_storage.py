"""The tables and buckets as an auditor reads them: each table as its definition describes it,
and each bucket's versioning, encryption, lifecycle, public access, logging and policy."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from exec_assistant.adapters.aws.tables import TABLES, key_attributes
from exec_assistant_infra.keys import Keys, KeysArgs
from exec_assistant_infra.stack import StackContext
from exec_assistant_infra.storage import Storage, StorageArgs

from pulumi_program import ACCOUNT_ID, DeclaredResource, Deployment, run_components

TABLE = "aws:dynamodb/table:Table"
BUCKET = "aws:s3/bucket:Bucket"
BUCKETS = ("documents", "sessions", "audit", "access-logs")
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT_ID}:trail/exec-assistant-audit"


def _storage(stack: StackContext) -> None:
    Storage("storage", StorageArgs(stack, Keys("keys", KeysArgs(stack))))


@pytest.fixture(scope="module")
def prod() -> Deployment:
    return run_components("prod", _storage)


@pytest.fixture(scope="module")
def dev() -> Deployment:
    return run_components("dev", _storage)


def _key_arn(deployment: Deployment) -> str:
    return str(deployment.one("aws:kms/key:Key", "key").outputs["arn"])


def _of_bucket(deployment: Deployment, type_: str, bucket: str) -> DeclaredResource:
    bucket_id = deployment.one(BUCKET, bucket).outputs["id"]
    (found,) = [r for r in deployment.of_type(f"aws:s3/{type_}") if r["bucket"] == bucket_id]
    return found


def _rules(deployment: Deployment, bucket: str) -> dict[str, dict[str, Any]]:
    lifecycle = _of_bucket(
        deployment, "bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket
    )
    return {rule["id"]: rule for rule in lifecycle["rules"]}


def _statements(deployment: Deployment, bucket: str) -> list[dict[str, Any]]:
    policy = _of_bucket(deployment, "bucketPolicy:BucketPolicy", bucket)
    return list(json.loads(policy["policy"])["Statement"])


def test_every_table_is_made_as_its_definition_describes_it(prod: Deployment) -> None:
    key_arn = _key_arn(prod)
    for definition in TABLES:
        table = prod.one(TABLE, definition.default_name.removeprefix("exec-assistant-"))
        assert table["name"] == definition.default_name
        assert table["billingMode"] == "PAY_PER_REQUEST"
        assert table["hashKey"] == definition.hash_key.name
        assert table.get("rangeKey") == (
            definition.range_key.name if definition.range_key else None
        )
        assert {a["name"]: a["type"] for a in table["attributes"]} == key_attributes(definition)
        indexes = {index["name"]: index for index in table.get("globalSecondaryIndexes", [])}
        assert sorted(indexes) == sorted(index.name for index in definition.indexes)
        for index in definition.indexes:
            made = indexes[index.name]
            expected = [{"attributeName": index.hash_key.name, "keyType": "HASH"}]
            if index.range_key:
                expected.append({"attributeName": index.range_key.name, "keyType": "RANGE"})
            assert made["keySchemas"] == expected
            assert made["projectionType"] == index.projection
        if definition.ttl_attribute:
            assert table["ttl"] == {"attributeName": definition.ttl_attribute, "enabled": True}
        else:
            assert "ttl" not in table.inputs
        assert table["pointInTimeRecovery"] == {"enabled": definition.point_in_time_recovery}
        assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": key_arn}
        assert table["tags"] == {"Service": "exec-assistant", "Environment": "prod"}


def test_the_tables_are_found_by_the_variable_the_functions_read() -> None:
    found: dict[str, str] = {}

    def build(stack: StackContext) -> None:
        storage = Storage("storage", StorageArgs(stack, Keys("keys", KeysArgs(stack))))
        names = {variable: table.name for variable, table in storage.tables.items()}
        pulumi.Output.all(**names).apply(found.update)

    run_components("dev", build)
    assert found == {
        "MEETINGS_TABLE": "exec-assistant-dev-meetings",
        "SESSIONS_TABLE": "exec-assistant-dev-chat-sessions",
        "FOLLOW_UPS_TABLE": "exec-assistant-dev-follow-ups",
        "STATE_TABLE": "exec-assistant-dev-state",
        "IDEMPOTENCY_TABLE": "exec-assistant-dev-idempotency",
    }


def test_only_production_and_dr_tables_are_protected_from_deletion(
    prod: Deployment, dev: Deployment
) -> None:
    assert all(table["deletionProtectionEnabled"] is True for table in prod.of_type(TABLE))
    assert all(table["deletionProtectionEnabled"] is False for table in dev.of_type(TABLE))
    dr = run_components("dr", _storage)
    assert all(table["deletionProtectionEnabled"] is True for table in dr.of_type(TABLE))


def test_bucket_names_carry_the_account_and_in_dr_the_region(prod: Deployment) -> None:
    assert {b.name: b["bucket"] for b in prod.of_type(BUCKET)} == {
        suffix: f"exec-assistant-{suffix}-{ACCOUNT_ID}" for suffix in BUCKETS
    }
    dr = run_components("dr", _storage)
    assert {b.name: b["bucket"] for b in dr.of_type(BUCKET)} == {
        suffix: f"exec-assistant-{suffix}-{ACCOUNT_ID}-us-west-2" for suffix in BUCKETS
    }


def test_a_prefix_too_long_for_a_bucket_name_is_named() -> None:
    with pytest.raises(ValueError, match="namePrefix"):
        run_components(
            "dr", _storage, {"exec-assistant:namePrefix": "exec-assistant-disaster-recovery"}
        )


def test_every_bucket_is_private_and_its_objects_owned_by_the_account(prod: Deployment) -> None:
    for bucket in BUCKETS:
        block = _of_bucket(prod, "bucketPublicAccessBlock:BucketPublicAccessBlock", bucket)
        for setting in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ):
            assert block[setting] is True, (bucket, setting)
        ownership = _of_bucket(prod, "bucketOwnershipControls:BucketOwnershipControls", bucket)
        assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_documents_sessions_and_audit_are_encrypted_with_the_key_and_logs_with_s3s(
    prod: Deployment,
) -> None:
    key_arn = _key_arn(prod)
    for bucket in ("documents", "sessions", "audit"):
        (rule,) = _of_bucket(
            prod,
            "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            bucket,
        )["rules"]
        assert rule == {
            "applyServerSideEncryptionByDefault": {
                "sseAlgorithm": "aws:kms",
                "kmsMasterKeyId": key_arn,
            },
            "bucketKeyEnabled": True,
        }
    (logs_rule,) = _of_bucket(
        prod,
        "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "access-logs",
    )["rules"]
    assert logs_rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}


def test_documents_and_audit_keep_versions_and_sessions_and_logs_do_not(prod: Deployment) -> None:
    versioned = {}
    for resource in prod.of_type("aws:s3/bucketVersioning:BucketVersioning"):
        bucket = next(b.name for b in prod.of_type(BUCKET) if b.outputs["id"] == resource["bucket"])
        versioned[bucket] = resource["versioningConfiguration"]["status"]
    assert versioned == {"documents": "Enabled", "audit": "Enabled"}


def test_documents_archive_old_meetings_and_drop_temporary_files(prod: Deployment) -> None:
    rules = _rules(prod, "documents")
    assert sorted(rules) == [
        "abort-incomplete-uploads",
        "archive-old-meetings",
        "delete-temp-files",
    ]
    archive = rules["archive-old-meetings"]
    assert archive["status"] == "Enabled"
    assert archive["filter"] == {"prefix": "meetings/"}
    assert archive["transitions"] == [{"days": 90, "storageClass": "GLACIER_IR"}]
    assert archive["noncurrentVersionTransitions"] == [
        {"noncurrentDays": 30, "storageClass": "GLACIER"}
    ]
    temp = rules["delete-temp-files"]
    assert temp["filter"] == {"prefix": "temp/"}
    assert temp["expiration"] == {"days": 7}
    assert rules["abort-incomplete-uploads"]["abortIncompleteMultipartUpload"] == {
        "daysAfterInitiation": 7
    }


def test_sessions_are_gone_after_30_days_and_access_logs_after_90(prod: Deployment) -> None:
    sessions = _rules(prod, "sessions")
    assert sessions["delete-old-sessions"]["expiration"] == {"days": 30}
    assert sessions["delete-old-sessions"]["filter"] == {"prefix": ""}
    assert _rules(prod, "access-logs")["expire-access-logs"]["expiration"] == {"days": 90}


def test_audit_logs_go_to_glacier_and_are_kept_six_years(prod: Deployment) -> None:
    audit = _rules(prod, "audit")["archive-audit-logs"]
    assert audit["transitions"] == [{"days": 90, "storageClass": "GLACIER"}]
    assert audit["expiration"] == {"days": 6 * 365}


def test_the_three_buckets_log_their_requests_to_the_access_logs_bucket(prod: Deployment) -> None:
    logs_bucket = prod.one(BUCKET, "access-logs").outputs["id"]
    for bucket, prefix in (
        ("documents", "documents/"),
        ("sessions", "sessions/"),
        ("audit", "audit/"),
    ):
        logging = _of_bucket(prod, "bucketLogging:BucketLogging", bucket)
        assert logging["targetBucket"] == logs_bucket
        assert logging["targetPrefix"] == prefix
    assert len(prod.of_type("aws:s3/bucketLogging:BucketLogging")) == 3


def test_every_bucket_refuses_plain_http(prod: Deployment) -> None:
    for bucket in BUCKETS:
        arn = f"arn:aws:s3:::exec-assistant-{bucket}-{ACCOUNT_ID}"
        (deny,) = [s for s in _statements(prod, bucket) if s["Effect"] == "Deny"]
        assert deny["Principal"] == "*"
        assert deny["Resource"] == [arn, f"{arn}/*"]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_no_bucket_policy_allows_anyone_but_an_aws_service(prod: Deployment) -> None:
    for bucket in BUCKETS:
        for statement in _statements(prod, bucket):
            if statement["Effect"] == "Allow":
                assert set(statement["Principal"]) == {"Service"}, bucket
                assert all("*" not in action for action in statement["Action"]), bucket


def test_the_audit_bucket_admits_only_the_stacks_trail(prod: Deployment) -> None:
    arn = f"arn:aws:s3:::exec-assistant-audit-{ACCOUNT_ID}"
    allowed = {s["Sid"]: s for s in _statements(prod, "audit") if s["Effect"] == "Allow"}
    assert sorted(allowed) == ["AWSCloudTrailAclCheck", "AWSCloudTrailWrite"]
    assert all(s["Principal"] == {"Service": "cloudtrail.amazonaws.com"} for s in allowed.values())
    acl = allowed["AWSCloudTrailAclCheck"]
    assert (acl["Action"], acl["Resource"]) == (["s3:GetBucketAcl"], [arn])
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
    write = allowed["AWSCloudTrailWrite"]
    assert (write["Action"], write["Resource"]) == (
        ["s3:PutObject"],
        [f"{arn}/AWSLogs/{ACCOUNT_ID}/*"],
    )
    assert write["Condition"] == {
        "StringEquals": {"aws:SourceArn": TRAIL_ARN, "s3:x-amz-acl": "bucket-owner-full-control"}
    }


def test_the_access_logs_bucket_admits_only_s3_logging_for_this_accounts_buckets(
    prod: Deployment,
) -> None:
    (allowed,) = [s for s in _statements(prod, "access-logs") if s["Effect"] == "Allow"]
    assert allowed["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allowed["Action"] == ["s3:PutObject"]
    assert allowed["Resource"] == [f"arn:aws:s3:::exec-assistant-access-logs-{ACCOUNT_ID}/*"]
    assert allowed["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    # Every bucket of the stack's (the assets' and the exports' come from other components).
    assert allowed["Condition"]["ArnLike"]["aws:SourceArn"] == (
        f"arn:aws:s3:::exec-assistant-*-{ACCOUNT_ID}*"
    )
    assert [s for s in _statements(prod, "documents") if s["Effect"] == "Allow"] == []
