"""A fake Microsoft Graph (calendars) and Microsoft identity platform on 127.0.0.1, over
HTTPS with the test run's own certificate authority, answering in the real services' shapes.

    with GraphCalendarApi() as graph:
        graph.endpoint                  # https://127.0.0.1:<port>/v1.0
        graph.authority                 # https://127.0.0.1:<port>/<tenant>
        graph.authorization()           # a stored authorization, as after signing in
        graph.add_event(FakeEvent(...)) # or add_series(...), move(...), delete(...)
        graph.graph_requests()          # what the client asked, in order

Graph, as its reference describes it:
- `GET /me/calendar`, `/me/calendars` (paged with `@odata.nextLink`), `/me/calendars/{id}`,
  `/me/events/{id}` (`$select` honoured).
- `GET /me/calendarView/delta` and `/me/calendars/{id}/calendarView/delta` with
  `startDateTime`/`endDateTime`: the instances overlapping the window (lone events,
  occurrences, exceptions; never series masters), in pages of `Prefer: odata.maxpagesize`
  (default 10) linked by `@odata.nextLink` (`$skiptoken`), the last with an
  `@odata.deltaLink` (`$deltatoken`). From a delta link: what changed since, an instance
  deleted or moved out of the window as `{"id", "@removed": {"reason": "deleted"}}`.
- `Prefer: outlook.timezone="..."` (UTC when absent; IANA or Windows names) and
  `outlook.body-content-type="text"` (HTML when absent), echoed in `Preference-Applied`.
  All-day events come at midnight of the zone asked for (or, with `all_day_shifted`,
  at their own zone's midnight converted to it).
- Errors as `{"error": {"code", "message", "innerError"}}`: 401 InvalidAuthenticationToken
  for a token it did not issue or has expired; 404 ErrorItemNotFound; an expired delta
  token 410 (`expire_delta_tokens`).

The identity platform, under `/<tenant>/`: the OpenID configuration
(`v2.0/.well-known/openid-configuration`), the device authorization endpoint
(`oauth2/v2.0/devicecode`) and the token endpoint (`oauth2/v2.0/token`) with the device-code
grant (`authorization_pending` until the user acts, then tokens, `authorization_declined` or
`expired_token`) and the refresh-token grant (a new refresh token each time; a revoked or
expired one: 400 invalid_grant with its AADSTS code).

Scripted trouble: `fail(status, ...)` (with Retry-After and an error code), `hang()`,
`trickle()`, `answer_raw()`, `endless_pages`, `expire_access_tokens()`,
`revoke_refresh_tokens()`, `expire_delta_tokens()`.
"""

from __future__ import annotations

import base64
import contextlib
import html
import itertools
import json
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from local_tls import local_tls

TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e"
OWNER = ("Jordan Lee", "jordan.lee@northwind.example")
GRANTED_SCOPE = (
    "https://graph.microsoft.com/Calendars.Read https://graph.microsoft.com/User.Read "
    "profile openid email"
)
DEFAULT_PAGE_SIZE = 10
_DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
    'authorize", client_id="00000003-0000-0000-c000-000000000000"'
)
_CONTENT_TYPE = (
    "application/json; odata.metadata=minimal; odata.streaming=true; "
    "IEEE754Compatible=false; charset=utf-8"
)


@dataclass
class FakeEvent:
    """One event as Graph holds it. Times are aware (any zone); an all-day event's start
    and end are dates."""

    id: str
    subject: str
    start: datetime | date
    end: datetime | date
    ical_uid: str = ""
    type: str = "singleInstance"
    series_master_id: str | None = None
    original_start: datetime | date | None = None
    original_zone: str = "Pacific Standard Time"
    organizer: tuple[str, str] | None = OWNER
    attendees: list[tuple[str, str, str]] = field(default_factory=list)
    """(name, address, response) each."""
    response: str = "organizer"
    """The calendar owner's own responseStatus."""
    cancelled: bool = False
    location: str = ""
    body: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    """Fields put over the rendered JSON as they are (hostile tests)."""
    version: int = 0

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    def __post_init__(self) -> None:
        if not self.ical_uid:
            self.ical_uid = "040000008200E00074C5B7101A82E008" + secrets.token_hex(28).upper()


