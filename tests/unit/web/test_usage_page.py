"""Usage: the model calls and their cost, by day, by meeting type and by purpose."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from factories import model_call, stored_meeting
from web_lists import ListsRig
from web_pages import text_of


def at(day: int, hour: int = 15) -> datetime:
    return datetime(2026, 12 if day < 20 else 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def calls(lists: ListsRig) -> None:
    """Three calls this month (Tuesday and Wednesday), one at the end of November."""
    ilt = stored_meeting(
        "Infrastructure Leadership Team",
        start=at(3),
        meeting_type="leadership_team",
        model_calls=(
            model_call(at(1), input_tokens=10_000, output_tokens=2_000, cost_usd=0.06),
            model_call(at(2), purpose="context_summary", input_tokens=1_500, cost_usd=0.0125),
        ),
    )
    review = stored_meeting(
        "Reliability review",
        start=at(27),
        meeting_type="reliability_review",
        model_calls=(
            model_call(at(27), input_tokens=4_000, output_tokens=1_000, cost_usd=0.03),
            model_call(at(2, 16), purpose="notes", model_id="mystery-1", cost_usd=None),
        ),
    )
    lists.store(ilt, review)


@pytest.mark.usefixtures("calls")
def test_the_month_shows_tokens_and_cost_by_day_by_meeting_type_and_by_purpose(
    lists: ListsRig,
) -> None:
    html = lists.executive().get("/usage").text
    text = text_of(html)

    assert "Model calls, Tuesday 01 December 2026 to Wednesday 02 December 2026" in text
    assert "Tue 01 Dec 1 10,000 2,000 0 $0.060" in text
    assert "Wed 02 Dec 2 11,500 4,000 0 $0.013+" in text
    assert "Total 3 21,500 6,000 0 $0.072+" in text
    assert "Leadership team 2 11,500 4,000 0 $0.072" in text
    assert "Reliability review 1 10,000 2,000 0 —" in text
    assert "context summary 1 1,500 2,000 0 $0.013" in text
    assert "not priced: 1 call to mystery-1, counted without a cost" in text
    assert '<th scope="col" class="num">Input tokens</th>' in html
    assert '<option value="" selected>This month</option>' in html


@pytest.mark.usefixtures("calls")
def test_the_last_seven_days_reach_back_into_the_month_before(lists: ListsRig) -> None:
    html = lists.executive().get("/usage?days=7").text
    text = text_of(html)

    assert "Thursday 26 November 2026 to Wednesday 02 December 2026" in text
    assert "Fri 27 Nov 1 4,000 1,000 0 $0.030" in text
    assert "Total 4 25,500 7,000 0 $0.102+" in text
    assert "Month to date (from Tuesday 01 December 2026): 3 calls, $0.072+" in text
    assert '<option value="7" selected>The last 7 days</option>' in html


def test_with_no_model_calls_the_page_says_the_offline_generator_makes_none(
    lists: ListsRig,
) -> None:
    lists.store(stored_meeting("Infrastructure Leadership Team", start=at(3)))

    text = lists.page("/usage?days=30")

    assert "No model calls yet (the offline generator makes none)." in text
    assert "set EXEC_ASSISTANT_MODEL_PROVIDER" in text
    assert "Total" not in text


def test_a_period_that_is_not_a_number_of_days_is_refused(lists: ListsRig) -> None:
    answer = lists.executive().get("/usage?days=week")

    assert answer.status_code == 400
    assert "days must be a whole number from 1 to 3660" in text_of(answer.text)


def test_a_delegate_is_not_shown_what_private_meetings_cost(lists: ListsRig) -> None:
    lists.store(
        stored_meeting(
            "Leadership team",
            start=at(3),
            meeting_type="leadership_team",
            model_calls=(model_call(at(1), input_tokens=10_000, cost_usd=0.06),),
        ),
        stored_meeting(
            "Jordan / Priya 1:1",
            start=at(4),
            meeting_type="one_on_one",
            model_calls=(model_call(at(2), input_tokens=3_000, cost_usd=0.02),),
        ),
    )
    executive = text_of(lists.executive().get("/usage").text)
    assert "Total 2 13,000" in executive and "1:1 1 3,000" in executive

    delegate = text_of(lists.delegate().get("/usage").text)
    assert "Total 1 10,000" in delegate and "$0.060" in delegate
    assert "1:1" not in delegate and "3,000" not in delegate
    assert "1 call, $0.060" in delegate  # the month to date too

    granted = text_of(lists.delegate(sees_private=True).get("/usage").text)
    assert "Total 2 13,000" in granted
