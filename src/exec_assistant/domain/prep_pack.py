"""The `offline` pack generator: a prep pack from the type's templates, answers and context.

Deterministic and model-free: the default where no model is configured and the fallback when
a model call fails.

Nothing is said twice. Each note goes in one agenda section:
- A context source's highlights (or its first facts, or why it is unavailable) go to the
  section whose title names that source best: `_TOPIC_WORDS` gives each source words and how
  strongly each names it; the section with the strongest word wins, the earliest on a tie,
  and a source no title names goes in no section (its facts are still in the background and
  its questions in the questions). "Metrics review: budget, reliability, hiring" takes the
  budget, incidents and staffing; "Risks and escalations" takes the big rocks ahead of
  "Wins and priorities".
- Open action items and decisions needed have lists of their own: the section named for them
  ("Action item review", "Decisions") says how many there are and points to the list.
- An answer goes to the sections that take it (`answers_from`), except an answer that became
  decisions needed: that list has it, and the answer's section points to the list when no
  section is named for decisions.
- A note already placed in an earlier section is not placed again.
The executive's own open items read "Yours: ..."; the questions ask about other people's
overdue items only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from exec_assistant.domain.agenda import time_box
from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.context_rules.formatting import one_line
from exec_assistant.domain.meeting_types import AgendaSectionTemplate, MeetingType
from exec_assistant.domain.models import (
    ActionItem,
    AgendaItem,
    Decision,
    FinalReminder,
    Meeting,
    PrepPack,
)
from exec_assistant.domain.text import plural

GENERATED_BY = "offline"
MAX_QUESTIONS = 8
MAX_NOTES_PER_SOURCE = 3
"""Highlights of one source in its agenda section; the background has all of its facts."""

ACTION_ITEMS = "open_action_items"
DECISIONS = "decisions_needed"
"""Topics of the pack's own lists, beside the context sources' names."""

# Words in a section's title (lower case) that name a topic, and how strongly: 3 names it
# outright, 1 is a section where it may come up. See the module docstring for the rule.
_TOPIC_WORDS: dict[str, tuple[tuple[str, int], ...]] = {
    "budget": (
        ("budget", 3), ("forecast", 3), ("cost", 3), ("commercial", 2), ("metric", 1),
        ("update", 1),
    ),
    "incidents": (
        ("incident", 3), ("reliab", 3), ("service quality", 2), ("timeline", 1),
        ("remediation", 1), ("metric", 1), ("update", 1),
    ),
    "staffing": (
        ("staff", 3), ("hiring", 3), ("headcount", 3), ("level", 2), ("metric", 1),
        ("update", 1), ("your topic", 1),
    ),
    "big_rocks": (
        ("rock", 3), ("initiative", 3), ("risk", 2), ("roadmap", 2), ("priorit", 1),
        ("escalat", 1), ("your topic", 1),
    ),
    ACTION_ITEMS: (("action item", 3), ("follow-up", 2), ("follow up", 2), ("next step", 1)),
    DECISIONS: (("decision", 3),),
}  # fmt: skip


@dataclass(frozen=True)
class PackInputs:
    meeting: Meeting
    meeting_type: MeetingType
    answers: dict[str, str]
    """By question number, from "1"."""
    answers_received: bool
    context: Sequence[ContextResult]
    open_items: Sequence[ActionItem]
    pending_decisions: Sequence[Decision]
    now: datetime
    zone: ZoneInfo
    people: dict[str, str] = field(default_factory=dict)
    """Display names by email."""
    executive_email: str | None = None
    """Whose pack this is: their open items are theirs to do, not questions to ask."""
    known_people: dict[str, str] = field(default_factory=dict)
    """Other people the executive meets (email to name): a model's pack may not name those
    who are not invited."""


def is_owned_by(item: ActionItem, email: str | None) -> bool:
    """Case-insensitive on the email; an item with no owner is nobody's."""
    if not item.owner or not email:
        return False
    return item.owner.casefold() == email.casefold()


