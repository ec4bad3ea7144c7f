"""Staffing: headcount, hiring, attrition and on-call load per team, and what is worth asking.

The same rules for any source of teams (a staffing export, an HR system).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import field_validator

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules.formatting import day, fixed, iso, status_text
from exec_assistant.domain.context_rules.results import context_result, nothing_to_report, scoped
from exec_assistant.domain.context_rules.rows import Count, Number, SourceRow, Text
from exec_assistant.domain.meeting_types import ContextProviderName
from exec_assistant.domain.text import plural

PROVIDER: ContextProviderName = "staffing"


class OpenReq(SourceRow):
    title: Text
    days_open: Count
    stage: str | None = None
    """Where the hiring stands, e.g. "hiring_manager_screen"."""


class Team(SourceRow):
    name: Text
    manager: Text
    headcount: Count
    approved_headcount: Count
    open_reqs: list[OpenReq]
    attrition_last_quarter: Count
    on_call_load: Number
    """Pages per week."""

    @field_validator("open_reqs", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def oldest_req_days(self) -> int | None:
        return max((req.days_open for req in self.open_reqs), default=None)


class StaffingHeader(SourceRow):
    org: str | None = None
    as_of: date | None = None


@dataclass(frozen=True)
class StaffingRules:
    """When a team's staffing is worth a conversation. Each limit is exclusive: a team exactly
    on it is not flagged."""

    stale_req_days: int = 45
    """A req open longer than this is stuck somewhere worth asking about."""
    max_quiet_attrition: int = 0
    """Teams are small: any departure is worth a conversation."""
    max_on_call_pages_per_week: float = 10.0
    """Above this, on-call interrupts the team's project work most days."""

    def stale_reqs(self, team: Team) -> list[OpenReq]:
        return [req for req in team.open_reqs if req.days_open > self.stale_req_days]

    def attrition_worth_asking(self, team: Team) -> bool:
        return team.attrition_last_quarter > self.max_quiet_attrition

    def on_call_too_high(self, team: Team) -> bool:
        return team.on_call_load > self.max_on_call_pages_per_week


STAFFING_RULES = StaffingRules()


def staffing_result(
    header: StaffingHeader,
    teams: Sequence[Team],
    request: ContextRequest,
    *,
    source: str,
    rules: StaffingRules = STAFFING_RULES,
) -> ContextResult:
    """Totals and one fact per team; a team's concerns as one highlight and a question each.

    `source` names where the rows came from, for "staffing.yaml lists no teams.".
    """
    scope = scoped(teams, lambda team: team.manager, request)
    data = staffing_data(header, scope)
    if not scope:
        return nothing_to_report(
            PROVIDER,
            request,
            data,
            owned="None of the teams is managed by the attendees.",
            listed=f"{source} lists no teams.",
        )
    concerns = [(team, team_concerns(team, rules)) for team in scope]
    return context_result(
        PROVIDER,
        facts=(
            staffing_total_fact(header, scope, request.now.date()),
            *(team_fact(team) for team in scope),
        ),
        highlights=(f"{team.name}: {'; '.join(c)}" for team, c in concerns if c),
        questions=(q for team in scope for q in team_questions(team, rules)),
        data=data,
    )


def team_concerns(team: Team, rules: StaffingRules = STAFFING_RULES) -> list[str]:
    """What is worth a conversation: a stale req, departures, a heavy on-call load."""
    concerns = [f"{req.title} req open {req.days_open} days" for req in rules.stale_reqs(team)]
    if rules.attrition_worth_asking(team):
        concerns.append(f"{plural(team.attrition_last_quarter, 'departure')} last quarter")
    if rules.on_call_too_high(team):
        concerns.append(
            f"on-call load {fixed(team.on_call_load, 1)} pages/week "
            f"(above {rules.max_on_call_pages_per_week:g})"
        )
    return concerns


def team_questions(team: Team, rules: StaffingRules = STAFFING_RULES) -> list[str]:
    questions = [
        f"What is holding up the {req.title} req in {team.name} "
        f"(open {req.days_open} days{_stage(req)})?"
        for req in rules.stale_reqs(team)
    ]
    if rules.attrition_worth_asking(team):
        departures = plural(team.attrition_last_quarter, "departure")
        questions.append(
            f"What is behind the {departures} from {team.name} last quarter, "
            "and is anyone else a retention risk?"
        )
    if rules.on_call_too_high(team):
        questions.append(
            f"What is the plan to bring {team.name}'s on-call load down from "
            f"{fixed(team.on_call_load, 1)} pages/week?"
        )
    return questions


def staffing_data(header: StaffingHeader, teams: Sequence[Team]) -> dict[str, Any]:
    return {
        "org": header.org,
        "as_of": iso(header.as_of),
        "total_headcount": sum(t.headcount for t in teams),
        "total_approved_headcount": sum(t.approved_headcount for t in teams),
        "total_open_reqs": sum(len(t.open_reqs) for t in teams),
        "total_attrition_last_quarter": sum(t.attrition_last_quarter for t in teams),
        "teams": [
            {
                **team.model_dump(mode="json"),
                "open_req_count": len(team.open_reqs),
                "oldest_req_days": team.oldest_req_days,
            }
            for team in teams
        ],
    }


def staffing_total_fact(header: StaffingHeader, teams: Sequence[Team], today: date) -> str:
    """Infra (as of 27 Nov): 17 of 19 approved headcount filled across 3 teams, 3 open reqs..."""
    subject = header.org or "Total"
    as_of = f" (as of {day(header.as_of, today)})" if header.as_of else ""
    headcount = sum(t.headcount for t in teams)
    approved = sum(t.approved_headcount for t in teams)
    reqs = sum(len(t.open_reqs) for t in teams)
    departures = sum(t.attrition_last_quarter for t in teams)
    return (
        f"{subject}{as_of}: {headcount} of {approved} approved headcount filled across "
        f"{plural(len(teams), 'team')}, {plural(reqs, 'open req')}, "
        f"{plural(departures, 'departure')} last quarter"
    )


def team_fact(team: Team) -> str:
    """Alpha: 8 of 10 approved headcount, 2 open reqs (oldest 50 days), 1 departure last..."""
    oldest = team.oldest_req_days
    reqs = plural(len(team.open_reqs), "open req")
    if oldest is not None:
        reqs += f" (oldest {oldest} days)"
    return (
        f"{team.name}: {team.headcount} of {team.approved_headcount} approved headcount, {reqs}, "
        f"{plural(team.attrition_last_quarter, 'departure')} last quarter, "
        f"on-call {fixed(team.on_call_load, 1)} pages/week"
    )


def _stage(req: OpenReq) -> str:
    return f", at {status_text(req.stage)}" if req.stage else ""


def reqs_outside_teams_fact(
    counts: Mapping[str, int], *, source: str, teams_from: str, listed: int = 8
) -> str:
    """Open reqs an applicant-tracking system holds for no team of the export, by where they
    sit, most first: "Greenhouse lists 3 open reqs outside the teams in staffing.yaml:
    Sales (2), Legal (1)"."""
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    shown = ", ".join(f"{name} ({count})" for name, count in ranked[:listed])
    more = f" and {len(ranked) - listed} more" if len(ranked) > listed else ""
    return (
        f"{source} lists {plural(sum(counts.values()), 'open req')} outside the teams in "
        f"{teams_from}: {shown}{more}"
    )
