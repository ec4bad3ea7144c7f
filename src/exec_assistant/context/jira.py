"""Jira Cloud as a system of record: epics as big rocks, and the tracker of action items.

    big_rocks:
      source: jira
      base_url: https://northwind.atlassian.net   # a token with scopes: the gateway, below
      label: big-rock              # epics with this label (or `jql:` for any selection)
      projects: [PLAT]             # optional, with `label`
      at_risk_labels: [at-risk]    # an epic with one of these is at risk...
      off_track_labels: [off-track]   # ...or off track
      flagged_field: customfield_10021   # optional: Jira's "Flagged" marks an epic at risk
      risk_field: customfield_10050      # optional: the text of the risk
      statuses: {Blocked: off_track}     # optional: a workflow status, by name, as a status
    action_items:
      source: jira
      base_url: https://northwind.atlassian.net
      project: OPS
      issue_type: Task

The account is the secret store's JIRA_EMAIL and JIRA_API_TOKEN. A classic API token works
on the site's address; one with scopes only through Atlassian's gateway: then base_url is
https://api.atlassian.com/ex/jira/<cloud id> and site_url the site, for links.

What the epics mean (at risk, due soon, the questions) is the domain's
`context_rules.big_rocks`, as for big_rocks.yaml: the same rocks from either source give the
same facts.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from exec_assistant.context.jira_client import JiraClient, jira_account, one_line
from exec_assistant.context.sources import ContextSourceDeps, SourceConfig
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules import big_rocks
from exec_assistant.domain.context_rules.big_rocks import BigRock, BigRocksHeader, RockStatus
from exec_assistant.domain.text import plural
from exec_assistant.ports import ContextProvider, IntegrationDoctor, SecretStore, TaskTracker

SOURCE_NAME = "Jira"
"""Where the rows came from, as facts say it ("Jira lists no big rocks.")."""
ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]*-[1-9][0-9]*")
PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,254}")
CHILD_BATCH = 40
"""Epics whose child issues one search counts (a JQL `parent in (...)` of this many keys)."""
RISK_LIMIT = 500
NAME_LIMIT = 300
UNDATED_SHOWN = 5


# --- context.yaml ------------------------------------------------------------------------


class JiraSite(SourceConfig):
    """A section read from a Jira Cloud site."""

    base_url: str = Field(min_length=1, max_length=300)
    """The site, https://<name>.atlassian.net; for an API token with scopes, Atlassian's
    gateway, https://api.atlassian.com/ex/jira/<cloud id>."""
    site_url: str | None = Field(default=None, min_length=1, max_length=300)
    """Where people open an issue, when base_url is the gateway."""

    @property
    def browse_base(self) -> str:
        return self.site_url or self.base_url

    @field_validator("base_url", "site_url")
    @classmethod
    def _site(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
        if parts.scheme not in ("https", "http") or not host or parts.query or parts.fragment:
            raise ValueError("write the site's address, https://<name>.atlassian.net")
        if parts.scheme == "http" and not _loopback(host):
            raise ValueError("Jira is reached over https (http only on this machine)")
        if parts.username or parts.password:
            raise ValueError("the account goes in JIRA_EMAIL and JIRA_API_TOKEN, not the URL")
        return value.strip().rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _label(value: str) -> str:
    text = value.strip()
    if not text or any(c.isspace() for c in text) or len(text) > 255:
        raise ValueError(f"'{text[:40]}' is not a Jira label (one word, no spaces)")
    return text


class JiraBigRocksSource(JiraSite):
    """Big rocks from the epics a JQL or a label selects."""

    source: Literal["jira"] = "jira"
    jql: str | None = Field(default=None, min_length=1, max_length=4000)
    label: str | None = None
    projects: tuple[str, ...] = ()
    epic_type: str = Field(default="Epic", min_length=1, max_length=100)
    at_risk_labels: tuple[str, ...] = ("at-risk",)
    off_track_labels: tuple[str, ...] = ("off-track",)
    flagged_field: str | None = Field(default=None, pattern=r"^customfield_[0-9]{1,12}$")
    risk_field: str | None = Field(default=None, pattern=r"^(customfield_[0-9]{1,12}|[a-z]+)$")
    statuses: dict[str, RockStatus] = Field(default_factory=dict)
    """Workflow statuses by name (any case) that mean a rock status of their own."""

    @field_validator("label")
    @classmethod
    def _one_label(cls, value: str | None) -> str | None:
        return None if value is None else _label(value)

    @field_validator("at_risk_labels", "off_track_labels")
    @classmethod
    def _labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_label(label) for label in value)

    @field_validator("projects")
    @classmethod
    def _projects(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            if not PROJECT_KEY.fullmatch(key):
                raise ValueError(f"'{key[:40]}' is not a project key (PLAT, OPS)")
        return value

    @model_validator(mode="after")
    def _one_selection(self) -> JiraBigRocksSource:
        if (self.jql is None) == (self.label is None):
            raise ValueError("give either jql (the epics to read) or label (epics with it)")
        if self.jql is not None and self.projects:
            raise ValueError("projects go with label; with jql, name them in the JQL")
        return self

    def epics_jql(self) -> str:
        """The configured JQL, or: epics with the label (in the projects), by key."""
        if self.jql is not None:
            return self.jql
        clauses = [f"issuetype = {jql_string(self.epic_type)}"]
        clauses.append(f"labels = {jql_string(self.label or '')}")
        if self.projects:
            clauses.append(f"project in ({', '.join(jql_string(p) for p in self.projects)})")
        return " AND ".join(clauses) + " ORDER BY key ASC"

    def epic_fields(self) -> list[str]:
        fields = ["summary", "status", "labels", "duedate", "assignee", "updated"]
        fields += [f for f in (self.flagged_field, self.risk_field) if f]
        return fields

    def build(self, deps: ContextSourceDeps) -> ContextProvider:
        return JiraBigRocksContextProvider(self, deps.secrets)

    def doctor(self, deps: ContextSourceDeps) -> IntegrationDoctor | None:
        from exec_assistant.context.jira_doctor import big_rocks_doctor

        return big_rocks_doctor(self, deps)


class JiraTrackerSource(JiraSite):
    """Accepted action items as issues of one project."""

    source: Literal["jira"] = "jira"
    project: str = Field(pattern=PROJECT_KEY.pattern)
    issue_type: str = Field(default="Task", min_length=1, max_length=100)
    labels: tuple[str, ...] = ("exec-assistant",)
    """Put on every issue created (besides the one naming its item)."""

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_label(label) for label in value)

    def build_tracker(self, deps: ContextSourceDeps) -> TaskTracker:
        from exec_assistant.context.jira_tracker import JiraTaskTracker

        return JiraTaskTracker(self, deps.secrets)

    def doctor(self, deps: ContextSourceDeps) -> IntegrationDoctor | None:
        from exec_assistant.context.jira_doctor import tracker_doctor

        return tracker_doctor(self, deps)


