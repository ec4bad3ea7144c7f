"""MeetingPrepRequired on EventBridge: the calendar monitor announces a prep, and the rule's
target (the prep trigger) starts its execution."""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError

from exec_assistant.domain.errors import EventNotPublished
from exec_assistant.domain.prep_steps import PrepRequest

log = logging.getLogger(__name__)

EVENT_SOURCE = "exec-assistant"
MEETING_PREP_REQUIRED = "MeetingPrepRequired"

MEETING_PREP_RULE_PATTERN: dict[str, Any] = {
    "source": [EVENT_SOURCE],
    "detail-type": [MEETING_PREP_REQUIRED],
    "detail": {"meeting_id": [{"exists": True}]},
}
"""The spec's event pattern of the meeting-prep rule (`json.dumps` it for the rule)."""


class EventBridgePrepStarts:
    """Publishes each prep to start as a MeetingPrepRequired event whose detail is the
    PrepRequest (meeting_id, prep_id, workflow_id, attempt)."""

    def __init__(self, client: Any, bus_name: str = "default") -> None:
        self._client = client
        self._bus_name = bus_name

    def publish(self, request: PrepRequest) -> None:
        """Raises EventNotPublished when the bus refuses the event (its entry failed, or the
        bus does not exist); a throttled call stays a ClientError, for the caller's retry."""
        entry = {
            "Source": EVENT_SOURCE,
            "DetailType": MEETING_PREP_REQUIRED,
            "Detail": request.model_dump_json(),
            "EventBusName": self._bus_name,
        }
        try:
            response = self._client.put_events(Entries=[entry])
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "ResourceNotFoundException":
                reason = "the bus does not exist (check EVENT_BUS_NAME)"
            elif code == "AccessDeniedException":
                reason = "access denied (the role needs events:PutEvents on the bus)"
            else:
                raise
            raise EventNotPublished(MEETING_PREP_REQUIRED, self._bus_name, reason) from None
        if response.get("FailedEntryCount", 0):
            failed = (response.get("Entries") or [{}])[0]
            reason = f"{failed.get('ErrorCode', 'failed')}: {failed.get('ErrorMessage', '')}"
            raise EventNotPublished(MEETING_PREP_REQUIRED, self._bus_name, reason.rstrip(": "))
        log.info(
            "prep start published",
            extra={"workflow_id": request.workflow_id, "bus": self._bus_name},
        )
