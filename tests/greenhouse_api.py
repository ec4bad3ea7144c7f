"""A fake Greenhouse on 127.0.0.1: the OAuth token endpoint and Harvest v3's list endpoints
for departments, jobs, openings and offers, answered as Greenhouse answers them.

    with FakeGreenhouse(now=NOW, client_id="c", client_secret="s") as gh:
        sre = gh.department("SRE", parent=gh.department("Infrastructure"))
        job = gh.job("Staff SRE", sre, opened_days_ago=64, openings=2)
        gh.offer(job, sent=True)
        gh.fail("jobs", 429, retry_after=1)     # the next /v3/jobs answers 429
        gh.stall(3)                              # every answer comes 3 s late
        gh.base_url, gh.token_url

What it does as Greenhouse does (Harvest v3 reference and its guides):
- `POST /token`: HTTP Basic client_id:client_secret, the form `grant_type=client_credentials`
  and optional `sub`. 200 `{"token_type": "Bearer", "access_token", "expires_at"}` (an
  hour); a wrong client: 401 `{"error": "invalid_client"}`.
- `GET /v3/<resource>` with `Authorization: Bearer <token>`: a bare JSON array. A missing,
  unknown or revoked token: 401 `{"message": "Unauthorized", "errors": [...]}`; a scope the
  credentials lack: 403. `per_page` 1-500 (default 100), `fields` (known field names only),
  filters `status` (jobs: open|closed|draft; offers: Created|Accepted|Rejected|Deprecated),
  `open` (openings), `current_only` (offers). Another page: `Link: <…?cursor=…>;
  rel="next"`, and a cursor must be the only parameter (422 otherwise). Bad input: 422
  `{"message": "Validation error", "errors": [{"message", "field"}]}`.
- Every answer has a `Date` header; the list answers carry `X-RateLimit-Limit`,
  `-Remaining` and `-Reset`. A scripted 429 carries `Retry-After` and no X-RateLimit-Limit
  or -Remaining, as Greenhouse's do.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from local_http import LocalHttpServer

RESOURCES = ("departments", "jobs", "openings", "offers")
KNOWN_FIELDS = {
    "departments": {"id", "name", "parent_id", "external_id"},
    "jobs": {
        "id",
        "name",
        "requisition_id",
        "notes",
        "confidential",
        "status",
        "opened_at",
        "closed_at",
        "is_template",
        "copied_from_id",
        "department_id",
        "office_ids",
        "custom_fields",
        "created_at",
        "updated_at",
    },
    "openings": {
        "id",
        "job_id",
        "opened_at",
        "closed_at",
        "sort_order",
        "opening_id",
        "application_id",
        "close_reason_id",
        "target_start_on",
        "open",
        "custom_fields",
        "created_at",
        "updated_at",
    },
    "offers": {
        "id",
        "version",
        "application_id",
        "job_id",
        "candidate_id",
        "opening_id",
        "status",
        "starts_on",
        "sent_on",
        "resolved_at",
        "custom_fields",
        "created_at",
        "updated_at",
    },
}


@dataclass
class _Failure:
    status: int
    headers: dict[str, str]
    body: bytes | None


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in RESOURCES}
    )
    tokens: set[str] = field(default_factory=set)
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))


class FakeGreenhouse(LocalHttpServer):
    def __init__(
        self,
        *,
        now: datetime,
        client_id: str = "gh-client",
        client_secret: str = "gh-secret",
        scopes: tuple[str, ...] = tuple(f"harvest:{r}:list" for r in RESOURCES),
        clock_offset: timedelta = timedelta(0),
    ) -> None:
        self.now = now
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = set(scopes)
        self.clock_offset = clock_offset
        """How far the server's `Date` header is from the real time."""
        self.stall_seconds = 0.0
        self.next_link: str | None = None
        """Every list page links to this URL as its next page (a hostile server)."""
        self.trickle: float | None = None
        """Send each answer one byte at a time, this many seconds apart."""
        self._state = _State()
        super().__init__(self._handler_class())

    @property
    def base_url(self) -> str:
        return self.url

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    # ---- records ------------------------------------------------------------------------

    def department(self, name: str, *, parent: int | None = None) -> int:
        return self._add("departments", {"name": name, "parent_id": parent, "external_id": None})

    def job(
        self,
        name: str,
        department: int | None,
        *,
        opened_days_ago: int,
        openings: int = 1,
        status: str = "open",
        confidential: bool = False,
    ) -> int:
        opened = _iso(self.now - timedelta(days=opened_days_ago, hours=3))
        job = self._add(
            "jobs",
            {
                "name": name,
                "requisition_id": f"REQ-{name[:3].upper()}",
                "notes": "<p>Internal notes</p>",
                "confidential": confidential,
                "status": status,
                "opened_at": opened,
                "closed_at": None,
                "is_template": False,
                "copied_from_id": None,
                "department_id": department,
                "office_ids": [],
                "custom_fields": {"salary_range": {"min_value": 1, "max_value": 2}},
            },
        )
        for _ in range(openings):
            self.opening(job, opened_days_ago=opened_days_ago)
        return job

    def opening(self, job: int, *, opened_days_ago: int, open: bool = True) -> int:
        return self._add(
            "openings",
            {
                "job_id": job,
                "opened_at": _iso(self.now - timedelta(days=opened_days_ago, hours=3)),
                "closed_at": None if open else _iso(self.now),
                "sort_order": 1,
                "opening_id": None,
                "application_id": None,
                "close_reason_id": None,
                "target_start_on": None,
                "open": open,
                "custom_fields": {},
            },
        )

    def offer(
        self, job: int, *, opening: int | None = None, sent: bool = True, status: str = "Created"
    ) -> int:
        return self._add(
            "offers",
            {
                "version": 1,
                "application_id": 9000 + job,
                "job_id": job,
                "candidate_id": 7000 + job,
                "opening_id": opening,
                "status": status,
                "starts_on": None,
                "sent_on": (self.now - timedelta(days=2)).date().isoformat() if sent else None,
                "resolved_at": None,
                "custom_fields": {"salary": {"value": 180000, "currency": "USD"}},
            },
        )

    def openings_of(self, job: int) -> list[int]:
        with self._state.lock:
            return [o["id"] for o in self._state.records["openings"] if o["job_id"] == job]

    def _add(self, resource: str, record: dict[str, Any]) -> int:
        with self._state.lock:
            record_id = next(self._state.ids)
            stamp = _iso(self.now - timedelta(days=90))
            self._state.records[resource].append(
                {"id": record_id, **record, "created_at": stamp, "updated_at": stamp}
            )
            return record_id

    # ---- scripting ----------------------------------------------------------------------

    def fail(
        self,
        resource: str,
        status: int,
        *,
        times: int = 1,
        retry_after: str | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` requests of `resource` ("jobs", or "token") answer `status`
        (with `Retry-After: retry_after`, `headers` and `body` when given)."""
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = retry_after
        with self._state.lock:
            queue = self._state.failures.setdefault(resource, deque())
            for _ in range(times):
                queue.append(_Failure(status, extra, body))

    def cursor_url(self, resource: str, offset: int, **query: str) -> str:
        """The URL of a page as this server links to it."""
        cursor = base64.urlsafe_b64encode(
            json.dumps({"offset": offset, "query": query}).encode()
        ).decode()
        return f"{self.base_url}/v3/{resource}?{urlencode({'cursor': cursor})}"

    def stall(self, seconds: float) -> None:
        self.stall_seconds = seconds

    def revoke_tokens(self) -> None:
        with self._state.lock:
            self._state.tokens.clear()

    # ---- inspection ---------------------------------------------------------------------

    @property
    def seen(self) -> list[Seen]:
        with self._state.lock:
            return list(self._state.seen)

    def count(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path == path)

    # ---- the endpoints ------------------------------------------------------------------

    def _token(
        self, headers: dict[str, str], form: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("authorization") != f"Basic {expected}":
            return (
                401,
                {},
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        if form.get("grant_type") != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type"}
        with self._state.lock:
            token = f"gh-token-{next(self._state.ids)}"
            self._state.tokens.add(token)
        expires = datetime.now(self.now.tzinfo) + timedelta(hours=1)
        return 200, {}, {"token_type": "Bearer", "access_token": token, "expires_at": _iso(expires)}

    def _list(
        self, resource: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self._state.lock:
            known = token in self._state.tokens
        if not known:
            return 401, {}, {"message": "Unauthorized", "errors": ["Token could not be decoded."]}
        if f"harvest:{resource}:list" not in self.scopes:
            return (
                403,
                {},
                {"message": "Forbidden", "errors": [f"Missing scope harvest:{resource}:list"]},
            )
        if "cursor" in query:
            if len(query) > 1:
                return _invalid("cursor", "cursor must be the only parameter")
            try:
                state = json.loads(base64.urlsafe_b64decode(query["cursor"]))
            except ValueError:
                return _invalid("cursor", "cursor is invalid")
            offset, query = state["offset"], state["query"]
        else:
            offset = 0
        try:
            per_page = int(query.get("per_page", "100"))
        except ValueError:
            return _invalid("per_page", "per_page must be an integer")
        if not 1 <= per_page <= 500:
            return _invalid("per_page", "per_page must be between 1 and 500")
        fields = [f for f in query.get("fields", "").split(",") if f]
        unknown = [f for f in fields if f not in KNOWN_FIELDS[resource]]
        if unknown:
            return _invalid("fields", f"{unknown[0]} is not a valid field")
        with self._state.lock:
            rows = [dict(r) for r in self._state.records[resource]]
        rows = [r for r in rows if _matches(resource, r, query)]
        page = rows[offset : offset + per_page]
        if fields:
            page = [{k: v for k, v in r.items() if k in fields} for r in page]
        out = {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": str(int(time.time()) + 10),
        }
        if self.next_link is not None:
            out["Link"] = f'<{self.next_link}>; rel="next"'
        elif offset + per_page < len(rows):
            out["Link"] = f'<{self.cursor_url(resource, offset + per_page, **query)}>; rel="next"'
        return 200, out, page

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                return super().date_time_string(time.time() + server.clock_offset.total_seconds())

            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                with server._state.lock:
                    server._state.seen.append(Seen(method, parts.path, query, headers))
                if server.stall_seconds:
                    server.stopping.wait(server.stall_seconds)
                resource = "token" if parts.path == "/token" else parts.path.removeprefix("/v3/")
                with server._state.lock:
                    queue = server._state.failures.get(resource)
                    failure = queue.popleft() if queue else None
                if failure is not None:
                    extra = failure.headers
                    body = (
                        failure.body
                        if failure.body is not None
                        else json.dumps(
                            {"message": "Too Many Requests" if failure.status == 429 else "Error"}
                        ).encode()
                    )
                    self._reply(failure.status, extra, body)
                    return
                if method == "POST" and parts.path == "/token":
                    form = {k: v[0] for k, v in parse_qs(raw).items()}
                    status, extra, payload = server._token(headers, form)
                elif method == "GET" and resource in RESOURCES:
                    status, extra, payload = server._list(resource, query, headers)
                else:
                    status, extra, payload = 404, {}, {"message": "Not Found"}
                self._reply(status, extra, json.dumps(payload).encode())

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if server.trickle is None:
                        self.wfile.write(body)
                        return
                    for byte in body:
                        if server.stopping.wait(server.trickle):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:
                    return  # the client gave up

        return Handler


def _matches(resource: str, row: dict[str, Any], query: dict[str, str]) -> bool:
    if resource == "jobs" and "status" in query:
        return bool(row["status"] == query["status"])
    if resource == "openings" and "open" in query:
        return bool(row["open"] == (query["open"] == "true"))
    if resource == "offers":
        return "status" not in query or row["status"] == query["status"]
    return True


def _invalid(name: str, message: str) -> tuple[int, dict[str, str], Any]:
    return 422, {}, {"message": "Validation error", "errors": [{"message": message, "field": name}]}


def _iso(instant: datetime) -> str:
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")