def describe_item(
    item: ActionItem, today: date, people: dict[str, str], executive_email: str | None = None
) -> str:
    """One line for the lists: Send the rota (Priya Raman, due Fri 27 Nov — OVERDUE), or for
    the executive's own item: Yours: Send the rota (due Fri 27 Nov — OVERDUE)."""
    due = ""
    if item.due is not None:
        due = f"due {item.due:%a %d %b}"
        if item.due < today:
            due += " — OVERDUE"
    if is_owned_by(item, executive_email):
        return f"Yours: {item.text} ({due})" if due else f"Yours: {item.text}"
    owner = people.get(item.owner or "", item.owner) if item.owner else "no owner"
    return f"{item.text} ({owner}, {due})" if due else f"{item.text} ({owner})"


def _score(title: str, topic: str) -> int:
    lowered = title.lower()
    return max((weight for word, weight in _TOPIC_WORDS[topic] if word in lowered), default=0)


def section_for(topic: str, titles: Sequence[str]) -> int | None:
    """The index of the section whose title names `topic` best; the earliest on a tie; None
    when no title names it."""
    scores = [_score(title, topic) for title in titles]
    best = max(scores, default=0)
    return scores.index(best) if best else None


def _decision_parts(answer: str) -> list[str]:
    """Two decisions in "Approve the term; BR-1 date", none in "none"."""
    if _is_none(answer):
        return []
    return [part.strip() for part in re.split(r"[;\n]", answer) if part.strip()]


def _decision_answers(meeting_type: MeetingType, answers: dict[str, str]) -> dict[str, list[str]]:
    """The decisions in the answers to the prep questions about decisions, by question number."""
    found = {}
    for number, question in enumerate(meeting_type.prep_questions, start=1):
        parts = _decision_parts(answers.get(str(number), ""))
        if parts and "decision" in question.lower():
            found[str(number)] = parts
    return found


def _is_none(answer: str) -> bool:
    return answer.strip().lower().rstrip(".") in {"", "no", "none", "nothing", "n/a", "-"}


def _source_notes(result: ContextResult) -> list[str]:
    if not result.available:
        return [f"{result.provider.replace('_', ' ')}: unavailable ({result.reason})"]
    return list(result.highlights[:MAX_NOTES_PER_SOURCE] or result.facts[:2])


def _items_pointer(inputs: PackInputs) -> str | None:
    """A count that points to the list: 6 open action items (1 yours, 2 overdue), see below."""
    items = inputs.open_items
    if not items:
        return None
    today = inputs.now.astimezone(inputs.zone).date()
    yours = sum(1 for i in items if is_owned_by(i, inputs.executive_email))
    overdue = sum(1 for i in items if i.due is not None and i.due < today)
    detail = [f"{yours} yours"] if yours else []
    detail += [f"{overdue} overdue"] if overdue else []
    counts = f" ({', '.join(detail)})" if detail else ""
    return f"{plural(len(items), 'open action item')}{counts}, see below"


def _decisions_pointer(count: int) -> str:
    return f"{plural(count, 'decision')} needed, see below"


def _agenda(inputs: PackInputs) -> tuple[AgendaItem, ...]:
    boxes = time_box(inputs.meeting_type.agenda, inputs.meeting.duration_minutes)
    templates: dict[str, AgendaSectionTemplate] = {s.title: s for s in inputs.meeting_type.agenda}
    sections = [templates[box.title] for box in boxes]
    titles = [box.title for box in boxes]
    notes: list[list[str]] = [[] for _ in boxes]

    decision_answers = _decision_answers(inputs.meeting_type, inputs.answers)
    for index, section in enumerate(sections):
        for ref in section.answers_from:
            answer = inputs.answers.get(ref, "").strip()
            if answer and ref not in decision_answers:
                notes[index].append(f"Your prep: {answer}")

    for result in inputs.context:
        if result.provider in _TOPIC_WORDS:
            where = section_for(result.provider, titles)
            if where is not None:
                notes[where].extend(_source_notes(result))

    pointer = _items_pointer(inputs)
    where = section_for(ACTION_ITEMS, titles)
    if pointer and where is not None:
        notes[where].append(pointer)

    decisions = len(_decisions_needed(inputs))
    where = section_for(DECISIONS, titles)
    if where is None:
        where = next(
            (i for i, s in enumerate(sections) if set(s.answers_from) & set(decision_answers)),
            None,
        )
    if decisions and where is not None:
        notes[where].append(_decisions_pointer(decisions))

    placed: set[str] = set()
    items = []
    for box, section_notes in zip(boxes, notes, strict=True):
        kept = _once(section_notes, placed)
        items.append(box.model_copy(update={"notes": kept}))
    return tuple(items)


