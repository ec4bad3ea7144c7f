"""Where the deployment keeps its data: the DynamoDB tables, made from the one description of
each (`exec_assistant.adapters.aws.tables`), and the S3 buckets (documents, agent sessions,
the audit trail, and the server access logs of those three).

Every bucket is private (all four public-access blocks, ACLs disabled), refuses plain HTTP,
and logs its requests to the access-logs bucket (but that one itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from exec_assistant.adapters.aws.tables import TABLES, KeyAttribute, TableDefinition, key_attributes
from exec_assistant_infra.keys import Keys
from exec_assistant_infra.policy_documents import Statement, document, service_principal_allow
from exec_assistant_infra.private_bucket import AccessLogging, BucketEncryption, private_bucket
from exec_assistant_infra.stack import StackContext

Rule = aws.s3.BucketLifecycleConfigurationRuleArgs
EncryptionByDefault = (
    aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs
)
Encryption = Literal["aws:kms", "AES256"]

BUCKET_NAME_LIMIT = 63
ABORT_UPLOADS_AFTER_DAYS = 7
DOCUMENTS_ARCHIVE_AFTER_DAYS = 90
NONCURRENT_ARCHIVE_AFTER_DAYS = 30
TEMP_FILES_DAYS = 7
SESSIONS_DAYS = 30
AUDIT_ARCHIVE_AFTER_DAYS = 90
AUDIT_KEEP_DAYS = 6 * 365
"""Six years, HIPAA's retention of audit records."""
ACCESS_LOGS_DAYS = 90
PROTECTED_ENVIRONMENTS = frozenset({"prod", "dr"})
"""Stacks whose tables cannot be deleted until deletion protection is turned off."""


@dataclass(frozen=True)
class StorageArgs:
    stack: StackContext
    keys: Keys


@dataclass(frozen=True)
class BucketPlan:
    """One bucket: its name's suffix, encryption, versioning, lifecycle, the statements of
    its policy besides the TLS-only one, and the prefix of its access logs (None: not
    logged)."""

    suffix: str
    encryption: Encryption
    versioned: bool
    rules: Sequence[Rule]
    statements: Sequence[Statement] = ()
    access_log_prefix: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


