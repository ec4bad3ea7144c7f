"""Action lines written with dashes: "AI: Maria - update the runbook - 4/2"."""

from __future__ import annotations

from datetime import date

import pytest

from exec_assistant.domain.notes import ExtractedActionItem, parse_notes

from factories import person

MONDAY = date(2026, 11, 30)
FRIDAY = date(2026, 12, 4)
DEC_9 = date(2026, 12, 9)
MARIA = person("Maria Lopez")
PRIYA = person("Priya Raman")
TEAM = (person("Jordan Lee"), PRIYA, MARIA)


def only_action(text: str) -> ExtractedActionItem:
    found = parse_notes(text, MONDAY, TEAM).action_items
    assert len(found) == 1, found
    return found[0]


def summary_of(found: ExtractedActionItem) -> tuple[str, str | None, bool, date | None]:
    return found.text, found.owner, found.owner_resolved, found.due


@pytest.mark.parametrize(
    "line",
    [
        "AI: Maria - update the runbook - 12/9",
        "Action: Maria - update the runbook - due 12/9",
        "TODO: Maria – update the runbook – Dec 9",
        "ACTION: Maria — update the runbook — 2026-12-09",
        "AI: Maria -- update the runbook -- by 12/9",
        "AI: update the runbook - Maria - 12/9",
        "TODO: update the runbook – Maria – Dec 9",
        "AI: @maria - update the runbook - 12/9",
        "AI: maria.lopez@northwind.example - update the runbook - 12/9",
        "AI: Maria Lopez - update the runbook - Wed, Dec 9",
        "## Action items\n- Maria - update the runbook - 12/9",
        "## Next steps\n- [ ] update the runbook - Maria - 12/9",
    ],
)
def test_owner_task_and_date_separated_by_dashes(line: str) -> None:
    found = only_action(line)
    assert summary_of(found) == ("Update the runbook", MARIA.email, True, DEC_9)


def test_a_date_after_the_meeting_s_spring_is_next_year_s() -> None:
    found = only_action("AI: Maria - update the runbook - 4/2")
    assert summary_of(found) == ("Update the runbook", MARIA.email, True, date(2027, 4, 2))


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("AI: Maria - run the Q4 - Q1 plan review - 12/9", "Run the Q4 - Q1 plan review"),
        ("AI: Maria - re-run the follow-up checks - 12/9", "Re-run the follow-up checks"),
        ("AI: Maria – send the sign-off – 12/9", "Send the sign-off"),
        ("AI: update the Q4 - Q1 plan - Maria - 12/9", "Update the Q4 - Q1 plan"),
    ],
)
def test_a_dash_inside_the_task_stays_in_the_task(line: str, text: str) -> None:
    assert summary_of(only_action(line)) == (text, MARIA.email, True, DEC_9)


@pytest.mark.parametrize(
    ("line", "text", "due"),
    [
        ("AI: Q4 - Q1 plan - 12/9", "Q4 - Q1 plan", DEC_9),
        ("AI: review the Q4 - Q1 plan", "Review the Q4 - Q1 plan", None),
        ("AI: follow-up - re-run the load test", "Follow-up - re-run the load test", None),
    ],
)
def test_a_task_without_an_owner_keeps_its_dashes(line: str, text: str, due: date | None) -> None:
    assert summary_of(only_action(line)) == (text, None, False, due)


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("AI: Maria - review the plan - Q1 numbers", "Review the plan - Q1 numbers"),
        (
            "AI: Maria - book the offsite - tomorrow's standup",
            "Book the offsite - tomorrow's standup",
        ),
        ("AI: Maria - hold the freeze from Dec 1 - Dec 5", "Hold the freeze from Dec 1 - Dec 5"),
        ("AI: Maria - compare the spend of 10/1 - 12/31", "Compare the spend of 10/1 - 12/31"),
        ("AI: Maria - plan the offsite - May", "Plan the offsite - May"),
        ("AI: Maria - ship the fix - soon", "Ship the fix - soon"),
    ],
)
def test_a_last_field_is_a_due_date_only_when_it_is_a_date(line: str, text: str) -> None:
    assert summary_of(only_action(line)) == (text, MARIA.email, True, None)


def test_a_weekday_after_a_dash_is_a_due_date_not_an_owner() -> None:
    found = parse_notes("## Action items\n- Send the deck - Friday", MONDAY, TEAM).action_items
    assert [summary_of(a) for a in found] == [("Send the deck", None, False, FRIDAY)]


@pytest.mark.parametrize(
    ("line", "text", "owner", "resolved"),
    [
        # A single capitalised word that names no attendee is a topic.
        (
            "AI: Datadog - negotiate the renewal - 12/9",
            "Datadog - negotiate the renewal",
            None,
            False,
        ),
        (
            "AI: Payments - add retries to the client",
            "Payments - add retries to the client",
            None,
            False,
        ),
        ("AI: SRE - hire two engineers", "SRE - hire two engineers", None, False),
        ("AI: Budget Review - send the numbers", "Budget Review - send the numbers", None, False),
        # A full name, a mention or an email is a person, in the meeting or not.
        ("AI: Sam Okafor - approve the budget - 12/9", "Approve the budget", "Sam Okafor", False),
        ("AI: @sam - approve the budget - 12/9", "Approve the budget", "sam", False),
        (
            "AI: sam@partner.example - approve the budget - 12/9",
            "Approve the budget",
            "sam@partner.example",
            False,
        ),
        ("AI: Priya - approve the budget - 12/9", "Approve the budget", PRIYA.email, True),
        # Behind the task, an owner is read as it always was ("send X - Sam Okafor").
        ("AI: approve the budget - Sam Okafor - 12/9", "Approve the budget", "Sam Okafor", False),
    ],
)
def test_a_leading_field_is_an_owner_only_when_it_is_a_person(
    line: str, text: str, owner: str | None, resolved: bool
) -> None:
    found = only_action(line)
    assert (found.text, found.owner, found.owner_resolved) == (text, owner, resolved)


def test_template_fields_win_over_dash_positions() -> None:
    found = only_action("AI: Maria - update the runbook - Owner: Priya - Due: Friday")
    # As with "Priya to send the rota - Owner: Marcus": the other name is part of the task.
    assert summary_of(found) == ("Maria - update the runbook", PRIYA.email, True, FRIDAY)


def test_a_dashed_line_under_a_topic_heading_is_not_an_action() -> None:
    assert parse_notes("## Pricing\n- Maria - pricing page - 12/9", MONDAY, TEAM).action_items == ()


def test_the_source_line_of_a_dashed_action_is_its_own() -> None:
    text = "# Ops sync\n\nWent through the runbook.\nAI: Maria - update the runbook - 12/9\n"
    assert only_action(text).source_line == 4
