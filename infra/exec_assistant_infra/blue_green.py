"""Blue/green for every function: CodeDeploy moves each function's `live` alias to the version
`pulumi up` published, a tenth of the traffic first (or a tenth more every minute, or all at
once: `deploymentConfig`), and moves it back by itself when the function's errors alarm or the
workflow-failures alarm goes off during the shift.

`pulumi up` publishes a version and leaves the alias where it is (Compute declares the alias
with `ignore_changes` on its version and routing); `tools/shift_traffic.py` then starts one
deployment per changed function. Each function has its own deployment group, named as the
function: a group runs one deployment at a time, and a group's alarms are the only ones that
roll its function back, so one function's errors never undo another's release.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_aws as aws

from exec_assistant.blue_green_names import (
    LIVE_ALIAS,
    codedeploy_application_name,
    deployment_group_name,
)
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant.stack_settings import DeploymentConfig
from exec_assistant_infra.policy_documents import allow, assume_role, document
from exec_assistant_infra.stack import StackContext

DEPLOYMENT_CONFIGS: Mapping[DeploymentConfig, str] = {
    "canary": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "linear": "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "all-at-once": "CodeDeployDefault.LambdaAllAtOnce",
}
"""CodeDeploy's predefined Lambda configurations, by the stack's `deploymentConfig`."""
ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM")
ERRORS_PERIOD_SECONDS = 60


class FunctionsWithLiveAliases(Protocol):
    """What blue/green needs of Compute: every function by key, and its `live` alias."""

    @property
    def functions(self) -> Mapping[str, aws.lambda_.Function]: ...

    @property
    def aliases(self) -> Mapping[str, aws.lambda_.Alias]: ...


class AlarmsAndTopic(Protocol):
    """What blue/green needs of Monitoring."""

    @property
    def alarm_topic(self) -> aws.sns.Topic: ...

    @property
    def workflow_failures_alarm(self) -> aws.cloudwatch.MetricAlarm: ...


@dataclass(frozen=True)
class BlueGreenArgs:
    stack: StackContext
    compute: FunctionsWithLiveAliases
    monitoring: AlarmsAndTopic


class BlueGreen(pulumi.ComponentResource):
    """The CodeDeploy application, its service role, and per function an errors alarm on the
    `live` alias and a deployment group that rolls back on it."""

    application: aws.codedeploy.Application
    service_role: aws.iam.Role
    error_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    deployment_groups: dict[str, aws.codedeploy.DeploymentGroup]

    def __init__(
        self, name: str, args: BlueGreenArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("exec-assistant:blue-green:BlueGreen", name, None, opts)
        stack = args.stack
        settings = stack.settings
        child = pulumi.ResourceOptions(parent=self)
        keys = sorted(args.compute.functions)

        self.application = aws.codedeploy.Application(
            f"{name}-application",
            name=codedeploy_application_name(settings),
            compute_platform="Lambda",
            tags=stack.tags(),
            opts=child,
        )
        self.error_alarms = {
            key: self._errors_alarm(name, stack, key, args.monitoring.alarm_topic, child)
            for key in keys
        }
        self.service_role = aws.iam.Role(
            f"{name}-codedeploy-role",
            name=stack.global_name("codedeploy"),
            description="CodeDeploy shifts the functions' live aliases and watches their alarms",
            assume_role_policy=assume_role(
                "codedeploy.amazonaws.com",
                condition={"StringEquals": {"aws:SourceAccount": stack.account_id}},
            ),
            tags=stack.tags(),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-codedeploy-policy",
            role=self.service_role.id,
            policy=self._service_policy(stack, keys, args.monitoring.workflow_failures_alarm),
            opts=child,
        )
        config_name = DEPLOYMENT_CONFIGS[settings.deployment_config]
        self.deployment_groups = {}
        for key in keys:
            alarm_names = [
                self.error_alarms[key].name,
                args.monitoring.workflow_failures_alarm.name,
            ]
            self.deployment_groups[key] = aws.codedeploy.DeploymentGroup(
                f"{name}-{key}",
                app_name=self.application.name,
                deployment_group_name=deployment_group_name(settings, BY_KEY[key]),
                service_role_arn=self.service_role.arn,
                deployment_config_name=config_name,
                deployment_style={
                    "deployment_option": "WITH_TRAFFIC_CONTROL",
                    "deployment_type": "BLUE_GREEN",
                },
                auto_rollback_configuration={"enabled": True, "events": list(ROLLBACK_EVENTS)},
                alarm_configuration={"enabled": True, "alarms": alarm_names},
                tags=stack.tags(),
                # The role's policy first: a deployment started before it is attached would
                # fail on its first GetAlias.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
            )
        self.register_outputs(
            {
                "application": self.application.name,
                "deployment_groups": {
                    key: group.deployment_group_name
                    for key, group in self.deployment_groups.items()
                },
            }
        )

    @staticmethod
    def _errors_alarm(
        name: str,
        stack: StackContext,
        key: str,
        topic: aws.sns.Topic,
        opts: pulumi.ResourceOptions,
    ) -> aws.cloudwatch.MetricAlarm:
        function = stack.function_name(key)
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{key}-errors",
            name=errors_alarm_name(stack, key),
            alarm_description=(
                f"{function} failed through its {LIVE_ALIAS} alias; during a deployment "
                "CodeDeploy rolls the alias back"
            ),
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions={"FunctionName": function, "Resource": f"{function}:{LIVE_ALIAS}"},
            statistic="Sum",
            period=ERRORS_PERIOD_SECONDS,
            evaluation_periods=1,
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            # A function nobody invoked has no datapoints: that is not a failure.
            treat_missing_data="notBreaching",
            alarm_actions=[topic.arn],
            tags=stack.tags(),
            opts=opts,
        )

    def _service_policy(
        self,
        stack: StackContext,
        keys: list[str],
        workflow_failures_alarm: aws.cloudwatch.MetricAlarm,
    ) -> pulumi.Output[str]:
        # What the managed AWSCodeDeployRoleForLambda grants on "*", narrowed to these
        # functions and alarms. No S3 (the AppSpec is sent inline), no lambda:InvokeFunction
        # (no lifecycle hooks: the pipeline's smoke test runs after the shift), no sns:Publish
        # (no deployment triggers: the alarms already notify the topic).
        functions = [stack.function_arn(key, alias=None) for key in keys]
        aliases = [stack.function_arn(key) for key in keys]
        alarms: list[pulumi.Input[str]] = [
            _alarm_arn(stack, errors_alarm_name(stack, key)) for key in keys
        ]
        alarms.append(workflow_failures_alarm.name.apply(lambda alarm: _alarm_arn(stack, alarm)))
        return document(
            allow(
                ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
                [*functions, *aliases],
                sid="ShiftLiveAliases",
            ),
            allow(["cloudwatch:DescribeAlarms"], alarms, sid="ReadRollbackAlarms"),
        )


def errors_alarm_name(stack: StackContext, key: str) -> str:
    """`exec-assistant-calendar-monitor-live-errors`: the function's errors through `live`."""
    return f"{stack.function_name(key)}-{LIVE_ALIAS}-errors"


def _alarm_arn(stack: StackContext, alarm_name: str) -> str:
    return stack.arn("cloudwatch", f"alarm:{alarm_name}")
