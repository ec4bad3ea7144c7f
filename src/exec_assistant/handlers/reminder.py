"""SendFinalReminder, as the target of the one-time EventBridge Scheduler schedule made by
ScheduleFinalReminder: its input is the prep's request. Scheduler delivers at least once:
a second delivery of the same prep's reminder returns the first result."""

from __future__ import annotations

from typing import Any

from exec_assistant.domain.errors import MeetingNotFound
from exec_assistant.domain.prep_steps import PrepRequest, ReminderSent
from exec_assistant.handlers.runtime import (
    AppFactory,
    Handler,
    LambdaEvent,
    environment_handler,
    function_handler,
    idempotent,
    logger,
    parse_event,
)
from exec_assistant.lambda_functions import BY_KEY

KEY = "reminder"
REMEMBERED_SECONDS = 2 * 86400
"""A reminder is sent 2 hours before its meeting: a repeat after two days finds the meeting
over (and sends nothing anyway)."""


def make_handler(app: AppFactory) -> Handler:
    name = BY_KEY[KEY].name
    layers: dict[str, Any] = {}

    def body(the_app: Any, event: LambdaEvent, context: Any) -> dict[str, Any]:
        request = parse_event(PrepRequest, event, name)
        logger.append_keys(meeting_id=request.meeting_id, workflow_id=request.workflow_id)

        def send(payload: dict[str, Any]) -> dict[str, Any]:
            try:
                result = the_app.steps.send_final_reminder(PrepRequest.model_validate(payload))
            except MeetingNotFound:
                # Not an error to retry: the Scheduler would deliver it for two hours.
                logger.info("reminder of a meeting not stored")
                result = ReminderSent(proceed=False, reason="the meeting is not stored")
            data: dict[str, Any] = result.model_dump(mode="json")
            return data

        run = idempotent(
            the_app,
            KEY,
            send,
            event_key="prep_id",
            expires_after_seconds=REMEMBERED_SECONDS,
            layers=layers,
        )
        return run(request.model_dump(mode="json"), context)

    return function_handler(KEY, app, body)


lambda_handler = environment_handler(make_handler)
