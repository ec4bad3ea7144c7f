"""The meetings table and JSON show what each meeting's model calls cost."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from rich.console import Console

from exec_assistant.domain.models import Meeting
from exec_assistant.presentation import meeting_json, meetings_table

from factories import NEW_YORK, model_call, stored_meeting

NOW = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
DAY = datetime(2026, 12, 11, 15, 0, tzinfo=UTC)
NAMES = {"leadership_team": "Leadership team", "one_on_one": "1:1", "general": "General"}

PRICED = stored_meeting(
    "Infrastructure Leadership Team",
    start=DAY,
    generated_by="anthropic:claude-sonnet-4-6",
    model_calls=(
        model_call(NOW, cost_usd=0.0072),
        model_call(NOW + timedelta(days=1), purpose="notes", cost_usd=0.0048),
    ),
)
FELL_BACK = stored_meeting(
    "Jordan / Priya 1:1",
    start=DAY + timedelta(days=1),
    meeting_type="one_on_one",
    generated_by="offline",
    fallback_reason="the model's pack cited an incident not in the context",
    model_calls=(model_call(NOW, outcome="rejected", cost_usd=0.05),),
)
PRIVATE = stored_meeting(
    "Interview debrief",
    start=DAY + timedelta(days=2),
    generated_by="offline",
    fallback_reason="private meeting: its content stays away from anthropic",
)
UNPRICED = stored_meeting(
    "Vendor sync",
    start=DAY + timedelta(days=3),
    meeting_type="general",
    generated_by="openai:gpt-5-preview",
    model_calls=(
        model_call(
            NOW,
            provider="openai",
            model_id="gpt-5-preview",
            input_tokens=11_000,
            output_tokens=1_500,
            cost_usd=None,
        ),
    ),
)
OFFLINE = stored_meeting("Budget check-in", start=DAY + timedelta(days=4), generated_by="offline")
NOT_YET = stored_meeting("Planning", start=DAY + timedelta(days=5), meeting_type="general")
ALL = [PRICED, FELL_BACK, PRIVATE, UNPRICED, OFFLINE, NOT_YET]


def render(meetings: list[Meeting], width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(
        meetings_table(meetings, NEW_YORK, NAMES, NOW, width)
    )
    return out.getvalue()


def row(out: str, title_start: str) -> str:
    """The lines of the row whose title starts so, joined."""
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if title_start in line)
    rest = []
    for line in lines[first + 1 :]:
        if line[:8].strip():  # the next row's id
            break
        rest.append(line)
    return " ".join(" ".join([lines[first], *rest]).split())


def test_a_wide_table_has_a_model_column_with_cost_offline_and_fallbacks() -> None:
    out = render(ALL, 200)
    assert out.splitlines()[0].split() == [
        "ID",
        "Start",
        "Min",
        "Meeting",
        "Type",
        "Status",
        "Prep",
        "Reminder",
        "Model",
        "Why",
    ]
    assert "$0.012" in row(out, "Infrastructure")
    assert "$0.050*" in row(out, "Jordan")
    assert "offline*" in row(out, "Interview")
    assert "12k tok" in row(out, "Vendor")  # no price: the tokens instead
    assert row(out, "Budget").split()[-1] != "offline*" and "offline" in row(out, "Budget")
    assert "—" in row(out, "Planning")
    assert "* the offline generator wrote the pack instead of the model (why: --json)." in out


def test_at_80_columns_the_cost_goes_under_the_prep_time() -> None:
    out = render(ALL, 80)
    assert out.splitlines()[0].split() == ["ID", "Start", "Meeting", "Type", "Status", "Prep"]
    lines = out.splitlines()
    prep_column = lines[0].index("Prep")
    first = next(i for i, line in enumerate(lines) if "Infrastructure" in line)
    assert lines[first][prep_column:].strip() == "Thu 10 10:00"
    assert lines[first + 1][prep_column:].strip() == "$0.012"
    assert "offline*" in row(out, "Interview")
    assert "Hidden at 80 columns: Min, Reminder, Why" in " ".join(out.split())
    assert "Under the prep time: what the meeting's model calls cost." in out


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
def test_no_line_is_wider_than_the_terminal_with_costs(width: int) -> None:
    out = render(ALL, width)
    assert all(cell_len(line) <= width for line in out.splitlines()), out


def test_no_model_column_before_any_pack_or_call() -> None:
    out = render([NOT_YET], 200)
    assert "Model" not in out.splitlines()[0]
    assert "Model" not in out and "Under the prep" not in out


def test_meetings_json_gives_the_calls_their_totals_and_the_fallback_reason() -> None:
    data = meeting_json(FELL_BACK, NEW_YORK)
    assert data["generated_by"] == "offline"
    assert data["fallback_reason"] == "the model's pack cited an incident not in the context"
    assert data["model_usage"] == {
        "calls": 1,
        "input_tokens": 10_000,
        "output_tokens": 2_000,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "cost_usd": 0.05,
        "unpriced_calls": 0,
    }
    [call] = data["model_calls"]
    assert call["outcome"] == "rejected"
    assert call["model_id"] == "claude-sonnet-4-6"
    assert call["at"] == "2026-12-10T12:00:00-05:00"
    unpriced = meeting_json(UNPRICED, NEW_YORK)
    assert unpriced["model_usage"]["unpriced_calls"] == 1
    assert unpriced["model_calls"][0]["cost_usd"] is None
