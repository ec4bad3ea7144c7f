"""What the assistant says in Slack, as Block Kit: pure functions from records to payloads.

Every outside text (titles, names, answers, notes, facts) goes through `block_kit`: escaped,
without control characters, cut to the limit of its field. A message's `text` is the
notification fallback (what a phone or a screen reader shows): the title, a time, counts;
never an answer, a note or an item beyond what the blocks show.

Every button's value is the meeting id; every modal's private_metadata is the meeting id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from exec_assistant.domain.item_edits import ItemEdit
from exec_assistant.domain.meeting_types import MeetingType, MeetingTypeCatalog
from exec_assistant.domain.models import (
    ActionItem,
    ChatSession,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    MeetingSummary,
    PrepPack,
    SessionState,
)
from exec_assistant.slack.block_kit import (
    INPUT_VALUE,
    LABEL_TEXT,
    MESSAGE_BLOCKS,
    MESSAGE_TEXT,
    MODAL_BLOCKS,
    MODAL_BUTTON,
    MODAL_TITLE,
    OPTION_TEXT,
    OPTION_VALUE,
    PLACEHOLDER_TEXT,
    PRIVATE_METADATA,
    SELECT_OPTIONS,
    Block,
    actions,
    button,
    clean,
    context,
    cut,
    escape,
    fit,
    header,
    plain,
    plain_text,
    section,
    sections_of,
)
from exec_assistant.slack.ids import (
    ACTION_ACCEPT_NOTES,
    ACTION_EDIT_NOTES,
    ACTION_PASTE_NOTES,
    ACTION_PREP_NOW,
    ACTION_RECLASSIFY,
    ACTION_SKIP,
    ACTION_SNOOZE,
    ACTION_USE_DEFAULTS,
    ANSWER_ACTION,
    NOTES_ACTION,
    NOTES_BLOCK,
    TYPE_ACTION,
    VIEW_ANSWERS,
    VIEW_EDIT_NOTES,
    VIEW_PASTE_NOTES,
    VIEW_RECLASSIFY,
)

if TYPE_CHECKING:
    from exec_assistant.services.followup import ActionItemView, DecisionView
    from exec_assistant.services.notes import NotesResult

_EDIT_FIELDS = ("text", "owner", "due")

SHOWN_QUESTIONS = 5
"""Questions to ask the attendees shown in the pack message; the file has them all."""


@dataclass(frozen=True)
class Message:
    text: str
    """The notification fallback: no answers, notes or items."""
    blocks: list[Block]


# ---- times --------------------------------------------------------------------------------


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %H:%M}"


def _span(meeting: Meeting, zone: ZoneInfo) -> str:
    if meeting.all_day:
        return f"{meeting.start.astimezone(zone):%a %d %b}, all day"
    return f"{_when(meeting.start, zone)}–{meeting.end.astimezone(zone):%H:%M} ({zone.key})"


def _title(meeting: Meeting | MeetingSummary) -> str:
    return escape(meeting.title, limit=300) or "(untitled)"


def _fallback(*parts: str) -> str:
    return escape(" ".join(parts), limit=MESSAGE_TEXT)


# ---- the prep conversation ----------------------------------------------------------------


def notification(
    meeting: Meeting, meeting_type: MeetingType, session: ChatSession, zone: ZoneInfo
) -> Message:
    mid = meeting.meeting_id
    why = meeting.classification_reason
    facts = [
        f"*When:* {_span(meeting, zone)}",
        f"*Type:* {escape(meeting_type.name, limit=200)}"
        + (f" ({escape(why, limit=500)})" if why else ""),
    ]
    if session.answers_due is not None:
        facts.append(f"*Answers by:* {_when(session.answers_due, zone)} ({zone.key})")
    body: list[Block] = [header(f"Prep: {clean(meeting.title)}"), section("\n".join(facts))]
    if session.questions:
        body += sections_of(
            "Questions",
            (f"{n}. {escape(q, limit=1000)}" for n, q in enumerate(session.questions, 1)),
        )
    body.append(
        context(
            "Answer in this thread (`1. …`, `2. …`; an unnumbered reply answers the next "
            "question), or press *Prep now*."
        )
    )
    tail = [
        actions(
            button("Prep now", ACTION_PREP_NOW, mid, style="primary"),
            button("Use defaults", ACTION_USE_DEFAULTS, mid),
            button("Snooze 2 h", ACTION_SNOOZE, mid),
            button("Skip this meeting", ACTION_SKIP, mid, style="danger"),
            button(f"Not a {clean(meeting_type.name)}?", ACTION_RECLASSIFY, mid),
        )
    ]
    return Message(
        _fallback("Prep questions for", meeting.title, "·", _span(meeting, zone)),
        fit(body, tail, MESSAGE_BLOCKS, "… and {count} more: see `/prep list`."),
    )


def digest(entries: Sequence[tuple[Meeting, MeetingType]], zone: ZoneInfo, day: date) -> Message:
    body: list[Block] = [
        header(f"Meetings to prep, {day:%a %d %b}"),
        context(
            f"{len(entries)} more meeting{'s' if len(entries) != 1 else ''} than the day's "
            "limit of prep messages: answer any of them here, or let them go ahead with "
            "defaults."
        ),
    ]
    for meeting, meeting_type in entries:
        body.append(
            section(
                f"*{_title(meeting)}*\n{_span(meeting, zone)} · "
                f"{escape(meeting_type.name, limit=200)}",
                accessory=button("Prep now", ACTION_PREP_NOW, meeting.meeting_id),
            )
        )
    count = len(entries)
    return Message(
        _fallback(f"{count} meeting{'s' if count != 1 else ''} to prep on {day:%a %d %b}"),
        fit(body, [], MESSAGE_BLOCKS, "… and {count} more: see `/prep list`."),
    )


def follow_up_question(follow_up: FollowUpTurn) -> Message:
    """One follow-up question on an answer; its reply in the thread answers it."""
    question = escape(follow_up.question, limit=2000, multiline=True)
    return Message(
        _fallback(f"A question on your answer {follow_up.question_number}"),
        [
            section(f"*About your answer {follow_up.question_number}:* {question}"),
            context("Reply in this thread."),
        ],
    )


def answers_modal(
    meeting: Meeting, session: ChatSession, prefill: dict[str, str]
) -> dict[str, Any]:
    """The questions as inputs, each prefilled with the answer already given in this session,
    else with `prefill` (last time's answers, by question number)."""
    blocks: list[Block] = [section(f"*{_title(meeting)}*")]
    for n, question in enumerate(session.questions, 1):
        number = str(n)
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": ANSWER_ACTION,
            "multiline": True,
            "max_length": INPUT_VALUE,
        }
        initial = session.answers.get(number) or prefill.get(number)
        if initial:
            element["initial_value"] = plain(initial, INPUT_VALUE, multiline=True)
        blocks.append(
            {
                "type": "input",
                "block_id": f"q{number}",
                "optional": True,
                "label": plain_text(f"{n}. {question}", LABEL_TEXT),
                "element": element,
            }
        )
    return _modal(VIEW_ANSWERS, meeting, "Prep answers", "Submit", blocks)


