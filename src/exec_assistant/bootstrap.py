"""The composition root: the one place that chooses adapters and wires them to services."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from rich.console import Console

from exec_assistant import composition, model_builders
from exec_assistant.adapters.calendar_snapshots import DocumentCalendarSnapshotRepository
from exec_assistant.adapters.local.data_folder import DataFolder
from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.adapters.local.folder_document_store import FolderDocumentStore
from exec_assistant.adapters.local.sign_in_links import FolderSignInLinkRepository
from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
from exec_assistant.adapters.local.sqlite_repositories import (
    SqliteActionItemRepository,
    SqliteCalendarStateRepository,
    SqliteChatSessionRepository,
    SqliteChatThreadRepository,
    SqliteDecisionRepository,
    SqliteDeliveryRepository,
    SqliteMeetingRepository,
    SqliteSeenEventRepository,
    SqliteSeriesOverrideRepository,
)
from exec_assistant.adapters.local.web_address import remove_web_address, served_web_address
from exec_assistant.calendars.sources import CalendarAccess, calendar_source
from exec_assistant.channels.answering import AnsweringChannel
from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.channels.fan_out import FanOutChannel
from exec_assistant.channels.outbox import JsonLinesChannel, OutboxChannel
from exec_assistant.channels.terminal import TerminalChannel
from exec_assistant.clocks import FixedClock, OffsetClock, SystemClock
from exec_assistant.composition import SlackSetup as SlackSetup
from exec_assistant.composition import slack_setup as slack_setup
from exec_assistant.configuration import LoadedConfig, load_config
from exec_assistant.context.sources import BuildsProvider, ContextSourceDeps, FileSource
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import ConfigError, WebPageNotServed
from exec_assistant.domain.prep_steps import AnswersRecorded, PrepRequest
from exec_assistant.model_builders import build_notes_reader as build_notes_reader
from exec_assistant.model_builders import build_pack_generator
from exec_assistant.ports import (
    ActionItemRepository,
    AnswerReviewer,
    CalendarSnapshotRepository,
    CalendarSource,
    CalendarStateRepository,
    ChatChannel,
    ChatSessionRepository,
    ChatThreadRepository,
    Clock,
    CredentialStore,
    DecisionRepository,
    DeliveryRepository,
    DocumentStore,
    IntegrationDoctor,
    MeetingRepository,
    PrepEngine,
    PrepRun,
    SecretStore,
    SeenEventRepository,
    SeriesOverrideRepository,
    TaskTracker,
)
from exec_assistant.services.dependencies import GENERATION_MARGIN_SECONDS, PrepDependencies
from exec_assistant.services.prep import PrepSteps
from exec_assistant.services.sign_in_links import SignInLinks
from exec_assistant.services.tick import Ticker
from exec_assistant.settings import Settings
from exec_assistant.workflows.spec import GENERATE_MATERIALS, MEETING_PREP, WorkflowSpec

if TYPE_CHECKING:
    from slack_bolt import App

    from exec_assistant.slack.turns import SlackDependencies
    from exec_assistant.web.site import WebSite
    from exec_assistant.workflows.dbos_engine import DbosClientEngine, DbosPrepEngine, Timer


@dataclass
class LocalApp:
    """The stores of the embedded default, opened on the data folder, as ports."""

    settings: Settings
    config: LoadedConfig
    data: DataFolder
    meetings: MeetingRepository
    overrides: SeriesOverrideRepository
    chat_sessions: ChatSessionRepository
    action_items: ActionItemRepository
    decisions: DecisionRepository
    deliveries: DeliveryRepository
    calendar_states: CalendarStateRepository
    chat_threads: ChatThreadRepository
    documents: DocumentStore
    credentials: CredentialStore
    """The calendar accounts' authorizations (the OS keyring, or 0600 files)."""
    calendar_snapshots: CalendarSnapshotRepository
    _database: SqliteDatabase = field(repr=False)
    closed: bool = field(default=False, init=False)

    @property
    def executive(self) -> Executive:
        return Executive(self.settings.user_email, self.settings.zone)

    def calendar_sources(
        self,
        locations: Sequence[str] = (),
        abort: threading.Event | None = None,
        clock: Clock | None = None,
    ) -> list[CalendarSource]:
        """The calendars given, or the configured ones; ConfigError when there are none."""
        chosen = list(locations) or self.settings.calendars
        if not chosen:
            raise ConfigError(
                "no calendars to sync",
                hint="Pass --calendar PATH_OR_URL, or set EXEC_ASSISTANT_CALENDARS, or list "
                "them under 'calendars:' in settings.yaml in your config folder.",
            )
        access = CalendarAccess(
            self.settings,
            clock or SystemClock(),
            self.credentials,
            self.calendar_snapshots,
            abort=abort,
        )
        return [calendar_source(location, access) for location in dict.fromkeys(chosen)]

    def seen_events(self, clock: Clock) -> SeenEventRepository:
        """The chat events already handled (a retried Slack event is handled once)."""
        return SqliteSeenEventRepository(self._database, clock)

    def close(self) -> None:
        if not self.closed:
            self._database.close()
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
    documents = FolderDocumentStore(data.path)
    return LocalApp(
        settings=settings,
        config=config,
        data=data,
        meetings=SqliteMeetingRepository(db),
        overrides=SqliteSeriesOverrideRepository(db),
        chat_sessions=SqliteChatSessionRepository(db),
        action_items=SqliteActionItemRepository(db),
        decisions=SqliteDecisionRepository(db),
        deliveries=SqliteDeliveryRepository(db),
        calendar_states=SqliteCalendarStateRepository(db),
        chat_threads=SqliteChatThreadRepository(db),
        documents=documents,
        credentials=local_credential_store(settings),
        calendar_snapshots=DocumentCalendarSnapshotRepository(documents),
        _database=db,
    )


