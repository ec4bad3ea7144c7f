"""What the incident API tests share: the request of a prep, the secrets, a provider on the
fake servers whose waits are recorded instead of slept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.context.incident_provider import ApiIncidentsProvider, IncidentApiSource
from exec_assistant.context.opsgenie import OpsgenieSource
from exec_assistant.context.pagerduty import PagerDutySource
from exec_assistant.domain.context import ContextRequest

from opsgenie_api import OpsgenieApi, og_incident
from pagerduty_api import PagerDutyApi, pd_incident

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def request(**overrides: Any) -> ContextRequest:
    fields: dict[str, Any] = {
        "meeting_id": "m-1",
        "series_id": "s-1",
        "meeting_type": "reliability_review",
        "title": "Reliability review",
        "start": NOW + timedelta(days=1),
        "now": NOW,
        **overrides,
    }
    return ContextRequest(**fields)


def secrets(
    *, pagerduty: PagerDutyApi | None = None, opsgenie: OpsgenieApi | None = None, **more: str
) -> EnvSecretStore:
    values = dict(more)
    if pagerduty is not None:
        values.setdefault("PAGERDUTY_API_TOKEN", pagerduty.token)
    if opsgenie is not None:
        values.setdefault("OPSGENIE_API_KEY", opsgenie.key)
    return EnvSecretStore(values)


def provider(
    source: IncidentApiSource,
    store: EnvSecretStore,
    *,
    waits: list[float] | None = None,
) -> ApiIncidentsProvider:
    """The source's provider, its waits recorded in `waits` (and not slept) when given."""
    return ApiIncidentsProvider(
        source.readers(store),
        timeout_seconds=source.timeout_seconds,
        pause=waits.append if waits is not None else None,
    )


def provider_for(
    api: PagerDutyApi | OpsgenieApi,
    *,
    timeout: float = 5.0,
    waits: list[float] | None = None,
    store: EnvSecretStore | None = None,
    **settings: Any,
) -> ApiIncidentsProvider:
    """The provider of `source: pagerduty` or `source: opsgenie` on the fake `api`, with its
    token unless `store` says otherwise."""
    source: IncidentApiSource
    if isinstance(api, PagerDutyApi):
        source = PagerDutySource(base_url=api.url, timeout_seconds=timeout, **settings)
        store = store or secrets(pagerduty=api)
    else:
        source = OpsgenieSource(base_url=api.url, timeout_seconds=timeout, **settings)
        store = store or secrets(opsgenie=api)
    return provider(source, store, waits=waits)


def pagerduty_sample(api: PagerDutyApi) -> None:
    """A payments SEV1 resolved in 2 h, an acknowledged backlog, a search lag resolved in 4 h,
    and one from before the window. incidents.csv's rows for them: `PAGERDUTY_SAMPLE_CSV`."""
    api.add(
        pd_incident(
            1201,
            "Card payments failing",
            created_at=NOW - timedelta(days=3),
            status="resolved",
            priority="P1",
            resolved_at=NOW - timedelta(days=3) + timedelta(hours=2),
            resolver="ana@example.com",
        ),
        pd_incident(
            1202,
            "Queue backlog",
            created_at=NOW - timedelta(hours=6),
            status="acknowledged",
            urgency="low",
            service=("PSVC002", "Orders"),
            assignee="bo@example.com",
        ),
        pd_incident(
            1203,
            "Search lag",
            created_at=NOW - timedelta(days=10),
            status="resolved",
            urgency="low",
            resolved_at=NOW - timedelta(days=10) + timedelta(hours=4),
        ),
        pd_incident(1100, "Last quarter", created_at=NOW - timedelta(days=40), status="resolved"),
    )


CSV_HEADER = "id,severity,title,service,started_at,resolved_at,status,owner,postmortem_due"
PAGERDUTY_SAMPLE_CSV = (
    f"{CSV_HEADER},urgency,priority\n"
    "PD-1201,SEV1,Card payments failing,Checkout,2026-11-27T12:00:00Z,"
    "2026-11-27T14:00:00Z,resolved,ana@example.com,,high,P1\n"
    "PD-1202,SEV4,Queue backlog,Orders,2026-11-30T06:00:00Z,,acknowledged,"
    "bo@example.com,,low,\n"
    "PD-1203,SEV4,Search lag,Checkout,2026-11-20T12:00:00Z,2026-11-20T16:00:00Z,"
    "resolved,,,low,\n"
    "PD-1100,SEV2,Last quarter,Checkout,2026-10-21T12:00:00Z,2026-10-21T12:00:00Z,"
    "resolved,,,high,\n"
)


def opsgenie_sample(api: OpsgenieApi) -> None:
    """A closed P1 whose impact lasted 1.5 h, an open P3 of ana's, a resolved P4 of 6 h, and
    one from before the window; `OPSGENIE_SAMPLE_CSV` holds the same as incidents.csv."""
    api.add(
        og_incident(
            41,
            "Login errors",
            created_at=NOW - timedelta(days=2),
            status="closed",
            priority="P1",
            impact_end=NOW - timedelta(days=2) + timedelta(hours=1, minutes=30),
            updated_at=NOW - timedelta(days=1),
            tags=("production",),
        ),
        og_incident(
            42,
            "Slow search",
            created_at=NOW - timedelta(hours=3),
            status="open",
            priority="P3",
            owner="ana@example.com",
        ),
        og_incident(
            43,
            "Batch job late",
            created_at=NOW - timedelta(days=5),
            status="resolved",
            priority="P4",
            updated_at=NOW - timedelta(days=5) + timedelta(hours=6),
            tags=("production",),
        ),
        og_incident(30, "Long ago", created_at=NOW - timedelta(days=45), status="closed"),
    )


OPSGENIE_SAMPLE_CSV = (
    f"{CSV_HEADER},priority\n"
    "OG-41,SEV1,Login errors,,2026-11-28T12:00:00Z,2026-11-28T13:30:00Z,closed,,,P1\n"
    "OG-42,SEV3,Slow search,,2026-11-30T09:00:00Z,,open,ana@example.com,,P3\n"
    "OG-43,SEV4,Batch job late,,2026-11-25T12:00:00Z,2026-11-25T18:00:00Z,resolved,,,P4\n"
    "OG-30,SEV3,Long ago,,2026-10-16T12:00:00Z,2026-10-16T12:00:00Z,closed,,,P3\n"
)