def answers_from_view(view: dict[str, Any]) -> dict[str, str]:
    """The answers given in the modal, by question number; empty ones left out."""
    answers: dict[str, str] = {}
    for block_id, inputs in _values(view).items():
        if not (block_id.startswith("q") and block_id[1:].isdigit()):
            continue
        value = _input_value(inputs, ANSWER_ACTION)
        if value:
            answers[str(int(block_id[1:]))] = value
    return answers


def reclassify_modal(meeting: Meeting, catalog: MeetingTypeCatalog) -> dict[str, Any]:
    options = [
        {"text": plain_text(t.name, OPTION_TEXT), "value": cut(t.id, OPTION_VALUE)}
        for t in list(catalog)[:SELECT_OPTIONS]
    ]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": TYPE_ACTION,
        "placeholder": plain_text("Choose a meeting type", PLACEHOLDER_TEXT),
        "options": options,
    }
    current = next((o for o in options if o["value"] == meeting.meeting_type), None)
    if current is not None:
        element["initial_option"] = current
    blocks: list[Block] = [
        section(
            f"What kind of meeting is *{_title(meeting)}*? The choice is kept for the whole "
            "series, and its questions are asked instead."
        ),
        {
            "type": "input",
            "block_id": TYPE_ACTION,
            "label": plain_text("Meeting type", LABEL_TEXT),
            "element": element,
        },
    ]
    return _modal(VIEW_RECLASSIFY, meeting, "Meeting type", "Save", blocks)


