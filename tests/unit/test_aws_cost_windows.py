"""What the AWS budget source asks Cost Explorer for: which days of this month and of last
month are compared, and what costs are grouped by."""

from __future__ import annotations

from datetime import date

import pytest

from exec_assistant.context.aws_cost_reads import Grouping, MonthWindow
from exec_assistant.context.aws_costs import grouping_of


@pytest.mark.parametrize(
    ("today", "days", "previous", "previous_days", "label"),
    [
        (date(2026, 12, 27), 26, (date(2026, 11, 1), date(2026, 11, 27)), 26, "Nov"),
        (date(2026, 1, 1), 0, (date(2025, 12, 1), date(2025, 12, 1)), 0, "Dec 2025"),
        (date(2027, 3, 31), 30, (date(2027, 2, 1), date(2027, 3, 1)), 28, "Feb"),
    ],
)
def test_this_months_days_are_compared_with_as_many_of_last_month(
    today: date, days: int, previous: tuple[date, date], previous_days: int, label: str
) -> None:
    window = MonthWindow(today)

    assert window.days == days
    assert (window.previous_start, window.previous_end) == previous
    assert window.previous_days == previous_days
    assert window.previous_period == label


def test_groupings_are_a_dimension_a_tag_or_a_cost_category() -> None:
    assert grouping_of("service") == Grouping("DIMENSION", "SERVICE")
    assert grouping_of("tag:team") == Grouping("TAG", "team")
    assert grouping_of("cost_category:Team").label == "cost category Team"
    assert Grouping("TAG", "team").name_of(["team$"]) == "(no team tag)"
    assert Grouping("TAG", "team").name_of(["team$data"]) == "data"
    with pytest.raises(ValueError, match="REGION, SERVICE"):
        grouping_of("SERVICES")
