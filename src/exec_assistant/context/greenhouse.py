"""`staffing` with open requisitions from Greenhouse: headcount, approved headcount,
attrition and on-call stay in the HRIS export (staffing.yaml in the context folder); each
team's open reqs come from Greenhouse's Harvest API instead of the file's `open_reqs`.

A req is an open opening of an open job (a job with two open openings is two hires to make),
its title the job's name, its days open counted from the opening's `opened_at`. A req with
a current offer is at stage `offer_out` once the offer is sent (`offer_pending` before).
A job belongs to the team of its department: the team named in `departments`, else the
team of the same name in staffing.yaml, else the team of the nearest parent department that
has one. The teams and their reqs then go through the `staffing` rules, as the file's do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from exec_assistant.context.deadlines import provider_deadline
from exec_assistant.context.files import StaffingContextProvider
from exec_assistant.context.greenhouse_api import (
    HarvestClient,
    HarvestCredentials,
    OutOfTime,
    check_endpoint,
)
from exec_assistant.context.sources import ContextSourceDeps, SourceConfig
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules import staffing
from exec_assistant.domain.context_rules.results import extended
from exec_assistant.domain.context_rules.staffing import OpenReq, Team, reqs_outside_teams_fact
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.ports import ContextProvider, IntegrationDoctor, SecretStore

log = logging.getLogger(__name__)

CLIENT_ID = "GREENHOUSE_CLIENT_ID"
CLIENT_SECRET = "GREENHOUSE_CLIENT_SECRET"
"""The secrets: a Harvest v3 (OAuth) credential's client id and secret."""
SCOPES = (
    "harvest:jobs:list",
    "harvest:openings:list",
    "harvest:offers:list",
    "harvest:departments:list",
)
"""Read-only, and all the source needs."""
SOURCE_NAME = "Greenhouse"
CONFIDENTIAL_TITLE = "Confidential req"
"""A confidential job's name is not told: packs are shared with the meeting's attendees."""
FIELDS = {
    "departments": "id,name,parent_id",
    "jobs": "id,name,status,confidential,department_id,opened_at",
    "openings": "id,job_id,opened_at,open",
    "offers": "id,job_id,opening_id,status,sent_on",
}
"""The fields asked for: no compensation, candidates or notes ever leave Greenhouse."""
_QUERIES = {
    "departments": {},
    "jobs": {"status": "open"},
    "openings": {"open": "true"},
    "offers": {"status": "Created", "current_only": "true"},
}

TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class GreenhouseStaffingSource(SourceConfig):
    """Greenhouse Harvest v3, beside the HRIS export staffing.yaml.

        staffing:
          source: greenhouse
          user_id: 4080123              # a Site Admin's Greenhouse user id (the token's sub)
          departments:                  # Greenhouse department → team in staffing.yaml
            SRE: Site Reliability Engineering
          base_url: https://harvest.greenhouse.io      # the default
          token_url: https://auth.greenhouse.io/token  # the default
          timeout_seconds: 20

    The credentials are the secrets GREENHOUSE_CLIENT_ID and GREENHOUSE_CLIENT_SECRET, of a
    Harvest v3 (OAuth) credential with the scopes harvest:jobs:list, harvest:openings:list,
    harvest:offers:list and harvest:departments:list. A prep makes 1 token request an hour
    and 4 list requests (one more per 500 records of a kind).
    """

    source: Literal["greenhouse"] = "greenhouse"
    user_id: int | None = Field(default=None, gt=0)
    departments: dict[TeamName, TeamName] = Field(default_factory=dict, max_length=1000)
    base_url: str = "https://harvest.greenhouse.io"
    token_url: str = "https://auth.greenhouse.io/token"

    @field_validator("base_url", "token_url")
    @classmethod
    def _secure(cls, value: str) -> str:
        return check_endpoint(value.strip(), "the address")

    def build(self, deps: ContextSourceDeps) -> ContextProvider:
        return GreenhouseStaffingProvider(self, StaffingContextProvider(deps.files), deps.secrets)

    def doctor(self, deps: ContextSourceDeps) -> IntegrationDoctor | None:
        from exec_assistant.context.greenhouse_doctor import GreenhouseDoctor

        return GreenhouseDoctor(self, StaffingContextProvider(deps.files), deps.secrets, deps.clock)

    def client(
        self, secrets: SecretStore, *, sleep: Callable[[float], None] = time.sleep
    ) -> HarvestClient:
        """A Harvest client with the stored credentials (`sleep`: how it waits before trying
        again); ContextSourceUnavailable naming the missing secrets when they are not
        there."""
        client_id, client_secret = secrets.get(CLIENT_ID), secrets.get(CLIENT_SECRET)
        if not client_id or not client_secret:
            missing = [
                n for n, v in ((CLIENT_ID, client_id), (CLIENT_SECRET, client_secret)) if not v
            ]
            raise ContextSourceUnavailable(
                f"no Greenhouse credentials ({' and '.join(missing)} not set)",
                fix="Create Harvest v3 (OAuth) credentials in Greenhouse (Configure > Dev "
                f"Center > API Credentials) with {', '.join(SCOPES)}, and store them as "
                f"{CLIENT_ID} and {CLIENT_SECRET}.",
            )
        return HarvestClient(
            HarvestCredentials(client_id, client_secret, self.user_id),
            base_url=self.base_url,
            token_url=self.token_url,
            sleep=sleep,
        )


