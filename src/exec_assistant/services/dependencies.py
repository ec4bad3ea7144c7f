"""What the prep and follow-up services need, as ports: built once by the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.ports import (
    ActionItemRepository,
    ChatChannel,
    ChatSessionRepository,
    Clock,
    ContextProvider,
    DecisionRepository,
    DocumentStore,
    MeetingRepository,
    PackGenerator,
)


@dataclass(frozen=True)
class PrepDependencies:
    meetings: MeetingRepository
    sessions: ChatSessionRepository
    action_items: ActionItemRepository
    decisions: DecisionRepository
    documents: DocumentStore
    catalog: MeetingTypeCatalog
    rules: NotificationRules
    executive: Executive
    channel: ChatChannel
    providers: Mapping[str, ContextProvider]
    generator: PackGenerator
    clock: Clock
    provider_timeout_seconds: float = 20.0
    generation_timeout_seconds: float = 600.0