def local_credential_store(settings: Settings) -> CredentialStore:
    """Where this machine keeps calendar authorizations: the OS keyring when there is one
    (or when asked for), else 0600 files in the data folder's `credentials/`."""
    from exec_assistant.adapters.credentials.file_store import FileCredentialStore
    from exec_assistant.adapters.credentials.keyring_store import (
        KeyringCredentialStore,
        keyring_usable,
    )

    def choose() -> CredentialStore:
        if settings.credential_store == "keyring" or (
            settings.credential_store == "auto" and keyring_usable()
        ):
            return KeyringCredentialStore()
        return FileCredentialStore(settings.data_dir / "credentials")

    return _ChosenOnFirstUse(choose)


class _ChosenOnFirstUse:
    """A CredentialStore decided when first used: finding out whether the OS has a keyring
    takes a quarter of a second, which a command that reads no API calendar should not pay."""

    def __init__(self, choose: Callable[[], CredentialStore]) -> None:
        self._choose = choose
        self._store: CredentialStore | None = None

    def _chosen(self) -> CredentialStore:
        if self._store is None:
            self._store = self._choose()
        return self._store

    @property
    def location(self) -> str:
        return self._chosen().location

    def load(self, provider: str) -> dict[str, Any] | None:
        return self._chosen().load(provider)

    def save(self, provider: str, authorization: Mapping[str, Any]) -> None:
        self._chosen().save(provider, authorization)

    def delete(self, provider: str) -> None:
        self._chosen().delete(provider)


def build_context(local: LocalApp, clock: Clock, secrets: SecretStore) -> composition.ContextSetup:
    """The context sources context.yaml names; an AWS source uses the machine's AWS
    credentials (the usual boto3 chain), asked for only when one is configured."""
    deps = _context_deps(local, clock, secrets)
    return composition.build_context(local, local.settings.context_path, deps)


def _context_deps(local: LocalApp, clock: Clock, secrets: SecretStore) -> ContextSourceDeps:
    from exec_assistant.aws_clients import AwsClients

    aws = AwsClients()
    return ContextSourceDeps(local.settings.context_path, secrets, clock, aws_client=aws.client)


def build_clock(start: datetime | None, *, running: bool = True) -> Clock:
    """The real clock; from `start` (--now), one that runs at the speed of time from there,
    or (not `running`: a command over in a moment) one that stays there."""
    if start is None:
        return SystemClock()
    return OffsetClock(start) if running else FixedClock(start)


