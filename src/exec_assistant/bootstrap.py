"""The composition root: the one place that chooses adapters and wires them to services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
from exec_assistant.calendars.ics import IcsCalendarSource
from exec_assistant.configuration import LoadedConfig, load_config
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import ConfigError
from exec_assistant.settings import Settings


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