@dataclass(frozen=True)
class JiraConnection:
    """How a section reaches its site: the account from the secret store, the section's
    time limit per call, and the wait between attempts."""

    site: JiraSite
    secrets: SecretStore
    pause: Callable[[float], None] = time.sleep

    def open(self) -> JiraClient:
        """A client of the site; JiraUnavailable naming a secret that is not set."""
        account = jira_account(self.site.base_url, self.secrets)
        return JiraClient(account, timeout_seconds=self.site.timeout_seconds, pause=self.pause)


def jql_string(value: str) -> str:
    """A JQL string literal: "big-rock", with quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def browse_url(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/browse/{key}"


# --- big rocks -----------------------------------------------------------------------------


class JiraBigRocksContextProvider:
    """Big rocks from Jira: the epics the section selects, their progress from their child
    issues (done over all, by status category)."""

    name = big_rocks.PROVIDER

    def __init__(
        self,
        config: JiraBigRocksSource,
        secrets: SecretStore,
        *,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._jira = JiraConnection(config, secrets, pause)

    def gather(self, request: ContextRequest) -> ContextResult:
        config = self._config
        with self._jira.open() as c:
            epics = [e for e in c.search(config.epics_jql(), config.epic_fields()) if _keyed(e)]
            children = child_progress(c, [e["key"] for e in epics])
        rocks = [rock_of(epic, children.counts.get(epic["key"]), config) for epic in epics]
        dated = [rock for rock in rocks if rock is not None]
        undated = [_summary(e) for e, rock in zip(epics, rocks, strict=True) if rock is None]
        stamps = [stamp for stamp in [*map(_updated, epics), children.latest] if stamp]
        header = BigRocksHeader(as_of=max(stamps, default=None))
        result = big_rocks.big_rocks_result(header, dated, request, source=SOURCE_NAME)
        return with_undated(result, undated)


@dataclass
class ChildProgress:
    """The child issues of epics: (done, all) by epic key, and the day one last changed."""

    counts: dict[str, tuple[int, int]]
    latest: date | None = None


def child_progress(client: JiraClient, epic_keys: Sequence[str]) -> ChildProgress:
    """How many of each epic's child issues are done, counted in searches of 40 epics."""
    done: dict[str, int] = {}
    total: dict[str, int] = {}
    stamps: list[date] = []
    keys = [k for k in epic_keys if ISSUE_KEY.fullmatch(k)]
    for start in range(0, len(keys), CHILD_BATCH):
        batch = keys[start : start + CHILD_BATCH]
        jql = f"parent in ({', '.join(batch)})"
        for child in client.search(jql, ["parent", "status", "updated"]):
            fields = _fields(child)
            parent = fields.get("parent")
            key = parent.get("key") if isinstance(parent, dict) else None
            if not isinstance(key, str) or key not in batch:
                continue
            total[key] = total.get(key, 0) + 1
            if _category(fields) == "done":
                done[key] = done.get(key, 0) + 1
            stamp = _updated(child)
            if stamp is not None:
                stamps.append(stamp)
    counts = {key: (done.get(key, 0), count) for key, count in total.items()}
    return ChildProgress(counts, max(stamps, default=None))