def terminal_channel(
    console: Console,
    zone: ZoneInfo,
    *,
    interactive: bool,
    answers: AnswersFile | None = None,
    stamped_by: Clock | None = None,
) -> ChatChannel:
    """The terminal: asks at the keyboard when `interactive`, takes answers from the file
    when it has them; `stamped_by`, one timestamped line per message (the demo)."""
    return TerminalChannel(
        console, zone, interactive=interactive, answers=answers, compact_clock=stamped_by
    )


def json_lines_channel(clock: Clock, answers: AnswersFile | None = None) -> ChatChannel:
    """Every message as a JSON line on standard output (`serve --json`)."""
    return AnsweringChannel(JsonLinesChannel(clock), answers)


def with_outbox(local: LocalApp, primary: ChatChannel, clock: Clock) -> ChatChannel:
    """The channel, and the outbox beside it when one is configured."""
    if local.settings.outbox is None:
        return primary
    return FanOutChannel(primary, OutboxChannel(local.settings.outbox, clock))


def secret_store() -> SecretStore:
    """Keys and tokens: the environment, on one machine."""
    return EnvSecretStore(os.environ)


def build_answer_reviewer(
    local: LocalApp, clock: Clock, secrets: SecretStore
) -> AnswerReviewer | None:
    """The review of the prep answers, its conversations kept in the data folder."""
    return model_builders.build_answer_reviewer(local, clock, secrets, local.data.path)


def build_prep_dependencies(
    local: LocalApp,
    channel: ChatChannel,
    clock: Clock,
    *,
    secrets: SecretStore | None = None,
) -> PrepDependencies:
    generate_limit = float(MEETING_PREP[GENERATE_MATERIALS].timeout_seconds or 600)
    generation_timeout = generate_limit - GENERATION_MARGIN_SECONDS
    secrets = secrets or secret_store()
    generator = build_pack_generator(local, clock, secrets, time_limit=generation_timeout - 5)
    return composition.prep_dependencies(
        local,
        with_outbox(local, channel, clock),
        clock,
        context=build_context(local, clock, secrets),
        generator=generator,
        generation_timeout=generation_timeout,
        answer_reviewer=build_answer_reviewer(local, clock, secrets),
    )


class LazyClientEngine:
    """The PrepEngine of a command that runs no preps (sync, answer beside serve): DBOS is
    imported, slowly, only if a workflow has to be stopped or answered."""

    def __init__(self, local: LocalApp) -> None:
        self._local = local
        self._engine: DbosClientEngine | None = None

    def _open(self) -> DbosClientEngine:
        if self._engine is None:
            from exec_assistant.workflows.dbos_engine import DbosClientEngine

            self._engine = DbosClientEngine(self._local.data.path)
        return self._engine

    def start(self, request: PrepRequest) -> None:
        self._open().start(request)

    def retry(self, failed_workflow_id: str | None, request: PrepRequest) -> None:
        self._open().retry(failed_workflow_id, request)

    def deliver_answers(self, task_token: str, answers: AnswersRecorded) -> None:
        self._open().deliver_answers(task_token, answers)

    def cancel(self, workflow_id: str) -> None:
        self._open().cancel(workflow_id)

    def status(self, workflow_id: str) -> PrepRun | None:
        return self._open().status(workflow_id)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()


def build_ticker(
    local: LocalApp,
    engine: PrepEngine,
    clock: Clock,
    *,
    calendars: Sequence[str] = (),
    abort: threading.Event | None = None,
    sync_every: timedelta | None = None,
    channel: ChatChannel | None = None,
) -> Ticker:
    """The tick service; with no calendar configured it syncs nothing and prepares what is
    stored. With `channel`, it also asks again after a snooze and asks for the notes once a
    prepared meeting has ended."""

    def sources() -> Sequence[CalendarSource]:
        if not calendars and not local.settings.calendars:
            return []
        return local.calendar_sources(calendars, abort, clock)

    return composition.ticker_for(
        local,
        engine,
        clock,
        sources,
        sync_every=sync_every,
        channel=channel,
        tracker=build_tracker(local, clock, secret_store()),
    )


def build_tracker(local: LocalApp, clock: Clock, secrets: SecretStore) -> TaskTracker | None:
    """The task tracker context.yaml names (`action_items`), or None."""
    deps = ContextSourceDeps(local.settings.context_path, secrets, clock)
    return composition.build_tracker(local.settings.context_path, deps)


