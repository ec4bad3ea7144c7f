"""A fake Google Calendar API and Google OAuth 2.0 endpoints on 127.0.0.1, answering in the
shapes of Google's reference (Calendar API v3, OAuth 2.0 for installed apps).

    with GoogleCalendarServer(user="exec@northwind.example") as google:
        google.api_endpoint                  # http://127.0.0.1:<port>/calendar/v3/
        google.authorization()               # an authorized-user JSON with a valid token
        google.put_events("primary", [event_item("e1", "Board", start, end)])
        google.cancel_event("primary", "e1")
        google.expire_sync_tokens()          # the next syncToken request: 410 fullSyncRequired
        google.fail(429, retry_after="2")    # the next API request answers 429 Retry-After: 2
        google.misbehave("hang")             # ... is read and never answered
        google.revoke_refresh_tokens()       # every refresh grant: 400 invalid_grant
        google.count("events")               # events.list requests so far

What it serves, as Google does:
- `GET /calendar/v3/calendars/{id}/events` (events.list): the stored instances (as
  `singleEvents=true` gives them) overlapping [timeMin, timeMax), cancelled ones only with
  `showDeleted=true`; `maxResults` (250 by default, 2500 at most) per page with
  `nextPageToken`, and `nextSyncToken` on the last page. With `syncToken`: every item changed
  since, cancelled ones included, and the same token again when nothing changed; beside
  timeMin, timeMax, updatedMin, iCalUID, orderBy or q, or with showDeleted=false: 400; an
  expired or unknown token: 410 `fullSyncRequired`. timeMax not after timeMin: 400
  `timeRangeEmpty`. It keeps no masters of series: `singleEvents=false` is refused (400).
- `GET /calendar/v3/calendars/{id}` (calendars.get), `GET /calendar/v3/users/me/calendarList`
  (calendarList.list, paged); `primary` is the user's own calendar, whose id is their address.
- Every API request needs `Authorization: Bearer <access token>` of a calendar scope: 401
  `authError` with `WWW-Authenticate` otherwise, 403 `insufficientPermissions` for a token of
  other scopes.
- `GET /o/oauth2/auth` (the consent page, consented at once): a 302 to the `redirect_uri`
  with `code`, `state` and the granted `scope`, or `error=access_denied` after `deny()`.
- `POST /token`: `authorization_code` (PKCE S256 checked; a refresh token only with
  `access_type=offline`) and `refresh_token` grants; `invalid_grant`, `invalid_client`.
- Answers are gzipped when the client accepts it; failures are Google's JSON error shapes.

Built to serve a calendar of 10,000 instances fast: items are serialised once, when stored.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo

READ_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
CALENDAR_SCOPES = frozenset({READ_SCOPE, "https://www.googleapis.com/auth/calendar"})
CLIENT_ID = "1234567890-fake.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-client-secret"
API = "/calendar/v3/"
_NOT_WITH_SYNC_TOKEN = ("timeMin", "timeMax", "updatedMin", "iCalUID", "orderBy", "q")


def error_body(status: int, reason: str, message: str, domain: str = "global") -> dict[str, Any]:
    """Google's JSON error: `error.errors[]` with domain and reason, code and message."""
    return {
        "error": {
            "errors": [{"domain": domain, "reason": reason, "message": message}],
            "code": status,
            "message": message,
        }
    }


