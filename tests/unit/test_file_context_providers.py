"""Budget, big rocks, incidents and staffing providers over files in a folder."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from exec_assistant.context.files import (
    BigRocksContextProvider,
    BudgetContextProvider,
    ContextDataError,
    ContextFileMissing,
    IncidentsContextProvider,
    StaffingContextProvider,
)
from exec_assistant.domain.context import ContextRequest
from exec_assistant.ports import ContextProvider

from factories import context_request

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "context"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


request = context_request


def people(*emails: str) -> ContextRequest:
    return request(scope="people", people=emails)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# --- Budget ----------------------------------------------------------------------------------

BUDGET = """
    period: FY2026-Q4
    currency: USD
    as_of: 2026-11-27
    cost_centers:
      - name: Cloud compute
        owner: Ana@Example.com
        budget: 1100000
        forecast: 1232000
        notes: Autoscaling floor raised.
      - name: Travel
        owner: ben@example.com
        budget: 5000
        actual_to_date: 2100
        forecast: 4600
      - name: Rent
        owner: ben@example.com
        budget: 10000
        forecast: 10000
"""


def test_budget_reports_variance_per_cost_centre_and_in_total(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET)

    result = BudgetContextProvider(tmp_path).gather(request())

    assert result.available
    assert result.provider == "budget"
    assert result.facts == (
        "FY2026-Q4 total across 3 cost centres (as of 27 Nov): "
        "forecast $1.25M against a $1.12M budget, $131.6k (11.8%) over",
        "Cloud compute: forecast $1.23M against a $1.10M budget, $132.0k (12.0%) over",
        "Travel: forecast $4.6k against a $5.0k budget, $400 (8.0%) under",
        "Rent: forecast $10.0k against a $10.0k budget, on budget",
    )
    assert result.highlights == (
        "Cloud compute: forecast $1.23M against a $1.10M budget, $132.0k (12.0%) over",
    )
    assert result.questions == (
        "What is driving the 12.0% overrun in Cloud compute, and what is the plan to close it?",
    )


def test_budget_data_carries_the_figures(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET)

    data = BudgetContextProvider(tmp_path).gather(request()).data

    assert {k: data[k] for k in data if k != "cost_centers"} == {
        "period": "FY2026-Q4",
        "currency": "USD",
        "as_of": "2026-11-27",
        "total_budget": 1115000,
        "total_forecast": 1246600,
        "variance": 131600,
        "variance_pct": 11.8,
    }
    compute, travel, _ = data["cost_centers"]
    assert compute["variance"] == 132000
    assert compute["variance_pct"] == 12.0
    assert compute["notes"] == "Autoscaling floor raised."
    assert travel["variance"] == -400
    assert travel["variance_pct"] == -8.0
    assert travel["actual_to_date"] == 2100


def test_budget_for_people_keeps_their_cost_centres_only(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET)

    result = BudgetContextProvider(tmp_path).gather(people("ana@example.COM"))

    assert result.facts == (
        "FY2026-Q4 total across 1 cost centre (as of 27 Nov): "
        "forecast $1.23M against a $1.10M budget, $132.0k (12.0%) over",
        "Cloud compute: forecast $1.23M against a $1.10M budget, $132.0k (12.0%) over",
    )
    assert [c["name"] for c in result.data["cost_centers"]] == ["Cloud compute"]


def test_budget_for_people_owning_nothing_says_so(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET)

    result = BudgetContextProvider(tmp_path).gather(people("carol@example.com"))

    assert result.available
    assert result.facts == ("Nothing in the budget is owned by the attendees.",)
    assert result.highlights == ()
    assert result.questions == ()


def test_organisation_scope_ignores_the_attendee_list(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET)

    result = BudgetContextProvider(tmp_path).gather(request(people=("carol@example.com",)))

    assert len(result.data["cost_centers"]) == 3


def test_budget_is_read_again_on_every_call(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET)
    provider = BudgetContextProvider(tmp_path)
    provider.gather(request())

    write(tmp_path, "budget.yaml", BUDGET.replace("forecast: 1232000", "forecast: 1100000"))

    assert provider.gather(request()).data["cost_centers"][0]["variance"] == 0


def test_missing_budget_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ContextFileMissing, match=r"budget\.yaml: no such file") as caught:
        BudgetContextProvider(tmp_path).gather(request())
    assert isinstance(caught.value, FileNotFoundError)
    assert isinstance(caught.value, ContextDataError)


def test_malformed_budget_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", "period: FY2026-Q4\ncost_centers: [\n  - name: x\n")

    with pytest.raises(ContextDataError, match=r"budget\.yaml: invalid YAML at line \d+"):
        BudgetContextProvider(tmp_path).gather(request())


def test_budget_with_a_non_number_names_the_row_and_field(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET.replace("forecast: 4600", "forecast: 4.6k"))

    with pytest.raises(ContextDataError) as caught:
        BudgetContextProvider(tmp_path).gather(request())

    message = str(caught.value)
    assert message.startswith(str(tmp_path / "budget.yaml"))
    assert "cost_centers[1] (Travel): forecast: input should be a valid number, got '4.6k'" in (
        message
    )


def test_budget_rejects_a_boolean_where_a_number_is_needed(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET.replace("budget: 5000", "budget: yes"))

    with pytest.raises(ContextDataError, match=r"cost_centers\[1\] \(Travel\): budget"):
        BudgetContextProvider(tmp_path).gather(request())


def test_budget_row_without_an_owner_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET.replace("        owner: Ana@Example.com\n", ""))

    with pytest.raises(ContextDataError, match=r"\[0\] \(Cloud compute\): owner: missing"):
        BudgetContextProvider(tmp_path).gather(request())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("period: FY2026-Q4\n", "missing key 'cost_centers'"),
        ("cost_centers: {name: x}\n", "'cost_centers' must be a list"),
        ("- just\n- a list\n", "expected a mapping of keys at the top level"),
        ("cost_centers:\n  - 42\n", r"cost_centers\[0\]: expected a mapping"),
    ],
)
def test_budget_with_the_wrong_shape_is_an_error(tmp_path: Path, text: str, problem: str) -> None:
    write(tmp_path, "budget.yaml", text)

    with pytest.raises(ContextDataError, match=problem):
        BudgetContextProvider(tmp_path).gather(request())


def test_budget_example_shows_the_two_overruns() -> None:
    result = BudgetContextProvider(EXAMPLES).gather(request())

    assert result.facts[0] == (
        "FY2026-Q4 total across 6 cost centres (as of 27 Nov): "
        "forecast $2.76M against a $2.63M budget, $135.0k (5.1%) over"
    )
    assert result.highlights == (
        "Cloud compute: forecast $1.53M against a $1.40M budget, $132.0k (9.4%) over",
        "Observability tooling: forecast $286.5k against a $240.0k budget, $46.5k (19.4%) over",
    )
    assert result.questions[1] == (
        "What is driving the 19.4% overrun in Observability tooling, "
        "and what is the plan to close it?"
    )


# --- Big rocks -------------------------------------------------------------------------------

BIG_ROCKS = """
    as_of: 2026-11-27
    initiatives:
      - id: R-1
        name: Alpha
        owner: ana@example.com
        status: At risk
        progress_percent: 50
        due: 2027-01-09
        risk: Vendor is late.
      - id: R-2
        name: Beta
        owner: ben@example.com
        status: on_track
        progress_percent: 60
        due: 2026-12-10
      - id: R-3
        name: Gamma
        owner: ben@example.com
        status: on_track
        progress_percent: 90
        due: 2026-12-05
      - id: R-4
        name: Delta
        owner: ben@example.com
        status: done
        progress_percent: 100
        due: 2026-11-01
      - id: R-5
        name: Epsilon
        owner: ana@example.com
        status: off-track
        progress_percent: 10
        due: 2026-11-25
