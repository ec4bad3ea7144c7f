"""A fake Opsgenie Incident API on 127.0.0.1 that answers `GET /v1/incidents` as the real one
does (docs.opsgenie.com's Incident API, Response and Rate Limiting pages, and the shapes of
Opsgenie's own SDKs).

    with OpsgenieApi() as opsgenie:
        opsgenie.add(og_incident(42, "Checkout down", created_at=..., priority="P1"))
        source = OpsgenieSource(base_url=opsgenie.url)
        # secrets: {"OPSGENIE_API_KEY": opsgenie.key}

What it does as Opsgenie does:
- `Authorization: GenieKey <key>`; another or none → 401 `{"message": "Could not
  authenticate", "took": …, "requestId": …}`; a key `deny()`-ed (no Read right) → 403.
- `query` in the search syntax: clauses joined by AND, each `createdAt > N` / `< N`
  (epoch milliseconds), `status: open|resolved|closed`, `priority: P1`, `tag: x`, optionally in
  parentheses; anything else → 422 "Invalid query".
- `offset`, `limit` (default 20, at most 100), `sort=createdAt`, `order=desc|asc`; the answer
  is `{"data": [...], "paging": {"first", "next" (when there is more), "last"},
  "totalCount", "took", "requestId"}`.
- A resolved or closed incident carries the impact end the responders recorded
  (`impactEndDate`).
- `throttle()` answers 429 with `X-RateLimit-State: THROTTLED`, `X-RateLimit-Reason`,
  `X-RateLimit-Period-In-Sec` (and `Retry-After` when given).
- Every answer has `X-Request-Id`, `X-Response-Time` and `Date`.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlencode

from scripted_answers import FakeApi, Fault, send

KEY = "eb243592-faa2-4ba2-a551-1afdf565c889"
_CLAUSE = re.compile(
    r"^(?:(createdAt)\s*([<>]=?)\s*(\d+)|(status|priority|tag)\s*:\s*\"?([\w-]+)\"?)$"
)


def og_incident(
    tiny_id: int,
    message: str,
    *,
    created_at: datetime,
    status: str = "open",
    priority: str = "P3",
    updated_at: datetime | None = None,
    impact_end: datetime | None = None,
    tags: tuple[str, ...] = (),
    owner: str | None = None,
) -> dict[str, Any]:
    created = created_at.astimezone(UTC)
    incident_id = str(uuid.UUID(int=tiny_id))
    incident: dict[str, Any] = {
        "id": incident_id,
        "tinyId": str(tiny_id),
        "message": message,
        "description": "",
        "status": status,
        "isSeen": True,
        "tags": list(tags),
        "createdAt": _iso(created),
        "updatedAt": _iso(updated_at or impact_end or created),
        "source": "Opsgenie",
        "priority": priority,
        "ownerTeam": "6bf5fcba-0ce9-4ba7-98c3-29c1b1b0b7b4",
        "responders": [{"type": "team", "id": "6bf5fcba-0ce9-4ba7-98c3-29c1b1b0b7b4"}],
        "extraProperties": {},
        "impactedServices": [],
        "impactStartDate": _iso(created),
        "links": {
            "web": f"https://app.opsgenie.com/incident/detail/{incident_id}",
            "api": f"https://api.opsgenie.com/v1/incidents/{incident_id}",
        },
        "actions": [],
    }
    if impact_end is not None:
        incident["impactEndDate"] = _iso(impact_end)
    if owner is not None:
        incident["owner"] = owner
    return incident


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class OpsgenieApi(FakeApi):
    def __init__(self, *, key: str = KEY, clock_offset: timedelta = timedelta()) -> None:
        super().__init__(clock_offset=clock_offset)
        self.key = key

    def throttle(self, times: int = 1, *, retry_after: int | None = None) -> None:
        headers = {
            "X-RateLimit-State": "THROTTLED",
            "X-RateLimit-Reason": "INCIDENT",
            "X-RateLimit-Period-In-Sec": "60",
            **self._meta(),
        }
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        body = {"message": "Too many requests", "took": 0.001, "requestId": str(uuid.uuid4())}
        self.faults.add(Fault.answer_with(429, body, headers), times)

    def _meta(self) -> dict[str, str]:
        return {
            "X-Request-Id": str(uuid.uuid4()),
            "X-Response-Time": "0.012",
            "Date": self.date(),
        }

    def respond(
        self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]
    ) -> None:
        if handler.headers.get("Authorization") != f"GenieKey {self.key}":
            self._error(handler, 401, "Could not authenticate")
        elif path.rstrip("/") != "/v1/incidents":
            self._error(handler, 404, "Could not find the resource")
        elif self.denied:
            self._error(handler, 403, "You are not authorized for this operation")
        else:
            self._list(handler, path, query)

    def _error(self, handler: BaseHTTPRequestHandler, status: int, message: str) -> None:
        body = {"message": message, "took": 0.002, "requestId": str(uuid.uuid4())}
        send(handler, status, json.dumps(body).encode(), "application/json", self._meta())

    def _list(
        self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]
    ) -> None:
        def one(name: str, default: str) -> str:
            return query.get(name, [default])[-1]

        search = one("query", "")
        clauses = _clauses(search)
        if clauses is None:
            self._error(handler, 422, "Invalid query")
            return
        try:
            limit = min(int(one("limit", "20")), 100)
            offset = int(one("offset", "0"))
        except ValueError:
            self._error(handler, 422, "limit and offset must be numbers")
            return
        with self.lock:
            stored = list(self.stored)
        chosen = [i for i in stored if all(_matches(i, clause) for clause in clauses)]
        chosen.sort(key=lambda i: i["createdAt"], reverse=one("order", "desc") == "desc")
        page = chosen[offset : offset + limit]

        def link(at: int) -> str:
            params = {**{k: v[-1] for k, v in query.items()}, "offset": str(at)}
            return f"https://api.opsgenie.com{path}?{urlencode(params)}"

        paging = {"first": link(0), "last": link(max(len(chosen) - limit, 0))}
        if offset + limit < len(chosen):
            paging["next"] = link(offset + limit)
        body = {
            "data": page,
            "paging": paging,
            "totalCount": len(chosen),
            "took": 0.05,
            "requestId": str(uuid.uuid4()),
        }
        send(handler, 200, json.dumps(body).encode(), "application/json", self._meta())


def _clauses(search: str) -> list[tuple[str, str, str]] | None:
    found = []
    for part in re.split(r"\s+AND\s+", search.strip()) if search.strip() else []:
        text = part.strip()
        while text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
        match = _CLAUSE.match(text)
        if match is None:
            return None
        if match.group(1):
            found.append((match.group(1), match.group(2), match.group(3)))
        else:
            found.append((match.group(4), ":", match.group(5)))
    return found


def _matches(incident: dict[str, Any], clause: tuple[str, str, str]) -> bool:
    field, op, value = clause
    if field == "createdAt":
        created = int(datetime.fromisoformat(incident["createdAt"]).timestamp() * 1000)
        bound = int(value)
        return {
            ">": created > bound,
            ">=": created >= bound,
            "<": created < bound,
            "<=": created <= bound,
        }[op]
    if field == "tag":
        return value in incident["tags"]
    return str(incident[field]).lower() == value.lower()
