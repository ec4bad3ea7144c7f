"""The policy pack's rules over resources declared with pulumi-aws under Pulumi's mocks: the
properties the rules read are the ones the engine really records (camelCase, nested blocks),
so a secure estate passes and the same estate with each setting undone breaks every rule."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from exec_assistant.stack_settings import PROJECT
from exec_assistant_infra.policy_documents import allow, assume_role, document
from exec_assistant_policies import RULE_NAMES, check_resources

from pulumi_program import Deployment, RecordingMocks

ROOT = "arn:aws:iam::123456789012:root"


def declare(program: Callable[[], None]) -> Deployment:
    deployment = Deployment("policy", "us-east-1")
    pulumi.runtime.set_mocks(
        RecordingMocks(deployment), project=PROJECT, stack="policy", preview=False
    )
    pulumi.runtime.test(program)()
    return deployment


def estate(secure: bool) -> Callable[[], None]:
    """A small estate with one resource of each kind the pack checks. `secure=False` undoes
    one setting per rule."""

    def program() -> None:
        key = aws.kms.Key(
            "key",
            enable_key_rotation=secure,
            policy=document(
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": ROOT},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
        )
        _buckets(key, secure)
        table = aws.dynamodb.Table(
            "meetings",
            name="ea-meetings",
            billing_mode="PAY_PER_REQUEST",
            hash_key="meeting_id",
            attributes=[{"name": "meeting_id", "type": "S"}],
            server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
            point_in_time_recovery={"enabled": secure},
        )
        role = aws.iam.Role(
            "role",
            assume_role_policy=assume_role("lambda.amazonaws.com"),
            inline_policies=[
                {
                    "name": "data",
                    "policy": document(
                        allow(["dynamodb:GetItem"] if secure else ["dynamodb:*"], [table.arn])
                    ),
                }
            ],
        )
        aws.iam.RolePolicyAttachment(
            "vpc-access",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/"
            + ("AWSLambdaVPCAccessExecutionRole" if secure else "AWSLambdaBasicExecutionRole"),
        )
        function = aws.lambda_.Function(
            "webhook",
            name="ea-slack-webhook",
            role=role.arn,
            runtime="python3.11",
            handler="exec_assistant.handlers.slack_webhook.handler",
            code=pulumi.AssetArchive({"index.py": pulumi.StringAsset("")}),
            architectures=["arm64" if secure else "x86_64"],
            tracing_config={"mode": "Active" if secure else "PassThrough"},
        )
        aws.lambda_.Permission(
            "api-invokes-webhook",
            function=function.name,
            action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com" if secure else "*",
            source_arn="arn:aws:execute-api:us-east-1:123456789012:api/*/*/slack/events",
        )
        if not secure:
            aws.lambda_.FunctionUrl("url", function_name=function.name, authorization_type="NONE")
        api = aws.apigatewayv2.Api("api", protocol_type="HTTP")
        aws.apigatewayv2.Route(
            "slack-events",
            api_id=api.id,
            route_key="POST /slack/events" if secure else "GET /admin",
        )
        aws.cloudwatch.LogGroup(
            "logs", kms_key_id=key.arn, retention_in_days=30 if secure else None
        )
        aws.sns.Topic("alarms", kms_master_key_id=key.id if secure else None)
        aws.secretsmanager.Secret("slack", kms_key_id=key.arn)
        aws.cloudtrail.Trail(
            "trail",
            s3_bucket_name="ea-audit",
            kms_key_id=key.arn,
            enable_log_file_validation=secure,
        )
        aws.ec2.SecurityGroup(
            "endpoints",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": ["10.0.0.0/16" if secure else "0.0.0.0/0"],
                }
            ],
        )
        _distribution(secure)

    return program


def _buckets(key: aws.kms.Key, secure: bool) -> None:
    documents = aws.s3.Bucket("documents", bucket="ea-documents")
    logs = aws.s3.Bucket("access-logs", bucket="ea-access-logs")
    for name, bucket in (("documents", documents), ("access-logs", logs)):
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=secure,
        )
    aws.s3.BucketServerSideEncryptionConfiguration(
        "documents-encryption",
        bucket=documents.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms" if secure else "AES256",
                    "kms_master_key_id": key.arn if secure else None,
                }
            }
        ],
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        "access-logs-encryption",
        bucket=logs.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
    )
    aws.s3.BucketLogging(
        "documents-logging", bucket=documents.id, target_bucket=logs.id, target_prefix="documents/"
    )
    aws.s3.BucketAcl(
        "documents-acl", bucket=documents.id, acl="private" if secure else "public-read"
    )


def _distribution(secure: bool) -> None:
    aws.cloudfront.Distribution(
        "web",
        enabled=True,
        origins=[
            {
                "origin_id": "api",
                "domain_name": "api.execute-api.us-east-1.amazonaws.com",
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "https-only",
                    "origin_ssl_protocols": ["TLSv1.2"],
                },
            }
        ],
        default_cache_behavior={
            "target_origin_id": "api",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
            "viewer_protocol_policy": "redirect-to-https" if secure else "allow-all",
        },
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True},
    )


def violations(deployment: Deployment) -> set[str]:
    return {
        violation.rule
        for violation in check_resources((r.type, r.name, r.outputs) for r in deployment)
    }


def test_a_secure_estate_passes_every_rule() -> None:
    deployment = declare(estate(secure=True))
    assert len(deployment.resources) > 20
    assert check_resources((r.type, r.name, r.outputs) for r in deployment) == []


def test_the_estate_with_each_setting_undone_breaks_every_rule() -> None:
    found = violations(declare(estate(secure=False)))
    assert found == set(RULE_NAMES)