"""


def test_big_rocks_report_status_progress_and_days_to_due(tmp_path: Path) -> None:
    write(tmp_path, "big_rocks.yaml", BIG_ROCKS)

    result = BigRocksContextProvider(tmp_path).gather(request())

    assert result.provider == "big_rocks"
    assert result.facts == (
        "5 big rocks (updated 27 Nov): 2 on track, 1 at risk, 1 off track, 1 done",
        "R-1 Alpha: at risk, 50% complete, due 9 Jan 2027 (in 40 days); owner ana@example.com",
        "R-2 Beta: on track, 60% complete, due 10 Dec (in 10 days); owner ben@example.com",
        "R-3 Gamma: on track, 90% complete, due 5 Dec (in 5 days); owner ben@example.com",
        "R-4 Delta: done, 100% complete, due 1 Nov (29 days ago); owner ben@example.com",
        "R-5 Epsilon: off track, 10% complete, due 25 Nov (5 days ago); owner ana@example.com",
    )
    assert result.data["by_status"] == {"on_track": 2, "at_risk": 1, "off_track": 1, "done": 1}
    assert [r["days_to_due"] for r in result.data["initiatives"]] == [40, 10, 5, -29, -5]


def test_big_rocks_highlight_risk_and_unfinished_work_due_soon(tmp_path: Path) -> None:
    write(tmp_path, "big_rocks.yaml", BIG_ROCKS)

    result = BigRocksContextProvider(tmp_path).gather(request())

    # Gamma (90%) and Delta (done) are due soon but need no attention.
    assert result.highlights == (
        "R-1 Alpha is at risk: 50% complete, due 9 Jan 2027 (in 40 days)",
        "R-2 Beta is due 10 Dec (in 10 days) and only 60% complete",
        "R-5 Epsilon is off track and due 25 Nov (5 days ago) at 10% complete",
    )
    assert result.questions == (
        'R-1 Alpha is at risk: "Vendor is late." What would get it back on track by 9 Jan 2027?',
        "Will R-2 Beta land by 10 Dec at 60% complete, or should the date move?",
        "R-5 Epsilon is off track with no risk recorded: what is the risk and the plan?",
    )


def test_big_rocks_for_people_keep_their_initiatives(tmp_path: Path) -> None:
    write(tmp_path, "big_rocks.yaml", BIG_ROCKS)

    result = BigRocksContextProvider(tmp_path).gather(people("ANA@example.com"))

    assert result.facts[0] == "2 big rocks (updated 27 Nov): 1 at risk, 1 off track"
    assert [r["id"] for r in result.data["initiatives"]] == ["R-1", "R-5"]

    nobody = BigRocksContextProvider(tmp_path).gather(people("carol@example.com"))
    assert nobody.facts == ("None of the big rocks is owned by the attendees.",)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("status: At risk", "status: wobbly", r"initiatives\[0\] \(R-1\): status: input should be"),
        ("progress_percent: 50", "progress_percent: 120", r"\(R-1\): progress_percent: input"),
        ("progress_percent: 50", "progress_percent: half", r"\(R-1\): progress_percent: input"),
        ("due: 2027-01-09", "due: soon", r"\(R-1\): due: input should be a valid date"),
    ],
)
def test_big_rocks_with_bad_values_name_the_row(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    write(tmp_path, "big_rocks.yaml", BIG_ROCKS.replace(old, new))

    with pytest.raises(ContextDataError, match=problem):
        BigRocksContextProvider(tmp_path).gather(request())


def test_missing_big_rocks_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"big_rocks\.yaml: no such file"):
        BigRocksContextProvider(tmp_path).gather(request())


def test_big_rocks_example_flags_the_three_troubled_initiatives() -> None:
    result = BigRocksContextProvider(EXAMPLES).gather(request())

    assert (
        result.facts[0]
        == "6 big rocks (updated 27 Nov): 2 on track, 2 at risk, 1 off track, 1 done"
    )
    assert result.facts[2] == (
        "BR-2 Kubernetes platform migration to EKS: on track, 72% complete, "
        "due 18 Dec (in 18 days); owner marcus.webb@northwind.example"
    )
    assert result.highlights == (
        "BR-1 Active-active multi-region for payments is at risk: "
        "55% complete, due 29 Jan 2027 (in 60 days)",
        "BR-3 Observability cost reduction (-25%) is off track: "
        "20% complete, due 31 Dec (in 31 days)",
        "BR-6 Network edge refresh and CDN consolidation is at risk: "
        "40% complete, due 26 Feb 2027 (in 88 days)",
    )
    assert "Router lead times moved from 8 to 14 weeks" in result.questions[2]


# --- Incidents -------------------------------------------------------------------------------

INCIDENT_HEADER = (
    "id,severity,title,service,started_at,resolved_at,status,customer_impact,postmortem_due,owner"
)
INCIDENTS = f"""
    {INCIDENT_HEADER}
    I-1,SEV1,Checkout down,checkout,2026-11-20T10:00:00Z,2026-11-20T13:00:00Z,resolved,"All checkouts failed, 3 h",2026-12-04,ana@example.com
    I-2,sev2,Slow search,search,2026-11-25T08:00:00+00:00,2026-11-25T09:30:00Z,resolved,,2026-11-28,ben@example.com
    I-3,SEV2,Queue backlog,queue,2026-11-29T12:00:00Z,,open,Orders delayed,,ana@example.com
    I-4,SEV3,Old one,media,2026-10-01T12:00:00Z,2026-10-01T13:00:00Z,resolved,,2026-10-08,ben@example.com
    I-5,SEV3,Disk filling,db,2026-11-10T00:00:00Z,2026-11-10T04:30:00Z,closed,None,,ben@example.com
