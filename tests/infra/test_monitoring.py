"""Monitoring as an auditor reads it: what raises an alarm and whom it tells, what the
dashboard shows, what X-Ray samples, and what the trail records."""

from __future__ import annotations

import json
from typing import Any

import pytest

from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.stack_settings import settings_of_stack_file
from exec_assistant_infra.monitoring import duration_threshold_ms
from infra.iam_statements import statements
from infra.stand_ins import declare_edge_monitoring_recovery

from pulumi_program import ACCOUNT_ID, INFRA, Deployment

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
TRAIL = "aws:cloudtrail/trail:Trail"
STATE_MACHINE_ARN = (
    f"arn:aws:states:us-east-1:{ACCOUNT_ID}:stateMachine:exec-assistant-meeting-prep"
)
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/key-key"


@pytest.fixture(scope="module")
def prod() -> Deployment:
    return declare_edge_monitoring_recovery("prod", {"alarmEmail": "ops@example.com"}).deployment


@pytest.fixture(scope="module")
def dr() -> Deployment:
    return declare_edge_monitoring_recovery("dr").deployment


def topic_arn(deployment: Deployment) -> str:
    return str(deployment.one(TOPIC).outputs["arn"])


def test_alarms_go_to_an_encrypted_topic_cloudwatch_may_publish_to(prod: Deployment) -> None:
    topic = prod.one(TOPIC)
    assert topic["kmsMasterKeyId"] == KEY_ARN
    [statement] = statements(prod.one("aws:sns/topicPolicy:TopicPolicy"))
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == ["sns:Publish"]
    assert statement["Resource"] == [topic.outputs["arn"]]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}


def test_the_alarm_email_is_subscribed_only_when_set(prod: Deployment, dr: Deployment) -> None:
    subscription = prod.one("aws:sns/topicSubscription:TopicSubscription")
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "ops@example.com")
    assert subscription["topic"] == topic_arn(prod)
    assert dr.of_type("aws:sns/topicSubscription:TopicSubscription") == []


def test_more_than_five_failed_preps_in_ten_minutes_raise_the_workflow_alarm(
    prod: Deployment,
) -> None:
    alarm = prod.one(ALARM, "workflow-failures")
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == (
        "AWS/StepFunctions",
        "ExecutionsFailed",
        "Sum",
    )
    assert alarm["dimensions"] == {"StateMachineArn": STATE_MACHINE_ARN}
    assert (alarm["period"], alarm["evaluationPeriods"]) == (300, 2)
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 5)
    assert alarm["alarmActions"] == [topic_arn(prod)]


