"""Accepted action items as Jira issues, against the fake Jira Cloud: the round trip from
notes to a closed item, never two issues for one item, and text that stays text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
)
from exec_assistant.context.jira import JiraTrackerSource
from exec_assistant.context.jira_client import JiraRefused, JiraUnavailable
from exec_assistant.context.jira_tracker import JiraTaskTracker, item_label
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ActionItem, ItemStatus, Meeting
from exec_assistant.services.action_item_sync import sync_action_items
from exec_assistant.services.conversation import accept_notes
from exec_assistant.services.notes import process_notes

from factories import ME, event, person
from jira_api import JiraApi
from prep_fakes import NOW, FixedClock

PRIYA = "priya.raman@northwind.example"
MARCUS = "marcus.webb@northwind.example"
PEOPLE = (ME, person("Priya Raman"), person("Marcus Webb"))
NOTES = """# Leadership team
## Action Items
- [ ] Priya Raman to draft the failover runbook by 2026-12-20
- [ ] Marcus Webb to book the game day
"""


@pytest.fixture
def jira() -> Iterator[JiraApi]:
    with JiraApi() as api:
        api.add_project("OPS", issue_types=("Task", "Bug"))
        api.add_user(PRIYA, "Priya Raman")
        api.add_user(MARCUS, "Marcus Webb")
        yield api


def tracker(jira: JiraApi, pauses: list[float] | None = None, **config: Any) -> JiraTaskTracker:
    settings = {"base_url": jira.base_url, "project": "OPS", **config}
    return JiraTaskTracker(
        JiraTrackerSource.model_validate(settings),
        EnvSecretStore({"JIRA_EMAIL": jira.email, "JIRA_API_TOKEN": jira.token}),
        pause=pauses.append if pauses is not None else (lambda _: None),
    )


def item(text: str = "Draft the failover runbook", **fields: Any) -> ActionItem:
    values: dict[str, Any] = {
        "item_id": "act_0123456789abcdef",
        "meeting_id": "mtg_1",
        "text": text,
        "owner": PRIYA,
        "owner_resolved": True,
        "due": date(2026, 12, 20),
        "source_line": 3,
        "created_at": NOW,
        **fields,
    }
    return ActionItem(**values)


class Notes:
    """A meeting of the leadership team that has ended, and the stores its notes go to."""

    def __init__(self, catalog: MeetingTypeCatalog, rules: NotificationRules, me: Executive):
        self.meetings = InMemoryMeetingRepository()
        self.items = InMemoryActionItemRepository()
        self.decisions = InMemoryDecisionRepository()
        self.documents = InMemoryDocumentStore()
        start = NOW - timedelta(hours=3)
        evt = event("Leadership team", start=start, attendees=PEOPLE)
        self.meeting: Meeting = assess_event(evt, None, catalog, rules, me, None, NOW)
        self.meetings.put(self.meeting)

    def give(self, text: str, *, proposed: bool) -> None:
        process_notes(
            self.meeting.meeting_id,
            text,
            meetings=self.meetings,
            action_items=self.items,
            decisions=self.decisions,
            documents=self.documents,
            meeting_date=self.meeting.start.date(),
            now=NOW,
            proposed=proposed,
        )

    def accept(self) -> None:
        accept_notes(self.meetings, self.items, self.decisions, self.meeting.meeting_id, NOW)

    def sync(self, tracker: JiraTaskTracker) -> Any:
        return sync_action_items(self.items, self.meetings, tracker, FixedClock(NOW))

    def by_text(self) -> dict[str, ActionItem]:
        return {i.text: i for i in self.items.list()}


@pytest.fixture
def notes(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Notes:
    return Notes(catalog, rules, executive)


def test_accepted_notes_become_issues_and_a_closed_issue_closes_its_item(
    jira: JiraApi, notes: Notes
) -> None:
    jira_tracker = tracker(jira)
    notes.give(NOTES, proposed=True)

    proposed = notes.sync(jira_tracker)  # a proposal never leaves the machine
    assert proposed.created == [] and jira.issues() == []
    assert jira.requests == []

    notes.accept()
    first = notes.sync(jira_tracker)

    runbook = notes.by_text()["Draft the failover runbook"]
    issue = jira.issue(runbook.tracker_key or "")
    assert [c.key for c in first.created] == ["OPS-1", "OPS-2"]
    assert runbook.tracker_url == f"{jira.base_url}/browse/OPS-1"
    assert issue.summary == "Draft the failover runbook"
    assert jira.user(issue.assignee or "").email == PRIYA
    assert issue.duedate == "2026-12-20"
    assert issue.issue_type == "Task"
    assert item_label(runbook.item_id) in issue.labels and "exec-assistant" in issue.labels
    described = json.dumps(issue.description)
    assert "Leadership team" in described and "line 3" in described
    game_day = jira.issue(notes.by_text()["Book the game day"].tracker_key or "")
    assert game_day.duedate is None and jira.user(game_day.assignee or "").email == MARCUS

    jira.move("OPS-1", "Done")
    second = notes.sync(jira_tracker)

    assert [c.item_id for c in second.closed] == [runbook.item_id]
    assert notes.by_text()["Draft the failover runbook"].status == ItemStatus.DONE
    assert notes.by_text()["Book the game day"].status == ItemStatus.OPEN
    assert len(jira.issues()) == 2  # nothing created again


def test_corrected_notes_keep_the_item_its_issue(jira: JiraApi, notes: Notes) -> None:
    notes.give(NOTES, proposed=False)
    notes.sync(tracker(jira))

    notes.give(NOTES + "- [ ] Marcus Webb to send the agenda\n", proposed=False)
    notes.sync(tracker(jira))

    assert notes.by_text()["Draft the failover runbook"].tracker_key == "OPS-1"
    assert len(jira.issues()) == 3
    searches = [r.body["jql"] for r in jira.requests_to("POST", "/rest/api/3/search/jql")]
    lookups = [jql for jql in searches if "labels =" in jql]
    assert len(lookups) == 3  # one label lookup per new issue; the kept ones asked nothing


class PutFails(InMemoryActionItemRepository):
    """A store that dies at the worst moment: after the issue exists, before its key is kept."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error: BaseException | None = error

    def put_many(self, items: Any) -> None:
        if self.error is not None and any(i.tracker_key for i in items):
            raise self.error
        super().put_many(items)


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_stop_between_the_issue_and_its_key_never_makes_a_second_issue(
    jira: JiraApi, error: BaseException
) -> None:
    items = PutFails(error)
    items.put_many([item()])
    meetings = InMemoryMeetingRepository()

    if isinstance(error, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            sync_action_items(items, meetings, tracker(jira), FixedClock(NOW))
    else:
        failed = sync_action_items(items, meetings, tracker(jira), FixedClock(NOW))
        assert [f.item_id for f in failed.failed] == [item().item_id]
    assert len(jira.issues()) == 1 and items.get(item().item_id).tracker_key is None  # type: ignore[union-attr]

    items.error = None  # the next run, in a new process
    again = sync_action_items(items, meetings, tracker(jira), FixedClock(NOW))

    assert [c.key for c in again.created] == ["OPS-1"]
    assert len(jira.issues()) == 1
    assert items.get(item().item_id).tracker_key == "OPS-1"  # type: ignore[union-attr]
    assert len(jira.requests_to("POST", "/rest/api/3/issue")) == 1


def test_an_answer_lost_after_the_issue_was_made_is_not_sent_again(jira: JiraApi) -> None:
    jira.lose_answer(path="/rest/api/3/issue")
    pauses: list[float] = []

    with pytest.raises(JiraUnavailable, match="answered 504"):
        tracker(jira, pauses).create(item(), None)
    assert len(jira.requests_to("POST", "/rest/api/3/issue")) == 1 and pauses == []

    found = tracker(jira).create(item(), None)

    assert found.key == "OPS-1" and len(jira.issues()) == 1


def test_through_the_gateway_links_go_to_the_site(jira: JiraApi) -> None:
    site = "https://northwind.atlassian.net"

    created = tracker(jira, site_url=site).create(item(), None)

    assert created.url == f"{site}/browse/OPS-1"


def test_a_throttled_create_is_sent_again_after_the_wait(jira: JiraApi) -> None:
    jira.fail(429, retry_after=3, path="/rest/api/3/issue")
    pauses: list[float] = []

    created = tracker(jira, pauses).create(item(), None)

    assert created.key == "OPS-1" and pauses == [3]
    assert len(jira.issues()) == 1


def test_an_owner_whose_email_the_site_hides_is_still_assigned(jira: JiraApi) -> None:
    hidden = jira.add_user("dev.kapoor@northwind.example", "Dev Kapoor", email_visible=False)

    created = tracker(jira).create(item(owner="Dev.Kapoor@northwind.example"), None)

    assert jira.issue(created.key).assignee == hidden


def test_owners_jira_cannot_tell_apart_stay_unassigned(jira: JiraApi) -> None:
    jira.add_user("sam@northwind.example", "Sam One", email_visible=False)
    jira.add_user("sam@northwind.example.org", "Sam Two", email_visible=False)
    by_name = tracker(jira).create(item(owner="Priya Raman", item_id="act_2"), None)
    unknown = tracker(jira).create(item(owner="nobody@else.example", item_id="act_3"), None)
    twins = tracker(jira).create(item(owner="sam@northwind.example", item_id="act_4"), None)

    assert [jira.issue(i.key).assignee for i in (by_name, unknown, twins)] == [None] * 3
    searched = [r.query["query"][0] for r in jira.requests_to("GET", "/rest/api/3/user/search")]
    assert searched == ["nobody@else.example", "sam@northwind.example"]  # never a name


def test_fields_the_project_refuses_are_left_out_not_the_issue(jira: JiraApi) -> None:
    jira.add_project("HR", issue_types=("Task",), screen={"summary", "description", "labels"})
    jira.add_user("locked@northwind.example", "Locked Out", assignable=False)

    created = tracker(jira, project="HR").create(item(owner="locked@northwind.example"), None)

    issue = jira.issue(created.key)
    assert issue.assignee is None and issue.duedate is None
    assert "locked@northwind.example" in json.dumps(issue.description)
    assert len(jira.requests_to("POST", "/rest/api/3/issue")) == 2


def test_a_refused_issue_type_is_reported_and_the_others_go_on(jira: JiraApi) -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(item_id="act_a"), item(item_id="act_b", text="Second")])

    with pytest.raises(JiraRefused) as caught:
        tracker(jira, issue_type="Epic").create(item(), None)
    report = sync_action_items(
        items, InMemoryMeetingRepository(), tracker(jira, issue_type="Epic"), FixedClock(NOW)
    )

    assert caught.value.errors == {"issuetype": "Specify a valid issue type"}
    assert [f.item_id for f in report.failed] == ["act_a", "act_b"]
    assert report.failed[0].reason == (
        "Jira refused the request (400): issuetype: Specify a valid issue type"
    )


