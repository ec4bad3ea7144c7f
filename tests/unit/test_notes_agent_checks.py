"""A model's reading of the notes, checked against the notes and merged with the parser's."""

from __future__ import annotations

from datetime import date

from exec_assistant.domain.notes import parse_notes
from exec_assistant.domain.notes.agent_items import (
    MAX_ITEMS,
    CheckedNotes,
    DraftActionItem,
    DraftDecision,
    NotesDraft,
    check_draft,
)
from exec_assistant.domain.notes.dates import resolve_due

from factories import ME, person

MEETING_DAY = date(2026, 12, 2)
ATTENDEES = (ME, person("Priya Raman"), person("Marcus Webb"))
PRIYA = "priya.raman@northwind.example"
MARCUS = "marcus.webb@northwind.example"

NOTES = """# Leadership team
## Action Items
- [ ] Priya Raman to draft the runbook by 2026-12-20
- Marcus mentioned the offsite, maybe book a venue
Sam Okafor will send the vendor shortlist next Friday.
## Decisions
- Decision: move the launch to January
We agreed to freeze hiring until Q2 after a long debate
  about the budget.
- [ ] Marcus to update the on-call rota so that the new
  hires are in it from January
"""


def _check(draft: NotesDraft, notes: str = NOTES) -> CheckedNotes:
    return check_draft(
        draft, notes, MEETING_DAY, ATTENDEES, parse_notes(notes, MEETING_DAY, ATTENDEES)
    )


def _action(text: str, quote: str, **fields: object) -> DraftActionItem:
    return DraftActionItem.model_validate({"text": text, "quote": quote, **fields})


def test_the_models_items_join_the_parsers_in_line_order() -> None:
    checked = _check(
        NotesDraft(
            summary="The launch moves to January; hiring is frozen.",
            decisions=[
                DraftDecision(text="Freeze hiring until Q2", quote="We agreed to freeze hiring")
            ],
            action_items=[
                _action(
                    "Send the vendor shortlist",
                    "Sam Okafor will send the vendor shortlist",
                    owner="Sam Okafor",
                )
            ],
        )
    )
    got = checked.extraction
    assert [(d.text, d.source_line) for d in got.decisions] == [
        ("Move the launch to January", 7),
        ("Freeze hiring until Q2", 8),
    ]
    assert [(a.text, a.source_line) for a in got.action_items] == [
        ("Draft the runbook", 3),
        ("Send the vendor shortlist", 5),
        ("Update the on-call rota so that the new hires are in it from January", 10),
    ]
    assert got.summary == "The launch moves to January; hiring is frozen."
    assert checked.dropped == ()


def test_on_a_line_the_parser_read_the_parsers_fields_win() -> None:
    checked = _check(
        NotesDraft(
            action_items=[
                _action(
                    "Write the runbook",
                    "Priya Raman to draft the runbook",
                    owner="Marcus",
                    due="tomorrow",
                ),
                # A wrapped bullet: the quote is on its second line, the parser cites its first.
                _action("Put new hires on call", "hires are in it from January", owner="Priya"),
            ]
        )
    )
    items = checked.extraction.action_items
    assert [(a.text, a.owner, a.due, a.source_line) for a in items] == [
        ("Draft the runbook", PRIYA, date(2026, 12, 20), 3),
        ("Update the on-call rota so that the new hires are in it from January", MARCUS, None, 10),
    ]
    # Not a reason to show: the line's item is there, the parser's.
    assert checked.dropped == ()


def test_an_item_whose_quote_is_not_in_the_notes_is_dropped_with_its_reason() -> None:
    checked = _check(
        NotesDraft(
            action_items=[
                _action("Book the offsite venue", "Elena to book the offsite venue", owner="Elena")
            ]
        )
    )
    assert [a.text for a in checked.extraction.action_items] == [
        "Draft the runbook",
        "Update the on-call rota so that the new hires are in it from January",
    ]
    assert checked.dropped == (
        "action item 'Book the offsite venue': its quote 'Elena to book the offsite venue' "
        "is not in the notes",
    )


def test_a_quote_too_short_to_point_at_a_line_is_dropped() -> None:
    checked = _check(
        NotesDraft(
            decisions=[DraftDecision(text="Freeze hiring", quote="hiring")],
            action_items=[_action("Book a venue", "   ")],
        )
    )
    assert len(checked.extraction.decisions) == 1  # the parser's
    assert len(checked.dropped) == 2
    assert all("too short" in reason for reason in checked.dropped)


def test_a_quote_matches_whatever_its_case_spacing_bullet_and_typography() -> None:
    notes = "## Next steps\n* [x]  **Marcus** to call the vendor’s  account manager — today\n"
    checked = _check(
        NotesDraft(
            action_items=[
                _action(
                    "Call the vendor's account manager",
                    "- [x] marcus to call the VENDOR'S account manager - today.",
                    owner="Marcus",
                    done=True,
                )
            ]
        ),
        notes=notes,
    )
    # The parser read the line as well; what matters is that the quote was found on line 2.
    assert [a.source_line for a in checked.extraction.action_items] == [2]
    assert checked.dropped == ()


