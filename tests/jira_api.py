"""A fake Jira Cloud (REST API v3) on 127.0.0.1, answering as Atlassian's reference says.

    with JiraApi() as jira:
        jira.base_url                                   # http://127.0.0.1:<port>
        priya = jira.add_user("priya@northwind.example", "Priya Raman")
        jira.add_project("OPS", issue_types=("Task", "Epic"))
        key = jira.add_issue("OPS", "Epic", "Failover", labels=["big-rock"], duedate="2027-01-29")
        jira.move(key, "Done")          # someone closes it in Jira (its workflow's transition)
        jira.fail(429, retry_after=7)   # the next request: 429 with Retry-After: 7
        jira.hang()                     # the next request is read and never answered

What it does as Jira Cloud does:
- Basic auth (email, API token) on every call; anything else: 401 with the one line
  "Client must be authenticated to access this resource." (not JSON, as Jira sends it).
- `GET|POST /rest/api/3/search/jql`: JQL (project, issuetype, labels, key, parent, status,
  statusCategory, assignee; =, !=, in, not in, is EMPTY; AND, OR, NOT, parentheses; ORDER BY),
  paged by an opaque `nextPageToken` that the last page leaves out; `fields` as asked (only
  `id` without it); at most 100 issues a page when fields beyond id/key are asked for. A JQL
  that restricts nothing, a field it does not know, a syntax error, or a `key in (...)` naming
  an issue that does not exist: 400 `{"errorMessages": [...], "errors": {}}`. The old
  `/rest/api/3/search`: 410 Gone.
- `POST /rest/api/3/issue`: validates as Jira does, every problem by field in `errors`
  (summary missing, over 255 UTF-16 units or with a line break; a description that is not an
  Atlassian Document; a label with a space; a due date that is not YYYY-MM-DD; an assignee
  that does not exist or may not be assigned; a field not on the project's create screen).
  201 `{"id", "key", "self"}`.
- `GET /rest/api/3/issue/{key}`, `GET|POST .../transitions` (To Do, In Progress, Done),
  `GET /rest/api/3/user/search?query=` (emails the site hides are left out of the answer but
  still match), `GET /rest/api/3/myself`, `GET /rest/api/3/mypermissions`,
  `GET /rest/api/3/issue/createmeta/{project}/issuetypes`.
- 429 with `Retry-After`, `X-RateLimit-Reset` and `RateLimit-Reason`; a `Date` on every
  answer (`clock_offset` moves it, for the clock check).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

UNAUTHENTICATED = "Client must be authenticated to access this resource."
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
NOT_AN_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
NO_ISSUE = "Issue does not exist or you do not have permission to see it."
PAGE_CAP_WITH_FIELDS = 100
PAGE_CAP_IDS = 5000

STATUSES = {
    "To Do": ("1", "new", "To Do"),
    "In Progress": ("3", "indeterminate", "In Progress"),
    "Done": ("10001", "done", "Done"),
}
"""Status name → (id, category key, category name)."""
CATEGORY_NAMES = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
TRANSITIONS = {"11": "To Do", "21": "In Progress", "31": "Done"}
PERMISSION_NAMES = {
    "BROWSE_PROJECTS": ("10", "Browse Projects", "PROJECT"),
    "CREATE_ISSUES": ("11", "Create Issues", "PROJECT"),
    "ASSIGN_ISSUES": ("13", "Assign Issues", "PROJECT"),
    "USER_PICKER": ("27", "Browse users and groups", "GLOBAL"),
}
ADF_MARKS = {"strong", "em", "code", "strike", "underline", "link", "subsup", "textColor"}
ADF_BLOCKS = {
    "paragraph",
    "heading",
    "bulletList",
    "orderedList",
    "listItem",
    "codeBlock",
    "blockquote",
    "rule",
}
ADF_INLINES = {"text", "hardBreak", "mention", "emoji", "inlineCard"}


@dataclass
class JiraUser:
    account_id: str
    email: str
    name: str
    email_visible: bool = True
    active: bool = True
    assignable: bool = True

    def json(self, base_url: str) -> dict[str, Any]:
        user: dict[str, Any] = {
            "self": f"{base_url}/rest/api/3/user?accountId={self.account_id}",
            "accountId": self.account_id,
            "accountType": "atlassian",
            "displayName": self.name,
            "active": self.active,
            "timeZone": "America/New_York",
            "avatarUrls": {"48x48": "https://avatar.example/48.png"},
        }
        if self.email_visible:
            user["emailAddress"] = self.email
        return user


@dataclass
class JiraProject:
    key: str
    id: str
    name: str
    issue_types: tuple[str, ...]
    screen: frozenset[str] | None = None
    """The fields the create screen has; None: every field."""


@dataclass
class JiraIssue:
    id: str
    key: str
    project: str
    issue_type: str
    summary: str
    status: str = "To Do"
    labels: list[str] = field(default_factory=list)
    duedate: str | None = None
    assignee: str | None = None
    """The assignee's account id."""
    parent: str | None = None
    description: Any = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    body: Any
    path: str | None
    kind: str = "status"  # status, hang, trickle, html, lost, lost-hang
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


