"""Incidents from an incident-management API (PagerDuty, Opsgenie): what its readers share.

A reader asks its API for the incidents created in the request's lookback window, newest
first, page by page until the last page or its cap, and turns each into the `Incident` row
incidents.csv would give; the rows then go through the `incidents` rules as the file's do, so
the same incidents read the same whichever way they arrive. A read stopped at its cap says so
in the facts (how many of how many).

Every request of one gather shares its deadline: the provider gives up a little before the
source's `timeout_seconds` (`provider_deadline`) and says itself what was too slow. A 429 or
5xx is asked again after the wait the server asks for, when that wait ends before the
deadline. Errors say what the system answered in a few words (its own error message cut to a
line), never a header or the token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Protocol
from urllib.parse import urlsplit

import httpx
from pydantic import AfterValidator, ValidationError

from exec_assistant.calendars.microsoft.graph_http import (
    GraphHttp,
    HttpAnswer,
    HttpFailed,
    Throttled,
    retry_after_header,
)
from exec_assistant.domain.context_rules.formatting import one_line
from exec_assistant.domain.context_rules.incidents import CutOff, Incident
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.ports import SecretStore

PAGE_SIZE = 100
"""PagerDuty's and Opsgenie's largest page."""
PAGE_BYTES = 8 * 1024 * 1024
"""One page of 100 incidents with their assignees is some 300 KB; 8 MB is no page."""
DEFAULT_MAX_INCIDENTS = 1000
MAX_INCIDENTS = 10_000
"""PagerDuty pages no further than 10,000 records (offset + limit), and a window with more is
read for its most recent ones anyway."""
PROBLEM_LIMIT = 160
"""Characters of the system's own error message kept in a reason."""
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_TOO_LARGE_FIX = "the incidents API sent far more than a page; check base_url"


