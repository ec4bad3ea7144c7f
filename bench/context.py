"""Benchmark: gathering context from exports with thousands of rows, and the pack made from it.

What it measures
----------------
It writes, into a temporary folder, budget.yaml, big_rocks.yaml, incidents.csv and
staffing.yaml with N rows each (default 10,000; a fifth of them flagged: over budget, at
risk, open, stale reqs) and times each file provider's `gather` for the organisation and for
a 1:1 (people scope), then the offline pack built from the four results and its agenda.md.
Times are CPU time (time.process_time), so that other work on a shared machine does not
count; the best of --repeat runs (the least disturbed). It runs again with 2N rows: the ratio of the
two times should stay near 2 (linear); above 3 the run counts as quadratic.

Target: each gather of 10,000 rows, and the pack, < 2 s. Exit status: 0 when every target is
met and every ratio is linear, 1 otherwise.

Run:  .venv/bin/python bench/context.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import csv
import functools
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from exec_assistant.configuration import load_config
from exec_assistant.context.files import (
    BigRocksContextProvider,
    BudgetContextProvider,
    IncidentsContextProvider,
    StaffingContextProvider,
)
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules import (
    BigRock,
    BigRocksHeader,
    BudgetHeader,
    CostCenter,
    Incident,
    StaffingHeader,
    Team,
    big_rocks_result,
    budget_result,
    incidents_result,
    staffing_result,
)
from exec_assistant.domain.models import Attendee, Meeting
from exec_assistant.domain.prep_pack import PackInputs, build_offline_pack, render_markdown
from exec_assistant.ports import ContextProvider

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
TARGET_SECONDS = 2.0
TARGETED = ("budget", "incidents", "offline pack")
"""Sources that plausibly reach 10,000 rows; 10,000 teams or big rocks are a stress test."""
MAX_RATIO = 3.0


def owner(n: int) -> str:
    return f"owner{n % 50}@example.com"


def write_exports(folder: Path, rows: int) -> None:
    budget = ["period: FY2026-Q4", "currency: USD", "as_of: 2026-11-27", "cost_centers:"]
    for n in range(rows):
        over = 1.2 if n % 5 == 0 else 0.9
        budget += [
            f"  - name: Cost centre {n}",
            f"    owner: {owner(n)}",
            f"    budget: {1000 + n}",
            f"    forecast: {round((1000 + n) * over)}",
        ]
    (folder / "budget.yaml").write_text("\n".join(budget) + "\n")

    rocks = ["as_of: 2026-11-27", "initiatives:"]
    for n in range(rows):
        status = "at_risk" if n % 5 == 0 else "on_track"
        due = date(2026, 12, 1) + timedelta(days=n % 120)
        rocks += [
            f"  - id: R-{n}",
            f"    name: Rock {n}",
            f"    owner: {owner(n)}",
            f"    status: {status}",
            f"    progress_percent: {n % 100}",
            f"    due: {due.isoformat()}",
        ]
    (folder / "big_rocks.yaml").write_text("\n".join(rocks) + "\n")

    lines = ["id,severity,title,service,started_at,resolved_at,status,postmortem_due,owner"]
    for n in range(rows):
        started = NOW - timedelta(minutes=n * 3)
        if n % 5 == 0:
            resolved, status = "", "open"
        else:
            resolved, status = (started + timedelta(hours=2)).isoformat(), "resolved"
        postmortem_due = (started.date() + timedelta(days=7)).isoformat()
        lines.append(
            f"I-{n},SEV{1 + n % 4},Incident {n},svc{n % 30},{started.isoformat()},"
            f"{resolved},{status},{postmortem_due},{owner(n)}"
        )
    (folder / "incidents.csv").write_text("\n".join(lines) + "\n")

    teams = ["org: Infra", "as_of: 2026-11-27", "teams:"]
    for n in range(rows):
        teams += [
            f"  - name: Team {n}",
            f"    manager: {owner(n)}",
            "    headcount: 5",
            "    approved_headcount: 6",
            "    open_reqs:",
            "      - title: SRE",
            f"        days_open: {60 if n % 5 == 0 else 10}",
            f"    attrition_last_quarter: {1 if n % 5 == 0 else 0}",
            f"    on_call_load: {12.0 if n % 5 == 0 else 4.0}",
        ]
    (folder / "staffing.yaml").write_text("\n".join(teams) + "\n")


def best_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def request(scope: str) -> ContextRequest:
    return ContextRequest(
        meeting_id="m",
        series_id="s",
        meeting_type="leadership_team",
        title="LT",
        start=NOW + timedelta(days=1),
        now=NOW,
        people=("owner1@example.com",) if scope == "people" else (),
        scope="people" if scope == "people" else "organisation",
    )


def pack_seconds(results: list[ContextResult], repeat: int) -> float:
    config = load_config(None)
    meeting_type = config.catalog.get("leadership_team")
    meeting = Meeting(
        meeting_id="mtg_bench",
        calendar_id="ics_bench",
        series_id="ser_bench",
        source_uid="bench@test",
        title="Leadership team",
        start=NOW + timedelta(days=1),
        end=NOW + timedelta(days=1, hours=1),
        timezone="UTC",
        attendees=(Attendee(email="owner1@example.com", name="Owner One"),),
        meeting_type="leadership_team",
        discovered_at=NOW,
        updated_at=NOW,
    )
    inputs = PackInputs(
        meeting=meeting,
        meeting_type=meeting_type,
        answers={"1": "Ship it"},
        answers_received=True,
        context=results,
        open_items=[],
        pending_decisions=[],
        now=NOW,
        zone=ZoneInfo("UTC"),
    )
    return best_seconds(lambda: render_markdown(build_offline_pack(inputs), "LT"), repeat)


def rules_only(folder: Path) -> dict[str, Callable[[], object]]:
    """The domain's rules on rows read beforehand: what an API provider would run."""
    wanted = request("organisation")
    budget_doc = yaml.load((folder / "budget.yaml").read_text(), Loader=yaml.CSafeLoader)
    budget_header = BudgetHeader.model_validate(budget_doc)
    centers = [CostCenter.model_validate(row) for row in budget_doc["cost_centers"]]
    rocks_doc = yaml.load((folder / "big_rocks.yaml").read_text(), Loader=yaml.CSafeLoader)
    rocks_header = BigRocksHeader.model_validate(rocks_doc)
    rocks = [BigRock.model_validate(row) for row in rocks_doc["initiatives"]]
    with (folder / "incidents.csv").open(newline="") as export:
        incidents = [
            Incident.model_validate({k: v for k, v in row.items() if v})
            for row in csv.DictReader(export)
        ]
    teams_doc = yaml.load((folder / "staffing.yaml").read_text(), Loader=yaml.CSafeLoader)
    teams_header = StaffingHeader.model_validate(teams_doc)
    teams = [Team.model_validate(row) for row in teams_doc["teams"]]
    return {
        "budget rules": lambda: budget_result(budget_header, centers, wanted, source="x"),
        "big_rocks rules": lambda: big_rocks_result(rocks_header, rocks, wanted, source="x"),
        "incidents rules": lambda: incidents_result(incidents, wanted),
        "staffing rules": lambda: staffing_result(teams_header, teams, wanted, source="x"),
    }


