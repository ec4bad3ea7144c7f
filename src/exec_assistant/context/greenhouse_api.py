"""Greenhouse's Harvest API (v3), read-only: an OAuth access token by the client-credentials
grant, then list endpoints followed page by page.

- Token: `POST {token_url}` with HTTP Basic `client_id:client_secret` and the form
  `grant_type=client_credentials` (and `sub`, the Greenhouse user the token acts as: list
  endpoints answer only for a Site Admin). The answer's `access_token` is used as
  `Authorization: Bearer …` until shortly before its `expires_at` (an hour).
- Lists: `GET {base_url}/v3/<resource>?…&per_page=500`, a JSON array per page; the next page
  is the `Link` header's `rel="next"` URL, followed exactly (a cursor must be the only
  parameter) and only to the same host.
- 429: wait the `Retry-After` seconds (or until `X-RateLimit-Reset`), if that ends before the
  deadline; 5xx and a dropped connection: tried again after 0.5, 1, 2 s. A 401 gets one new
  token. Every wait and every read stops at the caller's deadline.

Harvest v1 and v2 (Basic auth with an API key) were retired on 31 August 2026.

Nothing here logs or reports a token, a header or a body: errors say what happened on the
wire, in words fit for "unavailable: …".
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from exec_assistant.domain.errors import ContextSourceUnavailable

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 10.0
ATTEMPTS = 4
PER_PAGE = 500
MAX_PAGES = 100
"""50,000 records of one kind: more is a paging loop, not an organisation."""
MAX_PAGE_BYTES = 8 * 1024 * 1024
TOKEN_MARGIN_SECONDS = 60.0
"""A token is renewed this long before it expires: it must outlive the reads it serves."""
_BACKOFF = (0.5, 1.0, 2.0)
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_FIX_CREDENTIALS = (
    "Create Harvest v3 (OAuth) credentials in Greenhouse (Configure > Dev Center > API "
    "Credentials) and store them as GREENHOUSE_CLIENT_ID and GREENHOUSE_CLIENT_SECRET."
)


class OutOfTime(ContextSourceUnavailable):
    """The caller's deadline came before Greenhouse's answer (or before all of it): the
    caller, who knows its time limit, says how long it waited."""

    def __init__(self, what: str, *, partial: bool = False) -> None:
        super().__init__(
            f"Greenhouse's answer for {what} was still arriving at the deadline"
            if partial
            else f"Greenhouse gave no answer for {what} in time"
        )
        self.what = what
        self.partial = partial


@dataclass(frozen=True)
class HarvestCredentials:
    client_id: str
    client_secret: str
    user_id: int | None = None
    """The `sub` of the token: the Greenhouse user it acts as."""


class HarvestClient:
    """One organisation's Harvest API. Thread-safe; keeps its token between calls."""

    def __init__(
        self,
        credentials: HarvestCredentials,
        *,
        base_url: str,
        token_url: str,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._credentials = credentials
        self._base = base_url.rstrip("/")
        self._token_url = token_url
        self._origin = _origin(self._base)
        self._http = httpx.Client(transport=transport, follow_redirects=False, trust_env=False)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        self.last_date: str | None = None
        """The `Date` header of the last answer: the server's clock, for `doctor`."""
        self.requests = 0
        """Requests made, token requests included."""

    def close(self) -> None:
        self._http.close()

    def list(
        self,
        resource: str,
        params: Mapping[str, str],
        *,
        deadline: float,
        per_page: int = PER_PAGE,
        pages: int = MAX_PAGES,
    ) -> list[Any]:
        """Every record of `resource` ("jobs"), all pages, by `deadline` (time.monotonic);
        with `pages`, no more than that many pages (a probe reads one)."""
        query = {**params, "per_page": str(per_page)}
        url: str | None = f"{self._base}/v3/{resource}?{urlencode(query)}"
        seen: set[str] = set()
        records: list[Any] = []
        read = 0
        while url is not None and read < pages:
            if url in seen or read >= MAX_PAGES:
                raise ContextSourceUnavailable(
                    f"Greenhouse kept paging /v3/{resource} past {read} pages"
                )
            seen.add(url)
            read += 1
            response, body = self._get(url, resource, deadline)
            if not isinstance(body, list):
                raise _shape(resource)
            records.extend(body)
            url = self._next(response, resource)
        return records

    def token(self, *, deadline: float) -> str:
        """A current access token: the kept one, or a new one from the token endpoint."""
        with self._lock:
            if self._token is not None and time.monotonic() < self._token_until:
                return self._token
        answer = self._post_token(deadline)
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise ContextSourceUnavailable("Greenhouse's token endpoint answered without a token")
        lifetime = _lifetime(answer)
        with self._lock:
            self._token = token
            self._token_until = time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 0.0)
        return token

    def forget_token(self) -> None:
        with self._lock:
            self._token = None

    # ---- the wire -------------------------------------------------------------------------

    def _get(self, url: str, resource: str, deadline: float) -> tuple[httpx.Response, Any]:
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            token = self.token(deadline=deadline)
            response, data = self._send(
                "GET",
                url,
                f"/v3/{resource}",
                deadline,
                headers={"Authorization": f"Bearer {token}"},
            )
            status = response.status_code
            if status == 200:
                return response, _json(data, resource)
            if status == 401 and not renewed:
                # The token may have been revoked or expired early: one new one, then no more.
                self.forget_token()
                renewed = True
                continue
            if status == 401:
                raise ContextSourceUnavailable(
                    "Greenhouse refused the access token (HTTP 401)", fix=_FIX_CREDENTIALS
                )
            if status == 403:
                raise ContextSourceUnavailable(
                    f"Greenhouse refused /v3/{resource} (HTTP 403): the credentials need "
                    f"harvest:{resource}:list and a Site Admin user",
                    fix=f"Grant harvest:{resource}:list to the Harvest v3 credentials and set "
                    "staffing.user_id to a Site Admin's Greenhouse user id.",
                )
            self._wait_or_fail(response, attempt, deadline, f"/v3/{resource}")

    def _post_token(self, deadline: float) -> dict[str, Any]:
        fields = {"grant_type": "client_credentials"}
        if self._credentials.user_id is not None:
            fields["sub"] = str(self._credentials.user_id)
        attempt = 0
        while True:
            attempt += 1
            response, data = self._send(
                "POST",
                self._token_url,
                "the token endpoint",
                deadline,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                content=urlencode(fields).encode(),
                basic=(self._credentials.client_id, self._credentials.client_secret),
            )
            status = response.status_code
            if status == 200:
                body = _json(data, "token")
                if not isinstance(body, dict):
                    raise ContextSourceUnavailable(
                        "Greenhouse's token endpoint answered in an unexpected shape"
                    )
                return body
            if status in (400, 401, 403):
                error = _error_code(data)
                raise ContextSourceUnavailable(
                    f"Greenhouse refused the client credentials ({error or f'HTTP {status}'})",
                    fix=_FIX_CREDENTIALS,
                )
            self._wait_or_fail(response, attempt, deadline, "the token endpoint")

    def _send(
        self,
        method: str,
        url: str,
        what: str,
        deadline: float,
        *,
        headers: Mapping[str, str],
        content: bytes | None = None,
        basic: tuple[str, str] | None = None,
    ) -> tuple[httpx.Response, bytes]:
        if basic is not None:
            pair = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
            headers = {**headers, "Authorization": f"Basic {pair}"}
        attempt = 0
        while True:
            attempt += 1
            left = deadline - time.monotonic()
            if left <= 0:
                raise OutOfTime(what)
            timeout = httpx.Timeout(
                min(READ_TIMEOUT_SECONDS, left), connect=min(CONNECT_TIMEOUT_SECONDS, left)
            )
            request = self._http.build_request(
                method,
                url,
                headers={"Accept": "application/json", "User-Agent": "exec-assistant", **headers},
                content=content,
                timeout=timeout,
            )
            self.requests += 1
            try:
                response = self._http.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing was sent: trying again is safe, while time allows.
                if attempt >= ATTEMPTS or not self._pause(_BACKOFF[attempt - 1], deadline):
                    raise ContextSourceUnavailable(
                        f"Greenhouse cannot be reached ({_connect_problem(exc)})"
                    ) from None
                continue
            except httpx.TimeoutException:
                if left <= READ_TIMEOUT_SECONDS:
                    raise OutOfTime(what) from None
                raise ContextSourceUnavailable(
                    f"Greenhouse gave no answer for {what} within {READ_TIMEOUT_SECONDS:g} s"
                ) from None
            except httpx.HTTPError:
                raise ContextSourceUnavailable(
                    f"the connection to Greenhouse broke during {what}"
                ) from None
            try:
                data = self._read(response, what, deadline)
            finally:
                response.close()
            self.last_date = response.headers.get("Date") or self.last_date
            return response, data

    def _read(self, response: httpx.Response, what: str, deadline: float) -> bytes:
        data = bytearray()
        try:
            for chunk in response.iter_raw():
                data += chunk
                if len(data) > MAX_PAGE_BYTES:
                    raise ContextSourceUnavailable(
                        f"Greenhouse answered more than {MAX_PAGE_BYTES // (1024 * 1024)} MB "
                        f"for one page of {what}"
                    )
                if time.monotonic() > deadline:
                    raise OutOfTime(what, partial=True)
        except httpx.TimeoutException:
            if time.monotonic() >= deadline - 0.05:
                raise OutOfTime(what, partial=True) from None
            raise ContextSourceUnavailable(
                f"Greenhouse stopped answering in the middle of {what}"
            ) from None
        except httpx.HTTPError:
            raise ContextSourceUnavailable(
                f"the connection to Greenhouse broke during {what}"
            ) from None
        return bytes(data)

    def _wait_or_fail(
        self, response: httpx.Response, attempt: int, deadline: float, what: str
    ) -> None:
        status = response.status_code
        if status != 429 and status < 500:
            raise ContextSourceUnavailable(f"Greenhouse refused {what} (HTTP {status})")
        wait = _retry_after(response) if status == 429 else None
        if wait is None:
            wait = _BACKOFF[min(attempt, len(_BACKOFF)) - 1]
        if attempt >= ATTEMPTS:
            raise ContextSourceUnavailable(
                f"Greenhouse kept answering HTTP {status} to {what} ({attempt} attempts)"
            )
        if not self._pause(wait, deadline):
            raise ContextSourceUnavailable(
                f"Greenhouse is rate-limiting (HTTP 429) and asks to wait {wait:.0f} s, past "
                "the time this source has"
                if status == 429
                else f"Greenhouse answered HTTP {status} to {what}, with no time left to retry"
            )
        log.info("greenhouse retry", extra={"status": status, "attempt": attempt, "wait_s": wait})

    def _pause(self, seconds: float, deadline: float) -> bool:
        """Sleep `seconds` if the next attempt still starts before the deadline."""
        if time.monotonic() + seconds >= deadline:
            return False
        self._sleep(seconds)
        return True

    def _next(self, response: httpx.Response, resource: str) -> str | None:
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        if _origin(link) != self._origin:
            # The token goes with every request: never to a host but Greenhouse's.
            raise ContextSourceUnavailable(
                f"Greenhouse's next page of /v3/{resource} points to another host"
            )
        return str(link)


