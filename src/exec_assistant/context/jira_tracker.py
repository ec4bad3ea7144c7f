"""Accepted action items as Jira issues, and their completion read back.

Each issue carries a label naming its item (`exec-assistant-act_1a2b…`), and `create` looks
for it before creating: an issue created by a run that stopped before storing its key is found
and returned on the next run, never created twice. Jira's search is eventually consistent: an
issue created a moment ago may not be found yet, which is why a run keeps the key it got from
the create itself and the lookup serves the next run.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exec_assistant.context.jira import (
    ISSUE_KEY,
    JiraConnection,
    JiraTrackerSource,
    browse_url,
    jql_string,
)
from exec_assistant.context.jira_client import (
    JiraClient,
    JiraRefused,
    JiraUnavailable,
    one_line,
)
from exec_assistant.domain.item_edits import plain_line
from exec_assistant.domain.models import ActionItem, Meeting
from exec_assistant.ports import SecretStore, TrackedIssue

log = logging.getLogger(__name__)

ITEM_LABEL_PREFIX = "exec-assistant-"
SUMMARY_LIMIT = 255
"""Jira's limit, in UTF-16 code units (it counts as Java does)."""
TITLE_LIMIT = 200
TEXT_LIMIT = 5000
STATES_BATCH = 50
"""Issue keys one search reads (a JQL `key in (...)` of this many)."""
OPTIONAL_FIELDS = ("assignee", "duedate")
"""Set when Jira takes them; an issue whose screen refuses one is created without it."""
_KEY_IN_MESSAGE = re.compile(r"'([A-Z][A-Z0-9_]*-[0-9]+)'")


def item_label(item_id: str) -> str:
    """The label naming the item on its issue: labels are one word of at most 255."""
    return ITEM_LABEL_PREFIX + re.sub(r"[^A-Za-z0-9_.-]", "-", item_id)[:200]


