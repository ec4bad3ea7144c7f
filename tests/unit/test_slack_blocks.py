"""What the assistant shows in Slack stays inert, readable and within Slack's limits, whatever
the titles, answers and notes hold."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from exec_assistant.configuration import load_meeting_types
from exec_assistant.domain.item_edits import ItemEdit
from exec_assistant.domain.models import (
    ActionItem,
    AgendaItem,
    ChatSession,
    Decision,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    PrepPack,
)
from exec_assistant.services.followup import ActionItemView, DecisionView
from exec_assistant.services.notes import NotesResult
from exec_assistant.slack import block_kit, blocks

from factories import stored_meeting
from slack_api import message_problems, view_problems

ZONE = ZoneInfo("America/New_York")
CATALOG = load_meeting_types(None)[0]
T0 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)

HOSTILE = [
    "<!channel> all hands",
    "<https://evil.example|click here>",
    "<@U0ADMIN> please",
    "Q&A &amp; more <b>",
    "bell\x07 esc\x1b[2J nul\x00 rtl\u202eevil del\x7f c1\x85",
    "🎉 launch 🚀 :tada: *bold* _it_ ~s~ `code`",
    "x" * 10_000,
    "&" * 5000,
]


def meeting(title: str = "Leadership team") -> Meeting:
    return stored_meeting(title, start=T0, meeting_id="mtg_0001")


def session(
    questions: tuple[str, ...] = ("What do you want out of it?",), **more: Any
) -> ChatSession:
    return ChatSession(
        session_id="ses_1",
        user_id="UEXEC001",
        meeting_id="mtg_0001",
        channel="slack",
        questions=questions,
        answers_due=T0 - timedelta(hours=3),
        created_at=1_780_000_000,
        expires_at=1_780_086_400,
        **more,
    )


def pack(**more: Any) -> PrepPack:
    fields: dict[str, Any] = {
        "meeting_id": "mtg_0001",
        "meeting_type": "leadership_team",
        "title": "Leadership team",
        "start": T0,
        "end": T0 + timedelta(hours=1),
        "timezone": "America/New_York",
        "agenda": (AgendaItem(title="Wins", minutes=10, start_offset_minutes=0),),
        "generated_by": "offline",
        "generated_at": T0 - timedelta(days=1),
    }
    fields.update(more)
    return PrepPack(**fields)


def item(text: str = "Send the budget", n: int = 1, **more: Any) -> ActionItem:
    return ActionItem(
        item_id=f"act_{n}", meeting_id="mtg_0001", text=text, source_line=n, created_at=T0, **more
    )


def notes(summary: str = "Went well.", **more: Any) -> NotesResult:
    fields: dict[str, Any] = {
        "meeting": meeting(),
        "summary": summary,
        "decisions": [],
        "action_items": [item()],
        "closed_elsewhere": [],
    }
    fields.update(more)
    return NotesResult(**fields)


def texts(payload: Any) -> list[dict[str, Any]]:
    """Every text object in a payload."""
    found: list[dict[str, Any]] = []
    if isinstance(payload, dict):
        if payload.get("type") in ("mrkdwn", "plain_text") and "text" in payload:
            found.append(payload)
        for value in payload.values():
            found += texts(value)
    elif isinstance(payload, list):
        for value in payload:
            found += texts(value)
    return found


_ENTITY = re.compile(r"&(?!(amp|lt|gt);)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_inert(payload: Any, fallback: str | None = None) -> None:
    for obj in texts(payload):
        text = obj["text"]
        assert not _CONTROL.search(text), text[:80]
        if obj["type"] == "mrkdwn":
            assert "<" not in text and ">" not in text, text[:120]
            assert not _ENTITY.search(text), text[:120]
            assert obj.get("verbatim") is True
    if fallback is not None:
        assert "<" not in fallback and ">" not in fallback and not _ENTITY.search(fallback)
        assert not _CONTROL.search(fallback)
    json.dumps(payload)  # no lone surrogate or other unencodable value


def assert_message_ok(message: blocks.Message) -> None:
    assert message_problems(message.blocks) == []
    assert len(message.blocks) <= 50
    assert 0 < len(message.text) <= block_kit.MESSAGE_TEXT
    assert_inert(message.blocks, message.text)


def assert_view_ok(view: dict[str, Any]) -> None:
    assert view_problems(view) == []
    assert_inert(view["blocks"])


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_title_makes_no_mention_link_or_broken_message_anywhere(hostile: str) -> None:
    m = meeting(hostile)
    kind = CATALOG.get("leadership_team")
    rendered = [
        blocks.notification(m, kind, session((hostile,)), ZONE),
        blocks.digest([(m, kind)] * 3, ZONE, date(2026, 12, 2)),
        blocks.pack_message(m, pack(title=hostile, questions=(hostile,)), ZONE),
        blocks.reminder(
            FinalReminder(
                meeting_id="mtg_0001",
                title=hostile,
                start=T0,
                timezone="America/New_York",
                headline=(hostile,),
                open_items=(hostile,),
            ),
            ZONE,
        ),
        blocks.notes_request(m),
        blocks.notes_result(notes(hostile, meeting=m), ZONE, accepted=False),
        blocks.meeting_list([(m, None)], ZONE),
        blocks.action_list([ActionItemView(item(hostile, owner=hostile), m, True)], ZONE),
        blocks.decision_list(
            [
                DecisionView(
                    Decision(decision_id="d1", meeting_id="m", text=hostile, created_at=T0), m
                )
            ]
        ),
        blocks.notice(hostile),
        blocks.follow_up_question(FollowUpTurn(question_number="1", question=hostile)),
    ]
    for message in rendered:
        assert_message_ok(message)
    for view in (
        blocks.answers_modal(m, session((hostile,), answers={"1": hostile}), {}),
        blocks.reclassify_modal(m, CATALOG),
        blocks.edit_notes_modal(m, [item(hostile, owner=hostile)]),
        blocks.paste_notes_modal(m),
    ):
        assert_view_ok(view)


def test_mentions_and_links_in_a_title_are_shown_as_written() -> None:
    shown = blocks.notification(
        meeting("<!channel> <https://evil.example|click> & co"),
        CATALOG.get("leadership_team"),
        session(),
        ZONE,
    )
    header = shown.blocks[0]["text"]["text"]
    assert header == "Prep: <!channel> <https://evil.example|click> & co"  # plain_text: literal
    request = blocks.notes_request(meeting("<!channel> <https://evil.example|click> & co"))
    text = request.blocks[0]["text"]["text"]
    assert text.startswith("*&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co*")
    assert shown.text.startswith("Prep questions for &lt;!channel&gt;")


def test_control_characters_are_dropped_and_emoji_kept() -> None:
    assert block_kit.escape("a\x00b\x1b[2Jc\u202ed 🎉") == "ab[2Jcd 🎉"
    assert block_kit.clean("one\ntwo\r\nthree") == "one two three"
    assert block_kit.clean("one\ntwo", multiline=True) == "one\ntwo"


def test_an_escaped_text_cut_to_its_limit_never_ends_in_half_an_entity() -> None:
    for n in range(1, 12):
        cut = block_kit.escape("&" * 50, limit=n * 3)
        assert len(cut) <= n * 3
        assert not _ENTITY.search(cut.removesuffix("…")), cut


def test_two_hundred_agenda_items_stay_within_fifty_blocks_and_say_the_file_has_them() -> None:
    agenda = tuple(
        AgendaItem(
            title=f"Topic {n} " + "y" * 200, minutes=1, start_offset_minutes=n, purpose="p" * 300
        )
        for n in range(200)
    )
    message = blocks.pack_message(
        meeting(),
        pack(
            agenda=agenda,
            questions=tuple(f"q{n}" for n in range(40)),
            open_action_items=tuple("o" * 600 for _ in range(100)),
            decisions_needed=tuple("d" * 600 for _ in range(100)),
        ),
        ZONE,
    )
    assert_message_ok(message)
    assert "the whole pack is in the file" in json.dumps(message.blocks)


def test_a_section_never_passes_three_thousand_characters() -> None:
    message = blocks.notice("z" * 10_000)
    assert len(message.blocks[0]["text"]["text"]) <= 3000
    for section in block_kit.sections_of("Agenda", ["w" * 2500] * 5):
        assert len(section["text"]["text"]) <= 3000
    assert len(block_kit.section("&amp;" * 1000)["text"]["text"]) <= 3000


def test_a_long_header_and_button_texts_are_cut_to_slacks_limits() -> None:
    kind = CATALOG.get("leadership_team").model_copy(update={"name": "Name " * 40})
    message = blocks.notification(meeting("T" * 500), kind, session(), ZONE)
    assert len(message.blocks[0]["text"]["text"]) <= 150
    buttons = message.blocks[-1]["elements"]
    assert all(len(b["text"]["text"]) <= 75 for b in buttons)
    assert buttons[-1]["text"]["text"].startswith("Not a Name")
    assert {b["value"] for b in buttons} == {"mtg_0001"}
    assert_message_ok(message)


def test_a_hundred_questions_make_a_modal_of_at_most_a_hundred_blocks() -> None:
    view = blocks.answers_modal(
        meeting(), session(tuple(f"Question {n}? " + "q" * 2500 for n in range(150))), {}
    )
    assert len(view["blocks"]) <= 100
    assert all(len(b["label"]["text"]) <= 2000 for b in view["blocks"] if b["type"] == "input")
    assert_view_ok(view)


def test_a_modal_title_stays_within_twenty_four_characters_and_keeps_the_meeting_id() -> None:
    for view in (
        blocks.answers_modal(meeting(), session(), {}),
        blocks.reclassify_modal(meeting(), CATALOG),
        blocks.edit_notes_modal(meeting(), [item()]),
        blocks.paste_notes_modal(meeting()),
    ):
        assert len(view["title"]["text"]) <= 24
        assert view["private_metadata"] == "mtg_0001"
        assert_view_ok(view)


def test_the_answers_modal_is_prefilled_and_read_back_by_question_number() -> None:
    view = blocks.answers_modal(
        meeting(),
        session(("One?", "Two?", "Three?"), answers={"1": "given"}),
        {"1": "old", "2": "x" * 5000},
    )
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert inputs[0]["element"]["initial_value"] == "given"
    assert len(inputs[1]["element"]["initial_value"]) <= 3000
    assert "initial_value" not in inputs[2]["element"]
    submitted = {
        "state": {
            "values": {
                "q1": {"answer": {"type": "plain_text_input", "value": " Ship it\x00 "}},
                "q2": {"answer": {"type": "plain_text_input", "value": ""}},
                "q3": {"answer": {"type": "plain_text_input", "value": "Line\nTwo"}},
                "other": {"answer": {"value": "ignored"}},
            }
        }
    }
    assert blocks.answers_from_view(submitted) == {"1": "Ship it", "3": "Line\nTwo"}
    assert blocks.answers_from_view({"state": "garbage"}) == {}


def test_the_reclassify_modal_offers_every_type_and_reads_the_choice() -> None:
    view = blocks.reclassify_modal(meeting(), CATALOG)
    element = view["blocks"][1]["element"]
    assert [o["value"] for o in element["options"]] == CATALOG.ids
    assert element["initial_option"]["value"] == "leadership_team"
    chosen = {
        "state": {
            "values": {
                "meeting_type": {"meeting_type": {"selected_option": {"value": "one_on_one"}}}
            }
        }
    }
    assert blocks.type_from_view(chosen) == "one_on_one"
    assert blocks.type_from_view({}) == ""


def test_edited_items_are_read_back_with_owner_and_due_date() -> None:
    view = blocks.edit_notes_modal(
        meeting(), [item(owner="Priya", due=date(2026, 12, 9)), item("Other", 2)]
    )
    dues = [b for b in view["blocks"] if b.get("block_id", "").startswith("due/")]
    assert dues[0]["element"]["initial_date"] == "2026-12-09"
    state = {
        "values": {
            "text/act_1": {"text": {"value": "Send the budget v2"}},
            "owner/act_1": {"owner": {"value": "Sam"}},
            "due/act_1": {"due": {"selected_date": "2026-12-11"}},
            "text/act_2": {"text": {"value": "Other"}},
            "owner/act_2": {"owner": {"value": None}},
            "due/act_2": {"due": {"selected_date": "not a date"}},
        }
    }
    assert blocks.edits_from_view({"state": state}) == [
        ItemEdit("act_1", "Send the budget v2", "Sam", date(2026, 12, 11)),
        ItemEdit("act_2", "Other", None, None),
    ]


def test_many_items_to_edit_stay_within_a_modals_hundred_blocks() -> None:
    view = blocks.edit_notes_modal(meeting(), [item(f"Item {n}", n) for n in range(60)])
    assert len(view["blocks"]) <= 100
    assert "more items are not shown" in json.dumps(view["blocks"])
    assert_view_ok(view)


def test_a_digest_of_many_meetings_stays_within_fifty_blocks() -> None:
    kind = CATALOG.get("leadership_team")
    entries = [
        (stored_meeting(f"Meeting {n}", start=T0, meeting_id=f"mtg_{n}"), kind) for n in range(80)
    ]
    message = blocks.digest(entries, ZONE, date(2026, 12, 2))
    assert_message_ok(message)
    assert "more" in json.dumps(message.blocks[-1])


def test_the_notification_fallback_holds_no_answers_or_questions() -> None:
    message = blocks.notification(
        meeting(),
        CATALOG.get("leadership_team"),
        session(("SECRET-QUESTION",), answers={"1": "SECRET-ANSWER"}),
        ZONE,
    )
    assert "SECRET" not in message.text
    assert "Leadership team" in message.text


def test_the_notes_result_fallback_gives_counts_not_content() -> None:
    message = blocks.notes_result(
        notes("SECRET-SUMMARY", action_items=[item("SECRET-ITEM")]), ZONE, accepted=False
    )
    assert "SECRET" not in message.text
    assert "1 action item" in message.text
    ids = [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == [blocks.ACTION_ACCEPT_NOTES, blocks.ACTION_EDIT_NOTES]
    accepted = blocks.notes_result(notes(), ZONE, accepted=True)
    assert not [b for b in accepted.blocks if b["type"] == "actions"]


def test_the_pack_and_reminder_fallbacks_hold_no_answers() -> None:
    assert "SECRET" not in blocks.pack_message(meeting(), pack(answers={"q": "SECRET"}), ZONE).text
    reminder = FinalReminder(
        meeting_id="mtg_0001",
        title="Leadership team",
        start=T0,
        timezone="UTC",
        headline=("SECRET",),
    )
    assert "SECRET" not in blocks.reminder(reminder, ZONE).text


def test_the_help_message_fits_slack() -> None:
    assert_message_ok(blocks.help_message())
