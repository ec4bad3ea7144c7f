"""The `offline` pack generator: a prep pack from the type's templates, answers and context.

Deterministic and model-free: the default where no model is configured and the fallback when
a model call fails.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from exec_assistant.domain.agenda import time_box
from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.meeting_types import MeetingType
from exec_assistant.domain.models import (
    ActionItem,
    AgendaItem,
    Decision,
    FinalReminder,
    Meeting,
    PrepPack,
)

GENERATED_BY = "offline"
MAX_QUESTIONS = 8

# Which context belongs in which agenda section, by words in the section's title.
_SECTION_SOURCES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("budget", "forecast", "commercial", "cost"), ("budget",)),
    (("reliab", "incident", "timeline", "service quality", "remediation"), ("incidents",)),
    (("staff", "hiring", "headcount", "level"), ("staffing",)),
    (("initiative", "rock", "priorit", "risk", "roadmap"), ("big_rocks",)),
    (("metric",), ("budget", "incidents", "staffing")),
)


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


def describe_item(item: ActionItem, today: date, people: dict[str, str]) -> str:
    owner = people.get(item.owner or "", item.owner) if item.owner else "no owner"
    due = ""
    if item.due is not None:
        due = f", due {item.due:%a %d %b}"
        if item.due < today:
            due += " — OVERDUE"
    return f"{item.text} ({owner}{due})"


def _answer_notes(template_refs: tuple[str, ...], inputs: PackInputs) -> list[str]:
    notes = []
    for ref in template_refs:
        answer = inputs.answers.get(ref, "").strip()
        if answer:
            notes.append(f"Your prep: {answer}")
    return notes


def _context_notes(title: str, inputs: PackInputs) -> list[str]:
    lowered = title.lower()
    wanted: list[str] = []
    for words, providers in _SECTION_SOURCES:
        if any(w in lowered for w in words):
            wanted.extend(p for p in providers if p not in wanted)
    by_name = {c.provider: c for c in inputs.context}
    notes = []
    for name in wanted:
        result = by_name.get(name)
        if result is None:
            continue
        if not result.available:
            notes.append(f"{name.replace('_', ' ')}: unavailable ({result.reason})")
        else:
            notes.extend(result.highlights[:3] or result.facts[:2])
    today = inputs.now.astimezone(inputs.zone).date()
    if "action item" in lowered or "follow-up" in lowered or "open" in lowered:
        notes.extend(describe_item(i, today, inputs.people) for i in inputs.open_items[:5])
    if "decision" in lowered:
        notes.extend(f"Pending: {d.text}" for d in inputs.pending_decisions[:5])
    return notes


def _agenda(inputs: PackInputs) -> tuple[AgendaItem, ...]:
    boxes = time_box(inputs.meeting_type.agenda, inputs.meeting.duration_minutes)
    templates = {s.title: s for s in inputs.meeting_type.agenda}
    items = []
    for box in boxes:
        template = templates[box.title]
        notes = _answer_notes(template.answers_from, inputs) + _context_notes(box.title, inputs)
        items.append(box.model_copy(update={"notes": tuple(notes)}))
    return tuple(items)


def _questions(inputs: PackInputs) -> tuple[str, ...]:
    today = inputs.now.astimezone(inputs.zone).date()
    questions: list[str] = []
    for item in inputs.open_items:
        if item.due is not None and item.due < today and item.status.value == "open":
            owner = inputs.people.get(item.owner or "", item.owner or "the owner")
            questions.append(f"{owner}: where is '{item.text}' (was due {item.due:%d %b})?")
    for result in inputs.context:
        questions.extend(result.questions)
    for decision in inputs.pending_decisions:
        questions.append(f"What do we need to decide '{decision.text}' today?")
    unique = list(dict.fromkeys(questions))
    return tuple(unique[:MAX_QUESTIONS])


def _background(inputs: PackInputs) -> dict[str, list[str]]:
    background: dict[str, list[str]] = {}
    for result in inputs.context:
        if result.available:
            background[result.provider] = list(result.facts)
        else:
            background[result.provider] = [f"unavailable: {result.reason}"]
    return background


def _decisions_needed(inputs: PackInputs) -> tuple[str, ...]:
    needed = [d.text for d in inputs.pending_decisions]
    for number, question in enumerate(inputs.meeting_type.prep_questions, start=1):
        answer = inputs.answers.get(str(number), "").strip()
        if answer and "decision" in question.lower() and not _is_none(answer):
            needed.extend(part.strip() for part in re.split(r"[;\n]", answer) if part.strip())
    return tuple(dict.fromkeys(needed))


def _is_none(answer: str) -> bool:
    return answer.strip().lower().rstrip(".") in {"no", "none", "nothing", "n/a", "-"}


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
        "title": meeting.title,
        "date": f"{local:%A %d %B %Y, %H:%M} ({zone.key})",
        "attendees": ", ".join(_attendee_names(meeting)),
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
        open_action_items=tuple(describe_item(i, today, inputs.people) for i in inputs.open_items),
        notes_template=fill_notes_template(
            meeting_type.notes_template, meeting, agenda, inputs.zone
        ),
        generated_by=GENERATED_BY,
        generated_at=inputs.now,
    )


def render_markdown(pack: PrepPack, type_name: str) -> str:
    """The whole pack as one readable page (agenda.md)."""
    zone = ZoneInfo(pack.timezone)
    start = pack.start.astimezone(zone)
    end = pack.end.astimezone(zone)
    lines = [
        f"# {pack.title}",
        "",
        f"{start:%A %d %B %Y, %H:%M}–{end:%H:%M} ({pack.timezone}) · {type_name}",
        "",
        f"Attendees: {', '.join(pack.attendees) or '—'}",
        "",
        "## Agenda",
        "",
    ]
    for item in pack.agenda:
        begins = start.replace(second=0) + timedelta(minutes=item.start_offset_minutes)
        lines.append(f"**{begins:%H:%M} {item.title}** ({item.minutes} min)")
        if item.purpose:
            lines.append(f"_{item.purpose}_")
        lines.extend(f"- {note}" for note in item.notes)
        lines.append("")
    lines += ["## Your prep", ""]
    if not pack.answers_received:
        lines.append("_No answers: the prep questions were not answered in time._")
    for question in pack.prep_questions:
        answer = pack.answers.get(question)
        lines.append(f"- **{question}** {answer if answer else '—'}")
    lines.append("")
    if pack.questions:
        lines += ["## Questions to ask", "", *(f"- {q}" for q in pack.questions), ""]
    if pack.decisions_needed:
        lines += ["## Decisions needed", "", *(f"- {d}" for d in pack.decisions_needed), ""]
    if pack.open_action_items:
        lines += ["## Open action items", "", *(f"- {i}" for i in pack.open_action_items), ""]
    if pack.background:
        lines += ["## Background", ""]
        for provider, facts in pack.background.items():
            lines.append(f"### {provider.replace('_', ' ').capitalize()}")
            lines.extend(f"- {fact}" for fact in facts)
            lines.append("")
    lines.append(
        f"_Prepared {pack.generated_at.astimezone(zone):%a %d %b %H:%M} by the "
        f"{pack.generated_by} generator._"
    )
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
