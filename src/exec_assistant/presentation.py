"""How meetings and results read: JSON objects for machines, rich tables for people."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich import box
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


def short_id(meeting_id: str) -> str:
    """The first characters of the id: enough to tell meetings apart, accepted by commands."""
    return meeting_id.removeprefix("mtg_")[:8]


def _when(value: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    if value is None:
        return "—"
    if value <= now:
        return "now"
    return value.astimezone(zone).strftime("%a %d %H:%M")


def meetings_table(
    meetings: list[Meeting], zone: ZoneInfo, type_names: dict[str, str], now: datetime, width: int
) -> Table:
    """One row a meeting; more columns as the terminal allows (all of them from 150 wide)."""
    normal, wide = width >= 110, width >= 150
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("ID", no_wrap=True, style="cyan")
    table.add_column("Start", no_wrap=True)
    if normal:
        table.add_column("Min", justify="right", no_wrap=True)
    table.add_column("Meeting", overflow="fold", min_width=12)
    table.add_column("Type", no_wrap=normal)
    table.add_column("Status", no_wrap=True)
    table.add_column("Prep", no_wrap=True)
    if wide:
        table.add_column("Reminder", no_wrap=True)
        table.add_column("Why", overflow="fold", min_width=20, style="dim")
    day_format = "%a %d %b" if normal else "%a %d"
    for m in meetings:
        local_start = m.start.astimezone(zone)
        start = local_start.strftime(day_format) + (
            " all day" if m.all_day else f" {local_start:%H:%M}"
        )
        settled = m.status in (MeetingStatus.SKIPPED, MeetingStatus.CANCELLED)
        title = Text(m.title)
        if settled and not wide:
            title.append(f" ({m.skip_reason})", style="dim")
        row: list[str | Text] = [short_id(m.meeting_id), start]
        if normal:
            row.append("" if m.all_day else str(m.duration_minutes))
        row += [
            title,
            type_names.get(m.meeting_type or "", m.meeting_type or ""),
            Text(m.status.value, style=STATUS_STYLE.get(m.status, "yellow")),
            _when(m.prep_at, zone, now),
        ]
        if wide:
            why = (m.skip_reason if settled else m.classification_reason) or ""
            row += [_when(m.reminder_at, zone, now), why]
        table.add_row(*row)
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
