"""What the two composition roots share: the stores both apps open (on one machine, the data
folder; on AWS, DynamoDB and S3), and the builders that wire them to the services.

Nothing here imports strands, dbos or a local adapter: the AWS functions, the Slack
webhook's among them, are built from this module without them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, cast

from exec_assistant.configuration import LoadedConfig
from exec_assistant.context.configured import ContextSources, load_context_sources
from exec_assistant.context.files import (
    BigRocksContextProvider,
    BudgetContextProvider,
    IncidentsContextProvider,
    StaffingContextProvider,
)
from exec_assistant.context.sources import (
    BuildsProvider,
    BuildsTracker,
    ContextSourceDeps,
    FileSource,
)
from exec_assistant.context.store import DecisionsContextProvider, HistoryContextProvider
from exec_assistant.document_files import FileFolder
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import ConfigError
from exec_assistant.ports import (
    ActionItemRepository,
    AnswerReviewer,
    CalendarSource,
    CalendarStateRepository,
    ChatChannel,
    ChatSessionRepository,
    ChatThreadRepository,
    Clock,
    ContextProvider,
    DecisionRepository,
    DeliveryRepository,
    DocumentStore,
    MeetingRepository,
    NotesReader,
    PackGenerator,
    PrepEngine,
    ReminderScheduler,
    SecretStore,
    SeriesOverrideRepository,
    TaskTracker,
)
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.tick import TickDependencies, Ticker
from exec_assistant.settings import Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from exec_assistant.domain.models import Meeting
    from exec_assistant.services.follow_ups import FollowUps
    from exec_assistant.slack.channel import SlackChatChannel
    from exec_assistant.slack.turns import SlackDependencies
    from exec_assistant.web.site import WebSite


class AppStores(Protocol):
    """The settings, the configuration and the stores, as ports: what `LocalApp` and `AwsApp`
    both are."""

    @property
    def settings(self) -> Settings: ...
    @property
    def config(self) -> LoadedConfig: ...
    @property
    def meetings(self) -> MeetingRepository: ...
    @property
    def overrides(self) -> SeriesOverrideRepository: ...
    @property
    def chat_sessions(self) -> ChatSessionRepository: ...
    @property
    def action_items(self) -> ActionItemRepository: ...
    @property
    def decisions(self) -> DecisionRepository: ...
    @property
    def deliveries(self) -> DeliveryRepository: ...
    @property
    def calendar_states(self) -> CalendarStateRepository: ...
    @property
    def chat_threads(self) -> ChatThreadRepository: ...
    @property
    def documents(self) -> DocumentStore: ...
    @property
    def executive(self) -> Executive: ...


@dataclass(frozen=True)
class ContextSetup:
    """The context sources of a runtime, as context.yaml configures them."""

    providers: dict[str, ContextProvider]
    timeouts: dict[str, float]
    """The time limits context.yaml gives, by source; the others take the setting's."""
    sources: ContextSources


def build_context(
    app: AppStores, context_files: Path | FileFolder, deps: ContextSourceDeps
) -> ContextSetup:
    """The context sources: each kind from the system context.yaml names (its exported file
    in `context_files` by default), and the decisions and history in the stores.
    ConfigError for a bad context.yaml, before any prep runs."""
    sources = load_context_sources(context_files)
    files: dict[str, ContextProvider] = {
        "budget": BudgetContextProvider(context_files),
        "big_rocks": BigRocksContextProvider(context_files),
        "incidents": IncidentsContextProvider(context_files),
        "staffing": StaffingContextProvider(context_files),
    }
    providers: dict[str, ContextProvider] = {}
    timeouts: dict[str, float] = {}
    for kind, from_file in files.items():
        config = sources.source_of(kind)
        if isinstance(config, FileSource):
            providers[kind] = from_file
        else:
            providers[kind] = cast(BuildsProvider, config).build(deps)
        if not isinstance(config, FileSource) or "timeout_seconds" in config.model_fields_set:
            # A system's provider gives up a little before its own limit, to say what was
            # slow: the prep waits that long for it.
            timeouts[kind] = config.timeout_seconds
    providers["decisions"] = DecisionsContextProvider(app.decisions)
    providers["history"] = HistoryContextProvider(app.meetings, app.action_items, app.documents)
    return ContextSetup(providers, timeouts, sources)


def build_tracker(context_files: Path | FileFolder, deps: ContextSourceDeps) -> TaskTracker | None:
    """The task tracker of context.yaml's `action_items` section, or None without one.
    Building connects to nothing: a tracker that cannot be reached fails at its first sync."""
    config = load_context_sources(context_files).tracker
    return None if config is None else cast(BuildsTracker, config).build_tracker(deps)


def prep_dependencies(
    app: AppStores,
    channel: ChatChannel,
    clock: Clock,
    *,
    context: ContextSetup,
    generator: PackGenerator,
    generation_timeout: float,
    answer_reviewer: AnswerReviewer | None = None,
    reminders: ReminderScheduler | None = None,
) -> PrepDependencies:
    settings = app.settings
    return PrepDependencies(
        meetings=app.meetings,
        sessions=app.chat_sessions,
        action_items=app.action_items,
        decisions=app.decisions,
        deliveries=app.deliveries,
        documents=app.documents,
        catalog=app.config.catalog,
        rules=app.config.rules,
        executive=app.executive,
        channel=channel,
        providers=context.providers,
        generator=generator,
        clock=clock,
        provider_timeout=settings.provider_timeout_seconds,
        provider_timeouts=context.timeouts,
        generation_timeout=generation_timeout,
        private_providers=tuple(settings.private_providers),
        answer_reviewer=answer_reviewer,
        follow_up_turns=settings.follow_up_turns,
        reminders=reminders,
    )


