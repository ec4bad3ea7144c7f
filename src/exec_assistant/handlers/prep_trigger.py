"""A MeetingPrepRequired event (EventBridge rule meeting-prep-trigger) starts the state
machine, under the execution name of the prep's attempt (its workflow id): the same event
delivered twice, or published twice, starts one execution."""

from __future__ import annotations

from typing import Any

from exec_assistant.domain.identity import prep_id_of
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.handlers.runtime import (
    AppFactory,
    BadEvent,
    Handler,
    LambdaEvent,
    environment_handler,
    function_handler,
    idempotent,
    logger,
    parse_event,
)
from exec_assistant.lambda_functions import BY_KEY

KEY = "prep_trigger"
DETAIL_TYPE = "MeetingPrepRequired"
REMEMBERED_SECONDS = 86400


def make_handler(app: AppFactory) -> Handler:
    name = BY_KEY[KEY].name
    layers: dict[str, Any] = {}

    def body(the_app: Any, event: LambdaEvent, context: Any) -> dict[str, Any]:
        if not isinstance(event, dict) or event.get("detail-type") != DETAIL_TYPE:
            shown = event.get("detail-type") if isinstance(event, dict) else None
            raise BadEvent(
                f"{name}: not a {DETAIL_TYPE} event (detail-type {shown!r})",
                hint="The meeting-prep-trigger rule sends only MeetingPrepRequired events.",
            )
        request = parse_event(PrepRequest, event.get("detail"), name)
        _check_names(request, name)
        logger.append_keys(meeting_id=request.meeting_id, workflow_id=request.workflow_id)
        engine = the_app.prep_engine()

        def start(payload: dict[str, Any]) -> dict[str, Any]:
            engine.start_execution(PrepRequest.model_validate(payload))
            return {"workflow_id": payload["workflow_id"], "started": True}

        run = idempotent(
            the_app,
            KEY,
            start,
            event_key="workflow_id",
            expires_after_seconds=REMEMBERED_SECONDS,
            layers=layers,
        )
        return run(request.model_dump(mode="json"), context)

    return function_handler(KEY, app, body)


def _check_names(request: PrepRequest, function: str) -> None:
    """A workflow id that is not an attempt of the request's prep names no execution the
    assistant starts: refused before anything is started or remembered."""
    try:
        prep_id = prep_id_of(request.workflow_id)
    except ValueError:
        raise BadEvent(
            f"{function}: detail.workflow_id is not a prep workflow id",
            hint="MeetingPrepRequired events are published by the calendar monitor only.",
        ) from None
    if prep_id != request.prep_id:
        raise BadEvent(
            f"{function}: detail.workflow_id is not an attempt of detail.prep_id",
            hint="MeetingPrepRequired events are published by the calendar monitor only.",
        )


lambda_handler = environment_handler(make_handler)
