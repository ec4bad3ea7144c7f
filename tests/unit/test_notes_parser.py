"""Reading meeting notes: only what they state becomes a decision or an action item."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest

from exec_assistant.domain import notes as notes_module
from exec_assistant.domain.models import Attendee
from exec_assistant.domain.notes import (
    ExtractedActionItem,
    ExtractedDecision,
    NotesExtraction,
    parse_notes,
    resolve_due,
    resolve_owner,
)

from factories import person

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "notes"

MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
WEDNESDAY = date(2026, 12, 2)
FRIDAY = date(2026, 12, 4)
SATURDAY = date(2026, 12, 5)
SUNDAY = date(2026, 12, 6)

JORDAN = person("Jordan Lee")
PRIYA = person("Priya Raman")
MARCUS = person("Marcus Webb")
ELENA = person("Elena Park")
DEV = person("Dev Kapoor")
HANNAH = person("Hannah Cho")
LUIS = person("Luis Ortega")
TEAM = (JORDAN, PRIYA, MARCUS, ELENA, DEV, HANNAH, LUIS)


def parse(text: str, on: date = MONDAY, attendees: tuple[Attendee, ...] = TEAM) -> NotesExtraction:
    return parse_notes(dedent(text).strip("\n"), on, attendees)


def actions(text: str, on: date = MONDAY) -> list[ExtractedActionItem]:
    return list(parse(text, on).action_items)


def decisions(text: str) -> list[ExtractedDecision]:
    return list(parse(text).decisions)


def only_action(text: str, on: date = MONDAY) -> ExtractedActionItem:
    found = actions(text, on)
    assert len(found) == 1, found
    return found[0]


def item(
    text: str,
    owner: str | None = None,
    due: date | None = None,
    line: int = 1,
    *,
    resolved: bool | None = None,
    done: bool = False,
) -> ExtractedActionItem:
    """The action item expected; the owner counts as resolved when it is an email."""
    if resolved is None:
        resolved = owner is not None and "@" in owner
    return ExtractedActionItem(text, owner, resolved, due, done, line)


# --------------------------------------------------------------------------------------------
# Due dates


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # Weekdays: the next one after the meeting (Monday 2026-11-30).
        ("Friday", date(2026, 12, 4)),
        ("by Friday", date(2026, 12, 4)),
        ("fri", date(2026, 12, 4)),
        ("Tuesday", date(2026, 12, 1)),
        ("Tues.", date(2026, 12, 1)),
        ("Sunday", date(2026, 12, 6)),
        ("Monday", date(2026, 12, 7)),  # meeting day's weekday: next week's
        ("next Tuesday", date(2026, 12, 8)),
        ("next Monday", date(2026, 12, 7)),
        ("next Friday", date(2026, 12, 11)),
        ("this Friday", date(2026, 12, 4)),
        ("EOW", date(2026, 12, 4)),
        ("end of week", date(2026, 12, 4)),
        ("by the end of the week", date(2026, 12, 4)),
        ("EOD", MONDAY),
        ("today", MONDAY),
        ("end of day", MONDAY),
        ("tomorrow", date(2026, 12, 1)),
        ("end of month", date(2026, 11, 30)),
        ("EOM", date(2026, 11, 30)),
        # US month/day, in the meeting's year unless that is over 60 days ago.
        ("12/5", date(2026, 12, 5)),
        ("by 12/5", date(2026, 12, 5)),
        ("1/15", date(2027, 1, 15)),
        ("10/1", date(2026, 10, 1)),  # exactly 60 days before: still this year
        ("9/30", date(2027, 9, 30)),  # 61 days before: next year
        ("12/5/2027", date(2027, 12, 5)),
        ("12/5/27", date(2027, 12, 5)),
        ("Dec 5", date(2026, 12, 5)),
        ("Dec. 5", date(2026, 12, 5)),
        ("December 5th", date(2026, 12, 5)),
        ("5 Dec", date(2026, 12, 5)),
        ("5th of December", date(2026, 12, 5)),
        ("Dec 5, 2027", date(2027, 12, 5)),
        ("Jan 8", date(2027, 1, 8)),
        ("Sat, Dec 5", date(2026, 12, 5)),
        ("2026-12-05", date(2026, 12, 5)),
        ("Due: 2026-12-05", date(2026, 12, 5)),
        ("in 2 weeks", date(2026, 12, 14)),
        ("in 3 days", date(2026, 12, 3)),
        ("in a week", date(2026, 12, 7)),
        ("in two weeks", date(2026, 12, 14)),
        ("  FRIDAY.  ", date(2026, 12, 4)),
    ],
)
def test_due_phrases_resolve_from_a_monday_meeting(phrase: str, expected: date) -> None:
    assert resolve_due(phrase, MONDAY) == expected


@pytest.mark.parametrize(
    ("meeting", "phrase", "expected"),
    [
        (TUESDAY, "Friday", date(2026, 12, 4)),
        (TUESDAY, "Tuesday", date(2026, 12, 8)),
        (WEDNESDAY, "Friday", date(2026, 12, 4)),
        (WEDNESDAY, "Wednesday", date(2026, 12, 9)),
        (WEDNESDAY, "Monday", date(2026, 12, 7)),
        (WEDNESDAY, "next Tuesday", date(2026, 12, 8)),
        (WEDNESDAY, "next Wednesday", date(2026, 12, 9)),
        (WEDNESDAY, "EOW", date(2026, 12, 4)),
        (WEDNESDAY, "end of month", date(2026, 12, 31)),
        (FRIDAY, "Friday", date(2026, 12, 11)),
        (FRIDAY, "EOW", date(2026, 12, 4)),
        (FRIDAY, "tomorrow", date(2026, 12, 5)),
        (FRIDAY, "next Monday", date(2026, 12, 7)),
        (SATURDAY, "EOW", date(2026, 12, 11)),
        (SATURDAY, "Monday", date(2026, 12, 7)),
        (SATURDAY, "next Monday", date(2026, 12, 7)),
        (SUNDAY, "end of week", date(2026, 12, 11)),
        (SUNDAY, "next Tuesday", date(2026, 12, 8)),
        (SUNDAY, "Sunday", date(2026, 12, 13)),
        (date(2028, 2, 10), "EOM", date(2028, 2, 29)),
        (date(2026, 12, 30), "tomorrow", date(2026, 12, 31)),
        (date(2026, 12, 31), "tomorrow", date(2027, 1, 1)),
        (date(2026, 12, 28), "in 1 week", date(2027, 1, 4)),
        (date(2026, 1, 10), "12/5", date(2026, 12, 5)),
    ],
)
def test_due_phrases_resolve_from_other_weekdays(
    meeting: date, phrase: str, expected: date
) -> None:
    assert resolve_due(phrase, meeting) == expected


@pytest.mark.parametrize(
    "phrase",
    [
        "",
        "soon",
        "ASAP",
        "TBD",
        "next week",
        "the holidays",
        "Q1",
        "after the PIR",
        "2/30",
        "13/5",
        "2026-02-30",
        "Friday-ish",
        "Friday or Monday",
        "Dec",
        "in 2 months",
    ],
)
def test_unparseable_due_phrases_give_none(phrase: str) -> None:
    assert resolve_due(phrase, MONDAY) is None


def test_a_this_weekday_already_gone_is_not_guessed() -> None:
    assert resolve_due("this Monday", WEDNESDAY) is None


# --------------------------------------------------------------------------------------------
# Owners


@pytest.mark.parametrize(
    "name", ["priya", "Priya", "PRIYA", "Priya Raman", "priya.raman", "@priya", "Raman", " Priya "]
)
def test_an_owner_resolves_by_name_or_email_local_part(name: str) -> None:
    assert resolve_owner(name, TEAM) == (PRIYA.email, True)


def test_an_owner_resolves_by_full_email() -> None:
    assert resolve_owner("marcus.webb@northwind.example", TEAM) == (MARCUS.email, True)


def test_an_ambiguous_first_name_is_not_resolved() -> None:
    two_priyas = (*TEAM, person("Priya Shah"))
    assert resolve_owner("Priya", two_priyas) == ("Priya", False)
    assert resolve_owner("@priya", two_priyas) == ("priya", False)


def test_a_full_name_resolves_even_when_the_first_name_is_shared() -> None:
    two_priyas = (*TEAM, person("Priya Shah"))
    assert resolve_owner("Priya Raman", two_priyas) == (PRIYA.email, True)
    assert resolve_owner("priya.shah", two_priyas) == ("priya.shah@northwind.example", True)


def test_an_unknown_owner_is_kept_as_written() -> None:
    assert resolve_owner("Sam Okafor", TEAM) == ("Sam Okafor", False)
    assert resolve_owner("Priya", ()) == ("Priya", False)


@pytest.mark.parametrize("name", ["me", "I", "Me"])
def test_me_and_i_are_never_resolved(name: str) -> None:
    assert resolve_owner(name, TEAM) == (name, False)


def test_an_attendee_without_a_display_name_resolves_from_the_email() -> None:
    kenji = Attendee(email="kenji.sato@northwind.example")
    assert resolve_owner("Kenji", (*TEAM, kenji)) == (kenji.email, True)


def test_the_same_person_listed_twice_is_not_ambiguous() -> None:
    assert resolve_owner("Priya", (*TEAM, PRIYA)) == (PRIYA.email, True)


# --------------------------------------------------------------------------------------------
# The notes template's checkboxes


def test_a_template_checkbox_gives_text_owner_and_due() -> None:
    found = only_action("- [ ] Draft the QBR deck - Owner: Priya Raman - Due: 2026-12-07")
    assert found == item("Draft the QBR deck", PRIYA.email, date(2026, 12, 7))


@pytest.mark.parametrize("separator", [" - ", " — ", " | ", "; ", ";"])
def test_template_fields_may_be_separated_in_several_ways(separator: str) -> None:
    line = f"- [ ] Draft the QBR deck{separator}Owner: Priya{separator}Due: Friday"
    assert only_action(line) == item("Draft the QBR deck", PRIYA.email, date(2026, 12, 4))


@pytest.mark.parametrize(
    ("line", "owner", "due"),
    [
        ("- [ ] Book the offsite - Due: Dec 9 - Owner: Dev", DEV.email, date(2026, 12, 9)),
        ("- [ ] Book the offsite - owner: dev - due: dec 9", DEV.email, date(2026, 12, 9)),
        ("- [ ] Book the offsite - OWNER: Dev Kapoor", DEV.email, None),
        ("- [ ] Book the offsite - Due: 12/9", None, date(2026, 12, 9)),
        ("- [ ] Book the offsite", None, None),
        ("- [ ] Book the offsite - Owner: TBD - Due: TBD", None, None),
        ("* [ ] Book the offsite - Owner: Dev", DEV.email, None),
        ("1. [ ] Book the offsite - Owner: Dev", DEV.email, None),
    ],
)
def test_template_fields_in_any_order_case_or_absent(
    line: str, owner: str | None, due: date | None
) -> None:
    assert only_action(line) == item("Book the offsite", owner, due)


def test_an_unknown_template_owner_is_kept_as_written() -> None:
    found = only_action("- [ ] Approve the budget - Owner: Sam Okafor - Due: Dec 7")
    assert found == item("Approve the budget", "Sam Okafor", date(2026, 12, 7))


def test_an_unparseable_due_field_gives_no_date_and_does_not_leak_into_the_text() -> None:
    found = only_action(
        "- [ ] Publish the runbook by the review - Owner: Elena - Due: after the PIR"
    )
    assert found == item("Publish the runbook by the review", ELENA.email, None)


@pytest.mark.parametrize("box", ["[x]", "[X]"])
def test_checked_items_are_recorded_as_done(box: str) -> None:
    found = only_action(f"- {box} Circulate the draft postmortem - Owner: Priya - Due: 2026-11-30")
    assert found == item("Circulate the draft postmortem", PRIYA.email, MONDAY, done=True)


@pytest.mark.parametrize(
    "line", ["- [ ]  - Owner:  - Due:", "- [ ] - Owner: - Due:", "- [ ]", "- [x]", "[ ]  "]
)
def test_an_empty_template_line_yields_nothing(line: str) -> None:
    assert parse(line).action_items == ()


def test_a_checkbox_is_an_action_under_any_heading() -> None:
    found = actions(
        """
        ## Decisions
        - [ ] Write up the decision record - Owner: Jordan
        ## Risks
        - [ ] Check the vendor's SOC 2 report - Owner: Hannah
        """
    )
    assert found == [
        item("Write up the decision record", JORDAN.email, line=2),
        item("Check the vendor's SOC 2 report", HANNAH.email, line=4),
    ]
    assert decisions("## Decisions\n- [ ] Write up the decision record") == []


def test_a_checkbox_may_also_carry_a_marker() -> None:
    found = only_action("- [ ] ACTION: Priya to send the rota by Friday")
    assert found == item("Send the rota", PRIYA.email, date(2026, 12, 4))


# --------------------------------------------------------------------------------------------
# Action markers


@pytest.mark.parametrize(
    "marker", ["ACTION:", "Action:", "action:", "Action item:", "AI:", "TODO:", "Todo:"]
)
@pytest.mark.parametrize("bullet", ["", "- ", "* ", "1. "])
def test_action_markers_as_lines_or_bullets(marker: str, bullet: str) -> None:
    found = only_action(f"{bullet}{marker} Priya to send the on-call rota by Friday")
    assert found == item("Send the on-call rota", PRIYA.email, date(2026, 12, 4))


def test_todo_takes_its_owner_from_the_parentheses() -> None:
    found = only_action("TODO(marcus): rotate the API keys by EOW")
    assert found == item("Rotate the API keys", MARCUS.email, date(2026, 12, 4))


def test_a_marked_action_without_owner() -> None:
    assert only_action("ACTION: update the status page copy") == item("Update the status page copy")


def test_a_marked_action_may_use_template_fields() -> None:
    found = only_action("ACTION: send the vendor comparison - Owner: Dev - Due: Dec 5")
    assert found == item("Send the vendor comparison", DEV.email, date(2026, 12, 5))


def test_a_bold_marker_counts() -> None:
    assert only_action("**ACTION:** Elena to book the room") == item("Book the room", ELENA.email)


def test_a_marker_after_another_sentence_on_the_line_counts() -> None:
    found = only_action("Went through the rota at length. ACTION: Dev to send it by 12/5.")
    assert found == item("Send it", DEV.email, date(2026, 12, 5))


def test_a_marked_action_wrapped_onto_the_next_line_keeps_its_due_date() -> None:
    text = """
        ACTION: Priya to send the cardinality report to Jordan
        by Friday.
        """
    assert only_action(text) == item(
        "Send the cardinality report to Jordan", PRIYA.email, date(2026, 12, 4)
    )


def test_a_marked_action_does_not_swallow_the_next_sentence() -> None:
    text = """
        ACTION: Priya to send the rota
        We also talked about hiring.
        """
    assert only_action(text) == item("Send the rota", PRIYA.email)


def test_ai_must_be_upper_case_to_be_a_marker() -> None:
    assert actions("ai: the model keeps hallucinating owners") == []


# --------------------------------------------------------------------------------------------
# Assignments written as sentences


def test_name_to_verb_by_date() -> None:
    found = only_action("Priya to send the on-call rota by Friday")
    assert found == item("Send the on-call rota", PRIYA.email, date(2026, 12, 4))


def test_name_to_verb_without_a_date() -> None:
    assert only_action("Marcus to review the budget.") == item("Review the budget", MARCUS.email)


def test_name_to_verb_with_the_date_mid_sentence() -> None:
    found = only_action("Priya to send the rota by Friday so the team can review it.", TUESDAY)
    assert found == item("Send the rota so the team can review it", PRIYA.email, date(2026, 12, 4))


def test_a_full_name_may_be_assigned() -> None:
    assert only_action("Dev Kapoor to confirm the router dates by next Tuesday.") == item(
        "Confirm the router dates", DEV.email, date(2026, 12, 8)
    )


def test_a_capitalised_name_outside_the_meeting_is_kept_unresolved() -> None:
    assert only_action("Sam Okafor to approve the budget by Dec 5.") == item(
        "Approve the budget", "Sam Okafor", date(2026, 12, 5)
    )


def test_a_lower_case_attendee_name_is_recognised() -> None:
    assert only_action("elena to book the room") == item("Book the room", ELENA.email)


@pytest.mark.parametrize("link", ["will", "to"])
def test_mentions_with_will_or_to(link: str) -> None:
    found = only_action(f"@marcus {link} send the vendor comparison by Dec 5")
    assert found == item("Send the vendor comparison", MARCUS.email, date(2026, 12, 5))


def test_a_mention_of_someone_not_in_the_meeting_is_kept_unresolved() -> None:
    assert only_action("@sam will approve the budget") == item(
        "Approve the budget", "sam", resolved=False
    )


def test_two_assignments_on_one_line_are_two_items() -> None:
    found = actions("Good discussion. Priya to send the notes. Marcus to review them by Friday.")
    assert found == [
        item("Send the notes", PRIYA.email),
        item("Review them", MARCUS.email, date(2026, 12, 4)),
    ]


def test_a_wrapped_assignment_keeps_its_first_line_and_its_due_date() -> None:
    text = """
        Long discussion about the rota.
        Priya to send the rota to the
        team by Friday.
        """
    assert only_action(text) == item(
        "Send the rota to the team", PRIYA.email, date(2026, 12, 4), line=2
    )


def test_an_assignment_in_a_bullet_under_a_topic_heading() -> None:
    text = """
        ## Staffing
        - Debrief went well. Jordan to send the offer by EOD.
        """
    assert only_action(text) == item("Send the offer", JORDAN.email, MONDAY, line=2)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Marcus to send the breakdown before Dec 7.", date(2026, 12, 7)),
        ("Marcus to send the breakdown before the Dec 7 check-in.", date(2026, 12, 7)),
        ("Marcus to send the breakdown before the check-in on Dec 7.", date(2026, 12, 7)),
        ("Marcus to send the breakdown no later than 12/7.", date(2026, 12, 7)),
        ("Marcus to send the breakdown, due Dec 7.", date(2026, 12, 7)),
        ("Marcus to send the breakdown EOW.", date(2026, 12, 4)),
        ("Marcus to send the breakdown tomorrow.", date(2026, 12, 1)),
        ("Marcus to send the breakdown (by cluster and by service).", None),
        ("Marcus to send the breakdown before the holidays.", None),
        ("Marcus to send the notes from today.", None),
    ],
)
def test_deadline_phrasings_in_an_assignment(sentence: str, expected: date | None) -> None:
    assert only_action(sentence).due == expected


def test_a_deadline_naming_an_event_keeps_the_event_in_the_text() -> None:
    found = only_action("Marcus to send the breakdown before the Dec 7 budget check-in.")
    assert found.text == "Send the breakdown before the Dec 7 budget check-in"
    assert found.due == date(2026, 12, 7)


# --------------------------------------------------------------------------------------------
# Bullets under headings


@pytest.mark.parametrize(
    "heading",
    [
        "## Action Items",
        "# Action items",
        "### Actions",
        "## Next Steps",
        "###### Next steps",
        "## Follow-ups",
        "## Follow ups",
        "## Followups",
        "## To-dos",
        "## TODOs",
        "## 3. Action items",
        "## Action items (owners in brackets)",
        "## Next steps / follow-ups",
        "**Action items**",
        "**Next steps:**",
        "Next steps:",
        "Action items:",
        "Follow-ups:",
        "ACTION:",
    ],
)
def test_bullets_under_action_headings_are_action_items(heading: str) -> None:
    text = f"{heading}\n- Send the board memo\n- Book the offsite venue"
    assert actions(text) == [
        item("Send the board memo", line=2),
        item("Book the offsite venue", line=3),
    ]


@pytest.mark.parametrize(
    ("bullet", "expected"),
    [
        ("Send the deck - Owner: Priya", item("Send the deck", PRIYA.email)),
        ("Send the deck (Owner: Priya)", item("Send the deck", PRIYA.email)),
        ("Send the deck [owner: Priya] (due: Friday)", item("Send the deck", PRIYA.email, FRIDAY)),
        ("Send the deck — Priya", item("Send the deck", PRIYA.email)),
        ("Send the deck - Sam Okafor", item("Send the deck", "Sam Okafor")),
        ("Priya: send the deck by Friday", item("Send the deck", PRIYA.email, FRIDAY)),
        ("Priya Raman: send the deck", item("Send the deck", PRIYA.email)),
        ("@priya send the deck", item("Send the deck", PRIYA.email)),
        ("@priya: send the deck", item("Send the deck", PRIYA.email)),
        ("Send the deck @priya", item("Send the deck", PRIYA.email)),
        ("Send the deck (@priya)", item("Send the deck", PRIYA.email)),
        ("@sam send the deck", item("Send the deck", "sam", resolved=False)),
        ("Send the deck @sam", item("Send the deck", "sam", resolved=False)),
        ("Priya to send the deck by EOW", item("Send the deck", PRIYA.email, FRIDAY)),
        ("Send the deck by Dec 3", item("Send the deck", None, date(2026, 12, 3))),
        ("Send the deck to @jordan", item("Send the deck to @jordan")),
        ("Send the deck to Jordan by tomorrow", item("Send the deck to Jordan", None, TUESDAY)),
        ("Note: send the deck", item("Note: send the deck")),
        ("Ask Priya about the budget", item("Ask Priya about the budget")),
        ("**Send the deck** to the board", item("Send the deck to the board")),
    ],
)
def test_owner_and_due_in_action_section_bullets(
    bullet: str, expected: ExtractedActionItem
) -> None:
    assert actions(f"## Action items\n- {bullet}") == [
        ExtractedActionItem(
            expected.text,
            expected.owner,
            expected.owner_resolved,
            expected.due,
            expected.done,
            2,
        )
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "## Decisions",
        "## Key Decisions",
        "## Decisions Made",
        "## Decision log",
        "## Agreed",
        "## Agreements",
        "Agreed:",
        "Decisions:",
        "**Decisions**",
    ],
)
def test_bullets_under_decision_headings_are_decisions(heading: str) -> None:
    text = f"{heading}\n- Go with vendor B\n- Freeze starts Dec 14."
    assert decisions(text) == [
        ExtractedDecision("Go with vendor B", 2),
        ExtractedDecision("Freeze starts Dec 14", 3),
    ]
    assert parse(text).action_items == ()


@pytest.mark.parametrize(
    "heading",
    [
        "## Decisions needed",
        "## Decision needed",
        "## Open decisions",
        "## Open questions",
        "## Pending decisions",
        "Open questions:",
        "Decisions needed:",
    ],
)
def test_bullets_under_open_decision_headings_are_pending_decisions(heading: str) -> None:
    text = f"{heading}\n- Do we hire a contractor for BR-1?\n- Renewal term for Datadog"
    assert decisions(text) == [
        ExtractedDecision("Do we hire a contractor for BR-1?", 2, pending=True),
        ExtractedDecision("Renewal term for Datadog", 3, pending=True),
    ]


def test_a_markdown_heading_rules_until_the_next_heading() -> None:
    text = """
        ## Action items
        - Send the board memo

        These came out of the budget discussion.

        - Book the offsite venue
        ## Risks
        - Vendor lead times are long
        """
    assert [a.text for a in actions(text)] == ["Send the board memo", "Book the offsite venue"]


def test_a_colon_heading_only_rules_its_own_list() -> None:
    text = """
        ## Staffing
        Next steps:
        - Send the offer letter

        The loop went well overall.
        - Candidate prefers a January start
        """
    assert actions(text) == [item("Send the offer letter", line=3)]


def test_a_colon_heading_rules_the_paragraph_right_after_it() -> None:
    text = """
        Summary:
        We agreed the renewal terms.
        """
    assert parse(text).summary == "We agreed the renewal terms."


def test_a_name_line_inside_an_action_section_does_not_end_it() -> None:
    text = """
        ## Action items
        Priya:
        - Send the rota
        """
    assert actions(text) == [item("Send the rota", line=3)]


def test_a_mixed_heading_leaves_plain_bullets_alone() -> None:
    text = """
        ## Decisions and action items
        - Vendor B it is
        - [ ] Tell vendor A - Owner: Jordan
        - Decision: freeze starts Dec 14
        """
    result = parse(text)
    assert result.action_items == (item("Tell vendor A", JORDAN.email, line=3),)
    assert result.decisions == (ExtractedDecision("Freeze starts Dec 14", 4),)


def test_a_wrapped_bullet_is_one_item() -> None:
    text = """
        ## Next steps
        - Send the compute overrun breakdown to
          Sam Okafor by Friday
        - Book the room
        """
    assert actions(text) == [
        item("Send the compute overrun breakdown to Sam Okafor", None, FRIDAY, line=2),
        item("Book the room", line=4),
    ]


def test_sub_bullets_are_details_not_items() -> None:
    text = """
        ## Action items
        - Prepare the QBR deck
          - include the SLO trend
          - and the INC-2291 timeline
        - [ ] Book the room
          - [ ] Order lunch - Owner: Hannah
        """
    assert actions(text) == [
        item("Prepare the QBR deck", line=2),
        item("Book the room", line=5),
        item("Order lunch", HANNAH.email, line=6),
    ]


# --------------------------------------------------------------------------------------------
# Decision markers


@pytest.mark.parametrize(
    "marker", ["Decision:", "Decided:", "Agreed:", "DECISION:", "Decision made:"]
)
@pytest.mark.parametrize("bullet", ["", "- "])
def test_decision_markers(marker: str, bullet: str) -> None:
    text = f"Some context first.\n\n{bullet}{marker} all retry changes need a load test."
    assert decisions(text) == [ExtractedDecision("All retry changes need a load test", 3)]


@pytest.mark.parametrize("marker", ["Decision needed:", "Open decision:", "Open question:"])
def test_pending_decision_markers(marker: str) -> None:
    assert decisions(f"- {marker} contractor or not for BR-1") == [
        ExtractedDecision("Contractor or not for BR-1", 1, pending=True)
    ]


def test_a_bold_decision_marker_counts() -> None:
    assert decisions("**Decision:** go with vendor B") == [ExtractedDecision("Go with vendor B", 1)]


def test_a_wrapped_decision_line_is_one_decision() -> None:
    text = """
        Decision: all retry and timeout changes now need
        a load-test sign-off from SRE.
        Luis has the draft.
        """
    result = parse(text)
    assert result.decisions == (
        ExtractedDecision(
            "All retry and timeout changes now need a load-test sign-off from SRE", 1
        ),
    )
    assert result.summary == "Luis has the draft."


def test_a_decision_marker_under_an_action_heading_is_a_decision() -> None:
    text = "## Next steps\n- Decided: vendor B\n- Tell vendor A"
    result = parse(text)
    assert result.decisions == (ExtractedDecision("Vendor B", 2),)
    assert result.action_items == (item("Tell vendor A", line=3),)


def test_an_action_marker_under_a_decision_heading_is_an_action() -> None:
    text = "## Decisions\n- Vendor B\n- ACTION: Jordan to tell vendor A"
    result = parse(text)
    assert result.decisions == (ExtractedDecision("Vendor B", 2),)
    assert result.action_items == (item("Tell vendor A", JORDAN.email, line=3),)


# --------------------------------------------------------------------------------------------
# Nothing is invented

MAYBES = [
    "We could maybe move the review to Thursday",
    "Might be worth revisiting the vendor later",
    "Discussed whether to hire a contractor",
    "Marcus mentioned he may look at the dashboards",
    "Someone should probably look at alerts",
    "Should Priya send the on-call rota by Friday?",
    "Priya to send the on-call rota by Friday?",
    "Could be worth pulling the router order forward",
    "We talked about maybe bringing in a contractor",
]


@pytest.mark.parametrize("line", MAYBES)
def test_discussion_in_prose_is_not_an_action(line: str) -> None:
    assert parse(line).action_items == ()


@pytest.mark.parametrize("line", MAYBES)
def test_discussion_in_a_topic_bullet_is_not_an_action(line: str) -> None:
    assert parse(f"## Alerting\n- {line}").action_items == ()


@pytest.mark.parametrize("line", MAYBES)
def test_discussion_under_an_action_heading_is_still_not_an_action(line: str) -> None:
    assert parse(f"## Next steps\n- {line}").action_items == ()


@pytest.mark.parametrize(
    "line",
    [
        "Send the offer letter by Friday",
        "Review the runbook",
        "The postmortem is due Dec 4.",
        "Priya wants to move to a follow-the-sun split.",
        "Jordan is having coffee with Tom on Dec 11.",
        "Marcus will send the deck.",
        "Need to send the deck by Friday.",
        "Going to send the deck by Friday.",
        "Someone to look at alerts.",
        "We to decide later.",
        "@marcus will maybe send the deck.",
        "Priya to maybe look at the dashboards.",
        "Priya to be out next Tuesday.",
        "Moved to the new office.",
        "Went to Lisbon to meet the team.",
    ],
)
def test_lines_without_an_explicit_convention_are_not_actions(line: str) -> None:
    assert parse(f"## Staffing\n{line}\n- {line}").action_items == ()


def test_a_question_under_a_decision_heading_is_not_a_decision() -> None:
    assert decisions("## Decisions\n- Do we go with vendor B?") == []


def test_prose_under_a_decision_heading_is_not_a_decision() -> None:
    assert decisions("## Decisions\nWe went back and forth a lot.") == []


# --------------------------------------------------------------------------------------------
# One item per line, one line per item


def test_an_owner_named_twice_is_taken_out_of_the_text_once() -> None:
    assert only_action("- [ ] Priya to send the rota - Owner: Priya Raman") == item(
        "Send the rota", PRIYA.email
    )
    # A different name in the text is part of what to do, not a second owner.
    assert only_action("- [ ] Priya to send the rota - Owner: Marcus") == item(
        "Priya to send the rota", MARCUS.email
    )


def test_a_line_matching_several_conventions_yields_one_item() -> None:
    text = """
        ## Action items
        - ACTION: Priya to send the rota by Friday - Owner: Priya
        - [ ] TODO: @marcus will send the comparison by Dec 5
        ## Decisions
        - Decision: vendor B
        """
    result = parse(text)
    assert result.action_items == (
        item("Send the rota", PRIYA.email, FRIDAY, line=2),
        item("Send the comparison", MARCUS.email, date(2026, 12, 5), line=3),
    )
    assert result.decisions == (ExtractedDecision("Vendor B", 5),)


def test_an_item_noted_inline_and_again_in_the_list_is_kept_once() -> None:
    text = """
        Priya to send the rota.

        ## Action items
        - [ ] Send the rota - Owner: Priya
        - [ ] Send the rota - Owner: Marcus
        Decision: vendor B.
        - Decision: Vendor B
        """
    result = parse(text)
    assert result.action_items == (
        item("Send the rota", PRIYA.email),
        item("Send the rota", MARCUS.email, line=5),
    )
    assert result.decisions == (ExtractedDecision("Vendor B", 6),)


def test_source_lines_count_every_line_including_blank_ones() -> None:
    text = "\n\n# Notes\r\n\r\nPriya to send the rota.\r\n\n- Decision: vendor B\n"
    result = parse_notes(text, MONDAY, TEAM)
    assert [a.source_line for a in result.action_items] == [5]
    assert [d.source_line for d in result.decisions] == [7]


def test_items_come_in_the_order_of_the_notes() -> None:
    text = """
        - [ ] First thing
        Decision: second thing.
        Dev to do the third thing.
        ## Action items
        - Fourth thing
        """
    result = parse(text)
    assert [a.source_line for a in result.action_items] == [1, 3, 5]
    assert [d.source_line for d in result.decisions] == [2]


# --------------------------------------------------------------------------------------------
# Summary


@pytest.mark.parametrize("heading", ["## Summary", "# TL;DR", "### Overview", "Summary:", "TL;DR:"])
def test_the_summary_section_is_the_summary(heading: str) -> None:
    text = f"""
        # ILT
        Some opening remarks that are not the summary.

        {heading}
        Availability missed the SLO. The renewal is the open risk.

        ## Decisions
        - Vendor B
        """
    assert parse(text).summary == "Availability missed the SLO. The renewal is the open risk."


def test_summary_bullets_are_joined_as_sentences() -> None:
    text = """
        ## Summary
        - Availability missed the SLO
        - The renewal is the open risk.
        """
    assert parse(text).summary == "Availability missed the SLO. The renewal is the open risk."


def test_an_inline_tldr_is_the_summary() -> None:
    text = """
        Opening remarks.

        TL;DR: renewal capped at 12 months.
        """
    assert parse(text).summary == "renewal capped at 12 months."


def test_a_long_summary_is_cut_at_a_sentence_end() -> None:
    sentence = "The team reviewed availability, incidents and the budget in detail. "
    text = "## Summary\n" + sentence * 10
    summary = parse(text).summary
    assert len(summary) <= 400
    assert summary.endswith("detail.")
    assert summary == (sentence * 5).strip()


def test_a_long_summary_without_sentence_ends_is_cut_at_a_word() -> None:
    text = "## Summary\n" + "word " * 200
    summary = parse(text).summary
    assert len(summary) <= 401
    assert summary.endswith("word…")


def test_without_a_summary_section_the_first_prose_paragraph_is_used() -> None:
    text = """
        # Weekly sync — 2026-11-30
        **Attendees:** Jordan Lee, Priya Raman
        Date: 2026-11-30
        _Running doc: https://docs.example/sync_

        - A bullet that is not prose
        ACTION: Priya to send the rota

        **On-call.** Load is high again. Priya to send the rota by Friday.
        She wants a follow-the-sun split.

        A second paragraph.
        """
    assert parse(text).summary == ("On-call. Load is high again. She wants a follow-the-sun split.")


def test_without_prose_the_summary_counts_what_was_found() -> None:
    text = """
        # ILT
        **Attendees:** Jordan Lee, Priya Raman
        ## Decisions
        - Vendor B
        - Freeze from Dec 14
        - Renewal capped at 12 months
        ## Action items
        - [ ] Tell vendor A - Owner: Jordan
        - [x] Book the room
        @marcus will send the comparison.
        Priya to send the rota.
        Dev to check the alerts.
        """
    assert parse(text).summary == "Notes with 3 decisions and 5 action items."


def test_the_counted_summary_uses_singulars() -> None:
    assert parse("- Decision: vendor B\n- [ ] Tell vendor A").summary == (
        "Notes with 1 decision and 1 action item."
    )
    assert parse("").summary == "Notes with 0 decisions and 0 action items."


# --------------------------------------------------------------------------------------------
# The example notes

ILT_ATTENDEES = (JORDAN, PRIYA, MARCUS, ELENA, DEV, HANNAH)
ONE_ON_ONE_ATTENDEES = (JORDAN, PRIYA)


def example(name: str, on: date, attendees: tuple[Attendee, ...]) -> NotesExtraction:
    return parse_notes((EXAMPLES / name).read_text(encoding="utf-8"), on, attendees)


def test_the_leadership_team_example() -> None:
    result = example("leadership-team-2026-11-30.md", MONDAY, ILT_ATTENDEES)
    assert set(result.action_items) == {
        item(
            "Send the compute overrun breakdown (by cluster and by service) to Sam Okafor "
            "before the Dec 7 budget check-in",
            MARCUS.email,
            date(2026, 12, 7),
            line=35,
        ),
        item(
            "Draft the reliability section of the QBR deck (SLOs, incident trends, INC-2291)",
            PRIYA.email,
            date(2026, 12, 7),
            line=46,
        ),
        item(
            "Big-rocks slide with updated status and risks for BR-1, BR-3 and BR-6",
            HANNAH.email,
            date(2026, 12, 7),
            line=47,
        ),
        item(
            "Bring three pricing options for the Datadog renewal, including a 12-month term",
            JORDAN.email,
            date(2026, 12, 4),
            line=48,
        ),
        item(
            "Confirm the router delivery dates with the vendor and update the BR-6 plan",
            DEV.email,
            date(2026, 12, 8),
            line=49,
        ),
        item("Cold-tier cutover runbook reviewed by SRE", ELENA.email, date(2026, 12, 10), line=50),
        item(
            "Circulate the INC-2291 draft postmortem to the PIR attendees",
            PRIYA.email,
            MONDAY,
            line=51,
            done=True,
        ),
    }
    assert set(result.decisions) == {
        ExtractedDecision(
            "Infrastructure will not ask for new 2027 headcount at the QBR beyond backfills "
            "and the two open SRE reqs",
            39,
        ),
        ExtractedDecision(
            "The Datadog renewal goes no longer than 12 months unless the vendor drops the "
            "14% uplift",
            40,
        ),
        ExtractedDecision(
            "The BR-1 failover game day moves to 2026-12-15. Change freeze exceptions go to Jordan",
            41,
        ),
        ExtractedDecision(
            "Next week's ILT (already moved to Tuesday, Dec 8 at 14:00) doubles as the QBR dry run",
            42,
        ),
    }
    # No prose paragraph: the header is metadata and the only paragraph is an assignment.
    assert result.summary == "Notes with 4 decisions and 7 action items."


def test_the_one_on_one_example() -> None:
    result = example("priya-1on1-2026-12-01.md", TUESDAY, ONE_ON_ONE_ATTENDEES)
    assert set(result.action_items) == {
        item(
            "Send the on-call rota so the team can look at it before the holidays",
            PRIYA.email,
            date(2026, 12, 4),
            line=9,
        ),
        item(
            "Get a cardinality report for the top 20 custom metrics to Jordan before the "
            "budget check-in on Dec 7",
            PRIYA.email,
            date(2026, 12, 7),
            line=24,
        ),
        # Luis is not in the 1:1, so his name stays as written.
        item(
            "Add the load-test sign-off rule to the payments-api change checklist",
            "Luis Ortega",
            date(2026, 12, 9),
            line=38,
        ),
        item(
            "Send written feedback on the Staff SRE candidate in the ATS",
            JORDAN.email,
            date(2026, 12, 4),
            line=39,
        ),
    }
    assert result.decisions == (
        ExtractedDecision(
            "All retry and timeout changes to payments-api now need a load-test sign-off from "
            "SRE before they ship",
            15,
        ),
    )
    assert result.summary == (
        "On-call load. SRE is at 14.5 pages a week and two people have been on back-to-back "
        "rotations since INC-2291. Priya wants to move to a follow-the-sun split with the two "
        "engineers in Lisbon starting in January."
    )


def test_the_examples_hold_eleven_action_items_of_which_ten_are_open() -> None:
    found = [
        *example("leadership-team-2026-11-30.md", MONDAY, ILT_ATTENDEES).action_items,
        *example("priya-1on1-2026-12-01.md", TUESDAY, ONE_ON_ONE_ATTENDEES).action_items,
    ]
    assert len(found) == 11
    assert len([a for a in found if not a.done]) == 10


def test_an_owner_from_the_wider_team_resolves_when_they_attend() -> None:
    result = example("priya-1on1-2026-12-01.md", TUESDAY, (*ONE_ON_ONE_ATTENDEES, LUIS))
    luis = next(a for a in result.action_items if a.source_line == 38)
    assert (luis.owner, luis.owner_resolved) == (LUIS.email, True)


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("leadership-team-2026-11-30.md", "Dev wondered if we should also look at the gateway"),
        ("leadership-team-2026-11-30.md", 'We might want a standing "top 5 reliability risks"'),
        ("leadership-team-2026-11-30.md", "Could be worth pulling the BR-6 router order forward"),
        ("leadership-team-2026-11-30.md", "Elena floated possibly converting"),
        ("leadership-team-2026-11-30.md", "Jordan is having coffee with him"),
        ("priya-1on1-2026-12-01.md", "Priya wants to move to a follow-the-sun split"),
        ("priya-1on1-2026-12-01.md", "The postmortem is due Dec 4."),
        ("priya-1on1-2026-12-01.md", "We might do a short live demo"),
        ("priya-1on1-2026-12-01.md", "We talked about maybe bringing in a contractor"),
        ("priya-1on1-2026-12-01.md", "It could be worth revisiting the log retention tiers"),
    ],
)
def test_the_maybes_in_the_examples_are_not_picked_up(name: str, line: str) -> None:
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    number = next(i for i, text in enumerate(lines, start=1) if line in text)
    result = example(name, MONDAY, TEAM)
    assert number not in {a.source_line for a in result.action_items}
    assert number not in {d.source_line for d in result.decisions}


# --------------------------------------------------------------------------------------------
# Purity


def test_the_parser_imports_only_the_standard_library_and_the_domain() -> None:
    package = Path(notes_module.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert len(modules) > 1, "the parser is a package of modules"
    imported: set[str] = set()
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            # The model's draft of the notes is a pydantic schema, as the domain's records
            # are; no module of the parser itself uses it.
            elif (
                isinstance(node, ast.ImportFrom)
                and node.module
                and not (module.name == "agent_items.py" and node.module == "pydantic")
            ):
                imported.add(node.module)
    allowed_roots = {
        "__future__",
        "re",
        "bisect",
        "collections",
        "dataclasses",
        "datetime",
        "enum",
        "functools",
        "typing",
        "unicodedata",
    }
    assert {
        name
        for name in imported
        if name.split(".")[0] not in allowed_roots and not name.startswith("exec_assistant.domain")
    } == set()


def test_the_results_are_immutable() -> None:
    result = parse("Priya to send the rota.")
    with pytest.raises(AttributeError):
        result.action_items[0].text = "changed"  # type: ignore[misc]
