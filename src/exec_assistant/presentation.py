"""How meetings and results read: JSON objects for machines, rich tables for people."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text

from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.services.sync_calendars import CalendarSyncResult, SyncReport

STATUS_STYLE = {
    MeetingStatus.SCHEDULED: "green",
    MeetingStatus.SKIPPED: "dim",
    MeetingStatus.CANCELLED: "red",
    MeetingStatus.COMPLETED: "blue",
}


def iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def meeting_json(meeting: Meeting, executive_zone: ZoneInfo) -> dict[str, Any]:
    zone = ZoneInfo(meeting.timezone)
    return {
        "meeting_id": meeting.meeting_id,
        "calendar_id": meeting.calendar_id,
        "series_id": meeting.series_id,
        "title": meeting.title,
        "start": iso(meeting.start, zone),
        "end": iso(meeting.end, zone),
        "timezone": meeting.timezone,
        "all_day": meeting.all_day,
        "meeting_type": meeting.meeting_type,
        "classification_reason": meeting.classification_reason,
        "type_overridden": meeting.type_overridden,
        "status": meeting.status.value,
        "skip_reason": meeting.skip_reason,
        "prep_at": iso(meeting.prep_at, executive_zone),
        "reminder_at": iso(meeting.reminder_at, executive_zone),
        "organizer": (
            {"email": meeting.organizer.email, "name": meeting.organizer.name}
            if meeting.organizer
            else None
        ),
        "attendees": [
            {"email": a.email, "name": a.name, "response": a.response.value}
            for a in meeting.attendees
        ],
        "location": meeting.location,
    }


def _when(value: datetime | None, zone: ZoneInfo, now: datetime | None = None) -> str:
    if value is None:
        return "—"
    if now is not None and value <= now:
        return "now"
    return value.astimezone(zone).strftime("%a %d %b %H:%M")


def meetings_table(
    meetings: list[Meeting], zone: ZoneInfo, type_names: dict[str, str], now: datetime
) -> Table:
    table = Table(title=None, show_lines=False, header_style="bold", expand=False)
    table.add_column("Start", no_wrap=True)
    table.add_column("Min", justify="right")
    table.add_column("Title", overflow="fold", max_width=38)
    table.add_column("Type", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Prep", no_wrap=True)
    table.add_column("Reminder", no_wrap=True)
    table.add_column("Why", overflow="fold", max_width=34, style="dim")
    table.add_column("ID", no_wrap=True, style="cyan")
    for m in meetings:
        start = (
            m.start.astimezone(zone).strftime("%a %d %b") + " all day"
            if m.all_day
            else m.start.astimezone(zone).strftime("%a %d %b %H:%M")
        )
        why = (
            m.skip_reason
            if m.status in (MeetingStatus.SKIPPED, MeetingStatus.CANCELLED)
            else (m.classification_reason or "")
        )
        table.add_row(
            start,
            "" if m.all_day else str(m.duration_minutes),
            m.title,
            type_names.get(m.meeting_type or "", m.meeting_type or ""),
            Text(m.status.value, style=STATUS_STYLE.get(m.status, "yellow")),
            _when(m.prep_at, zone, now) if m.prep_at else "—",
            _when(m.reminder_at, zone),
            why or "",
            m.meeting_id,
        )
    return table


def sync_json(report: SyncReport, zone: ZoneInfo) -> dict[str, Any]:
    keys = ("events", "discovered", "updated", "cancelled", "skipped", "unchanged")
    return {
        "window_start": iso(report.window_start, zone),
        "window_end": iso(report.window_end, zone),
        "calendars": [
            {
                "calendar_id": c.calendar_id,
                "location": c.location,
                "name": c.name,
                **{k: getattr(c, k) for k in keys},
                "warnings": c.warnings,
                "error": c.error,
                "seconds": round(c.seconds, 3),
            }
            for c in report.calendars
        ],
        "totals": {k: report.total(k) for k in keys},
        "changed": sum(c.changed for c in report.calendars),
    }


def sync_counts(result: CalendarSyncResult) -> str:
    return (
        f"[bold]{result.discovered}[/] discovered · [bold]{result.updated}[/] updated · "
        f"[bold]{result.cancelled}[/] cancelled · [bold]{result.skipped}[/] skipped · "
        f"{result.unchanged} unchanged"
    )


def window_text(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    days = round((end - start) / timedelta(days=1))
    return (
        f"{start.astimezone(zone).strftime('%a %d %b %Y %H:%M')} → "
        f"{end.astimezone(zone).strftime('%a %d %b %Y %H:%M')} ({days} days, {zone.key})"
    )
