"""The prep workflow as an Amazon States Language definition, rendered from the spec.

`render_state_machine(MEETING_PREP, arns)` gives the Step Functions definition of the AWS
deployment as a dict (the infrastructure serialises it): the spec's states under the spec's
names, each TASK answered by the Lambda function that `lambda_functions` assigns to the state.
Nothing here decides the control flow; it only translates the spec:

- a TASK's Resource is its function's ARN (the direct Lambda integration: the result is the
  function's return value alone, no invocation metadata, so no ResultSelector is needed);
  `parameters` become Parameters, absent ones hand the function the whole data;
- WAIT_FOR_ANSWERS is `lambda:invoke.waitForTaskToken` with the task token in the payload
  and only `TimeoutSecondsPath` (Step Functions refuses both it and `TimeoutSeconds`);
- a PARALLEL branch with a fallback catches every error into a Pass state named
  `<Branch>Unavailable` that builds the fallback result, the reason by `States.Format`;
- a CHOICE rule is guarded with IsPresent: a field an earlier state did not return sends
  the execution to the default, as the spec's `ChoiceRule.holds` reads it, instead of
  failing it with States.Runtime.

The execution's output is its whole data, every state's result under its result path (a
Succeed state cannot build a `PrepOutcome`): how a prep ended is read from those results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from exec_assistant.lambda_functions import function_for_state
from exec_assistant.workflows.spec import (
    ALL_ERRORS,
    FALLBACK_REASON,
    Catch,
    ChoiceRule,
    Retry,
    State,
    StateKind,
    WorkflowSpec,
)

CALLBACK_RESOURCE = "arn:aws:states:::lambda:invoke.waitForTaskToken"
TASK_TOKEN_FIELD = "task_token"
"""The wait's input field that carries `$$.Task.Token` (`WaitForAnswers.task_token`)."""
UNAVAILABLE_SUFFIX = "Unavailable"
FALLBACK_ERROR_PATH = "$.error"
"""Where a failed branch keeps its error for the fallback's reason."""

Definition = dict[str, Any]


def render_state_machine(spec: WorkflowSpec, function_arns: Mapping[str, str]) -> Definition:
    """The definition of `spec`; `function_arns` maps each function key of
    `lambda_functions.FUNCTIONS` that answers a state to that function's ARN."""
    missing = sorted({function_for_state(t.name).key for t in spec.tasks()} - set(function_arns))
    if missing:
        raise KeyError(f"no ARN given for the Lambda functions {', '.join(missing)}")
    return {
        "Comment": f"{spec.name}: rendered from the workflow spec; change the spec, not this.",
        "StartAt": spec.start,
        "States": _states(spec.states.values(), function_arns),
    }


def _states(states: Iterable[State], arns: Mapping[str, str]) -> Definition:
    return {state.name: _state(state, arns) for state in states}


def _state(state: State, arns: Mapping[str, str]) -> Definition:
    render = {
        StateKind.TASK: _task,
        StateKind.WAIT_FOR_ANSWERS: _wait_for_answers,
        StateKind.PARALLEL: _parallel,
        StateKind.CHOICE: _choice,
        StateKind.WAIT_UNTIL: _wait_until,
        StateKind.SUCCEED: _succeed,
        StateKind.FAIL: _fail,
    }[state.kind]
    body = render(state, arns)
    return {
        "Type": body.pop("Type"),
        **({"Comment": state.comment} if state.comment else {}),
        **body,
    }


def _task(state: State, arns: Mapping[str, str]) -> Definition:
    body: Definition = {"Type": "Task", "Resource": _arn(state, arns)}
    if state.parameters is not None or state.constants:
        body["Parameters"] = _parameters(state)
    if state.timeout_seconds is not None:
        body["TimeoutSeconds"] = state.timeout_seconds
    return body | _result_and_errors(state) | _transition(state)


def _wait_for_answers(state: State, arns: Mapping[str, str]) -> Definition:
    payload = _parameters(state) | {f"{TASK_TOKEN_FIELD}.$": "$$.Task.Token"}
    body: Definition = {
        "Type": "Task",
        "Resource": CALLBACK_RESOURCE,
        "Parameters": {"FunctionName": _arn(state, arns), "Payload": payload},
    }
    if state.timeout_seconds_path is not None:
        # The spec's timeout_seconds is the ceiling the path's value is validated against
        # (NotificationSent.wait_seconds); Step Functions takes one of the two, not both.
        body["TimeoutSecondsPath"] = state.timeout_seconds_path
    elif state.timeout_seconds is not None:
        body["TimeoutSeconds"] = state.timeout_seconds
    return body | _result_and_errors(state) | _transition(state)


def _parallel(state: State, arns: Mapping[str, str]) -> Definition:
    return (
        {
            "Type": "Parallel",
            "Branches": [_branch(branch, arns) for branch in state.branches],
        }
        | _result_and_errors(state)
        | _transition(state)
    )


