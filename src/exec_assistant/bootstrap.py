"""The composition root: the one place that chooses adapters and wires them to services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from exec_assistant.adapters.local.data_folder import DataFolder
from exec_assistant.adapters.local.folder_document_store import FolderDocumentStore
from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
from exec_assistant.adapters.local.sqlite_repositories import (
    SqliteActionItemRepository,
    SqliteChatSessionRepository,
    SqliteDecisionRepository,
    SqliteMeetingRepository,
    SqliteSeriesOverrideRepository,
)
from exec_assistant.agents.offline import OfflinePackGenerator
from exec_assistant.calendars.ics import IcsCalendarSource
from exec_assistant.channels.fan_out import FanOutChannel
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.configuration import LoadedConfig, load_config
from exec_assistant.context.files import (
    BigRocksContextProvider,
    BudgetContextProvider,
    IncidentsContextProvider,
    StaffingContextProvider,
)
from exec_assistant.context.store import DecisionsContextProvider, HistoryContextProvider
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import ConfigError
from exec_assistant.ports import ChatChannel, Clock, ContextProvider
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.settings import Settings
from exec_assistant.workflows.spec import GENERATE_MATERIALS, MEETING_PREP

if TYPE_CHECKING:
    from exec_assistant.workflows.local import LocalWorkflowEngine, Timer


@dataclass
class LocalApp:
    """Everything a command needs, built from the settings, on the embedded default."""

    settings: Settings
    config: LoadedConfig
    data: DataFolder
    db: SqliteDatabase
    meetings: SqliteMeetingRepository
    overrides: SqliteSeriesOverrideRepository
    chat_sessions: SqliteChatSessionRepository
    action_items: SqliteActionItemRepository
    decisions: SqliteDecisionRepository
    documents: FolderDocumentStore
    closed: bool = field(default=False, init=False)

    @property
    def executive(self) -> Executive:
        return Executive(self.settings.user_email, self.settings.zone)

    def calendar_sources(self, locations: Sequence[str] = ()) -> list[IcsCalendarSource]:
        chosen = list(locations) or self.settings.calendars
        if not chosen:
            raise ConfigError(
                "no calendars to sync",
                hint="Pass --calendar PATH_OR_URL, or set EXEC_ASSISTANT_CALENDARS, or list "
                "them under 'calendars:' in settings.yaml in your config folder.",
            )
        return [
            IcsCalendarSource(
                location,
                default_zone=self.settings.zone,
                timeout_seconds=self.settings.http_timeout_seconds,
            )
            for location in dict.fromkeys(chosen)
        ]

    def close(self) -> None:
        if not self.closed:
            self.db.close()
            self.data.release()
            self.closed = True


def build_providers(local: LocalApp) -> dict[str, ContextProvider]:
    folder = local.settings.context_path
    return {
        "budget": BudgetContextProvider(folder),
        "big_rocks": BigRocksContextProvider(folder),
        "incidents": IncidentsContextProvider(folder),
        "staffing": StaffingContextProvider(folder),
        "decisions": DecisionsContextProvider(local.decisions),
        "history": HistoryContextProvider(local.meetings, local.action_items, local.documents),
    }


def build_channel(local: LocalApp, primary: ChatChannel) -> ChatChannel:
    if local.settings.outbox is None:
        return primary
    return FanOutChannel(primary, OutboxChannel(local.settings.outbox.expanduser()))


def build_prep(local: LocalApp, channel: ChatChannel, clock: Clock) -> PrepDependencies:
    return PrepDependencies(
        meetings=local.meetings,
        sessions=local.chat_sessions,
        action_items=local.action_items,
        decisions=local.decisions,
        documents=local.documents,
        catalog=local.config.catalog,
        rules=local.config.rules,
        executive=local.executive,
        channel=build_channel(local, channel),
        providers=build_providers(local),
        generator=OfflinePackGenerator(),
        clock=clock,
        provider_timeout_seconds=local.settings.provider_timeout_seconds,
        generation_timeout_seconds=float(MEETING_PREP[GENERATE_MATERIALS].timeout_seconds or 600),
    )


def build_engine(local: LocalApp, deps: PrepDependencies, timer: Timer) -> LocalWorkflowEngine:
    # Imported here: DBOS takes most of a second to import, and only some commands need it.
    from exec_assistant.workflows.local import LocalWorkflowEngine

    return LocalWorkflowEngine(local.data.path, deps, timer)


def build_local(settings: Settings, *, command: str, exclusive: bool) -> LocalApp:
    """Open the data folder; `exclusive` commands hold it so a second writer is refused."""
    config = load_config(settings.config_path)  # bad config fails before any data is touched
    data = DataFolder(settings.data_dir)
    if exclusive:
        data.acquire(command)
    else:
        data.prepare()
    try:
        db = SqliteDatabase(data.database_path)
    except BaseException:
        data.release()
        raise
    return LocalApp(
        settings=settings,
        config=config,
        data=data,
        db=db,
        meetings=SqliteMeetingRepository(db),
        overrides=SqliteSeriesOverrideRepository(db),
        chat_sessions=SqliteChatSessionRepository(db),
        action_items=SqliteActionItemRepository(db),
        decisions=SqliteDecisionRepository(db),
        documents=FolderDocumentStore(data.path),
    )
