"""The policy pack's rules, each with a resource it accepts and the resources it refuses, built
as the Pulumi engine sends them (camelCase properties, policies as JSON strings)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from exec_assistant_policies import (
    RESOURCE_RULES,
    RULE_NAMES,
    check_resource,
    check_resources,
)
from exec_assistant_policies.documents import UNSCOPED_ACTIONS
from exec_assistant_policies.pack import ENFORCEMENT, PACK_NAME, policies

ROOT = "arn:aws:iam::123456789012:root"
ROLE = "arn:aws:iam::123456789012:role/exec-assistant-calendar-monitor"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/exec-assistant-meetings"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0d3c"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: Any, resources: Any = TABLE, **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **more}


def messages(resource_type: str, props: dict[str, Any]) -> list[str]:
    return [violation.message for violation in check_resource(resource_type, "it", props)]


def rules(resource_type: str, props: dict[str, Any]) -> set[str]:
    return {violation.rule for violation in check_resource(resource_type, "it", props)}


ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "aws:kms/key:Key"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"

# --- IAM documents -------------------------------------------------------------------------


def test_the_specifications_lambda_policy_passes() -> None:
    document = policy(
        allow(
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], [TABLE, f"{TABLE}/index/*"]
        ),
        allow(["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:us-east-1:1:secret:s"]),
        allow(["states:SendTaskSuccess", "states:SendTaskFailure"], ["*"], Sid="TaskToken"),
        allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"),
    )
    assert messages(ROLE_POLICY, {"policy": document}) == []


@pytest.mark.parametrize(
    ("statement", "complaint"),
    [
        (allow("*"), "action '*' is a wildcard"),
        (allow(["dynamodb:*"]), "action 'dynamodb:*' is a wildcard"),
        (allow(["kms:GenerateDataKey*"], KEY_ARN), "action 'kms:GenerateDataKey*' is a wildcard"),
        (allow(["s3:GetObject"], "*"), "resource '*' for s3:GetObject"),
        (allow(["s3:GetObject"], "arn:aws:s3:::*"), "resource 'arn:aws:s3:::*'"),
        (
            allow(["states:SendTaskSuccess", "states:StartExecution"], "*"),
            "resource '*' for states:StartExecution: these actions can be scoped",
        ),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": TABLE}, "NotAction in an Allow"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": TABLE}, "NotResource"),
        (allow(["iam:PassRole"], "*"), "iam:PassRole on '*'"),
        (allow(["iam:PassRole"], "arn:aws:iam::123456789012:role/*"), "iam:PassRole on"),
        (allow(["kms:*"], "*"), "action 'kms:*' is a wildcard"),
        ({"Effect": "Permit", "Action": "s3:GetObject", "Resource": TABLE}, "Effect must be"),
    ],
)
def test_an_identity_policy_statement_is_refused(statement: dict[str, Any], complaint: str) -> None:
    found = messages(ROLE_POLICY, {"policy": policy(statement)})
    assert any(complaint in message for message in found), found


def test_the_statement_at_fault_is_named_by_its_sid() -> None:
    found = messages(ROLE_POLICY, {"policy": policy(allow(["s3:*"], Sid="Documents"))})
    assert found == [
        "policy statement 'Documents': action 's3:*' is a wildcard;"
        " list the actions this grant needs"
    ]


@pytest.mark.parametrize("document", ["{not json", '"a string"', json.dumps({"Version": "x"})])
def test_a_policy_that_does_not_parse_is_refused(document: str) -> None:
    assert len(messages("aws:iam/policy:Policy", {"policy": document})) == 1


def test_a_decoded_policy_document_is_checked_too() -> None:
    document = {"Version": "2012-10-17", "Statement": [allow(["s3:*"])]}
    assert rules("aws:iam/policy:Policy", {"policy": document}) == {"iam-least-privilege"}


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_an_allow_to_every_principal_is_refused(principal: Any) -> None:
    statement = allow(["s3:GetObject"], "arn:aws:s3:::docs/*", Principal=principal)
    found = messages(BUCKET_POLICY, {"policy": policy(statement)})
    assert found and "Principal `*` in an Allow" in found[0]


def test_a_deny_to_every_principal_is_allowed() -> None:
    refuse_plain_http = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::docs", "arn:aws:s3:::docs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    cloudtrail = allow(
        ["s3:PutObject"],
        "arn:aws:s3:::audit/AWSLogs/123456789012/*",
        Principal={"Service": "cloudtrail.amazonaws.com"},
    )
    assert messages(BUCKET_POLICY, {"policy": policy(refuse_plain_http, cloudtrail)}) == []


def test_a_key_policy_lets_the_account_root_administer_the_key_and_nobody_else() -> None:
    root = allow("kms:*", "*", Sid="Enable IAM User Permissions", Principal={"AWS": ROOT})
    decrypt = allow(["kms:Decrypt", "kms:DescribeKey"], "*", Principal={"AWS": [ROLE]})
    assert messages(KEY, {"policy": policy(root, decrypt), "enableKeyRotation": True}) == []

    role_administers = allow("kms:*", "*", Principal={"AWS": [ROOT, ROLE]})
    assert rules(KEY, {"policy": policy(role_administers), "enableKeyRotation": True}) == {
        "iam-least-privilege"
    }


def test_a_role_trust_policy_and_inline_policies_are_checked() -> None:
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    good = {
        "assumeRolePolicy": trust,
        "inlinePolicies": [{"name": "data", "policy": policy(allow(["dynamodb:GetItem"]))}],
    }
    assert messages("aws:iam/role:Role", good) == []

    anyone = policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    bad = {
        "assumeRolePolicy": anyone,
        "inlinePolicies": [{"name": "data", "policy": policy(allow("s3:*"))}],
    }
    found = messages("aws:iam/role:Role", bad)
    assert [message.split(":")[0] for message in found] == [
        "assumeRolePolicy statement 0",
        "inlinePolicies[0] data statement 0",
    ]


def test_every_unscoped_action_is_one_aws_authorises_only_on_star() -> None:
    services = {action.split(":")[0] for action in UNSCOPED_ACTIONS}
    assert services == {"states", "xray", "ec2", "logs", "ce"}
    assert not any("*" in action or action.lower() == "iam:passrole" for action in UNSCOPED_ACTIONS)
    document = policy(allow(sorted(UNSCOPED_ACTIONS), "*"))
    assert messages(ROLE_POLICY, {"policy": document}) == []


def test_budgets_are_read_on_the_accounts_budgets_not_on_star() -> None:
    # ViewBudget has a resource type (budget): unlike Cost Explorer's reads, it is scoped.
    everything = policy(allow("budgets:ViewBudget", "*"))
    assert rules(ROLE_POLICY, {"policy": everything}) == {"iam-least-privilege"}
    scoped = policy(allow("budgets:ViewBudget", "arn:aws:budgets::123456789012:budget/*"))
    assert messages(ROLE_POLICY, {"policy": scoped}) == []


# --- managed policy attachments ----------------------------------------------------------

ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        "arn:aws:iam::123456789012:policy/exec-assistant-bedrock-invoke",
    ],
)
def test_an_allowed_managed_policy_or_a_customer_policy_may_be_attached(arn: str) -> None:
    assert messages(ATTACHMENT, {"role": "r", "policyArn": arn}) == []


@pytest.mark.parametrize(
    ("arn", "complaint"),
    [
        ("arn:aws:iam::aws:policy/AdministratorAccess", "never attached"),
        ("arn:aws:iam::aws:policy/AmazonS3FullAccess", "never attached"),
        ("arn:aws:iam::aws:policy/PowerUserAccess", "never attached"),
        ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "not an allowed"),
    ],
)
def test_other_aws_managed_policies_are_refused(arn: str, complaint: str) -> None:
    found = messages(ATTACHMENT, {"role": "r", "policyArn": arn})
    assert len(found) == 1 and complaint in found[0]
    exclusive = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
    assert rules(exclusive, {"roleName": "r", "policyArns": [arn]}) == {
        "iam-managed-policy-allow-list"
    }
    assert "iam-managed-policy-allow-list" in rules(
        "aws:iam/role:Role", {"managedPolicyArns": [arn]}
    )


# --- nothing public ----------------------------------------------------------------------


def test_a_private_bucket_acl_passes_and_a_public_one_is_refused() -> None:
    acl = "aws:s3/bucketAcl:BucketAcl"
    assert messages(acl, {"bucket": "docs", "acl": "private"}) == []
    for canned in ("public-read", "public-read-write", "authenticated-read"):
        assert rules(acl, {"bucket": "docs", "acl": canned}) == {"s3-no-public-acl"}
    everyone = {
        "grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}
    }
    assert rules(acl, {"accessControlPolicy": {"grants": [everyone]}}) == {"s3-no-public-acl"}


def test_security_group_ingress_from_the_internet_is_refused() -> None:
    group = "aws:ec2/securityGroup:SecurityGroup"
    endpoint = {
        "ingress": [
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "securityGroups": ["sg-1"]}
        ],
        "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}],
    }
    assert messages(group, endpoint) == []
    internet = {
        "ingress": [
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}
        ]
    }
    assert rules(group, internet) == {"ec2-no-internet-ingress"}

    rule = "aws:ec2/securityGroupRule:SecurityGroupRule"
    assert messages(rule, {"type": "egress", "ipv6CidrBlocks": ["::/0"]}) == []
    assert rules(rule, {"type": "ingress", "ipv6CidrBlocks": ["::/0"]}) == {
        "ec2-no-internet-ingress"
    }

    ingress = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    assert messages(ingress, {"cidrIpv4": "10.0.0.0/16"}) == []
    assert rules(ingress, {"cidrIpv4": "0.0.0.0/0"}) == {"ec2-no-internet-ingress"}


def test_a_function_url_is_refused() -> None:
    url = {"functionName": "f", "authorizationType": "AWS_IAM"}
    assert rules("aws:lambda/functionUrl:FunctionUrl", url) == {"lambda-no-function-url"}


PERMISSION = "aws:lambda/permission:Permission"
API_CALLS = {
    "action": "lambda:InvokeFunction",
    "function": "exec-assistant-slack-webhook",
    "principal": "apigateway.amazonaws.com",
    "sourceArn": "arn:aws:execute-api:us-east-1:123456789012:api/*/*/slack/events",
}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"principal": "*"}, "principal '*'"),
        ({"principal": "events.amazonaws.com", "sourceArn": None}, "without sourceArn"),
        ({"principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::docs"}, "sourceAccount"),
        ({"functionUrlAuthType": "NONE"}, "auth type NONE"),
        ({"action": "lambda:*"}, "'lambda:*' is a wildcard"),
    ],
)
def test_a_lambda_permission_names_its_caller(change: dict[str, Any], complaint: str) -> None:
    assert messages(PERMISSION, API_CALLS) == []
    props = {key: value for key, value in {**API_CALLS, **change}.items() if value is not None}
    found = messages(PERMISSION, props)
    assert any(complaint in message for message in found), found


def test_only_slack_the_calendar_consent_and_the_web_page_may_be_unauthenticated() -> None:
    route = "aws:apigatewayv2/route:Route"
    assert messages(route, {"apiId": "a", "routeKey": "POST /slack/events"}) == []
    assert messages(route, {"routeKey": "GET /oauth/calendar/start"}) == []
    assert messages(route, {"routeKey": "GET /oauth/calendar/callback"}) == []
    for page in ("GET /", "GET /{proxy+}", "POST /{proxy+}", "HEAD /", "HEAD /{proxy+}"):
        assert messages(route, {"routeKey": page}) == []
    # The web page's methods only: it takes no PUT or DELETE, nor a catch-all of any method.
    assert rules(route, {"routeKey": "ANY /{proxy+}"}) == {"api-routes-authenticated"}
    assert rules(route, {"routeKey": "DELETE /{proxy+}"}) == {"api-routes-authenticated"}
    # Only the method and path that are admitted.
    assert rules(route, {"routeKey": "POST /oauth/calendar/callback"}) == {
        "api-routes-authenticated"
    }
    assert rules(route, {"routeKey": "GET /oauth/calendar/{proxy+}"}) == {
        "api-routes-authenticated"
    }
    assert messages(route, {"routeKey": "GET /api/meetings", "authorizationType": "JWT"}) == []
    assert rules(route, {"routeKey": "GET /api/meetings"}) == {"api-routes-authenticated"}
    assert rules(route, {"routeKey": "$default", "authorizationType": "NONE"}) == {
        "api-routes-authenticated"
    }


DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
SECURE_DISTRIBUTION: dict[str, Any] = {
    "defaultCacheBehavior": {
        "targetOriginId": "assets",
        "viewerProtocolPolicy": "redirect-to-https",
    },
    "orderedCacheBehaviors": [{"pathPattern": "/slack/*", "viewerProtocolPolicy": "https-only"}],
    "viewerCertificate": {
        "acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1",
        "minimumProtocolVersion": "TLSv1.2_2021",
        "sslSupportMethod": "sni-only",
    },
    "origins": [
        {"originId": "assets", "domainName": "assets.s3.amazonaws.com"},
        {
            "originId": "api",
            "customOriginConfig": {
                "originProtocolPolicy": "https-only",
                "originSslProtocols": ["TLSv1.2"],
            },
        },
    ],
}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (
            {"defaultCacheBehavior": {"viewerProtocolPolicy": "allow-all"}},
            "default cache behaviour",
        ),
        (
            {
                "orderedCacheBehaviors": [
                    {"pathPattern": "/api/*", "viewerProtocolPolicy": "allow-all"}
                ]
            },
            "cache behaviour '/api/*'",
        ),
        (
            {
                "viewerCertificate": {
                    "acmCertificateArn": "arn:c",
                    "minimumProtocolVersion": "TLSv1.2_2019",
                }
            },
            "minimum TLS policy 'TLSv1.2_2019'",
        ),
        (
            {
                "origins": [
                    {
                        "originId": "api",
                        "customOriginConfig": {
                            "originProtocolPolicy": "match-viewer",
                            "originSslProtocols": ["TLSv1.2"],
                        },
                    }
                ]
            },
            "origin 'api' is reached over HTTP",
        ),
        (
            {
                "origins": [
                    {
                        "originId": "api",
                        "customOriginConfig": {
                            "originProtocolPolicy": "https-only",
                            "originSslProtocols": ["TLSv1.1", "TLSv1.2"],
                        },
                    }
                ]
            },
            "origin 'api' accepts TLSv1.1",
        ),
    ],
)
def test_cloudfront_serves_and_fetches_only_over_current_tls(
    change: dict[str, Any], complaint: str
) -> None:
    assert messages(DISTRIBUTION, SECURE_DISTRIBUTION) == []
    found = messages(DISTRIBUTION, {**SECURE_DISTRIBUTION, **change})
    assert any(complaint in message for message in found), found


def test_cloudfront_on_its_default_certificate_needs_no_tls_policy() -> None:
    # CloudFront only accepts TLSv1 with its own *.cloudfront.net certificate.
    default = {"cloudfrontDefaultCertificate": True, "minimumProtocolVersion": "TLSv1"}
    assert messages(DISTRIBUTION, {**SECURE_DISTRIBUTION, "viewerCertificate": default}) == []


# --- encryption, retention, functions ----------------------------------------------------


@pytest.mark.parametrize(
    ("props", "complaints"),
    [
        (
            {
                "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN},
                "pointInTimeRecovery": {"enabled": True},
            },
            [],
        ),
        (
            {"serverSideEncryption": {"enabled": True}, "pointInTimeRecovery": {"enabled": True}},
            ["serverSideEncryption"],
        ),
        (
            {"serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN}},
            ["pointInTimeRecovery"],
        ),
        ({}, ["serverSideEncryption", "pointInTimeRecovery"]),
    ],
)
def test_a_table_is_encrypted_with_the_key_and_recoverable(
    props: dict[str, Any], complaints: list[str]
) -> None:
    found = messages("aws:dynamodb/table:Table", {"name": "meetings", **props})
    assert [message.split(" ")[0] for message in found] == complaints


@pytest.mark.parametrize(
    ("resource_type", "key"),
    [
        ("aws:sns/topic:Topic", "kmsMasterKeyId"),
        ("aws:sqs/queue:Queue", "kmsMasterKeyId"),
        ("aws:cloudwatch/logGroup:LogGroup", "kmsKeyId"),
        ("aws:secretsmanager/secret:Secret", "kmsKeyId"),
    ],
)
def test_topics_queues_log_groups_and_secrets_use_the_key(resource_type: str, key: str) -> None:
    base = {"name": "x", "retentionInDays": 30}
    assert "kms-encryption-at-rest" not in rules(resource_type, {**base, key: KEY_ARN})
    assert "kms-encryption-at-rest" in rules(resource_type, base)
    assert "kms-encryption-at-rest" in rules(resource_type, {**base, key: ""})


def test_a_key_rotates() -> None:
    assert messages(KEY, {"enableKeyRotation": True}) == []
    assert messages(KEY, {"enableKeyRotation": False}) == ["enableKeyRotation must be true"]
    assert messages(KEY, {}) == ["enableKeyRotation must be true"]


def test_the_trail_is_encrypted_and_validates_its_files() -> None:
    trail = "aws:cloudtrail/trail:Trail"
    assert messages(trail, {"kmsKeyId": KEY_ARN, "enableLogFileValidation": True}) == []
    found = messages(trail, {"enableLogFileValidation": False})
    assert [message.split(" ")[0] for message in found] == ["kmsKeyId", "enableLogFileValidation"]


def test_a_log_group_has_a_retention_period() -> None:
    group = "aws:cloudwatch/logGroup:LogGroup"
    assert messages(group, {"kmsKeyId": KEY_ARN, "retentionInDays": 30}) == []
    assert rules(group, {"kmsKeyId": KEY_ARN}) == {"log-group-retention"}
    assert rules(group, {"kmsKeyId": KEY_ARN, "retentionInDays": 0}) == {"log-group-retention"}


def test_a_function_is_traced_and_runs_on_arm64() -> None:
    function = "aws:lambda/function:Function"
    good = {"tracingConfig": {"mode": "Active"}, "architectures": ["arm64"]}
    assert messages(function, good) == []
    assert messages(function, {**good, "architectures": ["x86_64"]}) == [
        "architectures ['x86_64']: build and run on arm64"
    ]
    assert messages(
        function, {"architectures": ["arm64"], "tracingConfig": {"mode": "PassThrough"}}
    ) == ["tracing mode 'PassThrough': set tracingConfig mode Active (X-Ray)"]
    assert len(messages(function, {})) == 2


# --- buckets, as a stack ------------------------------------------------------------------

BUCKET = "aws:s3/bucket:Bucket"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
ALL_BLOCKED = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}


def encryption(
    bucket: str, algorithm: str, key: str | None = None
) -> tuple[str, str, dict[str, Any]]:
    default: dict[str, Any] = {"sseAlgorithm": algorithm}
    if key:
        default["kmsMasterKeyId"] = key
    rule = {"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": True}
    return (SSE, f"{bucket}-sse", {"bucket": bucket, "rules": [rule]})


def secure_buckets() -> list[tuple[str, str, dict[str, Any]]]:
    """A documents bucket and its access-logs bucket, matched by name (as AWS reports a bucket's
    id) or by the id Pulumi's mocks give (the logs bucket here)."""
    return [
        (BUCKET, "documents", {"bucket": "ea-documents", "id": "ea-documents"}),
        (BLOCK, "documents-pab", {"bucket": "ea-documents", **ALL_BLOCKED}),
        encryption("ea-documents", "aws:kms", KEY_ARN),
        (
            LOGGING,
            "documents-logging",
            {"bucket": "ea-documents", "targetBucket": "logs-id", "targetPrefix": "documents/"},
        ),
        (BUCKET, "logs", {"bucket": "ea-access-logs", "id": "logs-id"}),
        (BLOCK, "logs-pab", {"bucket": "logs-id", **ALL_BLOCKED}),
        encryption("logs-id", "AES256"),
    ]