@dataclass(frozen=True)
class Hiring:
    """What Greenhouse lists, as read (the fields of `FIELDS`)."""

    departments: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    openings: list[dict[str, Any]]
    offers: list[dict[str, Any]]


class GreenhouseStaffingProvider:
    name = staffing.PROVIDER

    def __init__(
        self,
        config: GreenhouseStaffingSource,
        export: StaffingContextProvider,
        secrets: SecretStore,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._export = export
        self._secrets = secrets
        self._sleep = sleep
        self._client: HarvestClient | None = None
        self._lock = threading.Lock()

    def gather(self, request: ContextRequest) -> ContextResult:
        started = time.perf_counter()
        seconds = provider_deadline(self._config.timeout_seconds)
        deadline = time.monotonic() + seconds
        header, teams = self._export.read(reqs_from_file=False)
        client = self.harvest()
        before = client.requests
        try:
            hiring = read_hiring(client, deadline)
        except OutOfTime as exc:
            raise ContextSourceUnavailable(
                f"Greenhouse's answer for {exc.what} was still arriving after {seconds:g} s"
                if exc.partial
                else f"Greenhouse gave no answer for {exc.what} within {seconds:g} s"
            ) from None
        placed = place_reqs(hiring, teams, self._config.departments, request.now)
        result = staffing.staffing_result(
            header, placed.teams, request, source=self._export.file_name
        )
        if request.scope == "organisation" and placed.outside:
            result = extended(
                result,
                facts=[
                    reqs_outside_teams_fact(
                        placed.outside, source=SOURCE_NAME, teams_from=self._export.file_name
                    )
                ],
                data={"reqs_outside_teams": dict(placed.outside)},
            )
        log.info(
            "greenhouse reqs read",
            extra={
                "meeting_id": request.meeting_id,
                "jobs": len(hiring.jobs),
                "openings": len(hiring.openings),
                "offers": len(hiring.offers),
                "reqs_placed": sum(len(t.open_reqs) for t in placed.teams),
                "reqs_outside": sum(placed.outside.values()),
                "requests": client.requests - before,
                "duration_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return result

    def harvest(self) -> HarvestClient:
        """The client, made on first use and kept (with its token) for later preps."""
        with self._lock:
            if self._client is None:
                self._client = self._config.client(self._secrets, sleep=self._sleep)
            return self._client


def read_hiring(client: HarvestClient, deadline: float) -> Hiring:
    """Departments, open jobs, open openings and current offers, in that order."""
    listed = {
        resource: _records(
            client.list(resource, {**query, "fields": FIELDS[resource]}, deadline=deadline),
            resource,
        )
        for resource, query in _QUERIES.items()
    }
    return Hiring(listed["departments"], listed["jobs"], listed["openings"], listed["offers"])


@dataclass(frozen=True)
class PlacedReqs:
    teams: list[Team]
    """The export's teams, each with its reqs from Greenhouse (oldest first)."""
    outside: Counter[str]
    """Reqs of departments with no team, by department name."""


def place_reqs(
    hiring: Hiring, teams: Sequence[Team], mapping: Mapping[str, str], now: datetime
) -> PlacedReqs:
    today = now.astimezone(UTC).date()
    by_team_name = {team.name.casefold(): team.name for team in teams}
    mapped = {dept.casefold(): team.casefold() for dept, team in mapping.items()}
    departments = {d["id"]: d for d in hiring.departments if isinstance(d.get("id"), int)}
    jobs = {
        j["id"]: j
        for j in hiring.jobs
        if isinstance(j.get("id"), int) and j.get("status", "open") == "open"
    }
    stages = _offer_stages(hiring.offers, hiring.openings)
    reqs: dict[str, list[OpenReq]] = {}
    outside: Counter[str] = Counter()
    for opening in hiring.openings:
        job = jobs.get(opening.get("job_id"))
        if job is None or opening.get("open") is False:
            continue
        req = OpenReq(
            title=CONFIDENTIAL_TITLE if job.get("confidential") else _text(job.get("name")),
            days_open=_days_open(opening.get("opened_at") or job.get("opened_at"), today),
            stage=stages.get(opening["id"]),
        )
        team = _team_of(job.get("department_id"), departments, mapped, by_team_name)
        if team is None:
            outside[_department_name(job.get("department_id"), departments)] += 1
        else:
            reqs.setdefault(team, []).append(req)
    placed = [
        team.model_copy(
            update={
                "open_reqs": sorted(reqs.get(team.name, []), key=lambda r: (-r.days_open, r.title))
            }
        )
        for team in teams
    ]
    return PlacedReqs(placed, outside)


def _team_of(
    department_id: Any,
    departments: Mapping[int, dict[str, Any]],
    mapped: Mapping[str, str],
    by_team_name: Mapping[str, str],
) -> str | None:
    """The team of a department or of its nearest ancestor that has one."""
    seen: set[int] = set()
    current = department_id
    while isinstance(current, int) and current in departments and current not in seen:
        seen.add(current)
        name = _text(departments[current].get("name")).casefold()
        team = by_team_name.get(mapped.get(name, name))
        if team is not None:
            return team
        current = departments[current].get("parent_id")
    return None


def _department_name(department_id: Any, departments: Mapping[int, dict[str, Any]]) -> str:
    department = departments.get(department_id) if isinstance(department_id, int) else None
    return _text(department.get("name")) if department else "(no department)"


def _offer_stages(
    offers: Sequence[dict[str, Any]], openings: Sequence[dict[str, Any]]
) -> dict[int, str]:
    """The stage of each opening with a current offer: `offer_out` when sent. An offer that
    names no opening goes to its job's longest-open opening without one."""
    stage_of: dict[int, str] = {}
    by_job: dict[Any, list[dict[str, Any]]] = {}
    for opening in sorted(openings, key=lambda o: str(o.get("opened_at") or "")):
        by_job.setdefault(opening.get("job_id"), []).append(opening)
    ids = {o.get("id") for o in openings}
    for offer in sorted(offers, key=lambda o: (o.get("sent_on") is None, o["id"])):
        stage = "offer_out" if offer.get("sent_on") else "offer_pending"
        opening_id = offer.get("opening_id")
        if opening_id not in ids:
            free = [o for o in by_job.get(offer.get("job_id"), []) if o.get("id") not in stage_of]
            opening_id = free[0].get("id") if free else None
        if isinstance(opening_id, int) and opening_id not in stage_of:
            stage_of[opening_id] = stage
    return stage_of


def _days_open(opened_at: Any, today: date) -> int:
    if not isinstance(opened_at, str):
        return 0
    try:
        opened = datetime.fromisoformat(opened_at.replace("Z", "+00:00"))
    except ValueError:
        raise ContextSourceUnavailable(
            "Greenhouse answered /v3/openings in an unexpected shape"
        ) from None
    if opened.tzinfo is None:
        opened = opened.replace(tzinfo=UTC)
    return max((today - opened.astimezone(UTC).date()).days, 0)


def _records(rows: list[Any], resource: str) -> list[dict[str, Any]]:
    if not all(isinstance(row, dict) and isinstance(row.get("id"), int) for row in rows):
        raise ContextSourceUnavailable(f"Greenhouse answered /v3/{resource} in an unexpected shape")
    return rows


def _text(value: Any, limit: int = 120) -> str:
    """A name as told in a fact: trimmed, and cut at `limit` characters (a job's name is
    free text; a pasted description must not become the prep pack)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return "(untitled)"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
