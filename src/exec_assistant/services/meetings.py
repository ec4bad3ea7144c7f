"""Reading meetings and changing how one is classified."""

from __future__ import annotations

import logging
from datetime import datetime

from exec_assistant.domain.discovery import Executive, override_type
from exec_assistant.domain.errors import AmbiguousMeetingId, MeetingNotFound
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.ports import MeetingRepository, SeriesOverrideRepository

log = logging.getLogger(__name__)


def list_meetings(
    meetings: MeetingRepository, start_from: datetime, start_to: datetime
) -> list[Meeting]:
    return meetings.list_between(start_from, start_to)


MIN_PREFIX = 4


def find_meeting(meetings: MeetingRepository, meeting_id: str) -> Meeting:
    """The meeting with this id, or with the only id starting with it (as 'meetings' shows)."""
    meeting = meetings.get(meeting_id)
    if meeting is not None:
        return meeting
    prefix = meeting_id if meeting_id.startswith("mtg_") else "mtg_" + meeting_id
    if len(prefix) - len("mtg_") >= MIN_PREFIX:
        candidates = meetings.ids_with_prefix(prefix, limit=5)
        if len(candidates) == 1:
            found = meetings.get(candidates[0])
            if found is not None:
                return found
        if len(candidates) > 1:
            raise AmbiguousMeetingId(meeting_id, candidates)
    raise MeetingNotFound(meeting_id)


def classify_series(
    meeting_id: str,
    meeting_type: str,
    meetings: MeetingRepository,
    overrides: SeriesOverrideRepository,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    now: datetime,
) -> list[Meeting]:
    """Set the type of a meeting and of every instance of its series, now and on later syncs.

    Returns the instances that changed; past and completed instances keep their type.
    """
    catalog.get(meeting_type)  # an unknown type is refused before anything is written
    meeting = find_meeting(meetings, meeting_id)
    overrides.set(meeting.series_id, meeting_type, now)

    def reclassify(current: Meeting) -> Meeting:
        if current.status == MeetingStatus.COMPLETED:
            return current
        typed = override_type(current, meeting_type, catalog, rules, executive, now)
        return typed.model_copy(update={"updated_at": now})

    # One meeting at a time, each read and written together: a prep running meanwhile (in
    # `serve`) keeps the status it has reached.
    changed = [
        stored
        for m in meetings.list_series(meeting.series_id)
        if m.status != MeetingStatus.COMPLETED
        and (m.end >= now or m.meeting_id == meeting.meeting_id)
        if (stored := meetings.update(m.meeting_id, reclassify)) is not None
    ]
    log.info(
        "series classified",
        extra={"series_id": meeting.series_id, "meeting_type": meeting_type, "count": len(changed)},
    )
    return changed
