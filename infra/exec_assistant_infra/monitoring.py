"""What an operator watches and an auditor reads: the alarms and their topic, the dashboard,
X-Ray's sampling rule, and the CloudTrail trail.

The Lambda duration alarm: the specification's "average duration > 10 s over 3 minutes" has no
dimension, which averages every function of the account, this stack's and any other's, so a
slow webhook hides among quick ones. Here each function has its own duration alarm and
`duration_alarm` is a composite that is in alarm when any of them is. The threshold is the
specification's 10 s for every function whose work is one request; the three whose normal run
is minutes (the prep agent writing a pack, the notes reader, the calendar poll) alarm at 80% of
their timeout instead, where the next slowdown is a failure.

The trail in the dr stack: a single-region trail of its own region. The primary stack's trail
is multi-region and records the dr region's management events already, but it delivers them
to the primary region's audit bucket, which a regional outage makes unreachable, and its data
events name the primary stack's tables and buckets only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant_infra.component_inputs import (
    ComputeInput,
    EdgeInput,
    KeysInput,
    OrchestrationInput,
    StorageInput,
    resources_among,
)
from exec_assistant_infra.policy_documents import document, service_principal_allow
from exec_assistant_infra.stack import StackContext

WORKFLOW_FAILURES_THRESHOLD = 5
WORKFLOW_FAILURES_PERIOD_SECONDS = 300
WORKFLOW_FAILURES_PERIODS = 2
DURATION_THRESHOLD_MS = 10_000
DURATION_PERIOD_SECONDS = 60
DURATION_PERIODS = 3
LONG_RUNNING_SHARE_OF_TIMEOUT = 0.8
LONG_RUNNING_TIMEOUT_SECONDS = 300
"""A function allowed this long or longer is expected to take more than 10 s."""
SAMPLING_RULE_NAME_LIMIT = 32
DASHBOARD_PERIOD_SECONDS = 300
TOKENS_PERIOD_SECONDS = 3600


@dataclass(frozen=True)
class MonitoringArgs:
    stack: StackContext
    keys: KeysInput
    storage: StorageInput
    compute: ComputeInput
    orchestration: OrchestrationInput
    edge: EdgeInput


@dataclass(frozen=True)
class AlarmSpec:
    """An alarm when the metric is above `threshold` for `periods` periods in a row (no data
    is no alarm: a function that is not called is not slow)."""

    name: str
    description: str
    namespace: str
    metric: str
    dimensions: Mapping[str, pulumi.Input[str]]
    statistic: str
    period: int = DASHBOARD_PERIOD_SECONDS
    periods: int = 1
    threshold: float = 0


def duration_threshold_ms(timeout_seconds: int) -> int:
    """10 s for a function of one request; 80% of the timeout for one whose normal run is
    minutes (a 600 s prep agent alarms at 480 s)."""
    if timeout_seconds >= LONG_RUNNING_TIMEOUT_SECONDS:
        return int(timeout_seconds * 1000 * LONG_RUNNING_SHARE_OF_TIMEOUT)
    return DURATION_THRESHOLD_MS


class Monitoring(pulumi.ComponentResource):
    alarm_topic: aws.sns.Topic
    workflow_failures_alarm: aws.cloudwatch.MetricAlarm
    duration_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    duration_alarm: aws.cloudwatch.CompositeAlarm
    dead_letter_alarm: aws.cloudwatch.MetricAlarm
    api_errors_alarm: aws.cloudwatch.MetricAlarm
    dashboard: aws.cloudwatch.Dashboard
    sampling_rule: aws.xray.SamplingRule
    trail: aws.cloudtrail.Trail

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("exec-assistant:monitoring:Monitoring", name, None, opts)
        stack = args.stack
        self._child = pulumi.ResourceOptions(parent=self)
        self.alarm_topic = self._topic(stack, args.keys)
        actions = [self.alarm_topic.arn]

        self.workflow_failures_alarm = self._alarm(
            "workflow-failures",
            stack,
            AlarmSpec(
                name="meeting-prep-errors",
                description="Meeting prep workflow failed more than 5 times in 10 minutes",
                namespace="AWS/StepFunctions",
                metric="ExecutionsFailed",
                dimensions={"StateMachineArn": args.orchestration.state_machine.arn},
                statistic="Sum",
                period=WORKFLOW_FAILURES_PERIOD_SECONDS,
                periods=WORKFLOW_FAILURES_PERIODS,
                threshold=WORKFLOW_FAILURES_THRESHOLD,
            ),
            actions,
        )
        self.duration_alarms = {
            function.key: self._alarm(
                f"duration-{function.key}",
                stack,
                AlarmSpec(
                    name=f"duration-{function.key.replace('_', '-')}",
                    description=(
                        f"{function.key}: average duration over "
                        f"{duration_threshold_ms(function.timeout_seconds) // 1000} s for 3 "
                        "minutes (part of the Lambda duration alarm)"
                    ),
                    namespace="AWS/Lambda",
                    metric="Duration",
                    dimensions={"FunctionName": args.compute.functions[function.key].name},
                    statistic="Average",
                    period=DURATION_PERIOD_SECONDS,
                    periods=DURATION_PERIODS,
                    threshold=duration_threshold_ms(function.timeout_seconds),
                ),
                # The composite alarm below is the one that notifies.
                actions=None,
            )
            for function in FUNCTIONS
            if function.key in args.compute.functions
        }
        self.duration_alarm = aws.cloudwatch.CompositeAlarm(
            "lambda-duration",
            alarm_name=stack.name("lambda-duration"),
            alarm_description="A function's average duration is over its limit (10 s for most)",
            alarm_rule=pulumi.Output.all(
                *(alarm.name for alarm in self.duration_alarms.values())
            ).apply(lambda names: " OR ".join(f'ALARM("{name}")' for name in names)),
            alarm_actions=actions,
            ok_actions=actions,
            tags=stack.tags(),
            opts=self._child,
        )
        self.dead_letter_alarm = self._alarm(
            "dead-letters",
            stack,
            AlarmSpec(
                name="dead-letters",
                description="An asynchronous invocation failed after its retries (see the DLQ)",
                namespace="AWS/SQS",
                metric="ApproximateNumberOfMessagesVisible",
                dimensions={"QueueName": args.compute.dead_letter_queue.name},
                statistic="Maximum",
            ),
            actions,
        )
        self.api_errors_alarm = self._alarm(
            "api-5xx",
            stack,
            AlarmSpec(
                name="api-5xx",
                description="The API answered Slack with a server error",
                namespace="AWS/ApiGateway",
                metric="5xx",
                dimensions={"ApiId": args.edge.api.id, "Stage": "$default"},
                statistic="Sum",
            ),
            actions,
        )
        self.dashboard = aws.cloudwatch.Dashboard(
            "dashboard",
            # Dashboards are global to the account: the region keeps the dr stack's apart.
            dashboard_name=stack.name(stack.region),
            dashboard_body=pulumi.Output.json_dumps(_dashboard_body(stack, args)),
            opts=self._child,
        )
        self.sampling_rule = aws.xray.SamplingRule(
            "sampling",
            rule_name=stack.name("sampling")[:SAMPLING_RULE_NAME_LIMIT],
            priority=1000,
            version=1,
            reservoir_size=1,
            fixed_rate=0.1,
            url_path="*",
            host="*",
            http_method="*",
            service_type="*",
            service_name=f"{stack.settings.name_prefix}-*",
            resource_arn="*",
            tags=stack.tags(),
            opts=self._child,
        )
        self.trail = self._trail(stack, args)
        self.register_outputs(
            {
                "alarm_topic_arn": self.alarm_topic.arn,
                "dashboard_name": self.dashboard.dashboard_name,
                "trail_arn": self.trail.arn,
            }
        )

    def _alarm(
        self,
        logical_name: str,
        stack: StackContext,
        spec: AlarmSpec,
        actions: list[pulumi.Output[str]] | None,
    ) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            logical_name,
            name=stack.name(spec.name),
            alarm_description=spec.description,
            namespace=spec.namespace,
            metric_name=spec.metric,
            dimensions=dict(spec.dimensions),
            statistic=spec.statistic,
            period=spec.period,
            evaluation_periods=spec.periods,
            comparison_operator="GreaterThanThreshold",
            threshold=spec.threshold,
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            ok_actions=actions,
            tags=stack.tags(),
            opts=self._child,
        )

    def _topic(self, stack: StackContext, keys: KeysInput) -> aws.sns.Topic:
        topic = aws.sns.Topic(
            "alarms",
            name=stack.name("alarms"),
            kms_master_key_id=keys.key.arn,
            tags=stack.tags(),
            opts=self._child,
        )
        aws.sns.TopicPolicy(
            "alarms-policy",
            arn=topic.arn,
            policy=document(
                service_principal_allow(
                    "cloudwatch.amazonaws.com",
                    ["sns:Publish"],
                    [topic.arn],
                    sid="CloudWatchAlarmsPublish",
                    condition={
                        "StringEquals": {"aws:SourceAccount": stack.account_id},
                        "ArnLike": {"aws:SourceArn": stack.arn("cloudwatch", "alarm:*")},
                    },
                )
            ),
            opts=self._child,
        )
        if stack.settings.alarm_email:
            aws.sns.TopicSubscription(
                "alarms-email",
                topic=topic.arn,
                protocol="email",
                endpoint=stack.settings.alarm_email,
                opts=self._child,
            )
        return topic

    def _trail(self, stack: StackContext, args: MonitoringArgs) -> aws.cloudtrail.Trail:
        primary = stack.settings.environment != "dr"
        storage = args.storage
        tables = [table.arn for table in storage.tables.values()]
        objects = [
            bucket.arn.apply(lambda arn: f"{arn}/")
            for bucket in (storage.documents_bucket, storage.sessions_bucket)
        ]
        selectors = [
            _selector("Management events", [("eventCategory", ["Management"])]),
            _selector(
                "Every table's items",
                [
                    ("eventCategory", ["Data"]),
                    ("resources.type", ["AWS::DynamoDB::Table"]),
                    ("resources.ARN", tables),
                ],
            ),
            _selector(
                "Documents' and sessions' objects",
                [
                    ("eventCategory", ["Data"]),
                    ("resources.type", ["AWS::S3::Object"]),
                    ("resources.ARN", objects, "starts_withs"),
                ],
            ),
        ]
        return aws.cloudtrail.Trail(
            "trail",
            name=stack.trail_name,
            s3_bucket_name=storage.audit_bucket.id,
            kms_key_id=args.keys.key.arn,
            is_multi_region_trail=primary,
            include_global_service_events=primary,
            enable_log_file_validation=True,
            enable_logging=True,
            advanced_event_selectors=selectors,
            tags=stack.tags(),
            # The bucket's policy (in Storage) and the key's (in Keys) must admit CloudTrail
            # before the trail is created: AWS checks both then.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=resources_among(args.storage, args.keys)
            ),
        )


def _selector(
    name: str, fields: list[tuple[Any, ...]]
) -> aws.cloudtrail.TrailAdvancedEventSelectorArgs:
    field_selectors = []
    for field_name, values, *how in fields:
        operator = how[0] if how else "equals"
        field_selectors.append(
            aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs(
                field=field_name, **{operator: values}
            )
        )
    return aws.cloudtrail.TrailAdvancedEventSelectorArgs(name=name, field_selectors=field_selectors)


def _dashboard_body(stack: StackContext, args: MonitoringArgs) -> dict[str, Any]:
    region = stack.region
    state_machine = args.orchestration.state_machine.arn
    function_names = [
        (key, function.name) for key, function in sorted(args.compute.functions.items())
    ]
    model_ids = sorted({stack.settings.model_id, stack.settings.agent_context_model_id})

    def widget(title: str, metrics: list[Any], **extra: Any) -> dict[str, Any]:
        properties = {
            "title": title,
            "region": region,
            "metrics": metrics,
            "period": DASHBOARD_PERIOD_SECONDS,
            "view": "timeSeries",
            "stacked": False,
            **extra,
        }
        return {"type": "metric", "width": 12, "height": 6, "properties": properties}

    def per_function(metric: str, stat: str) -> list[Any]:
        return [
            ["AWS/Lambda", metric, "FunctionName", name, {"stat": stat, "label": key}]
            for key, name in function_names
        ]

    return {
        "widgets": [
            widget(
                "Meeting Prep Success Rate",
                [
                    [
                        "AWS/StepFunctions",
                        "ExecutionsSucceeded",
                        "StateMachineArn",
                        state_machine,
                        {"stat": "Sum", "label": "Succeeded", "id": "succeeded"},
                    ],
                    [
                        "AWS/StepFunctions",
                        "ExecutionsFailed",
                        "StateMachineArn",
                        state_machine,
                        {"stat": "Sum", "label": "Failed", "id": "failed"},
                    ],
                    [
                        {
                            "expression": "100 * succeeded / (succeeded + failed)",
                            "label": "Success rate (%)",
                            "id": "rate",
                            "yAxis": "right",
                        }
                    ],
                ],
                stat="Sum",
                yAxis={"left": {"min": 0}, "right": {"min": 0, "max": 100}},
            ),
            widget("Lambda Invocations", per_function("Invocations", "Sum"), stat="Sum"),
            widget("Lambda Errors", per_function("Errors", "Sum"), stat="Sum"),
            widget("Lambda Duration (average, ms)", per_function("Duration", "Average")),
            widget("Lambda Throttles", per_function("Throttles", "Sum"), stat="Sum"),
            widget(
                "Bedrock Token Usage",
                [
                    ["AWS/Bedrock", metric, "ModelId", model_id, {"stat": "Sum"}]
                    for model_id in model_ids
                    for metric in ("InputTokens", "OutputTokens")
                ],
                stat="Sum",
                period=TOKENS_PERIOD_SECONDS,
            ),
            widget(
                "Dead-letter Queue Depth",
                [
                    [
                        "AWS/SQS",
                        "ApproximateNumberOfMessagesVisible",
                        "QueueName",
                        args.compute.dead_letter_queue.name,
                        {"stat": "Maximum"},
                    ]
                ],
                stat="Maximum",
            ),
            widget(
                "Slack API Requests and Errors",
                [
                    [
                        "AWS/ApiGateway",
                        metric,
                        "ApiId",
                        args.edge.api.id,
                        "Stage",
                        "$default",
                        {"stat": "Sum"},
                    ]
                    for metric in ("Count", "4xx", "5xx")
                ],
                stat="Sum",
            ),
        ]
    }
