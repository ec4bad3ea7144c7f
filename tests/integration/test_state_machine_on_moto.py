"""The rendered definition as moto's Step Functions reads and runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.lambda_functions import FUNCTIONS
from exec_assistant.workflows.asl import intrinsic_format, render_state_machine
from exec_assistant.workflows.spec import (
    MEETING_PREP,
    ChoiceRule,
    State,
    StateKind,
    WorkflowSpec,
)

from lambda_front import function_arn
from moto_server import AwsEndpoint
from state_machines import create_machine, entered_states, finished, output, start


def test_moto_s_parser_accepts_the_definition(aws: AwsEndpoint) -> None:
    arns = {f.key: function_arn(f.name) for f in FUNCTIONS}
    machine = create_machine(aws, render_state_machine(MEETING_PREP, arns), "prep")

    described = aws.client("stepfunctions").describe_state_machine(stateMachineArn=machine)

    assert described["status"] == "ACTIVE"


RULES = [
    ChoiceRule("$.step.flag", "Held", boolean_equals=False),
    ChoiceRule("$.step.flag", "Held", boolean_equals=True),
    ChoiceRule("$.step.flag", "Held", is_null=True),
    ChoiceRule("$.step.flag", "Held", is_null=False),
]
DATA: list[dict[str, Any]] = [
    {},
    {"step": None},
    {"step": {}},
    {"step": {"flag": None}},
    {"step": {"flag": False}},
    {"step": {"flag": True}},
    {"step": {"flag": "false"}},
    {"step": {"flag": 0}},
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.boolean_equals}-{r.is_null}")
def test_a_choice_goes_where_the_spec_says_whatever_the_data_lacks(
    aws: AwsEndpoint, rule: ChoiceRule
) -> None:
    choice = State("Check", StateKind.CHOICE, choices=(rule,), default="Otherwise")
    spec = WorkflowSpec(
        "Choices",
        "Check",
        {
            "Check": choice,
            "Held": State("Held", StateKind.SUCCEED),
            "Otherwise": State("Otherwise", StateKind.SUCCEED),
        },
    )
    machine = create_machine(aws, render_state_machine(spec, {}), "choice")
    runs = {i: start(aws, machine, f"data-{i}", data) for i, data in enumerate(DATA)}

    for i, execution in runs.items():
        run = finished(aws, execution)
        assert run["status"] == "SUCCEEDED", (DATA[i], run)
        assert entered_states(aws, execution)[-1] == choice.choose(DATA[i]), DATA[i]


def _pass_machine(parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "Build",
        "States": {"Build": {"Type": "Pass", "Parameters": parameters, "End": True}},
    }


def test_a_format_template_s_punctuation_is_kept(aws: AwsEndpoint) -> None:
    template = 'unavailable: {} (a-b_c.d,e;f/g!h?) x=+*#@%~`$^|[] "q"'
    machine = create_machine(
        aws, _pass_machine({"text.$": intrinsic_format(template, "$.error.Error")}), "format"
    )

    run = finished(aws, start(aws, machine, "one", {"error": {"Error": "Busy"}}))

    assert output(run) == {"text": template.replace("{}", "Busy")}


@pytest.mark.parametrize(
    "instant",
    [
        (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0),
        datetime.now(UTC) + timedelta(seconds=1),
        datetime.now(UTC) - timedelta(days=1),
    ],
    ids=["seconds", "microseconds", "past"],
)
def test_the_reminder_wait_reads_the_instants_the_steps_write(
    aws: AwsEndpoint, instant: datetime
) -> None:
    from exec_assistant.domain.prep_steps import ReminderScheduled

    remind_at = ReminderScheduled(remind_at=instant).model_dump(mode="json")["remind_at"]
    definition = render_state_machine(
        MEETING_PREP, {f.key: function_arn(f.name) for f in FUNCTIONS}
    )
    wait = definition["States"]["WaitForFinalReminder"] | {"Next": "Done"}
    machine = create_machine(
        aws, {"StartAt": "Wait", "States": {"Wait": wait, "Done": {"Type": "Succeed"}}}, "wait"
    )

    run = finished(aws, start(aws, machine, "one", {"reminder": {"remind_at": remind_at}}))

    assert run["status"] == "SUCCEEDED", (remind_at, run)
    assert run["stopDate"] + timedelta(milliseconds=50) >= min(instant, run["startDate"])
