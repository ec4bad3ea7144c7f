"""A notes reader on a model: one structured answer, checked against the notes, merged with
the parser's items (see `domain.notes.agent_items`)."""

from __future__ import annotations

import logging
import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from strands.types.content import SystemContentBlock

from exec_assistant.agents.notes_prompt import RULES, notes_prompt
from exec_assistant.agents.runner import AgentRunner
from exec_assistant.domain.models import Meeting
from exec_assistant.domain.notes import NotesExtraction
from exec_assistant.domain.notes.agent_items import NotesDraft, check_draft
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.ports import ReadNotes

__all__ = ["AgentNotesReader"]

log = logging.getLogger(__name__)

PURPOSE = "notes"


class AgentNotesReader:
    """Reads notes with a model; a failed or timed-out call raises `ModelCallFailed`.

    `zone` is the one the meeting's day is counted in (the executive's, as the parser is
    given it); without it, the meeting's own zone.
    """

    def __init__(
        self,
        runner: AgentRunner,
        destination: ModelDestination,
        *,
        time_limit: float = 120.0,
        zone: ZoneInfo | None = None,
    ) -> None:
        self._runner = runner
        self._destination = destination
        self._time_limit = time_limit
        self._zone = zone

    @property
    def name(self) -> str:
        return self._runner.slot.label

    @property
    def destination(self) -> ModelDestination:
        return self._destination

    def read(self, notes: str, meeting: Meeting, parsed: NotesExtraction) -> ReadNotes:
        meeting_date = meeting.start.astimezone(self._zone or _zone_of(meeting)).date()
        prompt = notes_prompt(notes, meeting.title, meeting_date, meeting.attendees)
        system: list[SystemContentBlock] = [{"text": RULES}]
        if self._runner.slot.prompt_cache:
            system.append({"cachePoint": {"type": "default"}})
        deadline = time.monotonic() + self._time_limit
        agent = self._runner.agent(system, deadline=deadline, name="notes-reader")
        answered = self._runner.ask(
            agent, prompt.text, NotesDraft, purpose=PURPOSE, deadline=deadline
        )
        checked = check_draft(
            answered.output, prompt.sent_notes, meeting_date, meeting.attendees, parsed
        )
        dropped = checked.dropped + ((prompt.cut,) if prompt.cut else ())
        log.info(
            "notes read by a model",
            extra={
                "meeting_id": meeting.meeting_id,
                "model": self.name,
                "decisions": len(checked.extraction.decisions),
                "action_items": len(checked.extraction.action_items),
                "dropped": len(dropped),
            },
        )
        return ReadNotes(checked.extraction, (answered.call,), self.name, dropped)


def _zone_of(meeting: Meeting) -> ZoneInfo:
    try:
        return ZoneInfo(meeting.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