def type_from_view(view: dict[str, Any]) -> str:
    """The chosen type's id, "" when none was chosen."""
    chosen = _values(view).get(TYPE_ACTION, {}).get(TYPE_ACTION, {})
    option = chosen.get("selected_option") if isinstance(chosen, dict) else None
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else ""


# ---- the pack and the reminder ------------------------------------------------------------


def pack_message(meeting: Meeting, pack: PrepPack, zone: ZoneInfo) -> Message:
    """The agenda with its time boxes, the top questions, open items and pending decisions;
    the whole pack is the file posted beside it."""
    body: list[Block] = [header(f"Prep pack: {clean(pack.title)}"), context(_span(meeting, zone))]
    if not pack.answers_received:
        body.append(context("Prepared without your answers."))
    agenda = []
    for item in pack.agenda:
        start = meeting.start + timedelta(minutes=item.start_offset_minutes)
        purpose = f" — {escape(item.purpose, limit=300)}" if item.purpose else ""
        agenda.append(
            f"• {start.astimezone(zone):%H:%M} *{escape(item.title, limit=300)}* "
            f"({item.minutes} min){purpose}"
        )
    body += sections_of("Agenda", agenda)
    if pack.questions:
        shown = pack.questions[:SHOWN_QUESTIONS]
        lines = [f"• {escape(q, limit=500)}" for q in shown]
        if len(pack.questions) > len(shown):
            lines.append(f"_… and {len(pack.questions) - len(shown)} more in the file_")
        body += sections_of("Questions to ask", lines)
    if pack.open_action_items:
        body += sections_of(
            "Open action items", (f"• {escape(i, limit=500)}" for i in pack.open_action_items)
        )
    if pack.decisions_needed:
        body += sections_of(
            "Decisions needed", (f"• {escape(d, limit=500)}" for d in pack.decisions_needed)
        )
    return Message(
        _fallback("Prep pack for", meeting.title, "·", _span(meeting, zone)),
        fit(body, [], MESSAGE_BLOCKS, "… {count} more parts: the whole pack is in the file."),
    )


def reminder(reminder: FinalReminder, zone: ZoneInfo) -> Message:
    when = f"{_when(reminder.start, zone)} ({zone.key})"
    lead = "Starting soon (this reminder is late)" if reminder.late else "Coming up"
    body: list[Block] = [section(f"*{lead}:* {escape(reminder.title, limit=300)} at {when}")]
    if reminder.headline:
        body += sections_of("Agenda", (f"• {escape(h, limit=300)}" for h in reminder.headline))
    if reminder.questions:
        body += sections_of("Ask", (f"• {escape(q, limit=500)}" for q in reminder.questions))
    if reminder.open_items:
        body += sections_of(
            "Open items", (f"• {escape(i, limit=500)}" for i in reminder.open_items)
        )
    return Message(
        _fallback("Reminder:", reminder.title, "at", when),
        fit(body, [], MESSAGE_BLOCKS, "… {count} more parts in the pack."),
    )


# ---- notes --------------------------------------------------------------------------------


def notes_request(meeting: Meeting) -> Message:
    text = (
        f"*{_title(meeting)}* has ended. Send me the notes: paste them as a reply in this "
        "thread, or upload the notes file here. Nothing goes to anyone before you accept "
        "what I make of them."
    )
    return Message(
        _fallback("Send me the notes of", meeting.title),
        [
            section(text),
            actions(button("Paste notes", ACTION_PASTE_NOTES, meeting.meeting_id)),
        ],
    )


def _item_line(item: ActionItem, names: dict[str, str] | None = None) -> str:
    """The item with its owner as a person reads them: an attendee by name, not address."""
    owner = (names or {}).get((item.owner or "").lower(), item.owner)
    who = escape(owner, limit=200) if owner else "no owner yet"
    due = f", due {item.due:%a %d %b %Y}" if item.due else ""
    return f"• {escape(item.text, limit=800)} — {who}{due}"