@dataclass
class PrepRuntime:
    """Everything that runs preps in this process: the steps, the engine, the ticker."""

    deps: PrepDependencies
    steps: PrepSteps
    engine: DbosPrepEngine
    ticker: Ticker
    clock: Clock


def build_runtime(
    local: LocalApp,
    channel: ChatChannel,
    clock: Clock,
    *,
    timer: Timer | None = None,
    calendars: Sequence[str] = (),
    abort: threading.Event | None = None,
    sync_every: timedelta | None = None,
    pause: Callable[[float], None] = time.sleep,
    verbose: bool = False,
    spec: WorkflowSpec = MEETING_PREP,
    conversing: bool = False,
) -> PrepRuntime:
    """The prep runtime on DBOS, not launched yet (`engine.launch()`). DBOS is imported here:
    it takes most of a second, and only the commands that run preps need it. `conversing`
    (serve): the ticker also takes the chat's turns (asking again after a snooze, asking for
    the notes after the meeting)."""
    from exec_assistant.workflows.dbos_engine import DbosPrepEngine, DurableTimer

    deps = build_prep_dependencies(local, channel, clock)
    steps = PrepSteps(deps)
    engine = DbosPrepEngine(
        local.data.path,
        steps,
        timer or DurableTimer(clock),
        spec=spec,
        pause=pause,
        verbose=verbose,
    )
    ticker = build_ticker(
        local,
        engine,
        clock,
        calendars=calendars,
        abort=abort,
        sync_every=sync_every,
        channel=deps.channel if conversing else None,
    )
    return PrepRuntime(deps=deps, steps=steps, engine=engine, ticker=ticker, clock=clock)


def slack_dependencies(
    local: LocalApp,
    engine: PrepEngine,
    prep: PrepDependencies,
    slack: SlackSetup,
    secrets: SecretStore,
    clock: Clock,
) -> SlackDependencies:
    """What the Slack listeners call: the stores, the engine that runs the preps, the
    follow-up reviewer and the notes reader of `prep`."""
    from exec_assistant.services.follow_ups import FollowUps

    return composition.slack_dependencies(
        local,
        engine,
        slack,
        clock,
        follow_ups=FollowUps(prep),
        notes_reader=build_notes_reader(local, clock, secrets),
    )


def build_slack_app_for(
    local: LocalApp,
    runtime: PrepRuntime,
    slack: SlackSetup,
    secrets: SecretStore,
    *,
    process_before_response: bool = False,
) -> App:
    """The Slack App of `serve`: its listeners drive the running preps of `runtime`."""
    from exec_assistant.slack.app import build_slack_app
    from exec_assistant.slack.listeners import register_listeners

    clock = runtime.clock
    deps = slack_dependencies(local, runtime.engine, runtime.deps, slack, secrets, clock)
    return build_slack_app(
        client=slack.client,
        signing_secret=slack.signing_secret,
        executive_user_id=slack.user_id,
        allowed_users=local.settings.slack_allowed_users,
        seen_events=local.seen_events(clock),
        register=register_listeners(deps),
        process_before_response=process_before_response,
        clock=clock,
    )


def slack_webhook_dependencies(
    settings: Settings, secrets: SecretStore, clock: Clock
) -> SlackDependencies:
    """The listeners' dependencies in the webhook function, built on its first request that
    reaches a listener: the stores on the data folder, and the engine of the preps that the
    running assistant executes (answers are handed to it)."""
    local = build_local(settings, command="slack-webhook", exclusive=False)
    slack = slack_setup(local, clock, secrets)
    if slack is None:
        raise ConfigError("Slack is not configured", hint="Set SLACK_BOT_TOKEN.")
    prep = build_prep_dependencies(local, slack.channel, clock, secrets=secrets)
    return slack_dependencies(local, LazyClientEngine(local), prep, slack, secrets, clock)


GOOGLE_API_BASE = "https://www.googleapis.com/calendar/v3/"


