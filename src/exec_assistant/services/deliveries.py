"""Messages to the executive sent once, by their stable key."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from exec_assistant.domain.models import Delivery, DeliveryState
from exec_assistant.ports import Clock, DeliveryRepository

log = logging.getLogger(__name__)


def delivered(deliveries: DeliveryRepository, key: str) -> bool:
    record = deliveries.get(key)
    return record is not None and record.state == DeliveryState.SENT


def deliver_once(
    deliveries: DeliveryRepository,
    clock: Clock,
    key: str,
    meeting_id: str,
    kind: str,
    send: Callable[[], Any],
) -> bool:
    """Send unless the record says it went out; True when it was sent now.

    The record is written before sending ('sending') and after ('sent'): a crash in
    between sends it again, under the same key, so the receiving end can drop the copy.
    """
    earlier = deliveries.get(key)
    if earlier is not None and earlier.state == DeliveryState.SENT:
        log.info("already delivered", extra={"key": key, "kind": kind})
        return False
    attempts = earlier.attempts + 1 if earlier else 1
    record = Delivery(
        key=key,
        meeting_id=meeting_id,
        kind=kind,
        state=DeliveryState.SENDING,
        attempts=attempts,
        updated_at=clock.now(),
    )
    deliveries.put(record)
    send()
    deliveries.put(
        record.model_copy(update={"state": DeliveryState.SENT, "updated_at": clock.now()})
    )
    return True