def test_buckets_with_blocks_and_encryption_pass() -> None:
    assert check_resources(secure_buckets()) == []


def stack_messages(resources: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    return [f"{v.rule} {v.resource_name}: {v.message}" for v in check_resources(resources)]


def test_a_bucket_without_a_public_access_block_is_refused() -> None:
    resources = [r for r in secure_buckets() if r[1] != "documents-pab"]
    assert stack_messages(resources) == [
        "s3-public-access-blocked documents: has no BucketPublicAccessBlock"
    ]


def test_a_public_access_block_with_a_setting_off_is_refused() -> None:
    resources = [
        (t, n, {**p, "restrictPublicBuckets": False}) if n == "logs-pab" else (t, n, p)
        for t, n, p in secure_buckets()
    ]
    assert stack_messages(resources) == [
        "s3-public-access-blocked logs: public access block leaves restrictPublicBuckets off"
    ]


def test_a_bucket_without_encryption_or_with_sse_s3_is_refused() -> None:
    resources = [r for r in secure_buckets() if r[1] != "ea-documents-sse"]
    assert stack_messages(resources) == [
        "s3-encryption documents: has no BucketServerSideEncryptionConfiguration"
    ]
    resources.append(encryption("ea-documents", "AES256"))
    assert stack_messages(resources) == [
        "s3-encryption documents: default encryption 'AES256': use aws:kms with the KMS key"
        " (kmsMasterKeyId)"
    ]


def test_the_access_logs_bucket_must_use_sse_s3() -> None:
    resources = [r for r in secure_buckets() if r[1] != "logs-id-sse"]
    resources.append(encryption("logs-id", "aws:kms", KEY_ARN))
    found = stack_messages(resources)
    assert len(found) == 1 and found[0].startswith("s3-encryption logs: receives S3 server access")


def test_check_resources_runs_resource_and_stack_rules_in_one_call() -> None:
    resources = [
        *(r for r in secure_buckets() if r[1] != "logs-pab"),
        ("aws:kms/key:Key", "key", {"enableKeyRotation": False}),
    ]
    found = check_resources(resources)
    assert {(v.rule, v.resource_name) for v in found} == {
        ("kms-key-rotation", "key"),
        ("s3-public-access-blocked", "logs"),
    }
    assert str(found[0]) == "[kms-key-rotation] aws:kms/key:Key key: enableKeyRotation must be true"


# --- the pack ------------------------------------------------------------------------------


def test_the_pack_has_one_mandatory_policy_per_rule() -> None:
    registered = policies()
    names = list(RULE_NAMES)
    assert [p.name for p in registered] == names
    assert len(set(names)) == len(names)
    assert all(isinstance(p, ResourceValidationPolicy) for p in registered[: len(RESOURCE_RULES)])
    assert all(isinstance(p, StackValidationPolicy) for p in registered[len(RESOURCE_RULES) :])
    assert PACK_NAME == "exec-assistant-security"
    assert ENFORCEMENT.value == "mandatory"
