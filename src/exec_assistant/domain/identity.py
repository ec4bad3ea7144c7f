"""Stable identifiers: the same calendar instance gets the same id on every sync."""

from __future__ import annotations

import hashlib
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


def workflow_id_for(meeting_id: str, start: datetime) -> str:
    return f"prep-{meeting_id}-{start.astimezone(UTC).strftime('%Y%m%dT%H%MZ')}"
