"""The composition root of the AWS deployment: the same services as on one machine, over
DynamoDB, S3, Secrets Manager, Step Functions and EventBridge Scheduler.

Every Lambda function builds one `AwsApp` on its first invocation and keeps it while its
instance lives. Nothing here imports strands or dbos (the Slack webhook is composed from
it): a function whose state needs a model passes `agents` (see `model_builders`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from exec_assistant import composition
from exec_assistant.adapters.aws.secrets_manager import CALENDAR_SECRET_ID
from exec_assistant.adapters.aws.secrets_manager_credentials import SecretsManagerCredentialStore
from exec_assistant.adapters.calendar_snapshots import DocumentCalendarSnapshotRepository
from exec_assistant.agents.offline import OfflinePackGenerator
from exec_assistant.aws_clients import AwsClients, aws_secrets, seen_events
from exec_assistant.calendars.locations import API_PROVIDERS, PRIMARY, api_calendar
from exec_assistant.clocks import SystemClock
from exec_assistant.composition import AppStores, SlackSetup
from exec_assistant.configuration import LoadedConfig, load_config
from exec_assistant.context.sources import ContextSourceDeps
from exec_assistant.deployment_settings import DeploymentSettings
from exec_assistant.document_files import DocumentFolder
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.documents import meeting_document
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.ports import (
    ActionItemRepository,
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
    MeetingRepository,
    NotesReader,
    PackGenerator,
    PrepEngine,
    ReminderScheduler,
    SecretStore,
    SeenEventRepository,
    SeriesOverrideRepository,
)
from exec_assistant.services.dependencies import GENERATION_MARGIN_SECONDS, PrepDependencies
from exec_assistant.services.pack_documents import NOTES_MD
from exec_assistant.services.prep import PrepSteps
from exec_assistant.services.tick import Ticker
from exec_assistant.settings import Settings
from exec_assistant.workflows.spec import GENERATE_MATERIALS, MEETING_PREP

if TYPE_CHECKING:
    from slack_bolt import App

    from exec_assistant.domain.models import (
        ChatSession,
        FinalReminder,
        FollowUpTurn,
        Meeting,
        PrepPack,
    )
    from exec_assistant.slack.turns import SlackDependencies


class AwsPrepEngine(PrepEngine, Protocol):
    """The Step Functions engine: the PrepEngine, and the start of an execution itself (what
    the prep-trigger function does for a MeetingPrepRequired event)."""

    def start_execution(self, request: PrepRequest) -> None: ...


class AgentBuilders(Protocol):
    """The configured model's agents (`model_builders.CONFIGURED_AGENTS`), for the functions
    that need them; without, the offline generator and the notes parser."""

    def pack_generator(
        self, app: AppStores, clock: Clock, secrets: SecretStore, *, time_limit: float
    ) -> PackGenerator: ...

    def notes_reader(
        self, app: AppStores, clock: Clock, secrets: SecretStore
    ) -> NotesReader | None: ...


@dataclass
class AwsApp:
    """The stores of the deployment, as ports, and what runs the preps over them."""

    settings: Settings
    deployment: DeploymentSettings
    config: LoadedConfig
    clock: Clock
    secrets: SecretStore
    meetings: MeetingRepository
    overrides: SeriesOverrideRepository
    chat_sessions: ChatSessionRepository
    action_items: ActionItemRepository
    decisions: DecisionRepository
    deliveries: DeliveryRepository
    calendar_states: CalendarStateRepository
    chat_threads: ChatThreadRepository
    seen_events: SeenEventRepository
    documents: DocumentStore
    engine: AwsPrepEngine | None
    """None without STATE_MACHINE_ARN (the functions that answer the states)."""
    reminders: ReminderScheduler | None
    """EventBridge Scheduler; None without REMINDER_FUNCTION_ARN and SCHEDULER_ROLE_ARN (the
    workflow then waits for the reminder's time itself)."""
    clients: AwsClients | None = None
    agents: AgentBuilders | None = None
    _built: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    @property
    def executive(self) -> Executive:
        return Executive(self.settings.user_email, self.settings.zone)

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    def prep_engine(self) -> AwsPrepEngine:
        """The engine; a ConfigError when this function was given no state machine."""
        if self.engine is None:
            raise ConfigError(
                "STATE_MACHINE_ARN is not set: this function cannot start or stop a prep",
                hint="Set it to the MeetingPrepWorkflow state machine's ARN in the function's "
                "environment.",
            )
        return self.engine

    @property
    def slack(self) -> SlackSetup | None:
        """Slack as its secrets configure it (None when neither token nor user id is set)."""
        setup: SlackSetup | None = self._once(
            "slack", lambda: composition.slack_setup(self, self.clock, self.secrets)
        )
        return setup

    @property
    def channel(self) -> ChatChannel:
        """Where the executive is asked and told: Slack, the one channel on AWS."""
        slack = self.slack
        if slack is None:
            raise ConfigError(
                "Slack is not configured: the prep has no channel on AWS",
                hint="Set SLACK_BOT_TOKEN_ARN (the exec-assistant/slack secret) and "
                "EXEC_ASSISTANT_SLACK_USER_ID in the function's environment.",
            )
        return slack.channel

    @property
    def context_files(self) -> DocumentFolder:
        return DocumentFolder(self.documents, self.deployment.context_prefix)

    @property
    def prep(self) -> PrepDependencies:
        """What the prep's states need. Follow-up questions on vague answers are not asked
        on AWS (their reviewer is a model the Slack webhook does not load)."""

        def build() -> PrepDependencies:
            generate_limit = float(MEETING_PREP[GENERATE_MATERIALS].timeout_seconds or 600)
            generation_timeout = generate_limit - GENERATION_MARGIN_SECONDS
            generator: PackGenerator = (
                self.agents.pack_generator(
                    self, self.clock, self.secrets, time_limit=generation_timeout - 5
                )
                if self.agents is not None
                else OfflinePackGenerator()
            )
            return composition.prep_dependencies(
                self,
                _LazyChannel(lambda: self.channel),
                self.clock,
                context=composition.build_context(
                    self,
                    self.context_files,
                    ContextSourceDeps(
                        self.context_files,
                        self.secrets,
                        self.clock,
                        aws_client=self.clients.client if self.clients else None,
                    ),
                ),
                generator=generator,
                generation_timeout=generation_timeout,
                reminders=self.reminders,
            )

        deps: PrepDependencies = self._once("prep", build)
        return deps

    @property
    def steps(self) -> PrepSteps:
        steps: PrepSteps = self._once("steps", lambda: PrepSteps(self.prep))
        return steps

    def notes_reader(self) -> NotesReader | None:
        """The Notes agent of the configured model; None without `agents` (the parser)."""
        agents = self.agents
        if agents is None:
            return None
        reader: NotesReader | None = self._once(
            "notes_reader", lambda: agents.notes_reader(self, self.clock, self.secrets)
        )
        return reader

    def calendar_sources(self) -> list[CalendarSource]:
        """The configured calendars (EXEC_ASSISTANT_CALENDARS: iCalendar URLs, `google:…`,
        `microsoft:…`, and the account CALENDAR_API_TYPE names: see `monitored_calendars`);
        an account's authorization is the calendar secret's (CALENDAR_OAUTH_SECRET_ARN), and
        each API calendar's snapshot a document."""
        # Only the calendar monitor reads calendars: the others start without the API clients.
        from exec_assistant.calendars.sources import CalendarAccess, calendar_source

        settings, locations = monitored_calendars(self.settings, self.deployment)
        access = CalendarAccess(
            settings,
            self.clock,
            self.calendar_credentials,
            DocumentCalendarSnapshotRepository(self.documents),
        )
        return [calendar_source(loc, access) for loc in locations]

    @property
    def calendar_credentials(self) -> CredentialStore:
        """The calendar secret, as the store of the account's authorization."""

        def build() -> CredentialStore:
            if self.clients is None:
                raise ConfigError(
                    "a calendar API needs AWS clients",
                    hint="Build the app with build_aws (the Lambda functions do).",
                )
            secret_id = self.deployment.calendar_oauth_secret_arn or CALENDAR_SECRET_ID
            return SecretsManagerCredentialStore(self.clients.client("secretsmanager"), secret_id)

        store: CredentialStore = self._once("calendar_credentials", build)
        return store

    def ticker(self, lookahead_days: int | None = None) -> Ticker:
        """The calendar monitor's tick: sync, start and retry the preps, (with Slack) ask
        again after a snooze and ask for the notes after a meeting, and (with a tracker in
        context.yaml) keep the accepted action items in step with it."""
        channel = self.channel if self.slack is not None else None
        return composition.ticker_for(
            self,
            self.prep_engine(),
            self.clock,
            self.calendar_sources,
            channel=channel,
            lookahead_days=lookahead_days,
            tracker=composition.build_tracker(
                self.context_files,
                ContextSourceDeps(self.context_files, self.secrets, self.clock),
            ),
        )

    def store_notes(self, meeting: Meeting, text: str) -> None:
        """Notes given in Slack, stored where the post-meeting function reads them."""
        self.documents.put(
            meeting_document(meeting.meeting_id, NOTES_MD), text.encode(), "text/markdown"
        )

    def slack_dependencies(self) -> SlackDependencies:
        """What the webhook's listeners call: notes are stored for the post-meeting function,
        and answers complete the execution's wait."""
        slack = self.slack
        if slack is None:
            raise ConfigError(
                "Slack is not configured",
                hint="Set SLACK_BOT_TOKEN_ARN and EXEC_ASSISTANT_SLACK_USER_ID.",
            )
        return composition.slack_dependencies(
            self,
            self.prep_engine(),
            slack,
            self.clock,
            follow_ups=None,
            notes_reader=None,
            notes_handoff=self.store_notes,
        )


class _LazyChannel:
    """The channel, resolved when a state first talks to it: a state that never does
    (classify, the context branches) runs without Slack's secrets."""

    def __init__(self, resolve: Callable[[], ChatChannel]) -> None:
        self._resolve = resolve

    @property
    def name(self) -> str:
        return "slack"

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        return self._resolve().ask(meeting, session, key)

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None:
        self._resolve().deliver_pack(meeting, pack, location, key)

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None:
        self._resolve().remind(meeting, reminder, key)

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        self._resolve().tell(meeting, text, key)

    def follow_up(
        self, meeting: Meeting, session: ChatSession, follow_up: FollowUpTurn, key: str
    ) -> str | None:
        return self._resolve().follow_up(meeting, session, follow_up, key)

    def ask_for_notes(self, meeting: Meeting, key: str) -> None:
        self._resolve().ask_for_notes(meeting, key)

    def notify(self, text: str, key: str) -> None:
        self._resolve().notify(text, key)


def monitored_calendars(
    settings: Settings, deployment: DeploymentSettings
) -> tuple[Settings, list[str]]:
    """The calendars the calendar monitor syncs, and the settings it reads them with.

    EXEC_ASSISTANT_CALENDARS as configured; with CALENDAR_API_TYPE `google` or `microsoft`,
    that account's primary calendar too, unless a calendar of that account is named already
    (`google:team@…` says which); CALENDAR_API_ENDPOINT, when set, is that API's address."""
    locations = list(dict.fromkeys(settings.calendars))
    provider = deployment.calendar_api_type or "ics"
    if provider not in API_PROVIDERS:
        return settings, locations
    if not any(_provider_of(location) == provider for location in locations):
        locations.append(f"{provider}:{PRIMARY}")
    endpoint = deployment.calendar_api_endpoint
    if endpoint:
        field = "google_api_endpoint" if provider == "google" else "microsoft_graph_endpoint"
        settings = settings.model_copy(update={field: endpoint})
    return settings, locations


def _provider_of(location: str) -> str | None:
    try:
        api = api_calendar(location)
    except ValueError:  # refused, naming it, when its source is made
        return None
    return api.provider if api is not None else None


def build_aws(
    settings: Settings,
    deployment: DeploymentSettings,
    clients: AwsClients,
    *,
    clock: Clock | None = None,
    secrets: SecretStore | None = None,
    agents: AgentBuilders | None = None,
) -> AwsApp:
    """The app over the deployment's resources. The configuration (meeting types,
    notification rules, prices) is read from the documents bucket's `config/`, merged over
    the shipped defaults; a bad file is a ConfigError naming its s3:// location."""
    from exec_assistant.adapters.aws.dynamodb_chat_sessions import DynamoChatSessionRepository
    from exec_assistant.adapters.aws.dynamodb_follow_ups import (
        DynamoActionItemRepository,
        DynamoDecisionRepository,
    )
    from exec_assistant.adapters.aws.dynamodb_meetings import DynamoMeetingRepository
    from exec_assistant.adapters.aws.dynamodb_state import (
        DynamoCalendarStateRepository,
        DynamoChatThreadRepository,
        DynamoDeliveryRepository,
        DynamoSeriesOverrideRepository,
    )
    from exec_assistant.adapters.aws.s3_document_store import S3DocumentStore

    the_clock = clock or SystemClock()
    dynamodb = clients.client("dynamodb")
    documents = S3DocumentStore(
        clients.client("s3"), deployment.documents_s3_bucket, deployment.kms_key_id
    )
    config = load_config(DocumentFolder(documents, deployment.config_prefix))
    state = deployment.state_table
    engine, reminders = _engine(settings, deployment, clients)
    return AwsApp(
        settings=settings,
        deployment=deployment,
        config=config,
        clock=the_clock,
        secrets=secrets or aws_secrets(deployment, clients, the_clock),
        meetings=DynamoMeetingRepository(dynamodb, deployment.meetings_table),
        overrides=DynamoSeriesOverrideRepository(dynamodb, state),
        chat_sessions=DynamoChatSessionRepository(dynamodb, deployment.sessions_table),
        action_items=DynamoActionItemRepository(dynamodb, deployment.follow_ups_table),
        decisions=DynamoDecisionRepository(dynamodb, deployment.follow_ups_table),
        deliveries=DynamoDeliveryRepository(dynamodb, state),
        calendar_states=DynamoCalendarStateRepository(dynamodb, state),
        chat_threads=DynamoChatThreadRepository(dynamodb, state),
        seen_events=seen_events(deployment, clients, the_clock),
        documents=documents,
        engine=engine,
        reminders=reminders,
        clients=clients,
        agents=agents,
    )


def _engine(
    settings: Settings, deployment: DeploymentSettings, clients: AwsClients
) -> tuple[AwsPrepEngine | None, ReminderScheduler | None]:
    reminders: ReminderScheduler | None = None
    if deployment.reminders_configured:
        from exec_assistant.adapters.aws.scheduler import SchedulerReminders

        assert deployment.reminder_function_arn and deployment.scheduler_role_arn
        reminders = SchedulerReminders(
            clients.client("scheduler"),
            deployment.reminder_function_arn,
            deployment.scheduler_role_arn,
            deployment.schedule_group,
            settings.zone,
        )
    if deployment.state_machine_arn is None:
        return None, reminders
    from exec_assistant.adapters.aws.eventbridge import EventBridgePrepStarts
    from exec_assistant.adapters.aws.step_functions_engine import StepFunctionsPrepEngine

    engine = StepFunctionsPrepEngine(
        clients.client("stepfunctions"),
        deployment.state_machine_arn,
        EventBridgePrepStarts(clients.client("events"), deployment.event_bus_name),
        reminders,
    )
    return engine, reminders


def environment_app(agents: AgentBuilders | None = None) -> Callable[[], AwsApp]:
    """The app of a Lambda function: settings and deployment read from its environment, built
    once, on the first call."""
    built: list[AwsApp] = []
    lock = threading.Lock()

    def app() -> AwsApp:
        if not built:
            with lock:
                if not built:
                    from exec_assistant.deployment_settings import load_deployment_settings
                    from exec_assistant.settings import load_settings

                    settings, _ = load_settings()
                    built.append(
                        build_aws(settings, load_deployment_settings(), AwsClients(), agents=agents)
                    )
        return built[0]

    return app


def slack_webhook_app_of(app: AwsApp) -> App:
    """The Slack webhook's App over an app already built (the tests' on moto)."""
    from exec_assistant.slack.webhook_bootstrap import build_slack_webhook_app

    return build_slack_webhook_app(
        app.settings,
        lambda _store, _clock: app.slack_dependencies(),
        secrets=app.secrets,
        clock=app.clock,
        seen_events=app.seen_events,
    )
