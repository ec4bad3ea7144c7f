"""The rules from source rows to facts, fed rows directly, as an API-backed provider would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules import (
    BigRock,
    BigRockRules,
    BigRocksHeader,
    BudgetHeader,
    CostCenter,
    Incident,
    IncidentRules,
    OpenReq,
    StaffingHeader,
    StaffingRules,
    Team,
    big_rocks_result,
    budget_result,
    incidents_result,
    staffing_result,
)
from exec_assistant.domain.context_rules.formatting import (
    day,
    duration,
    fixed,
    money,
    one_line,
    relative_days,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def request(**overrides: Any) -> ContextRequest:
    fields: dict[str, Any] = {
        "meeting_id": "m-1",
        "series_id": "s-1",
        "meeting_type": "leadership_team",
        "title": "Leadership team",
        "start": NOW + timedelta(days=1),
        "now": NOW,
        **overrides,
    }
    return ContextRequest(**fields)


def center(
    name: str = "Compute", budget: float = 1000, forecast: float = 1100, **more: Any
) -> CostCenter:
    return CostCenter(name=name, owner="ana@example.com", budget=budget, forecast=forecast, **more)


def rock(name: str = "Alpha", **more: Any) -> BigRock:
    fields: dict[str, Any] = {
        "owner": "ana@example.com",
        "status": "on_track",
        "progress_percent": 50,
        "due": TODAY + timedelta(days=60),
        **more,
    }
    return BigRock(name=name, **fields)


def incident(id: str = "I-1", **more: Any) -> Incident:
    fields: dict[str, Any] = {
        "severity": "SEV2",
        "title": "Checkout down",
        "started_at": NOW - timedelta(days=2),
        "resolved_at": NOW - timedelta(days=2) + timedelta(hours=3),
        "status": "resolved",
        **more,
    }
    return Incident(id=id, **fields)


def team(name: str = "Alpha", **more: Any) -> Team:
    fields: dict[str, Any] = {
        "manager": "ana@example.com",
        "headcount": 5,
        "approved_headcount": 6,
        "open_reqs": [],
        "attrition_last_quarter": 0,
        "on_call_load": 3.0,
        **more,
    }
    return Team(name=name, **fields)


# --- Budget ----------------------------------------------------------------------------------


def test_budget_from_rows_words_the_total_each_centre_and_the_overrun() -> None:
    header = BudgetHeader(period="FY2026-Q4", currency="EUR", as_of=date(2026, 11, 27))
    rows = [center(), center("Travel", budget=500, forecast=400)]

    result = budget_result(header, rows, request(), source="Cost Explorer")

    assert result.provider == "budget"
    assert result.facts == (
        "FY2026-Q4 total across 2 cost centres (as of 27 Nov): "
        "forecast €1.5k against a €1.5k budget, on budget",
        "Compute: forecast €1.1k against a €1.0k budget, €100 (10.0%) over",
        "Travel: forecast €400 against a €500 budget, €100 (20.0%) under",
    )
    assert result.highlights == (result.facts[1],)
    assert result.questions == (
        "What is driving the 10.0% overrun in Compute, and what is the plan to close it?",
    )


def test_budget_overruns_come_largest_first() -> None:
    rows = [center("Small", forecast=1010), center("Large", forecast=1500)]

    result = budget_result(BudgetHeader(), rows, request(), source="x")

    assert [h.split(":")[0] for h in result.highlights] == ["Large", "Small"]


def test_a_cost_centre_without_budget_asks_about_the_amount() -> None:
    result = budget_result(BudgetHeader(), [center(budget=0, forecast=2500)], request(), source="x")

    assert result.questions == (
        "What is driving the $2.5k overrun in Compute, and what is the plan to close it?",
    )
    assert result.data["cost_centers"][0]["variance_pct"] is None


def test_nothing_to_report_names_the_source_for_the_organisation() -> None:
    result = budget_result(BudgetHeader(), [], request(), source="Cost Explorer")

    assert result.available
    assert result.facts == ("Cost Explorer lists no cost centres.",)


def test_a_1to1_keeps_the_rows_its_attendees_own_in_any_case() -> None:
    rows = [center("Mine"), center("Theirs").model_copy(update={"owner": "ben@example.com"})]

    result = budget_result(
        BudgetHeader(), rows, request(scope="people", people=("ANA@example.com",)), source="x"
    )

    assert [c["name"] for c in result.data["cost_centers"]] == ["Mine"]


def test_infinite_figures_are_no_figures() -> None:
    with pytest.raises(ValidationError, match="finite number"):
        center(budget=float("inf"))
    with pytest.raises(ValidationError, match="finite number"):
        center(forecast=float("nan"))


def test_enormous_figures_are_still_worded() -> None:
    rows = [center(budget=1e30, forecast=1.5e30), center("Max", budget=1e308, forecast=1.7e308)]

    result = budget_result(BudgetHeader(), rows, request(), source="x")

    assert result.facts[1].startswith("Compute: forecast $1500000000000000")
    assert result.facts[0].endswith("over")  # the total overflows to infinity, and says so


# --- Big rocks -------------------------------------------------------------------------------


def test_big_rocks_from_rows_flag_risk_and_work_due_soon() -> None:
    rows = [
        rock("Alpha", id="R-1", status="at risk", risk="Vendor is late."),
        rock("Beta", due=TODAY + timedelta(days=10), progress_percent=60),
        rock("Gamma", due=TODAY + timedelta(days=10), progress_percent=90),
    ]

    result = big_rocks_result(BigRocksHeader(), rows, request(), source="Jira")

    assert result.facts[0] == "3 big rocks: 2 on track, 1 at risk"
    assert result.highlights == (
        "R-1 Alpha is at risk: 50% complete, due 29 Jan 2027 (in 60 days)",
        "Beta is due 10 Dec (in 10 days) and only 60% complete",
    )
    assert result.questions[0] == (
        'R-1 Alpha is at risk: "Vendor is late." What would get it back on track by 29 Jan 2027?'
    )


def test_big_rock_thresholds_are_a_rules_object() -> None:
    rows = [rock("Beta", due=TODAY + timedelta(days=20), progress_percent=85)]
    stricter = BigRockRules(due_soon_days=30, due_soon_min_progress=90)

    assert big_rocks_result(BigRocksHeader(), rows, request(), source="x").highlights == ()
    assert big_rocks_result(
        BigRocksHeader(), rows, request(), source="x", rules=stricter
    ).highlights == ("Beta is due 20 Dec (in 20 days) and only 85% complete",)


def test_no_big_rocks_for_the_attendees_says_so() -> None:
    result = big_rocks_result(
        BigRocksHeader(), [rock()], request(scope="people", people=("x@example.com",)), source="x"
    )

    assert result.facts == ("None of the big rocks is owned by the attendees.",)


# --- Incidents -------------------------------------------------------------------------------


def test_incidents_from_rows_keep_the_lookback_window() -> None:
    rows = [
        incident("I-1", severity="SEV1", postmortem_due=TODAY + timedelta(days=4)),
        incident("I-2", started_at=NOW - timedelta(days=40), resolved_at=NOW - timedelta(days=39)),
        incident(
            "I-3",
            severity="SEV3",
            status="open",
            resolved_at=None,
            started_at=NOW - timedelta(hours=6),
        ),
    ]

    result = incidents_result(rows, request())

    assert result.facts == (
        "2 incidents in the last 30 days: 1 SEV1, 1 SEV3",
        "1 still open: I-3 (SEV3, open, started 30 Nov)",
        "Mean time to resolve: 3.0 h across 1 resolved incident",
        "Postmortems due: I-1 by 4 Dec",
    )
    assert result.highlights == (
        "I-1 SEV1: Checkout down, resolved in 3.0 h",
        "I-3 SEV3: Checkout down, still open after 6.0 h",
    )
    assert result.questions == (
        "What is the plan and ETA to resolve I-3 (Checkout down)?",
        "Is the I-1 postmortem on track for 4 Dec?",
    )


def test_which_severities_are_highlighted_is_a_rule() -> None:
    rows = [incident("I-1", severity="SEV3")]

    assert incidents_result(rows, request()).highlights == ()
    only_sev3 = IncidentRules(high_severities=frozenset({"SEV3"}))
    assert incidents_result(rows, request(), rules=only_sev3).highlights == (
        "I-1 SEV3: Checkout down, resolved in 3.0 h",
    )


def test_an_unassigned_incident_is_nobodys_in_a_1to1() -> None:
    result = incidents_result([incident()], request(scope="people", people=("ana@example.com",)))

    assert result.facts == ("None of the incidents in the last 30 days is owned by the attendees.",)


# --- Staffing --------------------------------------------------------------------------------


def test_staffing_from_rows_asks_about_stale_reqs_departures_and_on_call() -> None:
    rows = [
        team(
            "Alpha",
            open_reqs=[OpenReq(title="SRE", days_open=50, stage="onsite_loop")],
            attrition_last_quarter=2,
            on_call_load=12.5,
        ),
        team("Beta"),
    ]

    result = staffing_result(StaffingHeader(org="Infra"), rows, request(), source="Workday")

    assert result.facts[0] == (
        "Infra: 10 of 12 approved headcount filled across 2 teams, 1 open req, "
        "2 departures last quarter"
    )
    assert result.highlights == (
        "Alpha: SRE req open 50 days; 2 departures last quarter; "
        "on-call load 12.5 pages/week (above 10)",
    )
    assert result.questions == (
        "What is holding up the SRE req in Alpha (open 50 days, at onsite loop)?",
        "What is behind the 2 departures from Alpha last quarter, "
        "and is anyone else a retention risk?",
        "What is the plan to bring Alpha's on-call load down from 12.5 pages/week?",
    )


def test_staffing_limits_are_a_rules_object_and_are_exclusive() -> None:
    rows = [team(on_call_load=6.0, open_reqs=[OpenReq(title="SWE", days_open=30)])]
    rules = StaffingRules(stale_req_days=30, max_on_call_pages_per_week=5)

    result = staffing_result(StaffingHeader(), rows, request(), source="x", rules=rules)

    # 30 days is on the limit, not over it; 6 pages/week is over 5.
    assert result.highlights == ("Alpha: on-call load 6.0 pages/week (above 5)",)


# --- Hostile text ----------------------------------------------------------------------------

HOSTILE = [
    "[bold]Compute[/bold] [link=https://evil.example]click[/link]",
    "\x1b[31mRed\x1b[0m team\x07",
    "Alpha\nBeta\r\n\n# Heading\u2028- bullet",
    "x" * 10_000,
]


def all_sentences(result: ContextResult) -> tuple[str, ...]:
    return result.facts + result.highlights + result.questions


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_passes_through_each_source_as_one_line(text: str) -> None:
    results = [
        budget_result(
            BudgetHeader(period=text), [center(text, notes=text)], request(), source=text
        ),
        big_rocks_result(
            BigRocksHeader(),
            [rock(text, id=text, status="at_risk", risk=text)],
            request(),
            source="x",
        ),
        incidents_result(
            [
                incident(
                    text,
                    title=text,
                    service=text,
                    customer_impact=text,
                    status="open",
                    resolved_at=None,
                )
            ],
            request(),
        ),
        staffing_result(
            StaffingHeader(org=text),
            [team(text, open_reqs=[OpenReq(title=text, days_open=90, stage=text)])],
            request(),
            source="x",
        ),
    ]

    for result in results:
        sentences = all_sentences(result)
        assert sentences
        for sentence in sentences:
            assert sentence == one_line(sentence)
            assert "\n" not in sentence and "\r" not in sentence and "\u2028" not in sentence
        # Plain text: no escaping here (display does that), and nothing lost.
        flat = one_line(text)
        assert any(flat in sentence for sentence in sentences)


def test_the_data_summary_keeps_the_rows_text_as_it_was() -> None:
    result = budget_result(BudgetHeader(), [center("Alpha\nBeta")], request(), source="x")

    assert result.data["cost_centers"][0]["name"] == "Alpha\nBeta"
    assert result.facts[1].startswith("Alpha Beta: forecast")


# --- Formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (950, "$950"),
        (132_000, "$132.0k"),
        (1_232_000, "$1.23M"),
        (2_625_000, "$2.63M"),  # half-up, like a spreadsheet
        (999.6, "$1.0k"),
        (999_990, "$1.00M"),
        (0, "$0"),
        (-400, "-$400"),
    ],
)
def test_money_uses_one_format_across_magnitudes(amount: float, text: str) -> None:
    assert money(amount, "USD") == text


def test_money_names_a_currency_it_has_no_symbol_for() -> None:
    assert money(1500, "chf") == "CHF 1.5k"


def test_fixed_rounds_half_up_even_for_huge_values() -> None:
    assert fixed(2.625, 2) == "2.63"
    assert fixed(1e30, 1) == "1" + "0" * 30 + ".0"
    assert fixed(float("inf"), 1) == "inf"


@pytest.mark.parametrize(
    ("on", "text"), [(date(2026, 12, 5), "5 Dec"), (date(2027, 1, 9), "9 Jan 2027")]
)
def test_days_carry_the_year_only_when_it_is_another(on: date, text: str) -> None:
    assert day(on, TODAY) == text


def test_relative_days_and_durations() -> None:
    assert [relative_days(d) for d in (0, 1, 3, -1)] == [
        "today",
        "in 1 day",
        "in 3 days",
        "1 day ago",
    ]
    assert duration(timedelta(hours=26.5)) == "26.5 h"
    assert duration(timedelta(hours=77)) == "3.2 days"


def test_one_line_joins_lines_and_leaves_other_text_alone() -> None:
    assert one_line("Alpha\n  Beta\r\n\r\nGamma\u2029") == "Alpha Beta Gamma"
    assert one_line("  spaced  [bold]x[/] \x1b[0m") == "  spaced  [bold]x[/] \x1b[0m"