def _branch(branch: State, arns: Mapping[str, str]) -> Definition:
    task = _state(branch, arns)
    task.pop("Next", None)
    task["End"] = True
    states: Definition = {branch.name: task}
    if branch.fallback is not None:
        unavailable = branch.name + UNAVAILABLE_SUFFIX
        task["Catch"] = [
            *task.get("Catch", []),
            {"ErrorEquals": [ALL_ERRORS], "Next": unavailable, "ResultPath": FALLBACK_ERROR_PATH},
        ]
        fallback = branch.fallback.model_dump(mode="json", by_alias=True)
        fallback.pop("reason", None)
        states[unavailable] = {
            "Type": "Pass",
            "Comment": "The source failed after its retries: its result says it is unavailable.",
            "Parameters": fallback
            | {"reason.$": intrinsic_format(FALLBACK_REASON, f"{FALLBACK_ERROR_PATH}.Error")},
            "End": True,
        }
    return {"StartAt": branch.name, "States": states}


def _choice(state: State, arns: Mapping[str, str]) -> Definition:
    body: Definition = {"Type": "Choice", "Choices": [_rule(rule) for rule in state.choices]}
    if state.default is not None:
        body["Default"] = state.default
    return body


def _rule(rule: ChoiceRule) -> Definition:
    present = {"Variable": rule.variable, "IsPresent": True}
    if rule.is_null is True:
        # The spec reads a missing field as null.
        return {
            "Or": [
                {"Variable": rule.variable, "IsPresent": False},
                {"Variable": rule.variable, "IsNull": True},
            ],
            "Next": rule.next,
        }
    if rule.is_null is False:
        test: Definition = {"Variable": rule.variable, "IsNull": False}
    elif rule.boolean_equals is not None:
        test = {"Variable": rule.variable, "BooleanEquals": rule.boolean_equals}
    else:
        raise ValueError(f"choice rule on {rule.variable}: neither BooleanEquals nor IsNull")
    return {"And": [present, test], "Next": rule.next}


def _wait_until(state: State, arns: Mapping[str, str]) -> Definition:
    if state.timestamp_path is None:
        raise ValueError(f"state {state.name}: a wait needs its timestamp path")
    return {"Type": "Wait", "TimestampPath": state.timestamp_path} | _transition(state)


def _succeed(state: State, arns: Mapping[str, str]) -> Definition:
    return {"Type": "Succeed"}


def _fail(state: State, arns: Mapping[str, str]) -> Definition:
    return {
        "Type": "Fail",
        "Error": state.error or state.name,
        "Cause": state.comment or state.name,
    }


def _arn(state: State, arns: Mapping[str, str]) -> str:
    return arns[function_for_state(state.name).key]


def _parameters(state: State) -> Definition:
    fields: Definition = {f"{key}.$": path for key, path in (state.parameters or {}).items()}
    return fields | dict(state.constants)


def _result_and_errors(state: State) -> Definition:
    body: Definition = {}
    if state.result_path is not None:
        body["ResultPath"] = state.result_path
    if state.retry:
        body["Retry"] = [_retry(retry) for retry in state.retry]
    if state.catch:
        body["Catch"] = [_catch(catch) for catch in state.catch]
    return body


def _retry(retry: Retry) -> Definition:
    if not float(retry.interval_seconds).is_integer() or retry.interval_seconds < 1:
        raise ValueError(
            f"retry interval {retry.interval_seconds} s: Step Functions takes whole seconds, "
            "at least 1"
        )
    return {
        "ErrorEquals": list(retry.errors),
        "IntervalSeconds": int(retry.interval_seconds),
        "MaxAttempts": retry.max_attempts,
        "BackoffRate": float(retry.backoff_rate),
    }


def _catch(catch: Catch) -> Definition:
    return {"ErrorEquals": list(catch.errors), "Next": catch.next, "ResultPath": catch.result_path}


def _transition(state: State) -> Definition:
    return {"Next": state.next} if state.next is not None else {"End": True}


def intrinsic_format(template: str, *paths: str) -> str:
    """`States.Format` of `template`, a `{}` for each path.

    The template's own text may not hold the characters the intrinsic functions' string
    literals escape (quote, braces, backslash) nor non-ASCII ones: the escapes are
    Step Functions' alone (moto's parser reads neither the same way), so a template that
    would need one is refused here rather than rendered untested."""
    pieces = template.split("{}")
    if len(pieces) != len(paths) + 1:
        raise ValueError(f"{template!r} has {len(pieces) - 1} {{}} for {len(paths)} paths")
    for piece in pieces:
        bad = sorted({c for c in piece if c in _ESCAPED or not c.isascii() or not c.isprintable()})
        if bad:
            raise ValueError(
                f"{template!r}: the characters {' '.join(map(repr, bad))} need escapes in a "
                "States.Format template; reword it without them"
            )
    return f"States.Format('{template}', {', '.join(paths)})"


_ESCAPED = frozenset("'{}\\")
