"""The Step Functions definition rendered from the prep workflow's spec."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from statelint.linter import Linter

from exec_assistant.lambda_functions import FUNCTIONS, function_for_state
from exec_assistant.workflows.asl import (
    CALLBACK_RESOURCE,
    intrinsic_format,
    render_state_machine,
)
from exec_assistant.workflows.spec import (
    CONTEXT_BRANCHES,
    MEETING_PREP,
    Retry,
    StateKind,
)

SNAPSHOT = Path(__file__).parent / "snapshots" / "meeting_prep_state_machine.json"
ARNS = {f.key: f"arn:aws:lambda:us-east-1:123456789012:function:{f.name}" for f in FUNCTIONS}
TYPES = {
    StateKind.TASK: "Task",
    StateKind.WAIT_FOR_ANSWERS: "Task",
    StateKind.CHOICE: "Choice",
    StateKind.PARALLEL: "Parallel",
    StateKind.WAIT_UNTIL: "Wait",
    StateKind.SUCCEED: "Succeed",
    StateKind.FAIL: "Fail",
}


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return render_state_machine(MEETING_PREP, ARNS)


def _retry(retry: Retry) -> dict[str, Any]:
    return {
        "ErrorEquals": list(retry.errors),
        "IntervalSeconds": retry.interval_seconds,
        "MaxAttempts": retry.max_attempts,
        "BackoffRate": retry.backoff_rate,
    }


def _branch_task(definition: dict[str, Any], name: str) -> dict[str, Any]:
    for branch in definition["States"]["GatherContext"]["Branches"]:
        if branch["StartAt"] == name:
            task: dict[str, Any] = branch["States"][name]
            return task
    raise KeyError(name)


def test_the_definition_passes_the_states_language_linter(definition: dict[str, Any]) -> None:
    assert Linter.validate(definition) == []


def test_the_definition_is_the_reviewed_snapshot(definition: dict[str, Any]) -> None:
    rendered = json.dumps(definition, indent=2, sort_keys=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(rendered, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    if rendered != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), rendered.splitlines(), "snapshot", "rendered", lineterm=""
        )
        print("\n".join(diff))
        pytest.fail(
            f"the rendered definition differs from {SNAPSHOT.name} (diff above); if the change "
            "is meant, regenerate it with UPDATE_SNAPSHOTS=1 and review the diff"
        )


def test_every_state_of_the_spec_appears_under_its_name(definition: dict[str, Any]) -> None:
    states = definition["States"]
    assert definition["StartAt"] == MEETING_PREP.start
    assert list(states) == list(MEETING_PREP.states)
    for state in MEETING_PREP:
        assert states[state.name]["Type"] == TYPES[state.kind], state.name
        if state.next is not None:
            assert states[state.name]["Next"] == state.next


def test_every_task_calls_the_function_that_answers_its_state(definition: dict[str, Any]) -> None:
    for state in MEETING_PREP:
        rendered = definition["States"][state.name]
        expected = ARNS[function_for_state(state.name).key] if state.service else None
        if state.kind == StateKind.TASK:
            assert rendered["Resource"] == expected, state.name
        if state.kind == StateKind.WAIT_FOR_ANSWERS:
            assert rendered["Parameters"]["FunctionName"] == expected
    for branch in MEETING_PREP["GatherContext"].branches:
        task = _branch_task(definition, branch.name)
        assert task["Resource"] == ARNS[function_for_state(branch.name).key]


def test_every_task_retries_as_the_spec_says(definition: dict[str, Any]) -> None:
    for state in MEETING_PREP.tasks():
        rendered = (
            _branch_task(definition, state.name)
            if state.name in CONTEXT_BRANCHES.values()
            else definition["States"][state.name]
        )
        assert rendered.get("Retry", []) == [_retry(r) for r in state.retry], state.name


def test_a_refused_channel_is_not_retried_and_matches_first(definition: dict[str, Any]) -> None:
    classify = definition["States"]["ClassifyMeeting"]["Retry"]
    assert classify[0] == {
        "ErrorEquals": ["ChannelRefused"],
        "IntervalSeconds": 1,
        "MaxAttempts": 0,
        "BackoffRate": 1.0,
    }
    assert classify[1] == {
        "ErrorEquals": ["States.TaskFailed"],
        "IntervalSeconds": 2,
        "MaxAttempts": 3,
        "BackoffRate": 2.0,
    }


def test_every_failure_is_recorded_with_the_error_at_its_result_path(
    definition: dict[str, Any],
) -> None:
    for state in MEETING_PREP:
        rendered = definition["States"][state.name]
        assert rendered.get("Catch", []) == [
            {"ErrorEquals": list(c.errors), "Next": c.next, "ResultPath": c.result_path}
            for c in state.catch
        ], state.name
        assert rendered.get("ResultPath") == state.result_path, state.name
    catches = definition["States"]["SendPrepMaterials"]["Catch"]
    assert catches == [
        {"ErrorEquals": ["States.ALL"], "Next": "RecordPrepFailure", "ResultPath": "$.error"}
    ]


def test_the_wait_for_answers_hands_over_the_task_token_and_times_out_by_path(
    definition: dict[str, Any],
) -> None:
    wait = definition["States"]["WaitForUserResponses"]
    assert wait["Resource"] == CALLBACK_RESOURCE
    assert wait["Parameters"]["Payload"] == {
        "session_id.$": "$.notification.session_id",
        "task_token.$": "$$.Task.Token",
    }
    assert wait["TimeoutSecondsPath"] == "$.notification.wait_seconds"
    assert "TimeoutSeconds" not in wait
    assert wait["Catch"][0] == {
        "ErrorEquals": ["States.Timeout"],
        "Next": "HandleTimeout",
        "ResultPath": "$.error",
    }
    assert wait["ResultPath"] == "$.answers"


def test_the_context_is_gathered_from_every_source_side_by_side(
    definition: dict[str, Any],
) -> None:
    gather = definition["States"]["GatherContext"]
    assert [b["StartAt"] for b in gather["Branches"]] == list(CONTEXT_BRANCHES.values())
    assert gather["ResultPath"] == "$.context"
    for provider, name in CONTEXT_BRANCHES.items():
        task = _branch_task(definition, name)
        assert task["End"] is True
        assert task["Parameters"] == {
            "meeting_id.$": "$.meeting_id",
            "prep_id.$": "$.prep_id",
            "workflow_id.$": "$.workflow_id",
            "attempt.$": "$.attempt",
            "provider": provider,
        }
        assert task["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "Next": f"{name}Unavailable", "ResultPath": "$.error"}
        ]


def test_a_failed_source_gives_the_spec_s_fallback(definition: dict[str, Any]) -> None:
    for branch in definition["States"]["GatherContext"]["Branches"]:
        name = branch["StartAt"]
        provider = next(p for p, n in CONTEXT_BRANCHES.items() if n == name)
        unavailable = branch["States"][f"{name}Unavailable"]
        assert unavailable["Type"] == "Pass"
        assert unavailable["End"] is True
        assert unavailable["Parameters"] == {
            "provider": provider,
            "needed": True,
            "available": False,
            "key": None,
            "reason.$": "States.Format('the source failed: {}', $.error.Error)",
        }


def test_the_pack_and_the_deliveries_have_their_time_limits(definition: dict[str, Any]) -> None:
    states = definition["States"]
    assert states["GenerateMaterials"]["TimeoutSeconds"] == 600
    for name in ("SendPrepMaterials", "SendFinalReminder", "HandleTimeout"):
        assert states[name]["TimeoutSeconds"] == MEETING_PREP[name].timeout_seconds == 120
    for state in MEETING_PREP:
        if state.kind == StateKind.TASK and state.timeout_seconds is None:
            assert "TimeoutSeconds" not in states[state.name], state.name


def test_a_task_without_parameters_receives_the_whole_data(definition: dict[str, Any]) -> None:
    states = definition["States"]
    assert "Parameters" not in states["ClassifyMeeting"]
    assert "InputPath" not in states["ClassifyMeeting"]
    assert states["GenerateMaterials"]["Parameters"]["context.$"] == "$.context"
    assert states["RecordPrepFailure"]["Parameters"]["error.$"] == "$.error"


def test_every_choice_rule_is_guarded_against_a_missing_field(
    definition: dict[str, Any],
) -> None:
    for state in MEETING_PREP:
        if state.kind != StateKind.CHOICE:
            continue
        for rule in definition["States"][state.name]["Choices"]:
            (guard, _test) = rule.get("And") or rule["Or"]
            assert "IsPresent" in guard, state.name
        assert definition["States"][state.name]["Default"] == state.default


def test_the_final_reminder_waits_for_the_instant_the_data_names(
    definition: dict[str, Any],
) -> None:
    wait = definition["States"]["WaitForFinalReminder"]
    assert wait == {
        "Type": "Wait",
        "Comment": MEETING_PREP["WaitForFinalReminder"].comment,
        "TimestampPath": "$.reminder.remind_at",
        "Next": "SendFinalReminder",
    }
    assert definition["States"]["PrepFailed"]["Error"] == "PrepFailed"


def test_a_missing_function_arn_is_named() -> None:
    arns = {k: v for k, v in ARNS.items() if k != "budget_context"}
    with pytest.raises(KeyError, match="budget_context"):
        render_state_machine(MEETING_PREP, arns)


def test_a_format_template_that_would_need_escapes_is_refused() -> None:
    assert intrinsic_format("unavailable: {}", "$.e") == "States.Format('unavailable: {}', $.e)"
    for template in ("it's {}", "{} {braces}", "a \\ {}", "café {}", "tab\t{}"):
        with pytest.raises(ValueError, match="need escapes"):
            intrinsic_format(template, "$.e")
    with pytest.raises(ValueError, match=r"2 \{\} for 1 paths"):
        intrinsic_format("{} and {}", "$.e")


def test_the_definition_stays_far_below_step_functions_limit(definition: dict[str, Any]) -> None:
    # A definition may be 1 MB.
    assert len(json.dumps(definition)) < 64_000
