"""Disaster recovery as an auditor reads it: what is backed up, where copies go, what is
exported, what is replicated within the RPO, which secrets rotate and how often."""

from __future__ import annotations

import json

import pytest

from exec_assistant.adapters.aws.tables import TABLES
from infra.bucket_checks import assert_private_and_versioned, default_encryption
from infra.iam_statements import as_list, by_sid, every_statement
from infra.stand_ins import declare_edge_monitoring_recovery

from pulumi_program import ACCOUNT_ID, Deployment

KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/key-key"
REPLICA_KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/key-replica-key"
"""The mocks give every ARN the stack's region; the replica key is the one made in the DR
region's provider."""
SCHEDULE = "aws:scheduler/schedule:Schedule"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


@pytest.fixture(scope="module")
def prod() -> Deployment:
    return declare_edge_monitoring_recovery("prod").deployment


@pytest.fixture(scope="module")
def dev() -> Deployment:
    return declare_edge_monitoring_recovery("dev").deployment


def table_arns(deployment: Deployment) -> list[str]:
    return sorted(t.outputs["arn"] for t in deployment.of_type("aws:dynamodb/table:Table"))


def dr_provider_urn(deployment: Deployment) -> str:
    provider = deployment.one("pulumi:providers:aws", "dr")
    assert provider["region"] == "us-west-2"
    return f"{provider.outputs['id']}"


def test_every_table_is_backed_up_daily_and_kept_35_days_in_an_encrypted_vault(
    prod: Deployment,
) -> None:
    vault = prod.one("aws:backup/vault:Vault", "backup-vault")
    assert vault["kmsKeyArn"] == KEY_ARN
    [rule] = prod.one("aws:backup/plan:Plan")["rules"]
    assert rule["schedule"] == "cron(0 5 * * ? *)"
    assert rule["lifecycle"]["deleteAfter"] == 35
    assert rule["targetVaultName"] == vault["name"]
    selection = prod.one("aws:backup/selection:Selection")
    assert sorted(selection["resources"]) == table_arns(prod)
    assert len(selection["resources"]) == len(TABLES)
    role = prod.one("aws:iam/role:Role", "backup-role")
    assert selection["iamRoleArn"] == role.outputs["arn"]
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "backup.amazonaws.com"
    }


def test_the_backup_role_backs_up_exactly_this_stacks_tables(prod: Deployment) -> None:
    grants = by_sid(prod.one("aws:iam/rolePolicy:RolePolicy", "backup-role-policy"))
    assert sorted(grants["BackUpTheTables"]["Resource"]) == table_arns(prod)
    assert sorted(grants["ManageTheTablesBackups"]["Resource"]) == [
        f"{arn}/backup/*" for arn in table_arns(prod)
    ]
    assert prod.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []


def test_prod_copies_each_backup_to_a_vault_of_its_own_in_the_dr_region(prod: Deployment) -> None:
    copy_vault = prod.one("aws:backup/vault:Vault", "dr-backup-vault")
    assert copy_vault.provider is not None and copy_vault.provider.endswith(dr_provider_urn(prod))
    assert copy_vault["kmsKeyArn"] == REPLICA_KEY_ARN
    assert copy_vault["name"] != prod.one("aws:backup/vault:Vault", "backup-vault")["name"]
    [rule] = prod.one("aws:backup/plan:Plan")["rules"]
    [copy] = rule["copyActions"]
    assert copy["destinationVaultArn"] == copy_vault.outputs["arn"]
    assert copy["lifecycle"]["deleteAfter"] == 35
    settings = prod.one("aws:backup/regionSettings:RegionSettings")
    assert settings["resourceTypeManagementPreference"] == {"DynamoDB": True}


def test_a_stack_that_does_not_replicate_keeps_its_backups_in_its_region(dev: Deployment) -> None:
    [rule] = dev.one("aws:backup/plan:Plan")["rules"]
    assert not rule.get("copyActions")
    assert [v.name for v in dev.of_type("aws:backup/vault:Vault")] == ["backup-vault"]
    assert dev.of_type("aws:backup/regionSettings:RegionSettings") == []


