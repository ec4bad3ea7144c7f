"""Disaster recovery as the specification lays it out, beyond the point-in-time recovery every
table has (Storage): daily AWS Backup of every table (copied to the DR region when the stack
replicates there), a monthly export of each table to S3 for long-term keeping, the documents
replicated to the DR region within 15 minutes (S3 Replication Time Control), and the secrets
rotated.

The exports go to a bucket of their own, not the documents bucket: an export holds every item
of a table, which no function should read, and the documents bucket's notifications and
lifecycle are the functions' business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from exec_assistant.adapters.aws.tables import TABLES, TableDefinition
from exec_assistant_infra.component_inputs import (
    ComputeInput,
    KeysInput,
    SecretsInput,
    StorageInput,
    resources_among,
)
from exec_assistant_infra.policy_documents import Statement, allow, assume_role, document
from exec_assistant_infra.private_bucket import AccessLogging, BucketEncryption, private_bucket
from exec_assistant_infra.stack import StackContext

BACKUP_SCHEDULE = "cron(0 5 * * ? *)"
"""Daily at 05:00 UTC, outside the executive's working day in the Americas and Europe."""
BACKUP_RETENTION_DAYS = 35
EXPORT_SCHEDULE = "cron(0 3 1 * ? *)"
"""Monthly, on the 1st at 03:00 UTC."""
EXPORT_TARGET = "arn:aws:scheduler:::aws-sdk:dynamodb:exportTableToPointInTime"
EXPORT_COLD_AFTER_DAYS = 30
EXPORT_RETENTION_DAYS = 400
"""A year of monthly exports and a month's margin."""
REPLICATION_MINUTES = 15
"""S3 Replication Time Control's guarantee: 99.99% of objects within 15 minutes."""
CALENDAR_ROTATION_DAYS = 90
SLACK_ROTATION_SCHEDULE = "rate(4 hours)"
"""Slack's rotating tokens live 12 hours; Secrets Manager's shortest schedule is 4 hours."""
ROTATION_FUNCTION = "secret_rotation"


@dataclass(frozen=True)
class RecoveryArgs:
    stack: StackContext
    keys: KeysInput
    storage: StorageInput
    secrets: SecretsInput
    compute: ComputeInput


def export_prefix(table_name: str) -> str:
    return f"exports/{table_name}/"


def copies_to_dr(stack: StackContext, keys: KeysInput) -> bool:
    """Backups are copied, and documents replicated, to the DR region when the stack says so
    and the DR region is another region."""
    settings = stack.settings
    return (
        settings.replicate_to_dr
        and settings.dr_region != settings.region
        and keys.dr_provider is not None
        and keys.replica_key is not None
    )


