"""`context.yaml`: which system of record each kind of context comes from.

    budget:
      source: aws              # AWS Cost Explorer and AWS Budgets
      timeout_seconds: 15
    incidents:
      source: pagerduty
      service_ids: [PABC123]
    big_rocks:
      source: jira             # epics of Jira Cloud (see context/jira.py)
      base_url: https://northwind.atlassian.net
      label: big-rock
    action_items:              # accepted action items as issues of a tracker
      source: jira
      base_url: https://northwind.atlassian.net
      project: OPS

Every section is optional; a missing one reads its exported file, as the demo does. Each
source is a pydantic model with `source` naming it; a bad key or value is a ConfigError
naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from exec_assistant.configuration import read_user_document, validation_error
from exec_assistant.document_files import FileFolder
from exec_assistant.domain.errors import ConfigError
from exec_assistant.ports import (
    Clock,
    ContextProvider,
    IntegrationDoctor,
    SecretStore,
    TaskTracker,
)

CONTEXT_FILE = "context.yaml"
DEFAULT_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class ContextSourceDeps:
    """What a configured source is built from."""

    files: Path | FileFolder
    """The context folder: the exported files, and the HRIS export beside an API."""
    secrets: SecretStore
    """API tokens by name (PAGERDUTY_API_TOKEN…): the environment locally, the deployment's
    secret on AWS."""
    clock: Clock
    aws_client: Callable[[str], Any] | None = None
    """A boto3 client by service name ("ce", "budgets"), or None where AWS is not set up."""


class SourceConfig(BaseModel):
    """One section of context.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    source: str
    timeout_seconds: float = Field(default=DEFAULT_TIMEOUT_SECONDS, gt=0, le=300)


class BuildsProvider(Protocol):
    """What every source model offers besides its settings."""

    source: str
    timeout_seconds: float

    def build(self, deps: ContextSourceDeps) -> ContextProvider: ...

    def doctor(self, deps: ContextSourceDeps) -> IntegrationDoctor | None:
        """Its checks for `exec-assistant doctor`, or None for a source with nothing to
        reach (a file)."""
        ...


class FileSource(SourceConfig):
    """The exported file in the context folder (budget.yaml, incidents.csv…)."""

    source: Literal["file"] = "file"


class BuildsTracker(Protocol):
    """What every tracker model (the `action_items` section) offers besides its settings."""

    source: str

    def build_tracker(self, deps: ContextSourceDeps) -> TaskTracker: ...

    def doctor(self, deps: ContextSourceDeps) -> IntegrationDoctor | None: ...


def sections() -> dict[str, tuple[type[SourceConfig], ...]]:
    """The kinds of context, each with the sources it can come from. Read when asked: the
    source modules subclass this module's SourceConfig."""
    from exec_assistant.context.jira import JiraBigRocksSource

    return {
        "budget": (FileSource,),
        "big_rocks": (FileSource, JiraBigRocksSource),
        "incidents": (FileSource,),
        "staffing": (FileSource,),
    }


TRACKER_SECTION = "action_items"


def trackers() -> tuple[type[SourceConfig], ...]:
    """Where accepted action items may be created as issues."""
    from exec_assistant.context.jira import JiraTrackerSource

    return (JiraTrackerSource,)


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
    choices = {**sections(), TRACKER_SECTION: trackers()}
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
