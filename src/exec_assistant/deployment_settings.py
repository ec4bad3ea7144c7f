"""Where the AWS deployment keeps things: the tables, buckets, secrets, state machine and
schedules that the infrastructure names in each Lambda function's environment.

The product's own settings (the executive's zone, address, Slack user, the model) are
`Settings`, read the same way as on one machine; these are only the deployment's resources.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from exec_assistant.domain.errors import ConfigError

MEETING_TYPES_FILE_NAME = "meeting_types.yaml"

_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_STATE_MACHINE_ARN = re.compile(
    r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]+(:[\w-]+)?$"
)
"""A machine's ARN, or one of its versions' or aliases' (`…:stateMachine:name:live`)."""
_FUNCTION_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_SCHEDULE_GROUP = re.compile(r"^[0-9a-zA-Z_.-]{1,64}$")
_SECRET = re.compile(
    r"^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$"
)
"""A secret's ARN or its name (Secrets Manager takes either)."""
_WEB_URL = re.compile(r"^https://[A-Za-z0-9.-]{1,253}(:\d{1,5})?$")
"""The deployment's public address: https, a host, no path."""
_API_ENDPOINT = re.compile(r"^https://[A-Za-z0-9.-]{1,253}(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$")
_ADDRESSES = {
    "web_url": (_WEB_URL, "an https address with no path"),
    "calendar_api_endpoint": (_API_ENDPOINT, "an https address"),
}
_OPTIONAL = (
    "sessions_s3_bucket",
    "slack_bot_token_arn",
    "slack_signing_secret_arn",
    "calendar_api_type",
    "calendar_api_endpoint",
    "calendar_oauth_secret_arn",
    "integrations_secret_arn",
    "web_secret_arn",
    "web_url",
    "kms_key_id",
    "state_machine_arn",
    "reminder_function_arn",
    "scheduler_role_arn",
)


