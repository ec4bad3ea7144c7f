"""The kinds of context, the systems each may come from, and `context.yaml` read into them.

Every section is optional; a missing one reads its exported file, as the demo does. A bad key
or value is a ConfigError naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from exec_assistant.configuration import read_user_document, validation_error
from exec_assistant.context.aws_costs import AwsBudgetSource
from exec_assistant.context.greenhouse import GreenhouseStaffingSource
from exec_assistant.context.sources import CONTEXT_FILE, FileSource, SourceConfig
from exec_assistant.document_files import FileFolder
from exec_assistant.domain.errors import ConfigError

SECTIONS: dict[str, tuple[type[SourceConfig], ...]] = {
    "budget": (FileSource, AwsBudgetSource),
    "big_rocks": (FileSource,),
    "incidents": (FileSource,),
    "staffing": (FileSource, GreenhouseStaffingSource),
}
"""The kinds of context, each with the sources it can come from."""
TRACKER_SECTION = "action_items"
TRACKERS: tuple[type[SourceConfig], ...] = ()
"""Where accepted action items may be created as issues."""


@dataclass(frozen=True)
class ContextSources:
    """What context.yaml says: the source of each kind of context, and the tracker."""

    sections: dict[str, SourceConfig]
    """By kind; a kind not configured reads its file."""
    tracker: SourceConfig | None = None
    read_from: str = ""
    """The file read ("" when there is none)."""

    def source_of(self, kind: str) -> SourceConfig:
        return self.sections.get(kind) or FileSource()


def load_context_sources(folder: Path | FileFolder) -> ContextSources:
    """context.yaml in the context folder; every kind from its file when there is none."""
    read_from, data = read_user_document(folder, CONTEXT_FILE)
    choices = {**SECTIONS, TRACKER_SECTION: TRACKERS}
    unknown = [key for key in data if key not in choices]
    if unknown:
        raise ConfigError(
            "unknown key",
            source=read_from,
            key=str(unknown[0])[:80],
            hint=f"The sections are: {', '.join(choices)}.",
        )
    chosen: dict[str, SourceConfig] = {}
    for kind, raw in data.items():
        if raw is None:
            continue
        chosen[kind] = _section(kind, raw, choices[kind], read_from, data)
    tracker = chosen.pop(TRACKER_SECTION, None)
    return ContextSources(chosen, tracker, read_from)


def _section(
    kind: str,
    raw: Any,
    models: tuple[type[SourceConfig], ...],
    read_from: str,
    data: dict[str, Any],
) -> SourceConfig:
    if not isinstance(raw, dict):
        raise ConfigError(
            f"expected a mapping of settings, found {type(raw).__name__}",
            source=read_from,
            key=kind,
        )
    by_name = {model.model_fields["source"].default: model for model in models}
    if not by_name:
        raise ConfigError(
            "this version has no tracker to sync action items with", source=read_from, key=kind
        )
    name = raw.get("source", "file" if "file" in by_name else None)
    if name not in by_name:
        shown = "no source" if name is None else f"'{str(name)[:40]}'"
        raise ConfigError(
            f"{shown} is not a source of {kind}",
            source=read_from,
            key=f"{kind}.source",
            hint=f"Use one of: {', '.join(by_name)}.",
        )
    try:
        return by_name[name].model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, (kind,), read_from, data) from None