class JiraTaskTracker:
    """`TaskTracker` on one Jira project: the issue type, labels and project of `config`."""

    name = "jira"

    def __init__(
        self,
        config: JiraTrackerSource,
        secrets: SecretStore,
        *,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._connection = JiraConnection(config, secrets, pause)
        self._client: JiraClient | None = None
        self._lock = threading.Lock()
        self._accounts: dict[str, str | None] = {}

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    # --- the port ------------------------------------------------------------------------

    def create(self, item: ActionItem, meeting: Meeting | None) -> TrackedIssue:
        """The item's issue: the one already labelled with it, or a new one assigned to the
        owner (found by email), due on the item's date. An assignee or due date the project
        refuses is left out (the description still says them)."""
        client = self._jira()
        found = self._labelled(client, item)
        if found is not None:
            log.info("action item's issue found", extra={"item_id": item.item_id})
            return found
        fields = issue_fields(item, meeting, self._config, self._account_of(client, item))
        try:
            answer = client.post("/rest/api/3/issue", {"fields": fields}, creates=True)
        except JiraRefused as exc:
            refused = [name for name in OPTIONAL_FIELDS if name in exc.errors and name in fields]
            if not refused or set(exc.errors) - set(refused):
                raise
            log.warning(
                "issue created without fields the project refused",
                extra={"item_id": item.item_id, "fields": refused},
            )
            kept = {k: v for k, v in fields.items() if k not in refused}
            answer = client.post("/rest/api/3/issue", {"fields": kept}, creates=True)
        key = answer.get("key") if isinstance(answer, dict) else None
        if not isinstance(key, str) or not ISSUE_KEY.fullmatch(key):
            raise JiraUnavailable("Jira created an issue but sent no issue key back")
        return TrackedIssue(key, browse_url(self._config.browse_base, key))

    def states(self, keys: Sequence[str]) -> dict[str, TrackedIssue]:
        """The issues among `keys` that exist (in any project), with whether each is done.
        A key that no longer exists is left out rather than failing the others."""
        client = self._jira()
        wanted = list(dict.fromkeys(k for k in keys if ISSUE_KEY.fullmatch(k)))
        found: dict[str, TrackedIssue] = {}
        for start in range(0, len(wanted), STATES_BATCH):
            found.update(self._states_of(client, wanted[start : start + STATES_BATCH]))
        return found

    # --- steps ---------------------------------------------------------------------------

    def _jira(self) -> JiraClient:
        with self._lock:
            if self._client is None:
                self._client = self._connection.open()
            return self._client

    def _labelled(self, client: JiraClient, item: ActionItem) -> TrackedIssue | None:
        jql = (
            f"project = {jql_string(self._config.project)} AND "
            f"labels = {jql_string(item_label(item.item_id))} ORDER BY created ASC"
        )
        for issue in client.search(jql, ["status"], page_size=1, max_pages=1):
            tracked = self._tracked(issue)
            if tracked is not None:
                return tracked
        return None

    def _states_of(self, client: JiraClient, batch: list[str]) -> dict[str, TrackedIssue]:
        while batch:
            jql = f"key in ({', '.join(batch)})"
            try:
                issues = list(client.search(jql, ["status"], page_size=len(batch)))
            except JiraRefused as exc:
                # Jira refuses the whole search for one key that no longer exists.
                gone = {k for m in exc.messages for k in _KEY_IN_MESSAGE.findall(m)}
                if exc.status != 400 or not gone & set(batch):
                    raise
                batch = [k for k in batch if k not in gone]
                continue
            tracked = (self._tracked(issue) for issue in issues)
            return {t.key: t for t in tracked if t is not None and t.key in batch}
        return {}

    def _tracked(self, issue: Any) -> TrackedIssue | None:
        key = issue.get("key") if isinstance(issue, dict) else None
        if not isinstance(key, str) or not ISSUE_KEY.fullmatch(key):
            return None
        fields = issue.get("fields") if isinstance(issue.get("fields"), dict) else {}
        status = fields.get("status") if isinstance(fields.get("status"), dict) else {}
        category = status.get("statusCategory") if isinstance(status, dict) else None
        done = isinstance(category, dict) and category.get("key") == "done"
        return TrackedIssue(key, browse_url(self._config.browse_base, key), done=done)

    def _account_of(self, client: JiraClient, item: ActionItem) -> str | None:
        """The Jira account of the item's owner, by email; None for an owner given by name,
        one Jira does not know, or a site that does not let this account look people up."""
        owner = (item.owner or "").strip()
        if "@" not in owner or any(c.isspace() for c in owner):
            return None
        wanted = owner.casefold()
        if wanted in self._accounts:
            return self._accounts[wanted]
        try:
            users = client.get("/rest/api/3/user/search", {"query": owner, "maxResults": "10"})
        except JiraRefused:
            log.warning("owner not looked up in Jira", extra={"item_id": item.item_id})
            return None
        account = account_by_email(users, wanted)
        self._accounts[wanted] = account
        return account


def account_by_email(users: Any, email: str) -> str | None:
    """The account whose email is `email`; with emails hidden by the site, the one active
    person the search found. Several people and no email to tell them apart: nobody."""
    people = [
        u
        for u in (users if isinstance(users, list) else [])
        if isinstance(u, dict)
        and isinstance(u.get("accountId"), str)
        and u.get("active", True) is not False
        and u.get("accountType", "atlassian") == "atlassian"
    ]
    for person in people:
        shown = person.get("emailAddress")
        if isinstance(shown, str) and shown.strip().casefold() == email:
            return str(person["accountId"])
    hidden = [p for p in people if not p.get("emailAddress")]
    if len(people) == 1 and len(hidden) == 1:
        return str(hidden[0]["accountId"])
    return None


# --- the issue -----------------------------------------------------------------------------


def issue_fields(
    item: ActionItem,
    meeting: Meeting | None,
    config: JiraTrackerSource,
    account_id: str | None,
) -> dict[str, Any]:
    """The fields of the item's new issue: its text as the summary (one line, cut to Jira's
    255), the meeting and the whole text in the description, the labels, the assignee and
    the due date when there are."""
    fields: dict[str, Any] = {
        "project": {"key": config.project},
        "issuetype": {"name": config.issue_type},
        "summary": summary_of(item),
        "description": description_of(item, meeting),
        "labels": list(dict.fromkeys([*config.labels, item_label(item.item_id)])),
    }
    if account_id is not None:
        fields["assignee"] = {"id": account_id}
    if item.due is not None:
        fields["duedate"] = item.due.isoformat()
    return fields


def summary_of(item: ActionItem) -> str:
    """The item's text on one line, without control characters, within 255 UTF-16 units
    (an emoji counts two), cut at a word with an ellipsis."""
    text = plain_line(item.text) or f"Action item {item.item_id}"
    if _utf16(text) <= SUMMARY_LIMIT:
        return text
    units, end = 0, 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > SUMMARY_LIMIT - 1:  # room for the ellipsis
            break
        end = index + 1
    cut = text[:end]
    word = cut.rsplit(" ", 1)[0]
    return (word if len(word) > len(cut) // 2 else cut).rstrip() + "…"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def description_of(item: ActionItem, meeting: Meeting | None) -> dict[str, Any]:
    """The description in Atlassian Document Format: the item's whole text, the meeting and
    the notes line it came from, its owner as written. Every text is a plain text node (no
    markup of any kind is read in it), on one line, never empty."""
    text = one_line(item.text, limit=TEXT_LIMIT) or f"Action item {item.item_id}"
    if meeting is not None:
        title = one_line(meeting.title, limit=TITLE_LIMIT) or "a meeting"
        origin = [
            _text("From the notes of "),
            _text(title, strong=True),
            _text(f" on {_meeting_day(meeting)}, line {item.source_line}."),
        ]
    else:
        origin = [_text(f"From meeting notes, line {item.source_line}.")]
    paragraphs = [[_text(text)], origin]
    if item.owner:
        owner = one_line(item.owner, limit=TITLE_LIMIT)
        paragraphs.append([_text("Owner, as the notes say: "), _text(owner)])
    paragraphs.append([_text(f"Created by exec-assistant for action item {item.item_id}.")])
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": p} for p in paragraphs],
    }


def _text(text: str, *, strong: bool = False) -> Mapping[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if strong:
        node["marks"] = [{"type": "strong"}]
    return node


def _meeting_day(meeting: Meeting) -> str:
    try:
        zone = ZoneInfo(meeting.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return meeting.start.astimezone(zone).date().isoformat()
