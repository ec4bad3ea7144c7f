"""Big rocks from Jira's epics, against the fake Jira Cloud: the same facts as big_rocks.yaml
for the same rocks, and a clear reason whenever Jira cannot be read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.context.files import BigRocksContextProvider
from exec_assistant.context.jira import JiraBigRocksContextProvider, JiraBigRocksSource
from exec_assistant.context.jira_client import JiraUnavailable
from exec_assistant.services.context import gather_one

from factories import context_request
from jira_api import JiraApi

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "context"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
RISK = "customfield_10050"


request = context_request


@pytest.fixture
def jira() -> Iterator[JiraApi]:
    with JiraApi() as api:
        api.add_project("BR", name="Big rocks")
        yield api


def secrets(jira: JiraApi) -> EnvSecretStore:
    return EnvSecretStore({"JIRA_EMAIL": jira.email, "JIRA_API_TOKEN": jira.token})


def provider(
    jira: JiraApi, pauses: list[float] | None = None, **config: Any
) -> JiraBigRocksContextProvider:
    settings = {"base_url": jira.base_url, "label": "big-rock", "risk_field": RISK, **config}
    record = pauses.append if pauses is not None else (lambda _: None)
    return JiraBigRocksContextProvider(
        JiraBigRocksSource.model_validate(settings), secrets(jira), pause=record
    )


# How the planning export's statuses are kept in Jira: a workflow status and a label.
AS_JIRA = {
    "not_started": ("To Do", []),
    "on_track": ("In Progress", []),
    "at_risk": ("In Progress", ["at-risk"]),
    "off_track": ("In Progress", ["off-track"]),
    "done": ("Done", []),
}


def seed_from_export(jira: JiraApi, export: dict[str, Any]) -> None:
    """The export's rocks as epics (in their order, keys BR-1…), each with the fewest child
    issues of which progress_percent can be done, all last changed on the export's as_of."""
    updated = datetime.combine(export["as_of"], datetime.min.time(), UTC).replace(hour=9)
    for user, rock in enumerate(export["initiatives"]):
        jira.add_user(rock["owner"], f"Owner {user}")
    for rock in export["initiatives"]:
        status, labels = AS_JIRA[rock["status"]]
        key = jira.add_issue(
            "BR",
            "Epic",
            rock["name"],
            status=status,
            labels=["big-rock", *labels],
            duedate=rock["due"].isoformat(),
            assignee=rock["owner"],
            updated=updated,
            custom={RISK: _adf(rock["risk"]) if rock.get("risk") else None},
        )
        assert key == rock["id"]
    for rock in export["initiatives"]:
        percent = rock["progress_percent"]
        count = next(n for n in range(1, 101) if percent * n % 100 == 0)
        done = percent * count // 100
        for n in range(count):
            jira.add_issue(
                "BR",
                "Story",
                f"{rock['id']} part {n}",
                status="Done" if n < done else "In Progress",
                parent=rock["id"],
                updated=updated,
            )


def _adf(text: str) -> dict[str, Any]:
    # The risk written in Jira's editor: a paragraph broken over two lines.
    first, _, rest = text.partition(" the ")
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": first},
                    {"type": "hardBreak"},
                    {"type": "text", "text": f"the {rest}" if rest else ""},
                ],
            }
        ],
    }


def test_the_same_rocks_from_jira_and_from_the_export_give_the_same_facts(
    jira: JiraApi,
) -> None:
    export = yaml.safe_load((EXAMPLES / "big_rocks.yaml").read_text(encoding="utf-8"))
    for rock in export["initiatives"]:  # the export's prose reads as one line
        if rock.get("risk"):
            rock["risk"] = " ".join(rock["risk"].split())
    seed_from_export(jira, export)

    for wanted in (request(), request(scope="people", people=("priya.raman@northwind.example",))):
        from_file = BigRocksContextProvider(EXAMPLES).gather(wanted)
        from_jira = provider(jira).gather(wanted)

        assert from_jira.facts == from_file.facts
        assert from_jira.highlights == from_file.highlights
        assert from_jira.questions == from_file.questions
        assert from_jira.data == from_file.data
    assert from_jira.facts[0] == "2 big rocks (updated 27 Nov): 1 at risk, 1 off track"


def test_progress_counts_child_issues_across_pages(jira: JiraApi) -> None:
    jira.page_cap = 2  # Jira sends fewer than asked: every search takes several pages
    epics = [
        jira.add_issue("BR", "Epic", f"Rock {n}", labels=["big-rock"], duedate="2027-03-01")
        for n in range(5)
    ]
    for n, epic in enumerate(epics):
        for child in range(n + 2):
            jira.add_issue("BR", "Task", "t", parent=epic, status="Done" if child < n else "To Do")
    jira.add_issue("BR", "Epic", "Not a big rock", duedate="2027-03-01")

    result = provider(jira).gather(request())

    assert [r["progress_percent"] for r in result.data["initiatives"]] == [0, 33.3, 50, 60, 66.7]
    assert [r["id"] for r in result.data["initiatives"]] == epics
    searches = jira.requests_to("POST", "/rest/api/3/search/jql")
    assert len(searches) > 10  # paged: 2 issues a page
    assert all(not r.path.endswith("/search") for r in jira.requests)