def test_each_table_with_point_in_time_recovery_is_exported_monthly_under_its_own_prefix(
    prod: Deployment,
) -> None:
    bucket = prod.one("aws:s3/bucket:Bucket", "exports")
    schedules = prod.of_type(SCHEDULE)
    exported = [d for d in TABLES if d.point_in_time_recovery]
    assert len(schedules) == len(exported)
    role = prod.one("aws:iam/role:Role", "exports-role")
    inputs = []
    for schedule in schedules:
        assert schedule["scheduleExpression"] == "cron(0 3 1 * ? *)"
        target = schedule["target"]
        assert target["arn"] == "arn:aws:scheduler:::aws-sdk:dynamodb:exportTableToPointInTime"
        assert target["roleArn"] == role.outputs["arn"]
        request = json.loads(target["input"])
        table_name = request["TableArn"].rsplit("/", 1)[1]
        assert request["S3Bucket"] == bucket.outputs["bucket"]
        assert request["S3Prefix"] == f"exports/{table_name}/"
        assert (request["S3SseAlgorithm"], request["S3SseKmsKeyId"]) == ("KMS", KEY_ARN)
        inputs.append(request["TableArn"])
    assert sorted(inputs) == sorted(
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/{d.default_name}" for d in exported
    )


def test_the_export_role_exports_those_tables_and_writes_only_under_their_prefixes(
    prod: Deployment,
) -> None:
    grants = by_sid(prod.one("aws:iam/rolePolicy:RolePolicy", "exports-role-policy"))
    assert grants["ExportTheTables"]["Action"] == ["dynamodb:ExportTableToPointInTime"]
    exported = sorted(
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/{d.default_name}"
        for d in TABLES
        if d.point_in_time_recovery
    )
    assert sorted(grants["ExportTheTables"]["Resource"]) == exported
    bucket_arn = prod.one("aws:s3/bucket:Bucket", "exports").outputs["arn"]
    assert sorted(grants["WriteTheExports"]["Resource"]) == sorted(
        f"{bucket_arn}/exports/{arn.rsplit('/', 1)[1]}/*" for arn in exported
    )
    trust = json.loads(prod.one("aws:iam/role:Role", "exports-role")["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}


def test_the_exports_bucket_is_private_versioned_and_encrypted_with_the_key(
    prod: Deployment,
) -> None:
    assert_private_and_versioned(prod, "exports")
    encryption = default_encryption(prod, "exports")
    assert (encryption["sseAlgorithm"], encryption["kmsMasterKeyId"]) == ("aws:kms", KEY_ARN)


def test_prod_replicates_the_documents_to_the_dr_region_within_15_minutes(
    prod: Deployment,
) -> None:
    replica = prod.one("aws:s3/bucket:Bucket", "documents-replica")
    assert replica.provider is not None and replica.provider.endswith(dr_provider_urn(prod))
    for setting in ("versioning", "public-access", "encryption"):
        resource = next(r for r in prod if r.name == f"documents-replica-{setting}")
        assert resource.provider == replica.provider
    assert_private_and_versioned(prod, "documents-replica")
    encryption = default_encryption(prod, "documents-replica")
    assert encryption["kmsMasterKeyId"] == REPLICA_KEY_ARN
    config = prod.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert config["bucket"] == prod.one("aws:s3/bucket:Bucket", "documents").outputs["id"]
    [rule] = config["rules"]
    assert rule["status"] == "Enabled"
    assert rule["deleteMarkerReplication"]["status"] == "Enabled"
    assert rule["sourceSelectionCriteria"]["sseKmsEncryptedObjects"]["status"] == "Enabled"
    destination = rule["destination"]
    assert destination["bucket"] == replica.outputs["arn"]
    assert destination["encryptionConfiguration"]["replicaKmsKeyId"] == REPLICA_KEY_ARN
    assert destination["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert destination["metrics"]["status"] == "Enabled"


def test_the_replication_role_reads_the_documents_and_writes_only_the_replica(
    prod: Deployment,
) -> None:
    grants = by_sid(prod.one("aws:iam/rolePolicy:RolePolicy", "replication-role-policy"))
    documents = prod.one("aws:s3/bucket:Bucket", "documents").outputs["arn"]
    replica = prod.one("aws:s3/bucket:Bucket", "documents-replica").outputs["arn"]
    assert grants["ReadTheDocuments"]["Resource"] == [f"{documents}/*"]
    assert grants["WriteTheReplicas"]["Resource"] == [f"{replica}/*"]
    assert grants["WriteTheReplicas"]["Action"] == [
        "s3:ReplicateDelete",
        "s3:ReplicateObject",
        "s3:ReplicateTags",
    ]
    assert grants["DecryptTheDocuments"]["Resource"] == [KEY_ARN]
    assert grants["EncryptTheReplicas"]["Resource"] == [REPLICA_KEY_ARN]
    assert grants["EncryptTheReplicas"]["Condition"]["StringEquals"] == {
        "kms:ViaService": "s3.us-west-2.amazonaws.com"
    }


def test_stacks_that_do_not_replicate_have_no_replica(dev: Deployment) -> None:
    assert dev.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig") == []
    assert [b for b in dev.of_type("aws:s3/bucket:Bucket") if b.name == "documents-replica"] == []


def test_the_calendar_secret_rotates_every_90_days_through_the_rotation_function(
    prod: Deployment,
) -> None:
    [rotation] = prod.of_type(ROTATION)
    calendar = prod.one("aws:secretsmanager/secret:Secret", "calendar")
    assert rotation["secretId"] == calendar.outputs["id"]
    assert rotation["rotationRules"] == {"automaticallyAfterDays": 90}
    rotator = prod.one("aws:lambda/alias:Alias", "alias-secret_rotation")
    assert rotation["rotationLambdaArn"] == rotator.outputs["arn"]
    assert rotation["rotateImmediately"] is True  # a rotation that cannot work fails the deploy
    permission = prod.one("aws:lambda/permission:Permission", "rotation-calendar-invokes")
    assert permission["principal"] == "secretsmanager.amazonaws.com"
    assert permission["sourceArn"] == calendar.outputs["arn"]
    assert permission["qualifier"] == "live"


def test_the_slack_secret_rotates_every_4_hours_when_the_app_rotates_its_tokens() -> None:
    deployment = declare_edge_monitoring_recovery("prod", {"slackTokenRotation": True}).deployment
    rotations = {r.name: r for r in deployment.of_type(ROTATION)}
    slack = deployment.one("aws:secretsmanager/secret:Secret", "slack")
    assert rotations["rotation-slack"]["secretId"] == slack.outputs["id"]
    assert rotations["rotation-slack"]["rotationRules"] == {"scheduleExpression": "rate(4 hours)"}
    permission = deployment.one("aws:lambda/permission:Permission", "rotation-slack-invokes")
    assert permission["sourceArn"] == slack.outputs["arn"]


@pytest.mark.parametrize("stack", ["prod", "dr"])
def test_no_statement_of_these_components_allows_a_wildcard_action_or_resource(stack: str) -> None:
    deployment = declare_edge_monitoring_recovery(stack, {"slackTokenRotation": True}).deployment
    checked = 0
    for resource, statement in every_statement(deployment):
        checked += 1
        for action in as_list(statement.get("Action", [])):
            assert "*" not in action, (resource.name, statement)
        for arn in as_list(statement.get("Resource", [])):
            assert arn != "*" and not arn.endswith(":*:*"), (resource.name, statement)
        assert statement.get("Principal") not in ("*", {"AWS": "*"}), (resource.name, statement)
    assert checked >= 10