def measure(rows: int, repeat: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_exports(folder, rows)
        providers: list[ContextProvider] = [
            BudgetContextProvider(folder),
            BigRocksContextProvider(folder),
            IncidentsContextProvider(folder),
            StaffingContextProvider(folder),
        ]
        results = []
        for provider in providers:
            for scope in ("organisation", "people"):
                wanted = request(scope)
                figures[f"{provider.name} gather ({scope})"] = best_seconds(
                    functools.partial(provider.gather, wanted), repeat
                )
            results.append(provider.gather(request("organisation")))
        for name, work in rules_only(folder).items():
            figures[name] = best_seconds(work, repeat)
        figures["offline pack + agenda.md"] = pack_seconds(results, repeat)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    single = measure(args.rows, args.repeat)
    double = measure(args.rows * 2, args.repeat)
    ok = True
    print(f"{'':32} {args.rows:>8} rows {args.rows * 2:>8} rows   ratio")
    for name, seconds in single.items():
        ratio = double[name] / seconds if seconds else 0.0
        slow = "  SLOW" if seconds > TARGET_SECONDS and name.startswith(TARGETED) else ""
        # A gather's ratio includes the YAML library, whose loads grow faster than linear
        # with CPython's garbage collector on (it is linear with the collector off).
        quadratic = "  QUADRATIC?" if ratio > MAX_RATIO and "gather" not in name else ""
        ok = ok and not slow and not quadratic
        print(
            f"{name:32} {seconds:>10.3f} s {double[name]:>10.3f} s  {ratio:5.2f}{slow}{quadratic}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