def test_status_from_category_labels_flag_and_named_statuses(jira: JiraApi) -> None:
    jira.add_status("Blocked", "indeterminate")
    flag = "customfield_10021"
    rows = {
        "todo": jira.add_issue("BR", "Epic", "A", labels=["big-rock"], status="To Do"),
        "doing": jira.add_issue("BR", "Epic", "B", labels=["big-rock"], status="In Progress"),
        "done_risky": jira.add_issue(
            "BR", "Epic", "C", labels=["big-rock", "AT-RISK"], status="Done"
        ),
        "flagged": jira.add_issue(
            "BR", "Epic", "D", labels=["big-rock"], custom={flag: [{"value": "Impediment"}]}
        ),
        "blocked": jira.add_issue("BR", "Epic", "E", labels=["big-rock"], status="Blocked"),
        "late": jira.add_issue(
            "BR", "Epic", "F", labels=["big-rock", "off-track", "at-risk"], status="In Progress"
        ),
    }
    for key in rows.values():
        jira.issue(key).duedate = "2027-02-01"

    result = provider(jira, flagged_field=flag, statuses={"blocked": "off_track"}).gather(request())

    statuses = {r["id"]: r["status"] for r in result.data["initiatives"]}
    assert statuses == {
        rows["todo"]: "not_started",
        rows["doing"]: "on_track",
        rows["done_risky"]: "done",
        rows["flagged"]: "at_risk",
        rows["blocked"]: "off_track",
        rows["late"]: "off_track",
    }
    # An epic without children is 100% when done, 0% otherwise.
    progress = {r["id"]: r["progress_percent"] for r in result.data["initiatives"]}
    assert progress[rows["done_risky"]] == 100 and progress[rows["doing"]] == 0


def test_an_owner_whose_email_the_site_hides_is_named(jira: JiraApi) -> None:
    jira.add_user("dev.kapoor@northwind.example", "Dev Kapoor", email_visible=False)
    jira.add_issue(
        "BR",
        "Epic",
        "Edge refresh",
        labels=["big-rock"],
        duedate="2027-02-26",
        assignee="dev.kapoor@northwind.example",
    )
    jira.add_issue("BR", "Epic", "Nobody's", labels=["big-rock"], duedate="2027-02-26")

    result = provider(jira).gather(request())

    assert result.facts[1].endswith("owner Dev Kapoor")
    assert result.facts[2].endswith("owner unassigned")


def test_epics_without_a_due_date_are_named_not_counted(jira: JiraApi) -> None:
    jira.add_issue("BR", "Epic", "Dated", labels=["big-rock"], duedate="2027-02-01")
    for n in range(7):
        jira.add_issue("BR", "Epic", f"Someday {n}", labels=["big-rock"])

    result = provider(jira).gather(request())

    assert result.facts[0].startswith("1 big rock")
    assert result.facts[-1] == (
        "7 epics without a due date, not counted: BR-2 Someday 0; BR-3 Someday 1; "
        "BR-4 Someday 2; BR-5 Someday 3; BR-6 Someday 4 (and 2 more)"
    )
    assert len(result.data["undated"]) == 7


def test_a_jql_selection_is_sent_as_written(jira: JiraApi) -> None:
    jira.add_project("PLAT")
    jira.add_issue("PLAT", "Epic", "Platform", duedate="2027-02-01", status="In Progress")
    jira.add_issue("BR", "Epic", "Elsewhere", duedate="2027-02-01")
    jql = 'project = PLAT AND issuetype = Epic AND statusCategory != "Done" ORDER BY key'

    result = provider(jira, label=None, jql=jql).gather(request())

    assert [r["id"] for r in result.data["initiatives"]] == ["PLAT-1"]
    assert jira.requests_to("POST", "/rest/api/3/search/jql")[0].body["jql"] == jql


def test_hostile_text_in_jira_stays_one_line_of_text(jira: JiraApi) -> None:
    jira.add_issue(
        "BR",
        "Epic",
        "[red]Pwn[/red]\n# Heading \x1b[2J\u202e",
        labels=["big-rock", "at-risk"],
        duedate="2027-02-01",
        custom={RISK: "line one\nline two\x00"},
    )

    result = provider(jira).gather(request())

    assert all("\n" not in text for text in (*result.facts, *result.questions))
    assert "\x00" not in result.questions[0] and "\x1b" not in result.questions[0]
    assert "line one line two" in result.questions[0]


# --- when Jira cannot be read ----------------------------------------------------------------


def test_a_search_jira_refuses_is_unavailable_with_its_reason(jira: JiraApi) -> None:
    result = gather_one(provider(jira, label=None, jql="projct = BR"), request(), 5)

    assert not result.available
    assert result.reason == (
        "Jira refused the request (400): Field 'projct' does not exist or you do not have "
        "permission to view it."
    )


