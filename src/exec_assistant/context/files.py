"""Context providers over exported files in a folder: budget, big rocks, incidents, staffing.

Each provider re-reads its file on every `gather` because the exports are refreshed between
meetings. Malformed data raises `ContextDataError` naming the file and the row: the caller reports
the provider as unavailable, which is better than wrong figures in a prep pack.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from exec_assistant.domain.context import ContextRequest, ContextResult, within
from exec_assistant.domain.errors import ExecAssistantError


class ContextDataError(ExecAssistantError):
    """A context file is missing or malformed; the message names the file and the row or key."""


class ContextFileMissing(ContextDataError, FileNotFoundError):
    """Also a FileNotFoundError, so callers can tell "not set up" from "broken"."""


# --- Row models ------------------------------------------------------------------------------

# Strict numbers: lax mode would read `true` as 1 and "12" as 12, and in a hand-edited export a
# quoted or boolean value is more likely a mistake than a figure.
Number = Annotated[float, Field(strict=True, ge=0)]
Count = Annotated[int, Field(strict=True, ge=0)]
Text = Annotated[str, Field(min_length=1)]


class _Row(BaseModel):
    # Exports carry extra columns (notes, summaries) that the figures do not need.
    model_config = ConfigDict(
        frozen=True, extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class CostCenter(_Row):
    name: Text
    owner: Text
    budget: Number
    forecast: Number
    code: str | None = None
    actual_to_date: Number | None = None
    notes: str | None = None

    @property
    def variance(self) -> float:
        return self.forecast - self.budget

    @property
    def variance_pct(self) -> float | None:
        return _percent_of(self.variance, self.budget)


class _BudgetHeader(_Row):
    period: str | None = None
    currency: Text = "USD"
    as_of: date | None = None


RockStatus = Literal["not_started", "on_track", "at_risk", "off_track", "done"]
_ROCK_STATUSES: tuple[RockStatus, ...] = ("not_started", "on_track", "at_risk", "off_track", "done")


class BigRock(_Row):
    name: Text
    owner: Text
    status: RockStatus
    progress_percent: Annotated[float, Field(strict=True, ge=0, le=100)]
    due: date
    id: str | None = None
    risk: str | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _normalise_status(cls, value: object) -> object:
        # Owners type "At risk" or "off-track" by hand; a typo must fail, not go unhighlighted.
        return re.sub(r"[\s-]+", "_", value.strip().lower()) if isinstance(value, str) else value

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}" if self.id else self.name


class _AsOfHeader(_Row):
    as_of: date | None = None


_RESOLVED_STATUSES = frozenset({"resolved", "closed"})


class Incident(_Row):
    id: Text
    severity: Annotated[str, Field(pattern=r"^SEV[0-9]$")]
    title: Text
    started_at: datetime
    status: Text
    resolved_at: datetime | None = None
    postmortem_due: date | None = None
    postmortem_published: date | None = None
    """Optional column: when the postmortem came out; a published one is neither due nor late."""
    # Unassigned incidents are common in exports; they simply never match a people scope.
    owner: str | None = None
    service: str | None = None
    customer_impact: str | None = None

    @field_validator("severity", mode="before")
    @classmethod
    def _normalise_severity(cls, value: object) -> object:
        return value.replace(" ", "").upper() if isinstance(value, str) else value

    @field_validator("status", mode="before")
    @classmethod
    def _normalise_status(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("started_at", "resolved_at", mode="before")
    @classmethod
    def _parse_instant(cls, value: object) -> object:
        # fromisoformat rather than pydantic's parser: the files are ISO 8601 (with Z), and
        # pydantic would also take a bare number as a Unix timestamp.
        if not isinstance(value, str):
            return value
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not an ISO 8601 timestamp") from None
        if instant.utcoffset() is None:
            raise ValueError("needs a UTC offset such as Z or +00:00")
        return instant

    @model_validator(mode="after")
    def _consistent(self) -> Incident:
        if self.resolved and self.resolved_at is None:
            raise ValueError(f"status is {self.status} but resolved_at is empty")
        if self.resolved_at is not None and self.resolved_at < self.started_at:
            raise ValueError("resolved_at is before started_at")
        return self

    @property
    def resolved(self) -> bool:
        return self.status in _RESOLVED_STATUSES

    @property
    def hours_to_resolve(self) -> float | None:
        if not self.resolved or self.resolved_at is None:
            return None
        return (self.resolved_at - self.started_at).total_seconds() / 3600


_INCIDENT_COLUMNS = (
    "id",
    "severity",
    "title",
    "started_at",
    "resolved_at",
    "status",
    "postmortem_due",
    "owner",
)


class OpenReq(_Row):
    title: Text
    days_open: Count
    stage: str | None = None


class Team(_Row):
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


class _StaffingHeader(_Row):
    org: str | None = None
    as_of: date | None = None


# --- Providers -------------------------------------------------------------------------------


class _FileContextProvider:
    name: str
    file_name: str

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    @property
    def path(self) -> Path:
        return self._folder / self.file_name


class BudgetContextProvider(_FileContextProvider):
    """Forecast against budget per cost centre, from `budget.yaml`."""

    name = "budget"
    file_name = "budget.yaml"

    def gather(self, request: ContextRequest) -> ContextResult:
        document = _load_yaml(self.path)
        header = _validate(_BudgetHeader, document, self.path, "")
        rows = _parse_list(CostCenter, document, "cost_centers", self.path)
        centers = _scoped(rows, lambda center: center.owner, request)
        data = _budget_data(header, centers)
        if not centers:
            return _empty(
                self.name,
                request,
                data,
                owned="Nothing in the budget is owned by the attendees.",
                listed=f"{self.file_name} lists no cost centres.",
            )
        over = sorted((c for c in centers if c.variance > 0), key=lambda c: -c.variance)
        return ContextResult(
            provider=self.name,
            facts=(
                _budget_total_fact(header, centers, request.now.date()),
                *(_cost_center_fact(c, header.currency) for c in centers),
            ),
            highlights=tuple(_cost_center_fact(c, header.currency) for c in over),
            questions=tuple(_overrun_question(c, header.currency) for c in over),
            data=data,
        )


class BigRocksContextProvider(_FileContextProvider):
    """Strategic initiatives: status, progress and due dates, from `big_rocks.yaml`."""

    name = "big_rocks"
    file_name = "big_rocks.yaml"
    DUE_SOON_DAYS = 14
    """Unfinished rocks due within this many days (or overdue) need attention..."""
    DUE_SOON_MIN_PROGRESS = 80.0
    """...when they are less than this percent complete."""
    _RISKY: tuple[RockStatus, ...] = ("at_risk", "off_track")

    def gather(self, request: ContextRequest) -> ContextResult:
        document = _load_yaml(self.path)
        header = _validate(_AsOfHeader, document, self.path, "")
        rows = _parse_list(BigRock, document, "initiatives", self.path)
        rocks = _scoped(rows, lambda rock: rock.owner, request)
        today = request.now.date()
        data = _big_rocks_data(header, rocks, today)
        if not rocks:
            return _empty(
                self.name,
                request,
                data,
                owned="None of the big rocks is owned by the attendees.",
                listed=f"{self.file_name} lists no big rocks.",
            )
        flagged = [rock for rock in rocks if self._is_risky(rock) or self._is_due_soon(rock, today)]
        return ContextResult(
            provider=self.name,
            facts=(
                _status_counts_fact(rocks, header.as_of, today),
                *(_rock_fact(rock, today) for rock in rocks),
            ),
            highlights=tuple(self._highlight(rock, today) for rock in flagged),
            questions=tuple(self._question(rock, today) for rock in flagged),
            data=data,
        )

    def _is_risky(self, rock: BigRock) -> bool:
        return rock.status in self._RISKY

    def _is_due_soon(self, rock: BigRock, today: date) -> bool:
        return (
            rock.status != "done"
            and (rock.due - today).days <= self.DUE_SOON_DAYS
            and rock.progress_percent < self.DUE_SOON_MIN_PROGRESS
        )

    def _highlight(self, rock: BigRock, today: date) -> str:
        due = f"due {_day(rock.due, today)} ({_relative_days((rock.due - today).days)})"
        progress = f"{_number(rock.progress_percent)}% complete"
        if not self._is_risky(rock):
            return f"{rock.label} is {due} and only {progress}"
        if self._is_due_soon(rock, today):
            return f"{rock.label} is {_status_text(rock.status)} and {due} at {progress}"
        return f"{rock.label} is {_status_text(rock.status)}: {progress}, {due}"

    def _question(self, rock: BigRock, today: date) -> str:
        due = _day(rock.due, today)
        if not self._is_risky(rock):
            return (
                f"Will {rock.label} land by {due} at {_number(rock.progress_percent)}% complete, "
                "or should the date move?"
            )
        status = _status_text(rock.status)
        if not rock.risk:
            return f"{rock.label} is {status} with no risk recorded: what is the risk and the plan?"
        return f'{rock.label} is {status}: "{rock.risk}" What would get it back on track by {due}?'


class IncidentsContextProvider(_FileContextProvider):
    """Recent incidents: severity, open ones, time to resolve, postmortems, from `incidents.csv`."""

    name = "incidents"
    file_name = "incidents.csv"
    HIGH_SEVERITIES = frozenset({"SEV1", "SEV2"})

    def gather(self, request: ContextRequest) -> ContextResult:
        rows = _parse_csv(Incident, self.path, _INCIDENT_COLUMNS)
        recent = [i for i in rows if within(i.started_at, request.now, request.lookback_days)]
        incidents = _scoped(recent, lambda incident: incident.owner or "", request)
        today = request.now.date()
        data = _incidents_data(incidents, request)
        if not incidents:
            window = _last_days(request.lookback_days)
            return _empty(
                self.name,
                request,
                data,
                owned=f"None of the incidents in the {window} is owned by the attendees.",
                listed=f"No incidents in the {window}.",
            )
        due, overdue = _postmortems(incidents, today)
        return ContextResult(
            provider=self.name,
            facts=_incident_facts(incidents, due, overdue, request),
            highlights=(
                *(
                    _incident_highlight(i, request.now)
                    for i in sorted(incidents, key=lambda i: (i.severity, i.started_at))
                    if i.severity in self.HIGH_SEVERITIES or not i.resolved
                ),
                *(_overdue_postmortem_highlight(p, today) for p in overdue),
            ),
            questions=(
                *(_open_incident_question(i) for i in incidents if not i.resolved),
                *(_postmortem_question(p, today) for p in due),
                *(_overdue_postmortem_question(p, today) for p in overdue),
            ),
            data=data,
        )


class StaffingContextProvider(_FileContextProvider):
    """Headcount, hiring, attrition and on-call load per team, from `staffing.yaml`."""

    name = "staffing"
    file_name = "staffing.yaml"
    STALE_REQ_DAYS = 45
    """A req open longer than this is stuck somewhere worth asking about."""
    MAX_QUIET_ATTRITION = 0
    """Teams are small: any departure is worth a conversation."""
    MAX_ON_CALL_PAGES_PER_WEEK = 10.0
    """Above this, on-call interrupts the team's project work most days."""

    def gather(self, request: ContextRequest) -> ContextResult:
        document = _load_yaml(self.path)
        header = _validate(_StaffingHeader, document, self.path, "")
        rows = _parse_list(Team, document, "teams", self.path)
        teams = _scoped(rows, lambda team: team.manager, request)
        data = _staffing_data(header, teams)
        if not teams:
            return _empty(
                self.name,
                request,
                data,
                owned="None of the teams is managed by the attendees.",
                listed=f"{self.file_name} lists no teams.",
            )
        concerns = [(team, self._concerns(team)) for team in teams]
        return ContextResult(
            provider=self.name,
            facts=(
                _staffing_total_fact(header, teams, request.now.date()),
                *(_team_fact(team) for team in teams),
            ),
            highlights=tuple(f"{team.name}: {'; '.join(c)}" for team, c in concerns if c),
            questions=tuple(q for team in teams for q in self._questions(team)),
            data=data,
        )

    def _stale_reqs(self, team: Team) -> list[OpenReq]:
        return [req for req in team.open_reqs if req.days_open > self.STALE_REQ_DAYS]

    def _concerns(self, team: Team) -> list[str]:
        concerns = [f"{req.title} req open {req.days_open} days" for req in self._stale_reqs(team)]
        if team.attrition_last_quarter > self.MAX_QUIET_ATTRITION:
            concerns.append(f"{_plural(team.attrition_last_quarter, 'departure')} last quarter")
        if team.on_call_load > self.MAX_ON_CALL_PAGES_PER_WEEK:
            concerns.append(
                f"on-call load {_fixed(team.on_call_load, 1)} pages/week "
                f"(above {self.MAX_ON_CALL_PAGES_PER_WEEK:g})"
            )
        return concerns

    def _questions(self, team: Team) -> list[str]:
        questions = [
            f"What is holding up the {req.title} req in {team.name} "
            f"(open {req.days_open} days{_stage(req)})?"
            for req in self._stale_reqs(team)
        ]
        if team.attrition_last_quarter > self.MAX_QUIET_ATTRITION:
            departures = _plural(team.attrition_last_quarter, "departure")
            questions.append(
                f"What is behind the {departures} from {team.name} last quarter, "
                "and is anyone else a retention risk?"
            )
        if team.on_call_load > self.MAX_ON_CALL_PAGES_PER_WEEK:
            questions.append(
                f"What is the plan to bring {team.name}'s on-call load down from "
                f"{_fixed(team.on_call_load, 1)} pages/week?"
            )
        return questions


