"""How statuses read on the page."""

from __future__ import annotations

from exec_assistant.domain.models import MeetingStatus

STATUS_WORDS: dict[MeetingStatus, str] = {
    MeetingStatus.DISCOVERED: "New",
    MeetingStatus.SCHEDULED: "Prep scheduled",
    MeetingStatus.NOTIFIED: "Questions asked",
    MeetingStatus.ANSWERED: "Answered; pack being written",
    MeetingStatus.TIMED_OUT: "No answers; pack being written",
    MeetingStatus.MATERIALS_READY: "Pack ready",
    MeetingStatus.REMINDED: "Reminded",
    MeetingStatus.COMPLETED: "Notes in",
    MeetingStatus.SKIPPED: "Skipped",
    MeetingStatus.CANCELLED: "Cancelled",
    MeetingStatus.FAILED: "Prep failed; retried later",
}
