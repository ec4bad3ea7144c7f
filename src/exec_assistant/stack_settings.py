"""The shape of one AWS deployment (a Pulumi stack): region, network, model, alerts.

One model read two ways: by the infrastructure program from the stack's Pulumi config
(`pulumi config set exec-assistant:natGateways 1`), and by `exec-assistant cost` from the
stack's `Pulumi.<stack>.yaml` file, so that the estimate prices the stack that is deployed.
Keys are camelCase, as Pulumi config keys are; values may be strings (the Pulumi config
holds only strings, lists as JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from exec_assistant.domain.errors import ConfigError
from exec_assistant.settings import DEFAULT_BEDROCK_MODEL_ID

PROJECT = "exec-assistant"
"""The Pulumi project's name, the namespace of its config keys."""
STACKS = ("dev", "stage", "prod", "dr")

INTERFACE_ENDPOINTS = (
    "bedrock-runtime",
    "secretsmanager",
    "kms",
    "logs",
    "sns",
    "sqs",
    "states",
    "scheduler",
)
"""The specification's interface endpoints, and Scheduler's (the reminders use it)."""
SECRET_KEYS = ("slackCredentials", "calendarCredentials", "integrationsCredentials", "calendarUrls")
"""Config keys set with `pulumi config set --secret`: the infrastructure reads them itself, as
secrets; they are not settings."""
GATEWAY_ENDPOINTS = ("s3", "dynamodb")
"""Free of charge, and always made when the functions are in a VPC."""

DeploymentConfig = Literal["canary", "linear", "all-at-once"]
CalendarApiType = Literal["google", "microsoft", "ics"]

# \Z, not $: `$` admits a trailing newline, which a YAML block scalar gives.
_PREFIX = re.compile(r"[a-z][a-z0-9-]{2,30}[a-z0-9]\Z")
_REGION = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}\Z")
_SLACK_TEAM = re.compile(r"[TE][A-Z0-9]{2,}\Z")
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
"""What CloudWatch Logs accepts."""
MAX_MEETINGS_PER_MONTH = 1_000_000