def secure_address(value: str) -> str:
    """An https URL with a host and nothing else (plain http only on this machine, for a
    local server): the token goes with every request."""
    address = value.strip().rstrip("/")
    parts = urlsplit(address)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("the address must be an http(s) URL with a host")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError("the address must use https (the API token goes with every request)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("the address takes no user, password, query or fragment")
    return address


SecureAddress = Annotated[str, AfterValidator(secure_address)]


def severity_name(value: str) -> str:
    """sev 1, Sev1 and SEV1 are SEV1, as incidents.csv reads them."""
    name = value.replace(" ", "").upper()
    if len(name) != 4 or not name.startswith("SEV") or not name[3].isdigit():
        raise ValueError(f"'{value[:20]}' is not a severity such as SEV1")
    return name


Severity = Annotated[str, AfterValidator(severity_name)]


def api_secret(
    secrets: SecretStore, name: str, system: str, fix: str, *, what: str = "API token"
) -> str:
    """The token stored as `name`; unavailable when it is missing or could not be sent as a
    header (a pasted line break would be refused by the HTTP library, and read as a network
    failure)."""
    value = (secrets.get(name) or "").strip()
    if not value:
        raise ContextSourceUnavailable(f"no {system} {what} ({name} is not set)", fix=fix)
    if any(c.isspace() or not c.isprintable() for c in value) or not value.isascii():
        raise ContextSourceUnavailable(
            f"{name} holds spaces, line breaks or other characters no token has", fix=fix
        )
    return value


@dataclass(frozen=True)
class Refusal:
    """What an answer other than 200 means, for a prep and for `doctor`."""

    check: str
    """The doctor's check it fails: credentials, permissions, request."""
    reason: str
    fix: str


RefusalTable = Mapping[int, tuple[str, str, str]]
"""By status: the check it fails, the reason (`{said}`: the system's own words in
parentheses, when it gave any) and the fix."""


def refusal_from(system: str, answer: HttpAnswer, said: str, table: RefusalTable) -> Refusal:
    shown = f" ({said})" if said else ""
    known = table.get(answer.status)
    if known is None:
        return Refusal(
            "request",
            f"{system} answered HTTP {answer.status}{shown}",
            f"Packs say incidents are unavailable until {system} answers.",
        )
    check, reason, fix = known
    return Refusal(check, reason.format(said=shown), fix)


@dataclass(frozen=True)
class IncidentRead:
    rows: list[Incident]
    cut_off: CutOff | None = None
    requests: int = 0


@dataclass(frozen=True)
class Page:
    """One page of a list, as its system pages: its incidents, whether more follow, and how
    many there are in all (when the system says)."""

    listed: list[Any]
    more: bool
    total: int | None = None


class IncidentReader(Protocol):
    """One system's incidents API."""

    system: str
    """As the user knows it: PagerDuty, Opsgenie."""
    integration: str
    """How doctor names it: incidents (pagerduty)."""
    secret_name: str
    """The secret its token is stored as."""

    def wait_asked(self, headers: httpx.Headers) -> float | None:
        """The wait a 429 or 5xx answer asks for (its own header for it)."""
        ...

    def read(self, http: GraphHttp, since: datetime, until: datetime) -> IncidentRead:
        """The incidents created in [since, until], newest first, up to the cap; unavailable
        (ContextSourceUnavailable) on a missing token, a refusal, no answer."""
        ...

    def probe(self, http: GraphHttp, since: datetime, until: datetime) -> HttpAnswer:
        """The first page of one incident, as answered (a refusal is not raised)."""
        ...

    def refusal(self, answer: HttpAnswer) -> Refusal:
        """What a non-200 answer means."""
        ...

    def row(self, raw: Any) -> Incident:
        """One listed incident as the row incidents.csv would give; unavailable naming it when
        it cannot be one."""
        ...


def open_http(
    deadline: float,
    *,
    transport: httpx.BaseTransport | None = None,
    pause: Callable[[float], None] | None = None,
    wait_asked: Callable[[httpx.Headers], float | None] = retry_after_header,
) -> tuple[httpx.Client, GraphHttp]:
    """A connection for one gather (or one doctor run), every request and wait within
    `deadline` (time.monotonic())."""
    client = httpx.Client(transport=transport, follow_redirects=False, trust_env=True)
    seconds = max(deadline - time.monotonic(), 0.001)
    http = GraphHttp(
        client,
        request_seconds=seconds,
        wait_budget_seconds=seconds,
        max_bytes=PAGE_BYTES,
        pause=pause,
        deadline=deadline,
        wait_asked=wait_asked,
        too_large_fix=_TOO_LARGE_FIX,
        run="this prep",
    )
    return client, http


def get_answer(http: GraphHttp, system: str, url: str, headers: Mapping[str, str]) -> HttpAnswer:
    """The answer to one GET, 429 and 5xx already asked again; unavailable when no usable
    answer came."""
    try:
        return http.get(url, headers)
    except Throttled as exc:
        if exc.status == 429:
            raise ContextSourceUnavailable(
                f"{system} is rate-limiting requests ({exc.reason})"
            ) from None
        raise ContextSourceUnavailable(
            f"{system} is failing on its side ({exc.reason})",
            fix=f"Check {system}'s status page; preps try again on their own.",
        ) from None
    except HttpFailed as exc:
        raise ContextSourceUnavailable(f"{system}: {exc.reason}") from None


def get_page(
    http: GraphHttp, reader: IncidentReader, url: str, headers: Mapping[str, str]
) -> dict[str, Any]:
    """One page as a JSON object; a refusal or anything but JSON is unavailable."""
    answer = get_answer(http, reader.system, url, headers)
    if answer.status != 200:
        refused = reader.refusal(answer)
        raise ContextSourceUnavailable(refused.reason, fix=refused.fix)
    page = answer.json_object()
    if page is None:
        kind = answer.headers.get("Content-Type", "no content type").split(";")[0][:60]
        raise ContextSourceUnavailable(
            f"{reader.system} answered with something other than JSON (HTTP 200, {kind})",
            fix="Check base_url: it should be the API's address, not the web app's.",
        )
    return page


def error_text(answer: HttpAnswer, *paths: tuple[str, ...]) -> str:
    """The first string at one of `paths` in the error body, on one line and short ("" when
    the body is not JSON or has none)."""
    try:
        body: Any = json.loads(answer.body)
    except (ValueError, RecursionError):
        return ""
    for path in paths:
        value = body
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip():
            text = one_line(value).strip()
            return text if len(text) <= PROBLEM_LIMIT else text[: PROBLEM_LIMIT - 1] + "…"
    return ""


def shape_error(system: str, what: str) -> ContextSourceUnavailable:
    return ContextSourceUnavailable(
        f"{system} answered in a shape it should not ({what})",
        fix="Check base_url: it should be the API's address.",
    )


def incident_row(system: str, label: str, fields: dict[str, Any]) -> Incident:
    """The row, or unavailable naming the incident and its first problem: wrong figures in a
    pack are worse than none, as with a bad line of incidents.csv. A None field is left out,
    as an empty cell is."""
    try:
        return Incident.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "incident"
        message = first["msg"].removeprefix("Value error, ")
        raise shape_error(system, f"incident {label[:40]}: {field}: {message[:80]}") from None


def text_at(raw: Mapping[str, Any], *path: str) -> str | None:
    """The string at `path` in a JSON object, or None."""
    value: Any = raw
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) and value.strip() else None