def notes_result(result: NotesResult, zone: ZoneInfo, *, accepted: bool) -> Message:
    meeting = result.meeting
    body: list[Block] = [header(f"Notes: {clean(meeting.title)}")]
    if result.summary:
        body.append(section(escape(result.summary, limit=2900, multiline=True)))
    if result.decisions:
        body += sections_of(
            "Decisions", (f"• {escape(d.text, limit=800)}" for d in result.decisions)
        )
    if result.action_items:
        names = {a.email.lower(): a.display_name for a in meeting.attendees}
        body += sections_of("Action items", (_item_line(i, names) for i in result.action_items))
    if result.closed_elsewhere:
        body += sections_of("Marked done", (_item_line(i) for i in result.closed_elsewhere))
    if not (result.decisions or result.action_items):
        body.append(context("No decisions or action items found in the notes."))
    if accepted:
        tail = [context("Accepted: shared with the action item and decision lists.")]
    else:
        tail = [
            context("Nothing is shared with anyone until you accept."),
            actions(
                button("Accept", ACTION_ACCEPT_NOTES, meeting.meeting_id, style="primary"),
                button("Edit", ACTION_EDIT_NOTES, meeting.meeting_id),
            ),
        ]
    counts = (
        f"{len(result.decisions)} decision{'s' if len(result.decisions) != 1 else ''}, "
        f"{len(result.action_items)} action item{'s' if len(result.action_items) != 1 else ''}"
    )
    return Message(
        _fallback("Notes of", meeting.title, ":", counts),
        fit(body, tail, MESSAGE_BLOCKS, "… and {count} more parts: see `/prep actions`."),
    )


_ITEMS_PER_MODAL = (MODAL_BLOCKS - 2) // len(_EDIT_FIELDS)


def edit_notes_modal(meeting: Meeting, items: Sequence[ActionItem]) -> dict[str, Any]:
    """Each action item's text, owner and due date as inputs (block ids `text/<item id>`...)."""
    blocks: list[Block] = [section(f"Action items of *{_title(meeting)}*")]
    shown = list(items)[:_ITEMS_PER_MODAL]
    for n, item in enumerate(shown, 1):
        text: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "text",
            "initial_value": plain(item.text, INPUT_VALUE),
            "max_length": INPUT_VALUE,
        }
        owner: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "owner",
            "max_length": 200,
        }
        if item.owner:
            owner["initial_value"] = plain(item.owner, 200)
        due: dict[str, Any] = {"type": "datepicker", "action_id": "due"}
        if item.due:
            due["initial_date"] = item.due.isoformat()
        blocks += [
            {
                "type": "input",
                "block_id": f"text/{item.item_id}",
                "label": plain_text(f"Item {n}", LABEL_TEXT),
                "element": text,
            },
            {
                "type": "input",
                "block_id": f"owner/{item.item_id}",
                "optional": True,
                "label": plain_text("Owner", LABEL_TEXT),
                "element": owner,
            },
            {
                "type": "input",
                "block_id": f"due/{item.item_id}",
                "optional": True,
                "label": plain_text("Due", LABEL_TEXT),
                "element": due,
            },
        ]
    if len(items) > len(shown):
        blocks.append(context(f"{len(items) - len(shown)} more items are not shown here."))
    return _modal(VIEW_EDIT_NOTES, meeting, "Edit action items", "Save", blocks)


def edits_from_view(view: dict[str, Any]) -> list[ItemEdit]:
    """Each item as left in the modal, in the modal's order. A due date Slack's date picker
    did not give as YYYY-MM-DD is taken as none."""
    values = _values(view)
    edits: list[ItemEdit] = []
    for block_id in values:
        field, _, item_id = block_id.partition("/")
        if field != "text" or not item_id:
            continue
        text = _input_value(values[block_id], "text") or ""
        owner = _input_value(values.get(f"owner/{item_id}", {}), "owner") or None
        picked = values.get(f"due/{item_id}", {}).get("due", {})
        raw = picked.get("selected_date") if isinstance(picked, dict) else None
        try:
            due = date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            due = None
        edits.append(ItemEdit(item_id, text, owner, due))
    return edits


def paste_notes_modal(meeting: Meeting) -> dict[str, Any]:
    blocks: list[Block] = [
        section(f"Notes of *{_title(meeting)}*"),
        {
            "type": "input",
            "block_id": NOTES_BLOCK,
            "label": plain_text("Notes", LABEL_TEXT),
            "element": {
                "type": "plain_text_input",
                "action_id": NOTES_ACTION,
                "multiline": True,
                "max_length": INPUT_VALUE,
                "placeholder": plain_text(
                    'Decisions, action items ("Priya to send the budget by Friday")…',
                    PLACEHOLDER_TEXT,
                ),
            },
            "hint": plain_text(
                "Longer notes: upload them as a file in the meeting's thread.", LABEL_TEXT
            ),
        },
    ]
    return _modal(VIEW_PASTE_NOTES, meeting, "Meeting notes", "Process", blocks)