class DeploymentSettings(BaseSettings):
    """The deployment's resources, from the environment variables of the spec (no prefix)."""

    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, env_ignore_empty=True, case_sensitive=False
    )

    meetings_table: str = "exec-assistant-meetings"
    sessions_table: str = "exec-assistant-chat-sessions"
    follow_ups_table: str = "exec-assistant-follow-ups"
    """Action items and decisions."""
    state_table: str = "exec-assistant-state"
    """Series overrides, deliveries, chat threads, calendar states, Slack events seen."""
    idempotency_table: str = "exec-assistant-idempotency"
    documents_s3_bucket: str
    """The documents: meetings/{id}/…, and the configuration under config/."""
    sessions_s3_bucket: str | None = None
    """The agents' conversations."""
    meeting_types_config_s3_key: str = "config/" + MEETING_TYPES_FILE_NAME
    slack_bot_token_arn: str | None = None
    slack_signing_secret_arn: str | None = None
    calendar_api_type: Literal["google", "microsoft", "ics"] | None = None
    """The executive's calendar account, whose primary calendar the monitor syncs (`ics`:
    none, only EXEC_ASSISTANT_CALENDARS)."""
    calendar_api_endpoint: str | None = None
    """That account's API address, when not the provider's own."""
    calendar_oauth_secret_arn: str | None = None
    """The calendar's authorization (the `exec-assistant/calendar` secret), and before the
    first connection the OAuth client's registration."""
    integrations_secret_arn: str | None = None
    """The systems of record's tokens (the `exec-assistant/integrations` secret):
    PAGERDUTY_API_TOKEN, JIRA_API_TOKEN, … as its JSON keys."""
    web_secret_arn: str | None = None
    """The web page's own secret (the `exec-assistant/web` secret): the key its session
    cookies are signed with, made by the web function on its first request."""
    web_url: str | None = None
    """The deployment's public address (`https://<CloudFront domain or own domain>`): where
    the calendar's consent comes back to, and the web page's own address."""
    calendars_configured: bool = False
    """Whether the stack names any calendar for the monitor to read (an account or feeds):
    the web page's empty fortnight says what to do next by it."""
    kms_key_id: str | None = None
    """The customer-managed key every document is encrypted with; None: the bucket's default."""
    state_machine_arn: str | None = None
    """None in the functions that answer the states: they never start or stop an execution
    (and the machine, which names them, cannot be named in their environment)."""
    event_bus_name: str = "default"
    reminder_function_arn: str | None = None
    scheduler_role_arn: str | None = None
    schedule_group: str = Field(default="exec-assistant-reminders")

    @field_validator(*_OPTIONAL, mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # env_ignore_empty drops "" only: a value of spaces is unset too, not a name.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator(
        "meetings_table", "sessions_table", "follow_ups_table", "state_table", "idempotency_table"
    )
    @classmethod
    def _table(cls, value: str) -> str:
        return _checked(value, _TABLE_NAME, "a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)")

    @field_validator("documents_s3_bucket", "sessions_s3_bucket")
    @classmethod
    def _bucket(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _checked(value, _BUCKET_NAME, "an S3 bucket name (3-63 of a-z 0-9 . -)")

    @field_validator("meeting_types_config_s3_key")
    @classmethod
    def _config_key(cls, value: str) -> str:
        value = value.strip().lstrip("/")
        folder, _, name = value.rpartition("/")
        if name != MEETING_TYPES_FILE_NAME:
            raise ValueError(
                f"{value!r} does not name a {MEETING_TYPES_FILE_NAME}; the configuration is read "
                f"from its folder (for example config/{MEETING_TYPES_FILE_NAME})"
            )
        return f"{folder}/{name}" if folder else name

    @field_validator("state_machine_arn")
    @classmethod
    def _state_machine(cls, value: str | None) -> str | None:
        return _optional(value, _STATE_MACHINE_ARN, "a state machine ARN")

    @field_validator("reminder_function_arn")
    @classmethod
    def _function(cls, value: str | None) -> str | None:
        return _optional(value, _FUNCTION_ARN, "a Lambda function ARN")

    @field_validator("scheduler_role_arn")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        return _optional(value, _ROLE_ARN, "an IAM role ARN")

    @field_validator("calendar_api_type", mode="before")
    @classmethod
    def _api_type(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("web_url", "calendar_api_endpoint")
    @classmethod
    def _address(cls, value: str | None, info: ValidationInfo) -> str | None:
        pattern, what = _ADDRESSES[str(info.field_name)]
        return None if value is None else _checked(value.strip().rstrip("/"), pattern, what)

    @field_validator(
        "slack_bot_token_arn",
        "slack_signing_secret_arn",
        "calendar_oauth_secret_arn",
        "integrations_secret_arn",
        "web_secret_arn",
    )
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        return _optional(value, _SECRET, "a secret's ARN or name (A-Z a-z 0-9 / _ + = . @ -)")

    @model_validator(mode="after")
    def _reminders_whole(self) -> DeploymentSettings:
        # Half of the pair would leave the Scheduler unused without a word.
        if (self.reminder_function_arn is None) != (self.scheduler_role_arn is None):
            given, missing = (
                ("REMINDER_FUNCTION_ARN", "SCHEDULER_ROLE_ARN")
                if self.scheduler_role_arn is None
                else ("SCHEDULER_ROLE_ARN", "REMINDER_FUNCTION_ARN")
            )
            raise ValueError(
                f"{missing} is not set, and {given} is: the reminders' schedules need both "
                "(or neither: the workflow then waits for each reminder itself)"
            )
        return self

    @field_validator("schedule_group")
    @classmethod
    def _group(cls, value: str) -> str:
        return _checked(value, _SCHEDULE_GROUP, "a schedule group name (1-64 of A-Z a-z 0-9 _ . -)")

    @property
    def config_prefix(self) -> str:
        """The documents' folder of the configuration files (`config/`)."""
        folder = self.meeting_types_config_s3_key.rpartition("/")[0]
        return f"{folder}/" if folder else ""

    @property
    def context_prefix(self) -> str:
        """The context files (budget.yaml, incidents.csv, …) until the API providers come."""
        return f"{self.config_prefix}context/"

    @property
    def reminders_configured(self) -> bool:
        return self.reminder_function_arn is not None and self.scheduler_role_arn is not None


def _checked(value: str, pattern: re.Pattern[str], what: str) -> str:
    value = value.strip()
    if not pattern.match(value):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise ValueError(f"{shown!r} is not {what}")
    return value


def _optional(value: str | None, pattern: re.Pattern[str], what: str) -> str | None:
    return None if value is None else _checked(value, pattern, what)


def load_deployment_settings() -> DeploymentSettings:
    """The deployment's settings from the environment; a ConfigError names every variable that
    is missing or bad, and what to set."""
    try:
        return DeploymentSettings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variable = str(error["loc"][0]).upper() if error["loc"] else None
            message = str(error["msg"]).removeprefix("Value error, ")
            if variable is None:  # a rule over several variables: its message names them
                problems.append(message)
            elif error["type"] == "missing":
                problems.append(f"{variable} is not set")
            else:
                problems.append(f"{variable}: {message}")
        raise ConfigError(
            "; ".join(problems),
            key="deployment environment",
            hint="The infrastructure sets these on each Lambda function; set them in the "
            "function's environment (see the deployment's Lambda settings).",
        ) from None