"""  # noqa: E501


def test_incidents_summarise_the_lookback_window(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INCIDENTS)

    result = IncidentsContextProvider(tmp_path).gather(request())

    assert result.provider == "incidents"
    assert result.facts == (
        "4 incidents in the last 30 days: 1 SEV1, 2 SEV2, 1 SEV3",
        "1 still open: I-3 (SEV2, open, started 29 Nov)",
        "Mean time to resolve: 3.0 h across 3 resolved incidents",
        "Postmortems due: I-1 by 4 Dec",
        "Postmortems past their due date: I-2 (due 28 Nov)",
    )
    assert result.data["by_severity"] == {"SEV1": 1, "SEV2": 2, "SEV3": 1}
    assert result.data["open"] == ["I-3"]
    assert result.data["mean_hours_to_resolve"] == 3.0
    assert result.data["postmortems"] == [
        {"id": "I-2", "due": "2026-11-28", "overdue": True},
        {"id": "I-1", "due": "2026-12-04", "overdue": False},
    ]


def test_incidents_highlight_severe_open_and_overdue(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INCIDENTS)

    result = IncidentsContextProvider(tmp_path).gather(request())

    assert result.highlights == (
        "I-1 SEV1 (checkout): Checkout down, resolved in 3.0 h; impact: All checkouts failed, 3 h",
        "I-2 SEV2 (search): Slow search, resolved in 1.5 h",
        "I-3 SEV2 (queue): Queue backlog, still open after 24.0 h; impact: Orders delayed",
        "I-2 postmortem overdue: due 28 Nov (2 days ago)",
    )
    assert result.questions == (
        "What is the plan and ETA to resolve I-3 (Queue backlog)?",
        "Is the I-1 postmortem on track for 4 Dec?",
        "The I-2 postmortem was due 28 Nov: is it done, and if not, when will it be?",
    )


def test_incidents_follow_the_lookback_days(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INCIDENTS)

    result = IncidentsContextProvider(tmp_path).gather(request(lookback_days=7))

    assert result.facts[0] == "2 incidents in the last 7 days: 2 SEV2"
    assert result.data["total"] == 2


def test_incidents_for_people_keep_their_incidents(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INCIDENTS)

    result = IncidentsContextProvider(tmp_path).gather(people("Ben@Example.com"))

    assert result.facts[0] == "2 incidents in the last 30 days: 1 SEV2, 1 SEV3"
    assert [i["id"] for i in result.data["incidents"]] == ["I-2", "I-5"]

    nobody = IncidentsContextProvider(tmp_path).gather(people("carol@example.com"))
    assert nobody.facts == ("None of the incidents in the last 30 days is owned by the attendees.",)


def test_a_quiet_month_is_a_fact(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INCIDENT_HEADER + "\n")

    result = IncidentsContextProvider(tmp_path).gather(request())

    assert result.available
    assert result.facts == ("No incidents in the last 30 days.",)


def test_incidents_csv_without_a_required_column_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INCIDENTS.replace(",owner", "").replace(",ana@", ",x"))

    with pytest.raises(ContextDataError, match=r"incidents\.csv: missing column\(s\) owner"):
        IncidentsContextProvider(tmp_path).gather(request())


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("2026-11-25T08:00:00+00:00", "yesterday", "line 3 \\(I-2\\): started_at: not an ISO"),
        ("2026-11-25T08:00:00+00:00", "2026-11-25T08:00:00", "started_at: needs a UTC offset"),
        ("sev2", "P2", "line 3 \\(I-2\\): severity: string should match"),
        (
            "2026-11-25T09:30:00Z,resolved",
            ",resolved",
            "status is resolved but resolved_at is empty",
        ),
        ("2026-11-25T09:30:00Z", "2026-11-25T07:30:00Z", "resolved_at is before started_at"),
        ("2026-11-28,ben", "28/11/2026,ben", "line 3 \\(I-2\\): postmortem_due: input should be"),
        ("I-3,SEV2,Queue backlog", "I-3,SEV2,", "line 4 \\(I-3\\): title: missing"),
    ],
)
def test_incidents_with_bad_cells_name_the_line(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in INCIDENTS
    write(tmp_path, "incidents.csv", INCIDENTS.replace(old, new, 1))

    with pytest.raises(ContextDataError, match=problem):
        IncidentsContextProvider(tmp_path).gather(request())


def test_incident_row_with_too_many_cells_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INCIDENTS.replace("Orders delayed", "Orders, delayed"))

    with pytest.raises(ContextDataError, match="line 4: 11 cells for 10 columns"):
        IncidentsContextProvider(tmp_path).gather(request())


def test_incident_csv_with_an_unbalanced_quote_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INCIDENTS.replace('"All checkouts', "All checkouts"))

    with pytest.raises(ContextDataError, match=r"incidents\.csv: line \d+: "):
        IncidentsContextProvider(tmp_path).gather(request())


def test_missing_incidents_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"incidents\.csv: no such file"):
        IncidentsContextProvider(tmp_path).gather(request())


def test_incidents_example_tracks_the_inc_2291_postmortem() -> None:
    result = IncidentsContextProvider(EXAMPLES).gather(request())

    assert result.facts[0] == "7 incidents in the last 30 days: 2 SEV2, 3 SEV3, 2 SEV4"
    assert result.facts[1] == (
        "2 still open: INC-2263 (SEV3, mitigated, started 10 Nov), "
        "INC-2296 (SEV3, open, started 26 Nov)"
    )
    assert result.facts[2] == "Mean time to resolve: 5.7 h across 5 resolved incidents"
    assert result.data["by_severity"]["SEV2"] == 2
    assert {"id": "INC-2291", "due": "2026-12-04", "overdue": False} in result.data["postmortems"]
    assert any(h.startswith("INC-2291 SEV2 (payments-api):") for h in result.highlights)
    assert "Is the INC-2291 postmortem on track for 4 Dec?" in result.questions
    # The SEV1 of 27 Oct is just outside the 30-day window.
    assert "INC-2238" not in str(result.data)


# --- Staffing --------------------------------------------------------------------------------

STAFFING = """
    as_of: 2026-11-27
    org: Infra
    teams:
      - name: Alpha
        manager: ana@example.com
        headcount: 8
        approved_headcount: 10
        open_reqs:
          - title: Staff SRE
            stage: hiring_manager_screen
            days_open: 50
          - title: SWE
            days_open: 10
        attrition_last_quarter: 1
        on_call_load: 12.5
      - name: Beta
        manager: ben@example.com
        headcount: 5
        approved_headcount: 5
        open_reqs: []
        attrition_last_quarter: 0
        on_call_load: 3
      - name: Gamma
        manager: ben@example.com
        headcount: 4
        approved_headcount: 4
        open_reqs:
          - title: Analyst
            days_open: 45
        attrition_last_quarter: 0
        on_call_load: 10
