"""Turning what a calendar reports into the assistant's view of a meeting."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from exec_assistant.domain.classification import Classification, classify, participants
from exec_assistant.domain.identity import meeting_id_for, series_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import (
    ACTIVE_STATUSES,
    CalendarEvent,
    Meeting,
    MeetingStatus,
    ResponseStatus,
)
from exec_assistant.domain.timing import compute_prep_at, compute_reminder_at

OVERRIDE_REASON = "set by you for this series"
# Part of every fingerprint: change it when assess_event would judge the same event otherwise.
ASSESSMENT_VERSION = "1"


@dataclass(frozen=True)
class Executive:
    email: str | None
    zone: ZoneInfo


def skip_reason(event: CalendarEvent, executive: Executive) -> str | None:
    """Why the assistant should not prepare for this event, or None if it should."""
    if event.all_day:
        return "all-day event"
    me = executive.email.lower() if executive.email else None
    people = participants(event.organizer, event.attendees)
    if me is not None:
        mine = next((a for a in event.attendees if a.email.lower() == me), None)
        if mine is not None and mine.response == ResponseStatus.DECLINED:
            return "you declined"
        others = [p for p in people if p.email.lower() != me]
    else:
        others = people[1:] if people else []
    if not others:
        return "no attendees besides you"
    return None


def assess_event(
    event: CalendarEvent,
    existing: Meeting | None,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    series_override: str | None,
    now: datetime,
) -> Meeting:
    """The meeting as it should be stored after this sync.

    Deterministic for the same inputs, so an unchanged calendar re-syncs to equal records.
    """
    if existing is not None and existing.status == MeetingStatus.COMPLETED:
        return existing
    if series_override is not None and series_override in catalog:
        classification = Classification(series_override, OVERRIDE_REASON)
    else:
        classification = classify(
            event.title, event.organizer, event.attendees, catalog, executive.email
        )
    moved = existing is not None and (existing.start, existing.end) != (event.start, event.end)
    base = Meeting(
        meeting_id=meeting_id_for(event.calendar_id, event.uid, event.recurrence_id),
        calendar_id=event.calendar_id,
        series_id=series_id_for(event.calendar_id, event.uid),
        source_uid=event.uid,
        recurrence_id=event.recurrence_id,
        title=event.title,
        description=event.description,
        location=event.location,
        start=event.start,
        end=event.end,
        timezone=event.timezone,
        all_day=event.all_day,
        organizer=event.organizer,
        attendees=event.attendees,
        meeting_type=classification.meeting_type,
        classification_reason=classification.reason,
        type_overridden=series_override is not None and series_override in catalog,
        status=existing.status if existing else MeetingStatus.DISCOVERED,
        skip_reason=None,
        workflow_id=existing.workflow_id if existing and not moved else None,
        prep_attempt=existing.prep_attempt if existing and not moved else 1,
        prep_error=existing.prep_error if existing and not moved else None,
        retry_at=existing.retry_at if existing and not moved else None,
        pack_location=existing.pack_location if existing else None,
        generated_by=existing.generated_by if existing else None,
        model_calls=existing.model_calls if existing else (),
        fallback_reason=existing.fallback_reason if existing else None,
        discovered_at=existing.discovered_at if existing else now,
        updated_at=existing.updated_at if existing else now,
    )

    if event.cancelled:
        return base.with_status(MeetingStatus.CANCELLED, skip_reason="cancelled by the organizer")
    if existing is not None and existing.skipped_by_executive:
        # The executive's "skip this meeting" holds whatever the event's later edits say.
        return base.model_copy(
            update={
                "status": MeetingStatus.SKIPPED,
                "skip_reason": existing.skip_reason,
                "skipped_by_executive": True,
            }
        )
    reason = skip_reason(event, executive)
    if reason is not None:
        return base.with_status(MeetingStatus.SKIPPED, skip_reason=reason)

    status = base.status
    if status not in ACTIVE_STATUSES or moved:
        status = MeetingStatus.SCHEDULED
    return schedule(
        base.with_status(status),
        catalog,
        rules,
        executive,
        now,
        previous=existing if existing and not moved else None,
    )


def schedule(
    meeting: Meeting,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    now: datetime,
    previous: Meeting | None = None,
) -> Meeting:
    """Prep and reminder times for an active meeting, from its type's lead time."""
    if meeting.status not in ACTIVE_STATUSES:
        return meeting.model_copy(update={"prep_at": None, "reminder_at": None})
    lead_hours = catalog.get(meeting.meeting_type or catalog.fallback.id).prep_lead_hours
    prep_at = compute_prep_at(
        meeting.start,
        lead_hours,
        rules.quiet_hours,
        executive.zone,
        now,
        previous=previous.prep_at if previous else None,
    )
    reminder_at = compute_reminder_at(
        meeting.start,
        now,
        rules.final_reminder_minutes,
        previous=previous.reminder_at if previous else None,
    )
    return meeting.model_copy(update={"prep_at": prep_at, "reminder_at": reminder_at})


def override_type(
    meeting: Meeting,
    meeting_type: str,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    now: datetime,
) -> Meeting:
    """The meeting as the executive classified it; its prep time follows the new type."""
    catalog.get(meeting_type)  # raises UnknownMeetingType
    changed = meeting.model_copy(
        update={
            "meeting_type": meeting_type,
            "classification_reason": OVERRIDE_REASON,
            "type_overridden": True,
        }
    )
    return schedule(changed, catalog, rules, executive, now, previous=meeting)


def cancel_vanished(meeting: Meeting) -> Meeting:
    # The fingerprint goes: if the event comes back unchanged it must be assessed again.
    return meeting.with_status(
        MeetingStatus.CANCELLED, skip_reason="removed from the calendar", source_fingerprint=None
    )


def configuration_key(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> str:
    """Everything besides the event that assess_event depends on, as one digest."""
    parts = [t.model_dump_json() for t in catalog]
    parts += [rules.model_dump_json(), executive.email or "", executive.zone.key]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def event_fingerprint(event: CalendarEvent, series_override: str | None, config_key: str) -> str:
    """Equal for the same event, series type and configuration: nothing to re-assess."""
    material = "\x1f".join(
        [ASSESSMENT_VERSION, config_key, series_override or "", event.model_dump_json()]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]