# --- Budget figures --------------------------------------------------------------------------


def _budget_data(header: _BudgetHeader, centers: Sequence[CostCenter]) -> dict[str, Any]:
    budget = sum(c.budget for c in centers)
    forecast = sum(c.forecast for c in centers)
    return {
        "period": header.period,
        "currency": header.currency,
        "as_of": _iso(header.as_of),
        "total_budget": _number(budget),
        "total_forecast": _number(forecast),
        "variance": _number(forecast - budget),
        "variance_pct": _one_decimal(_percent_of(forecast - budget, budget)),
        "cost_centers": [
            {
                **center.model_dump(mode="json"),
                "budget": _number(center.budget),
                "forecast": _number(center.forecast),
                "actual_to_date": _maybe_number(center.actual_to_date),
                "variance": _number(center.variance),
                "variance_pct": _one_decimal(center.variance_pct),
            }
            for center in centers
        ],
    }


def _budget_total_fact(header: _BudgetHeader, centers: Sequence[CostCenter], today: date) -> str:
    budget = sum(c.budget for c in centers)
    forecast = sum(c.forecast for c in centers)
    subject = f"{header.period} total" if header.period else "Total"
    as_of = f" (as of {_day(header.as_of, today)})" if header.as_of else ""
    return (
        f"{subject} across {_plural(len(centers), 'cost centre')}{as_of}: "
        f"{_forecast_vs_budget(forecast, budget, header.currency)}"
    )