UNAUTHENTICATED = {
    "error": {
        "code": 401,
        "message": "Request had invalid authentication credentials. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "errors": [
            {
                "message": "Invalid Credentials",
                "domain": "global",
                "reason": "authError",
                "location": "Authorization",
                "locationType": "header",
            }
        ],
        "status": "UNAUTHENTICATED",
    }
}
THROTTLED = {
    429: error_body(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
    403: error_body(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
    500: error_body(500, "backendError", "Backend Error"),
    503: error_body(503, "backendError", "The service is currently unavailable."),
}
FULL_SYNC_REQUIRED = error_body(
    410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."
)


# --------------------------------------------------------------------------------------------
# Building events as the API gives them
# --------------------------------------------------------------------------------------------


def _when(value: datetime | date, zone: str | None) -> dict[str, str]:
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(zone)) if zone else value
        moment = {"dateTime": local.isoformat()}
        return {**moment, "timeZone": zone} if zone else moment
    return {"date": value.isoformat()}


def event_item(
    event_id: str,
    summary: str | None,
    start: datetime | date,
    end: datetime | date,
    *,
    ical_uid: str | None = None,
    time_zone: str | None = "America/New_York",
    organizer: tuple[str, str | None] | None = ("jordan.lee@northwind.example", "Jordan Lee"),
    attendees: Sequence[tuple[str, str | None, str]] = (),
    description: str | None = None,
    location: str | None = None,
    status: str = "confirmed",
    series: tuple[str, datetime | date] | None = None,
) -> dict[str, Any]:
    """One event (an instance of `series` = (recurringEventId, originalStart) if given), as
    events.list shows it: dateTime in `time_zone`'s offset with that timeZone."""
    item: dict[str, Any] = {
        "kind": "calendar#event",
        "etag": f'"{hashlib.sha1(event_id.encode()).hexdigest()[:16]}"',
        "id": event_id,
        "status": status,
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "created": "2026-11-01T09:00:00.000Z",
        "updated": "2026-11-01T09:00:00.000Z",
        "iCalUID": ical_uid or f"{series[0] if series else event_id}@google.com",
        "sequence": 0,
        "start": _when(start, time_zone),
        "end": _when(end, time_zone),
        "eventType": "default",
    }
    if summary is not None:
        item["summary"] = summary
    if description is not None:
        item["description"] = description
    if location is not None:
        item["location"] = location
    if organizer is not None:
        email, name = organizer
        item["organizer"] = {"email": email, **({"displayName": name} if name else {})}
        item["creator"] = dict(item["organizer"])
    if attendees:
        item["attendees"] = [
            {"email": email, **({"displayName": name} if name else {}), "responseStatus": rsvp}
            for email, name, rsvp in attendees
        ]
    if series is not None:
        item["recurringEventId"] = series[0]
        item["originalStartTime"] = _when(series[1], time_zone)
    return item


def instance_id(series_id: str, original: datetime | date) -> str:
    """Google's id of a series' instance: `<series id>_20261203T150000Z` (or `_20261203`)."""
    if isinstance(original, datetime):
        return f"{series_id}_{original.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{series_id}_{original:%Y%m%d}"


def series_items(
    series_id: str,
    summary: str,
    first: datetime,
    count: int,
    *,
    every: timedelta = timedelta(days=7),
    length: timedelta = timedelta(hours=1),
    **options: Any,
) -> list[dict[str, Any]]:
    """`count` instances of a weekly (or `every`) series, each at its original start."""
    zone = first.tzinfo
    items = []
    for n in range(count):
        # Wall-clock repetition in the series' zone, as Google expands across DST.
        start = (first.replace(tzinfo=None) + every * n).replace(tzinfo=zone)
        items.append(
            event_item(
                instance_id(series_id, start),
                summary,
                start,
                start + length,
                series=(series_id, start),
                **options,
            )
        )
    return items


def moved(item: dict[str, Any], start: datetime, end: datetime) -> dict[str, Any]:
    """The instance moved to another time; its originalStartTime stays."""
    zone = item["start"].get("timeZone")
    return {**item, "start": _when(start, zone), "end": _when(end, zone)}


# --------------------------------------------------------------------------------------------
# The server's state
# --------------------------------------------------------------------------------------------


def _parse_when(value: dict[str, Any]) -> datetime:
    if "date" in value:
        return datetime.combine(date.fromisoformat(value["date"]), datetime.min.time(), UTC)
    moment = datetime.fromisoformat(value["dateTime"])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(value.get("timeZone", "UTC")))
    return moment.astimezone(UTC)


_NEVER = datetime.min.replace(tzinfo=UTC)
_ALWAYS = (_NEVER, datetime.max.replace(tzinfo=UTC))


