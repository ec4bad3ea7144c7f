"""The usage tables read well at 80 columns and flag what has no price."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from rich.console import Console

from exec_assistant.adapters.memory import InMemoryMeetingRepository
from exec_assistant.configuration import load_meeting_types
from exec_assistant.domain.models import Meeting
from exec_assistant.presentation.usage import compact_tokens, money, usage_json, usage_view
from exec_assistant.services.usage import UsageReport, month_start, usage_report

from factories import NEW_YORK, model_call, stored_meeting

CATALOG, _ = load_meeting_types(None)
NOW = datetime(2026, 12, 15, 17, 0, tzinfo=UTC)
DAY = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)


def report(*meetings: Meeting) -> UsageReport:
    repository = InMemoryMeetingRepository()
    repository.put_many(list(meetings))
    return usage_report(repository, CATALOG, month_start(NOW, NEW_YORK), NOW, NEW_YORK, NOW)


def render(value: UsageReport, width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(usage_view(value, width))
    return out.getvalue()


MIXED = (
    stored_meeting(
        "Leadership team",
        start=DAY + timedelta(days=1),
        model_calls=(
            model_call(
                DAY,
                input_tokens=12_345,
                output_tokens=2_100,
                cache_read_tokens=40_000,
                cost_usd=0.0801,
            ),
            model_call(DAY + timedelta(days=1, hours=4), purpose="notes", cost_usd=0.02),
        ),
    ),
    stored_meeting(
        "[bold]Vendor[/bold] sync",
        start=DAY + timedelta(days=2),
        meeting_type="vendor_meeting",
        model_calls=(
            model_call(
                DAY + timedelta(days=2), provider="openai", model_id="gpt-5-preview", cost_usd=None
            ),
        ),
    ),
)


def test_the_tables_give_days_types_purposes_a_total_and_the_month() -> None:
    out = render(report(*MIXED))
    words = " ".join(out.split())
    assert "Day Calls Input Output Cached Cost" in words
    assert "Thu 10 Dec 1 12,345 2,100 40,000 $0.080" in words
    assert "Fri 11 Dec 1 10,000 2,000 0 $0.020" in words
    assert "Sat 12 Dec 1 10,000 2,000 0 —" in words  # only an unpriced call that day
    assert "Total 3 32,345 6,100 40,000 $0.100+" in words
    assert "Leadership team 2 22,345 4,100 40,000 $0.100" in words
    assert "Vendor 1 10,000 2,000 0 —" in words
    assert "pack 2" in words and "notes 1" in words
    assert "Month to date (from Tue 01 Dec): 3 calls, $0.100+" in words
    assert "+ not priced: 1 call to gpt-5-preview, counted without a cost." in words


@pytest.mark.parametrize("width", [60, 80, 120])
def test_no_line_is_wider_than_the_terminal(width: int) -> None:
    out = render(report(*MIXED), width)
    assert all(cell_len(line) <= width for line in out.splitlines()), out


def test_no_calls_says_so_and_why() -> None:
    out = render(report(stored_meeting(generated_by="offline")))
    assert out.splitlines()[0] == "No model calls yet (the offline generator makes none)."
    assert "Period: Tue 01 Dec – Tue 15 Dec 2026 (America/New_York)." in out


def test_the_json_gives_the_same_figures() -> None:
    data = usage_json(report(*MIXED))
    assert data["total"] == {
        "calls": 3,
        "input_tokens": 32_345,
        "output_tokens": 6_100,
        "cache_read_tokens": 40_000,
        "cache_write_tokens": 0,
        "cost_usd": 0.1001,
        "unpriced_calls": 1,
    }
    assert [d["date"] for d in data["by_day"]] == ["2026-12-10", "2026-12-11", "2026-12-12"]
    assert [t["meeting_type"] for t in data["by_meeting_type"]] == [
        "leadership_team",
        "vendor_meeting",
    ]
    assert data["month_to_date"]["start"] == "2026-12-01T00:00:00-05:00"
    assert data["unpriced_models"] == ["gpt-5-preview"]


@pytest.mark.parametrize(
    ("usd", "text"),
    [(0, "$0"), (0.0004, "<$0.001"), (0.0123, "$0.012"), (1.256, "$1.26"), (12345.6, "$12,346")],
)
def test_money_reads_short_and_never_rounds_a_cost_to_nothing(usd: float, text: str) -> None:
    assert money(usd) == text


def test_token_counts_read_short_in_a_narrow_cell() -> None:
    assert [compact_tokens(n) for n in (950, 1_234, 12_500, 2_345_678)] == [
        "950 tok",
        "1.2k tok",
        "12k tok",
        "2.3M tok",
    ]


def test_many_unpriced_models_are_named_a_few_at_a_time() -> None:
    calls = tuple(
        model_call(DAY, provider="openai", model_id=f"model-{n}", cost_usd=None) for n in range(9)
    )
    out = render(report(stored_meeting(start=DAY, model_calls=calls)))
    words = " ".join(out.split())
    assert "9 calls to model-0, model-1, model-2, model-3, model-4 and 4 more" in words


def test_a_model_id_is_shown_as_written_never_as_markup_or_controls() -> None:
    hostile = "evil\x1b]0;pwned\x07[red]m[/red]"
    calls = (model_call(DAY, provider="openai", model_id=hostile, cost_usd=None),)
    out = render(report(stored_meeting(start=DAY, model_calls=calls)))
    assert "\\x1b]0;pwned\\x07[red]m[/red]" in out
    assert "\x1b" not in out