def read_newest(
    http: GraphHttp,
    reader: IncidentReader,
    headers: Mapping[str, str],
    *,
    cap: int,
    url_for: Callable[[int, int], str],
    page_of: Callable[[dict[str, Any]], Page],
) -> IncidentRead:
    """Pages of the newest incidents first (`url_for(offset, limit)`), until the system says
    there are no more or `cap` incidents are read. An incident opened while paging pushes the
    rest down a place, so a page may begin with one already read: it is counted once."""
    rows: dict[str, Incident] = {}
    total: int | None = None
    offset = requests = 0
    while True:
        page = page_of(
            get_page(http, reader, url_for(offset, min(PAGE_SIZE, cap - len(rows))), headers)
        )
        requests += 1
        if offset == 0:
            total = page.total
        for raw in page.listed:
            row = reader.row(raw)
            rows.setdefault(row.id, row)
        if not page.more or not page.listed:
            return IncidentRead(list(rows.values()), requests=requests)
        if len(rows) >= cap:
            cut_off = CutOff(reader.system, len(rows), total)
            return IncidentRead(list(rows.values()), cut_off=cut_off, requests=requests)
        offset += len(page.listed)


class ApiReader:
    """What PagerDuty's and Opsgenie's readers share: paging the newest first up to `cap`, the
    probe for doctor, refusals from a table. A reader says how to ask (`headers`, `url`), how
    its pages read (`page`) and what an incident is (`row`)."""

    system: str
    integration: str
    secret_name: str
    refusals: RefusalTable
    error_path: tuple[str, ...]
    """Where its error bodies keep the message."""

    def __init__(self, secrets: SecretStore, cap: int) -> None:
        self._secrets = secrets
        self._cap = cap

    def wait_asked(self, headers: httpx.Headers) -> float | None:
        return retry_after_header(headers)

    def read(self, http: GraphHttp, since: datetime, until: datetime) -> IncidentRead:
        return read_newest(
            http,
            self,
            self.headers(),
            cap=self._cap,
            url_for=lambda offset, limit: self.url(since, until, offset, limit),
            page_of=self.page,
        )

    def probe(self, http: GraphHttp, since: datetime, until: datetime) -> HttpAnswer:
        return http.get(self.url(since, until, 0, 1), self.headers())

    def refusal(self, answer: HttpAnswer) -> Refusal:
        said = error_text(answer, self.error_path)
        return refusal_from(self.system, answer, said, self.refusals)

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def url(self, since: datetime, until: datetime, offset: int, limit: int) -> str:
        raise NotImplementedError

    def page(self, page: dict[str, Any]) -> Page:
        raise NotImplementedError

    def row(self, raw: Any) -> Incident:
        raise NotImplementedError
