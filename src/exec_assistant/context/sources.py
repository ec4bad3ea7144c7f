"""`context.yaml`: which system of record each kind of context comes from.

    budget:
      source: aws              # AWS Cost Explorer and AWS Budgets
      timeout_seconds: 15
    incidents:
      source: pagerduty
      service_ids: [PABC123]
    big_rocks:
      source: file             # big_rocks.yaml in the context folder (the default)

Every section is optional; a missing one reads its exported file, as the demo does. Each
source is a pydantic model with `source` naming it; a bad key or value is a ConfigError
naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from exec_assistant.document_files import FileFolder
from exec_assistant.ports import Clock, ContextProvider, IntegrationDoctor, SecretStore

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