def test_an_owner_who_is_not_an_attendee_is_kept_as_written_and_unresolved() -> None:
    checked = _check(
        NotesDraft(
            action_items=[
                _action(
                    "Send the vendor shortlist",
                    "Sam Okafor will send the vendor shortlist",
                    owner="Sam Okafor",
                )
            ]
        )
    )
    sam = next(a for a in checked.extraction.action_items if a.source_line == 5)
    assert (sam.owner, sam.owner_resolved) == ("Sam Okafor", False)


def test_an_owner_who_is_an_attendee_resolves_to_their_email() -> None:
    notes = "Follow-ups from the review\nThe vendor shortlist goes out this week, Marcus owns it\n"
    checked = _check(
        NotesDraft(
            action_items=[
                _action("Send the vendor shortlist", "vendor shortlist goes out", owner="Marcus")
            ]
        ),
        notes=notes,
    )
    [item] = checked.extraction.action_items
    assert (item.owner, item.owner_resolved) == (MARCUS, True)


def test_an_owner_the_notes_never_name_is_a_guess_and_is_not_kept() -> None:
    checked = _check(
        NotesDraft(
            action_items=[
                _action(
                    "Send the vendor shortlist",
                    "Sam Okafor will send the vendor shortlist",
                    owner="Elena Park",
                )
            ]
        )
    )
    item = next(a for a in checked.extraction.action_items if a.source_line == 5)
    assert (item.owner, item.owner_resolved) == (None, False)
    assert checked.dropped == (
        "owner 'Elena Park' of action item 'Send the vendor shortlist': not named in the notes, "
        "so the item is kept without an owner",
    )


def test_a_relative_due_date_is_resolved_by_the_parsers_resolver() -> None:
    checked = _check(
        NotesDraft(
            action_items=[
                _action(
                    "Send the vendor shortlist",
                    "Sam Okafor will send the vendor shortlist",
                    owner="Sam Okafor",
                    due="next Friday",
                )
            ]
        )
    )
    item = next(a for a in checked.extraction.action_items if a.source_line == 5)
    assert item.due == resolve_due("next Friday", MEETING_DAY) == date(2026, 12, 11)


def test_a_due_date_the_notes_do_not_write_is_not_kept() -> None:
    checked = _check(
        NotesDraft(
            action_items=[
                _action(
                    "Send the vendor shortlist",
                    "Sam Okafor will send the vendor shortlist",
                    due="2026-12-24",
                ),
                _action("Book a venue", "maybe book a venue", due="soon"),
            ]
        )
    )
    got = {a.source_line: a.due for a in checked.extraction.action_items}
    assert got[5] is None
    assert got[4] is None  # "soon" is no date: the item stays, without one
    assert checked.dropped == (
        "due '2026-12-24' of action item 'Send the vendor shortlist': not written in the "
        "notes, so the item is kept without a due date",
        "due 'soon' of action item 'Book a venue': not written in the notes, so the item is "
        "kept without a due date",
    )


def test_a_blank_summary_leaves_the_parsers() -> None:
    parsed = parse_notes(NOTES, MEETING_DAY, ATTENDEES)
    assert _check(NotesDraft(summary=" \n\t ")).extraction.summary == parsed.summary


def test_control_characters_never_reach_an_item_or_the_summary() -> None:
    checked = _check(
        NotesDraft(
            summary="Launch\x1b[2J moves\u202e to January\x00",
            decisions=[
                DraftDecision(text="Freeze\x07 hiring\r\nuntil Q2", quote="freeze hiring until Q2")
            ],
        )
    )
    assert checked.extraction.summary == "Launch [2J moves to January"
    assert checked.extraction.decisions[1].text == "Freeze hiring until Q2"


def test_the_same_item_twice_is_kept_once() -> None:
    item = _action("Book a venue", "maybe book a venue", owner="Marcus")
    checked = _check(NotesDraft(action_items=[item, item]))
    assert [a.source_line for a in checked.extraction.action_items].count(4) == 1


def test_a_flood_of_items_is_capped_with_a_reason() -> None:
    notes = "\n".join(f"- [ ] Review vendor contract number {n} today" for n in range(80))
    drafts = [
        _action(f"Review contract {n}", f"Review vendor contract number {n} today")
        for n in range(80)
    ]
    checked = check_draft(
        NotesDraft(action_items=drafts),
        notes,
        MEETING_DAY,
        ATTENDEES,
        parse_notes("x", MEETING_DAY, ()),
    )
    assert len(checked.extraction.action_items) == MAX_ITEMS
    assert checked.dropped == (
        f"{80 - MAX_ITEMS} action items past the first {MAX_ITEMS} the model gave were not read",
    )


def test_markup_and_regex_characters_in_an_owner_or_quote_are_only_text() -> None:
    notes = "- (.*) [link](x) to send the [report] by Friday\n"
    checked = check_draft(
        NotesDraft(
            action_items=[
                _action("Send the report", "[link](x) to send the [report]", owner="(.*)"),
                _action("Anything", "[a-z]+ to send the report"),
            ]
        ),
        notes,
        MEETING_DAY,
        ATTENDEES,
        parse_notes("x", MEETING_DAY, ()),
    )
    [item] = checked.extraction.action_items
    assert (item.text, item.owner, item.owner_resolved, item.source_line) == (
        "Send the report",
        "(.*)",
        False,
        1,
    )
    assert checked.dropped == (
        "action item 'Anything': its quote '[a-z]+ to send the report' is not in the notes",
    )
