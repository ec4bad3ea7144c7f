"""A fake PagerDuty REST API v2 on 127.0.0.1 that answers `GET /incidents` as the real one
does (PagerDuty's published OpenAPI schema, api-schema/reference/REST/openapiv3.json, and its
developer docs on pagination, errors and rate limits).

    with PagerDutyApi() as pagerduty:
        pagerduty.add(pd_incident(1, "Checkout down", created_at=..., priority="P1"))
        source = PagerDutySource(base_url=pagerduty.url)
        # secrets: {"PAGERDUTY_API_TOKEN": pagerduty.token}

What it does as PagerDuty does:
- `Authorization: Token token=<token>`; another or none → 401
  `{"error": {"message": "Authentication failed", "code": 2006}}`. A token `deny()`-ed → 403
  `{"error": {"message": "Access Denied", "code": 2010}}`.
- Filters: `since`/`until` on `created_at` (ISO 8601; more than 6 months apart, or unreadable
  → 400 with code 2005 / 2004), `statuses[]`, `urgencies[]`, `service_ids[]`, `team_ids[]`;
  `sort_by=created_at:asc|desc`.
- Classic pagination: `limit` (default 25, at most 100), `offset`; the answer echoes them, with
  `more`, and `total` null unless `total=true`. `offset + limit` over 10,000 → 400.
- `include[]`: `priorities` (the full priority, else a `priority_reference`), `assignees`
  (full users with their email, else `user_reference`s), `agents` (the full
  `last_status_change_by`). A resolved incident has no assignments.
- Every answer has `ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset` and `Date`;
  `throttle()` answers 429 with them and `{"error": {"message": "Rate Limit Exceeded",
  "code": 2020}}`.
- Any other path → 404 `{"error": {"message": "Not Found", "code": 2100}}`.

`faults` (scripted_answers.Faults) answers the next requests with a scripted failure;
`requests` records each request's path, query (every value of each key) and headers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from scripted_answers import FakeApi, Fault, send

TOKEN = "u+fakePagerDutyToken1234"
RATE_LIMIT = 960
_SIX_MONTHS = timedelta(days=183)
_MAX_RECORDS = 10_000


def _user(user_id: str, email: str, *, full: bool) -> dict[str, Any]:
    reference = {
        "id": user_id,
        "type": "user" if full else "user_reference",
        "summary": email.split("@")[0].replace(".", " ").title(),
        "self": f"https://api.pagerduty.com/users/{user_id}",
        "html_url": f"https://subdomain.pagerduty.com/users/{user_id}",
    }
    if full:
        reference |= {"name": reference["summary"], "email": email, "time_zone": "Etc/UTC"}
    return reference


def pd_incident(
    number: int,
    title: str,
    *,
    created_at: datetime,
    status: str = "triggered",
    urgency: str = "high",
    priority: str | None = None,
    resolved_at: datetime | None = None,
    service: tuple[str, str] = ("PSVC001", "Checkout"),
    teams: tuple[str, ...] = ("PTEAM01",),
    assignee: str | None = None,
    resolver: str | None = None,
    legacy: bool = False,
) -> dict[str, Any]:
    """An incident as PagerDuty stores it; the server renders references and includes.

    `legacy`: a resolved incident without `resolved_at` (older records): only
    `last_status_change_at` says when it was resolved."""
    when = created_at.astimezone(UTC)
    changed = resolved_at or when
    incident_id = f"Q{number:06d}"
    return {
        "id": incident_id,
        "type": "incident",
        "summary": f"[#{number}] {title}",
        "self": f"https://api.pagerduty.com/incidents/{incident_id}",
        "html_url": f"https://subdomain.pagerduty.com/incidents/{incident_id}",
        "incident_number": number,
        "title": title,
        "created_at": _iso(when),
        "updated_at": _iso(changed),
        "status": status,
        "incident_key": f"key-{number}",
        "service": {
            "id": service[0],
            "type": "service_reference",
            "summary": service[1],
            "self": f"https://api.pagerduty.com/services/{service[0]}",
            "html_url": f"https://subdomain.pagerduty.com/service-directory/{service[0]}",
        },
        "_assignee": assignee if status != "resolved" else None,
        "_resolver": resolver,
        "_priority": priority,
        "assigned_via": "escalation_policy",
        "last_status_change_at": _iso(changed),
        **({} if legacy else {"resolved_at": _iso(resolved_at) if resolved_at else None}),
        "first_trigger_log_entry": {
            "id": f"R{number:06d}",
            "type": "trigger_log_entry_reference",
            "summary": "Triggered through the API",
        },
        "alert_counts": {"all": 1, "triggered": 0 if status == "resolved" else 1},
        "is_mergeable": True,
        "incident_type": {"name": "incident_default"},
        "escalation_policy": {
            "id": "PEP0001",
            "type": "escalation_policy_reference",
            "summary": "Default",
        },
        "teams": [{"id": team, "type": "team_reference", "summary": team} for team in teams],
        "pending_actions": [],
        "acknowledgements": [],
        "alert_grouping": None,
        "resolve_reason": None,
        "incidents_responders": [],
        "responder_requests": [],
        "urgency": urgency,
    }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _priority(name: str, *, full: bool) -> dict[str, Any]:
    priority_id = f"PRIO{name}"
    reference = {
        "id": priority_id,
        "type": "priority" if full else "priority_reference",
        "summary": name,
        "self": f"https://api.pagerduty.com/priorities/{priority_id}",
    }
    if full:
        reference |= {"name": name, "description": f"{name} priority"}
    return reference


class PagerDutyApi(FakeApi):
    def __init__(self, *, token: str = TOKEN, clock_offset: timedelta = timedelta()) -> None:
        super().__init__(clock_offset=clock_offset)
        self.token = token
        self.after_first_page: Callable[[], None] | None = None
        """Run once the first page is answered: what happens in PagerDuty meanwhile."""

    def throttle(self, times: int = 1, *, reset: int = 1, delay: float = 0.0) -> None:
        self.faults.add(
            Fault.answer_with(
                429,
                {"error": {"message": "Rate Limit Exceeded", "code": 2020}},
                self._rate_headers(remaining=0, reset=reset),
                delay=delay,
            ),
            times,
        )

    def _rate_headers(self, *, remaining: int, reset: int) -> dict[str, str]:
        return {
            "ratelimit-limit": str(RATE_LIMIT),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(reset),
            "Date": self.date(),
        }

    def respond(
        self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]
    ) -> None:
        if handler.headers.get("Authorization") != f"Token token={self.token}":
            self._error(handler, 401, "Authentication failed", 2006)
        elif path != "/incidents":
            self._error(handler, 404, "Not Found", 2100)
        elif self.denied:
            self._error(handler, 403, "Access Denied", 2010)
        else:
            self._list(handler, query)

    def _error(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        message: str,
        code: int,
        errors: list[str] | None = None,
    ) -> None:
        error: dict[str, Any] = {"message": message, "code": code}
        if errors:
            error["errors"] = errors
        body = json.dumps({"error": error}).encode()
        headers = self._rate_headers(remaining=RATE_LIMIT - 1, reset=60)
        send(handler, status, body, "application/json; charset=utf-8", headers)

    def _list(self, handler: BaseHTTPRequestHandler, query: dict[str, list[str]]) -> None:
        def one(name: str, default: str | None = None) -> str | None:
            return query.get(name, [default])[-1]

        try:
            until = _instant(one("until")) or datetime.now(UTC)
            since = _instant(one("since")) or until - timedelta(days=30)
        except ValueError:
            self._error(
                handler, 400, "Invalid time values in 'since' and/or 'until' parameters", 2004
            )
            return
        if until - since > _SIX_MONTHS or until < since:
            self._error(handler, 400, "Invalid Query Date Range", 2005)
            return
        try:
            limit = min(int(one("limit", "25") or 25), 100)
            offset = int(one("offset", "0") or 0)
        except ValueError:
            self._error(handler, 400, "Invalid Input Provided", 2001, ["limit must be a number"])
            return
        if offset + limit > _MAX_RECORDS:
            self._error(
                handler,
                400,
                "Invalid Input Provided",
                2001,
                ["Offset must be less than or equal to 10000 minus limit"],
            )
            return
        chosen = self._matching(query, since, until)
        descending = (one("sort_by") or "created_at:asc").endswith(":desc")
        chosen.sort(key=lambda i: i["created_at"], reverse=descending)
        page = chosen[offset : offset + limit]
        includes = set(query.get("include[]", []))
        body = {
            "incidents": [self._render(i, includes) for i in page],
            "limit": limit,
            "offset": offset,
            "more": offset + limit < len(chosen),
            "total": len(chosen) if one("total") == "true" else None,
        }
        headers = self._rate_headers(remaining=RATE_LIMIT - 1, reset=60)
        send(handler, 200, json.dumps(body).encode(), "application/json; charset=utf-8", headers)
        meanwhile, self.after_first_page = self.after_first_page, None
        if meanwhile is not None:
            meanwhile()

    def _matching(
        self, query: dict[str, list[str]], since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        statuses = set(query.get("statuses[]", []))
        urgencies = set(query.get("urgencies[]", []))
        services = set(query.get("service_ids[]", []))
        teams = set(query.get("team_ids[]", []))
        with self.lock:
            stored = list(self.stored)
        chosen = []
        for incident in stored:
            created = datetime.fromisoformat(incident["created_at"])
            if not since <= created <= until:
                continue
            if statuses and incident["status"] not in statuses:
                continue
            if urgencies and incident["urgency"] not in urgencies:
                continue
            if services and incident["service"]["id"] not in services:
                continue
            if teams and not teams & {t["id"] for t in incident["teams"]}:
                continue
            chosen.append(incident)
        return chosen

    def _render(self, stored: dict[str, Any], includes: set[str]) -> dict[str, Any]:
        incident = {k: v for k, v in stored.items() if not k.startswith("_")}
        assignee = stored["_assignee"]
        incident["assignments"] = (
            [
                {
                    "at": stored["created_at"],
                    "assignee": _user("PUSR001", assignee, full="assignees" in includes),
                }
            ]
            if assignee
            else []
        )
        resolver = stored["_resolver"]
        incident["last_status_change_by"] = (
            _user("PUSR002", resolver, full="agents" in includes)
            if resolver
            else {"id": stored["service"]["id"], "type": "service_reference"}
        )
        priority = stored["_priority"]
        incident["priority"] = (
            _priority(priority, full="priorities" in includes) if priority else None
        )
        return incident


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
