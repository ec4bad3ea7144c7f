"""What runs the functions, as declared: the state machine, the rules, the reminders'
Scheduler group and role, the notes upload trigger. Every target is a `live` alias."""

from __future__ import annotations

import json
from pathlib import Path

from exec_assistant.adapters.aws.eventbridge import MEETING_PREP_RULE_PATTERN
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant_infra.orchestration import state_function_keys
from infra.compute_stack import declared, function, policy

REGION_ACCOUNT = "us-east-1:123456789012"


def alias_arn(key: str) -> str:
    return f"arn:aws:lambda:{REGION_ACCOUNT}:function:{BY_KEY[key].name}:live"


def task_resources(definition: dict) -> set[str]:  # type: ignore[type-arg]
    found: set[str] = set()
    for state in definition["States"].values():
        if state["Type"] == "Task":
            found.add(state.get("Parameters", {}).get("FunctionName") or state["Resource"])
        for branch in state.get("Branches", ()):
            found |= task_resources(branch)
    return found


def test_the_state_machine_invokes_only_live_aliases_and_logs_everything(artifacts: Path) -> None:
    deployment = declared(artifacts, logRetentionDays=14)
    machine = deployment.one("aws:sfn/stateMachine:StateMachine")
    assert machine["name"] == "exec-assistant-meeting-prep"
    assert machine["type"] == "STANDARD"
    assert task_resources(json.loads(machine["definition"])) == {
        alias_arn(key) for key in state_function_keys()
    }
    logging = machine["loggingConfiguration"]
    assert logging["level"] == "ALL" and logging["includeExecutionData"] is True
    group = deployment.one("aws:cloudwatch/logGroup:LogGroup", "state-machine-logs")
    assert logging["logDestination"] == group.outputs["arn"] + ":*"
    assert group["retentionInDays"] == 14 and group["kmsKeyId"].startswith("arn:aws:kms:")
    assert machine["tracingConfiguration"] == {"enabled": True}


def test_the_state_machines_role_invokes_exactly_the_aliases_of_its_states(artifacts: Path) -> None:
    deployment = declared(artifacts)
    role = deployment.one("aws:iam/role:Role", "state-machine-role")
    (trust,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    statements = policy(deployment.one("aws:iam/rolePolicy:RolePolicy", "state-machine-access"))
    (invoke,) = [s for s in statements if "lambda:InvokeFunction" in s["Action"]]
    assert set(invoke["Resource"]) == {alias_arn(key) for key in state_function_keys()}
    assert "calendar_monitor" not in state_function_keys()


def test_the_calendar_is_polled_every_two_hours_14_days_ahead(artifacts: Path) -> None:
    deployment = declared(artifacts)
    rule = deployment.one("aws:cloudwatch/eventRule:EventRule", "calendar-monitor")
    assert rule["scheduleExpression"] == "cron(0 */2 * * ? *)"
    target = deployment.one("aws:cloudwatch/eventTarget:EventTarget", "calendar-monitor-target")
    assert target["arn"] == alias_arn("calendar_monitor")
    assert json.loads(target["input"]) == {"source": "scheduled", "time_range_days": 14}
    permission = deployment.one("aws:lambda/permission:Permission", "calendar-monitor-invokes")
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["sourceArn"] == rule.outputs["arn"]
    assert permission["qualifier"] == "live"


def test_meeting_prep_required_events_go_to_the_prep_trigger(artifacts: Path) -> None:
    deployment = declared(artifacts)
    rule = deployment.one("aws:cloudwatch/eventRule:EventRule", "meeting-prep-trigger")
    assert json.loads(rule["eventPattern"]) == MEETING_PREP_RULE_PATTERN
    target = deployment.one("aws:cloudwatch/eventTarget:EventTarget", "meeting-prep-trigger-target")
    assert target["arn"] == alias_arn("prep_trigger")
    assert target.get("input") is None  # the whole event: the function reads its detail-type
    permission = deployment.one("aws:lambda/permission:Permission", "meeting-prep-trigger-invokes")
    assert permission["sourceArn"] == rule.outputs["arn"]


def test_the_reminders_run_as_a_role_that_invokes_the_reminder_alias_only(artifacts: Path) -> None:
    deployment = declared(artifacts, namePrefix="exec-assistant-dev")
    group = deployment.one("aws:scheduler/scheduleGroup:ScheduleGroup")
    role = deployment.one("aws:iam/role:Role", "scheduler-role")
    (trust,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    (invoke,) = policy(deployment.one("aws:iam/rolePolicy:RolePolicy", "scheduler-access"))
    assert invoke["Action"] == ["lambda:InvokeFunction"]
    reminder = f"arn:aws:lambda:{REGION_ACCOUNT}:function:exec-assistant-dev-reminder:live"
    assert invoke["Resource"] == [reminder]
    # The function that schedules names the same group, role and target.
    variables = function(deployment, "schedule_reminder")["environment"]["variables"]
    assert variables["SCHEDULE_GROUP"] == group["name"] == "exec-assistant-dev-reminders"
    assert variables["SCHEDULER_ROLE_ARN"] == role.outputs["arn"]
    assert variables["REMINDER_FUNCTION_ARN"] == reminder


def test_a_notes_upload_starts_the_post_meeting_function(artifacts: Path) -> None:
    deployment = declared(artifacts)
    notification = deployment.one("aws:s3/bucketNotification:BucketNotification")
    (target,) = notification["lambdaFunctions"]
    assert target["lambdaFunctionArn"] == alias_arn("post_meeting")
    assert target["events"] == ["s3:ObjectCreated:*"]
    assert (target["filterPrefix"], target["filterSuffix"]) == ("meetings/", "notes.md")
    permission = deployment.one("aws:lambda/permission:Permission", "notes-upload-invokes")
    bucket = deployment.one("aws:s3/bucket:Bucket")
    assert permission["principal"] == "s3.amazonaws.com"
    assert permission["sourceArn"] == bucket.outputs["arn"]
    assert permission["sourceAccount"] == "123456789012"
