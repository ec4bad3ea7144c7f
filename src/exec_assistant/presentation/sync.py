"""A calendar sync's report: JSON for machines, a few lines for people."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.text import Text

from exec_assistant.display_text import LINE_LIMIT, safe_markup, safe_text
from exec_assistant.domain.text import plural
from exec_assistant.presentation.times import iso, window_text
from exec_assistant.services.sync_calendars import CalendarSyncResult, SyncReport

_COUNTS = ("events", "discovered", "updated", "cancelled", "skipped", "unchanged")


def sync_json(report: SyncReport, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "window_start": iso(report.window_start, zone),
        "window_end": iso(report.window_end, zone),
        "calendars": [
            {
                "calendar_id": c.calendar_id,
                "location": c.location,
                "name": c.name,
                **{k: getattr(c, k) for k in _COUNTS},
                "warnings": c.warnings,
                "error": c.error,
                "seconds": round(c.seconds, 3),
            }
            for c in report.calendars
        ],
        "totals": {k: report.total(k) for k in _COUNTS},
        "changed": sum(c.changed for c in report.calendars),
    }


def sync_counts(result: CalendarSyncResult) -> str:
    """The counts as markup (numbers only: nothing from the calendar)."""
    return (
        f"[bold]{result.discovered}[/] discovered · [bold]{result.updated}[/] updated · "
        f"[bold]{result.cancelled}[/] cancelled · [bold]{result.skipped}[/] skipped · "
        f"{result.unchanged} unchanged"
    )


def sync_report(report: SyncReport, zone: ZoneInfo) -> Group:
    """What `sync` prints: the window, then per calendar its counts, warnings or error.

    Calendar names, locations, warnings and errors are shown as written, one line each.
    """
    count = len(report.calendars)
    lines = [
        Text(
            f"Synced {count} calendar{'s' if count != 1 else ''}: "
            f"{window_text(report.window_start, report.window_end, zone)}"
        )
    ]
    for result in report.calendars:
        location = safe_text(result.location, limit=LINE_LIMIT)
        if result.error:
            lines.append(
                safe_markup(
                    "  [red]✗[/] {location}: {error}", location=location, error=result.error
                )
            )
            continue
        label = (
            location
            if result.name == result.location
            else safe_markup(
                "{name} ({location})",
                name=safe_text(result.name, limit=LINE_LIMIT),
                location=location,
            )
        )
        lines.append(
            safe_markup(
                "  [green]✓[/] {label}: {events} in the window",
                label=label,
                events=plural(result.events, "event"),
            )
        )
        lines.append(Text.from_markup(f"    {sync_counts(result)}"))
        lines += [
            safe_markup("    [yellow]warning:[/] {warning}", warning=w) for w in result.warnings
        ]
    return Group(*lines)
