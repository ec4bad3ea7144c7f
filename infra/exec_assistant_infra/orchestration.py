"""What runs the functions: the prep state machine (rendered from the workflow spec), the
calendar poll every 2 hours, the MeetingPrepRequired rule, the reminders' schedule group and
role, and the notes upload that starts the post-meeting function. Every target is a `live`
alias."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_aws as aws

from exec_assistant.adapters.aws.eventbridge import MEETING_PREP_RULE_PATTERN
from exec_assistant.lambda_functions import function_for_state
from exec_assistant.workflows.asl import render_state_machine
from exec_assistant.workflows.spec import MEETING_PREP
from exec_assistant_infra.access import XRAY_ACTIONS
from exec_assistant_infra.compute import (
    KeysLike,
    StorageLike,
    schedule_group_name,
    scheduler_role_name,
)
from exec_assistant_infra.policy_documents import allow, assume_role, document
from exec_assistant_infra.stack import StackContext

CALENDAR_POLL = "cron(0 */2 * * ? *)"
CALENDAR_POLL_INPUT = {"source": "scheduled", "time_range_days": 14}
NOTES_PREFIX, NOTES_SUFFIX = "meetings/", "notes.md"
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
)
"""What Step Functions needs of its role to deliver execution logs; CloudWatch Logs
authorises these on `*` only (a delivery is not a resource of its own)."""
SAMPLING_ACTIONS = ("xray:GetSamplingRules", "xray:GetSamplingTargets")


class ComputeLike(Protocol):
    @property
    def functions(self) -> Mapping[str, aws.lambda_.Function]: ...
    @property
    def aliases(self) -> Mapping[str, aws.lambda_.Alias]: ...


@dataclass(frozen=True)
class OrchestrationArgs:
    stack: StackContext
    keys: KeysLike
    storage: StorageLike
    compute: ComputeLike


def state_function_keys() -> list[str]:
    """The functions the state machine invokes: the ones that answer its states."""
    return sorted({function_for_state(task.name).key for task in MEETING_PREP.tasks()})


class Orchestration(pulumi.ComponentResource):
    state_machine: aws.sfn.StateMachine
    state_machine_role: aws.iam.Role
    schedule_group: aws.scheduler.ScheduleGroup
    scheduler_role: aws.iam.Role
    calendar_poll: aws.cloudwatch.EventRule
    prep_rule: aws.cloudwatch.EventRule

    def __init__(
        self, name: str, args: OrchestrationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("exec-assistant:orchestration:Orchestration", name, None, opts)
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        self._state_machine()
        self._reminders()
        self.calendar_poll = self._rule(
            "calendar-monitor",
            "calendar_monitor",
            "Poll the calendars 14 days ahead, every 2 hours",
            schedule_expression=CALENDAR_POLL,
            target_input=json.dumps(CALENDAR_POLL_INPUT),
        )
        # The rule targets the prep-trigger function, not the machine: it starts the
        # execution under the prep attempt's name, so that a repeated event starts nothing.
        self.prep_rule = self._rule(
            "meeting-prep-trigger",
            "prep_trigger",
            "Start the meeting prep workflow for a MeetingPrepRequired event",
            event_pattern=json.dumps(MEETING_PREP_RULE_PATTERN),
        )
        self._notes_upload()
        self.register_outputs(
            {
                "state_machine": self.state_machine.arn,
                "schedule_group": self.schedule_group.name,
                "scheduler_role": self.scheduler_role.arn,
            }
        )

    def _state_machine(self) -> None:
        stack = self._args.stack
        aliases = self._args.compute.aliases
        keys = state_function_keys()
        log_group = aws.cloudwatch.LogGroup(
            "state-machine-logs",
            name=f"/aws/vendedlogs/states/{stack.state_machine_name}",
            retention_in_days=stack.settings.log_retention_days,
            kms_key_id=self._args.keys.key.arn,
            tags=stack.tags(),
            opts=self._child,
        )
        self.state_machine_role = aws.iam.Role(
            "state-machine-role",
            assume_role_policy=assume_role(
                "states.amazonaws.com",
                condition={"StringEquals": {"aws:SourceAccount": stack.account_id}},
            ),
            tags=stack.tags(),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            "state-machine-access",
            role=self.state_machine_role.id,
            policy=document(
                allow(
                    ["lambda:InvokeFunction"],
                    [aliases[key].arn for key in keys],
                    sid="InvokeStateFunctions",
                ),
                allow(LOG_DELIVERY_ACTIONS, ["*"], sid="DeliverExecutionLogs"),
                allow([*XRAY_ACTIONS, *SAMPLING_ACTIONS], ["*"], sid="Traces"),
            ),
            opts=self._child,
        )
        definition = pulumi.Output.all(*(aliases[key].arn for key in keys)).apply(
            lambda arns: json.dumps(
                render_state_machine(MEETING_PREP, dict(zip(keys, arns, strict=True)))
            )
        )
        self.state_machine = aws.sfn.StateMachine(
            "meeting-prep",
            name=stack.state_machine_name,
            type="STANDARD",
            role_arn=self.state_machine_role.arn,
            definition=definition,
            logging_configuration={
                "level": "ALL",
                "include_execution_data": True,
                "log_destination": pulumi.Output.concat(log_group.arn, ":*"),
            },
            tracing_configuration={"enabled": True},
            tags=stack.tags(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

    def _reminders(self) -> None:
        stack = self._args.stack
        self.schedule_group = aws.scheduler.ScheduleGroup(
            "reminders", name=schedule_group_name(stack), tags=stack.tags(), opts=self._child
        )
        self.scheduler_role = aws.iam.Role(
            "scheduler-role",
            name=scheduler_role_name(stack),
            assume_role_policy=assume_role(
                "scheduler.amazonaws.com",
                condition={"StringEquals": {"aws:SourceAccount": stack.account_id}},
            ),
            description="The final reminders' one-time schedules invoke the reminder function",
            tags=stack.tags(),
            opts=self._child,
        )
        aws.iam.RolePolicy(
            "scheduler-access",
            role=self.scheduler_role.id,
            policy=document(
                allow(
                    ["lambda:InvokeFunction"],
                    [self._args.compute.aliases["reminder"].arn],
                    sid="InvokeReminder",
                )
            ),
            opts=self._child,
        )

    def _rule(
        self,
        logical: str,
        key: str,
        description: str,
        *,
        schedule_expression: str | None = None,
        event_pattern: str | None = None,
        target_input: str | None = None,
    ) -> aws.cloudwatch.EventRule:
        stack = self._args.stack
        alias = self._args.compute.aliases[key]
        rule = aws.cloudwatch.EventRule(
            logical,
            name=stack.name(logical),
            description=description,
            schedule_expression=schedule_expression,
            event_pattern=event_pattern,
            tags=stack.tags(),
            opts=self._child,
        )
        aws.lambda_.Permission(
            f"{logical}-invokes",
            action="lambda:InvokeFunction",
            function=self._args.compute.functions[key].name,
            qualifier=alias.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=self._child,
        )
        aws.cloudwatch.EventTarget(
            f"{logical}-target",
            rule=rule.name,
            arn=alias.arn,
            input=target_input,
            opts=self._child,
        )
        return rule

    def _notes_upload(self) -> None:
        stack = self._args.stack
        bucket = self._args.storage.documents_bucket
        alias = self._args.compute.aliases["post_meeting"]
        permission = aws.lambda_.Permission(
            "notes-upload-invokes",
            action="lambda:InvokeFunction",
            function=self._args.compute.functions["post_meeting"].name,
            qualifier=alias.name,
            principal="s3.amazonaws.com",
            source_arn=bucket.arn,
            source_account=stack.account_id,
            opts=self._child,
        )
        aws.s3.BucketNotification(
            "notes-upload",
            bucket=bucket.id,
            lambda_functions=[
                {
                    "lambda_function_arn": alias.arn,
                    "events": ["s3:ObjectCreated:*"],
                    "filter_prefix": NOTES_PREFIX,
                    "filter_suffix": NOTES_SUFFIX,
                }
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
        )
