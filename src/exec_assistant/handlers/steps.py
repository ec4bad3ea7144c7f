"""The handlers of the functions that answer the prep workflow's states: each parses its
state's input model from the Step Functions payload, calls the state's service (a method
of `PrepSteps`), and returns the result model as JSON."""

from __future__ import annotations

from typing import Any

from exec_assistant.domain.prep_steps import StepModel
from exec_assistant.handlers.runtime import (
    AppFactory,
    Handler,
    LambdaEvent,
    function_handler,
    logger,
    parse_event,
)
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant.workflows.spec import MEETING_PREP, State


def state_of(name: str) -> State:
    """The workflow state (or parallel branch) named `name`."""
    for state in MEETING_PREP.tasks():
        if state.name == name:
            return state
    raise KeyError(f"no task state {name} in {MEETING_PREP.name}")


def step_input(state: State, event: LambdaEvent, function: str) -> StepModel:
    """The state's input model from its payload; the state's constants (a branch's
    provider) are the state's, whatever the payload says."""
    if state.input_model is None:
        raise KeyError(f"state {state.name} takes no input")
    data = {**event, **state.constants} if isinstance(event, dict) else event
    return parse_event(state.input_model, data, function)


def step_handler(key: str, app: AppFactory) -> Handler:
    """The handler of the function `key`, which answers one state of the workflow."""
    function = BY_KEY[key]
    (state_name,) = function.states
    state = state_of(state_name)
    service = state.service
    assert service is not None

    def body(the_app: Any, event: LambdaEvent, context: Any) -> dict[str, Any]:
        request = step_input(state, event, function.name)
        _log_ids(request)
        result: StepModel = getattr(the_app.steps, service)(request)
        return result.model_dump(mode="json")

    return function_handler(key, app, body)


def _log_ids(request: StepModel) -> None:
    ids = {
        name: getattr(request, name)
        for name in ("meeting_id", "workflow_id", "attempt", "session_id", "provider")
        if getattr(request, name, None) is not None
    }
    logger.append_keys(**ids)
