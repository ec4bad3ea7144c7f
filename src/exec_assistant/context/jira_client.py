"""Jira Cloud's REST API v3: Basic auth with an account's email and API token, JSON in and
out, each call within its own deadline.

What is tried again, within the deadline: a 429 or 503 after the `Retry-After` Jira sends
(1, 2, 4 s without one), another 5xx of a read after the same backoff, and a request that
could not be sent (no connection). A create (`POST /issue`) is tried again only when it was
refused unread (429, no connection): after any other failure the issue may exist, and the
tracker's lookup by label finds it on the next run rather than a blind repeat making two.

Searches use `/rest/api/3/search/jql` (the old `/search` answers 410 Gone since 2025), paged
by `nextPageToken` until a page comes without one: Jira leaves the token out of the last page
rather than sending null, and `isLast` is not always there.

Errors name what Jira answered (its `errorMessages` and `errors`), cut to a line; never a
header or the token.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from exec_assistant.domain.errors import ExecAssistantError, TrackerUnavailable
from exec_assistant.domain.item_edits import plain_line
from exec_assistant.ports import SecretStore

JIRA_EMAIL = "JIRA_EMAIL"
JIRA_API_TOKEN = "JIRA_API_TOKEN"
TOKEN_HINT = (
    "Create an API token at https://id.atlassian.com/manage-profile/security/api-tokens "
    "and set JIRA_EMAIL (the account's email address) and JIRA_API_TOKEN."
)
REFUSED_HINT = (
    f"{TOKEN_HINT} A token with scopes works only through Atlassian's gateway: set base_url "
    "to https://api.atlassian.com/ex/jira/<cloud id> (the cloud id is at "
    "https://<site>.atlassian.net/_edge/tenant_info) and site_url to the site."
)
SEARCH_PATH = "/rest/api/3/search/jql"
PAGE_SIZE = 100
"""Issues asked for per page; Jira may send fewer when many fields are asked for."""
MAX_PAGES = 50
"""Pages one search may take (5,000 issues at 100 a page): a search that goes on past this
is narrowed by the user, not read to the end."""
CONNECT_SECONDS = 5.0
READ_SECONDS = 15.0
ATTEMPTS = 4
FIRST_BACKOFF_SECONDS = 1.0
MAX_ANSWER_BYTES = 8 * 1024 * 1024
PROBLEM_LIMIT = 300
"""Characters of Jira's own error text kept in a message."""


class JiraError(ExecAssistantError):
    """Jira did not do what was asked; `status` is its HTTP status (None: no answer)."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


class JiraUnavailable(JiraError, TrackerUnavailable):
    """Jira cannot be used just now: credentials refused, unreachable, too slow, throttling
    past the deadline, failing on its side, or not Jira at all."""


class JiraRefused(JiraError):
    """Jira refused this one request (400, 403, 404): `errors` are its messages by field."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        errors: Mapping[str, str] | None = None,
        messages: Sequence[str] = (),
    ):
        super().__init__(message, status=status)
        self.errors = dict(errors or {})
        self.messages = tuple(messages)


@dataclass(frozen=True)
class JiraAccount:
    """Where and as whom: the site's base URL, the account's email and its API token."""

    base_url: str
    email: str
    token: str

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or self.base_url


def jira_account(base_url: str, secrets: SecretStore) -> JiraAccount:
    """The account from the secret store; JiraUnavailable naming the secret that is not set."""
    missing = [name for name in (JIRA_EMAIL, JIRA_API_TOKEN) if not (secrets.get(name) or "")]
    if missing:
        raise JiraUnavailable(f"{' and '.join(missing)} not set", hint=TOKEN_HINT)
    return JiraAccount(
        base_url.rstrip("/"),
        (secrets.get(JIRA_EMAIL) or "").strip(),
        (secrets.get(JIRA_API_TOKEN) or "").strip(),
    )


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes


