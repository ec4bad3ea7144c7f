"""The meetings table reads well from 60 to 200 columns, whatever the calendar holds."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len
from rich.console import Console

from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.presentation import meetings_table, short_id

S = MeetingStatus
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")
WIDTHS = [60, 80, 100, 120, 200]
TYPE_NAMES = {
    "leadership_team": "Leadership team",
    "one_on_one": "1:1",
    "vendor_meeting": "Vendor",
    "reliability_review": "Reliability review",
    "interview_debrief": "Interview debrief",
    "qbr": "QBR",
    "general": "General",
}


def meeting(
    title: str,
    day: int,
    hour: float,
    *,
    minutes: int = 60,
    status: MeetingStatus = S.SCHEDULED,
    meeting_type: str = "general",
    skip_reason: str | None = None,
    prep_error: str | None = None,
    all_day: bool = False,
    prep_hours: float | None = 24,
) -> Meeting:
    start = NOW + timedelta(days=day, hours=hour)
    settled = status in (S.SKIPPED, S.CANCELLED)
    return Meeting(
        meeting_id=f"mtg_{abs(hash((title, day, hour))):016x}",
        calendar_id="cal",
        series_id="ser",
        source_uid=f"{title}-{day}",
        title=title,
        start=start,
        end=start + timedelta(minutes=minutes),
        timezone="America/New_York",
        all_day=all_day,
        meeting_type=meeting_type,
        classification_reason=f"title matched '{meeting_type}'; 6 attendees",
        status=status,
        skip_reason=skip_reason,
        prep_error=prep_error,
        prep_at=None if settled or prep_hours is None else start - timedelta(hours=prep_hours),
        reminder_at=None if settled else start - timedelta(hours=2),
        discovered_at=NOW,
        updated_at=NOW,
    )


FORTNIGHT = [
    meeting("Infrastructure Leadership Team", 0, 3, status=S.COMPLETED, prep_hours=3),
    meeting("Jordan / Priya 1:1", 1, 2, minutes=30, meeting_type="one_on_one"),
    meeting("Vendor sync: Datadog renewal", 1, 6, minutes=45, meeting_type="vendor_meeting"),
    meeting(
        "Focus time",
        2,
        1,
        minutes=120,
        status=S.SKIPPED,
        skip_reason="no attendees besides you",
    ),
    meeting(
        "Post-Incident Review: INC-2291 payments API latency",
        2,
        7,
        status=S.MATERIALS_READY,
        meeting_type="reliability_review",
    ),
    meeting("Architecture Guild", 3, 5, status=S.SKIPPED, skip_reason="you declined"),
    meeting(
        "Interview Debrief – Staff SRE candidate",
        4,
        9,
        minutes=30,
        status=S.TIMED_OUT,
        meeting_type="interview_debrief",
    ),
    meeting(
        "Budget check-in with Finance",
        7,
        8,
        status=S.FAILED,
        prep_error="the budget context timed out after 20 s",
    ),
    meeting(
        "Northwind All-Hands Offsite",
        9,
        0,
        minutes=24 * 60,
        all_day=True,
        status=S.SKIPPED,
        skip_reason="all-day event",
    ),
    meeting(
        "Capacity planning review",
        9,
        9,
        status=S.CANCELLED,
        skip_reason="cancelled by the organizer",
    ),
    meeting("Q4 QBR – Infrastructure & Reliability", 10, 6, minutes=120, meeting_type="qbr"),
    meeting("四半期レビュー 会議 🎉", 11, 2),
    meeting("https://meet.example.com/j/0123456789abcdef0123456789abcdef", 11, 4),
]


def render(meetings: list[Meeting], width: int, *, colour: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system="standard" if colour else None)
    console.print(meetings_table(meetings, ZONE, TYPE_NAMES, NOW, width))
    return out.getvalue()


def header(out: str) -> list[str]:
    return out.splitlines()[0].split()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_line_is_wider_than_the_terminal(width: int) -> None:
    out = render(FORTNIGHT, width)
    too_wide = [line for line in out.splitlines() if cell_len(line) > width]
    assert not too_wide, "\n".join(too_wide)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_word_is_broken_when_it_fits(width: int) -> None:
    out = render(FORTNIGHT, width)
    shown = set(out.split())
    words = {w for m in FORTNIGHT for w in m.title.split() if len(w) <= 16}
    if "Type" in header(out):
        words |= {w for m in FORTNIGHT for w in TYPE_NAMES[m.meeting_type or ""].split()}
    words |= {"materials", "ready", "timed", "out", "failed", "cancelled", "skipped"}
    assert words - shown == set()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_time_shown_is_whole(width: int) -> None:
    out = render(FORTNIGHT, width)
    tokens = out.split()
    columns = header(out)
    expected = [m.start for m in FORTNIGHT if not m.all_day]
    if "Prep" in columns:
        expected += [m.prep_at for m in FORTNIGHT if m.prep_at]
    if "Reminder" in columns:
        expected += [m.reminder_at for m in FORTNIGHT if m.reminder_at]
    for instant in expected:
        local = instant.astimezone(ZONE)
        assert f"{local:%H:%M}" in tokens
        assert f"{local:%a}" in tokens and f"{local:%d}" in tokens
    times = [t for t in tokens if re.fullmatch(r"\d\d:\d?", t)]
    assert times == [], "a time was cut"
    assert " ".join(tokens).count("all day") == 1  # the all-day meeting says so, whole


@pytest.mark.parametrize(
    ("width", "hidden"),
    [
        (60, ["Min", "Type", "Reminder", "Why"]),
        (80, ["Min", "Reminder", "Why"]),
        (100, ["Reminder", "Why"]),
        (120, ["Why"]),
    ],
)
def test_a_line_under_the_table_names_the_columns_left_out(width: int, hidden: list[str]) -> None:
    out = render(FORTNIGHT, width)
    note = f"Hidden at {width} columns: {', '.join(hidden)} (widen the terminal or use --json)."
    assert note in " ".join(out.split())
    for name in ("Min", "Type", "Reminder", "Why"):
        assert (name in header(out)) == (name not in hidden)


def test_eighty_columns_show_type_status_and_prep_with_one_line_dates() -> None:
    out = render(FORTNIGHT, 80)
    assert header(out) == ["ID", "Start", "Meeting", "Type", "Status", "Prep"]
    first = FORTNIGHT[1]
    line = next(line for line in out.splitlines() if line.startswith(short_id(first.meeting_id)))
    assert f"{first.start.astimezone(ZONE):%a %d %H:%M}" in line
    assert f"{first.prep_at.astimezone(ZONE):%a %d %H:%M}" in line  # type: ignore[union-attr]


def test_every_column_is_shown_when_there_is_room() -> None:
    out = render(FORTNIGHT, 200)
    assert header(out) == [
        "ID",
        "Start",
        "Min",
        "Meeting",
        "Type",
        "Status",
        "Prep",
        "Reminder",
        "Why",
    ]
    assert "hidden" not in out
    assert f"{FORTNIGHT[1].start.astimezone(ZONE):%a %d %b %H:%M}" in out


def test_sixty_columns_keep_the_prep_time_by_stacking_dates() -> None:
    out = render(FORTNIGHT, 60)
    assert header(out) == ["ID", "Start", "Meeting", "Status", "Prep"]
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if short_id(FORTNIGHT[1].meeting_id) in line)
    start = FORTNIGHT[1].start.astimezone(ZONE)
    assert f"{start:%a %d}" in lines[first] and f"{start:%H:%M}" in lines[first + 1]


def column(out: str, name: str) -> str:
    """The words of one column (for tables of plain-ASCII rows)."""
    lines = out.splitlines()
    names = header(out)
    start = lines[0].index(name)
    after = names.index(name) + 1
    end = lines[0].index(names[after]) if after < len(names) else None
    body = [line[start:end] for line in lines[2:] if line.strip() and "Hidden at" not in line]
    return " ".join(" ".join(body).split())


FAILED = FORTNIGHT[7]
DECLINED = FORTNIGHT[5]


def test_a_failed_prep_shows_in_red_with_its_error_in_the_why_column() -> None:
    out = render(FORTNIGHT, 200, colour=True)
    assert re.search(r"\x1b\[1;31mfailed *\x1b\[0m", out)
    alone = render([FAILED], 200)
    assert column(alone, "Status") == "failed"
    assert column(alone, "Why") == "the budget context timed out after 20 s"
    assert column(alone, "Meeting") == "Budget check-in with Finance"


def test_a_failed_prep_shows_its_error_under_the_title_when_why_is_hidden() -> None:
    out = render([FAILED], 80)
    assert "Why" not in header(out)
    assert column(out, "Meeting") == (
        "Budget check-in with Finance the budget context timed out after 20 s"
    )
    start = out.splitlines()[0].index("Meeting")
    assert any(line[start:].startswith("the budget") for line in out.splitlines())  # own line


def test_skip_reasons_follow_the_title_when_why_is_hidden() -> None:
    assert column(render([DECLINED], 80), "Meeting") == "Architecture Guild (you declined)"
    wide = render([DECLINED], 200)
    assert column(wide, "Meeting") == "Architecture Guild"
    assert column(wide, "Why") == "you declined"


def test_a_meeting_title_is_shown_as_written_not_as_markup_or_controls() -> None:
    hostile = meeting(
        "[link=https://evil.example]Pay now[/link] \x1b[2J\x1b]0;pwned\x07 \u202edaer", 1, 1
    )
    out = render([hostile], 200, colour=True)
    assert "[link=https://evil.example]Pay" in out
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in out
    assert "\\u202edaer" in out
    assert "\x1b]" not in out and "\x1b[2J" not in out and "\u202e" not in out


def test_a_title_with_line_breaks_stays_one_entry() -> None:
    out = render([meeting("Budget review\nRoom 4\n\nbring laptops", 1, 1)], 200)
    assert "Budget review ↵ Room 4 ↵ bring laptops" in out


@pytest.mark.parametrize(
    "title",
    ["Quarterly planning " * 1_100_000, "x" * 20_000_000, "\x1b[2J" * 5_000_000],
    ids=["words", "one-word", "escapes"],
)
def test_a_twenty_megabyte_title_renders_in_well_under_a_second(title: str) -> None:
    huge = [meeting(title, 1, 1), *FORTNIGHT[:3]]
    started = time.perf_counter()
    out = render(huge, 80)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"{elapsed:.2f} s"
    assert "…" in out
    assert len(out) < 10_000
    assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_a_past_prep_time_is_shown_as_the_time_it_was() -> None:
    done = FORTNIGHT[0]
    out = render([done], 120)
    assert f"{done.prep_at.astimezone(ZONE):%a %d %H:%M}" in out  # type: ignore[union-attr]