"""


def test_staffing_reports_each_team_and_the_totals(tmp_path: Path) -> None:
    write(tmp_path, "staffing.yaml", STAFFING)

    result = StaffingContextProvider(tmp_path).gather(request())

    assert result.provider == "staffing"
    assert result.facts == (
        "Infra (as of 27 Nov): 17 of 19 approved headcount filled across 3 teams, "
        "3 open reqs, 1 departure last quarter",
        "Alpha: 8 of 10 approved headcount, 2 open reqs (oldest 50 days), "
        "1 departure last quarter, on-call 12.5 pages/week",
        "Beta: 5 of 5 approved headcount, 0 open reqs, 0 departures last quarter, "
        "on-call 3.0 pages/week",
        "Gamma: 4 of 4 approved headcount, 1 open req (oldest 45 days), "
        "0 departures last quarter, on-call 10.0 pages/week",
    )
    assert result.data["total_headcount"] == 17
    assert result.data["total_open_reqs"] == 3
    assert result.data["teams"][0]["oldest_req_days"] == 50


def test_staffing_highlights_stale_reqs_attrition_and_on_call_above_thresholds(
    tmp_path: Path,
) -> None:
    write(tmp_path, "staffing.yaml", STAFFING)

    result = StaffingContextProvider(tmp_path).gather(request())

    # Gamma sits exactly on the thresholds (45 days, 10 pages/week): not flagged.
    assert result.highlights == (
        "Alpha: Staff SRE req open 50 days; 1 departure last quarter; "
        "on-call load 12.5 pages/week (above 10)",
    )
    assert result.questions == (
        "What is holding up the Staff SRE req in Alpha (open 50 days, at hiring manager screen)?",
        "What is behind the 1 departure from Alpha last quarter, "
        "and is anyone else a retention risk?",
        "What is the plan to bring Alpha's on-call load down from 12.5 pages/week?",
    )


def test_staffing_for_people_keeps_the_teams_they_manage(tmp_path: Path) -> None:
    write(tmp_path, "staffing.yaml", STAFFING)

    result = StaffingContextProvider(tmp_path).gather(people("BEN@example.com"))

    assert [t["name"] for t in result.data["teams"]] == ["Beta", "Gamma"]
    assert result.highlights == ()

    nobody = StaffingContextProvider(tmp_path).gather(people("carol@example.com"))
    assert nobody.facts == ("None of the teams is managed by the attendees.",)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("headcount: 8", "headcount: eight", r"teams\[0\] \(Alpha\): headcount: input should be"),
        ("days_open: 50", "days_open: -3", r"\(Alpha\): open_reqs\[0\]\.days_open: input should"),
        ("          - title: SWE\n            days_open: 10\n", "          - title: SWE\n",
         r"\(Alpha\): open_reqs\[1\]\.days_open: missing"),
        ("on_call_load: 12.5", "on_call_load: lots", r"\(Alpha\): on_call_load: input should"),
        ("        attrition_last_quarter: 1\n", "", r"\(Alpha\): attrition_last_quarter: missing"),
    ],
)  # fmt: skip
def test_staffing_with_bad_values_names_the_team(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in STAFFING
    write(tmp_path, "staffing.yaml", STAFFING.replace(old, new, 1))

    with pytest.raises(ContextDataError, match=problem):
        StaffingContextProvider(tmp_path).gather(request())


def test_malformed_staffing_yaml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, "staffing.yaml", "teams:\n  - name: Alpha\n   headcount: 3\n")

    with pytest.raises(ContextDataError, match=r"staffing\.yaml: invalid YAML at line 3"):
        StaffingContextProvider(tmp_path).gather(request())


def test_missing_staffing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"staffing\.yaml: no such file"):
        StaffingContextProvider(tmp_path).gather(request())


def test_staffing_example_flags_sre_and_network() -> None:
    result = StaffingContextProvider(EXAMPLES).gather(request())

    assert result.facts[0] == (
        "Infrastructure (as of 27 Nov): 41 of 46 approved headcount filled across 5 teams, "
        "5 open reqs, 4 departures last quarter"
    )
    assert result.highlights == (
        "Site Reliability Engineering: Staff Site Reliability Engineer req open 64 days; "
        "1 departure last quarter; on-call load 14.5 pages/week (above 10)",
        "Platform Engineering: Senior Platform Engineer req open 48 days",
        "Storage: 1 departure last quarter",
        "Network Engineering: 2 departures last quarter",
    )


# --- All providers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "name"),
    [
        (BudgetContextProvider(EXAMPLES), "budget"),
        (BigRocksContextProvider(EXAMPLES), "big_rocks"),
        (IncidentsContextProvider(EXAMPLES), "incidents"),
        (StaffingContextProvider(EXAMPLES), "staffing"),
    ],
)
def test_providers_name_themselves_and_report_for_the_organisation(
    provider: ContextProvider, name: str
) -> None:
    result = provider.gather(request())

    assert provider.name == name
    assert result.provider == name
    assert result.available
    assert result.facts
    assert result.headline == result.facts[0]


def test_a_published_postmortem_is_neither_due_nor_overdue(tmp_path: Path) -> None:
    (tmp_path / "incidents.csv").write_text(
        "id,severity,title,started_at,resolved_at,status,postmortem_due,postmortem_published,owner\n"
        "I-1,SEV2,Late but out,2026-11-20T10:00:00Z,2026-11-20T12:00:00Z,resolved,2026-11-25,"
        "2026-11-27,a@x.example\n"
        "I-2,SEV2,Still missing,2026-11-21T10:00:00Z,2026-11-21T12:00:00Z,resolved,2026-11-26,,"
        "a@x.example\n"
    )
    request = ContextRequest(
        meeting_id="m",
        series_id="s",
        meeting_type="reliability_review",
        title="PIR",
        start=datetime(2026, 12, 1, 15, tzinfo=UTC),
        now=datetime(2026, 11, 30, 12, tzinfo=UTC),
    )
    result = IncidentsContextProvider(tmp_path).gather(request)
    overdue = [f for f in result.facts if f.startswith("Postmortems past their due date")]
    assert overdue == ["Postmortems past their due date: I-2 (due 26 Nov)"]


def test_budget_rejects_infinity_naming_the_row(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET.replace("budget: 5000", "budget: .inf"))

    with pytest.raises(
        ContextDataError, match=r"cost_centers\[1\] \(Travel\): budget: input should be a finite"
    ):
        BudgetContextProvider(tmp_path).gather(request())


def test_a_quoted_newline_in_an_incident_title_stays_in_one_fact(tmp_path: Path) -> None:
    write(
        tmp_path,
        "incidents.csv",
        INCIDENTS.replace("Queue backlog", '"Queue\n# backlog"'),
    )

    result = IncidentsContextProvider(tmp_path).gather(request())

    assert "What is the plan and ETA to resolve I-3 (Queue # backlog)?" in result.questions
    assert all("\n" not in text for text in result.highlights + result.questions)


def test_invalid_yaml_says_what_the_parser_found(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", "period: &p FY2026-Q4\ncurrency: *q\ncost_centers: []\n")

    with pytest.raises(
        ContextDataError, match=r"budget\.yaml: invalid YAML at line 2: found undefined alias 'q'"
    ):
        BudgetContextProvider(tmp_path).gather(request())


def test_a_raw_control_character_in_yaml_names_its_line_and_the_fix(tmp_path: Path) -> None:
    write(tmp_path, "budget.yaml", BUDGET.replace("name: Travel", "name: Travel \x1b[31m"))

    with pytest.raises(ContextDataError) as caught:
        BudgetContextProvider(tmp_path).gather(request())

    assert str(caught.value) == (
        f"{tmp_path / 'budget.yaml'}: invalid YAML at line 10: character U+001B is not allowed; "
        'write it as an escape in a double-quoted string ("\\x1b")'
    )


def test_hostile_text_in_an_export_reads_as_one_line_facts(tmp_path: Path) -> None:
    hostile = "Cloud\\n# compute [bold]x[/bold] [link=https://evil.example]y[/link] \\x1b[31mred"
    long_name = "n" * 10_000
    write(
        tmp_path,
        "budget.yaml",
        BUDGET.replace("name: Cloud compute", f'name: "{hostile}"').replace(
            "name: Travel", f"name: {long_name}"
        ),
    )

    result = BudgetContextProvider(tmp_path).gather(request())

    flat = "Cloud # compute [bold]x[/bold] [link=https://evil.example]y[/link] \x1b[31mred"
    assert result.facts[1].startswith(f"{flat}: forecast $1.23M")
    assert result.facts[2].startswith(f"{long_name}: forecast $4.6k")
    assert result.data["cost_centers"][0]["name"] == flat.replace(" # ", "\n# ", 1)