class Storage(pulumi.ComponentResource):
    tables: dict[str, aws.dynamodb.Table]
    """Keyed by the environment variable the functions read each table's name from."""
    documents_bucket: aws.s3.Bucket
    sessions_bucket: aws.s3.Bucket
    audit_bucket: aws.s3.Bucket
    access_logs_bucket: aws.s3.Bucket

    def __init__(
        self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("exec-assistant:storage:Storage", name, None, opts)
        self._stack = args.stack
        self._key_arn = args.keys.key.arn

        self.tables = {
            definition.environment_variable: self._table(definition) for definition in TABLES
        }

        stack = args.stack
        self.access_logs_bucket = self._bucket(
            BucketPlan(
                "access-logs",
                # S3 server access logging is documented to deliver only to a bucket whose
                # default encryption is SSE-S3.
                encryption="AES256",
                versioned=False,
                rules=[_expire_all("expire-access-logs", ACCESS_LOGS_DAYS), _abort_uploads()],
                statements=[
                    service_principal_allow(
                        "logging.s3.amazonaws.com",
                        ["s3:PutObject"],
                        [f"{self.bucket_arn('access-logs')}/*"],
                        sid="S3ServerAccessLogsPolicy",
                        condition={
                            "StringEquals": {"aws:SourceAccount": stack.account_id},
                            # Every bucket of the stack logs here: these, the web assets' and
                            # the table exports' (made by other components).
                            "ArnLike": {"aws:SourceArn": self._arn(self._stack_bucket_pattern())},
                        },
                    )
                ],
            )
        )
        self.documents_bucket = self._bucket(
            BucketPlan(
                "documents",
                encryption="aws:kms",
                versioned=True,
                rules=[
                    Rule(
                        id="archive-old-meetings",
                        status="Enabled",
                        # Only meetings/: config/ is read on every classification. Glacier
                        # Instant Retrieval keeps a quarterly meeting's last notes readable
                        # (the history context opens them); Flexible Retrieval would not.
                        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(
                            prefix="meetings/"
                        ),
                        transitions=[
                            aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                                days=DOCUMENTS_ARCHIVE_AFTER_DAYS, storage_class="GLACIER_IR"
                            )
                        ],
                        noncurrent_version_transitions=[
                            aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                                noncurrent_days=NONCURRENT_ARCHIVE_AFTER_DAYS,
                                storage_class="GLACIER",
                            )
                        ],
                    ),
                    Rule(
                        id="delete-temp-files",
                        status="Enabled",
                        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="temp/"),
                        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                            days=TEMP_FILES_DAYS
                        ),
                    ),
                    _abort_uploads(),
                ],
                access_log_prefix="documents/",
            )
        )
        self.sessions_bucket = self._bucket(
            BucketPlan(
                "sessions",
                encryption="aws:kms",
                versioned=False,
                rules=[_expire_all("delete-old-sessions", SESSIONS_DAYS), _abort_uploads()],
                access_log_prefix="sessions/",
            )
        )
        audit_arn = self.bucket_arn("audit")
        from_the_trail = {"aws:SourceArn": stack.trail_arn}
        self.audit_bucket = self._bucket(
            BucketPlan(
                "audit",
                encryption="aws:kms",
                versioned=True,
                rules=[
                    Rule(
                        id="archive-audit-logs",
                        status="Enabled",
                        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                        transitions=[
                            aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                                days=AUDIT_ARCHIVE_AFTER_DAYS, storage_class="GLACIER"
                            )
                        ],
                        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                            days=AUDIT_KEEP_DAYS
                        ),
                        noncurrent_version_expiration=(
                            aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                                noncurrent_days=NONCURRENT_ARCHIVE_AFTER_DAYS
                            )
                        ),
                    ),
                    _abort_uploads(),
                ],
                statements=[
                    service_principal_allow(
                        "cloudtrail.amazonaws.com",
                        ["s3:GetBucketAcl"],
                        [audit_arn],
                        sid="AWSCloudTrailAclCheck",
                        condition={"StringEquals": from_the_trail},
                    ),
                    service_principal_allow(
                        "cloudtrail.amazonaws.com",
                        ["s3:PutObject"],
                        [f"{audit_arn}/AWSLogs/{stack.account_id}/*"],
                        sid="AWSCloudTrailWrite",
                        condition={
                            "StringEquals": {
                                **from_the_trail,
                                "s3:x-amz-acl": "bucket-owner-full-control",
                            }
                        },
                    ),
                ],
                access_log_prefix="audit/",
            )
        )

        self.register_outputs(
            {
                "tables": {key: table.name for key, table in self.tables.items()},
                "documents_bucket": self.documents_bucket.bucket,
                "sessions_bucket": self.sessions_bucket.bucket,
                "audit_bucket": self.audit_bucket.bucket,
                "access_logs_bucket": self.access_logs_bucket.bucket,
            }
        )

    def bucket_name(self, suffix: str) -> str:
        """`exec-assistant-documents-<account>`; in the dr stack `-<region>` more, since
        bucket names are global and production's are taken."""
        stack = self._stack
        name = f"{stack.name(suffix)}-{stack.account_id}"
        if stack.settings.environment == "dr":
            name = f"{name}-{stack.region}"
        if len(name) > BUCKET_NAME_LIMIT:
            raise ValueError(
                f"bucket name {name} is longer than {BUCKET_NAME_LIMIT} characters: shorten "
                "exec-assistant:namePrefix"
            )
        return name

    def bucket_arn(self, suffix: str) -> str:
        return self._arn(self.bucket_name(suffix))

    def _arn(self, bucket_name: str) -> str:
        return f"arn:{self._stack.partition}:s3:::{bucket_name}"

    def _table(self, definition: TableDefinition) -> aws.dynamodb.Table:
        stack = self._stack
        suffix = definition.default_name.removeprefix("exec-assistant-")
        return aws.dynamodb.Table(
            suffix,
            name=stack.name(suffix),
            billing_mode="PAY_PER_REQUEST",
            hash_key=definition.hash_key.name,
            range_key=definition.range_key.name if definition.range_key else None,
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=attribute, type=kind)
                for attribute, kind in key_attributes(definition).items()
            ],
            global_secondary_indexes=[
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=index.name,
                    key_schemas=_key_schema(index.hash_key, index.range_key),
                    projection_type=index.projection,
                )
                for index in definition.indexes
            ],
            ttl=(
                aws.dynamodb.TableTtlArgs(attribute_name=definition.ttl_attribute, enabled=True)
                if definition.ttl_attribute
                else None
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(
                enabled=definition.point_in_time_recovery
            ),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=self._key_arn
            ),
            deletion_protection_enabled=stack.settings.environment in PROTECTED_ENVIRONMENTS,
            tags=stack.tags(**definition.extra_tags),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _stack_bucket_pattern(self) -> str:
        stack = self._stack
        return f"{stack.settings.name_prefix}-*-{stack.account_id}*"

    def _bucket(self, plan: BucketPlan) -> aws.s3.Bucket:
        name = self.bucket_name(plan.suffix)
        bucket, settings = private_bucket(
            plan.suffix,
            name,
            encryption=BucketEncryption(self._key_arn if plan.encryption == "aws:kms" else None),
            versioned=plan.versioned,
            tags=self._stack.tags(**plan.tags),
            parent=self,
            access_logging=(
                AccessLogging(self.access_logs_bucket.id, plan.access_log_prefix)
                if plan.access_log_prefix is not None
                else None
            ),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{plan.suffix}-lifecycle",
            bucket=bucket.id,
            rules=list(plan.rules),
            # A lifecycle with noncurrent-version rules needs the versioning on first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=settings),
        )
        aws.s3.BucketPolicy(
            f"{plan.suffix}-policy",
            bucket=bucket.id,
            policy=document(*plan.statements, _deny_insecure_transport(self._arn(name))),
            # After the public access block, which would refuse a policy set before it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=settings),
        )
        return bucket


def _key_schema(
    hash_key: KeyAttribute, range_key: KeyAttribute | None
) -> list[aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs]:
    keys = [(hash_key, "HASH"), (range_key, "RANGE")]
    return [
        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(attribute_name=key.name, key_type=kind)
        for key, kind in keys
        if key is not None
    ]


def _expire_all(rule_id: str, days: int) -> Rule:
    return Rule(
        id=rule_id,
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
    )


def _abort_uploads() -> Rule:
    return Rule(
        id="abort-incomplete-uploads",
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        abort_incomplete_multipart_upload=(
            aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=ABORT_UPLOADS_AFTER_DAYS
            )
        ),
    )


def _deny_insecure_transport(bucket_arn: str) -> Statement:
    """Every request over plain HTTP refused, whoever makes it. A Deny: `Principal: *` and
    `s3:*` here take away, and grant nothing."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