def _placed(item: dict[str, Any]) -> tuple[datetime, datetime]:
    """Where an item stands for timeMin/timeMax: a cancelled one that carries nothing but its
    id (as Google's may) stands nowhere; one whose times do not parse, everywhere."""
    if "start" not in item or "end" not in item:
        return _NEVER, _NEVER
    try:
        return _parse_when(item["start"]), _parse_when(item["end"])
    except (KeyError, TypeError, ValueError):
        return _ALWAYS


@dataclass
class _Stored:
    item: dict[str, Any]
    text: str
    start: datetime
    end: datetime
    seq: int

    @property
    def cancelled(self) -> bool:
        return bool(self.item.get("status") == "cancelled")


@dataclass
class _Calendar:
    calendar_id: str
    summary: str
    time_zone: str
    primary: bool = False
    items: dict[str, _Stored] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]

    @property
    def kind(self) -> str:
        """events, calendar, calendarList, token or auth."""
        if self.path == "/token":
            return "token"
        if self.path.startswith("/o/oauth2/"):
            return "auth"
        if self.path.startswith(API + "users/me/calendarList"):
            return "calendarList"
        return "events" if self.path.endswith("/events") else "calendar"


@dataclass
class _Failure:
    kind: str
    """status, hang, trickle, endless, garbage, gzip_bomb."""
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    target: str = "api"
    """api: the next Calendar API request; token: the next token grant."""


@dataclass
class _Cursor:
    texts: list[str]
    offset: int
    page_size: int
    sync_token: str


