"""The whole program, for every stack, as an auditor of the deployment checks it: the
specification's inventory is there, nothing is public, nothing is granted beyond need, and the
security rules of the policy pack hold on every resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.aws.tables import CHAT_SESSIONS, MEETINGS, TABLES
from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.stack_settings import STACKS, settings_of_stack_file
from exec_assistant_infra.compute import MissingArtifact
from exec_assistant_policies.catalog import check_resources
from exec_assistant_policies.public_access import PUBLIC_ROUTES
from infra.iam_statements import as_list, statements

from pulumi_program import INFRA, Deployment, package_artifacts, run_stack

TASK_TOKEN_ACTIONS = {
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return package_artifacts(tmp_path_factory.mktemp("lambda"))


@pytest.fixture(scope="module", params=STACKS)
def deployment(request: pytest.FixtureRequest, artifacts: Path) -> Deployment:
    return run_stack(request.param, artifacts)


@pytest.fixture(scope="module")
def prod(artifacts: Path) -> Deployment:
    return run_stack("prod", artifacts)


def _prefix(deployment: Deployment) -> str:
    return settings_of_stack_file(INFRA / f"Pulumi.{deployment.stack}.yaml").name_prefix


def _declared(deployment: Deployment) -> list[Any]:
    """What the program creates (not what it only reads, like the DR stack's secret replicas)."""
    return [r for r in deployment if r.read_id is None]


def test_every_function_of_the_spec_is_deployed_as_listed(deployment: Deployment) -> None:
    prefix = _prefix(deployment)
    functions = {r["name"]: r for r in deployment.of_type("aws:lambda/function:Function")}
    assert set(functions) == {
        function.name.replace("exec-assistant", prefix, 1) for function in FUNCTIONS
    }
    for function in FUNCTIONS:
        declared = functions[function.name.replace("exec-assistant", prefix, 1)]
        assert declared["memorySize"] == function.memory_mb
        assert declared["timeout"] == function.timeout_seconds
        assert declared["architectures"] == ["arm64"]
        assert declared["runtime"] == "python3.11"
        assert declared["tracingConfig"] == {"mode": "Active"}
        assert declared["handler"] == function.handler


def test_the_two_tables_of_the_spec_have_their_keys_indexes_ttl_and_recovery(
    deployment: Deployment,
) -> None:
    tables = {r.name: r for r in deployment.of_type("aws:dynamodb/table:Table")}
    assert len(tables) == len(TABLES)
    prefix = _prefix(deployment)
    by_name = {r["name"]: r for r in tables.values()}
    meetings = by_name[MEETINGS.default_name.replace("exec-assistant", prefix, 1)]
    assert (meetings["hashKey"], meetings["rangeKey"]) == ("meeting_id", "calendar_id")
    assert "status-start_time-index" in {i["name"] for i in meetings["globalSecondaryIndexes"]}
    sessions = by_name[CHAT_SESSIONS.default_name.replace("exec-assistant", prefix, 1)]
    assert "user_id-created_at-index" in {i["name"] for i in sessions["globalSecondaryIndexes"]}
    assert sessions["ttl"] == {"enabled": True, "attributeName": "expires_at"}
    for table in tables.values():
        assert table["billingMode"] == "PAY_PER_REQUEST"
        assert table["pointInTimeRecovery"]["enabled"] is True
        assert table["serverSideEncryption"]["enabled"] is True
        assert table["serverSideEncryption"]["kmsKeyArn"].startswith("arn:aws:kms:")


def test_every_bucket_is_versioned_or_expiring_encrypted_and_blocked(
    deployment: Deployment,
) -> None:
    buckets = {r["bucket"] for r in deployment.of_type("aws:s3/bucket:Bucket")}
    blocks = {
        r["bucket"]: r
        for r in deployment.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    }
    encryption = {
        r["bucket"]
        for r in deployment.of_type(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        )
    }
    lifecycles = {
        r["bucket"]: r
        for r in deployment.of_type(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
        )
    }
    assert buckets == set(blocks) == encryption
    for bucket, block in blocks.items():
        assert all(
            block[setting]
            for setting in (
                "blockPublicAcls",
                "blockPublicPolicy",
                "ignorePublicAcls",
                "restrictPublicBuckets",
            )
        ), bucket
    documents = next(b for b in buckets if "-documents-" in b and "replica" not in b)
    rules = {rule["id"]: rule for rule in lifecycles[documents]["rules"]}
    assert rules["archive-old-meetings"]["transitions"][0]["days"] == 90
    assert rules["archive-old-meetings"]["noncurrentVersionTransitions"][0]["noncurrentDays"] == 30
    assert rules["delete-temp-files"]["expiration"]["days"] == 7
    sessions = next(b for b in buckets if "-sessions-" in b)
    assert any(
        (rule.get("expiration") or {}).get("days") == 30 for rule in lifecycles[sessions]["rules"]
    )
    versioned = {
        r["bucket"]
        for r in deployment.of_type("aws:s3/bucketVersioning:BucketVersioning")
        if r["versioningConfiguration"]["status"] == "Enabled"
    }
    assert documents in versioned


def test_the_key_rotates_and_is_named_as_the_spec_names_it(deployment: Deployment) -> None:
    keys = [r for r in deployment.of_type("aws:kms/key:Key")]
    assert keys and all(key["enableKeyRotation"] for key in keys)
    aliases = {r["name"] for r in deployment.of_type("aws:kms/alias:Alias")}
    assert f"alias/{_prefix(deployment)}" in aliases


def test_the_functions_reach_aws_through_the_specified_endpoints(deployment: Deployment) -> None:
    region = deployment.region
    endpoints = {r["serviceName"]: r for r in deployment.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    for gateway in ("s3", "dynamodb"):
        assert endpoints[f"com.amazonaws.{region}.{gateway}"]["vpcEndpointType"] == "Gateway"
    for name in ("bedrock-runtime", "secretsmanager", "kms", "logs", "sns", "sqs", "states"):
        endpoint = endpoints[f"com.amazonaws.{region}.{name}"]
        assert endpoint["vpcEndpointType"] == "Interface"
        assert endpoint["privateDnsEnabled"] is True
    nat = len(deployment.of_type("aws:ec2/natGateway:NatGateway"))
    assert nat == (1 if deployment.stack in ("dev", "stage") else 2)


def test_monitoring_has_the_spec_alarms_dashboard_trail_and_sampling(
    deployment: Deployment,
) -> None:
    alarms = {r["name"]: r for r in deployment.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    prefix = _prefix(deployment)
    errors = alarms[f"{prefix}-meeting-prep-errors"]
    assert (
        errors["metricName"],
        errors["threshold"],
        errors["evaluationPeriods"],
        errors["period"],
    ) == (
        "ExecutionsFailed",
        5,
        2,
        300,
    )
    assert errors["alarmActions"]
    durations = [a for a in alarms.values() if a["metricName"] == "Duration"]
    assert durations and all(a["statistic"] == "Average" for a in durations)
    assert deployment.of_type("aws:cloudwatch/dashboard:Dashboard")
    trail = deployment.one("aws:cloudtrail/trail:Trail")
    assert trail["enableLogFileValidation"] is True
    # The DR stack's trail is its region's own: production's multi-region trail (with the
    # global services' events) covers us-west-2 while us-east-1 stands.
    assert trail["includeGlobalServiceEvents"] is (deployment.stack != "dr")
    assert trail["isMultiRegionTrail"] is (deployment.stack != "dr")
    rule = deployment.one("aws:xray/samplingRule:SamplingRule")
    assert (rule["fixedRate"], rule["priority"]) == (0.1, 1000)


def test_the_rules_and_the_state_machine_are_as_specified(deployment: Deployment) -> None:
    rules = {r.name: r for r in deployment.of_type("aws:cloudwatch/eventRule:EventRule")}
    schedules = [r for r in rules.values() if r.get("scheduleExpression")]
    assert [r["scheduleExpression"] for r in schedules] == ["cron(0 */2 * * ? *)"]
    patterns = [json.loads(r["eventPattern"]) for r in rules.values() if r.get("eventPattern")]
    assert patterns == [
        {
            "source": ["exec-assistant"],
            "detail-type": ["MeetingPrepRequired"],
            "detail": {"meeting_id": [{"exists": True}]},
        }
    ]
    targets = deployment.of_type("aws:cloudwatch/eventTarget:EventTarget")
    monitor_input = [json.loads(t["input"]) for t in targets if t.get("input")]
    assert monitor_input == [{"source": "scheduled", "time_range_days": 14}]
    machine = deployment.one("aws:sfn/stateMachine:StateMachine")
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == "ClassifyMeeting"
    assert machine["type"] == "STANDARD"
    assert machine["tracingConfiguration"] == {"enabled": True}


def _iam_policies(deployment: Deployment) -> list[Any]:
    return [
        *deployment.of_type("aws:iam/rolePolicy:RolePolicy"),
        *deployment.of_type("aws:iam/policy:Policy"),
    ]


def test_no_iam_statement_grants_a_wildcard_action(deployment: Deployment) -> None:
    for policy in _iam_policies(deployment):
        for statement in statements(policy):
            for action in as_list(statement["Action"]):
                assert "*" not in action, (policy.name, action)


def test_no_iam_statement_grants_every_resource_but_the_task_token(
    deployment: Deployment,
) -> None:
    from exec_assistant_policies.documents import UNSCOPED_ACTIONS

    for policy in _iam_policies(deployment):
        for statement in statements(policy):
            if "*" not in as_list(statement["Resource"]):
                continue
            actions = set(as_list(statement["Action"]))
            # The task token (the spec's own), and the few actions AWS authorises on no
            # resource narrower than `*` (each named with its reason in the policy pack).
            assert actions <= TASK_TOKEN_ACTIONS | set(UNSCOPED_ACTIONS), (policy.name, actions)


def test_the_task_token_grant_is_only_on_functions_that_complete_a_wait(prod: Deployment) -> None:
    holders = set()
    for policy in _iam_policies(prod):
        for statement in statements(policy):
            if set(as_list(statement["Action"])) & TASK_TOKEN_ACTIONS:
                holders.add(policy.name)
    assert holders
    assert not any("calendar-monitor" in holder for holder in holders)


def test_every_log_group_keeps_its_logs_for_a_limited_time(deployment: Deployment) -> None:
    groups = deployment.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert groups
    for group in groups:
        assert 0 < group["retentionInDays"] <= 3653, group.name
        assert group.get("kmsKeyId"), group.name


def test_nothing_is_public(deployment: Deployment) -> None:
    for group in deployment.of_type("aws:ec2/securityGroup:SecurityGroup"):
        for rule in group.get("ingress") or []:
            assert "0.0.0.0/0" not in (rule.get("cidrBlocks") or []), group.name
    for permission in deployment.of_type("aws:lambda/permission:Permission"):
        assert permission["principal"] != "*"
        assert permission.get("sourceArn"), permission.name
    assert not deployment.of_type("aws:lambda/functionUrl:FunctionUrl")
    routes = {r["routeKey"]: r for r in deployment.of_type("aws:apigatewayv2/route:Route")}
    # Slack's webhook, the calendar consent's two pages and the web page's, each without an
    # authorizer and each named in the policy pack with what authenticates its callers
    # instead.
    assert sorted(routes) == [
        "GET /",
        "GET /oauth/calendar/callback",
        "GET /oauth/calendar/start",
        "GET /{proxy+}",
        "HEAD /",
        "HEAD /{proxy+}",
        "POST /slack/events",
        "POST /{proxy+}",
    ]
    assert set(routes) <= set(PUBLIC_ROUTES)


def test_the_policy_pack_finds_nothing_to_refuse(deployment: Deployment) -> None:
    violations = check_resources((r.type, r.name, r.outputs) for r in _declared(deployment))
    assert violations == []


def test_the_dr_stack_deploys_to_us_west_2() -> None:
    assert settings_of_stack_file(INFRA / "Pulumi.dr.yaml").region == "us-west-2"


def test_the_dr_stack_names_nothing_in_us_east_1(artifacts: Path) -> None:
    dr = run_stack("dr", artifacts)
    machine = dr.one("aws:sfn/stateMachine:StateMachine")
    assert ":us-west-2:" in machine["definition"]
    leaks = [r.name for r in _declared(dr) if "us-east-1" in json.dumps(r.inputs, default=str)]
    assert leaks == []


def test_production_replicates_documents_to_the_dr_region(prod: Deployment) -> None:
    replication = prod.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    (rule,) = replication["rules"]
    assert rule["status"] == "Enabled"
    assert rule["destination"]["replicationTime"]["time"]["minutes"] == 15
    secrets = prod.of_type("aws:secretsmanager/secret:Secret")
    assert all(secret["replicas"][0]["region"] == "us-west-2" for secret in secrets)


def test_a_missing_archive_stops_the_preview_with_the_command_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(MissingArtifact, match=r"make package"):
        run_stack("dev", tmp_path / "nothing-built")


def test_the_dr_functions_may_decrypt_the_secrets_replicas(artifacts: Path) -> None:
    dr = run_stack("dr", artifacts)
    replica_key = "arn:aws:kms:us-west-2:123456789012:key/replica-of-primary"
    webhook_policy = next(
        r for r in dr.of_type("aws:iam/rolePolicy:RolePolicy") if "slack-webhook" in r.name
    )
    (via_secrets,) = [
        s for s in statements(webhook_policy) if s.get("Sid") == "KeyViaSecretsmanager"
    ]
    assert via_secrets["Resource"] == [replica_key]


def test_only_the_calendar_monitor_is_given_the_calendar_feeds(artifacts: Path) -> None:
    feed = "https://calendar.example.com/private/abc123/basic.ics"
    deployment = run_stack("dev", artifacts, {"exec-assistant:calendarUrls": json.dumps([feed])})
    from pulumi.runtime.rpc import is_rpc_secret

    given = {}
    for function in deployment.of_type("aws:lambda/function:Function"):
        environment = function["environment"]
        secret = is_rpc_secret(environment)
        variables = (environment["value"] if secret else environment)["variables"]
        if "EXEC_ASSISTANT_CALENDARS" in variables:
            given[function["name"]] = (variables["EXEC_ASSISTANT_CALENDARS"], secret)
    # Kept as a secret in the state, like the credentials.
    assert given == {"exec-assistant-dev-calendar-monitor": (feed, True)}


def test_calendars_of_the_connected_account_may_be_named_beside_the_feeds(
    artifacts: Path,
) -> None:
    calendars = ["https://calendar.example.com/x.ics", "google:team@group.calendar.google.com"]
    deployment = run_stack(
        "dev",
        artifacts,
        {
            "exec-assistant:calendarUrls": json.dumps(calendars),
            "exec-assistant:calendarApiType": "google",
        },
    )
    monitor = deployment.one("aws:lambda/function:Function", "calendar-monitor")
    variables = monitor["environment"]["value"]["variables"]
    assert variables["EXEC_ASSISTANT_CALENDARS"] == ",".join(calendars)
    assert variables["CALENDAR_API_TYPE"] == "google"


@pytest.mark.parametrize(
    "value",
    [
        '["ftp://calendar.example.com/x.ics"]',
        "[]",
        '["https://a/x.ics,https://b"]',
        '["google:a,google:b"]',
        '["google:\\u001b[31m"]',
    ],
)
def test_a_bad_calendar_feed_stops_the_preview_without_echoing_it(
    artifacts: Path, value: str
) -> None:
    from exec_assistant.domain.errors import ConfigError

    with pytest.raises(ConfigError, match="exec-assistant:calendarUrls") as raised:
        run_stack("dev", artifacts, {"exec-assistant:calendarUrls": value})
    assert "calendar.example.com" not in str(raised.value)


def test_the_cost_estimate_counts_the_alarms_the_stack_declares(prod: Deployment) -> None:
    from exec_assistant.costing.estimate import COMPOSITE_ALARMS, metric_alarm_count

    settings = settings_of_stack_file(INFRA / "Pulumi.prod.yaml")
    assert len(prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")) == metric_alarm_count(
        settings
    )
    assert len(prod.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")) == COMPOSITE_ALARMS


ACCOUNT_WIDE_NAMES = {
    "aws:iam/role:Role": "name",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "name",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": "name",
}
"""Names an account holds once, whatever the region."""


def _account_wide_names(deployment: Deployment) -> set[str]:
    return {
        f"{type_} {resource.get(key)}"
        for type_, key in ACCOUNT_WIDE_NAMES.items()
        for resource in _declared(deployment)
        if resource.type == type_ and resource.get(key)
    }


def test_the_dr_stack_can_share_productions_account(prod: Deployment, artifacts: Path) -> None:
    dr = run_stack("dr", artifacts)
    assert _account_wide_names(prod) & _account_wide_names(dr) == set()


def test_every_bucket_of_the_stack_may_deliver_its_access_logs(prod: Deployment) -> None:
    import fnmatch

    logging = prod.of_type("aws:s3/bucketLogging:BucketLogging")
    policy = next(
        r for r in prod.of_type("aws:s3/bucketPolicy:BucketPolicy") if "access-logs" in r.name
    )
    (allowed,) = [s for s in statements(policy) if s["Effect"] == "Allow"]
    pattern = allowed["Condition"]["ArnLike"]["aws:SourceArn"].removeprefix("arn:aws:s3:::")
    assert logging and all(fnmatch.fnmatchcase(r["bucket"], pattern) for r in logging)


ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


def test_a_secret_is_rotated_only_once_the_stack_gives_its_value(artifacts: Path) -> None:
    # Setting up a rotation runs it at once: a secret with no value yet would fail the deploy.
    assert run_stack("prod", artifacts).of_type(ROTATION) == []
    credentials = {
        "token": "ya29.old",
        "refresh_token": "1//refresh",
        "token_uri": "https://oauth2.googleapis.com/token",
        "client_id": "client.apps.googleusercontent.com",
        "client_secret": "client-secret",
    }
    given = run_stack(
        "prod", artifacts, {"exec-assistant:calendarCredentials": json.dumps(credentials)}
    )
    (rotation,) = given.of_type(ROTATION)
    assert rotation["rotationRules"] == {"automaticallyAfterDays": 90}


def test_the_dr_stack_rotates_nothing_its_secrets_are_productions_replicas(
    artifacts: Path,
) -> None:
    assert run_stack("dr", artifacts).of_type(ROTATION) == []


def test_a_mistyped_key_stops_the_preview_instead_of_deploying_the_default(
    artifacts: Path,
) -> None:
    from exec_assistant.domain.errors import ConfigError

    with pytest.raises(ConfigError, match="exec-assistant:natGateway:"):
        run_stack("prod", artifacts, {"exec-assistant:natGateway": "1"})