def test_each_function_has_a_duration_alarm_and_any_of_them_raises_the_lambda_alarm(
    prod: Deployment,
) -> None:
    composite = prod.one("aws:cloudwatch/compositeAlarm:CompositeAlarm")
    assert composite["alarmActions"] == [topic_arn(prod)]
    rule = composite["alarmRule"]
    for function in FUNCTIONS:
        alarm = prod.one(ALARM, f"duration-{function.key}")
        assert alarm["dimensions"] == {"FunctionName": function.name}
        assert (alarm["metricName"], alarm["statistic"]) == ("Duration", "Average")
        assert (alarm["period"], alarm["evaluationPeriods"]) == (60, 3)
        assert alarm["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm["threshold"] == duration_threshold_ms(function.timeout_seconds)
        assert f'ALARM("{alarm["name"]}")' in rule
        assert not alarm.get("alarmActions"), "the composite alarm is the one that notifies"
    assert rule.count("ALARM(") == len(FUNCTIONS)


def test_the_duration_threshold_is_10_s_except_for_the_functions_that_run_for_minutes() -> None:
    webhook = next(f for f in FUNCTIONS if f.key == "slack_webhook")
    agent = next(f for f in FUNCTIONS if f.key == "meeting_prep_agent")
    assert duration_threshold_ms(webhook.timeout_seconds) == 10_000
    assert duration_threshold_ms(agent.timeout_seconds) == 480_000


def test_a_message_in_the_dead_letter_queue_or_an_api_5xx_raises_an_alarm(
    prod: Deployment,
) -> None:
    dead_letters = prod.one(ALARM, "dead-letters")
    assert dead_letters["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert dead_letters["dimensions"] == {"QueueName": "exec-assistant-dead-letters"}
    assert (dead_letters["comparisonOperator"], dead_letters["threshold"]) == (
        "GreaterThanThreshold",
        0,
    )
    api_errors = prod.one(ALARM, "api-5xx")
    api = prod.one("aws:apigatewayv2/api:Api")
    assert api_errors["dimensions"] == {"ApiId": api.outputs["id"], "Stage": "$default"}
    assert api_errors["metricName"] == "5xx"
    for alarm in (dead_letters, api_errors):
        assert alarm["alarmActions"] == [topic_arn(prod)]


def dashboard_widgets(deployment: Deployment) -> dict[str, dict[str, Any]]:
    body = json.loads(deployment.one("aws:cloudwatch/dashboard:Dashboard")["dashboardBody"])
    return {widget["properties"]["title"]: widget["properties"] for widget in body["widgets"]}


def metric_rows(properties: dict[str, Any]) -> list[list[Any]]:
    return [row for row in properties["metrics"] if isinstance(row[0], str)]


def test_the_dashboard_shows_prep_success_invocations_and_tokens_in_the_stacks_region(
    prod: Deployment,
    dr: Deployment,
) -> None:
    widgets = dashboard_widgets(prod)
    assert {w["region"] for w in widgets.values()} == {"us-east-1"}
    assert {w["region"] for w in dashboard_widgets(dr).values()} == {"us-west-2"}
    success = widgets["Meeting Prep Success Rate"]
    assert {(row[1], row[3]) for row in metric_rows(success)} == {
        ("ExecutionsSucceeded", STATE_MACHINE_ARN),
        ("ExecutionsFailed", STATE_MACHINE_ARN),
    }
    invoked = {row[3] for row in metric_rows(widgets["Lambda Invocations"])}
    assert {function.name for function in FUNCTIONS} <= invoked
    errors = {row[3] for row in metric_rows(widgets["Lambda Errors"])}
    assert {function.name for function in FUNCTIONS} <= errors
    tokens = {(row[1], row[3]) for row in metric_rows(widgets["Bedrock Token Usage"])}
    prod_settings = settings_of_stack_file(INFRA / "Pulumi.prod.yaml")
    models = {prod_settings.model_id, prod_settings.agent_context_model_id}
    assert tokens == {
        (metric, model) for metric in ("InputTokens", "OutputTokens") for model in models
    }
    [depth] = metric_rows(widgets["Dead-letter Queue Depth"])
    assert depth[3] == "exec-assistant-dead-letters"


def test_prod_and_dr_dashboards_have_different_names(prod: Deployment, dr: Deployment) -> None:
    names = {d.one("aws:cloudwatch/dashboard:Dashboard")["dashboardName"] for d in (prod, dr)}
    assert len(names) == 2


def test_x_ray_samples_the_specifications_10_percent(prod: Deployment) -> None:
    rule = prod.one("aws:xray/samplingRule:SamplingRule")
    assert rule["fixedRate"] == 0.1
    assert (rule["reservoirSize"], rule["priority"], rule["version"]) == (1, 1000, 1)
    assert rule["serviceName"] == "exec-assistant-*"
    assert len(rule["ruleName"]) <= 32


def selectors(trail: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for selector in trail["advancedEventSelectors"]:
        fields = {f["field"]: f for f in selector["fieldSelectors"]}
        kind = fields.get("resources.type", {}).get("equals", ["Management"])[0]
        found[kind] = fields
    return found


def test_the_trail_is_multi_region_validated_encrypted_into_the_audit_bucket(
    prod: Deployment,
) -> None:
    trail = prod.one(TRAIL)
    assert trail["name"] == "exec-assistant-audit"
    assert trail["isMultiRegionTrail"] is True
    assert trail["includeGlobalServiceEvents"] is True
    assert trail["enableLogFileValidation"] is True
    assert trail["kmsKeyId"] == KEY_ARN
    assert trail["s3BucketName"] == prod.one("aws:s3/bucket:Bucket", "audit").outputs["id"]


def test_the_trail_records_every_table_and_the_documents_and_sessions_objects(
    prod: Deployment,
) -> None:
    found = selectors(prod.one(TRAIL))
    assert found["Management"]["eventCategory"]["equals"] == ["Management"]
    tables = sorted(t.outputs["arn"] for t in prod.of_type("aws:dynamodb/table:Table"))
    assert len(tables) == 5
    assert sorted(found["AWS::DynamoDB::Table"]["resources.ARN"]["equals"]) == tables
    buckets = {b.name: b.outputs["arn"] for b in prod.of_type("aws:s3/bucket:Bucket")}
    objects = found["AWS::S3::Object"]["resources.ARN"]["startsWiths"]
    assert sorted(objects) == sorted(f"{buckets[name]}/" for name in ("documents", "sessions"))
    for kind in ("AWS::DynamoDB::Table", "AWS::S3::Object"):
        assert found[kind]["eventCategory"]["equals"] == ["Data"]


def test_the_dr_stacks_trail_records_its_own_region_only(dr: Deployment) -> None:
    trail = dr.one(TRAIL)
    assert trail["isMultiRegionTrail"] is False
    assert trail["includeGlobalServiceEvents"] is False
    assert trail["enableLogFileValidation"] is True
    tables = selectors(trail)["AWS::DynamoDB::Table"]["resources.ARN"]["equals"]
    assert all(arn.startswith("arn:aws:dynamodb:us-west-2:") for arn in tables)