class Recovery(pulumi.ComponentResource):
    backup_vault: aws.backup.Vault
    dr_backup_vault: aws.backup.Vault | None
    backup_plan: aws.backup.Plan
    backup_selection: aws.backup.Selection
    exports_bucket: aws.s3.Bucket
    export_schedules: dict[str, aws.scheduler.Schedule]
    replica_bucket: aws.s3.Bucket | None
    replication: aws.s3.BucketReplicationConfig | None
    rotations: dict[str, aws.secretsmanager.SecretRotation]

    def __init__(self, name: str, args: RecoveryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("exec-assistant:recovery:Recovery", name, None, opts)
        self._child = pulumi.ResourceOptions(parent=self)
        stack = args.stack
        replicate = copies_to_dr(stack, args.keys)
        self._backups(stack, args, replicate)
        self._exports(stack, args)
        if replicate:
            self._replication(stack, args)
        else:
            self.replica_bucket = None
            self.replication = None
        self._rotations(stack, args)
        self.register_outputs(
            {
                "backup_vault": self.backup_vault.name,
                "exports_bucket": self.exports_bucket.bucket,
                "replica_bucket": self.replica_bucket.bucket if self.replica_bucket else None,
            }
        )

    # AWS Backup ---------------------------------------------------------------------------

    def _backups(self, stack: StackContext, args: RecoveryArgs, replicate: bool) -> None:
        keys, tables = args.keys, args.storage.tables
        self.backup_vault = aws.backup.Vault(
            "backup-vault",
            name=stack.name("backups"),
            kms_key_arn=keys.key.arn,
            tags=stack.tags(),
            opts=self._child,
        )
        copy_actions: list[aws.backup.PlanRuleCopyActionArgs] = []
        self.dr_backup_vault = None
        if replicate and keys.replica_key is not None:
            # Named apart from the dr stack's own vault, which lives in the same region.
            self.dr_backup_vault = aws.backup.Vault(
                "dr-backup-vault",
                name=stack.name("backup-copies"),
                kms_key_arn=keys.replica_key.arn,
                tags=stack.tags(),
                opts=pulumi.ResourceOptions(parent=self, provider=keys.dr_provider),
            )
            copy_actions.append(
                aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=self.dr_backup_vault.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                        delete_after=BACKUP_RETENTION_DAYS
                    ),
                )
            )
            # Copying DynamoDB backups to another region needs AWS Backup's own DynamoDB
            # backups ("advanced features"); this is a setting of the account's region.
            aws.backup.RegionSettings(
                "backup-region-settings",
                resource_type_opt_in_preference={"DynamoDB": True},
                resource_type_management_preference={"DynamoDB": True},
                opts=self._child,
            )
        self.backup_plan = aws.backup.Plan(
            "backup-plan",
            name=stack.name("daily"),
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=self.backup_vault.name,
                    schedule=BACKUP_SCHEDULE,
                    start_window=60,
                    completion_window=180,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=BACKUP_RETENTION_DAYS),
                    copy_actions=copy_actions,
                    recovery_point_tags=stack.tags(),
                )
            ],
            tags=stack.tags(),
            opts=self._child,
        )
        table_arns = [table.arn for table in tables.values()]
        vaults = [self.backup_vault, *([self.dr_backup_vault] if self.dr_backup_vault else [])]
        key_arns = [
            keys.key.arn,
            *([keys.replica_key.arn] if replicate and keys.replica_key else []),
        ]
        statements = [
            allow(
                [
                    "dynamodb:CreateBackup",
                    "dynamodb:DescribeTable",
                    "dynamodb:ListTagsOfResource",
                    "dynamodb:StartAwsBackupJob",
                ],
                table_arns,
                sid="BackUpTheTables",
            ),
            allow(
                ["dynamodb:DeleteBackup", "dynamodb:DescribeBackup"],
                [table.arn.apply(lambda arn: f"{arn}/backup/*") for table in tables.values()],
                sid="ManageTheTablesBackups",
            ),
            allow(
                ["backup:CopyIntoBackupVault", "backup:DescribeBackupVault"],
                [vault.arn for vault in vaults],
                sid="CopyBetweenTheVaults",
            ),
            allow(
                ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
                key_arns,
                sid="UseTheKeys",
            ),
            allow(
                ["kms:CreateGrant"],
                key_arns,
                sid="GrantBackupTheKeys",
                condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            ),
        ]
        # Explicit statements instead of AWSBackupServiceRolePolicyForBackup, whose statements
        # cover every table of the account and several `*` resources.
        self.backup_role = self._service_role(
            "backup-role",
            stack,
            "backup.amazonaws.com",
            "AWS Backup backs up and copies this stack's tables",
            statements,
        )
        self.backup_selection = aws.backup.Selection(
            "backup-selection",
            name=stack.name("tables"),
            plan_id=self.backup_plan.id,
            iam_role_arn=self.backup_role.arn,
            resources=table_arns,
            opts=self._child,
        )

    # Monthly exports ----------------------------------------------------------------------

    def _exports(self, stack: StackContext, args: RecoveryArgs) -> None:
        keys, storage = args.keys, args.storage
        self.exports_bucket, bucket_settings = private_bucket(
            "exports",
            f"{stack.name('table-exports')}-{stack.account_id}-{stack.region}",
            encryption=BucketEncryption(keys.key.arn),
            versioned=True,
            tags=stack.tags(),
            parent=self,
            access_logging=AccessLogging(storage.access_logs_bucket.id, "table-exports/"),
        )
        aws.s3.BucketLifecycleConfiguration(
            "exports-lifecycle",
            bucket=self.exports_bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="keep-a-year-of-exports",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="exports/"),
                    transitions=[
                        aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                            days=EXPORT_COLD_AFTER_DAYS, storage_class="GLACIER"
                        )
                    ],
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=EXPORT_RETENTION_DAYS
                    ),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=1
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=bucket_settings),
        )
        exported = _exported_tables(storage)
        self.export_group = aws.scheduler.ScheduleGroup(
            "exports-group", name=stack.name("table-exports"), tags=stack.tags(), opts=self._child
        )
        export_objects = [
            pulumi.Output.all(self.exports_bucket.arn, table.name).apply(
                lambda parts: f"{parts[0]}/{export_prefix(parts[1])}*"
            )
            for _, table in exported
        ]
        self.export_role = self._service_role(
            "exports-role",
            stack,
            "scheduler.amazonaws.com",
            "EventBridge Scheduler exports this stack's tables to S3 monthly",
            [
                allow(
                    ["dynamodb:ExportTableToPointInTime"],
                    [table.arn for _, table in exported],
                    sid="ExportTheTables",
                ),
                # DynamoDB writes the export with the caller's permissions; these three are
                # the ones its documentation asks for on the destination.
                allow(
                    ["s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl"],
                    export_objects,
                    sid="WriteTheExports",
                ),
                allow(["kms:Decrypt", "kms:GenerateDataKey"], [keys.key.arn], sid="EncryptExports"),
            ],
            source_arn=stack.arn("scheduler", f"schedule/{stack.name('table-exports')}/*"),
        )
        self.export_schedules = {}
        for definition, table in exported:
            suffix = definition.default_name.removeprefix("exec-assistant-")
            self.export_schedules[definition.environment_variable] = aws.scheduler.Schedule(
                f"export-{suffix}",
                name=f"export-{suffix}",
                group_name=self.export_group.name,
                description=f"Monthly export of the {suffix} table to S3",
                schedule_expression=EXPORT_SCHEDULE,
                schedule_expression_timezone="UTC",
                flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
                kms_key_arn=keys.key.arn,
                target=aws.scheduler.ScheduleTargetArgs(
                    arn=EXPORT_TARGET,
                    role_arn=self.export_role.arn,
                    input=pulumi.Output.json_dumps(
                        {
                            "TableArn": table.arn,
                            "S3Bucket": self.exports_bucket.bucket,
                            "S3Prefix": table.name.apply(export_prefix),
                            "S3SseAlgorithm": "KMS",
                            "S3SseKmsKeyId": keys.key.arn,
                            "ExportFormat": "DYNAMODB_JSON",
                        }
                    ),
                    retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                        maximum_retry_attempts=3, maximum_event_age_in_seconds=3600
                    ),
                ),
                opts=self._child,
            )

    # Cross-region replication of the documents --------------------------------------------

    def _replication(self, stack: StackContext, args: RecoveryArgs) -> None:
        keys, storage, settings = args.keys, args.storage, stack.settings
        assert keys.replica_key is not None and keys.dr_provider is not None
        source = storage.documents_bucket
        self.replica_bucket, replica_settings = private_bucket(
            "documents-replica",
            # Named apart from the dr stack's own documents bucket (same account and region).
            f"{stack.name('documents-replica')}-{stack.account_id}-{settings.dr_region}",
            encryption=BucketEncryption(keys.replica_key.arn),
            versioned=True,
            tags=stack.tags(),
            parent=self,
            provider=keys.dr_provider,
        )
        source_objects = source.arn.apply(lambda arn: f"{arn}/*")
        replica_objects = self.replica_bucket.arn.apply(lambda arn: f"{arn}/*")
        self.replication_role = self._service_role(
            "replication-role",
            stack,
            "s3.amazonaws.com",
            "S3 replicates the documents to the DR region",
            [
                allow(
                    ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                    [source.arn],
                    sid="ReadTheReplicationRules",
                ),
                allow(
                    [
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionTagging",
                    ],
                    [source_objects],
                    sid="ReadTheDocuments",
                ),
                allow(
                    ["s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"],
                    [replica_objects],
                    sid="WriteTheReplicas",
                ),
                allow(
                    ["kms:Decrypt"],
                    [keys.key.arn],
                    sid="DecryptTheDocuments",
                    condition={
                        "StringEquals": {"kms:ViaService": f"s3.{settings.region}.amazonaws.com"},
                        # With an S3 bucket key the context is the bucket, else the object.
                        "StringLike": {
                            "kms:EncryptionContext:aws:s3:arn": [source.arn, source_objects]
                        },
                    },
                ),
                allow(
                    ["kms:Encrypt", "kms:GenerateDataKey"],
                    [keys.replica_key.arn],
                    sid="EncryptTheReplicas",
                    condition={
                        "StringEquals": {
                            "kms:ViaService": f"s3.{settings.dr_region}.amazonaws.com"
                        },
                        "StringLike": {
                            "kms:EncryptionContext:aws:s3:arn": [
                                self.replica_bucket.arn,
                                replica_objects,
                            ]
                        },
                    },
                ),
            ],
        )
        rules = aws.s3
        self.replication = aws.s3.BucketReplicationConfig(
            "documents-replication",
            bucket=source.id,
            role=self.replication_role.arn,
            rules=[
                rules.BucketReplicationConfigRuleArgs(
                    id="documents-to-dr",
                    status="Enabled",
                    priority=1,
                    filter=rules.BucketReplicationConfigRuleFilterArgs(prefix=""),
                    delete_marker_replication=rules.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Enabled"
                    ),
                    source_selection_criteria=rules.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=rules.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"
                        )
                    ),
                    destination=rules.BucketReplicationConfigRuleDestinationArgs(
                        bucket=self.replica_bucket.arn,
                        storage_class="STANDARD",
                        encryption_configuration=rules.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=keys.replica_key.arn
                        ),
                        replication_time=rules.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                            status="Enabled",
                            time=rules.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                                minutes=REPLICATION_MINUTES
                            ),
                        ),
                        metrics=rules.BucketReplicationConfigRuleDestinationMetricsArgs(
                            status="Enabled",
                            event_threshold=rules.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                                minutes=REPLICATION_MINUTES
                            ),
                        ),
                    ),
                )
            ],
            # Both buckets' versioning must be on first (the source's is Storage's).
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*replica_settings, *resources_among(storage)]
            ),
        )

    def _service_role(
        self,
        name: str,
        stack: StackContext,
        service: str,
        description: str,
        statements: list[Statement],
        *,
        source_arn: str | None = None,
    ) -> aws.iam.Role:
        """A role only `service` acting for this account (and `source_arn`) may assume, with
        exactly `statements`."""
        condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": stack.account_id}}
        if source_arn:
            condition["ArnLike"] = {"aws:SourceArn": source_arn}
        role = aws.iam.Role(
            name,
            description=description,
            assume_role_policy=assume_role(service, condition=condition),
            tags=stack.tags(),
            opts=self._child,
        )
        aws.iam.RolePolicy(
            f"{name}-policy", role=role.id, policy=document(*statements), opts=self._child
        )
        return role

    # Secret rotation ----------------------------------------------------------------------

    def _rotations(self, stack: StackContext, args: RecoveryArgs) -> None:
        rotator = args.compute.aliases[ROTATION_FUNCTION]
        schedules: dict[
            str,
            tuple[aws.secretsmanager.Secret, aws.secretsmanager.SecretRotationRotationRulesArgs],
        ] = {
            "calendar": (
                args.secrets.calendar,
                aws.secretsmanager.SecretRotationRotationRulesArgs(
                    automatically_after_days=CALENDAR_ROTATION_DAYS
                ),
            )
        }
        if stack.settings.slack_token_rotation:
            schedules["slack"] = (
                args.secrets.slack,
                aws.secretsmanager.SecretRotationRotationRulesArgs(
                    schedule_expression=SLACK_ROTATION_SCHEDULE
                ),
            )
        self.rotations = {}
        if args.secrets.replicas_of_primary:
            return  # the DR stack's secrets are replicas: production rotates them
        for secret_name, (secret, rules) in schedules.items():
            version = args.secrets.values.get(secret_name)
            if version is None:
                # Setting up a rotation runs it (or at least its testSecret step) at once,
                # which a secret with no value yet fails: it is rotated once the stack's
                # config gives its value.
                continue
            permission = aws.lambda_.Permission(
                f"rotation-{secret_name}-invokes",
                action="lambda:InvokeFunction",
                function=rotator.function_name,
                qualifier=rotator.name,
                principal="secretsmanager.amazonaws.com",
                source_arn=secret.arn,
                source_account=stack.account_id,
                opts=self._child,
            )
            self.rotations[secret_name] = aws.secretsmanager.SecretRotation(
                f"rotation-{secret_name}",
                secret_id=secret.id,
                rotation_lambda_arn=rotator.arn,
                rotation_rules=rules,
                # At once: a rotation that cannot work (a revoked refresh token, Slack's token
                # rotation off) fails the deploy that sets it up, not a night 90 days later.
                rotate_immediately=True,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[permission, version]),
            )


def _exported_tables(
    storage: StorageInput,
) -> list[tuple[TableDefinition, aws.dynamodb.Table]]:
    """The tables with point-in-time recovery, which an export reads from (the idempotency
    table has none: its records expire within hours and are worth no export)."""
    return [
        (definition, storage.tables[definition.environment_variable])
        for definition in TABLES
        if definition.point_in_time_recovery and definition.environment_variable in storage.tables
    ]
