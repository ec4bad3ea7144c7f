"""Next steps without an owner ("Revisit the pricing model in May") are action items too."""

from __future__ import annotations

from datetime import date

import pytest

from exec_assistant.domain.notes import ExtractedActionItem, parse_notes, resolve_due

from factories import person

DECEMBER_MEETING = date(2026, 12, 1)
MARIA = person("Maria Lopez")
TEAM = (person("Jordan Lee"), person("Priya Raman"), MARIA)
END_OF_MAY = date(2027, 5, 31)


def actions(text: str, on: date = DECEMBER_MEETING) -> list[ExtractedActionItem]:
    return list(parse_notes(text, on, TEAM).action_items)


def owner_less(text: str, due: date | None, line: int) -> ExtractedActionItem:
    return ExtractedActionItem(text, None, False, due, False, line)


# --------------------------------------------------------------------------------------------
# A month without a day is due on its last day, in the next such month that has not ended


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("in May", END_OF_MAY),  # May after a December meeting is next year's
        ("in may", END_OF_MAY),
        ("end of May", END_OF_MAY),
        ("by the end of May", END_OF_MAY),
        ("in May 2028", date(2028, 5, 31)),
        ("in December", date(2026, 12, 31)),  # the meeting's own month: this one
        ("in November", date(2027, 11, 30)),  # a month just gone: next year's
        ("in Sept", date(2027, 9, 30)),
        ("in February", date(2027, 2, 28)),
    ],
)
def test_a_month_is_due_on_its_last_day(phrase: str, expected: date) -> None:
    assert resolve_due(phrase, DECEMBER_MEETING) == expected


def test_february_has_its_leap_day() -> None:
    assert resolve_due("in Feb", date(2027, 12, 1)) == date(2028, 2, 29)


@pytest.mark.parametrize("phrase", ["May", "by May", "in 2 months", "in the spring", "mid-May"])
def test_a_month_that_does_not_say_when_in_it_is_no_date(phrase: str) -> None:
    # "by May" may mean before May starts or before it ends: no date is better than a guess.
    assert resolve_due(phrase, DECEMBER_MEETING) is None


# --------------------------------------------------------------------------------------------
# Under an action heading, an instruction without an owner is an action item


@pytest.mark.parametrize(
    "notes",
    [
        "## Next Steps\nRevisit the pricing model in May",
        "## Next Steps\n- Revisit the pricing model in May",
        "## Action Items\nRevisit the pricing model in May.",
        "## Follow-ups\n* Revisit the pricing model in May",
        "Next steps:\nRevisit the pricing model in May",
        "**Next steps**\nRevisit the pricing model in May",
        "Next steps: revisit the pricing model in May",
        "Follow-up: revisit the pricing model in May",
        # Plain-text notes: the heading is a line of its own, without "#" or a colon.
        "Next Steps\nRevisit the pricing model in May",
        "Action items\n\nRevisit the pricing model in May",
        "Follow-ups\n– Revisit the pricing model in May",
    ],
)
def test_an_owner_less_next_step_is_an_action_item(notes: str) -> None:
    line = notes.count("\n") + 1
    assert actions(notes) == [owner_less("Revisit the pricing model", END_OF_MAY, line)]


def test_several_next_steps_in_a_plain_text_list() -> None:
    notes = (
        "Pricing\n"
        "We are below the market.\n"
        "\n"
        "Next Steps\n"
        "Revisit the pricing model in May\n"
        "Maria to send the competitor deck by Friday\n"
        "Also check the discount rules in two weeks\n"
        "Follow up with legal on the reseller terms\n"
    )
    found = actions(notes)
    assert [(a.text, a.owner, a.due, a.source_line) for a in found] == [
        ("Revisit the pricing model", None, END_OF_MAY, 5),
        ("Send the competitor deck", MARIA.email, date(2026, 12, 4), 6),
        ("Also check the discount rules", None, date(2026, 12, 15), 7),
        ("Follow up with legal on the reseller terms", None, None, 8),
    ]
    # The next steps are items, so they are no longer read as the notes' opening prose.
    assert "Revisit" not in parse_notes(notes, DECEMBER_MEETING, TEAM).summary


@pytest.mark.parametrize(
    "sentence",
    [
        "These came out of the budget discussion.",
        "Review went well.",
        "Update is pending on the vendor side.",
        "Test results look good.",
        "Plan B is off the table.",
        "Update: the vendor replied on Friday.",
        "Pricing is below the market.",
        "Maybe revisit the pricing model in May.",
        "Revisit the pricing model in May?",
        "Someone should revisit the pricing model.",
        "Review.",
    ],
)
def test_prose_under_an_action_heading_that_is_no_instruction_stays_prose(sentence: str) -> None:
    assert actions(f"## Next steps\n{sentence}") == []


def test_an_instruction_under_a_topic_heading_is_not_an_action() -> None:
    assert actions("## Pricing\nRevisit the pricing model in May.") == []
    assert actions("## Pricing\n- Revisit the pricing model in May") == []


def test_a_plain_text_heading_must_be_a_capitalised_line_of_its_own() -> None:
    assert actions("next steps\nRevisit the pricing model in May") == []
    assert actions("We agreed on the next steps\nRevisit the pricing model in May") == []
    assert actions("Pricing and next steps\nRevisit the pricing model in May") == []


def test_a_plain_text_heading_rules_only_the_paragraph_after_it() -> None:
    notes = "Next Steps\nRevisit the pricing model in May\n\nReview the hiring plan for Q1."
    assert actions(notes) == [owner_less("Revisit the pricing model", END_OF_MAY, 2)]


@pytest.mark.parametrize(
    ("sentence", "due"),
    [
        ("Revisit the pricing model in two weeks", date(2026, 12, 15)),
        ("Revisit the pricing model by the end of May", END_OF_MAY),
        ("Revisit the pricing model end of May", END_OF_MAY),
        ("Revisit the deal signed in May", None),
        ("Review the numbers from in May", None),
        ("Roll out the new rota starting in January", None),
    ],
)
def test_a_trailing_period_is_a_deadline_unless_it_dates_something_else(
    sentence: str, due: date | None
) -> None:
    (found,) = actions(f"## Next steps\n- {sentence}")
    assert found.due == due


def test_an_owner_less_item_is_never_given_an_owner() -> None:
    (found,) = actions("## Next steps\n- Revisit the pricing model with the Lisbon team in May")
    assert (found.owner, found.owner_resolved) == (None, False)


@pytest.mark.parametrize(
    "notes",
    [
        "## Action items\n- None",
        "## Action items\n- N/A",
        "Next steps: none",
        "ACTION: TBD",
    ],
)
def test_an_item_that_says_there_is_none_is_no_item(notes: str) -> None:
    assert actions(notes) == []


def test_a_decision_that_says_there_is_none_is_no_decision() -> None:
    assert parse_notes("## Decisions\n- None", DECEMBER_MEETING, TEAM).decisions == ()
