"""What the commands print for people: sync reports and the state of a prep."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

from exec_assistant.display_text import TITLE_LIMIT, safe_text
from exec_assistant.domain.models import ChatSession, Meeting, MeetingStatus
from exec_assistant.ports import PrepRun, PrepRunState
from exec_assistant.presentation import sync_report
from exec_assistant.services.sync_calendars import SyncReport

_S = MeetingStatus


def print_sync(report: SyncReport, zone: ZoneInfo, console: Console) -> None:
    console.print(sync_report(report, zone))


def _at(value: datetime | None, zone: ZoneInfo) -> str:
    return f"{value.astimezone(zone):%a %d %b %H:%M}" if value else ""


def print_prep(
    meeting: Meeting,
    session: ChatSession | None,
    run: PrepRun | None,
    zone: ZoneInfo,
    now: datetime,
    console: Console,
) -> None:
    """Where one prep stands: waiting for answers, ready, failed, or ended."""
    title = safe_text(meeting.title, limit=TITLE_LIMIT)
    if meeting.status == _S.FAILED or (run is not None and run.state == PrepRunState.FAILED):
        why = meeting.prep_error or (run.error if run else None) or "an error"
        console.print(
            Text.assemble(("✗ ", "red"), "Prep of '", title, "' failed: ", safe_text(why))
        )
        retry = (
            f"'exec-assistant serve' retries it at {_at(meeting.retry_at, zone)}, or retry now"
            if meeting.retry_at
            else "Retry"
        )
        console.print(f"{retry} with: exec-assistant prep {meeting.meeting_id} --retry")
        return
    if meeting.status == _S.NOTIFIED and session is not None:
        due = session.answers_due
        until = f" until {_at(due, zone)}" if due else ""
        pending = session.pending_follow_up
        if pending is not None:
            console.print(
                Text.assemble(
                    f"One more question{until}, about your answer {pending.question_number}: ",
                    safe_text(pending.question),
                )
            )
            console.print(
                f"Answer it with: exec-assistant answer {meeting.meeting_id} --answers FILE, "
                f"the file giving '{pending.question_number}: your answer' (or leave it: the "
                "pack is written with your answers as they are when the time is up)."
            )
            return
        console.print(
            f"Waiting for your answers{until}: exec-assistant answer {meeting.meeting_id} "
            "--answers FILE (or leave it: the pack is written without them when the time is "
            "up, by 'exec-assistant serve')."
        )
        return
    if meeting.pack_location:
        console.print(
            Text.assemble(("✓ ", "green"), "Pack ready: ", safe_text(meeting.pack_location))
        )
        if (
            meeting.status == _S.MATERIALS_READY
            and meeting.reminder_at
            and meeting.reminder_at > now
        ):
            console.print(
                f"Final reminder at {_at(meeting.reminder_at, zone)}, "
                "sent by 'exec-assistant serve'."
            )
        return
    console.print(
        Text.assemble("Prep of '", title, f"' ended: the meeting is {meeting.status.value}.")
    )