def notes_from_view(view: dict[str, Any]) -> str:
    return _input_value(_values(view).get(NOTES_BLOCK, {}), NOTES_ACTION, multiline=True) or ""


# ---- lists and replies --------------------------------------------------------------------


def _prep_state(meeting: Meeting, session: ChatSession | None) -> str:
    if session is None:
        return meeting.status.value.replace("_", " ")
    if session.state == SessionState.WAITING and not session.answers_given:
        return "waiting for your answers"
    return {
        SessionState.ANSWERED: "answered",
        SessionState.TIMED_OUT: "went ahead without answers",
        SessionState.CLOSED: "closed",
    }.get(session.state, session.state.value)


def meeting_list(entries: Sequence[tuple[Meeting, ChatSession | None]], zone: ZoneInfo) -> Message:
    if not entries:
        return notice("No meetings coming up.")
    body: list[Block] = [header("Your next meetings")]
    for meeting, session in entries:
        kind = escape(meeting.meeting_type or "not classified yet", limit=100)
        body.append(
            section(
                f"*{_title(meeting)}* · `{escape(meeting.meeting_id, limit=80)}`\n"
                f"{_span(meeting, zone)} · {kind} · {_prep_state(meeting, session)}"
            )
        )
    count = len(entries)
    return Message(
        _fallback(f"{count} meeting{'s' if count != 1 else ''} coming up"),
        fit(body, [], MESSAGE_BLOCKS, "… and {count} more."),
    )


def action_list(items: Sequence[ActionItemView], zone: ZoneInfo) -> Message:
    if not items:
        return notice("No action items.")
    lines = []
    for view in items:
        where = f" ({_title(view.meeting)})" if view.meeting else ""
        late = " *overdue*" if view.overdue else ""
        lines.append(f"{_item_line(view.item)}{late}{where}")
    count = len(items)
    return Message(
        _fallback(f"{count} action item{'s' if count != 1 else ''}"),
        fit(sections_of("Action items", lines), [], MESSAGE_BLOCKS, "… {count} more parts."),
    )


def decision_list(items: Sequence[DecisionView]) -> Message:
    if not items:
        return notice("No decisions recorded.")
    lines = []
    for view in items:
        where = f" ({_title(view.meeting)})" if view.meeting else ""
        lines.append(
            f"• {escape(view.decision.text, limit=800)} — {view.decision.status.value}{where}"
        )
    count = len(items)
    return Message(
        _fallback(f"{count} decision{'s' if count != 1 else ''}"),
        fit(sections_of("Decisions", lines), [], MESSAGE_BLOCKS, "… {count} more parts."),
    )


def help_message() -> Message:
    lines = [
        "*/prep list* — your next meetings and their prep",
        "*/prep now &lt;meeting&gt;* — answer a meeting's prep questions now",
        "*/prep notes &lt;meeting&gt;* — paste a meeting's notes",
        "*/prep actions [@owner]* — open action items, or one person's",
        "*/prep decisions* — the decision register",
        "*/prep help* — this list",
        "A meeting is its id (or the start of it) or words of its title.",
    ]
    return Message("How to use /prep", [section("\n".join(lines))])


def notice(text: str) -> Message:
    shown = escape(text, limit=2900, multiline=True)
    return Message(cut(shown, MESSAGE_TEXT), [section(shown)])


# ---- modals -------------------------------------------------------------------------------


def _modal(
    callback_id: str, meeting: Meeting, title: str, submit: str, blocks: list[Block]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": cut(meeting.meeting_id, PRIVATE_METADATA),
        "title": plain_text(title, MODAL_TITLE),
        "submit": plain_text(submit, MODAL_BUTTON),
        "close": plain_text("Cancel", MODAL_BUTTON),
        "blocks": blocks[:MODAL_BLOCKS],
    }


def _values(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return {}
    return {k: v for k, v in values.items() if isinstance(k, str) and isinstance(v, dict)}


def _input_value(inputs: dict[str, Any], action_id: str, *, multiline: bool = True) -> str | None:
    element = inputs.get(action_id)
    value = element.get("value") if isinstance(element, dict) else None
    if not isinstance(value, str):
        return None
    return cut(clean(value, multiline=multiline), INPUT_VALUE) or None
