"""`incidents` from PagerDuty's REST API v2: the incidents created in the lookback window.

    incidents:
      source: pagerduty
      service_ids: [PABC123]           # optional: only these services' incidents
      team_ids: [PTEAM42]              # optional: only these teams' (needs the teams ability)
      urgencies: [high]                # optional: high, low (default both)
      statuses: [triggered, acknowledged, resolved]   # the default: all three
      severity_by_priority: {P1: SEV1, P2: SEV2}      # the default: Pn is SEVn
      severity_by_urgency: {high: SEV2, low: SEV4}    # for incidents without a priority
      max_incidents: 1000              # the most recent ones; the facts say when there were more
      base_url: https://api.pagerduty.com   # https://api.eu.pagerduty.com for the EU region
      timeout_seconds: 20

The token is the secret PAGERDUTY_API_TOKEN: a read-only REST API key (Integrations → API
Access Keys), or a user token of someone who may see those services. One prep makes one
request per 100 incidents (PagerDuty allows 960 a minute).

How an incident becomes a row (the `Incident` incidents.csv gives): its id is PD- and its
number (PD-1234, as the web app shows #1234), its start `created_at`, its end `resolved_at`
(`last_status_change_at` for a resolved incident without one), its severity from its
priority's name through `severity_by_priority`, else from its urgency, its owner the first
assignee's email (whoever resolved it, once resolved: PagerDuty empties the assignments), its
service the service's name. Urgency and priority are kept for the counts by each.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import httpx
from pydantic import Field, StringConstraints, field_validator

from exec_assistant.calendars.microsoft.graph_http import header_wait
from exec_assistant.context.incident_api import (
    DEFAULT_MAX_INCIDENTS,
    MAX_INCIDENTS,
    ApiReader,
    IncidentReader,
    Page,
    RefusalTable,
    SecureAddress,
    Severity,
    api_secret,
    incident_row,
    shape_error,
    text_at,
)
from exec_assistant.context.incident_provider import IncidentApiSource
from exec_assistant.domain.context_rules.incidents import Incident
from exec_assistant.ports import SecretStore

SYSTEM = "PagerDuty"
TOKEN = "PAGERDUTY_API_TOKEN"
TOKEN_FIX = (
    "Create a read-only REST API key in PagerDuty (Integrations → API Access Keys) and store "
    f"it as {TOKEN}."
)
ACCEPT = "application/vnd.pagerduty+json;version=2"
INCLUDES = ("priorities", "assignees", "agents")
"""Priorities by name, assignees and whoever changed the status last with their emails."""
Urgency = Literal["high", "low"]
PagerDutyId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,20}$")]
"""PABC123: what PagerDuty's web app shows in a service's or team's address."""


def _default_priorities() -> dict[str, str]:
    return {f"P{n}": f"SEV{n}" for n in range(1, 6)}


def _default_urgencies() -> dict[Urgency, str]:
    return {"high": "SEV2", "low": "SEV4"}


class PagerDutySource(IncidentApiSource):
    """PagerDuty's incidents (see the module's docstring for the settings)."""

    source: Literal["pagerduty"] = "pagerduty"
    service_ids: tuple[PagerDutyId, ...] = Field(default=(), max_length=100)
    team_ids: tuple[PagerDutyId, ...] = Field(default=(), max_length=100)
    urgencies: tuple[Urgency, ...] = ()
    statuses: tuple[Literal["triggered", "acknowledged", "resolved"], ...] = ()
    severity_by_priority: dict[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)],
        Severity,
    ] = Field(default_factory=_default_priorities, max_length=50)
    severity_by_urgency: dict[Urgency, Severity] = Field(default_factory=_default_urgencies)
    max_incidents: int = Field(default=DEFAULT_MAX_INCIDENTS, ge=1, le=MAX_INCIDENTS)
    base_url: SecureAddress = "https://api.pagerduty.com"

    @field_validator("severity_by_urgency")
    @classmethod
    def _every_urgency(cls, value: dict[Urgency, str]) -> dict[Urgency, str]:
        missing = [u for u in ("high", "low") if u not in value]
        if missing:
            raise ValueError(f"give a severity for {' and '.join(missing)} urgency too")
        return value

    def reader(self, secrets: SecretStore) -> PagerDutyReader:
        return PagerDutyReader(self, secrets)

    def readers(self, secrets: SecretStore) -> list[IncidentReader]:
        return [self.reader(secrets)]