class JqlError(Exception):
    pass


class JiraApi:
    def __init__(
        self, *, email: str = "assistant@northwind.example", token: str = "jira-token-1"
    ) -> None:
        self.email = email
        self.token = token
        self.clock_offset = timedelta(0)
        self.page_cap: int | None = None
        """A smaller page than Jira's (paging in tests without hundreds of issues)."""
        self.endless_search = False
        """Every search page hands out the first page's token again (a server stuck)."""
        self.permissions: dict[str, set[str]] = {}
        """Per project, the permissions the account has (default: all of them)."""
        self.global_permissions = {"USER_PICKER"}
        self.statuses = dict(STATUSES)
        self._lock = threading.RLock()
        self._users: dict[str, JiraUser] = {}
        self._projects: dict[str, JiraProject] = {}
        self._issues: dict[str, JiraIssue] = {}
        self._failures: deque[_Failure] = deque()
        self._requests: list[Request] = []
        self._ids = itertools.count(10001)
        self._numbers: dict[str, itertools.count[int]] = {}
        self._stopping = threading.Event()
        self.answer_lost = threading.Event()
        """Set once a request scripted by `lose_answer(hang=True)` has been done."""
        self.me = self.add_user(email, "Exec Assistant")
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> JiraApi:
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
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # ---- the site's data --------------------------------------------------------------

    def add_user(
        self,
        email: str,
        name: str,
        *,
        email_visible: bool = True,
        active: bool = True,
        assignable: bool = True,
    ) -> str:
        with self._lock:
            account_id = "712020:" + hashlib.sha256(email.encode()).hexdigest()[:24]
            self._users[account_id] = JiraUser(
                account_id, email, name, email_visible, active, assignable
            )
            return account_id

    def add_project(
        self,
        key: str,
        *,
        name: str | None = None,
        issue_types: tuple[str, ...] = ("Epic", "Task", "Story"),
        screen: Iterable[str] | None = None,
    ) -> None:
        with self._lock:
            self._projects[key] = JiraProject(
                key,
                str(10000 + len(self._projects)),
                name or key,
                issue_types,
                frozenset(screen) if screen is not None else None,
            )
            self._numbers[key] = itertools.count(1)

    def add_issue(
        self,
        project: str,
        issue_type: str,
        summary: str,
        *,
        status: str = "To Do",
        labels: Iterable[str] = (),
        duedate: str | None = None,
        assignee: str | None = None,
        parent: str | None = None,
        updated: datetime | None = None,
        custom: dict[str, Any] | None = None,
    ) -> str:
        """The new issue's key; `assignee` an email of a user added before."""
        with self._lock:
            issue = self._new_issue(project, issue_type, summary)
            issue.status = status
            issue.labels = list(labels)
            issue.duedate = duedate
            issue.assignee = self._account_of(assignee) if assignee else None
            issue.parent = parent
            issue.custom = dict(custom or {})
            if updated is not None:
                issue.updated = issue.created = updated
            return issue.key

    def move(self, key: str, status: str) -> None:
        """Someone moves the issue in Jira (a transition of its workflow)."""
        with self._lock:
            issue = self._issues[key]
            issue.status = status
            issue.updated = datetime.now(UTC)

    def delete(self, key: str) -> None:
        with self._lock:
            del self._issues[key]

    def issue(self, key: str) -> JiraIssue:
        with self._lock:
            return self._issues[key]

    def issues(self, project: str | None = None) -> list[JiraIssue]:
        with self._lock:
            return [i for i in self._issues.values() if project in (None, i.project)]

    def user(self, account_id: str) -> JiraUser:
        with self._lock:
            return self._users[account_id]

    def add_status(self, name: str, category: str) -> None:
        """A status of the site's workflow, in a category: new, indeterminate or done."""
        with self._lock:
            ident = str(20000 + len(self.statuses))
            self.statuses[name] = (ident, category, CATEGORY_NAMES[category])

    # ---- scripting --------------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        body: Any = None,
        path: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` requests (to `path`, when given) answer `status`."""
        with self._lock:
            for _ in range(times):
                self._failures.append(
                    _Failure(status, retry_after, body, path, headers=dict(headers or {}))
                )

    def hang(self, *, path: str | None = None) -> None:
        """The next request is read whole and never answered (until the server stops)."""
        with self._lock:
            self._failures.append(_Failure(0, None, None, path, kind="hang"))

    def trickle(self, *, path: str | None = None) -> None:
        """The next request is answered 200 one byte every 50 ms, without end."""
        with self._lock:
            self._failures.append(_Failure(200, None, None, path, kind="trickle"))

    def lose_answer(self, *, path: str, hang: bool = False) -> None:
        """The next request to `path` is done (an issue created), and its answer lost: a 504
        from the gateway, or with `hang` no answer at all (`answer_lost` is set then)."""
        with self._lock:
            self._failures.append(
                _Failure(504, None, None, path, kind="lost-hang" if hang else "lost")
            )

    def html(self, *, path: str | None = None) -> None:
        """The next request gets a 200 HTML page (a proxy's sign-in page, say)."""
        with self._lock:
            self._failures.append(_Failure(200, None, None, path, kind="html"))

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # ---- the API ----------------------------------------------------------------------

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, auth: str | None
    ) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            if auth != f"Basic {expected}":
                return 401, {"WWW-Authenticate": 'Basic realm="protected-area"'}, UNAUTHENTICATED
            if body is _UNREADABLE:
                return _error(400, ["Unexpected character: the request body is not JSON"])
            params = {k: v[-1] for k, v in query.items()}
            if path in ("/rest/api/3/search", "/rest/api/2/search"):
                return _error(410, [REMOVED])
            if path == "/rest/api/3/search/jql":
                if method == "POST":
                    return self._search(body if isinstance(body, dict) else {}, post=True)
                return self._search(params, post=False)
            if path == "/rest/api/3/myself" and method == "GET":
                return 200, {}, self._users[self.me].json(self.base_url)
            if path == "/rest/api/3/mypermissions" and method == "GET":
                return self._my_permissions(params)
            if path == "/rest/api/3/user/search" and method == "GET":
                return self._user_search(params)
            if path == "/rest/api/3/issue" and method == "POST":
                return self._create(body)
            meta = re.fullmatch(r"/rest/api/3/issue/createmeta/([^/]+)/issuetypes", path)
            if meta and method == "GET":
                return self._issue_types(meta.group(1))
            match = re.fullmatch(r"/rest/api/3/issue/([^/]+)(/transitions)?", path)
            if match:
                issue = self._issues.get(match.group(1))
                if issue is None:
                    return _error(404, [NO_ISSUE])
                if match.group(2) is None and method == "GET":
                    fields = _field_list(params.get("fields"), default=["*all"])
                    return 200, {}, self._issue_json(issue, fields)
                if match.group(2) and method == "GET":
                    return 200, {}, {"expand": "transitions", "transitions": _transitions()}
                if match.group(2) and method == "POST":
                    return self._transition(issue, body)
            return 404, {}, {"errorMessages": ["No endpoint " + path], "errors": {}}

    def _search(self, request: dict[str, Any], *, post: bool) -> tuple[int, dict[str, str], Any]:
        known = {
            "jql",
            "nextPageToken",
            "maxResults",
            "fields",
            "expand",
            "properties",
            "fieldsByKeys",
            "reconcileIssues",
            "failFast",
        }
        unknown = [k for k in request if k not in known]
        if unknown:
            return _error(400, [f'Unrecognized field "{unknown[0]}"'])
        jql = request.get("jql") or ""
        if not isinstance(jql, str):
            return _error(400, ["The JQL query is not a string."])
        try:
            limit = int(request.get("maxResults", 50))
        except (TypeError, ValueError):
            return _error(400, ["maxResults must be a number."])
        if not 1 <= limit <= 5000:
            return _error(400, ["maxResults must be between 1 and 5000."])
        fields_given = request.get("fields")
        fields = (
            _field_list(fields_given, default=["id"])
            if not isinstance(fields_given, list)
            else [str(f) for f in fields_given]
        )
        try:
            found = self._run_jql(jql)
        except JqlError as exc:
            return _error(400, [str(exc)])
        digest = hashlib.sha256(jql.encode()).hexdigest()[:12]
        offset = 0
        token = request.get("nextPageToken")
        if token:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(str(token).encode()))
                if decoded["q"] != digest:
                    raise ValueError
                offset = int(decoded["o"])
            except (ValueError, KeyError, TypeError):
                return _error(400, ["The provided next page token is invalid or expired."])
        cap = PAGE_CAP_IDS if set(fields) <= {"id", "key"} else PAGE_CAP_WITH_FIELDS
        size = min(limit, cap, self.page_cap or cap)
        page = found[offset : offset + size]
        answer: dict[str, Any] = {"issues": [self._issue_json(i, fields) for i in page]}
        more = offset + size < len(found) or self.endless_search
        if more:
            next_offset = 0 if self.endless_search else offset + size
            answer["nextPageToken"] = base64.urlsafe_b64encode(
                json.dumps({"q": digest, "o": next_offset}).encode()
            ).decode()
        answer["isLast"] = not more
        return 200, {}, answer

    def _my_permissions(self, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        wanted = [p for p in params.get("permissions", "").split(",") if p]
        if not wanted:
            return _error(400, ["The 'permissions' query parameter is required."])
        project = params.get("projectKey")
        if project is not None and project not in self._projects:
            return _error(404, [f"No project could be found with key '{project}'."])
        granted = self.permissions.get(project or "", set(PERMISSION_NAMES) - {"USER_PICKER"})
        result = {}
        for key in wanted:
            if key not in PERMISSION_NAMES:
                return _error(400, [f"Permission '{key}' does not exist."])
            ident, name, kind = PERMISSION_NAMES[key]
            have = key in self.global_permissions if kind == "GLOBAL" else key in granted
            result[key] = {
                "id": ident,
                "key": key,
                "name": name,
                "type": kind,
                "description": name,
                "havePermission": have,
            }
        return 200, {}, {"permissions": result}

    def _user_search(self, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        query = params.get("query", "").strip().casefold()
        if not query and "accountId" not in params:
            return _error(400, ["One of 'query' or 'accountId' is required."])
        if "USER_PICKER" not in self.global_permissions:
            return _error(403, ["You don't have permission to browse users."])
        found = []
        for user in self._users.values():
            words = user.name.casefold().split()
            if user.email.casefold().startswith(query) or any(w.startswith(query) for w in words):
                found.append(user.json(self.base_url))
        return 200, {}, found[: int(params.get("maxResults", "50"))]

    def _issue_types(self, project: str) -> tuple[int, dict[str, str], Any]:
        known = self._projects.get(project)
        if known is None:
            return _error(404, [f"No project could be found with key '{project}'."])
        types = [
            {"id": str(10000 + n), "name": name, "subtask": False, "hierarchyLevel": 0}
            for n, name in enumerate(known.issue_types)
        ]
        return 200, {}, {"issueTypes": types, "maxResults": 50, "startAt": 0, "total": len(types)}

    def _create(self, body: Any) -> tuple[int, dict[str, str], Any]:
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return _error(400, ["Can not deserialize instance of IssueFields out of the body"])
        errors: dict[str, str] = {}
        project = self._project_of(fields.get("project"))
        if project is None:
            errors["project"] = "Specify a valid project ID or key"
        issue_type = _name_of(fields.get("issuetype"))
        if issue_type is None:
            errors["issuetype"] = "Specify an issue type"
        elif project is not None and issue_type not in project.issue_types:
            errors["issuetype"] = "Specify a valid issue type"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif "\n" in summary or "\r" in summary:
            errors["summary"] = "The summary is invalid because it contains newline characters."
        elif len(summary.encode("utf-16-le", "surrogatepass")) // 2 > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        if "description" in fields and not _valid_adf(fields["description"]):
            errors["description"] = NOT_AN_ADF
        labels = fields.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            errors["labels"] = "Operation value must be an array of strings"
        else:
            for label in labels:
                if not label or any(c.isspace() for c in label):
                    errors["labels"] = f"The label '{label}' contains spaces which is invalid."
                elif len(label) > 255:
                    errors["labels"] = "The label must not exceed 255 characters."
        due = fields.get("duedate")
        if due is not None:
            try:
                date.fromisoformat(str(due))
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(due)):
                    raise ValueError
            except ValueError:
                errors["duedate"] = f"Error parsing date string: {due}"
        assignee = fields.get("assignee")
        account: str | None = None
        if assignee is not None:
            account = (
                assignee.get("id") or assignee.get("accountId")
                if isinstance(assignee, dict)
                else None
            )
            user = self._users.get(account or "")
            if user is None:
                errors["assignee"] = "Specify a valid value for assignee"
            elif not user.assignable or not user.active:
                errors["assignee"] = f"User '{user.name}' cannot be assigned issues."
        known = {"project", "issuetype", "summary", "description", "labels", "duedate", "assignee"}
        for name in fields:
            on_screen = project is None or project.screen is None or name in project.screen
            if name not in known or (not on_screen and name not in ("project", "issuetype")):
                errors[name] = (
                    f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                    "or unknown."
                )
        if errors:
            return 400, {}, {"errorMessages": [], "errors": errors}
        assert project is not None and issue_type is not None and isinstance(summary, str)
        issue = self._new_issue(project.key, issue_type, summary)
        issue.labels = list(labels)
        issue.duedate = str(due) if due is not None else None
        issue.assignee = account
        issue.description = fields.get("description")
        return (
            201,
            {},
            {
                "id": issue.id,
                "key": issue.key,
                "self": f"{self.base_url}/rest/api/3/issue/{issue.id}",
            },
        )

    def _transition(self, issue: JiraIssue, body: Any) -> tuple[int, dict[str, str], Any]:
        wanted = body.get("transition") if isinstance(body, dict) else None
        ident = str(wanted.get("id")) if isinstance(wanted, dict) else ""
        if ident not in TRANSITIONS:
            return _error(400, [f"Transition id '{ident}' is not valid for this issue."])
        issue.status = TRANSITIONS[ident]
        issue.updated = datetime.now(UTC)
        return 204, {}, None

    # ---- JQL --------------------------------------------------------------------------

    def _run_jql(self, jql: str) -> list[JiraIssue]:
        tokens = _tokens(jql)
        parser = _Parser(tokens, self)
        predicate, order = parser.query()
        if predicate is None:
            raise JqlError(UNBOUNDED)
        found = [i for i in self._issues.values() if predicate(i)]
        for name, descending in reversed(order):
            found.sort(key=_sort_key(name), reverse=descending)
        return found

    def _matcher(self, name: str, op: str, values: list[str | None]) -> Callable[[JiraIssue], bool]:
        field_name = name.casefold()
        if field_name in ("key", "issuekey", "parent"):
            for value in values:
                if value is not None and value.upper() not in self._issues:
                    raise JqlError(
                        f"An issue with key '{value}' does not exist for field '{name}'."
                    )
        getters: dict[str, Callable[[JiraIssue], list[str]]] = {
            "project": lambda i: [i.project.casefold()],
            "issuetype": lambda i: [i.issue_type.casefold()],
            "type": lambda i: [i.issue_type.casefold()],
            "labels": lambda i: [x.casefold() for x in i.labels],
            "key": lambda i: [i.key.casefold()],
            "issuekey": lambda i: [i.key.casefold()],
            "parent": lambda i: [i.parent.casefold()] if i.parent else [],
            "status": lambda i: [i.status.casefold()],
            "statuscategory": lambda i: [
                self.statuses[i.status][1],
                self.statuses[i.status][2].casefold(),
            ],
            "assignee": lambda i: (
                [i.assignee.casefold(), self._users[i.assignee].email.casefold()]
                if i.assignee
                else []
            ),
        }
        if field_name not in getters:
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        get = getters[field_name]
        wanted = {v.casefold() for v in values if v is not None}
        empty = None in values

        def matches(issue: JiraIssue) -> bool:
            have = get(issue)
            hit = (empty and not have) or bool(wanted & set(have))
            return hit if op in ("=", "in", "is") else not hit

        return matches

    # ---- helpers ----------------------------------------------------------------------

    def _new_issue(self, project: str, issue_type: str, summary: str) -> JiraIssue:
        number = next(self._numbers[project])
        issue = JiraIssue(str(next(self._ids)), f"{project}-{number}", project, issue_type, summary)
        self._issues[issue.key] = issue
        return issue

    def _project_of(self, value: Any) -> JiraProject | None:
        if not isinstance(value, dict):
            return None
        key = value.get("key")
        if isinstance(key, str) and key in self._projects:
            return self._projects[key]
        ident = value.get("id")
        return next((p for p in self._projects.values() if p.id == str(ident)), None)

    def _account_of(self, email: str) -> str:
        return next(u.account_id for u in self._users.values() if u.email == email)

    def _issue_json(self, issue: JiraIssue, fields: list[str]) -> dict[str, Any]:
        every = {"*all", "*navigable"} & set(fields)
        status_id, category, category_name = self.statuses[issue.status]
        values: dict[str, Any] = {
            "summary": issue.summary,
            "status": {
                "self": f"{self.base_url}/rest/api/3/status/{status_id}",
                "id": status_id,
                "name": issue.status,
                "statusCategory": {
                    "id": {"new": 2, "indeterminate": 4, "done": 3}[category],
                    "key": category,
                    "colorName": {"new": "blue-gray", "indeterminate": "yellow", "done": "green"}[
                        category
                    ],
                    "name": category_name,
                },
            },
            "labels": list(issue.labels),
            "duedate": issue.duedate,
            "assignee": self._users[issue.assignee].json(self.base_url) if issue.assignee else None,
            "issuetype": {"name": issue.issue_type, "subtask": False},
            "project": {"key": issue.project, "id": self._projects[issue.project].id},
            "updated": _jira_time(issue.updated),
            "created": _jira_time(issue.created),
            "description": issue.description,
            **issue.custom,
        }
        if issue.parent:
            parent = self._issues.get(issue.parent)
            values["parent"] = {
                "id": parent.id if parent else "0",
                "key": issue.parent,
                "fields": {"summary": parent.summary if parent else ""},
            }
        chosen = (
            values
            if every
            else {name: values.get(name) for name in fields if name not in ("id", "key")}
        )
        answer: dict[str, Any] = {
            "expand": "",
            "id": issue.id,
            "self": f"{self.base_url}/rest/api/3/issue/{issue.id}",
            "key": issue.key,
        }
        if chosen or fields != ["id"]:
            answer["fields"] = chosen
        return answer

    # ---- the server -------------------------------------------------------------------

    def _scripted(self, path: str) -> _Failure | None:
        with self._lock:
            for failure in list(self._failures):
                if failure.path is None or failure.path == path:
                    self._failures.remove(failure)
                    return failure
            return None

    def _record(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)

    def _date(self) -> str:
        return format_datetime(datetime.now(UTC) + self.clock_offset, usegmt=True)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per answer, sent at once: headers and body in separate small
            # writes wait on delayed ACKs, 40 ms a request.
            wbufsize = -1
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                body: Any = None
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = _UNREADABLE
                query = parse_qs(parts.query)
                server._record(Request(method, parts.path, query, body))
                failure = server._scripted(parts.path)
                if failure is not None and failure.kind == "hang":
                    server._stopping.wait(60)
                    return
                if failure is not None and failure.kind == "trickle":
                    self._trickle()
                    return
                if failure is not None and failure.kind.startswith("lost"):
                    server._answer(
                        method, parts.path, query, body, self.headers.get("Authorization")
                    )
                    if failure.kind == "lost-hang":
                        server.answer_lost.set()
                        server._stopping.wait(60)
                        return
                    self._reply(504, {}, b"<html>Gateway Timeout</html>", "text/html")
                    return
                if failure is not None and failure.kind == "html":
                    self._reply(200, {}, b"<html><body>Log in</body></html>", "text/html")
                    return
                if failure is not None:
                    headers: dict[str, str] = dict(failure.headers)
                    if failure.retry_after is not None:
                        reset = datetime.now(UTC) + timedelta(seconds=failure.retry_after)
                        headers |= {
                            "Retry-After": str(failure.retry_after),
                            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
                            "RateLimit-Reason": "jira-burst-based",
                        }
                    self._json(failure.status, headers, failure.body or {})
                    return
                status, headers, answer = server._answer(
                    method,
                    parts.path,
                    query,
                    body,
                    self.headers.get("Authorization"),
                )
                if isinstance(answer, str):
                    self._reply(status, headers, answer.encode(), "application/json")
                else:
                    self._json(status, headers, answer)

            def _json(self, status: int, headers: dict[str, str], answer: Any) -> None:
                data = b"" if status == 204 else json.dumps(answer).encode()
                self._reply(status, headers, data, "application/json")

            def _reply(self, status: int, headers: dict[str, str], data: bytes, kind: str) -> None:
                self._status(status)
                self.send_header("Content-Type", f"{kind};charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-AREQUESTID", f"{time.time_ns() % 10**9}")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _status(self, status: int) -> None:
                # Jira's own Date (moved by `clock_offset`), not the one send_response adds.
                self.send_response_only(status)
                self.send_header("Server", "AtlassianEdge")
                self.send_header("Date", server._date())

            def _trickle(self) -> None:
                self._status(200)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                try:
                    self.wfile.write(b"{")
                    while not server._stopping.wait(0.05):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except OSError:
                    return

        return Handler


_UNREADABLE = object()


def _error(status: int, messages: list[str]) -> tuple[int, dict[str, str], Any]:
    return status, {}, {"errorMessages": messages, "errors": {}}


def _field_list(value: Any, *, default: list[str]) -> list[str]:
    if not value:
        return default
    return [f.strip() for f in str(value).split(",") if f.strip()]


def _name_of(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    name = value.get("name")
    return name if isinstance(name, str) else None


def _jira_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _transitions() -> list[dict[str, Any]]:
    found = []
    for ident, name in TRANSITIONS.items():
        status_id, category, category_name = STATUSES[name]
        found.append(
            {
                "id": ident,
                "name": name,
                "to": {
                    "id": status_id,
                    "name": name,
                    "statusCategory": {"key": category, "name": category_name},
                },
                "hasScreen": False,
                "isAvailable": True,
            }
        )
    return found


def _valid_adf(doc: Any) -> bool:
    """A document as Atlassian's schema has it: doc v1 of blocks, text nodes never empty,
    no key a node does not have."""
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        return False
    if set(doc) - {"type", "version", "content"} or not isinstance(doc.get("content"), list):
        return False
    return all(_valid_node(node, block=True) for node in doc["content"])


def _valid_node(node: Any, *, block: bool) -> bool:
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        return False
    kind = node["type"]
    if kind == "text":
        text = node.get("text")
        marks = node.get("marks", [])
        return (
            not block
            and isinstance(text, str)
            and bool(text)
            and not set(node) - {"type", "text", "marks"}
            and isinstance(marks, list)
            and all(isinstance(m, dict) and m.get("type") in ADF_MARKS for m in marks)
        )
    if kind not in (ADF_BLOCKS if block else ADF_INLINES):
        return False
    if set(node) - {"type", "content", "attrs"}:
        return False
    content = node.get("content", [])
    if not isinstance(content, list):
        return False
    inline = kind in ("paragraph", "heading", "codeBlock")
    return all(_valid_node(child, block=not inline) for child in content)


def _sort_key(name: str) -> Callable[[JiraIssue], Any]:
    lowered = name.casefold()
    if lowered in ("key", "issuekey"):
        return lambda i: (i.project, int(i.key.rsplit("-", 1)[1]))
    if lowered == "duedate":
        return lambda i: i.duedate or "9999"
    if lowered == "updated":
        return lambda i: i.updated
    return lambda i: i.created


# ---- JQL ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|=|~|\(|\)|,)"""
    r"""|(?P<word>[A-Za-z0-9_.@:\-]+))"""
)
_KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}


@dataclass
class _Token:
    kind: str  # string, op, word, keyword
    text: str
    at: int


def _tokens(jql: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(jql):
        if jql[position:].strip() == "":
            break
        match = _TOKEN.match(jql, position)
        if match is None or match.end() == position:
            offset = len(jql[position:]) - len(jql[position:].lstrip()) + position
            char = jql[offset]
            raise JqlError(
                f"Error in the JQL Query: The character '{char}' is a reserved JQL character. "
                f"You must enclose it in a string or use the escape '\\u{ord(char):04x}' "
                f"instead. (line 1, character {offset + 1})"
            )
        start = match.start(match.lastgroup or 0)
        if match.group("string") is not None:
            raw = match.group("string")[1:-1]
            tokens.append(_Token("string", re.sub(r"\\(.)", r"\1", raw), start))
        elif match.group("op") is not None:
            tokens.append(_Token("op", match.group("op"), start))
        else:
            word = match.group("word")
            kind = "keyword" if word.casefold() in _KEYWORDS else "word"
            tokens.append(_Token(kind, word, start))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token], api: JiraApi) -> None:
        self._tokens = tokens
        self._at = 0
        self._api = api

    def query(
        self,
    ) -> tuple[Callable[[JiraIssue], bool] | None, list[tuple[str, bool]]]:
        predicate = None
        if self._peek() is not None and not self._keyword("order"):
            predicate = self._or()
        order: list[tuple[str, bool]] = []
        if self._keyword("order"):
            self._next()
            self._expect_keyword("by")
            while True:
                name = self._value_token().text
                descending = False
                if self._keyword("asc") or self._keyword("desc"):
                    descending = self._next().text.casefold() == "desc"
                order.append((name, descending))
                if not self._op(","):
                    break
                self._next()
        if self._peek() is not None:
            self._fail("the end of the query")
        return predicate, order

    def _or(self) -> Callable[[JiraIssue], bool]:
        parts = [self._and()]
        while self._keyword("or"):
            self._next()
            parts.append(self._and())
        return lambda issue: any(p(issue) for p in parts)

    def _and(self) -> Callable[[JiraIssue], bool]:
        parts = [self._clause()]
        while self._keyword("and"):
            self._next()
            parts.append(self._clause())
        return lambda issue: all(p(issue) for p in parts)

    def _clause(self) -> Callable[[JiraIssue], bool]:
        if self._keyword("not"):
            self._next()
            inner = self._clause()
            return lambda issue: not inner(issue)
        if self._op("("):
            self._next()
            inner = self._or()
            self._expect_op(")")
            return inner
        name = self._value_token().text
        token = self._peek()
        if token is None:
            self._fail("an operator")
        assert token is not None
        if token.text in ("=", "!="):
            self._next()
            op = token.text
            values = [self._value()]
        elif token.text.casefold() == "is":
            self._next()
            op = "is"
            if self._keyword("not"):
                self._next()
                op = "is not"
            if not (self._keyword("empty") or self._keyword("null")):
                self._fail("EMPTY")
            self._next()
            values = [None]
        elif token.text.casefold() in ("in", "not"):
            op = "in"
            if token.text.casefold() == "not":
                self._next()
                op = "not in"
                if not self._keyword("in"):
                    self._fail("IN")
            self._next()
            self._expect_op("(")
            values = [self._value()]
            while self._op(","):
                self._next()
                values.append(self._value())
            self._expect_op(")")
        else:
            self._fail("an operator")
        return self._api._matcher(name, op, values)

    def _value(self) -> str | None:
        if self._keyword("empty") or self._keyword("null"):
            self._next()
            return None
        return self._value_token().text

    def _value_token(self) -> _Token:
        token = self._peek()
        if token is None or token.kind not in ("word", "string"):
            self._fail("a field name or a value")
        assert token is not None
        self._at += 1
        return token

    def _peek(self) -> _Token | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def _next(self) -> _Token:
        token = self._tokens[self._at]
        self._at += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "keyword" and token.text.casefold() == word

    def _op(self, text: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "op" and token.text == text

    def _expect_op(self, text: str) -> None:
        if not self._op(text):
            self._fail(f"'{text}'")
        self._next()

    def _expect_keyword(self, word: str) -> None:
        if not self._keyword(word):
            self._fail(word.upper())
        self._next()

    def _fail(self, wanted: str) -> None:
        token = self._peek()
        got = f"'{token.text}'" if token else "the end of the query"
        where = token.at + 1 if token else sum(len(t.text) for t in self._tokens) + 1
        raise JqlError(
            f"Error in the JQL Query: Expecting {wanted} but got {got}. (line 1, character {where})"
        )