def _cost_center_fact(center: CostCenter, currency: str) -> str:
    return f"{center.name}: {_forecast_vs_budget(center.forecast, center.budget, currency)}"


def _forecast_vs_budget(forecast: float, budget: float, currency: str) -> str:
    variance = forecast - budget
    head = f"forecast {_money(forecast, currency)} against a {_money(budget, currency)} budget"
    if variance == 0:
        return f"{head}, on budget"
    direction = "over" if variance > 0 else "under"
    pct = _percent_of(variance, budget)
    share = f" ({_fixed(abs(pct), 1)}%)" if pct is not None else ""
    return f"{head}, {_money(abs(variance), currency)}{share} {direction}"


def _overrun_question(center: CostCenter, currency: str) -> str:
    pct = center.variance_pct
    size = f"{_fixed(pct, 1)}%" if pct is not None else _money(center.variance, currency)
    return f"What is driving the {size} overrun in {center.name}, and what is the plan to close it?"


# --- Big rock figures ------------------------------------------------------------------------


def _big_rocks_data(header: _AsOfHeader, rocks: Sequence[BigRock], today: date) -> dict[str, Any]:
    counts = Counter(rock.status for rock in rocks)
    return {
        "as_of": _iso(header.as_of),
        "total": len(rocks),
        "by_status": {status: counts[status] for status in _ROCK_STATUSES if counts[status]},
        "initiatives": [
            {
                **rock.model_dump(mode="json"),
                "progress_percent": _number(rock.progress_percent),
                "days_to_due": (rock.due - today).days,
            }
            for rock in rocks
        ],
    }


