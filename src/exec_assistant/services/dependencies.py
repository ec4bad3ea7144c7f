"""What the prep services need, as ports: built once by the composition root."""

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
    DeliveryRepository,
    DocumentStore,
    MeetingRepository,
    PackGenerator,
)

GENERATION_MARGIN_SECONDS = 60.0
"""Kept of GenerateMaterials' 600 s for the offline pack when the model overruns."""


@dataclass(frozen=True)
class PrepDependencies:
    meetings: MeetingRepository
    sessions: ChatSessionRepository
    action_items: ActionItemRepository
    decisions: DecisionRepository
    deliveries: DeliveryRepository
    documents: DocumentStore
    catalog: MeetingTypeCatalog
    rules: NotificationRules
    executive: Executive
    channel: ChatChannel
    providers: Mapping[str, ContextProvider]
    generator: PackGenerator
    clock: Clock
    provider_timeout: float = 20.0
    """Seconds one context source may take."""
    generation_timeout: float = 600.0 - GENERATION_MARGIN_SECONDS
    """Seconds the pack generator may take before the offline pack is written instead."""
    private_providers: tuple[str, ...] = ("bedrock", "offline", "ollama", "llamacpp", "openai")
    """Who may read a private meeting's content (see `domain.privacy`)."""
