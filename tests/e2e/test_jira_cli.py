"""`exec-assistant actions --sync` as a user runs it, against the fake Jira Cloud: notes to
issues to closed items, a kill -9 while Jira creates the issue, and the errors people meet."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.adapters.local.data_folder import DataFolder

from cli_user import ROOT, CliUser
from factories import LEADERS, stamp, vevent
from jira_api import JiraApi

NOTES = """# Leadership team
## Action Items
- [ ] Priya Raman to draft the failover runbook by 2026-12-20
- [ ] Marcus Webb to book the game day
"""
MEETING = datetime(2026, 11, 30, 15, tzinfo=UTC)
AFTER = "2026-11-30T11:30:00-05:00"


@pytest.fixture
def jira() -> Iterator[JiraApi]:
    with JiraApi() as api:
        api.add_project("OPS", issue_types=("Task",))
        api.add_user("priya.raman@northwind.example", "Priya Raman")
        api.add_user("marcus.webb@northwind.example", "Marcus Webb")
        yield api


@pytest.fixture
def user(tmp_path: Path, jira: JiraApi) -> CliUser:
    """A user whose context folder names the fake Jira as the tracker, with a meeting whose
    notes are in."""
    context = tmp_path / "context"
    shutil.copytree(ROOT / "examples" / "context", context)
    (context / "context.yaml").write_text(
        f"action_items:\n  source: jira\n  base_url: {jira.base_url}\n  project: OPS\n"
        "  timeout_seconds: 5\n",
        encoding="utf-8",
    )
    person = CliUser(tmp_path)
    person.env |= {
        "EXEC_ASSISTANT_CONTEXT_DIR": str(context),
        "JIRA_EMAIL": jira.email,
        "JIRA_API_TOKEN": jira.token,
    }
    ics = person.calendar(
        vevent(
            "lt@test",
            "Leadership team",
            stamp(MEETING),
            stamp(MEETING + timedelta(hours=1)),
            tz=None,
            attendees=LEADERS,
        )
    )
    person.ok("sync", "-c", str(ics), "--now", "2026-11-30T07:00:00-05:00")
    meeting_id = person.meeting_id("--now", "2026-11-30T07:00:00-05:00")
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    person.ok("notes", meeting_id, str(notes), "--now", AFTER)
    return person


def test_items_go_to_jira_and_come_back_done(user: CliUser, jira: JiraApi) -> None:
    shown = user.ok("actions", "--sync", "--now", AFTER)

    assert "created OPS-1  Draft the failover runbook" in shown
    assert "jira: 2 created, 0 closed." in shown
    assert jira.issue("OPS-1").duedate == "2026-12-20"
    assert jira.user(jira.issue("OPS-1").assignee or "").email == "priya.raman@northwind.example"

    jira.move("OPS-1", "Done")
    result = user.run("actions", "--sync", "--json", "--now", AFTER)

    assert result.returncode == 0, result.stderr
    assert "done    OPS-1  Draft the failover runbook" in result.stderr
    items = {i["text"]: i for i in json.loads(result.stdout)}
    assert items["Draft the failover runbook"]["status"] == "done"
    assert items["Draft the failover runbook"]["tracker_key"] == "OPS-1"
    assert items["Book the game day"] == {
        **items["Book the game day"],
        "status": "open",
        "tracker_key": "OPS-2",
        "tracker_url": f"{jira.base_url}/browse/OPS-2",
    }
    assert len(jira.issues()) == 2


def test_a_kill_while_jira_creates_the_issue_never_makes_a_second(
    user: CliUser, jira: JiraApi
) -> None:
    jira.lose_answer(path="/rest/api/3/issue", hang=True)
    process = subprocess.Popen(
        user.command("actions", "--sync", "--now", AFTER),
        env=user.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert jira.answer_lost.wait(60), "the sync never created an issue"
        os.kill(process.pid, signal.SIGKILL)  # the issue exists; its key was never stored
    finally:
        process.wait(30)
    assert len(jira.issues()) == 1

    shown = user.ok("actions", "--sync", "--now", AFTER)

    assert "jira: 2 created, 0 closed." in shown
    assert [i.key for i in jira.issues()] == ["OPS-1", "OPS-2"]
    assert len(jira.requests_to("POST", "/rest/api/3/issue")) == 2


def test_refused_credentials_are_one_line_and_the_list_still_shows(
    user: CliUser, jira: JiraApi
) -> None:
    result = user.run("actions", "--sync", "--now", AFTER, JIRA_API_TOKEN="expired")

    assert result.returncode == 1
    assert "error: Jira (127.0.0.1) refused the email and API token (401)" in result.stderr
    assert "Draft the failover runbook" in result.stdout  # the list, as it is here
    assert "expired" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_without_a_tracker_the_option_says_what_to_add(user: CliUser, tmp_path: Path) -> None:
    (tmp_path / "context" / "context.yaml").unlink()

    result = user.run("actions", "--sync")

    assert result.returncode == 2
    assert "no tracker is configured" in result.stderr and "action_items:" in result.stderr


def test_a_bad_tracker_section_names_its_key(user: CliUser, tmp_path: Path) -> None:
    (tmp_path / "context" / "context.yaml").write_text(
        "action_items:\n  source: jira\n  base_url: http://jira.example.com\n  project: OPS\n"
    )

    result = user.run("actions", "--sync")

    assert result.returncode == 2
    assert "context.yaml at 'action_items.base_url'" in result.stderr
    assert "https" in result.stderr


def test_a_sync_beside_a_running_serve_is_refused(user: CliUser, jira: JiraApi) -> None:
    # Two syncs at once could each create an item's issue: the folder's lock keeps one.
    holder = DataFolder(user.data)
    holder.acquire("serve")  # as a running `serve` does, which syncs the items itself
    try:
        result = user.run("actions", "--sync", "--now", AFTER)
    finally:
        holder.release()

    assert result.returncode == 3, result.stderr
    assert "serve" in result.stderr and jira.issues() == []
