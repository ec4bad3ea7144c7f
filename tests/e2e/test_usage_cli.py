"""`exec-assistant usage` and the cost in `meetings`, on a data folder holding model calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from exec_assistant.adapters.local.data_folder import DataFolder
from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
from exec_assistant.adapters.local.sqlite_repositories import SqliteMeetingRepository

from cli_user import CliUser
from factories import model_call, stored_meeting

NOW = "2026-12-15T12:00:00-05:00"
MONDAY = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # 10:00 in New York


def with_model_calls(user: CliUser) -> None:
    """Two meetings of two types, a pack written days before, notes read after, a fallback
    and a call to a model with no price, stored as the assistant stores them."""
    folder = DataFolder(user.data)
    folder.prepare()
    database = SqliteDatabase(folder.database_path)
    try:
        SqliteMeetingRepository(database).put_many(
            [
                stored_meeting(
                    "Infrastructure Leadership Team",
                    start=MONDAY,
                    generated_by="anthropic:claude-sonnet-4-6",
                    model_calls=(
                        # Friday 11th, for Monday's meeting.
                        model_call(
                            MONDAY - timedelta(days=3), cache_read_tokens=30_000, cost_usd=0.069
                        ),
                        # Monday evening, 21:30 in New York (the 15th in UTC).
                        model_call(
                            MONDAY + timedelta(hours=11, minutes=30),
                            purpose="notes",
                            input_tokens=4_000,
                            output_tokens=800,
                            cost_usd=0.024,
                        ),
                    ),
                ),
                stored_meeting(
                    "Jordan / Priya 1:1",
                    start=MONDAY + timedelta(days=1, hours=4),
                    meeting_type="one_on_one",
                    generated_by="offline",
                    fallback_reason="the model's pack cited a figure not in the context",
                    model_calls=(
                        model_call(MONDAY, outcome="rejected", cost_usd=0.05),
                        model_call(
                            MONDAY, provider="openai", model_id="gpt-5-preview", cost_usd=None
                        ),
                    ),
                ),
            ]
        )
    finally:
        database.close()


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    person = CliUser(tmp_path, columns=80)
    with_model_calls(person)
    return person


def test_usage_shows_the_month_per_day_and_per_type_at_80_columns(user: CliUser) -> None:
    out = user.ok("usage", "--now", NOW)
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    words = " ".join(out.split())
    assert "Model calls, Tue 01 Dec – Tue 15 Dec 2026 (America/New_York)" in words
    assert "Fri 11 Dec 1 10,000 2,000 30,000 $0.069" in words
    assert "Mon 14 Dec 3 24,000 4,800 0 $0.074+" in words
    assert "Total 4 34,000 6,800 30,000 $0.143+" in words
    assert "Leadership team 2 14,000 2,800 30,000 $0.093" in words
    assert "1:1 2 20,000 4,000 0 $0.050+" in words
    assert "Month to date (from Tue 01 Dec): 4 calls, $0.143+" in words
    assert "+ not priced: 1 call to gpt-5-preview" in words


def test_usage_json_gives_the_same_figures(user: CliUser) -> None:
    data = user.json("usage", "--now", NOW)
    assert data["total"]["calls"] == 4
    assert data["total"]["cost_usd"] == 0.143
    assert data["total"]["unpriced_calls"] == 1
    assert [(d["date"], d["calls"]) for d in data["by_day"]] == [
        ("2026-12-11", 1),
        ("2026-12-14", 3),
    ]
    assert {t["meeting_type"]: t["calls"] for t in data["by_meeting_type"]} == {
        "leadership_team": 2,
        "one_on_one": 2,
    }
    assert {p["purpose"]: p["calls"] for p in data["by_purpose"]} == {"pack": 3, "notes": 1}
    assert data["month_to_date"]["cost_usd"] == 0.143
    assert data["unpriced_models"] == ["gpt-5-preview"]


def test_usage_of_the_last_days_leaves_out_earlier_calls(user: CliUser) -> None:
    data = user.json("usage", "--now", NOW, "--days", "2")
    assert [d["date"] for d in data["by_day"]] == ["2026-12-14"]
    assert data["total"]["calls"] == 3
    assert data["month_to_date"]["calls"] == 4


def test_usage_on_a_folder_without_calls_says_so(tmp_path: Path) -> None:
    out = CliUser(tmp_path, columns=80).ok("usage", "--now", NOW)
    assert out.startswith("No model calls yet (the offline generator makes none).")


@pytest.mark.parametrize("days", ["0", "-3", "99999999", "many"])
def test_a_bad_number_of_days_is_a_usage_error(user: CliUser, days: str) -> None:
    result = user.run("usage", "--days", days)
    assert result.returncode == 2
    assert "--days" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_price_file_stops_usage_with_the_file_and_key(user: CliUser) -> None:
    config = user.data / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "model_prices.yaml").write_text("model_prices:\n  gpt-4o: {input: lots}\n")
    result = user.run("usage", "--now", NOW)
    assert result.returncode == 2
    assert f"{config / 'model_prices.yaml'} at 'model_prices.gpt-4o.input'" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_lists_the_price_files(user: CliUser) -> None:
    config = user.data / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "model_prices.yaml").write_text("model_prices:\n  gpt-4o: {input: 2}\n")
    data = user.json("config", "check")
    assert data["config_files"][-2:] == [
        "<shipped model_prices.yaml>",
        str(config / "model_prices.yaml"),
    ]


def test_meetings_shows_each_meetings_cost_at_80_columns(user: CliUser) -> None:
    out = user.ok("meetings", "--now", "2026-12-10T09:00:00-05:00")
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    assert out.splitlines()[0].split() == ["ID", "Start", "Meeting", "Type", "Status", "Prep"]
    words = out.split()
    assert "$0.093" in words  # the leadership team's pack and notes
    assert "$0.050+*" in words  # and a model with no price; a fallback
    assert "Under the prep time: what the meeting's model calls cost." in out


def test_meetings_json_gives_the_calls_and_the_fallback_reason(user: CliUser) -> None:
    found = user.json("meetings", "--now", "2026-12-10T09:00:00-05:00")
    by_title = {m["title"]: m for m in found}
    one_on_one = by_title["Jordan / Priya 1:1"]
    assert one_on_one["generated_by"] == "offline"
    assert one_on_one["fallback_reason"] == "the model's pack cited a figure not in the context"
    assert one_on_one["model_usage"]["calls"] == 2
    assert one_on_one["model_usage"]["unpriced_calls"] == 1
    assert [c["outcome"] for c in one_on_one["model_calls"]] == ["rejected", "ok"]
    assert by_title["Infrastructure Leadership Team"]["model_usage"]["cost_usd"] == 0.093