def _status_counts_fact(rocks: Sequence[BigRock], as_of: date | None, today: date) -> str:
    counts = Counter(rock.status for rock in rocks)
    parts = [f"{counts[s]} {_status_text(s)}" for s in _ROCK_STATUSES if counts[s]]
    updated = f" (updated {_day(as_of, today)})" if as_of else ""
    return f"{_plural(len(rocks), 'big rock')}{updated}: {', '.join(parts)}"


def _rock_fact(rock: BigRock, today: date) -> str:
    # Owner last: names like "Observability cost reduction (-25%)" carry their own brackets.
    return (
        f"{rock.label}: {_status_text(rock.status)}, "
        f"{_number(rock.progress_percent)}% complete, due {_day(rock.due, today)} "
        f"({_relative_days((rock.due - today).days)}); owner {rock.owner}"
    )


def _status_text(status: str) -> str:
    return status.replace("_", " ")


# --- Incident figures ------------------------------------------------------------------------


_Postmortem = tuple[Incident, date]


def _postmortems(
    incidents: Sequence[Incident], today: date
) -> tuple[list[_Postmortem], list[_Postmortem]]:
    """Postmortems still to come and those past their due date, soonest first.

    Without a `postmortem_published` date, a past due date is all there is to go on.
    """
    dated = sorted(
        (
            (i, i.postmortem_due)
            for i in incidents
            if i.postmortem_due is not None and i.postmortem_published is None
        ),
        key=lambda pair: pair[1],
    )
    return [p for p in dated if p[1] >= today], [p for p in dated if p[1] < today]


