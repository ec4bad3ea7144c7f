"""Blue/green under Pulumi's mocks: what an auditor of the deployment checks of CodeDeploy —
every function shifts through its own group with the stack's traffic pattern, rolls back on
its errors alarm and on the workflow's, and the service role can touch nothing else."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.stack_settings import PROJECT, StackSettings, settings_of_stack_file
from exec_assistant_infra.blue_green import BlueGreen, BlueGreenArgs
from exec_assistant_infra.stack import LIVE_ALIAS, StackContext

from pulumi_program import ACCOUNT_ID, INFRA, Deployment, RecordingMocks

GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
WORKFLOW_ALARM = "exec-assistant-workflow-failures"


class StandInCompute:
    """Compute's functions and `live` aliases, as Compute declares them."""

    def __init__(self, stack: StackContext) -> None:
        self.functions: dict[str, aws.lambda_.Function] = {}
        self.aliases: dict[str, aws.lambda_.Alias] = {}
        for function in FUNCTIONS:
            declared = aws.lambda_.Function(
                function.key,
                name=stack.function_name(function.key),
                role=f"arn:aws:iam::{ACCOUNT_ID}:role/functions",
                runtime="python3.11",
                handler=function.handler,
                publish=True,
            )
            self.functions[function.key] = declared
            self.aliases[function.key] = aws.lambda_.Alias(
                f"{function.key}-live",
                name=LIVE_ALIAS,
                function_name=declared.name,
                function_version=declared.version,
                opts=pulumi.ResourceOptions(ignore_changes=["functionVersion", "routingConfig"]),
            )


class StandInMonitoring:
    def __init__(self) -> None:
        self.alarm_topic = aws.sns.Topic("alarms", name="exec-assistant-alarms")
        self.workflow_failures_alarm = aws.cloudwatch.MetricAlarm(
            "workflow-failures",
            name=WORKFLOW_ALARM,
            namespace="AWS/States",
            metric_name="ExecutionsFailed",
            statistic="Sum",
            period=300,
            evaluation_periods=2,
            threshold=5,
            comparison_operator="GreaterThanThreshold",
        )


def declare(settings: StackSettings) -> Deployment:
    deployment = Deployment(settings.environment, settings.region)
    pulumi.runtime.set_mocks(
        RecordingMocks(deployment), project=PROJECT, stack=settings.environment, preview=False
    )
    stack = StackContext(settings, ACCOUNT_ID)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        BlueGreen("blue-green", BlueGreenArgs(stack, StandInCompute(stack), StandInMonitoring()))

    program()
    return deployment


def stack_settings(name: str, **changes: Any) -> StackSettings:
    return settings_of_stack_file(INFRA / f"Pulumi.{name}.yaml").model_copy(update=changes)


@pytest.fixture(scope="module")
def prod() -> Deployment:
    return declare(stack_settings("prod"))


def group_of(deployment: Deployment, function_name: str) -> dict[str, Any]:
    [group] = [g for g in deployment.of_type(GROUP) if g["deploymentGroupName"] == function_name]
    return group.inputs


def test_every_function_shifts_through_its_own_group_and_rolls_back_on_alarm(
    prod: Deployment,
) -> None:
    [application] = prod.of_type("aws:codedeploy/application:Application")
    assert application["computePlatform"] == "Lambda"
    assert application["name"] == "exec-assistant-functions"
    assert len(prod.of_type(GROUP)) == len(FUNCTIONS)
    for function in FUNCTIONS:
        group = group_of(prod, function.name)
        assert group["appName"] == "exec-assistant-functions"
        assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        assert group["deploymentStyle"] == {
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
            "deploymentType": "BLUE_GREEN",
        }
        assert group["autoRollbackConfiguration"] == {
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        }
        assert group["alarmConfiguration"]["enabled"] is True
        assert group["alarmConfiguration"]["alarms"] == [
            f"{function.name}-live-errors",
            WORKFLOW_ALARM,
        ]
        assert (
            group["serviceRoleArn"]
            == f"arn:aws:iam::{ACCOUNT_ID}:role/exec-assistant-codedeploy-us-east-1"
        )


def test_each_errors_alarm_watches_the_live_alias_and_notifies_the_alarm_topic(
    prod: Deployment,
) -> None:
    alarms = {a["name"]: a for a in prod.of_type(ALARM) if a["name"] != WORKFLOW_ALARM}
    assert len(alarms) == len(FUNCTIONS)
    topic = prod.one("aws:sns/topic:Topic").outputs["arn"]
    for function in FUNCTIONS:
        alarm = alarms[f"{function.name}-live-errors"]
        assert alarm["namespace"] == "AWS/Lambda" and alarm["metricName"] == "Errors"
        assert alarm["dimensions"] == {
            "FunctionName": function.name,
            "Resource": f"{function.name}:live",
        }
        assert alarm["comparisonOperator"] == "GreaterThanThreshold" and alarm["threshold"] == 0
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["alarmActions"] == [topic]


@pytest.mark.parametrize(
    ("config", "codedeploy_config"),
    [
        ("canary", "CodeDeployDefault.LambdaCanary10Percent5Minutes"),
        ("linear", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"),
        ("all-at-once", "CodeDeployDefault.LambdaAllAtOnce"),
    ],
)
def test_the_stack_setting_chooses_how_traffic_moves(config: str, codedeploy_config: str) -> None:
    deployment = declare(stack_settings("stage", deployment_config=config))
    configs = {group["deploymentConfigName"] for group in deployment.of_type(GROUP)}
    assert configs == {codedeploy_config}


def test_dev_names_its_application_and_groups_with_its_prefix() -> None:
    deployment = declare(stack_settings("dev"))
    names = {group["deploymentGroupName"] for group in deployment.of_type(GROUP)}
    assert names == {f"exec-assistant-dev-{f.key.replace('_', '-')}" for f in FUNCTIONS}
    configs = {group["deploymentConfigName"] for group in deployment.of_type(GROUP)}
    assert configs == {"CodeDeployDefault.LambdaAllAtOnce"}


def test_the_codedeploy_role_reaches_only_these_aliases_and_alarms(prod: Deployment) -> None:
    role = prod.one("aws:iam/role:Role")
    trust = json.loads(role["assumeRolePolicy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "codedeploy.amazonaws.com"}]
    assert trust[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}
    assert prod.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    statements = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy")["policy"])["Statement"]
    lambda_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:"
    alarm_arn = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT_ID}:alarm:"
    granted: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            assert "*" not in action
            granted.setdefault(action, set()).update(statement["Resource"])
    assert set(granted) == {
        "lambda:GetAlias",
        "lambda:UpdateAlias",
        "lambda:GetProvisionedConcurrencyConfig",
        "cloudwatch:DescribeAlarms",
    }
    names = [f.name for f in FUNCTIONS]
    assert granted["lambda:UpdateAlias"] == {
        *(lambda_arn + name for name in names),
        *(f"{lambda_arn}{name}:live" for name in names),
    }
    assert granted["cloudwatch:DescribeAlarms"] == {
        *(f"{alarm_arn}{name}-live-errors" for name in names),
        alarm_arn + WORKFLOW_ALARM,
    }
