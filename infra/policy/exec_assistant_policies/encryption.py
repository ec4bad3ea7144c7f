"""Encryption at rest with the estate's own KMS key, and keys that rotate. (Buckets are checked
as a stack, with their separate encryption configuration: see `buckets`.)"""

from __future__ import annotations

from exec_assistant_policies.model import ResourceRule
from exec_assistant_policies.props import Props, is_set, is_true, mapping


def _table_violations(resource_type: str, props: Props) -> list[str]:
    found = []
    encryption = mapping(props.get("serverSideEncryption"))
    if not is_true(encryption.get("enabled")) or not is_set(encryption, "kmsKeyArn"):
        found.append("serverSideEncryption must be enabled with the estate's kmsKeyArn")
    if not is_true(mapping(props.get("pointInTimeRecovery")).get("enabled")):
        found.append("pointInTimeRecovery must be enabled (the recovery point objective)")
    return found


TABLES = ResourceRule(
    name="dynamodb-kms-and-pitr",
    description=(
        "Every DynamoDB table is encrypted with the customer managed KMS key and has"
        " point-in-time recovery."
    ),
    resource_types=frozenset({"aws:dynamodb/table:Table"}),
    check=_table_violations,
)

_KEY_PROPERTY = {
    "aws:sns/topic:Topic": "kmsMasterKeyId",
    "aws:sqs/queue:Queue": "kmsMasterKeyId",
    "aws:cloudwatch/logGroup:LogGroup": "kmsKeyId",
    "aws:secretsmanager/secret:Secret": "kmsKeyId",
}


def _kms_key_violations(resource_type: str, props: Props) -> list[str]:
    key = _KEY_PROPERTY[resource_type]
    if is_set(props, key):
        return []
    return [f"{key} is not set: encrypt with the estate's KMS key"]


ENCRYPTED_WITH_KMS = ResourceRule(
    name="kms-encryption-at-rest",
    description="SNS topics, SQS queues, log groups and secrets are encrypted with the KMS key.",
    resource_types=frozenset(_KEY_PROPERTY),
    check=_kms_key_violations,
)


def _key_violations(resource_type: str, props: Props) -> list[str]:
    if is_true(props.get("enableKeyRotation")):
        return []
    return ["enableKeyRotation must be true"]


KEY_ROTATION = ResourceRule(
    name="kms-key-rotation",
    description="Every KMS key rotates its key material.",
    resource_types=frozenset({"aws:kms/key:Key"}),
    check=_key_violations,
)


def _trail_violations(resource_type: str, props: Props) -> list[str]:
    found = []
    if not is_set(props, "kmsKeyId"):
        found.append("kmsKeyId is not set: encrypt the audit log with the KMS key")
    if not is_true(props.get("enableLogFileValidation")):
        found.append("enableLogFileValidation must be true, so tampering with the log shows")
    return found


TRAILS = ResourceRule(
    name="cloudtrail-encrypted-and-validated",
    description="CloudTrail trails are encrypted with the KMS key and validate their log files.",
    resource_types=frozenset({"aws:cloudtrail/trail:Trail"}),
    check=_trail_violations,
)
