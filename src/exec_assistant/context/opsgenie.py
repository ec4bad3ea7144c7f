"""`incidents` from Opsgenie's Incident API: the incidents created in the lookback window.

    incidents:
      source: opsgenie
      region: eu                        # us (the default) or eu: api.opsgenie.com or api.eu…
      query: 'tag: production'          # optional, Opsgenie's search syntax, ANDed with the window
      severity_by_priority: {P1: SEV1}  # the default: Pn is SEVn
      max_incidents: 1000               # the most recent ones; the facts say when there were more
      base_url: https://api.opsgenie.com   # instead of region, for a proxy
      timeout_seconds: 20

The key is the secret OPSGENIE_API_KEY: the key of an API integration (Settings → Integrations
→ API) with only the Read access right. The Incident API exists on the Standard and
Enterprise plans. One prep makes one request per 100 incidents.

How an incident becomes a row (the `Incident` incidents.csv gives): its id is OG- and its tiny
id (OG-42, as the web app shows #42), its start `createdAt`, its end the impact end the
responders recorded (`impactEndDate`), else its last update (`updatedAt`) once resolved or
closed, never before its start; its severity from its priority (P1…P5) through
`severity_by_priority`; its owner `owner` when that is an email (the list gives teams and
users by id only, so most incidents are nobody's in a 1:1).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from pydantic import Field, StringConstraints, field_validator

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

SYSTEM = "Opsgenie"
KEY = "OPSGENIE_API_KEY"
KEY_FIX = (
    "Add an API integration in Opsgenie (Settings → Integrations → API) with only the Read "
    f"access right, and store its key as {KEY}."
)
REGIONS = {"us": "https://api.opsgenie.com", "eu": "https://api.eu.opsgenie.com"}
Priority = Literal["P1", "P2", "P3", "P4", "P5"]


def _default_priorities() -> dict[Priority, str]:
    return {"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV5"}


class OpsgenieSource(IncidentApiSource):
    """Opsgenie's incidents (see the module's docstring for the settings)."""

    source: Literal["opsgenie"] = "opsgenie"
    region: Literal["us", "eu"] = "us"
    query: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    severity_by_priority: dict[Priority, Severity] = Field(default_factory=_default_priorities)
    max_incidents: int = Field(default=DEFAULT_MAX_INCIDENTS, ge=1, le=MAX_INCIDENTS)
    base_url: SecureAddress | None = None

    @field_validator("severity_by_priority")
    @classmethod
    def _every_priority(cls, value: dict[Priority, str]) -> dict[Priority, str]:
        missing = [p for p in ("P1", "P2", "P3", "P4", "P5") if p not in value]
        if missing:
            raise ValueError(f"give a severity for every priority: add {', '.join(missing)}")
        return value

    @property
    def address(self) -> str:
        return self.base_url or REGIONS[self.region]

    def reader(self, secrets: SecretStore) -> OpsgenieReader:
        return OpsgenieReader(self, secrets)

    def readers(self, secrets: SecretStore) -> list[IncidentReader]:
        return [self.reader(secrets)]


REFUSALS: RefusalTable = {
    401: ("credentials", "Opsgenie refused the API key{said}", KEY_FIX),
    **dict.fromkeys(
        (402, 403),
        (
            "permissions",
            "Opsgenie does not let this key read incidents{said}",
            "Give the API integration the Read access right; the Incident API needs the "
            "Standard or Enterprise plan.",
        ),
    ),
    **dict.fromkeys(
        (400, 422),
        (
            "request",
            "Opsgenie refused the search{said}",
            "Check `query` in context.yaml (Opsgenie's incident search syntax).",
        ),
    ),
    404: (
        "request",
        "Opsgenie has no incidents list at this address (HTTP 404)",
        "Check region (us or eu) or base_url in context.yaml.",
    ),
}
"""Opsgenie's error body is `{"message", "took", "requestId"}`."""


class OpsgenieReader(ApiReader):
    """GET /v1/incidents with the window as a query, newest first, 100 at a time until a page
    has no next one or the cap. Its 429s' X-RateLimit-Period-In-Sec is the length of the
    window Opsgenie counts in, not a wait: without a Retry-After the usual backoff applies."""

    system = SYSTEM
    integration = "incidents (opsgenie)"
    secret_name = KEY
    refusals = REFUSALS
    error_path = ("message",)

    def __init__(self, config: OpsgenieSource, secrets: SecretStore) -> None:
        super().__init__(secrets, config.max_incidents)
        self._config = config
        self._by_priority = {str(name): sev for name, sev in config.severity_by_priority.items()}

    def row(self, raw: Any) -> Incident:
        if not isinstance(raw, Mapping):
            raise shape_error(SYSTEM, "an incident that is not an object")
        tiny = text_at(raw, "tinyId")
        label = f"OG-{tiny}" if tiny else text_at(raw, "id") or "?"
        status = text_at(raw, "status")
        priority = text_at(raw, "priority")
        started = text_at(raw, "createdAt")
        ended = None
        if status in {"resolved", "closed"}:
            ended = _not_before(text_at(raw, "impactEndDate") or text_at(raw, "updatedAt"), started)
        owner = text_at(raw, "owner")
        severity = self._by_priority.get(priority or "")
        if severity is None:
            raise shape_error(SYSTEM, f"incident {label}: priority {str(priority)[:10]!r}")
        fields = {
            "id": label,
            "severity": severity,
            "title": text_at(raw, "message"),
            "started_at": started,
            "status": status,
            "resolved_at": ended,
            "owner": owner if owner and "@" in owner else None,
            "priority": priority,
        }
        return incident_row(SYSTEM, label, fields)

    def headers(self) -> dict[str, str]:
        key = api_secret(self._secrets, KEY, SYSTEM, KEY_FIX, what="API key")
        return {"Authorization": f"GenieKey {key}", "Accept": "application/json"}

    def url(self, since: datetime, until: datetime, offset: int, limit: int) -> str:
        window = f"createdAt > {_millis(since) - 1} AND createdAt < {_millis(until) + 1}"
        query = f"{window} AND ({self._config.query})" if self._config.query else window
        params = {
            "query": query,
            "offset": str(offset),
            "limit": str(limit),
            "sort": "createdAt",
            "order": "desc",
        }
        return f"{self._config.address}/v1/incidents?{urlencode(params)}"

    def page(self, page: dict[str, Any]) -> Page:
        listed = page.get("data")
        if not isinstance(listed, list):
            raise shape_error(SYSTEM, "a page without its data")
        paging = page.get("paging")
        more = isinstance(paging, Mapping) and text_at(paging, "next") is not None
        total = page.get("totalCount")
        return Page(listed, more, total if isinstance(total, int) else None)


def _millis(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _not_before(end: str | None, start: str | None) -> str | None:
    """The end, or the start when the recorded impact ended before the incident was opened
    (responders set impact times by hand): a zero time to resolve, not an unreadable row."""
    if end is None or start is None:
        return end
    try:
        if datetime.fromisoformat(end) < datetime.fromisoformat(start):
            return start
    except ValueError:
        return end  # the row's own check names the unreadable one
    return end