class GoogleCalendarServer:
    def __init__(
        self,
        *,
        user: str = "exec@northwind.example",
        time_zone: str = "America/New_York",
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        access_token_seconds: int = 3599,
    ) -> None:
        self.user = user
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token_seconds = access_token_seconds
        self.granted_scopes: tuple[str, ...] | None = None
        """Set: the consent page grants these instead of what is asked (a box left unticked)."""
        self.denied = False
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._last_seq = 0
        self._generation = 0
        self._calendars: dict[str, _Calendar] = {}
        self._access: dict[str, tuple[float, frozenset[str]]] = {}
        self._refresh: dict[str, frozenset[str]] = {}
        self._codes: dict[str, dict[str, str]] = {}
        self._cursors: dict[str, _Cursor] = {}
        self._failures: deque[_Failure] = deque()
        self._release = threading.Event()
        self.seen: list[Seen] = []
        self.add_calendar(user, summary=user, time_zone=time_zone, primary=True)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> GoogleCalendarServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_endpoint(self) -> str:
        return self.url + API

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    @property
    def auth_uri(self) -> str:
        return self.url + "/o/oauth2/auth"

    # -- accounts and tokens ----------------------------------------------------------------

    def client_secrets(self) -> dict[str, Any]:
        """The `client_secret_*.json` of an installed ("Desktop") OAuth client."""
        return {
            "installed": {
                "client_id": self.client_id,
                "project_id": "exec-assistant-test",
                "auth_uri": self.auth_uri,
                "token_uri": self.token_uri,
                "auth_provider_x509_cert_url": self.url + "/oauth2/v1/certs",
                "client_secret": self.client_secret,
                "redirect_uris": ["http://localhost"],
            }
        }

    def authorization(
        self, *, expired: bool = False, scopes: Iterable[str] = (READ_SCOPE,)
    ) -> dict[str, Any]:
        """An authorized-user JSON as `calendars add google` stores it; `expired`: its access
        token is past its expiry (the next request renews it)."""
        granted = frozenset(scopes)
        refresh = "1//" + secrets.token_urlsafe(24)
        with self._lock:
            self._refresh[refresh] = granted
        token, lifetime = self._issue(granted)
        expiry = datetime.now(UTC) + (timedelta(seconds=-60) if expired else lifetime)
        if expired:
            with self._lock:
                self._access.pop(token, None)
        return {
            "token": token,
            "refresh_token": refresh,
            "token_uri": self.token_uri,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scopes": sorted(granted),
            "expiry": expiry.replace(tzinfo=None).isoformat() + "Z",
            "provider": "google",
        }

    def _issue(self, scopes: frozenset[str]) -> tuple[str, timedelta]:
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self._lock:
            self._access[token] = (time.time() + self.access_token_seconds, scopes)
        return token, timedelta(seconds=self.access_token_seconds)

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token is revoked (the user removed the app's access)."""
        with self._lock:
            self._refresh.clear()
            self._access.clear()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is refused from now on (401)."""
        with self._lock:
            self._access.clear()

    # -- calendars and events ---------------------------------------------------------------

    def add_calendar(
        self, calendar_id: str, *, summary: str, time_zone: str, primary: bool = False
    ) -> None:
        with self._lock:
            self._calendars[calendar_id] = _Calendar(calendar_id, summary, time_zone, primary)

    def _calendar(self, calendar_id: str) -> _Calendar | None:
        if calendar_id == "primary":
            calendar_id = self.user
        return self._calendars.get(calendar_id)

    def put_events(self, calendar_id: str, items: Iterable[dict[str, Any]]) -> None:
        """Insert or replace (by id) each item; each is a change for sync tokens."""
        calendar = self._calendar(calendar_id)
        assert calendar is not None, calendar_id
        with self._lock:
            for item in items:
                seq = next(self._seq)
                self._last_seq = seq
                calendar.items[item["id"]] = _Stored(
                    item,
                    json.dumps(item, separators=(",", ":")),
                    *_placed(item),
                    seq,
                )

    def cancel_event(self, calendar_id: str, event_id: str) -> None:
        """Delete the event (or one instance): it stays, as Google keeps it, `cancelled`."""
        calendar = self._calendar(calendar_id)
        assert calendar is not None
        with self._lock:
            stored = calendar.items[event_id]
            keep = ("kind", "etag", "id", "recurringEventId", "originalStartTime", "start", "end")
            cancelled = {k: v for k, v in stored.item.items() if k in keep}
            self.put_events(calendar_id, [{**cancelled, "status": "cancelled"}])

    def expire_sync_tokens(self) -> None:
        with self._lock:
            self._generation += 1

    # -- failures ---------------------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        retry_after: str | None = None,
        reason: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` API requests answer `status` with Google's error body."""
        body = THROTTLED.get(status, error_body(status, "backendError", "Backend Error"))
        if reason is not None:
            body = error_body(status, reason, reason, "usageLimits")
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        for _ in range(times):
            self._failures.append(
                _Failure("status", status, json.dumps(body).encode(), headers=headers)
            )

    def misbehave(
        self,
        kind: str,
        *,
        body: bytes = b"",
        content_type: str = "text/html; charset=UTF-8",
        target: str = "api",
    ) -> None:
        """The next request misbehaves: `hang` (never answered), `trickle` (a byte every
        50 ms of an answer that says it is long), `endless` (a chunked answer without end),
        `garbage` (200 with `body`), `gzip_bomb` (a small gzip of a huge answer)."""
        self._failures.append(_Failure(kind, 200, body, content_type, target=target))

    def _take_failure(self, target: str) -> _Failure | None:
        with self._lock:
            if self._failures and self._failures[0].target == target:
                return self._failures.popleft()
        return None

    # -- what was asked ---------------------------------------------------------------------

    def count(self, kind: str) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.kind == kind)

    def requests(self, kind: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.kind == kind]

    # -- answers ----------------------------------------------------------------------------

    def _token_of(self, authorization: str | None) -> frozenset[str] | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        with self._lock:
            known = self._access.get(authorization[7:].strip())
        if known is None or known[0] < time.time():
            return None
        return known[1]

    def _sync_token(self, calendar_id: str, seq: int) -> str:
        raw = json.dumps({"c": calendar_id, "s": seq, "g": self._generation}).encode()
        return "CP" + base64.urlsafe_b64encode(raw).decode().rstrip("=") + "GAU="

    def _read_sync_token(self, token: str, calendar_id: str) -> int | None:
        try:
            core = token[2:-4]
            raw = base64.urlsafe_b64decode(core + "=" * (-len(core) % 4))
            data = json.loads(raw)
        except (ValueError, TypeError):
            return None
        if data.get("c") != calendar_id or data.get("g") != self._generation:
            return None
        return int(data["s"])

    def events_list(
        self, calendar_id: str, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any] | str]:
        """(status, body): a dict is an error or a whole answer; a str an answer's JSON."""
        one = {k: v[-1] for k, v in query.items()}
        calendar = self._calendar(calendar_id)
        if calendar is None:
            return 404, error_body(404, "notFound", "Not Found")
        if one.get("singleEvents", "false") != "true":
            return 400, error_body(
                400, "invalid", "this fake keeps instances only: ask with singleEvents=true"
            )
        try:
            page_size = min(int(one.get("maxResults", "250")), 2500)
        except ValueError:
            return 400, error_body(400, "invalid", "Invalid value for maxResults")
        if page_size < 1:
            return 400, error_body(400, "invalid", "Invalid value for maxResults")
        if "pageToken" in one:
            with self._lock:
                cursor = self._cursors.get(one["pageToken"])
            if cursor is None:
                return 400, error_body(400, "invalid", "Invalid page token value.")
        else:
            answer = self._select(calendar, one)
            if isinstance(answer[1], dict):
                return answer  # type: ignore[return-value]
            texts, sync_token = answer
            cursor = _Cursor(texts, 0, page_size, sync_token)
        return 200, self._page(calendar, cursor)

    def _select(
        self, calendar: _Calendar, one: dict[str, str]
    ) -> tuple[int, dict[str, Any]] | tuple[list[str], str]:
        with self._lock:
            now_seq = self._last_seq
            if "syncToken" in one:
                if any(k in one for k in _NOT_WITH_SYNC_TOKEN) or one.get("showDeleted") == (
                    "false"
                ):
                    return 400, error_body(
                        400,
                        "invalid",
                        "Sync token cannot be used with other request restrictions.",
                    )
                since = self._read_sync_token(one["syncToken"], calendar.calendar_id)
                if since is None:
                    return 410, FULL_SYNC_REQUIRED
                changed = sorted(
                    (s for s in calendar.items.values() if s.seq > since), key=lambda s: s.seq
                )
                return [s.text for s in changed], self._sync_token(calendar.calendar_id, now_seq)
            try:
                low = _instant(one["timeMin"]) if "timeMin" in one else None
                high = _instant(one["timeMax"]) if "timeMax" in one else None
            except ValueError:
                return 400, error_body(400, "invalid", "Bad Request")
            if low is not None and high is not None and high <= low:
                return 400, error_body(
                    400, "timeRangeEmpty", "The specified time range is empty.", "calendar"
                )
            deleted = one.get("showDeleted") == "true"
            chosen = [
                s
                for s in calendar.items.values()
                if (deleted or not s.cancelled)
                and (high is None or s.start < high)
                and (low is None or s.end > low)
            ]
            chosen.sort(key=lambda s: (s.start, s.item["id"]))
            return [s.text for s in chosen], self._sync_token(calendar.calendar_id, now_seq)

    def _page(self, calendar: _Calendar, cursor: _Cursor) -> str:
        end = cursor.offset + cursor.page_size
        texts = cursor.texts[cursor.offset : end]
        head = {
            "kind": "calendar#events",
            "etag": f'"{self._last_seq}"',
            "summary": calendar.summary,
            "description": "",
            "updated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "timeZone": calendar.time_zone,
            "accessRole": "owner",
            "defaultReminders": [],
        }
        if end < len(cursor.texts):
            token = secrets.token_urlsafe(12)
            with self._lock:
                self._cursors[token] = _Cursor(
                    cursor.texts, end, cursor.page_size, cursor.sync_token
                )
            head["nextPageToken"] = token
        else:
            head["nextSyncToken"] = cursor.sync_token
        return json.dumps(head)[:-1] + ',"items":[' + ",".join(texts) + "]}"

    def calendar_get(self, calendar_id: str) -> tuple[int, dict[str, Any]]:
        calendar = self._calendar(calendar_id)
        if calendar is None:
            return 404, error_body(404, "notFound", "Not Found")
        return 200, {
            "kind": "calendar#calendar",
            "etag": '"1"',
            "id": calendar.calendar_id,
            "summary": calendar.summary,
            "timeZone": calendar.time_zone,
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        }

    def calendar_list(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        one = {k: v[-1] for k, v in query.items()}
        size = min(int(one.get("maxResults", "100")), 250)
        start = int(one.get("pageToken", "0") or 0)
        with self._lock:
            calendars = list(self._calendars.values())
        entries = [
            {
                "kind": "calendar#calendarListEntry",
                "etag": f'"{n}"',
                "id": c.calendar_id,
                "summary": c.summary,
                "timeZone": c.time_zone,
                "colorId": "14",
                "backgroundColor": "#9fe1e7",
                "foregroundColor": "#000000",
                "selected": True,
                "accessRole": "owner" if c.primary else "reader",
                "defaultReminders": [],
                **({"primary": True} if c.primary else {}),
            }
            for n, c in enumerate(calendars)
        ]
        body: dict[str, Any] = {
            "kind": "calendar#calendarList",
            "etag": '"p33c"',
            "items": entries[start : start + size],
        }
        if start + size < len(entries):
            body["nextPageToken"] = str(start + size)
        else:
            body["nextSyncToken"] = "CPDAlvWDx70CEPDAlvWDx70CGAU="
        return 200, body

    # -- OAuth ------------------------------------------------------------------------------

    def consent(self, query: dict[str, str]) -> tuple[int, str]:
        """(status, Location or an error page) for the consent page."""
        if query.get("client_id") != self.client_id:
            return 400, "Error 401: invalid_client. The OAuth client was not found."
        redirect = query.get("redirect_uri", "")
        host = urlsplit(redirect).hostname
        if host not in ("localhost", "127.0.0.1") or query.get("response_type") != "code":
            return 400, "Error 400: invalid_request"
        state = query.get("state", "")
        if self.denied:
            return 302, redirect + "?" + urlencode({"error": "access_denied", "state": state})
        asked = query.get("scope", "").split()
        granted = list(self.granted_scopes) if self.granted_scopes is not None else asked
        code = "4/0A" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {
                "redirect_uri": redirect,
                "scope": " ".join(granted),
                "challenge": query.get("code_challenge", ""),
                "offline": str(query.get("access_type") == "offline"),
            }
        answer = {"state": state, "code": code, "scope": " ".join(granted), "authuser": "0"}
        return 302, redirect + "?" + urlencode(answer, quote_via=quote)

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id or (
            form.get("client_secret") != self.client_secret
        ):
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            with self._lock:
                scopes = self._refresh.get(form.get("refresh_token", ""))
            if scopes is None:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            token, lifetime = self._issue(scopes)
            return 200, {
                "access_token": token,
                "expires_in": int(lifetime.total_seconds()),
                "scope": " ".join(sorted(scopes)),
                "token_type": "Bearer",
            }
        if grant == "authorization_code":
            with self._lock:
                code = self._codes.pop(form.get("code", ""), None)
            if code is None or code["redirect_uri"] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).decode().rstrip("=") != code["challenge"]:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Missing code verifier.",
                }
            scopes = frozenset(code["scope"].split())
            token, lifetime = self._issue(scopes)
            answer: dict[str, Any] = {
                "access_token": token,
                "expires_in": int(lifetime.total_seconds()),
                "scope": code["scope"],
                "token_type": "Bearer",
            }
            if code["offline"] == "True":
                refresh = "1//" + secrets.token_urlsafe(24)
                with self._lock:
                    self._refresh[refresh] = scopes
                answer["refresh_token"] = refresh
            return 200, answer
        return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}

    # -- HTTP -------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self._handle("GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                self._handle("POST", self.rfile.read(length))

            def _handle(self, method: str, body: bytes) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                if method == "POST" and parts.path != "/token":
                    # googleapiclient turns a GET with a very long URI into a POST
                    query = parse_qs(body.decode(), keep_blank_values=True)
                with server._lock:
                    server.seen.append(Seen(method, parts.path, query))
                self.close_connection = True
                if parts.path == "/token":
                    return self._token(body)
                if parts.path == "/o/oauth2/auth":
                    status, target = server.consent({k: v[-1] for k, v in query.items()})
                    if status == 302:
                        return self._send(302, b"", "text/html", {"Location": target})
                    return self._send(status, target.encode(), "text/html; charset=utf-8")
                if not parts.path.startswith(API):
                    return self._json(404, error_body(404, "notFound", "Not Found"))
                failure = server._take_failure("api")
                if failure is not None:
                    return self._misbehave(failure)
                scopes = server._token_of(self.headers.get("Authorization"))
                if scopes is None:
                    realm = 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
                    return self._json(401, UNAUTHENTICATED, {"WWW-Authenticate": realm})
                if not scopes & CALENDAR_SCOPES:
                    body_ = {
                        "error": {
                            "code": 403,
                            "message": "Request had insufficient authentication scopes.",
                            "errors": [
                                {
                                    "message": "Insufficient Permission",
                                    "domain": "global",
                                    "reason": "insufficientPermissions",
                                }
                            ],
                            "status": "PERMISSION_DENIED",
                        }
                    }
                    return self._json(403, body_)
                self._api(parts.path[len(API) :], query)

            def _api(self, path: str, query: dict[str, list[str]]) -> None:
                segments = [unquote(s) for s in path.split("/")]
                if segments[:3] == ["users", "me", "calendarList"]:
                    return self._json(*server.calendar_list(query))
                if len(segments) == 2 and segments[0] == "calendars":
                    return self._json(*server.calendar_get(segments[1]))
                if len(segments) == 3 and segments[0] == "calendars" and segments[2] == "events":
                    status, answer = server.events_list(segments[1], query)
                    if isinstance(answer, str):
                        return self._send(
                            status, answer.encode(), "application/json; charset=UTF-8"
                        )
                    return self._json(status, answer)
                return self._json(404, error_body(404, "notFound", "Not Found"))

            def _token(self, body: bytes) -> None:
                failure = server._take_failure("token")
                if failure is not None:
                    return self._misbehave(failure)
                form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):  # RFC 6749 §2.3.1, as Google also takes
                    pair = base64.b64decode(basic[6:]).decode()
                    client_id, _, secret = pair.partition(":")
                    form.update({"client_id": unquote(client_id), "client_secret": unquote(secret)})
                status, answer = server.token(form)
                self._json(status, answer, {"Cache-Control": "no-cache, no-store, max-age=0"})

            def _misbehave(self, failure: _Failure) -> None:
                if failure.kind == "status":
                    return self._send(
                        failure.status, failure.body, failure.content_type, failure.headers
                    )
                if failure.kind == "garbage":
                    return self._send(200, failure.body, failure.content_type)
                if failure.kind == "hang":
                    server._release.wait(30)
                    return
                if failure.kind == "gzip_bomb":
                    packed = gzip.compress(b'{"items": [' + b" " * (8 * 1024 * 1024), 6)
                    return self._send(200, packed, "application/json", {"Content-Encoding": "gzip"})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if failure.kind == "trickle":
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    for _ in range(600):
                        if server._release.is_set() or not self._write(b" "):
                            return
                        time.sleep(0.05)
                    return
                self.send_header("Transfer-Encoding", "chunked")  # endless
                self.end_headers()
                chunk = b"%x\r\n%s\r\n" % (65536, b"[" * 65536)
                for _ in range(100_000):
                    if server._release.is_set() or not self._write(chunk):
                        return

            def _write(self, data: bytes) -> bool:
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:
                    return False
                return True

            def _json(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                self._send(
                    status, json.dumps(body).encode(), "application/json; charset=UTF-8", headers
                )

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: dict[str, str] | None = None,
            ) -> None:
                extra = dict(headers or {})
                wants_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
                if wants_gzip and len(body) > 1024 and "Content-Encoding" not in extra:
                    body = gzip.compress(body, 1)
                    extra["Content-Encoding"] = "gzip"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self._write(body)

        return Handler


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment.astimezone(UTC)


def http_date(seconds_from_now: float) -> str:
    """An HTTP date (Retry-After's other form) this many seconds ahead."""
    return formatdate(time.time() + seconds_from_now, usegmt=True)
