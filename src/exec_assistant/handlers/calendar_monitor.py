"""The periodic tick (EventBridge schedule, every 2 hours): the calendars synced 14 days
ahead (the input's `time_range_days`), due preps started, failed ones retried, snoozed
questions asked again, notes asked for after a meeting.

Its input is the rule's constant `{"source": "scheduled", "time_range_days": 14}` or the
scheduled event itself. A delivery repeated within minutes runs one tick.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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

KEY = "calendar_monitor"
REMEMBERED_SECONDS = 600
"""Shorter than the schedule's 2 hours: the rule's constant input is the same every time."""


class MonitorInput(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str | None = None
    """The scheduled event's id (absent from the rule's constant input)."""
    time: str | None = None
    source: str | None = None
    time_range_days: int | None = Field(default=None, ge=1, le=366)


def make_handler(app: AppFactory) -> Handler:
    name = BY_KEY[KEY].name
    layers: dict[str, Any] = {}

    def body(the_app: Any, event: LambdaEvent, context: Any) -> dict[str, Any]:
        given = parse_event(MonitorInput, event, name)

        def tick(payload: dict[str, Any]) -> dict[str, Any]:
            report = the_app.ticker(lookahead_days=given.time_range_days).tick(sync=True)
            counts = {
                "calendars": len(report.sync.calendars) if report.sync else 0,
                "calendars_failed": len(report.sync.failed) if report.sync else 0,
                "changed": len(report.sync.changed_meetings) if report.sync else 0,
                "started": len(report.started),
                "retried": len(report.retried),
                "cancelled": len(report.cancelled),
                "stranded": len(report.stranded),
                "reasked": len(report.reasked),
                "notes_requested": len(report.notes_requested),
            }
            logger.info("tick", extra={**counts, "sync_failed": report.sync_error is not None})
            return {**counts, "sync_error": report.sync_error}

        run = idempotent(
            the_app,
            KEY,
            tick,
            event_key="[id, time, source, time_range_days]",
            expires_after_seconds=REMEMBERED_SECONDS,
            layers=layers,
        )
        return run(given.model_dump(mode="json"), context)

    return function_handler(KEY, app, body)


lambda_handler = environment_handler(make_handler)