def test_refused_credentials_stop_the_run_at_the_first_item(jira: JiraApi) -> None:
    items = InMemoryActionItemRepository()
    items.put_many([item(item_id=f"act_{n}", text=f"Item {n}") for n in range(5)])
    revoked = tracker(jira)
    jira.token = "revoked"

    report = sync_action_items(items, InMemoryMeetingRepository(), revoked, FixedClock(NOW))

    assert report.unavailable == ("Jira (127.0.0.1) refused the email and API token (401)")
    assert report.waiting == 5 and report.failed == []
    assert len(jira.requests) == 1


def test_states_leave_out_an_issue_deleted_in_jira(jira: JiraApi) -> None:
    made = [tracker(jira).create(item(item_id=f"act_{n}"), None).key for n in range(3)]
    jira.move(made[2], "Done")
    jira.delete(made[0])

    states = tracker(jira).states([*made, "NOPE-1", "not a key) OR (x"])

    assert {k: s.done for k, s in states.items()} == {made[1]: False, made[2]: True}


@pytest.mark.parametrize(
    "text",
    [
        "[red]Send[/red] the *plan* {code}rm -rf{code} <script>alert(1)</script>",
        'Review {"type": "doc", "version": 1} and \\" quotes \\\\',
        "Line one\nLine two\r\n\x1b[2J\x00 bell\x07 \u202egnp.exe",
        "Plan 🚀 " * 60,
        "lone \ud800 surrogate",
        "\x1b\x00\u200b",
    ],
)
def test_hostile_item_text_makes_a_valid_issue_that_says_it(jira: JiraApi, text: str) -> None:
    created = tracker(jira).create(item(text=text), None)

    issue = jira.issue(created.key)  # the fake accepted the summary and the document
    units = len(issue.summary.encode("utf-16-le", "surrogatepass")) // 2
    assert 0 < units <= 255 and "\n" not in issue.summary
    assert not any(ord(c) < 32 or 0xD800 <= ord(c) < 0xE000 for c in issue.summary)
    assert "\u202e" not in issue.summary
    body = issue.description["content"][0]["content"][0]["text"]
    if text.startswith("Plan"):
        assert issue.summary.endswith("…") and body == " ".join(text.split())
    if text.startswith("[red]"):
        assert issue.summary == text  # words, as written: Jira reads no markup in them
