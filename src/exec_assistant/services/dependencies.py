"""What the prep services need, as ports: built once by the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.privacy import DEFAULT_PRIVATE_PROVIDERS
from exec_assistant.ports import (
    ActionItemRepository,
    AnswerReviewer,
    ChatChannel,
    ChatSessionRepository,
    Clock,
    ContextProvider,
    DecisionRepository,
    DeliveryRepository,
    DocumentStore,
    MeetingRepository,
    PackGenerator,
    ReminderScheduler,
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
    provider_timeouts: Mapping[str, float] = field(default_factory=dict)
    """Seconds for the sources context.yaml gives a time limit of their own, by name."""
    generation_timeout: float = 600.0 - GENERATION_MARGIN_SECONDS
    """Seconds the pack generator may take before the offline pack is written instead."""
    private_providers: tuple[str, ...] = DEFAULT_PRIVATE_PROVIDERS
    """Who may read a private meeting's content (see `domain.privacy`)."""
    answer_reviewer: AnswerReviewer | None = None
    """Decides whether a vague answer gets a follow-up question; None asks none."""
    follow_up_turns: int = 1
    """Follow-up questions at most per prep (0: none)."""
    reminders: ReminderScheduler | None = None
    """Who sends the final reminder at its time; None: the workflow waits for it itself."""
    review_timeout: float = 90.0
    """Seconds a review may take before the prep goes on without it (the reviewer keeps its
    own, shorter limit; this one guards against one that does not)."""
