"""Sync reports, notes results and the registers show outside text as written."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len
from rich.console import Console, RenderableType

from exec_assistant.domain.models import (
    ActionItem,
    Decision,
    DecisionStatus,
    ItemStatus,
    Meeting,
    MeetingStatus,
)
from exec_assistant.presentation import (
    action_items_table,
    decisions_table,
    notes_report,
    sync_report,
)
from exec_assistant.services.followup import ActionItemView, DecisionView
from exec_assistant.services.notes import NotesResult
from exec_assistant.services.sync_calendars import CalendarSyncResult, SyncReport

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")
MARKUP = "[link=https://evil.example]click[/link]"
ESCAPES = "\x1b[2J\x1b]8;;http://x\x07"
SHOWN_ESCAPES = "\\x1b[2J\\x1b]8;;http://x\\x07"


def render(renderable: RenderableType, width: int = 120) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def assert_harmless(out: str) -> None:
    assert "\x1b" not in out and "\x07" not in out


def test_the_sync_report_shows_calendar_names_warnings_and_errors_as_written() -> None:
    report = SyncReport(
        window_start=NOW,
        window_end=NOW + timedelta(days=14),
        calendars=[
            CalendarSyncResult(
                calendar_id="a",
                location="/cal/work.ics",
                name=f"Work {MARKUP}",
                events=12,
                discovered=10,
                skipped=2,
                warnings=[f"event 'x{ESCAPES}' has no end"],
            ),
            CalendarSyncResult(
                calendar_id="b",
                location=f"https://cal.example/[bold]{ESCAPES}",
                error=f"cannot read {MARKUP}",
            ),
        ],
    )
    out = render(sync_report(report, ZONE))
    assert_harmless(out)
    lines = out.splitlines()
    assert lines[0].startswith("Synced 2 calendars: Mon 30 Nov 2026 07:00")
    assert lines[1] == f"  ✓ Work {MARKUP} (/cal/work.ics): 12 events in the window"
    assert lines[2] == "    10 discovered · 0 updated · 0 cancelled · 2 skipped · 0 unchanged"
    assert lines[3] == f"    warning: event 'x{SHOWN_ESCAPES}' has no end"
    assert lines[4] == f"  ✗ https://cal.example/[bold]{SHOWN_ESCAPES}: cannot read {MARKUP}"


def meeting(title: str = "Jordan / Priya 1:1") -> Meeting:
    return Meeting(
        meeting_id="mtg_0123456789abcdef",
        calendar_id="cal",
        series_id="ser",
        source_uid="uid",
        title=title,
        start=NOW,
        end=NOW + timedelta(minutes=30),
        timezone="America/New_York",
        status=MeetingStatus.COMPLETED,
        discovered_at=NOW,
        updated_at=NOW,
    )


def item(text: str, owner: str | None, *, resolved: bool = True, line: int = 3) -> ActionItem:
    return ActionItem(
        item_id=f"act_{line}",
        meeting_id="mtg_0123456789abcdef",
        text=text,
        owner=owner,
        owner_resolved=resolved,
        due=date(2026, 12, 4),
        status=ItemStatus.OPEN,
        source_line=line,
        created_at=NOW,
    )


def decision(text: str, *, status: DecisionStatus = DecisionStatus.DECIDED) -> Decision:
    return Decision(
        decision_id="dec_1",
        meeting_id="mtg_0123456789abcdef",
        text=text,
        status=status,
        source_line=7,
        created_at=NOW,
    )


def test_notes_results_show_the_notes_text_as_written() -> None:
    result = NotesResult(
        meeting=meeting(f"1:1 {MARKUP}"),
        summary=f"Went well.\nNext: {ESCAPES} [red]",
        decisions=[decision(f"Ship {MARKUP}"), decision("Hire?", status=DecisionStatus.PENDING)],
        action_items=[
            item(f"Send the deck {ESCAPES}", "Priya Raman"),
            item("Book the room", "[bold]Zed", resolved=False, line=9),
        ],
        closed_elsewhere=[],
    )
    out = render(notes_report(result, 120), 120)
    assert_harmless(out)
    flat = " ".join(out.split())
    assert f"1:1 {MARKUP} — notes stored, meeting completed." in flat
    assert f"Summary: Went well.\nNext: {SHOWN_ESCAPES} [red]" in out
    assert f"line 7: Ship {MARKUP} (decided)" in flat
    assert "line 7: Hire? (pending)" in flat
    assert f"3 Send the deck {SHOWN_ESCAPES} Priya Raman 2026-12-04 open" in flat
    assert "9 Book the room [bold]Zed (not an attendee) 2026-12-04 open" in flat
    narrow = render(notes_report(result, 60), 60)
    assert all(cell_len(line) <= 60 for line in narrow.splitlines())


def test_notes_without_items_say_so() -> None:
    result = NotesResult(meeting(), "Nothing much.", [], [], [])
    assert "No decisions or action items found in these notes." in render(notes_report(result, 80))


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_action_items_register_fits_and_flags_overdue_items(width: int) -> None:
    views = [
        ActionItemView(
            item(f"Draft the reliability section {MARKUP}", "Priya Raman"), meeting(), True
        ),
        ActionItemView(item("Book a room", "[i]nobody", resolved=False, line=4), None, False),
    ]
    out = render(action_items_table(views, ZONE, width), width)
    assert_harmless(out)
    assert all(cell_len(line) <= width for line in out.splitlines())
    lines = out.splitlines()
    assert lines[2].startswith("2026-12-04") and lines[3].startswith("overdue")
    words = out.split()
    assert "[i]nobody" in words
    if width >= 80:
        assert "mtg_0123456789abcdef" in words  # a meeting no longer stored: its id
    assert "Raman" in words and "reliability" in words
    assert " ".join(words).endswith("2 items, 1 overdue.")


def test_the_decision_register_shows_decisions_as_written() -> None:
    views = [DecisionView(decision(f"Adopt {MARKUP} {ESCAPES}"), meeting())]
    out = render(decisions_table(views, ZONE, 120))
    assert_harmless(out)
    flat = " ".join(out.split())
    assert f"decided Adopt {MARKUP} {SHOWN_ESCAPES}" in flat
    assert "Jordan / Priya 1:1 (30 Nov) 7" in flat
