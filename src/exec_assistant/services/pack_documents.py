"""The pack as documents in the bucket layout, and back."""

from __future__ import annotations

import json
from typing import Any

from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.models import PrepPack
from exec_assistant.ports import DocumentStore

AGENDA_JSON = "agenda.json"
QUESTIONS_JSON = "questions.json"
CONTEXT_JSON = "context.json"
NOTES_TEMPLATE = "notes_template.md"
AGENDA_MD = "agenda.md"
NOTES_MD = "notes.md"

_QUESTION_FIELDS = ("prep_questions", "answers", "answers_received", "questions")
_CONTEXT_FIELDS = ("background",)


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode()


def write_pack(
    store: DocumentStore,
    pack: PrepPack,
    context: list[ContextResult],
    markdown: str,
) -> str:
    """Store the pack's documents; returns where the readable agenda.md is."""
    data = pack.model_dump(mode="json")
    questions = {k: data.pop(k) for k in _QUESTION_FIELDS}
    background = {k: data.pop(k) for k in _CONTEXT_FIELDS}
    template = data.pop("notes_template")
    meeting_id = pack.meeting_id
    store.put(meeting_document(meeting_id, QUESTIONS_JSON), _json(questions), "application/json")
    store.put(
        meeting_document(meeting_id, CONTEXT_JSON),
        _json({**background, "sources": [c.model_dump(mode="json") for c in context]}),
        "application/json",
    )
    store.put(meeting_document(meeting_id, NOTES_TEMPLATE), template.encode(), "text/markdown")
    store.put(meeting_document(meeting_id, AGENDA_MD), markdown.encode(), "text/markdown")
    # agenda.json last: its presence means the whole pack is there.
    store.put(meeting_document(meeting_id, AGENDA_JSON), _json(data), "application/json")
    return store.location(meeting_document(meeting_id, AGENDA_MD))


def read_pack(store: DocumentStore, meeting_id: str) -> PrepPack | None:
    found = read_pack_and_sources(store, meeting_id)
    return found[0] if found else None


def read_pack_and_sources(
    store: DocumentStore, meeting_id: str
) -> tuple[PrepPack, list[ContextResult]] | None:
    """The pack and the context it was written from (each source, and why one was
    unavailable); None until the whole pack is stored."""
    parts: dict[str, Any] = {}
    for name in (AGENDA_JSON, QUESTIONS_JSON, CONTEXT_JSON):
        raw = store.get(meeting_document(meeting_id, name))
        if raw is None:
            return None
        parts.update(json.loads(raw))
    sources = [ContextResult.model_validate(s) for s in parts.pop("sources", None) or ()]
    template = store.get(meeting_document(meeting_id, NOTES_TEMPLATE))
    parts["notes_template"] = template.decode() if template else ""
    return PrepPack.model_validate(parts), sources


def read_notes_template(store: DocumentStore, meeting_id: str) -> str | None:
    """The pack's notes template; None until the whole pack is stored."""
    if store.get(meeting_document(meeting_id, AGENDA_JSON)) is None:
        return None
    template = store.get(meeting_document(meeting_id, NOTES_TEMPLATE))
    return template.decode() if template is not None else None