def ticker_for(
    app: AppStores,
    engine: PrepEngine,
    clock: Clock,
    sources: Callable[[], Sequence[CalendarSource]],
    *,
    sync_every: timedelta | None = None,
    channel: ChatChannel | None = None,
    lookahead_days: int | None = None,
    tracker: TaskTracker | None = None,
) -> Ticker:
    """The tick service over `sources`, `lookahead_days` ahead (None: the setting's). With
    `channel`, it also asks again after a snooze and asks for the notes once a prepared
    meeting has ended; with `tracker`, it keeps the accepted action items in step with it."""
    return Ticker(
        TickDependencies(
            meetings=app.meetings,
            overrides=app.overrides,
            calendar_states=app.calendar_states,
            catalog=app.config.catalog,
            rules=app.config.rules,
            executive=app.executive,
            engine=engine,
            clock=clock,
            sources=sources,
            lookahead_days=lookahead_days or app.settings.lookahead_days,
            channel=channel,
            sessions=app.chat_sessions if channel is not None else None,
            deliveries=app.deliveries if channel is not None else None,
            tracker=tracker,
            action_items=app.action_items if tracker is not None else None,
        ),
        sync_every=sync_every,
    )


@dataclass(frozen=True)
class SlackSetup:
    """Slack, as configured: the Web API client, the DM channel and the credentials the
    ways of serving need (HTTP: the signing secret; Socket Mode: the app token)."""

    client: WebClient
    channel: SlackChatChannel
    user_id: str
    signing_secret: str | None
    app_token: str | None


def slack_setup(app: AppStores, clock: Clock, secrets: SecretStore) -> SlackSetup | None:
    """Slack when its bot token or the executive's Slack user id is set (both are then
    needed: a ConfigError names the missing one); None when neither is."""
    from exec_assistant.slack.channel import SlackChatChannel
    from exec_assistant.slack.client import slack_client
    from exec_assistant.slack.secrets import SLACK_APP_TOKEN, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET

    settings = app.settings
    token = secrets.get(SLACK_BOT_TOKEN)
    if token is None and settings.slack_user_id is None:
        return None
    if token is None:
        raise ConfigError(
            "EXEC_ASSISTANT_SLACK_USER_ID is set but SLACK_BOT_TOKEN is not",
            hint="Set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-...); "
            "'exec-assistant slack manifest' prints the app to create.",
        )
    if settings.slack_user_id is None:
        raise ConfigError(
            "SLACK_BOT_TOKEN is set but EXEC_ASSISTANT_SLACK_USER_ID is not: the assistant "
            "would not know whom to write to",
            hint="Set it to your Slack member ID (your profile → ⋮ → Copy member ID).",
        )
    client = slack_client(
        token, base_url=settings.slack_api_url, timeout=settings.http_timeout_seconds
    )
    channel = SlackChatChannel(
        client,
        settings.slack_user_id,
        settings.zone,
        app.config.catalog,
        app.chat_threads,
        app.documents,
        clock,
    )
    return SlackSetup(
        client=client,
        channel=channel,
        user_id=settings.slack_user_id,
        signing_secret=secrets.get(SLACK_SIGNING_SECRET),
        app_token=secrets.get(SLACK_APP_TOKEN),
    )


def slack_dependencies(
    app: AppStores,
    engine: PrepEngine,
    slack: SlackSetup,
    clock: Clock,
    *,
    follow_ups: FollowUps | None,
    notes_reader: NotesReader | None,
    notes_handoff: Callable[[Meeting, str], None] | None = None,
) -> SlackDependencies:
    """What the Slack listeners call: the stores, the engine that runs the preps, the
    follow-up questions and the notes reader (or, `notes_handoff`, who reads them)."""
    from exec_assistant.slack.turns import SlackDependencies

    settings = app.settings
    return SlackDependencies(
        meetings=app.meetings,
        sessions=app.chat_sessions,
        action_items=app.action_items,
        decisions=app.decisions,
        documents=app.documents,
        overrides=app.overrides,
        threads=app.chat_threads,
        catalog=app.config.catalog,
        rules=app.config.rules,
        executive=app.executive,
        engine=engine,
        channel=slack.channel,
        clock=clock,
        zone=settings.zone,
        follow_ups=follow_ups,
        notes_reader=notes_reader,
        notes_handoff=notes_handoff,
        private_providers=tuple(settings.private_providers),
        download_seconds=settings.http_timeout_seconds,
    )


def web_site(
    app: AppStores,
    engine: PrepEngine,
    clock: Clock,
    *,
    calendars_configured: bool,
    notes_reader: Callable[[], NotesReader | None],
    follow_ups: FollowUps | None = None,
    deployment: Literal["local", "aws"] = "local",
) -> WebSite:
    """What the web page reads and changes: the stores of `app`, the engine of its preps
    (and, with `follow_ups`, the review of the answers given on the page)."""
    from exec_assistant.web.site import WebSite

    return WebSite(
        meetings=app.meetings,
        sessions=app.chat_sessions,
        action_items=app.action_items,
        decisions=app.decisions,
        overrides=app.overrides,
        documents=app.documents,
        catalog=app.config.catalog,
        rules=app.config.rules,
        executive=app.executive,
        clock=clock,
        engine=engine,
        calendars_configured=calendars_configured,
        deployment=deployment,
        notes_reader=notes_reader,
        private_providers=tuple(app.settings.private_providers),
        follow_ups=follow_ups,
    )