@dataclass
class FakeCalendar:
    id: str
    name: str
    owner: tuple[str, str] = OWNER
    default: bool = False
    events: dict[str, FakeEvent] = field(default_factory=dict)
    masters: dict[str, FakeEvent] = field(default_factory=dict)
    tombstones: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    code: str
    retry_after: str | None
    path_contains: str
    kind: str = "status"  # status, hang, trickle, raw
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Round:
    calendar_id: str
    path: str
    window: tuple[datetime, datetime]
    items: list[tuple[str, str]]
    """("event" | "removed", id) each, in order."""
    version: int


@dataclass
class _DeviceFlow:
    outcome: str
    pending: int
    interval: int
    expires_in: int
    user_code: str
    polls: int = 0


class GraphCalendarApi:
    def __init__(
        self,
        *,
        client_id: str = CLIENT_ID,
        granted_scope: str = GRANTED_SCOPE,
        token_lifetime: int = 3599,
        all_day_shifted: bool = False,
        calendars_page_size: int = 10,
        page_cap: int | None = None,
    ) -> None:
        self.client_id = client_id
        self.granted_scope = granted_scope
        self.token_lifetime = token_lifetime
        self.all_day_shifted = all_day_shifted
        self.calendars_page_size = calendars_page_size
        self.page_cap = page_cap
        """Graph may answer smaller pages than asked: at most this many instances a page."""
        self.endless_pages = False
        self.calendars: dict[str, FakeCalendar] = {}
        self._lock = threading.RLock()
        self._version = itertools.count(1)
        self._tokens = itertools.count(1)
        self._access_tokens: set[str] = set()
        self._refresh_tokens: set[str] = set()
        self._refresh_refusal = (
            "AADSTS70008",
            "The provided authorization code or refresh token has expired due to inactivity.",
        )
        self._skip: dict[str, tuple[_Round, int]] = {}
        self._delta: dict[str, _Round] = {}
        self._delta_expiry: tuple[int, str] | None = None
        self._calendar_pages: dict[str, int] = {}
        self._failures: deque[_Failure] = deque()
        self._device: dict[str, _DeviceFlow] = {}
        self._next_device: _DeviceFlow | None = None
        self.requests: list[Recorded] = []
        self._stopping = threading.Event()
        self._tls = local_tls()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.socket = self._tls.server_context().wrap_socket(
            self._httpd.socket, server_side=True, do_handshake_on_connect=False
        )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.calendar("AAMkAGI2TGuLAAA=", name="Calendar", default=True)

    # ---- lifecycle and addresses -----------------------------------------------------------------

    def __enter__(self) -> GraphCalendarApi:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def endpoint(self) -> str:
        return f"{self.origin}/v1.0"

    @property
    def authority(self) -> str:
        return f"{self.origin}/{TENANT}"

    @property
    def token_uri(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    @property
    def ca_file(self) -> str:
        return str(self._tls.ca_file)

    def ssl_context(self) -> Any:
        return self._tls.client_context()

    # ---- the mailbox -----------------------------------------------------------------------------

    @property
    def primary(self) -> FakeCalendar:
        return next(c for c in self.calendars.values() if c.default)

    def calendar(
        self, calendar_id: str, *, name: str, default: bool = False, owner: tuple[str, str] = OWNER
    ) -> FakeCalendar:
        with self._lock:
            found = FakeCalendar(calendar_id, name, owner, default)
            self.calendars[calendar_id] = found
            return found

    def add_event(self, event: FakeEvent, calendar: FakeCalendar | None = None) -> FakeEvent:
        with self._lock:
            event.version = next(self._version)
            (calendar or self.primary).events[event.id] = event
            return event

    def update(self, event_id: str, calendar: FakeCalendar | None = None, **changes: Any) -> None:
        with self._lock:
            event = (calendar or self.primary).events[event_id]
            for name, value in changes.items():
                setattr(event, name, value)
            event.version = next(self._version)

    def delete(self, event_id: str, calendar: FakeCalendar | None = None) -> None:
        with self._lock:
            target = calendar or self.primary
            del target.events[event_id]
            target.tombstones[event_id] = next(self._version)

    def add_series(
        self,
        master_id: str,
        subject: str,
        first_start: datetime | date,
        *,
        count: int,
        every: timedelta = timedelta(days=7),
        duration: timedelta = timedelta(hours=1),
        calendar: FakeCalendar | None = None,
        **fields: Any,
    ) -> FakeEvent:
        """A series master and its occurrences (ids `<master>_<n>`), each with an iCalUId of
        its own, as Graph gives them."""
        target = calendar or self.primary
        master_end = first_start + (
            duration if isinstance(first_start, datetime) else timedelta(days=1)
        )
        master = FakeEvent(
            master_id, subject, first_start, master_end, type="seriesMaster", **fields
        )
        with self._lock:
            target.masters[master_id] = master
            for n in range(count):
                start = first_start + every * n
                end = start + (duration if isinstance(start, datetime) else timedelta(days=1))
                occurrence = FakeEvent(
                    f"{master_id}_{n}",
                    subject,
                    start,
                    end,
                    ical_uid=master.ical_uid[:-8] + f"{n:08X}",
                    type="occurrence",
                    series_master_id=master_id,
                    original_start=start,
                    **fields,
                )
                self.add_event(occurrence, target)
        return master

    def move(self, event_id: str, start: datetime, end: datetime, **changes: Any) -> None:
        """An occurrence moved (or changed): it becomes an exception of its series."""
        self.update(event_id, start=start, end=end, type="exception", **changes)

    # ---- scripting -------------------------------------------------------------------------------

    def authorization(
        self, *, expiry: datetime | None = None, account: str = OWNER[1]
    ) -> dict[str, Any]:
        """An authorization as `calendars add microsoft` stores it, with tokens valid here."""
        access, refresh = self._issue()
        when = expiry or datetime.now(UTC) + timedelta(seconds=self.token_lifetime)
        return {
            "provider": "microsoft",
            "token": access,
            "refresh_token": refresh,
            "token_uri": self.token_uri,
            "client_id": self.client_id,
            "scopes": ["Calendars.Read", "offline_access"],
            "expiry": when.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z",
            "account": account,
        }

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        code: str = "",
        retry_after: str | None = None,
        path_contains: str = "/v1.0/",
    ) -> None:
        """The next `times` requests whose path holds `path_contains` answer `status`."""
        default = {429: "TooManyRequests", 503: "ServiceNotAvailable", 504: "GatewayTimeout"}
        with self._lock:
            for _ in range(times):
                self._failures.append(
                    _Failure(
                        status,
                        code or default.get(status, "generalException"),
                        retry_after,
                        path_contains,
                    )
                )

    def hang(self, *, path_contains: str = "/v1.0/") -> None:
        """The next request is read and never answered (until the server stops)."""
        with self._lock:
            self._failures.append(_Failure(0, "", None, path_contains, kind="hang"))

    def trickle(self, *, path_contains: str = "/v1.0/") -> None:
        """The next answer sends its headers, then a byte every 50 ms, without end."""
        with self._lock:
            self._failures.append(_Failure(200, "", None, path_contains, kind="trickle"))

    def answer_raw(
        self,
        body: bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        path_contains: str = "/v1.0/",
        times: int = 1,
    ) -> None:
        with self._lock:
            for _ in range(times):
                self._failures.append(
                    _Failure(
                        status,
                        "",
                        None,
                        path_contains,
                        kind="raw",
                        body=body,
                        headers=headers or {},
                    )
                )

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access_tokens.clear()

    def revoke_refresh_tokens(
        self,
        code: str = "AADSTS50173",
        text: str = "The provided grant has expired due to it being revoked.",
    ) -> None:
        with self._lock:
            self._refresh_tokens.clear()
            self._refresh_refusal = (code, text)

    def expire_delta_tokens(self, *, status: int = 410, code: str = "syncStateNotFound") -> None:
        with self._lock:
            self._delta_expiry = (status, code)

    def device_flow(
        self,
        outcome: str = "approve",
        *,
        pending: int = 1,
        interval: int = 0,
        expires_in: int = 900,
    ) -> None:
        """How the next device sign-in goes: `approve`, `decline` or `expire`, after
        `pending` polls answered authorization_pending."""
        with self._lock:
            self._next_device = _DeviceFlow(outcome, pending, interval, expires_in, "")

    # ---- inspection ------------------------------------------------------------------------------

    def graph_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith("/v1.0/")]

    def identity_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if not r.path.startswith("/v1.0/")]

    def forget_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # ---- tokens ----------------------------------------------------------------------------------

    def _issue(self) -> tuple[str, str]:
        with self._lock:
            n = next(self._tokens)
            access = f"eyJ0eXAiOiJKV1Qi.fake-access-{n}"
            refresh = f"0.AXEA-fake-refresh-{n}"
            self._access_tokens.add(access)
            self._refresh_tokens.add(refresh)
            return access, refresh

    def _token_answer(self) -> dict[str, Any]:
        access, refresh = self._issue()
        now = int(time.time())
        claims = {
            "aud": self.client_id,
            "iss": f"{self.origin}/{TENANT}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": OWNER[0],
            "preferred_username": OWNER[1],
            "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            "tid": TENANT,
            "ver": "2.0",
        }
        id_token = (
            ".".join(
                base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
                for part in ({"typ": "JWT", "alg": "RS256", "kid": "test"}, claims)
            )
            + ".c2lnbmF0dXJl"
        )
        return {
            "token_type": "Bearer",
            "scope": self.granted_scope,
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": id_token,
            # Asked for with client_info=1, as msal does: the account's object and tenant ids.
            "client_info": base64.urlsafe_b64encode(
                json.dumps({"uid": claims["oid"], "utid": TENANT}).encode()
            )
            .decode()
            .rstrip("="),
        }

    def _token_error(
        self, error: str, aadsts: str, text: str, status: int = 400
    ) -> tuple[int, dict[str, str], Any]:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        trace = str(uuid.uuid4())
        return (
            status,
            {},
            {
                "error": error,
                "error_description": f"{aadsts}: {text} Trace ID: {trace} Correlation ID: "
                f"{uuid.uuid4()} Timestamp: {stamp}",
                "error_codes": [int(aadsts[6:])],
                "timestamp": stamp,
                "trace_id": trace,
                "correlation_id": str(uuid.uuid4()),
            },
        )

    # ---- identity endpoints ----------------------------------------------------------------------

    def _identity(
        self, method: str, path: str, form: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        base = f"/{TENANT}"
        if method == "GET" and path == f"{base}/v2.0/.well-known/openid-configuration":
            return (
                200,
                {},
                {
                    "token_endpoint": self.token_uri,
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_post",
                        "private_key_jwt",
                        "client_secret_basic",
                    ],
                    "jwks_uri": f"{self.authority}/discovery/v2.0/keys",
                    "response_modes_supported": ["query", "fragment", "form_post"],
                    "subject_types_supported": ["pairwise"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "response_types_supported": [
                        "code",
                        "id_token",
                        "code id_token",
                        "id_token token",
                    ],
                    "scopes_supported": ["openid", "profile", "email", "offline_access"],
                    "issuer": f"{self.authority}/v2.0",
                    "request_uri_parameter_supported": False,
                    "userinfo_endpoint": f"{self.origin}/oidc/userinfo",
                    "authorization_endpoint": f"{self.authority}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{self.authority}/oauth2/v2.0/devicecode",
                    "http_logout_supported": True,
                    "frontchannel_logout_supported": True,
                    "end_session_endpoint": f"{self.authority}/oauth2/v2.0/logout",
                    "claims_supported": [
                        "sub",
                        "iss",
                        "aud",
                        "exp",
                        "iat",
                        "name",
                        "preferred_username",
                        "oid",
                        "tid",
                    ],
                    "kerberos_endpoint": f"{self.authority}/kerberos",
                    "tenant_region_scope": "NA",
                    "cloud_instance_name": "microsoftonline.com",
                    "cloud_graph_host_name": "graph.windows.net",
                    "msgraph_host": "graph.microsoft.com",
                    "rbac_url": "https://pas.windows.net",
                },
            )
        if method == "POST" and path == f"{base}/oauth2/v2.0/devicecode":
            return self._device_code(form)
        if method == "POST" and path == f"{base}/oauth2/v2.0/token":
            return self._token(form)
        return (
            404,
            {},
            {
                "error": "invalid_request",
                "error_description": "AADSTS900561: The endpoint only accepts POST requests.",
            },
        )

    def _device_code(self, form: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if form.get("client_id") != self.client_id:
            return self._token_error(
                "unauthorized_client",
                "AADSTS700016",
                f"Application with identifier '{form.get('client_id', '')[:40]}' was not found "
                "in the directory.",
            )
        with self._lock:
            flow = self._next_device or _DeviceFlow("approve", 1, 0, 900, "")
            self._next_device = None
            flow.user_code = "".join(
                secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9)
            )
            device_code = "DAQABAAEAAAD" + secrets.token_urlsafe(32)
            self._device[device_code] = flow
        return (
            200,
            {},
            {
                "user_code": flow.user_code,
                "device_code": device_code,
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": flow.expires_in,
                "interval": flow.interval,
                "message": "To sign in, use a web browser to open the page "
                f"https://microsoft.com/devicelogin and enter the code {flow.user_code} to "
                "authenticate.",
            },
        )

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        grant = form.get("grant_type")
        if form.get("client_id") != self.client_id:
            return self._token_error(
                "invalid_client", "AADSTS700016", "Application was not found in the directory.", 400
            )
        if grant == _DEVICE_GRANT:
            with self._lock:
                flow = self._device.get(form.get("device_code", ""))
                if flow is None:
                    return self._token_error(
                        "bad_verification_code",
                        "AADSTS70000",
                        "The provided value for the input parameter 'device_code' is not valid.",
                    )
                flow.polls += 1
                if flow.polls <= flow.pending:
                    return self._token_error(
                        "authorization_pending",
                        "AADSTS70016",
                        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                    )
                if flow.outcome == "decline":
                    return self._token_error(
                        "authorization_declined", "AADSTS70000", "The user declined the request."
                    )
                if flow.outcome == "expire":
                    return self._token_error(
                        "expired_token", "AADSTS70019", "Verification code expired."
                    )
            return 200, {}, self._token_answer()
        if grant == "refresh_token":
            with self._lock:
                known = form.get("refresh_token") in self._refresh_tokens
                refusal = self._refresh_refusal
            if not known:
                return self._token_error("invalid_grant", refusal[0], refusal[1])
            return 200, {}, self._token_answer()
        return self._token_error(
            "unsupported_grant_type", "AADSTS70003", "The app requested an unsupported grant type."
        )

    # ---- Graph -----------------------------------------------------------------------------------

    def _graph(
        self, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        token = headers.get("authorization", "")
        with self._lock:
            known = token.startswith("Bearer ") and token[7:] in self._access_tokens
        if not known:
            return (
                401,
                {"WWW-Authenticate": _WWW_AUTHENTICATE},
                _error(
                    "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
                ),
            )
        prefs = _preferences(headers.get("prefer", ""))
        route = path[len("/v1.0") :]
        with self._lock:
            if route == "/me/calendar":
                return 200, {}, self._calendar_json(self.primary)
            if route == "/me/calendars":
                return self._calendars_page(query)
            if route.startswith("/me/calendars/") and route.endswith("/calendarView/delta"):
                calendar_id = unquote(route[len("/me/calendars/") : -len("/calendarView/delta")])
                if calendar_id not in self.calendars:
                    return (
                        404,
                        {},
                        _error(
                            "ErrorItemNotFound", "The specified object was not found in the store."
                        ),
                    )
                return self._delta_page(self.calendars[calendar_id], path, query, prefs)
            if route == "/me/calendarView/delta":
                return self._delta_page(self.primary, path, query, prefs)
            if route.startswith("/me/calendars/"):
                found = self.calendars.get(unquote(route[len("/me/calendars/") :]))
                if found is None:
                    return (
                        404,
                        {},
                        _error(
                            "ErrorItemNotFound", "The specified object was not found in the store."
                        ),
                    )
                return 200, {}, self._calendar_json(found)
            if route.startswith("/me/events/"):
                return self._event(unquote(route[len("/me/events/") :]), query, prefs)
        return (
            400,
            {},
            _error(
                "BadRequest",
                f"Resource not found for the segment '{route.rsplit('/', 1)[-1][:40]}'.",
            ),
        )

    def _calendar_json(self, calendar: FakeCalendar) -> dict[str, Any]:
        return {
            "@odata.context": f"{self.endpoint}/$metadata#users('{OWNER[1]}')/calendars/$entity",
            "id": calendar.id,
            "name": calendar.name,
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": calendar.default,
            "changeKey": "nfZyf7VcrEKLNoU37KWlkQAAA0x0+w==",
            "canShare": True,
            "canViewPrivateItems": True,
            "canEdit": True,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "isTallyingResponses": True,
            "isRemovable": not calendar.default,
            "owner": {"name": calendar.owner[0], "address": calendar.owner[1]},
        }

    def _calendars_page(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        listed = list(self.calendars.values())
        start = int(query.get("$skip", "0") or 0)
        page = listed[start : start + self.calendars_page_size]
        body: dict[str, Any] = {
            "@odata.context": f"{self.endpoint}/$metadata#users('{OWNER[1]}')/calendars",
            "value": [self._calendar_json(c) for c in page],
        }
        if start + self.calendars_page_size < len(listed):
            body["@odata.nextLink"] = (
                f"{self.endpoint}/me/calendars?$skip={start + self.calendars_page_size}"
            )
        return 200, {}, body

    def _event(
        self, event_id: str, query: dict[str, str], prefs: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        for calendar in self.calendars.values():
            found = calendar.masters.get(event_id) or calendar.events.get(event_id)
            if found is not None:
                rendered = self._event_json(found, prefs)
                select = query.get("$select")
                if select:
                    wanted = {s.strip() for s in select.split(",")} | {"id"}
                    rendered = {
                        k: v for k, v in rendered.items() if k in wanted or k.startswith("@odata")
                    }
                return 200, {}, rendered
        return (
            404,
            {},
            _error("ErrorItemNotFound", "The specified object was not found in the store."),
        )

    def _delta_page(
        self, calendar: FakeCalendar, path: str, query: dict[str, str], prefs: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        applied = {}
        size = DEFAULT_PAGE_SIZE
        if "odata.maxpagesize" in prefs and prefs["odata.maxpagesize"].isdigit():
            size = max(int(prefs["odata.maxpagesize"]), 1)
            size = min(size, self.page_cap or size)
            applied["odata.maxpagesize"] = str(size)
        for name in ("outlook.timezone", "outlook.body-content-type"):
            if name in prefs:
                applied[name] = f'"{prefs[name]}"'
        headers = (
            {"Preference-Applied": ", ".join(f"{k}={v}" for k, v in applied.items())}
            if applied
            else {}
        )
        if "$skiptoken" in query:
            held = self._skip.get(query["$skiptoken"])
            if held is None:
                return 400, {}, _error("SyncStateInvalid", "The sync state is not valid.")
            round_, offset = held
        elif "$deltatoken" in query:
            previous = self._delta.get(query["$deltatoken"])
            if previous is None:
                return 400, {}, _error("SyncStateInvalid", "The sync state is not valid.")
            if self._delta_expiry is not None:
                status, code = self._delta_expiry
                gone = {"Location": f"{self.origin}{path}?$deltatoken="} if status == 410 else {}
                return (
                    status,
                    gone,
                    _error(
                        code,
                        "The sync state generation is not found; a full synchronization is needed.",
                    ),
                )
            round_ = self._changes_since(calendar, path, previous)
            offset = 0
        else:
            try:
                window = (
                    _parse_window(query["startDateTime"]),
                    _parse_window(query["endDateTime"]),
                )
            except (KeyError, ValueError):
                return (
                    400,
                    {},
                    _error(
                        "ErrorInvalidParameter",
                        "This request requires a time window specified by the query string "
                        "parameters StartDateTime and EndDateTime.",
                    ),
                )
            round_ = _Round(
                calendar.id,
                path,
                window,
                [
                    ("event", e.id)
                    for e in sorted(calendar.events.values(), key=_start_key)
                    if self._overlaps(e, window)
                ],
                max((e.version for e in calendar.events.values()), default=0),
            )
            round_.version = max(round_.version, max(calendar.tombstones.values(), default=0))
            offset = 0
        items = round_.items[offset : offset + size]
        value = []
        for kind, event_id in items:
            event = calendar.events.get(event_id)
            if kind == "removed" or event is None:
                value.append(
                    {
                        "@odata.type": "#microsoft.graph.event",
                        "id": event_id,
                        "@removed": {"reason": "deleted"},
                    }
                )
            else:
                value.append(self._event_json(event, prefs))
        body: dict[str, Any] = {
            "@odata.context": f"{self.endpoint}/$metadata#Collection(event)",
            "value": value,
        }
        if self.endless_pages or offset + size < len(round_.items):
            token = "R0usmc" + secrets.token_urlsafe(12)
            self._skip[token] = (round_, offset + size)
            body["@odata.nextLink"] = f"{self.origin}{path}?$skiptoken={token}"
        else:
            token = "R0usmc" + secrets.token_urlsafe(12)
            self._delta[token] = round_
            body["@odata.deltaLink"] = f"{self.origin}{path}?$deltatoken={token}"
        return 200, headers, body

    def _changes_since(self, calendar: FakeCalendar, path: str, previous: _Round) -> _Round:
        items: list[tuple[str, str]] = []
        for event in sorted(calendar.events.values(), key=lambda e: e.version):
            if event.version > previous.version:
                items.append(
                    ("event" if self._overlaps(event, previous.window) else "removed", event.id)
                )
        for event_id, version in calendar.tombstones.items():
            if version > previous.version:
                items.append(("removed", event_id))
        latest = max(
            [
                previous.version,
                *(e.version for e in calendar.events.values()),
                *calendar.tombstones.values(),
            ]
        )
        return _Round(calendar.id, path, previous.window, items, latest)

    def _overlaps(self, event: FakeEvent, window: tuple[datetime, datetime]) -> bool:
        start, end = (
            _instant(event.start, event.original_zone),
            _instant(event.end, event.original_zone),
        )
        return start < window[1] and end > window[0]

    def _event_json(self, event: FakeEvent, prefs: dict[str, str]) -> dict[str, Any]:
        zone_name = prefs.get("outlook.timezone", "UTC")
        zone = ZoneInfo(WINDOWS_TO_OLSON.get(zone_name, zone_name)) if zone_name != "UTC" else UTC
        text_body = prefs.get("outlook.body-content-type") == "text"
        calendar_owner = OWNER[1]

        def when(value: datetime | date) -> dict[str, str]:
            if isinstance(value, datetime):
                local = value.astimezone(zone)
            elif self.all_day_shifted:
                local = _instant(value, event.original_zone).astimezone(zone)
            else:
                local = datetime.combine(value, datetime.min.time())
            return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone_name}

        stamp = "2026-11-20T10:00:00.0000000Z"
        rendered: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.event",
            "@odata.etag": f'W/"DwAAABYAAAAQ{event.version:08d}"',
            "id": event.id,
            "createdDateTime": stamp,
            "lastModifiedDateTime": stamp,
            "changeKey": f"DwAAABYAAAAQ{event.version:08d}",
            "categories": [],
            "transactionId": None,
            "originalStartTimeZone": event.original_zone,
            "originalEndTimeZone": event.original_zone,
            "iCalUId": event.ical_uid,
            "reminderMinutesBeforeStart": 15,
            "isReminderOn": True,
            "hasAttachments": False,
            "subject": event.subject,
            "bodyPreview": event.body[:255],
            "importance": "normal",
            "sensitivity": "normal",
            "isAllDay": event.all_day,
            "isCancelled": event.cancelled,
            "isOrganizer": event.organizer is not None and event.organizer[1] == calendar_owner,
            "responseRequested": True,
            "seriesMasterId": event.series_master_id,
            "showAs": "busy",
            "type": event.type,
            "webLink": f"https://outlook.office365.com/owa/?itemid={quote(event.id)}&exvsurl=1&path=/calendar/item",
            "onlineMeetingUrl": None,
            "isOnlineMeeting": False,
            "onlineMeetingProvider": "unknown",
            "allowNewTimeProposals": True,
            "isDraft": False,
            "hideAttendees": False,
            "recurrence": None,
            "responseStatus": {"response": event.response, "time": "0001-01-01T00:00:00Z"},
            "body": {"contentType": "text", "content": event.body}
            if text_body
            else {
                "contentType": "html",
                "content": f"<html><body>{html.escape(event.body)}</body></html>",
            },
            "start": when(event.start),
            "end": when(event.end),
            "location": {
                "displayName": event.location,
                "locationType": "default",
                "uniqueIdType": "unknown",
                "address": {},
                "coordinates": {},
            },
            "locations": [{"displayName": event.location, "locationType": "default"}]
            if event.location
            else [],
            "attendees": [
                {
                    "type": "required",
                    "status": {"response": response, "time": "0001-01-01T00:00:00Z"},
                    "emailAddress": {"name": name, "address": address},
                }
                for name, address, response in event.attendees
            ],
            "organizer": {
                "emailAddress": {"name": event.organizer[0], "address": event.organizer[1]}
            }
            if event.organizer
            else None,
            "onlineMeeting": None,
        }
        if event.type in ("occurrence", "exception") and event.original_start is not None:
            original = _instant(event.original_start, event.original_zone)
            rendered["originalStart"] = original.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rendered.update(event.raw)
        return rendered

    # ---- the wire --------------------------------------------------------------------------------

    def _take_failure(self, path: str) -> _Failure | None:
        with self._lock:
            for index, failure in enumerate(self._failures):
                if failure.path_contains in path:
                    del self._failures[index]
                    return failure
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, as a server's do

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                with server._lock:
                    server.requests.append(Recorded(method, parts.path, query, headers, form))
                failure = server._take_failure(parts.path)
                if failure is not None:
                    self._fail(failure)
                    return
                if parts.path.startswith("/v1.0/") and method == "GET":
                    answer = server._graph(parts.path, query, headers)
                else:
                    answer = server._identity(method, parts.path, form)
                self._reply(*answer)

            def _fail(self, failure: _Failure) -> None:
                if failure.kind == "hang":
                    server._stopping.wait(60)
                    return
                if failure.kind == "trickle":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "5000")
                    self.end_headers()
                    self.wfile.write(b'{"value": [')
                    while not server._stopping.wait(0.05):
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                    return
                if failure.kind == "raw":
                    self.send_response(failure.status)
                    for name, value in failure.headers.items():
                        self.send_header(name, value)
                    if "Content-Length" not in failure.headers:
                        self.send_header("Content-Length", str(len(failure.body)))
                    self.end_headers()
                    with contextlib.suppress(OSError):
                        self.wfile.write(failure.body)
                    return
                headers = (
                    {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
                )
                self._reply(failure.status, headers, _error(failure.code, "Simulated failure."))

            def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header(
                    "Content-Type",
                    _CONTENT_TYPE,
                )
                self.send_header("Content-Length", str(len(data)))
                self.send_header("request-id", str(uuid.uuid4()))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(data)

        return Handler


def _error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }


def _preferences(header: str) -> dict[str, str]:
    """`Prefer: outlook.timezone="UTC", odata.maxpagesize=50` as {name: value}."""
    found: dict[str, str] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.strip().lower()] = value.strip().strip('"')
    return found


def _parse_window(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _instant(value: datetime | date, zone_name: str) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    zone = ZoneInfo(WINDOWS_TO_OLSON.get(zone_name, zone_name)) if zone_name != "UTC" else UTC
    return datetime.combine(value, datetime.min.time(), tzinfo=zone).astimezone(UTC)


def _start_key(event: FakeEvent) -> datetime:
    return _instant(event.start, event.original_zone)