class StackSettings(BaseModel):
    """One stack's settings; every field has the value the production stack would want."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        str_strip_whitespace=True,
    )

    environment: Literal["dev", "stage", "prod", "dr"] = "prod"
    region: str = "us-east-1"
    """The stack's region (the `aws:region` config key)."""
    name_prefix: str = PROJECT
    """Every named resource starts with it: `exec-assistant-meetings`, `exec-assistant/slack`.
    Stacks that share an account need different ones."""
    vpc: bool = True
    """The functions in private subnets behind NAT and VPC endpoints, as specified."""
    nat_gateways: int = Field(default=2, ge=1, le=2)
    """One per availability zone (2), or one for both (no zone redundancy)."""
    interface_endpoints: tuple[str, ...] = INTERFACE_ENDPOINTS
    """Which interface endpoints to make; what is left out goes through the NAT gateway."""
    model_id: str = Field(default=DEFAULT_BEDROCK_MODEL_ID, min_length=1, max_length=200)
    """The Bedrock model (or inference profile) that writes packs, as on one machine; the
    specification's Claude 3.5 Sonnet v2 is retired."""
    context_model_id: str | None = Field(default=None, min_length=1, max_length=200)
    """A cheaper model for the context agents; None: `model_id`."""
    alarm_email: str | None = None
    """Subscribed to the alarm topic (the address confirms it by mail)."""
    log_retention_days: int = 30
    executive_timezone: str = "UTC"
    executive_email: str | None = None
    slack_user_id: str | None = None
    """The executive's Slack member id (U0123ABCD): whom the functions that talk to Slack
    serve (EXEC_ASSISTANT_SLACK_USER_ID)."""
    slack_team_id: str | None = None
    """The Slack workspace (T0123ABCD) whose members may sign in to the web page; None: the
    executive and the delegates in any workspace of the Slack app."""
    web_delegates: tuple[str, ...] = ()
    """Slack member ids of the people (a chief of staff) who may sign in to the web page
    besides the executive."""
    web_delegates_see_private: bool = False
    """Whether the delegates see meetings of a private type (1:1s, by default)."""
    artifacts_dir: str = "../build/lambda"
    """Where `make package` put the archives, relative to the infra folder."""
    dr_region: str = "us-west-2"
    replicate_to_dr: bool = False
    """Documents replicated to a bucket in `dr_region`, secrets replicated there."""
    deployment_config: DeploymentConfig = "canary"
    """How a new function version takes traffic: 10% then all after 5 minutes (canary), 10%
    more every minute (linear), or at once."""
    api_throttle_rate: float = Field(default=50, gt=0)
    api_throttle_burst: int = Field(default=100, gt=0)
    domain_name: str | None = None
    """The web address the CloudFront distribution answers on; with `certificate_arn`."""
    certificate_arn: str | None = None
    """An ACM certificate in us-east-1 for `domain_name`; TLS 1.2+ needs one."""
    meetings_per_month: int = Field(default=100, ge=0, le=MAX_MEETINGS_PER_MONTH)
    """For the cost estimate only."""
    calendar_api_type: CalendarApiType = "ics"
    """The executive's calendar account: `google` or `microsoft` (its primary calendar is
    read through the API, once connected: docs/runbook.md), or `ics` (the feeds of
    `calendarUrls` only)."""
    calendar_api_endpoint: str | None = Field(default=None, max_length=300)
    """The calendar API's base address when it is not the provider's own (a proxy, a
    sovereign cloud's Graph): `https://…`."""
    slack_token_rotation: bool = False
    """The Slack app has token rotation on and the Slack secret holds its `refresh_token`,
    `client_id` and `client_secret`: the secret is then rotated every 4 hours (rotating tokens
    live 12). Off, the bot token is static and only the calendar secret rotates."""

    @field_validator("interface_endpoints", mode="before")
    @classmethod
    def _endpoint_list(cls, value: object) -> object:
        known = ", ".join(INTERFACE_ENDPOINTS)
        if isinstance(value, str):
            text = value.strip()
            try:
                value = json.loads(text) if text.startswith("[") else text.split(",")
            except ValueError:
                raise ValueError(f"not a JSON list of endpoint names ({known})") from None
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"a list of endpoint names, from {known}")
        names = tuple(item.strip() for item in value if item.strip())
        if len(names) != len(set(names)):
            raise ValueError("an endpoint is named twice")
        return names

    @field_validator("interface_endpoints")
    @classmethod
    def _known_endpoints(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(INTERFACE_ENDPOINTS))
        if unknown:
            known = ", ".join(INTERFACE_ENDPOINTS)
            named = ", ".join(name[:40] for name in unknown[:3])
            raise ValueError(f"unknown endpoint {named}; choose from {known}")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            days = ", ".join(map(str, LOG_RETENTION_DAYS))
            raise ValueError(f"CloudWatch Logs keeps logs for one of {days} days")
        return value

    @field_validator("executive_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value[:60]!r} is not a time zone (for example America/New_York)"
            ) from None
        return value

    @field_validator("name_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.match(value):
            raise ValueError("4-32 of a-z 0-9 -, starting with a letter (it begins bucket names)")
        return value

    @field_validator("region", "dr_region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region (for example us-east-1)")
        return value

    @field_validator("calendar_api_endpoint")
    @classmethod
    def _api_endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                "an https address without a query (for example https://graph.microsoft.com/v1.0)"
            )
        return value.rstrip("/")

    @field_validator("alarm_email", "executive_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @model_validator(mode="after")
    def _domain_with_certificate(self) -> StackSettings:
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise ValueError(
                "domainName and certificateArn go together: CloudFront answers on a domain of "
                "its own only with a certificate for it"
            )
        if self.replicate_to_dr and self.dr_region == self.region:
            raise ValueError(
                "drRegion is the stack's own region: replicas go to another (replicateToDr)"
            )
        return self

    @field_validator("slack_user_id")
    @classmethod
    def _slack_user(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_USER.match(value):
            raise ValueError(f"{value!r} is not a Slack member id (for example U0123ABCDEF)")
        return value

    @field_validator("web_delegates")
    @classmethod
    def _delegates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for member in value:
            if not _SLACK_USER.match(member):
                raise ValueError(f"{member!r} is not a Slack member id (for example U0123ABCDEF)")
        return value

    @field_validator("slack_team_id")
    @classmethod
    def _slack_team(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_TEAM.match(value):
            raise ValueError(f"{value!r} is not a Slack workspace id (for example T0123ABCDEF)")
        return value

    def resource_name(self, suffix: str) -> str:
        """`exec-assistant-<suffix>` with this stack's prefix."""
        return f"{self.name_prefix}-{suffix}"

    @property
    def agent_context_model_id(self) -> str:
        return self.context_model_id or self.model_id


def stack_settings(values: Mapping[str, Any], source: str) -> StackSettings:
    """Settings from config `values` keyed by camelCase name (without the project's
    namespace; `region` is `aws:region`). A bad value raises ConfigError naming the key and
    `source`."""
    try:
        return StackSettings.model_validate(dict(values))
    except ValidationError as error:
        problems = []
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"]) or "config"
            message = item["msg"]
            if len(message) > 300:  # never echo a huge value back
                message = message[:300] + "…"
            problems.append(f"{PROJECT}:{key}: {message}")
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None


def settings_of_stack_file(path: Path) -> StackSettings:
    """The settings a `Pulumi.<stack>.yaml` file gives its stack."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(
            f"no stack file {path}; the stacks are {', '.join(STACKS)} (infra/Pulumi.<stack>.yaml)"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} cannot be read: it is not UTF-8 text") from None
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path} cannot be read: {str(error)[:300]}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path} is not a Pulumi stack file (a mapping with config:)")
    # A stack file without config deploys every default.
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: config: is not a mapping of keys to values")
    return stack_settings(config_values(config), str(path))


def config_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The project's keys (namespace dropped) and `aws:region` as `region`, from a stack's
    whole config mapping."""
    values: dict[str, Any] = {}
    for key, value in config.items():
        namespace, _, name = str(key).partition(":")
        if namespace == PROJECT and name == "region":
            raise ConfigError(
                f"{PROJECT}:region is not a setting: the stack's region is aws:region"
            )
        if namespace == PROJECT and name and name not in SECRET_KEYS:
            values[name] = value
        elif key == "aws:region":
            values["region"] = value
    return values
