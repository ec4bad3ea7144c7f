"""context.yaml's Jira sections: what each takes, and a mistake named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from exec_assistant.context.configured import load_context_sources
from exec_assistant.context.jira import JiraBigRocksSource, JiraTrackerSource, jql_string
from exec_assistant.domain.errors import ConfigError


def load(folder: Path, text: str) -> object:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "context.yaml").write_text(text, encoding="utf-8")
    return load_context_sources(folder)


def refusal(folder: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(folder, text)
    return str(caught.value)


SITE = "base_url: https://northwind.atlassian.net/\n"


def test_big_rocks_by_label_and_action_items_in_a_project(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        f"big_rocks:\n  source: jira\n  {SITE}  label: big-rock\n  projects: [PLAT, OPS]\n"
        f"action_items:\n  source: jira\n  {SITE}  project: OPS\n  issue_type: Bug\n",
    )

    rocks = loaded.source_of("big_rocks")  # type: ignore[attr-defined]
    tracker = loaded.tracker  # type: ignore[attr-defined]
    assert isinstance(rocks, JiraBigRocksSource) and isinstance(tracker, JiraTrackerSource)
    assert rocks.base_url == "https://northwind.atlassian.net"
    assert rocks.epics_jql() == (
        'issuetype = "Epic" AND labels = "big-rock" AND project in ("PLAT", "OPS") ORDER BY key ASC'
    )
    assert tracker.issue_type == "Bug" and tracker.labels == ("exec-assistant",)


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        (
            "big_rocks:\n  source: jira\n  base_url: http://jira.example.com\n  label: x\n",
            "Jira is reached over https",
        ),
        (
            "big_rocks:\n  source: jira\n  base_url: https://u:p@x.atlassian.net\n  label: x\n",
            "not the URL",
        ),
        (
            "big_rocks:\n  source: jira\n  base_url: northwind\n  label: x\n",
            "https://<name>.atlassian.net",
        ),
        (f"big_rocks:\n  source: jira\n  {SITE}", "give either jql (the epics to read) or label"),
        (
            f"big_rocks:\n  source: jira\n  {SITE}  label: x\n  jql: project = X\n",
            "give either jql",
        ),
        (
            f"big_rocks:\n  source: jira\n  {SITE}  label: big rock\n",
            "'big rock' is not a Jira label",
        ),
        (
            f"big_rocks:\n  source: jira\n  {SITE}  jql: x = 1\n  projects: [OPS]\n",
            "projects go with label",
        ),
        (
            f"big_rocks:\n  source: jira\n  {SITE}  label: x\n  statuses: {{Blocked: stuck}}\n",
            "at 'big_rocks.statuses.Blocked'",
        ),
        (
            f"big_rocks:\n  source: jira\n  {SITE}  label: x\n  flagged_field: Flagged\n",
            "at 'big_rocks.flagged_field'",
        ),
        (
            f"big_rocks:\n  source: jira\n  {SITE}  label: x\n  labels: [x]\n",
            "at 'big_rocks.labels'",
        ),
        (f"action_items:\n  source: jira\n  {SITE}  project: ops\n", "at 'action_items.project'"),
        (f"action_items:\n  {SITE}  project: OPS\n", "no source is not a source of action_items"),
        ("action_items:\n  source: linear\n", "'linear' is not a source of action_items"),
    ],
)
def test_a_mistake_is_named_by_its_key(tmp_path: Path, section: str, problem: str) -> None:
    message = refusal(tmp_path, section)
    assert problem in message
    assert "context.yaml" in message


def test_jql_strings_escape_quotes_and_backslashes() -> None:
    assert jql_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'


def test_localhost_may_be_plain_http() -> None:
    site = JiraBigRocksSource(base_url="http://127.0.0.1:8080", label="x")
    assert site.base_url == "http://127.0.0.1:8080"