def _incident_facts(
    incidents: Sequence[Incident],
    due: Sequence[_Postmortem],
    overdue: Sequence[_Postmortem],
    request: ContextRequest,
) -> tuple[str, ...]:
    today = request.now.date()
    counts = _severity_counts(incidents)
    facts = [
        f"{_plural(len(incidents), 'incident')} in the {_last_days(request.lookback_days)}: "
        + ", ".join(f"{n} {severity}" for severity, n in counts.items())
    ]
    still_open = [i for i in incidents if not i.resolved]
    if still_open:
        listed = ", ".join(
            f"{i.id} ({i.severity}, {i.status}, started {_day(i.started_at.date(), today)})"
            for i in still_open
        )
        facts.append(f"{len(still_open)} still open: {listed}")
    else:
        facts.append("None still open")
    mean = _mean_hours_to_resolve(incidents)
    if mean is not None:
        resolved = sum(1 for i in incidents if i.resolved)
        facts.append(
            f"Mean time to resolve: {_fixed(mean, 1)} h "
            f"across {_plural(resolved, 'resolved incident')}"
        )
    if due:
        listed = ", ".join(f"{i.id} by {_day(on, today)}" for i, on in due)
        facts.append(f"Postmortems due: {listed}")
    if overdue:
        listed = ", ".join(f"{i.id} (due {_day(on, today)})" for i, on in overdue)
        facts.append(f"Postmortems past their due date: {listed}")
    return tuple(facts)


def _severity_counts(incidents: Iterable[Incident]) -> dict[str, int]:
    return dict(sorted(Counter(i.severity for i in incidents).items()))


def _mean_hours_to_resolve(incidents: Iterable[Incident]) -> float | None:
    hours = [h for i in incidents if (h := i.hours_to_resolve) is not None]
    return sum(hours) / len(hours) if hours else None


def _incident_highlight(incident: Incident, now: datetime) -> str:
    where = f" ({incident.service})" if incident.service else ""
    hours = incident.hours_to_resolve
    if hours is not None:
        state = f"resolved in {_fixed(hours, 1)} h"
    else:
        state = f"still {incident.status} after {_duration(now - incident.started_at)}"
    impact = f"; impact: {incident.customer_impact}" if incident.customer_impact else ""
    return f"{incident.id} {incident.severity}{where}: {incident.title}, {state}{impact}"


def _overdue_postmortem_highlight(postmortem: _Postmortem, today: date) -> str:
    incident, due = postmortem
    return (
        f"{incident.id} postmortem overdue: due {_day(due, today)} "
        f"({_relative_days((due - today).days)})"
    )


def _open_incident_question(incident: Incident) -> str:
    return f"What is the plan and ETA to resolve {incident.id} ({incident.title})?"


def _postmortem_question(postmortem: _Postmortem, today: date) -> str:
    incident, due = postmortem
    return f"Is the {incident.id} postmortem on track for {_day(due, today)}?"


