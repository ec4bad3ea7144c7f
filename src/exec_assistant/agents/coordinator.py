"""The Meeting Coordinator: the prep pack written by an agent on a model, checked before use.

The agent sees the rules and the type's template (stable, cached where the provider caches),
then the meeting, the answers and the context as short facts; tools give it one source's
facts, the series' last notes and one person's open items on demand. Its draft is checked
(`domain.pack_checks`); a draft that fails is sent back once with the reasons; a second
failure raises PackRejected and the offline pack is written instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from pydantic import BaseModel, Field
from strands import tool

from exec_assistant.agents.answer_review import AGENT_NAME
from exec_assistant.agents.context_digest import ContextDigester, default_digests
from exec_assistant.agents.pack_prompt import (
    correction_prompt,
    meeting_prompt,
    system_blocks,
)
from exec_assistant.agents.runner import AgentRunner, ModelCallFailed
from exec_assistant.domain.context_rules.formatting import one_line
from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.errors import PackRejected
from exec_assistant.domain.models import AgendaItem, MeetingStatus, ModelCall, PrepPack
from exec_assistant.domain.pack_checks import (
    DraftSection,
    Grounding,
    PackDraftView,
    check_pack,
)
from exec_assistant.domain.prep_pack import (
    MAX_QUESTIONS,
    PackInputs,
    build_offline_pack,
    describe_item,
    fill_notes_template,
)
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.ports import (
    ActionItemRepository,
    DocumentStore,
    GeneratedPack,
    MeetingRepository,
)
from exec_assistant.services.pack_documents import NOTES_MD

TOOL_TEXT_LIMIT = 4000
"""Characters a tool gives back: a tool answer is context, and context costs tokens."""
MAX_NOTE_CHARS = 240


class DraftSectionModel(BaseModel):
    title: str = Field(description="A section title of the template, as written there")
    minutes: int = Field(description="Whole minutes; all sections add up to the meeting")
    purpose: str = Field(default="", description="One line: what this section is for")
    notes: list[str] = Field(
        default_factory=list, description="At most 3 short talking points for the executive"
    )


class OmittedSection(BaseModel):
    title: str = Field(description="The template section left out")
    reason: str = Field(description="Why it is left out of this meeting")


class DraftPack(BaseModel):
    """The prep pack: agenda, questions to ask, decisions needed."""

    agenda: list[DraftSectionModel] = Field(description="The time-boxed agenda, in order")
    omitted_sections: list[OmittedSection] = Field(default_factory=list)
    questions: list[str] = Field(
        default_factory=list, description="At most 8 questions to ask the attendees"
    )
    decisions_needed: list[str] = Field(
        default_factory=list, description="Decisions this meeting should take"
    )


def _clean(text: str, limit: int = MAX_NOTE_CHARS) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in one_line(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _view(draft: DraftPack) -> PackDraftView:
    return PackDraftView(
        sections=tuple(
            DraftSection(s.title, s.minutes, (s.purpose, *s.notes)) for s in draft.agenda
        ),
        omitted={o.title: o.reason for o in draft.omitted_sections},
        other_texts=(*draft.questions, *draft.decisions_needed),
    )


class PackResearch:
    """The agent's tools: detail it fetches when the prompt's summary is not enough."""

    def __init__(
        self,
        inputs: PackInputs,
        meetings: MeetingRepository,
        action_items: ActionItemRepository,
        documents: DocumentStore,
    ) -> None:
        self._inputs = inputs
        self._meetings = meetings
        self._items = action_items
        self._documents = documents
        self.fetched: list[str] = []
        """What was fetched, in order (tool and argument): the texts go into the grounding."""
        self.texts: list[str] = []

    def _give(self, what: str, text: str) -> str:
        self.fetched.append(what)
        text = text[:TOOL_TEXT_LIMIT]
        self.texts.append(text)
        return text

    @tool
    def context_facts(self, source: str) -> str:
        """All the facts of one context source of this meeting.

        Args:
            source: budget, big_rocks, incidents, staffing, decisions or history.
        """
        for result in self._inputs.context:
            if result.provider == source.strip().lower():
                if not result.available:
                    return self._give(source, f"{source} is unavailable: {result.reason}")
                return self._give(source, "\n".join(f"- {f}" for f in result.facts))
        names = ", ".join(r.provider for r in self._inputs.context) or "none"
        return self._give(source, f"No source '{source}' for this meeting (sources: {names}).")

    @tool
    def last_notes(self) -> str:
        """The notes of the last meeting of this series that took place."""
        meeting = self._inputs.meeting
        earlier = [
            m
            for m in self._meetings.list_series(meeting.series_id)
            if m.start < meeting.start and m.status == MeetingStatus.COMPLETED
        ]
        if not earlier:
            return self._give("last_notes", "No earlier notes for this series.")
        last = earlier[-1]
        raw = self._documents.get(meeting_document(last.meeting_id, NOTES_MD))
        if raw is None:
            return self._give("last_notes", "The last meeting's notes were not kept.")
        text = raw.decode("utf-8", errors="replace")
        return self._give("last_notes", f"Notes of {last.start:%d %b %Y}:\n{text}")

    @tool
    def open_items_of(self, person: str) -> str:
        """The open action items of one invited person, from any meeting.

        Args:
            person: their email address or name, as in the list of invited people.
        """
        wanted = person.strip().casefold()
        invited = {
            a.email: a.display_name
            for a in self._inputs.meeting.attendees
            if wanted in (a.email.casefold(), a.display_name.casefold())
        }
        if not invited:
            return self._give(person, f"'{person}' is not invited to this meeting.")
        email = next(iter(invited))
        today = self._inputs.now.astimezone(self._inputs.zone).date()
        items = self._items.list(owner=email, open_only=True)
        lines = [
            describe_item(i, today, self._inputs.people, self._inputs.executive_email)
            for i in items[:20]
        ]
        body = "\n".join(f"- {line}" for line in lines) or "none"
        return self._give(person, f"Open items of {invited[email]} ({len(items)}):\n{body}")


class AgentPackGenerator:
    """The PackGenerator on a model (the specification's MeetingPrepAgent)."""

    def __init__(
        self,
        runner: AgentRunner,
        destination: ModelDestination,
        *,
        meetings: MeetingRepository,
        action_items: ActionItemRepository,
        documents: DocumentStore,
        digester: ContextDigester | None = None,
        time_limit: float = 480.0,
    ) -> None:
        self._runner = runner
        self.destination = destination
        self._meetings = meetings
        self._items = action_items
        self._documents = documents
        self._digester = digester
        self._time_limit = time_limit

    @property
    def name(self) -> str:
        return self._runner.slot.label

    def generate(self, inputs: PackInputs) -> GeneratedPack:
        deadline = time.monotonic() + self._time_limit
        calls: list[ModelCall] = []
        digests = default_digests(inputs.context)
        if self._digester is not None:
            digested = self._digester.digest(inputs.context, deadline=deadline)
            digests.update(digested.digests)
            calls.extend(digested.calls)
        research = PackResearch(inputs, self._meetings, self._items, self._documents)
        agent = self._runner.agent(
            system_blocks(inputs.meeting_type, cache=self._runner.slot.prompt_cache),
            tools=[research.context_facts, research.last_notes, research.open_items_of],
            deadline=deadline,
            name=AGENT_NAME,
        )
        prompt = meeting_prompt(inputs, digests)
        reasons: list[str] = []
        for attempt, purpose in enumerate(("pack", "pack_correction")):
            ask = prompt if attempt == 0 else correction_prompt(reasons)
            try:
                answered = self._runner.ask(
                    agent, ask, DraftPack, purpose=purpose, deadline=deadline
                )
            except ModelCallFailed as exc:
                calls.append(exc.call)
                raise PackRejected(exc.reason, tuple(calls)) from exc
            draft = answered.output
            reasons = check_pack(
                _view(draft),
                inputs.meeting_type,
                inputs.meeting.duration_minutes,
                invited=_invited(inputs),
                known_people=inputs.known_people,
                grounding=_grounding(inputs, prompt, research.texts, draft),
            )
            if not reasons:
                calls.append(answered.call)
                return GeneratedPack(self._pack(inputs, draft), tuple(calls))
            calls.append(answered.call.model_copy(update={"outcome": "rejected"}))
        raise PackRejected(
            f"the model's pack failed its checks twice: {'; '.join(reasons)}", tuple(calls)
        )

    def _pack(self, inputs: PackInputs, draft: DraftPack) -> PrepPack:
        """The model's agenda, questions and decisions in the pack; the rest (background,
        open items, notes template, answers) as the offline generator gives it."""
        base = build_offline_pack(inputs)
        agenda: list[AgendaItem] = []
        offset = 0
        for section in draft.agenda:
            agenda.append(
                AgendaItem(
                    title=_clean(section.title, 120),
                    minutes=section.minutes,
                    start_offset_minutes=offset,
                    purpose=_clean(section.purpose),
                    notes=tuple(_clean(n) for n in section.notes[:3] if n.strip()),
                )
            )
            offset += section.minutes
        questions = tuple(dict.fromkeys(_clean(q) for q in draft.questions if q.strip()))
        decisions = tuple(dict.fromkeys(_clean(d) for d in draft.decisions_needed if d.strip()))
        return base.model_copy(
            update={
                "agenda": tuple(agenda),
                "questions": questions[:MAX_QUESTIONS],
                "decisions_needed": decisions or base.decisions_needed,
                "notes_template": fill_notes_template(
                    inputs.meeting_type.notes_template, inputs.meeting, agenda, inputs.zone
                ),
                "generated_by": self.name,
            }
        )


def _invited(inputs: PackInputs) -> list[str]:
    meeting = inputs.meeting
    people = list(meeting.attendees) + ([meeting.organizer] if meeting.organizer else [])
    values = [p.email for p in people] + [p.name for p in people if p.name]
    return values + ([inputs.executive_email] if inputs.executive_email else [])


def _grounding(
    inputs: PackInputs, prompt: str, fetched: Sequence[str], draft: DraftPack
) -> Grounding:
    """Every figure the model was given: the prompt, the template, what its tools returned,
    the context in full, and the meeting's own dates and lengths."""
    meeting, zone = inputs.meeting, inputs.zone
    local = meeting.start.astimezone(zone)
    texts = [prompt, *fetched, meeting.title, meeting.description]
    for result in inputs.context:
        texts.extend(result.facts)
        texts.extend(result.highlights)
        texts.extend(result.questions)
        texts.append(json.dumps(result.data, default=str))
    texts.extend(inputs.meeting_type.prep_questions)
    texts.extend(f"{s.title} {s.purpose} {s.minutes}" for s in inputs.meeting_type.agenda)
    texts.extend(i.text for i in inputs.open_items)
    texts.extend(str(section.minutes) for section in draft.agenda)  # "10 minutes on hiring"
    texts.append(str(meeting.duration_minutes))
    texts.append(str(len(meeting.attendees)))
    texts.append(str(len(inputs.open_items)))
    texts.append(str(len(inputs.pending_decisions)))
    days = [local.date(), inputs.now.astimezone(zone).date()]
    days.extend(i.due for i in inputs.open_items if i.due is not None)
    return Grounding.of(texts, days)
