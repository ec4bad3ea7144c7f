"""Incidents: the lookback window's count by severity, open ones, time to resolve, postmortems.

The same rules for any source of incidents (an export, PagerDuty).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from exec_assistant.domain.context import ContextRequest, ContextResult, within
from exec_assistant.domain.context_rules.formatting import (
    day,
    duration,
    fixed,
    last_days,
    one_decimal,
    relative_days,
)
from exec_assistant.domain.context_rules.results import context_result, nothing_to_report, scoped
from exec_assistant.domain.context_rules.rows import SourceRow, Text
from exec_assistant.domain.meeting_types import ContextProviderName
from exec_assistant.domain.text import plural

PROVIDER: ContextProviderName = "incidents"
RESOLVED_STATUSES = frozenset({"resolved", "closed"})


class Incident(SourceRow):
    id: Text
    severity: Annotated[str, Field(pattern=r"^SEV[0-9]$")]
    title: Text
    started_at: datetime
    status: Text
    resolved_at: datetime | None = None
    postmortem_due: date | None = None
    postmortem_published: date | None = None
    """When the postmortem came out; a published one is neither due nor late."""
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
        # fromisoformat rather than pydantic's parser: the sources give ISO 8601 (with Z), and
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
        return self.status in RESOLVED_STATUSES

    @property
    def hours_to_resolve(self) -> float | None:
        if not self.resolved or self.resolved_at is None:
            return None
        return (self.resolved_at - self.started_at).total_seconds() / 3600


@dataclass(frozen=True)
class IncidentRules:
    """Which incidents the meeting hears about one by one."""

    high_severities: frozenset[str] = frozenset({"SEV1", "SEV2"})
    """Highlighted even when resolved; every unresolved incident is highlighted too."""

    def needs_attention(self, incident: Incident) -> bool:
        return incident.severity in self.high_severities or not incident.resolved


INCIDENT_RULES = IncidentRules()

Postmortem = tuple[Incident, date]
"""An incident and the date its postmortem is due."""


def incidents_result(
    incidents: Sequence[Incident], request: ContextRequest, *, rules: IncidentRules = INCIDENT_RULES
) -> ContextResult:
    """What happened in the request's lookback window (incidents started in it), for the
    attendees' incidents in a 1:1 or all of them."""
    recent = [i for i in incidents if within(i.started_at, request.now, request.lookback_days)]
    scope = scoped(recent, lambda incident: incident.owner or "", request)
    today = request.now.date()
    data = incidents_data(scope, request)
    if not scope:
        window = last_days(request.lookback_days)
        return nothing_to_report(
            PROVIDER,
            request,
            data,
            owned=f"None of the incidents in the {window} is owned by the attendees.",
            listed=f"No incidents in the {window}.",
        )
    due, overdue = postmortems(scope, today)
    return context_result(
        PROVIDER,
        facts=incident_facts(scope, due, overdue, request),
        highlights=(
            *(
                incident_highlight(i, request.now)
                for i in sorted(scope, key=lambda i: (i.severity, i.started_at))
                if rules.needs_attention(i)
            ),
            *(overdue_postmortem_highlight(p, today) for p in overdue),
        ),
        questions=(
            *(open_incident_question(i) for i in scope if not i.resolved),
            *(postmortem_question(p, today) for p in due),
            *(overdue_postmortem_question(p, today) for p in overdue),
        ),
        data=data,
    )


def postmortems(
    incidents: Sequence[Incident], today: date
) -> tuple[list[Postmortem], list[Postmortem]]:
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


def incident_facts(
    incidents: Sequence[Incident],
    due: Sequence[Postmortem],
    overdue: Sequence[Postmortem],
    request: ContextRequest,
) -> tuple[str, ...]:
    """The count by severity, the open ones, the mean time to resolve, the postmortems."""
    today = request.now.date()
    counts = severity_counts(incidents)
    facts = [
        f"{plural(len(incidents), 'incident')} in the {last_days(request.lookback_days)}: "
        + ", ".join(f"{n} {severity}" for severity, n in counts.items())
    ]
    still_open = [i for i in incidents if not i.resolved]
    if still_open:
        listed = ", ".join(
            f"{i.id} ({i.severity}, {i.status}, started {day(i.started_at.date(), today)})"
            for i in still_open
        )
        facts.append(f"{len(still_open)} still open: {listed}")
    else:
        facts.append("None still open")
    mean = mean_hours_to_resolve(incidents)
    if mean is not None:
        resolved = sum(1 for i in incidents if i.resolved)
        facts.append(
            f"Mean time to resolve: {fixed(mean, 1)} h "
            f"across {plural(resolved, 'resolved incident')}"
        )
    if due:
        listed = ", ".join(f"{i.id} by {day(on, today)}" for i, on in due)
        facts.append(f"Postmortems due: {listed}")
    if overdue:
        listed = ", ".join(f"{i.id} (due {day(on, today)})" for i, on in overdue)
        facts.append(f"Postmortems past their due date: {listed}")
    return tuple(facts)


def severity_counts(incidents: Iterable[Incident]) -> dict[str, int]:
    """By severity, SEV1 first."""
    return dict(sorted(Counter(i.severity for i in incidents).items()))


def mean_hours_to_resolve(incidents: Iterable[Incident]) -> float | None:
    hours = [h for i in incidents if (h := i.hours_to_resolve) is not None]
    return sum(hours) / len(hours) if hours else None


def incident_highlight(incident: Incident, now: datetime) -> str:
    """I-3 SEV2 (queue): Queue backlog, still open after 24.0 h; impact: Orders delayed."""
    where = f" ({incident.service})" if incident.service else ""
    hours = incident.hours_to_resolve
    if hours is not None:
        state = f"resolved in {fixed(hours, 1)} h"
    else:
        state = f"still {incident.status} after {duration(now - incident.started_at)}"
    impact = f"; impact: {incident.customer_impact}" if incident.customer_impact else ""
    return f"{incident.id} {incident.severity}{where}: {incident.title}, {state}{impact}"


def overdue_postmortem_highlight(postmortem: Postmortem, today: date) -> str:
    incident, due = postmortem
    return (
        f"{incident.id} postmortem overdue: due {day(due, today)} "
        f"({relative_days((due - today).days)})"
    )


def open_incident_question(incident: Incident) -> str:
    return f"What is the plan and ETA to resolve {incident.id} ({incident.title})?"


def postmortem_question(postmortem: Postmortem, today: date) -> str:
    incident, due = postmortem
    return f"Is the {incident.id} postmortem on track for {day(due, today)}?"


def overdue_postmortem_question(postmortem: Postmortem, today: date) -> str:
    incident, due = postmortem
    return (
        f"The {incident.id} postmortem was due {day(due, today)}: "
        "is it done, and if not, when will it be?"
    )


def incidents_data(incidents: Sequence[Incident], request: ContextRequest) -> dict[str, Any]:
    today = request.now.date()
    due, overdue = postmortems(incidents, today)
    mean = mean_hours_to_resolve(incidents)
    return {
        "lookback_days": request.lookback_days,
        "total": len(incidents),
        "by_severity": severity_counts(incidents),
        "open": [i.id for i in incidents if not i.resolved],
        "mean_hours_to_resolve": one_decimal(mean),
        "postmortems": [
            {"id": i.id, "due": on.isoformat(), "overdue": on < today} for i, on in (*overdue, *due)
        ],
        "incidents": [i.model_dump(mode="json") for i in incidents],
    }