def build_doctors(local: LocalApp, clock: Clock, secrets: SecretStore) -> list[IntegrationDoctor]:
    """A doctor for every configured integration: each calendar, each kind of context (its
    file or its system), the action-item tracker, and Slack when any of it is set."""
    from exec_assistant.calendars.doctor import (
        CalendarAccountDoctor,
        CalendarReadDoctor,
        NoCalendarDoctor,
    )
    from exec_assistant.calendars.locations import api_calendar
    from exec_assistant.context.file_doctor import FileContextDoctor
    from exec_assistant.slack.doctor import SlackDoctor
    from exec_assistant.slack.secrets import SLACK_BOT_TOKEN, slack_secrets_present

    settings = local.settings
    doctors: list[IntegrationDoctor] = []
    for source in local.calendar_sources(clock=clock) if settings.calendars else []:
        api = api_calendar(source.location)
        if api is not None:
            base = (
                settings.google_api_endpoint or GOOGLE_API_BASE
                if api.provider == "google"
                else settings.microsoft_graph_endpoint
            )
            doctors.append(
                CalendarAccountDoctor(source.location, local.credentials, clock, api_base=base)
            )
        doctors.append(CalendarReadDoctor(source, clock, settings.lookahead_days))
    doctors = doctors or [NoCalendarDoctor()]
    deps = _context_deps(local, clock, secrets)
    context = composition.build_context(local, settings.context_path, deps)
    for kind in ("budget", "big_rocks", "incidents", "staffing"):
        config = context.sources.source_of(kind)
        if isinstance(config, FileSource):
            doctors.append(FileContextDoctor(kind, context.providers[kind], clock))
            continue
        doctor = cast(BuildsProvider, config).doctor(deps)
        if doctor is not None:
            doctors.append(doctor)
    tracker = context.sources.tracker
    if tracker is not None:
        tracker_doctor = cast(BuildsProvider, tracker).doctor(deps)
        if tracker_doctor is not None:
            doctors.append(tracker_doctor)
    if settings.slack_user_id or any(slack_secrets_present(secrets).values()):
        doctors.append(
            SlackDoctor(secrets.get(SLACK_BOT_TOKEN), clock, base_url=settings.slack_api_url)
        )
    return doctors


def build_web_site(local: LocalApp, runtime: PrepRuntime, secrets: SecretStore) -> WebSite:
    """The web page of `serve`: the data folder's stores, the running preps' engine and
    their review of the answers."""
    from exec_assistant.services.follow_ups import FollowUps

    return composition.web_site(
        local,
        runtime.engine,
        runtime.clock,
        calendars_configured=bool(local.settings.calendars),
        notes_reader=lambda: build_notes_reader(local, runtime.clock, secrets),
        follow_ups=FollowUps(runtime.deps),
    )


def sign_in_links(data_dir: Path) -> SignInLinks:
    """The one-time sign-in links of the web page served from `data_dir`, on the wall clock
    (a link's lifetime is real time, whatever `--now` says)."""
    return SignInLinks(FolderSignInLinkRepository(data_dir), SystemClock())


@dataclass(frozen=True)
class NewSignInLink:
    url: str
    expires_at: datetime


def new_sign_in_link(data_dir: Path, valid_for: timedelta) -> NewSignInLink:
    """A one-time link to the web page that the running `serve` serves from `data_dir`;
    WebPageNotServed when no `serve` does (or not yet)."""
    folder = DataFolder(data_dir)
    holder = folder.holder()
    if holder is None or " serve " not in f" {holder} ":
        raise WebPageNotServed(
            f"no web page is served from data folder {folder.path}",
            hint="Start it with 'exec-assistant serve --http-port 8080': it prints a sign-in "
            "link itself. A serve with another --data-dir is asked with that --data-dir.",
        )
    address = served_web_address(folder.path)
    if address is None or f"(pid {address.pid})" not in holder:
        raise WebPageNotServed(
            f"{holder} serves no web page, or is not serving it yet",
            hint="Wait for its 'Web page:' line. A serve started without --http-port serves "
            "none: stop it and start it with --http-port PORT (8080, say).",
        )
    issued = sign_in_links(folder.path).issue(valid_for)
    return NewSignInLink(f"{address.url}/sign-in?token={issued.token}", issued.expires_at)


def forget_earlier_web_page(data_dir: Path) -> None:
    """What an earlier `serve` of the folder left of its web page, which a `serve` killed
    outright does: its address, and the sign-in links made for it (a link is for the `serve`
    it was made for alone)."""
    remove_web_address(data_dir)
    FolderSignInLinkRepository(data_dir).clear()