def rock_of(
    epic: Mapping[str, Any], children: tuple[int, int] | None, config: JiraBigRocksSource
) -> BigRock | None:
    """The epic as a big rock; None for an epic without a due date (a rock is judged by its
    date). Its progress is the share of its child issues that are done; an epic without
    any is 100% when done and 0% otherwise."""
    fields = _fields(epic)
    due = _date(fields.get("duedate"))
    if due is None:
        return None
    status = rock_status(fields, config)
    if children and children[1]:
        progress = round(children[0] * 100 / children[1], 1)
    else:
        progress = 100.0 if status == "done" else 0.0
    return BigRock(
        id=str(epic["key"]),
        name=one_line(_text(fields.get("summary")), limit=NAME_LIMIT) or str(epic["key"]),
        owner=one_line(owner_of(fields.get("assignee")), limit=NAME_LIMIT) or "unassigned",
        status=status,
        progress_percent=progress,
        due=due,
        risk=_risk(fields.get(config.risk_field)) if config.risk_field else None,
    )


def rock_status(fields: Mapping[str, Any], config: JiraBigRocksSource) -> RockStatus:
    """A status named in `statuses` first; then done by its category; then off track or at
    risk by label (or the Flagged field); then not started (category "To Do") or on track.

    "In Progress" with the label at-risk is at risk; "Done" with it is done."""
    status = fields.get("status")
    name = _text(status.get("name")).casefold() if isinstance(status, dict) else ""
    named = {k.casefold(): v for k, v in config.statuses.items()}
    if name in named:
        return named[name]
    category = _category(fields)
    if category == "done":
        return "done"
    labels = {str(label).casefold() for label in fields.get("labels") or [] if label}
    if labels & {label.casefold() for label in config.off_track_labels}:
        return "off_track"
    flagged = bool(fields.get(config.flagged_field)) if config.flagged_field else False
    if flagged or labels & {label.casefold() for label in config.at_risk_labels}:
        return "at_risk"
    return "not_started" if category == "new" else "on_track"


def owner_of(assignee: Any) -> str:
    """The assignee's email; their name where the site hides emails; "unassigned"."""
    if not isinstance(assignee, dict):
        return "unassigned"
    return (
        _text(assignee.get("emailAddress")) or _text(assignee.get("displayName")) or ("unassigned")
    )


def with_undated(result: ContextResult, undated: Sequence[str]) -> ContextResult:
    """The result, saying which epics were left out for want of a due date."""
    if not undated:
        return result
    shown = "; ".join(undated[:UNDATED_SHOWN])
    more = len(undated) - UNDATED_SHOWN
    fact = f"{plural(len(undated), 'epic')} without a due date, not counted: {shown}" + (
        f" (and {more} more)" if more > 0 else ""
    )
    return result.model_copy(
        update={
            "facts": (*result.facts, one_line(fact, limit=2000)),
            "data": {**result.data, "undated": list(undated)},
        }
    )


# --- reading issue fields ------------------------------------------------------------------


def _keyed(issue: Any) -> bool:
    return (
        isinstance(issue, dict)
        and isinstance(issue.get("key"), str)
        and bool(ISSUE_KEY.fullmatch(issue["key"]))
    )


def _fields(issue: Mapping[str, Any]) -> Mapping[str, Any]:
    fields = issue.get("fields")
    return fields if isinstance(fields, dict) else {}


def _category(fields: Mapping[str, Any]) -> str:
    status = fields.get("status")
    category = status.get("statusCategory") if isinstance(status, dict) else None
    return _text(category.get("key")) if isinstance(category, dict) else ""


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _summary(epic: Mapping[str, Any]) -> str:
    name = one_line(_text(_fields(epic).get("summary")), limit=120)
    return f"{epic['key']} {name}".strip()


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _updated(issue: Mapping[str, Any]) -> date | None:
    """The day of Jira's `updated` (2026-11-27T09:12:33.000+0000), in its own offset."""
    value = _fields(issue).get("updated")
    if not isinstance(value, str):
        return None
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.strip())
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _risk(value: Any) -> str | None:
    """A text field's words: a string, a select's value, or a rich-text document's text."""
    if isinstance(value, dict) and value.get("type") == "doc":
        text = adf_text(value)
    elif isinstance(value, dict):
        text = _text(value.get("value"))
    else:
        text = _text(value)
    return one_line(text, limit=RISK_LIMIT) or None


def adf_text(node: Any) -> str:
    """The text of an Atlassian Document Format node: its text nodes as they run, a space
    for each line break and between blocks ("**Fa**ilover" stays one word)."""
    pieces: list[str] = []
    stack: list[Any] = [node]
    seen = 0
    while stack and seen < 10_000:  # a document is nested, never endless
        current = stack.pop()
        seen += 1
        if current is _BLOCK_END:
            pieces.append(" ")
            continue
        if not isinstance(current, dict):
            continue
        kind = current.get("type")
        if kind == "text" and isinstance(current.get("text"), str):
            pieces.append(current["text"])
        elif kind == "hardBreak":
            pieces.append(" ")
        content = current.get("content")
        if isinstance(content, list):
            stack.append(_BLOCK_END)
            stack.extend(reversed(content))
    return "".join(pieces)


_BLOCK_END = object()
