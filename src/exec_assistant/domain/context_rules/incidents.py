"""Incidents: the lookback window's count by severity, open ones, time to resolve, postmortems.

The same rules for any source of incidents (an export, PagerDuty, Opsgenie). What an API
knows beyond an export (each incident's urgency and priority) adds a count by urgency and by
priority; an export with `urgency` and `priority` columns gets the same. When the rows are
not the whole window (a read stopped at its cap, or one of two sources failed) the facts say
so, and what they cover.
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
    urgency: str | None = None
    """PagerDuty's high or low: whether it paged someone at once."""
    priority: str | None = None
    """The incident's priority as its system names it (P1…P5)."""

    @field_validator("severity", mode="before")
    @classmethod
    def _normalise_severity(cls, value: object) -> object:
        return value.replace(" ", "").upper() if isinstance(value, str) else value

    @field_validator("status", "urgency", mode="before")
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

# Fields an export without them never had: left out of context.json when empty, so an export
# reads into the same data as before they existed.
_OPTIONAL_FIELDS = ("urgency", "priority")


@dataclass(frozen=True)
class CutOff:
    """A source whose read stopped at its cap: `read` incidents of `total` (None: of more,
    the source did not say how many)."""

    source: str
    read: int
    total: int | None = None


@dataclass(frozen=True)
class Coverage:
    """What the rows leave out of the window."""

    cut_off: tuple[CutOff, ...] = ()
    unavailable: tuple[tuple[str, str], ...] = ()
    """Sources that gave nothing, each with why: ("Opsgenie", "the API key was refused")."""
    read_from: tuple[str, ...] = ()
    """The sources the rows came from, for saying whose facts these are."""


WHOLE_WINDOW = Coverage()


def incidents_result(
    incidents: Sequence[Incident],
    request: ContextRequest,
    *,
    rules: IncidentRules = INCIDENT_RULES,
    coverage: Coverage = WHOLE_WINDOW,
) -> ContextResult:
    """What happened in the request's lookback window (incidents started in it), for the
    attendees' incidents in a 1:1 or all of them; `coverage` says what the rows leave out."""
    recent = [i for i in incidents if within(i.started_at, request.now, request.lookback_days)]
    scope = scoped(recent, lambda incident: incident.owner or "", request)
    today = request.now.date()
    data = incidents_data(scope, request) | coverage_data(coverage)
    if not scope:
        window = last_days(request.lookback_days)
        result = nothing_to_report(
            PROVIDER,
            request,
            data,
            owned=f"None of the incidents in the {window} is owned by the attendees.",
            listed=f"No incidents in the {window}.",
        )
        return result.model_copy(update={"facts": (*result.facts, *coverage_facts(coverage))})
    due, overdue = postmortems(scope, today)
    return context_result(
        PROVIDER,
        facts=(*incident_facts(scope, due, overdue, request), *coverage_facts(coverage)),
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
        + ", ".join(f"{n:,} {severity}" for severity, n in counts.items())
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
    facts.extend(label_count_facts(incidents))
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


def urgency_counts(incidents: Iterable[Incident]) -> dict[str, int]:
    """By urgency, high first; {} when no incident has one (an export without the column)."""
    counts = Counter(i.urgency for i in incidents if i.urgency)
    return dict(sorted(counts.items(), key=lambda item: (item[0] != "high", item[0])))


def priority_counts(incidents: Iterable[Incident]) -> dict[str, int]:
    """By priority, P1 first; {} when no incident has one."""
    return dict(sorted(Counter(i.priority for i in incidents if i.priority).items()))


def label_count_facts(incidents: Sequence[Incident]) -> list[str]:
    """By urgency: 3 high, 1 low. By priority: 1 P1, 2 P2, 1 without a priority."""
    facts = []
    for name, counts, attribute in (
        ("urgency", urgency_counts(incidents), "urgency"),
        ("priority", priority_counts(incidents), "priority"),
    ):
        if not counts:
            continue
        without = sum(1 for i in incidents if not getattr(i, attribute))
        parts = [f"{n:,} {label}" for label, n in counts.items()]
        if without:
            parts.append(f"{without:,} without {'an' if name == 'urgency' else 'a'} {name}")
        facts.append(f"By {name}: {', '.join(parts)}")
    return facts


def coverage_facts(coverage: Coverage) -> list[str]:
    """ "Only the 1,000 most recent of 4,210 PagerDuty incidents in the window were read: the
    figures above cover those"; "Incidents from Opsgenie are missing, the figures are
    PagerDuty's alone: Opsgenie refused the API key"."""
    facts = []
    for cut in coverage.cut_off:
        of = f"{cut.total:,}" if cut.total is not None else "more"
        facts.append(
            f"Only the {cut.read:,} most recent of {of} {cut.source} incidents in the window "
            "were read: the figures above cover those"
        )
    for source, reason in coverage.unavailable:
        others = [s for s in coverage.read_from if s != source]
        whose = f"{' and '.join(others)}'s alone" if others else "incomplete"
        facts.append(f"Incidents from {source} are missing, the figures are {whose}: {reason}")
    return facts


def coverage_data(coverage: Coverage) -> dict[str, Any]:
    """Nothing for a whole window: an export's data stays as it was."""
    data: dict[str, Any] = {}
    if coverage.cut_off:
        data["cut_off"] = [
            {"source": cut.source, "read": cut.read, "total": cut.total} for cut in coverage.cut_off
        ]
    if coverage.unavailable:
        data["unavailable"] = dict(coverage.unavailable)
    return data


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
        **(
            {"by_urgency": urgency_counts(incidents), "by_priority": priority_counts(incidents)}
            if any(i.urgency or i.priority for i in incidents)
            else {}
        ),
        "incidents": [_dumped(i) for i in incidents],
    }


def _dumped(incident: Incident) -> dict[str, Any]:
    data = incident.model_dump(mode="json")
    for name in _OPTIONAL_FIELDS:
        if data[name] is None:
            del data[name]
    return data