def test_refused_credentials_say_how_to_make_a_token(jira: JiraApi) -> None:
    reader = provider(jira)
    jira.token = "rotated"  # the token was revoked or rotated in Atlassian's account page

    with pytest.raises(JiraUnavailable) as caught:
        reader.gather(request())

    assert "refused the email and API token (401)" in caught.value.message
    assert "id.atlassian.com" in (caught.value.hint or "")
    assert jira.token not in str(caught.value) and "jira-token-1" not in str(caught.value)


def test_missing_credentials_name_the_secrets(jira: JiraApi) -> None:
    config = JiraBigRocksSource(base_url=jira.base_url, label="big-rock")
    result = gather_one(JiraBigRocksContextProvider(config, EnvSecretStore({})), request(), 5)

    assert (result.reason or "").startswith("JIRA_EMAIL and JIRA_API_TOKEN not set\n")
    assert jira.requests == []


def test_a_throttled_search_waits_as_long_as_jira_asks(jira: JiraApi) -> None:
    jira.add_issue("BR", "Epic", "Rock", labels=["big-rock"], duedate="2027-02-01")
    jira.fail(429, retry_after=7)
    jira.fail(503, retry_after=2)
    pauses: list[float] = []

    result = provider(jira, pauses, timeout_seconds=30).gather(request())

    assert result.facts[0].startswith("1 big rock")
    assert pauses == [7, 2]


def test_a_wait_past_the_time_limit_is_not_waited(jira: JiraApi) -> None:
    jira.fail(429, retry_after=120)
    pauses: list[float] = []

    with pytest.raises(JiraUnavailable, match=r"limiting this account's requests \(429\)"):
        provider(jira, pauses, timeout_seconds=10).gather(request())
    assert pauses == []


def test_jira_failing_on_its_side_is_tried_again_then_reported(jira: JiraApi) -> None:
    jira.fail(502, times=4, body={"errorMessages": ["Bad gateway"]})
    pauses: list[float] = []

    with pytest.raises(JiraUnavailable, match=r"answered 502: Bad gateway"):
        provider(jira, pauses, timeout_seconds=30).gather(request())
    assert pauses == [1, 2, 4]


def test_a_jira_that_never_answers_is_given_up_on_in_time(jira: JiraApi) -> None:
    jira.hang()
    started = time.monotonic()

    with pytest.raises(JiraUnavailable, match=r"gave no answer within 0\.3 s"):
        provider(jira, timeout_seconds=0.3).gather(request())
    assert time.monotonic() - started < 2


def test_an_answer_that_never_ends_is_cut_off(jira: JiraApi) -> None:
    jira.trickle()
    started = time.monotonic()

    with pytest.raises(JiraUnavailable, match=r"no whole answer within 0\.3 s"):
        provider(jira, timeout_seconds=0.3).gather(request())
    assert time.monotonic() - started < 2


def test_a_search_that_never_ends_is_stopped(jira: JiraApi) -> None:
    jira.add_issue("BR", "Epic", "Rock", labels=["big-rock"], duedate="2027-02-01")
    jira.endless_search = True

    with pytest.raises(JiraUnavailable, match="same page token twice"):
        provider(jira).gather(request())


def test_a_page_that_is_not_jira_names_the_base_url(jira: JiraApi) -> None:
    jira.html()

    with pytest.raises(JiraUnavailable) as caught:
        provider(jira).gather(request())

    assert "sent an answer that is not JSON, not Jira's" in caught.value.message
    assert "base_url" in (caught.value.hint or "")


def test_a_site_that_is_down_is_named(jira: JiraApi) -> None:
    with JiraApi() as gone:
        url = gone.base_url
    pauses: list[float] = []
    config = JiraBigRocksSource(base_url=url, label="big-rock", timeout_seconds=10)

    with pytest.raises(JiraUnavailable, match=r"cannot reach Jira at 127\.0\.0\.1: no connection"):
        JiraBigRocksContextProvider(config, secrets(jira), pause=pauses.append).gather(request())
    assert pauses == [1, 2, 4]


def test_an_answer_too_large_to_be_jiras_is_refused(jira: JiraApi) -> None:
    jira.add_issue(
        "BR",
        "Epic",
        "Rock",
        labels=["big-rock"],
        duedate="2027-02-01",
        custom={RISK: "x" * (9 * 1024 * 1024)},
    )

    with pytest.raises(JiraUnavailable, match="larger than 8 MB"):
        provider(jira).gather(request())


def test_an_account_locked_behind_a_captcha_says_so(jira: JiraApi) -> None:
    jira.fail(403, headers={"X-Seraph-LoginReason": "AUTHENTICATED_FAILED,AUTHENTICATION_DENIED"})

    with pytest.raises(JiraUnavailable, match="CAPTCHA") as caught:
        provider(jira).gather(request())
    assert "browser" in (caught.value.hint or "")


def test_a_site_that_moved_is_not_followed(jira: JiraApi) -> None:
    jira.fail(301, headers={"Location": "https://evil.example/rest/api/3/search/jql"})

    with pytest.raises(JiraUnavailable, match=r"sent a redirect \(301\), not Jira's"):
        provider(jira).gather(request())
    assert len(jira.requests) == 1
