"""What the web page works with: the stores and services it reads and changes, as ports,
built by the composition root (the local one, or the AWS one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.ports import (
    ActionItemRepository,
    ChatSessionRepository,
    Clock,
    DecisionRepository,
    DocumentStore,
    MeetingRepository,
    NotesReader,
    PrepEngine,
    SeriesOverrideRepository,
)
from exec_assistant.services.follow_ups import FollowUps


@dataclass(frozen=True)
class WebSite:
    meetings: MeetingRepository
    sessions: ChatSessionRepository
    action_items: ActionItemRepository
    decisions: DecisionRepository
    overrides: SeriesOverrideRepository
    documents: DocumentStore
    catalog: MeetingTypeCatalog
    rules: NotificationRules
    executive: Executive
    clock: Clock
    engine: PrepEngine
    """Resumes a waiting prep with the answers given on the page, cancels a skipped one."""
    calendars_configured: bool
    """Whether any calendar is configured: the empty fortnight says what to do next."""
    deployment: Literal["local", "aws"] = "local"
    """Where the app runs, for what the empty fortnight names as the next step: the CLI
    (`serve` on one machine), or the stack's settings and the calendar monitor (AWS)."""
    notes_reader: Callable[[], NotesReader | None] = lambda: None
    """The model that reads notes beside the parser (None: the parser alone); built when
    notes are given, not at start-up."""
    private_providers: tuple[str, ...] = ()
    follow_ups: FollowUps | None = None
    """Reviews the answers given on the page and may ask a follow-up question on a vague
    one, as in Slack; None: the answers go to the prep as they are."""
    fortnight_days: int = 14

    def is_private(self, meeting_type: str | None) -> bool:
        if meeting_type is None or meeting_type not in self.catalog:
            return False
        return self.catalog.get(meeting_type).private