def _once(notes: Iterable[str], placed: set[str]) -> tuple[str, ...]:
    """The notes on one line each, without those already placed (which are then placed)."""
    kept = []
    for note in notes:
        line = one_line(note)
        if line and line not in placed:
            placed.add(line)
            kept.append(line)
    return tuple(kept)


def _questions(inputs: PackInputs) -> tuple[str, ...]:
    today = inputs.now.astimezone(inputs.zone).date()
    questions: list[str] = []
    for item in inputs.open_items:
        if item.due is None or item.due >= today or item.status.value != "open":
            continue
        if is_owned_by(item, inputs.executive_email):
            continue  # theirs to do: listed as "Yours: ..." with the open items
        if item.owner:
            owner = inputs.people.get(item.owner, item.owner)
            questions.append(f"{owner}: where is '{item.text}' (was due {item.due:%d %b})?")
        else:
            questions.append(
                f"'{item.text}' has no owner and was due {item.due:%d %b}: who takes it?"
            )
    for result in inputs.context:
        questions.extend(result.questions)
    for decision in inputs.pending_decisions:
        questions.append(f"What do we need to decide '{decision.text}' today?")
    unique = list(dict.fromkeys(one_line(q) for q in questions))
    return tuple(unique[:MAX_QUESTIONS])


def _background(inputs: PackInputs) -> dict[str, list[str]]:
    background: dict[str, list[str]] = {}
    for result in inputs.context:
        if result.available:
            background[result.provider] = [one_line(fact) for fact in result.facts]
        else:
            background[result.provider] = [one_line(f"unavailable: {result.reason}")]
    return background


def _decisions_needed(inputs: PackInputs) -> tuple[str, ...]:
    needed = [d.text for d in inputs.pending_decisions]
    for parts in _decision_answers(inputs.meeting_type, inputs.answers).values():
        needed.extend(parts)
    return tuple(dict.fromkeys(one_line(text) for text in needed))


def _attendee_names(meeting: Meeting) -> list[str]:
    return [a.display_name for a in meeting.attendees] or (
        [meeting.organizer.display_name] if meeting.organizer else []
    )


def fill_notes_template(
    template: str, meeting: Meeting, agenda: Sequence[AgendaItem], zone: ZoneInfo
) -> str:
    local = meeting.start.astimezone(zone)
    topics = "\n".join(f"### {item.title} ({item.minutes} min)\n-\n" for item in agenda)
    values = {
        "title": one_line(meeting.title),
        "date": f"{local:%A %d %B %Y, %H:%M} ({zone.key})",
        "attendees": one_line(", ".join(_attendee_names(meeting))),
        "topics": topics.rstrip(),
    }
    # str.format would choke on braces in user templates; replace only the known fields.
    filled = template
    for key, value in values.items():
        filled = filled.replace("{" + key + "}", value)
    return filled.rstrip() + "\n"


def build_offline_pack(inputs: PackInputs) -> PrepPack:
    meeting, meeting_type = inputs.meeting, inputs.meeting_type
    agenda = _agenda(inputs)
    today = inputs.now.astimezone(inputs.zone).date()
    answers = {
        question: inputs.answers[str(number)]
        for number, question in enumerate(meeting_type.prep_questions, start=1)
        if inputs.answers.get(str(number), "").strip()
    }
    return PrepPack(
        meeting_id=meeting.meeting_id,
        meeting_type=meeting_type.id,
        title=meeting.title,
        start=meeting.start,
        end=meeting.end,
        timezone=inputs.zone.key,
        attendees=tuple(_attendee_names(meeting)),
        agenda=agenda,
        prep_questions=meeting_type.prep_questions,
        answers=answers,
        answers_received=inputs.answers_received,
        questions=_questions(inputs),
        background=_background(inputs),
        decisions_needed=_decisions_needed(inputs),
        open_action_items=tuple(
            one_line(describe_item(i, today, inputs.people, inputs.executive_email))
            for i in inputs.open_items
        ),
        notes_template=fill_notes_template(
            meeting_type.notes_template, meeting, agenda, inputs.zone
        ),
        generated_by=GENERATED_BY,
        generated_at=inputs.now,
    )