def check_endpoint(url: str, what: str) -> str:
    """`url` if it is https (or http on this machine, where nothing travels the network);
    ValueError otherwise, for the setting's validation."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return url
    raise ValueError(f"{what} must be an https URL: the client secret and tokens travel on it")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise _shape(what) from None


def _shape(resource: str) -> ContextSourceUnavailable:
    return ContextSourceUnavailable(f"Greenhouse answered /v3/{resource} in an unexpected shape")


def _error_code(data: bytes) -> str | None:
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error)[:40] if isinstance(error, str) and error.isidentifier() else None


def _lifetime(answer: Mapping[str, Any]) -> float:
    """Seconds the token lives: `expires_in`, else until `expires_at`; an hour if neither
    says (Greenhouse's tokens live an hour)."""
    expires_in = answer.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        return float(expires_in) if math.isfinite(expires_in) else 3600.0
    expires_at = answer.get("expires_at")
    if isinstance(expires_at, str):
        try:
            when = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
        except ValueError:
            return 3600.0
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (when - datetime.now(UTC)).total_seconds()
    return 3600.0


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date), else from
    `X-RateLimit-Reset` (a Unix time)."""
    value = (response.headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max((when - datetime.now(UTC)).total_seconds(), 0.0)
    reset = (response.headers.get("X-RateLimit-Reset") or "").strip()
    if reset.isdigit():
        return max(int(reset) - time.time(), 0.0)
    return None


def _connect_problem(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "no connection in time"
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text:
        return "the host name cannot be found"
    if "refused" in text:
        return "connection refused"
    return "the connection failed"
