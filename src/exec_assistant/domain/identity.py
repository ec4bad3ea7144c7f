"""Stable identifiers: the same calendar instance gets the same id on every sync."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def series_id_for(calendar_id: str, uid: str) -> str:
    return "ser_" + _digest(calendar_id, uid)[:16]


def meeting_id_for(calendar_id: str, uid: str, recurrence_id: datetime | None) -> str:
    """One id per instance: a recurring instance is named by its original start, so an
    instance moved to another time keeps its id; a one-off event is named by its UID alone."""
    original = recurrence_id.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if recurrence_id else ""
    return "mtg_" + _digest(calendar_id, uid, original)[:16]


def prep_id_for(meeting_id: str, start: datetime) -> str:
    """One prep per meeting instance and start time: a moved meeting gets a new one."""
    return f"prep-{meeting_id}-{start.astimezone(UTC).strftime('%Y%m%dT%H%MZ')}"


def workflow_id_for(meeting_id: str, start: datetime, attempt: int = 1) -> str:
    """The workflow (the Step Functions execution name) of one attempt of the prep: the prep
    id itself for the first, `…-a2` for the retry after a failure, and so on. Starting the same
    attempt twice starts nothing new."""
    prep_id = prep_id_for(meeting_id, start)
    return prep_id if attempt == 1 else f"{prep_id}-a{attempt}"


_WORKFLOW_ID = re.compile(r"(prep-mtg_[0-9a-f]{16}-\d{8}T\d{4}Z)(?:-a([2-9]|[1-9]\d+))?")


def prep_id_of(workflow_id: str) -> str:
    """The prep a workflow id is an attempt of, the inverse of `workflow_id_for`:
    `prep-mtg_0123456789abcdef-20261201T1400Z-a2` → `prep-mtg_0123456789abcdef-20261201T1400Z`.
    Raises ValueError for a string `workflow_id_for` never gives."""
    match = _WORKFLOW_ID.fullmatch(workflow_id)
    if match is None:
        raise ValueError(
            f"{workflow_id!r} is not a prep workflow id "
            "(expected prep-mtg_<16 hex digits>-<yyyymmddThhmmZ>, then -a<attempt> from 2 on)"
        )
    return match.group(1)


def session_id_for(prep_id: str) -> str:
    """The chat session of a prep: the same for every attempt, so a retry finds the answers."""
    return "ses_" + _digest(prep_id)[:16]


def delivery_key(prep_id: str, state: str) -> str:
    """The stable key of the message a state sends: a repeated state finds it and sends
    nothing, and a channel can drop a copy it already has."""
    return f"{prep_id}/{state}"