def prep_not_in_agenda(pack: PrepPack) -> list[tuple[str, str | None]]:
    """The prep questions whose answer the agenda and the decisions needed do not show, with
    the answer (None when unanswered). A model's pack may place answers its own way: then
    they are all listed."""
    shown = {note for item in pack.agenda for note in item.notes}
    needed = set(pack.decisions_needed)
    unplaced: list[tuple[str, str | None]] = []
    for question in pack.prep_questions:
        answer = (pack.answers.get(question) or "").strip()
        parts = (
            [one_line(p) for p in _decision_parts(answer)] if "decision" in question.lower() else []
        )
        if answer and (
            one_line(f"Your prep: {answer}") in shown or (parts and needed.issuperset(parts))
        ):
            continue
        unplaced.append((question, answer or None))
    return unplaced


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")


def _md(text: str) -> str:
    """One line of outside text, its Markdown and HTML characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))


def render_markdown(pack: PrepPack, type_name: str) -> str:
    """The whole pack as one readable page (agenda.md), one line per bullet whatever the text,
    and every text that came from outside (titles, answers, facts, a model's words) shown as
    written: its Markdown is escaped, so it can make no link, image, HTML or emphasis.

    "Your prep" lists only the answers the agenda does not already show (and the questions
    left unanswered); it says so when the answers did not come in time.
    """
    zone = ZoneInfo(pack.timezone)
    start = pack.start.astimezone(zone)
    end = pack.end.astimezone(zone)

    def bullets(texts: Iterable[str]) -> list[str]:
        return [f"- {_md(text)}" for text in texts]

    lines = [
        f"# {_md(pack.title)}",
        "",
        f"{start:%A %d %B %Y, %H:%M}–{end:%H:%M} ({pack.timezone}) · {_md(type_name)}",
        "",
        f"Attendees: {_md(', '.join(pack.attendees)) or '—'}",
        "",
        "## Agenda",
        "",
    ]
    for item in pack.agenda:
        begins = start.replace(second=0) + timedelta(minutes=item.start_offset_minutes)
        lines.append(f"**{begins:%H:%M} {_md(item.title)}** ({item.minutes} min)")
        if item.purpose:
            lines.append(f"_{_md(item.purpose)}_")
        lines.extend(bullets(item.notes))
        lines.append("")
    unplaced = prep_not_in_agenda(pack)
    if unplaced or not pack.answers_received:
        lines += ["## Your prep", ""]
        if not pack.answers_received:
            lines.append("_No answers: the prep questions were not answered in time._")
        lines.extend(f"- **{_md(q)}** {_md(a) if a else '—'}" for q, a in unplaced)
        lines.append("")
    if pack.questions:
        lines += ["## Questions to ask", "", *bullets(pack.questions), ""]
    if pack.decisions_needed:
        lines += ["## Decisions needed", "", *bullets(pack.decisions_needed), ""]
    if pack.open_action_items:
        lines += ["## Open action items", "", *bullets(pack.open_action_items), ""]
    if pack.background:
        lines += ["## Background", ""]
        for provider, facts in pack.background.items():
            lines.append(f"### {_md(provider.replace('_', ' ').capitalize())}")
            lines.extend(bullets(facts))
            lines.append("")
    lines.append(
        f"_Prepared {pack.generated_at.astimezone(zone):%a %d %b %H:%M} by "
        + ("the offline generator" if pack.generated_by == GENERATED_BY else _md(pack.generated_by))
        + "._"
    )
    if pack.fallback_reason:
        lines.append(f"_The model's pack was not used: {_md(pack.fallback_reason)}._")
    return "\n".join(lines) + "\n"


def final_reminder(pack: PrepPack, pack_location: str | None) -> FinalReminder:
    return FinalReminder(
        meeting_id=pack.meeting_id,
        title=pack.title,
        start=pack.start,
        timezone=pack.timezone,
        headline=tuple(f"{item.title} ({item.minutes} min)" for item in pack.agenda),
        questions=pack.questions[:3],
        open_items=pack.open_action_items[:5],
        pack_location=pack_location,
    )