REFUSALS: RefusalTable = {
    401: ("credentials", "PagerDuty refused the API token{said}", TOKEN_FIX),
    402: (
        "permissions",
        "the PagerDuty account lacks a feature this reading uses{said}",
        "Remove team_ids or urgencies from context.yaml, or ask PagerDuty about the teams "
        "and urgencies abilities.",
    ),
    403: (
        "permissions",
        "PagerDuty does not let this token read these incidents{said}",
        "Use a key or user who may see the configured services and teams.",
    ),
    400: (
        "request",
        "PagerDuty refused the request{said}",
        "Check service_ids and team_ids in context.yaml.",
    ),
    404: (
        "request",
        "PagerDuty has no incidents list at this address (HTTP 404)",
        "Check base_url: https://api.pagerduty.com, or https://api.eu.pagerduty.com.",
    ),
}
"""PagerDuty's error body is `{"error": {"message", "code"}}`."""


class PagerDutyReader(ApiReader):
    """GET /incidents, newest first, 100 at a time until `more` is false or the cap."""

    system = SYSTEM
    integration = "incidents (pagerduty)"
    secret_name = TOKEN
    refusals = REFUSALS
    error_path = ("error", "message")

    def __init__(self, config: PagerDutySource, secrets: SecretStore) -> None:
        super().__init__(secrets, config.max_incidents)
        self._config = config
        self._by_priority = {
            name.casefold(): severity for name, severity in config.severity_by_priority.items()
        }
        self._by_urgency = {str(name): sev for name, sev in config.severity_by_urgency.items()}

    def wait_asked(self, headers: httpx.Headers) -> float | None:
        """PagerDuty's `ratelimit-reset` (seconds until the limit resets), else Retry-After."""
        reset = header_wait(headers, "ratelimit-reset")
        return reset if reset is not None else super().wait_asked(headers)

    def row(self, raw: Any) -> Incident:
        if not isinstance(raw, Mapping):
            raise shape_error(SYSTEM, "an incident that is not an object")
        number = raw.get("incident_number")
        label = f"PD-{number}" if isinstance(number, int) else text_at(raw, "id") or "?"
        status = text_at(raw, "status")
        priority = text_at(raw, "priority", "name") or text_at(raw, "priority", "summary")
        urgency = text_at(raw, "urgency")
        resolved_at = text_at(raw, "resolved_at")
        if status == "resolved" and resolved_at is None:
            resolved_at = text_at(raw, "last_status_change_at")
        fields = {
            "id": label,
            "severity": self._severity(priority, urgency, label),
            "title": text_at(raw, "title") or text_at(raw, "summary"),
            "started_at": text_at(raw, "created_at"),
            "status": status,
            "resolved_at": resolved_at if status == "resolved" else None,
            "owner": _owner(raw),
            "service": text_at(raw, "service", "summary"),
            "urgency": urgency,
            "priority": priority,
        }
        return incident_row(SYSTEM, label, fields)

    def _severity(self, priority: str | None, urgency: str | None, label: str) -> str:
        if priority is not None and priority.casefold() in self._by_priority:
            return self._by_priority[priority.casefold()]
        if urgency is not None and urgency in self._by_urgency:
            return self._by_urgency[urgency]
        raise shape_error(SYSTEM, f"incident {label}: neither a known priority nor an urgency")

    def headers(self) -> dict[str, str]:
        token = api_secret(self._secrets, TOKEN, SYSTEM, TOKEN_FIX)
        return {"Authorization": f"Token token={token}", "Accept": ACCEPT}

    def url(self, since: datetime, until: datetime, offset: int, limit: int) -> str:
        config = self._config
        params: list[tuple[str, str]] = [
            ("since", _instant(since)),
            ("until", _instant(until)),
            ("time_zone", "UTC"),
            ("sort_by", "created_at:desc"),
            ("limit", str(limit)),
            ("offset", str(offset)),
        ]
        if offset == 0:
            params.append(("total", "true"))
        params += [("statuses[]", s) for s in config.statuses]
        params += [("urgencies[]", u) for u in config.urgencies]
        params += [("service_ids[]", s) for s in config.service_ids]
        params += [("team_ids[]", t) for t in config.team_ids]
        params += [("include[]", i) for i in INCLUDES]
        return f"{config.base_url}/incidents?{urlencode(params)}"

    def page(self, page: dict[str, Any]) -> Page:
        listed = page.get("incidents")
        if not isinstance(listed, list):
            raise shape_error(SYSTEM, "a page without its incidents")
        total = page.get("total")
        return Page(listed, page.get("more") is True, total if isinstance(total, int) else None)


def _owner(raw: Mapping[str, Any]) -> str | None:
    assignments = raw.get("assignments")
    if isinstance(assignments, list):
        for assignment in assignments:
            email = (
                text_at(assignment, "assignee", "email")
                if isinstance(assignment, Mapping)
                else None
            )
            if email:
                return email
    changed_by = raw.get("last_status_change_by")
    if isinstance(changed_by, Mapping) and text_at(changed_by, "type") == "user":
        return text_at(changed_by, "email")
    return None


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