def _overdue_postmortem_question(postmortem: _Postmortem, today: date) -> str:
    incident, due = postmortem
    return (
        f"The {incident.id} postmortem was due {_day(due, today)}: "
        "is it done, and if not, when will it be?"
    )


def _incidents_data(incidents: Sequence[Incident], request: ContextRequest) -> dict[str, Any]:
    today = request.now.date()
    due, overdue = _postmortems(incidents, today)
    mean = _mean_hours_to_resolve(incidents)
    return {
        "lookback_days": request.lookback_days,
        "total": len(incidents),
        "by_severity": _severity_counts(incidents),
        "open": [i.id for i in incidents if not i.resolved],
        "mean_hours_to_resolve": _one_decimal(mean),
        "postmortems": [
            {"id": i.id, "due": on.isoformat(), "overdue": on < today} for i, on in (*overdue, *due)
        ],
        "incidents": [i.model_dump(mode="json") for i in incidents],
    }


# --- Staffing figures ------------------------------------------------------------------------


def _staffing_data(header: _StaffingHeader, teams: Sequence[Team]) -> dict[str, Any]:
    return {
        "org": header.org,
        "as_of": _iso(header.as_of),
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


def _staffing_total_fact(header: _StaffingHeader, teams: Sequence[Team], today: date) -> str:
    subject = header.org or "Total"
    as_of = f" (as of {_day(header.as_of, today)})" if header.as_of else ""
    headcount = sum(t.headcount for t in teams)
    approved = sum(t.approved_headcount for t in teams)
    reqs = sum(len(t.open_reqs) for t in teams)
    departures = sum(t.attrition_last_quarter for t in teams)
    return (
        f"{subject}{as_of}: {headcount} of {approved} approved headcount filled across "
        f"{_plural(len(teams), 'team')}, {_plural(reqs, 'open req')}, "
        f"{_plural(departures, 'departure')} last quarter"
    )


def _team_fact(team: Team) -> str:
    oldest = team.oldest_req_days
    reqs = _plural(len(team.open_reqs), "open req")
    if oldest is not None:
        reqs += f" (oldest {oldest} days)"
    return (
        f"{team.name}: {team.headcount} of {team.approved_headcount} approved headcount, {reqs}, "
        f"{_plural(team.attrition_last_quarter, 'departure')} last quarter, "
        f"on-call {_fixed(team.on_call_load, 1)} pages/week"
    )


def _stage(req: OpenReq) -> str:
    return f", at {req.stage.replace('_', ' ')}" if req.stage else ""


# --- Shared: scope and empty results ---------------------------------------------------------

_T = TypeVar("_T")


def _scoped(rows: Sequence[_T], owner: Callable[[_T], str], request: ContextRequest) -> list[_T]:
    if request.scope == "organisation":
        return list(rows)
    people = {email.casefold() for email in request.people}
    return [row for row in rows if owner(row).casefold() in people]


def _empty(
    provider: str, request: ContextRequest, data: dict[str, Any], *, owned: str, listed: str
) -> ContextResult:
    """An available result: "nothing to report" is itself worth saying in the prep pack."""
    fact = owned if request.scope == "people" else listed
    return ContextResult(provider=provider, facts=(fact,), data=data)


# --- Shared: reading and validating ----------------------------------------------------------

_Model = TypeVar("_Model", bound=BaseModel)


def _read_text(path: Path) -> str:
    try:
        # utf-8-sig: spreadsheet exports often start with a byte order mark.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ContextFileMissing(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ContextDataError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ContextDataError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        raise ContextDataError(f"{path}: invalid YAML{_yaml_position(exc)}") from None
    if not isinstance(document, dict):
        raise ContextDataError(f"{path}: expected a mapping of keys at the top level")
    return document


def _yaml_position(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f" at line {exc.problem_mark.line + 1}: {exc.problem}"
    return ""


def _parse_list(
    model: type[_Model], document: dict[str, Any], key: str, path: Path
) -> list[_Model]:
    if key not in document:
        raise ContextDataError(f"{path}: missing key '{key}'")
    items = document[key] or []
    if not isinstance(items, list):
        raise ContextDataError(f"{path}: '{key}' must be a list")
    rows = []
    for index, item in enumerate(items):
        where = f"{key}[{index}]" + _row_label(item)
        if not isinstance(item, dict):
            raise ContextDataError(f"{path}: {where}: expected a mapping")
        rows.append(_validate(model, item, path, where))
    return rows


def _row_label(item: object) -> str:
    if not isinstance(item, dict):
        return ""
    label = item.get("id") or item.get("name")
    return f" ({label})" if isinstance(label, str | int) else ""


def _parse_csv(model: type[_Model], path: Path, required: Sequence[str]) -> list[_Model]:
    # strict: an unbalanced quote is an error rather than one cell swallowing the rest of the file.
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    rows = []
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        missing = [column for column in required if column not in header]
        if missing:
            raise ContextDataError(f"{path}: missing column(s) {', '.join(missing)}")
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            # line_num, not a row count: quoted cells may span lines, and editors show lines.
            where = f"line {reader.line_num}"
            row = _csv_row(header, cells, path, where)
            rows.append(_validate(model, row, path, where + _row_label(row)))
    except csv.Error as exc:
        raise ContextDataError(f"{path}: line {reader.line_num}: {exc}") from None
    return rows


def _csv_row(header: list[str], cells: list[str], path: Path, where: str) -> dict[str, Any]:
    if len(cells) > len(header):
        raise ContextDataError(f"{path}: {where}: {len(cells)} cells for {len(header)} columns")
    # Empty (and absent trailing) cells are left out: optional fields default to None, and a
    # required one is reported as missing by name.
    pairs = zip(header, cells, strict=False)  # short rows are allowed, see above
    return {column: cell.strip() for column, cell in pairs if cell.strip()}


def _validate(model: type[_Model], raw: dict[str, Any], path: Path, where: str) -> _Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        parts = [str(path), where, _describe(exc)]
        raise ContextDataError(": ".join(p for p in parts if p)) from None


def _describe(exc: ValidationError) -> str:
    """The first problem in a short form: `forecast: input should be a valid number, got 'abc'`."""
    errors = exc.errors()
    first = errors[0]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
    if first["type"] == "missing":
        text = "missing"
    else:
        message = first["msg"].removeprefix("Value error, ")
        text = f"{message[:1].lower()}{message[1:]}"
        if first["loc"] and not isinstance(first["input"], dict | list):
            text += f", got {_short(repr(first['input']))}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{field}: {text}{more}" if field else f"{text}{more}"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Shared: formatting ----------------------------------------------------------------------

_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
# Fixed month names: strftime("%b") follows the process locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _money(amount: float, currency: str) -> str:
    """$1.23M, $132.0k, $950: precise enough to compare, short enough to read aloud."""
    symbol = _CURRENCY_SYMBOLS.get(currency.upper(), f"{currency.upper()} ")
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    thousands = _fixed(value / 1000, 1)
    # Choose the unit after rounding, so 999,990 reads $1.00M rather than $1000.0k.
    if Decimal(thousands) >= 1000:
        text = f"{_fixed(value / 1_000_000, 2)}M"
    elif Decimal(_fixed(value, 0)) >= 1000:
        text = f"{thousands}k"
    else:
        text = _fixed(value, 0)
    return f"{sign}{symbol}{text}"


def _fixed(value: float, places: int) -> str:
    # Half-up, like a spreadsheet: format() rounds the float 2.625 down to 2.62.
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def _percent_of(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole else None


def _one_decimal(value: float | None) -> float | None:
    # One decimal, rounded like the facts, so the prep pack and context.json never disagree.
    return float(_fixed(value, 1)) if value is not None else None


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _maybe_number(value: float | None) -> int | float | None:
    return _number(value) if value is not None else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: date, today: date) -> str:
    year = f" {value.year}" if value.year != today.year else ""
    return f"{value.day} {_MONTHS[value.month - 1]}{year}"


def _relative_days(days: int) -> str:
    if days == 0:
        return "today"
    return f"in {_plural(days, 'day')}" if days > 0 else f"{_plural(-days, 'day')} ago"


def _duration(elapsed: timedelta) -> str:
    hours = elapsed.total_seconds() / 3600
    return f"{_fixed(hours, 1)} h" if hours < 48 else f"{_fixed(hours / 24, 1)} days"


def _last_days(days: int) -> str:
    return "last day" if days == 1 else f"last {days} days"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