class JiraClient:
    """Calls of one Jira site. `pause` is the wait between attempts and `monotonic` the
    clock deadlines are kept by (both injected for tests)."""

    def __init__(
        self,
        account: JiraAccount,
        *,
        timeout_seconds: float,
        pause: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._account = account
        self._timeout = timeout_seconds
        self._pause = pause
        self._monotonic = monotonic
        credentials = base64.b64encode(f"{account.email}:{account.token}".encode()).decode()
        self._http = httpx.Client(
            base_url=account.base_url,
            headers={
                "Accept": "application/json",
                "Authorization": f"Basic {credentials}",
                "User-Agent": "exec-assistant",
            },
            follow_redirects=False,
        )
        self.last_date: datetime | None = None
        """The `Date` of Jira's latest answer, for the clock check."""

    @property
    def account(self) -> JiraAccount:
        return self._account

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- calls ---------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self._call("GET", path, params=params, repeatable=True)

    def post(self, path: str, body: Mapping[str, Any], *, creates: bool = False) -> Any:
        """`creates`: the request makes something (an issue), so only a refusal Jira
        surely did not act on is sent again."""
        return self._call("POST", path, body=body, repeatable=not creates)

    def search(
        self,
        jql: str,
        fields: Sequence[str],
        *,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> Iterator[dict[str, Any]]:
        """Every issue `jql` finds, with `fields`, page by page. JiraRefused for a JQL Jira
        cannot run; JiraUnavailable past `max_pages` or for a token that comes back again
        (a server that never ends)."""
        token: str | None = None
        seen: set[str] = set()
        for _ in range(max_pages):
            body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size}
            if token is not None:
                body["nextPageToken"] = token
            page = self._call("POST", SEARCH_PATH, body=body, repeatable=True)
            if not isinstance(page, dict) or not isinstance(page.get("issues", []), list):
                raise self._not_jira("a search answer without its list of issues")
            for issue in page.get("issues", []):
                if isinstance(issue, dict):
                    yield issue
            token = page.get("nextPageToken")
            if not isinstance(token, str) or not token or page.get("isLast") is True:
                return
            if not page.get("issues"):
                return  # a page of nothing with a token: there is nothing more to read
            if token in seen:
                raise JiraUnavailable("Jira's search sent the same page token twice")
            seen.add(token)
        raise JiraUnavailable(
            f"the search goes on past {max_pages * page_size:,} issues",
            hint="Narrow the JQL (a project, a label) in context.yaml.",
        )

    # --- the wire ------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        repeatable: bool,
    ) -> Any:
        deadline = self._monotonic() + self._timeout
        backoff = FIRST_BACKOFF_SECONDS
        for attempt in range(1, ATTEMPTS + 1):
            answer = self._attempt(method, path, params, body, deadline)
            if answer is None:  # not sent: no connection
                wait = backoff
            elif answer.status == 429 or (answer.status >= 500 and repeatable):
                asked = _retry_after(answer.headers.get("Retry-After"))
                wait = backoff if asked is None else asked
            else:
                return self._result(answer, path)
            backoff *= 2
            if attempt == ATTEMPTS or self._monotonic() + wait >= deadline:
                raise self._gave_up(answer, wait)
            self._pause(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        deadline: float,
    ) -> _Answer | None:
        """Jira's answer, or None when the request could not be sent."""
        left = max(deadline - self._monotonic(), 0.05)
        timeout = httpx.Timeout(
            min(READ_SECONDS, left), connect=min(CONNECT_SECONDS, left), pool=min(1.0, left)
        )
        # ASCII escapes: a lone surrogate in a text cannot break the encoding.
        content = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else {}
        try:
            with self._http.stream(
                method, path, params=params, content=content, headers=headers, timeout=timeout
            ) as response:
                data = self._read(response, deadline)
                self._note_date(response.headers.get("Date"))
                return _Answer(response.status_code, response.headers, data)
        except httpx.ConnectError:
            return None  # the connection never opened: nothing reached Jira
        except httpx.TimeoutException:
            raise JiraUnavailable(
                f"Jira ({self._account.host}) gave no answer within {self._timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise self._unreachable(f"the connection broke ({type(exc).__name__})") from None

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise JiraUnavailable(
                    f"Jira's answer is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MB"
                )
            if self._monotonic() > deadline:
                raise JiraUnavailable(
                    f"Jira ({self._account.host}) gave no whole answer within {self._timeout:g} s"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _note_date(self, value: str | None) -> None:
        if value is None:
            return
        with contextlib.suppress(TypeError, ValueError, IndexError):
            when = parsedate_to_datetime(value)
            self.last_date = when if when.tzinfo else when.replace(tzinfo=UTC)

    def _result(self, answer: _Answer, path: str) -> Any:
        status = answer.status
        if 200 <= status < 300:
            if status == 204 or not answer.body.strip():
                return None
            try:
                return json.loads(answer.body)
            except ValueError:
                raise self._not_jira("an answer that is not JSON") from None
        body = _json_or_none(answer.body)
        problem = jira_problem(body) or _text_problem(answer.body)
        if status == 401:
            raise JiraUnavailable(
                f"Jira ({self._account.host}) refused the email and API token (401)",
                status=401,
                hint=REFUSED_HINT,
            )
        if status == 403 and "AUTHENTICATION_DENIED" in answer.headers.get(
            "X-Seraph-LoginReason", ""
        ):
            raise JiraUnavailable(
                "Jira asks this account to solve a CAPTCHA after failed sign-ins (403)",
                status=403,
                hint="Sign in to Jira once in a browser, then try again.",
            )
        if status == 410:
            raise JiraUnavailable(f"Jira has removed {path} (410): {problem}", status=410)
        if status in (400, 403, 404, 409, 422):
            errors = _errors_of(body)
            raise JiraRefused(
                f"Jira refused the request ({status}): {problem or 'no reason given'}",
                status=status,
                errors=errors,
                messages=_messages_of(body),
            )
        if 300 <= status < 400:
            raise self._not_jira(f"a redirect ({status})")
        raise JiraUnavailable(
            f"Jira ({self._account.host}) answered {status}" + (f": {problem}" if problem else ""),
            status=status,
        )

    def _gave_up(self, answer: _Answer | None, wait: float) -> JiraUnavailable:
        if answer is None:
            return self._unreachable("no connection")
        if answer.status == 429:
            return JiraUnavailable(
                f"Jira is limiting this account's requests (429) and asks to wait {wait:g} s",
                status=429,
                hint="It is tried again at the next sync.",
            )
        problem = jira_problem(_json_or_none(answer.body))
        return JiraUnavailable(
            f"Jira ({self._account.host}) answered {answer.status}"
            + (f": {problem}" if problem else ""),
            status=answer.status,
        )

    def _unreachable(self, why: str) -> JiraUnavailable:
        return JiraUnavailable(
            f"cannot reach Jira at {self._account.host}: {why}",
            hint="Check base_url in context.yaml and the network.",
        )

    def _not_jira(self, what: str) -> JiraUnavailable:
        return JiraUnavailable(
            f"{self._account.base_url} sent {what}, not Jira's",
            hint="Check base_url in context.yaml: it is the site, https://<name>.atlassian.net.",
        )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    with contextlib.suppress(ValueError):
        seconds = float(text)
        return seconds if seconds >= 0 and seconds == seconds else None
    with contextlib.suppress(TypeError, ValueError, IndexError):
        when = parsedate_to_datetime(text)
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return max((when - datetime.now(UTC)).total_seconds(), 0.0)
    return None


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _messages_of(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    found = body.get("errorMessages")
    return [m for m in found if isinstance(m, str)] if isinstance(found, list) else []


def _errors_of(body: Any) -> dict[str, str]:
    if not isinstance(body, dict) or not isinstance(body.get("errors"), dict):
        return {}
    return {str(k): str(v) for k, v in body["errors"].items()}


def jira_problem(body: Any) -> str:
    """Jira's error body `{"errorMessages": [...], "errors": {field: message}}` as one line:
    "Field 'x' does not exist; summary: You must specify a summary of the issue."."""
    parts = [*_messages_of(body), *(f"{k}: {v}" for k, v in _errors_of(body).items())]
    return one_line("; ".join(p for p in parts if p.strip()), limit=PROBLEM_LIMIT)


def _text_problem(body: bytes) -> str:
    """A short plain-text answer (Jira's 401 is one line of text); HTML pages say nothing."""
    text = body[: PROBLEM_LIMIT * 4].decode("utf-8", "replace").strip()
    if not text or text.startswith("<"):
        return ""
    return one_line(text, limit=PROBLEM_LIMIT)


def one_line(text: str, *, limit: int) -> str:
    """`text` on one line, without control or formatting characters, at most `limit` long."""
    line = plain_line(text[: limit * 4])
    return line if len(line) <= limit else line[: limit - 1] + "…"
