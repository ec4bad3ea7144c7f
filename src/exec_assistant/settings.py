"""Settings: one model, validated once at start-up, each value traceable to where it came from.

Precedence, highest first: command-line flags, environment variables (EXEC_ASSISTANT_*),
settings.yaml in the config folder, built-in defaults.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from difflib import SequenceMatcher
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.privacy import DEFAULT_PRIVATE_PROVIDERS, REMOTE_SUFFIX
from exec_assistant.domain.text_files import UnreadableTextFile, decode_text

ENV_PREFIX = "EXEC_ASSISTANT_"
SETTINGS_FILE = "settings.yaml"
DEFAULT_HOME = Path("~/.exec-assistant")

ModelProvider = Literal["offline", "bedrock", "anthropic", "openai", "ollama", "llamacpp"]
MODEL_PROVIDERS: tuple[str, ...] = get_args(ModelProvider)
DEFAULT_BEDROCK_MODEL_ID = "global.anthropic.claude-sonnet-4-6"
"""A current Claude Sonnet-class inference profile (the spec's 3.5 Sonnet id is retired)."""
OPENAI_BASE_URL = "https://api.openai.com/v1"
ANTHROPIC_BASE_URL = "https://api.anthropic.com"
_DEFAULT_BASE_URL = {"ollama": "http://127.0.0.1:11434", "llamacpp": "http://127.0.0.1:8080"}
_EXAMPLE_MODEL = {
    "anthropic": "claude-sonnet-4-6",
    "openai": "gpt-4.1-mini",
    "ollama": "llama3.1:8b",
    "llamacpp": "the name your llama.cpp server reports, e.g. default",
}

_file_values: ContextVar[dict[str, Any] | None] = ContextVar("_file_values", default=None)


def system_timezone() -> str:
    """The machine's IANA zone name, or UTC when it cannot be told."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and _is_zone(tz):
        return tz
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return "UTC"
    marker = "zoneinfo/"
    if marker in target:
        name = target.split(marker, 1)[1]
        if _is_zone(name):
            return name
    return "UTC"


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a name too long
        return False
    return True


# What people type for a zone that tzdata does not know by that name. (EST, MST and HST are
# zones of their own in tzdata, fixed offsets, so they are accepted and never looked up here.)
_ZONE_ALIASES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("est", "edt", "et", "eastern"), ("America/New_York",)),
    **dict.fromkeys(("cst", "cdt", "ct", "central"), ("America/Chicago", "Asia/Shanghai")),
    **dict.fromkeys(("mdt", "mt", "mountain"), ("America/Denver", "America/Phoenix")),
    **dict.fromkeys(("pst", "pdt", "pt", "pacific"), ("America/Los_Angeles",)),
    **dict.fromkeys(("akst", "akdt", "alaska"), ("America/Anchorage",)),
    "hawaii": ("Pacific/Honolulu",),
    "bst": ("Europe/London",),
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "cest": ("Europe/Berlin", "Europe/Paris"),
    "eest": ("Europe/Athens", "Europe/Helsinki"),
    "msk": ("Europe/Moscow",),
    "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul",),
    "sgt": ("Asia/Singapore",),
    "hkt": ("Asia/Hong_Kong",),
    **dict.fromkeys(("aest", "aedt"), ("Australia/Sydney",)),
    "awst": ("Australia/Perth",),
    **dict.fromkeys(("nzst", "nzdt"), ("Pacific/Auckland",)),
    "brt": ("America/Sao_Paulo",),
    "sast": ("Africa/Johannesburg",),
}
# Files some systems keep among the zones, which name no place.
_NOT_ZONES = frozenset(("localtime", "posixrules", "Factory"))
_ZONE_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)


def _zone_key(name: str) -> str:
    """'new york', 'New-York' and 'america/new_york' compare as new_york, america_new_york."""
    return re.sub(r"[\s_\-/]+", "_", name.strip().lower()).strip("_")


def _similar_zones(typed: str, limit: int = 3) -> list[str]:
    """Zones the user probably meant, best first: 'Europe/Londn', 'london' and 'europe/london'
    give Europe/London, 'PST' America/Los_Angeles."""
    wanted = _zone_key(typed)
    if not wanted or len(wanted) > 64:
        return []
    wanted_city = _zone_key(typed.rpartition("/")[2])
    scores: dict[str, float] = {}
    for rank, zone in enumerate(_ZONE_ALIASES.get(wanted, ())):
        scores[zone] = 3 - rank / 10
    for zone in available_timezones() - _NOT_ZONES:
        key, city = _zone_key(zone), _zone_key(zone.rpartition("/")[2])
        if key == wanted:
            score = 2.0
        elif city == wanted:
            score = 1.5
        else:
            score = max(
                SequenceMatcher(None, wanted, key).ratio(),
                SequenceMatcher(None, wanted_city, city).ratio(),
                0.8 if len(wanted_city) >= 3 and wanted_city in city else 0.0,
            )
        if score >= 0.8:
            scores[zone] = max(score, scores.get(zone, 0.0))
    if any(score >= 1.5 for score in scores.values()):  # as good as certain: only those
        scores = {zone: score for zone, score in scores.items() if score >= 1.5}
    # Among equals, a zone named after a place (Europe/London) before a legacy alias (GB).
    ranked = sorted(scores, key=lambda z: (-scores[z], z.partition("/")[0] not in _ZONE_AREAS, z))
    return ranked[:limit]


def _shown(value: object) -> str:
    """A value as quoted in a message: at most 60 characters, control characters escaped."""
    if not isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    clipped = value if len(value) <= 60 else value[:57] + "..."
    return f"'{clipped}'" if clipped.isprintable() else repr(clipped)


_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_SLACK_TEAM_ID = re.compile(r"T[A-Z0-9]{2,}")


def _slack_user_id(value: str) -> str:
    """A Slack member id as Slack writes it (U0123ABCD or W…); '<@U0123ABCD>' is accepted."""
    text = value.strip()
    if text.startswith("<@") and text.endswith(">"):
        text = text[2:-1].partition("|")[0]
    if not _SLACK_USER_ID.fullmatch(text):
        raise ValueError(
            f"{_shown(value)} is not a Slack user id; copy it from the person's Slack profile "
            "(⋮ → Copy member ID), e.g. U0123ABCDEF"
        )
    return text


class _SettingsFileSource(PydanticBaseSettingsSource):
    """Values from settings.yaml, below the environment in precedence."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return (_file_values.get() or {}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        values = _file_values.get() or {}
        return {k: v for k, v in values.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    # An empty variable is unset (EXEC_ASSISTANT_HOME= must not mean the current folder), and
    # no number may be infinite or NaN (a tick of `inf` seconds is no tick).
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        frozen=True,
        env_ignore_empty=True,
        allow_inf_nan=False,
    )

    home: Path = Field(default=DEFAULT_HOME, description="the data folder")
    config_dir: Path | None = Field(
        default=None, description="meeting_types.yaml, notification_rules.yaml, settings.yaml"
    )
    user_email: str | None = Field(default=None, description="the executive's email address")
    timezone: str = Field(default_factory=system_timezone, description="the executive's IANA zone")
    calendars: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="iCalendar files or URLs, comma-separated in the env"
    )
    lookahead_days: int = Field(default=14, ge=1, le=366, description="how far ahead to sync")
    calendar_poll_hours: float = Field(default=2, gt=0, description="how often `serve` syncs")
    http_timeout_seconds: float = Field(
        default=30, gt=0, description="the whole fetch of a calendar URL may take this long"
    )
    calendar_max_mb: float = Field(
        default=50, gt=0, description="a calendar larger than this is refused"
    )
    calendar_sync_margin_days: int = Field(
        default=7,
        ge=0,
        le=90,
        description="an API calendar's full sync covers this much past the window, so "
        "incremental syncs can go on that long",
    )
    credential_store: Literal["auto", "keyring", "file"] = Field(
        default="auto",
        description="where calendar authorizations are kept: the OS keyring, or a 0600 file "
        "in the data folder (auto: the keyring when there is one)",
    )
    google_api_endpoint: str | None = Field(
        default=None, description="the Google Calendar API's address (default: Google's)"
    )
    microsoft_graph_endpoint: str = Field(
        default="https://graph.microsoft.com/v1.0", description="the Microsoft Graph API"
    )
    microsoft_authority: str = Field(
        default="https://login.microsoftonline.com/common",
        description="the Microsoft identity platform's authority (a tenant's, for one tenant)",
    )
    microsoft_client_id: str | None = Field(
        default=None, description="the app registration `calendars add microsoft` signs in with"
    )
    log_level: str = Field(default="WARNING", description="DEBUG, INFO, WARNING or ERROR")
    context_dir: Path | None = Field(
        default=None, description="budget.yaml, big_rocks.yaml, incidents.csv, staffing.yaml"
    )
    provider_timeout_seconds: float = Field(
        default=20, gt=0, description="how long one context source may take"
    )
    outbox: Path | None = Field(
        default=None, description="also write every message as a JSON line to this file"
    )
    model_provider: ModelProvider = Field(
        default="offline", description="what writes the packs and reads the notes"
    )
    model_id: str | None = Field(
        default=None,
        description="the model for packs (openai, ollama, llamacpp; anthropic: claude-sonnet-4-6)",
    )
    summary_model_id: str | None = Field(
        default=None, description="a cheaper model for summarising context and for notes"
    )
    model_base_url: str | None = Field(
        default=None, description="the server of openai, ollama or llamacpp (an http URL)"
    )
    bedrock_model_id: str = Field(
        default=DEFAULT_BEDROCK_MODEL_ID,
        validation_alias=AliasChoices(
            "bedrock_model_id", "EXEC_ASSISTANT_BEDROCK_MODEL_ID", "BEDROCK_MODEL_ID"
        ),
        description="the Bedrock model or inference profile for packs",
    )
    bedrock_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "bedrock_region", "EXEC_ASSISTANT_BEDROCK_REGION", "BEDROCK_REGION"
        ),
        description="the Bedrock region (else the AWS configuration's)",
    )
    model_timeout_seconds: float = Field(
        default=120, gt=0, le=500, description="one model call may take this long"
    )
    model_max_tokens: int = Field(
        default=4000, ge=256, le=64000, description="the most a model may write in one call"
    )
    follow_up_turns: int = Field(
        default=1, ge=0, le=5, description="follow-up questions on a vague prep answer"
    )
    private_providers: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_PRIVATE_PROVIDERS),
        description="who may read private meetings, comma-separated in the env",
    )
    serve_tick_seconds: float = Field(
        default=30, gt=0, description="how often `serve` looks for preps that are due"
    )
    slack_user_id: str | None = Field(
        default=None, description="the executive's Slack member id (e.g. U0123ABCD): who it serves"
    )
    slack_allowed_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="other Slack user ids who may drive it, comma-separated in the env",
    )
    slack_api_url: str | None = Field(
        default=None, description="another server for Slack's Web API (an http URL; tests)"
    )
    slack_max_body_kb: int = Field(
        default=1024, ge=1, le=10240, description="a Slack request larger than this is refused"
    )
    slack_team_id: str | None = Field(
        default=None,
        description="the Slack workspace id (e.g. T0123ABCD) whose accounts may sign in to the "
        "web page on AWS (none: any workspace's)",
    )
    web_delegates: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Slack member ids of the delegates who may sign in to the web page on AWS, "
        "comma-separated in the env",
    )
    web_delegates_see_private: bool = Field(
        default=False,
        description="whether those delegates see meetings of a private type (1:1s, interview "
        "debriefs) on the web page",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _SettingsFileSource(settings_cls))

    @field_validator(
        "calendars", "private_providers", "slack_allowed_users", "web_delegates", mode="before"
    )
    @classmethod
    def _split_calendars(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("slack_user_id")
    @classmethod
    def _slack_user(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _slack_user_id(value)

    @field_validator("slack_allowed_users", "web_delegates")
    @classmethod
    def _slack_users(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_slack_user_id(v) for v in value if v.strip()))

    @field_validator("slack_team_id")
    @classmethod
    def _slack_team(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _SLACK_TEAM_ID.fullmatch(value.strip()):
            raise ValueError(
                f"{_shown(value)} is not a Slack workspace id (T0123ABCD, say): open Slack in "
                "a browser, it is the part of the address after /client/"
            )
        return value.strip()

    @field_validator("user_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().lower()
        if "@" not in value or value.startswith("@") or value.endswith("@"):
            raise ValueError(f"'{value}' is not an email address")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        value = value.strip()
        if not _is_zone(value):
            close = _similar_zones(value)
            suggestion = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(
                f"unknown timezone {_shown(value)}{suggestion}; "
                "use an IANA name such as America/New_York"
            )
        return value

    @field_validator("outbox")
    @classmethod
    def _outbox(cls, value: Path | None) -> Path | None:
        if value is None or str(value) == "":
            return None
        path = value.expanduser()
        if path.is_dir():
            raise ValueError(f"{path} is a folder; give the path of a file to append to")
        if not path.parent.is_dir():
            raise ValueError(
                f"the folder {path.parent} does not exist; create it, or choose another path"
            )
        return path

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"'{value}' is not one of DEBUG, INFO, WARNING, ERROR")
        return value

    @property
    def data_dir(self) -> Path:
        return self.home.expanduser()

    @property
    def config_path(self) -> Path:
        return (self.config_dir or self.home / "config").expanduser()

    @property
    def context_path(self) -> Path:
        return (self.context_dir or self.config_path / "context").expanduser()

    @field_validator("private_providers")
    @classmethod
    def _private(cls, value: list[str]) -> list[str]:
        names = [v.strip().lower() for v in value if v.strip()]
        for name in names:
            if name.removesuffix(REMOTE_SUFFIX) not in MODEL_PROVIDERS:
                raise ValueError(
                    f"'{name}' is not a model provider; use some of {', '.join(MODEL_PROVIDERS)}"
                    f" (add '{REMOTE_SUFFIX}' to openai, ollama or llamacpp to allow a server "
                    "that is not on this machine)"
                )
        return names

    @field_validator("model_base_url", "slack_api_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        refused = ValueError(f"{_shown(value)} is not an http(s) URL")
        if any(ch.isspace() or not ch.isprintable() for ch in value):
            raise refused
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a port out of range or not a number
        except ValueError:
            raise refused from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise refused
        return value.rstrip("/")

    @model_validator(mode="after")
    def _model_configured(self) -> Settings:
        # Anthropic has a default model (claude-sonnet-4-6); servers have no model to assume.
        needs_id = self.model_provider in ("openai", "ollama", "llamacpp")
        if needs_id and not self.model_id:
            raise ValueError(
                f"model provider '{self.model_provider}' needs a model: set "
                f"{ENV_PREFIX}MODEL_ID (for example "
                f"{_EXAMPLE_MODEL[self.model_provider]})"
            )
        return self

    @property
    def model_server(self) -> str | None:
        """The base URL the model provider talks to; None for Bedrock and offline."""
        if self.model_provider in _DEFAULT_BASE_URL:
            return self.model_base_url or _DEFAULT_BASE_URL[self.model_provider]
        if self.model_provider == "openai":
            return self.model_base_url or OPENAI_BASE_URL
        if self.model_provider == "anthropic":
            return self.model_base_url or ANTHROPIC_BASE_URL
        return None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


_ENV_ALIASES = {"bedrock_model_id": "BEDROCK_MODEL_ID", "bedrock_region": "BEDROCK_REGION"}
"""Variables the spec's Lambda environment sets, read beside the EXEC_ASSISTANT_ ones."""


def _env_names(field: str) -> list[str]:
    return [_env_name(field)] + ([_ENV_ALIASES[field]] if field in _ENV_ALIASES else [])


def _looks_secret(key: str) -> bool:
    """anthropic_api_key, openai_key, slack_bot_token: not model_max_tokens."""
    key = key.lower()
    return any(word in key for word in ("api_key", "apikey", "secret", "password")) or (
        key == "token" or key.endswith(("_token", "_key"))
    )


def _read_settings_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(decode_text(path.read_bytes(), str(path)))
    except UnreadableTextFile as exc:
        raise ConfigError(f"the file {exc.problem}", source=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", source=where) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc}", source=str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of settings", source=str(path))
    secrets = sorted(k for k in data if _looks_secret(str(k)))
    if secrets:
        raise ConfigError(
            f"{secrets[0]}: keys and tokens are not read from settings files",
            source=str(path),
            hint="Set it in the environment instead (ANTHROPIC_API_KEY, OPENAI_API_KEY), "
            "and remove it from the file.",
        )
    unknown = sorted(set(data) - set(Settings.model_fields) - {"home", "config_dir"})
    if unknown:
        raise ConfigError(
            f"unknown setting{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            source=str(path),
            hint=f"Known settings: {', '.join(Settings.model_fields)}.",
        )
    return data


_FLAGS = {"home": "--data-dir"}


def _settings_error(
    exc: ValidationError, origins: dict[str, str], settings_path: Path
) -> ConfigError:
    """The first problem, named as the user gave the value.

    "invalid EXEC_ASSISTANT_TIMEZONE: ...", "invalid --data-dir: ...", "invalid configuration in
    .../settings.yaml at 'lookahead_days': ...".
    """

    def where(error: ErrorDetails) -> tuple[str | None, str | None]:
        """(source, key) of an error: the file and the setting, or the variable or the flag."""
        if not error["loc"]:
            return None, None
        name = str(error["loc"][0])
        origin = origins.get(name, "default")
        if origin == str(settings_path):
            return str(settings_path), name
        if origin.startswith("environment"):
            return None, origin.removeprefix("environment ")
        if origin == "command line":
            return None, _FLAGS.get(name, "--" + name.replace("_", "-"))
        return None, name

    errors = exc.errors()
    first = errors[0]
    problem = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] not in ("value_error", "missing") and "input" in first:
        problem += f" (got {_shown(first['input'])})"
    source, key = where(first)
    others = dict.fromkeys(k for _, k in map(where, errors[1:]) if k)
    hint = f"Also invalid: {', '.join(others)}." if others else None
    return ConfigError(problem, source=source, key=key, hint=hint)


def load_settings(flags: Mapping[str, Any] | None = None) -> tuple[Settings, dict[str, str]]:
    """The validated settings and, for each, where its value came from."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = os.environ
    home = Path(flags.get("home") or env.get(_env_name("home")) or DEFAULT_HOME).expanduser()
    config_dir = Path(
        flags.get("config_dir") or env.get(_env_name("config_dir")) or home / "config"
    ).expanduser()
    settings_path = config_dir / SETTINGS_FILE
    file_values = _read_settings_file(settings_path)

    origins: dict[str, str] = {}
    for name in Settings.model_fields:
        if name in flags:
            origins[name] = "command line"
        elif variable := next((v for v in _env_names(name) if env.get(v)), None):
            origins[name] = f"environment {variable}"
        elif name in file_values:
            origins[name] = f"{settings_path}"
        else:
            origins[name] = "default"

    token = _file_values.set(file_values)
    try:
        settings = Settings(**flags)
    except ValidationError as exc:
        raise _settings_error(exc, origins, settings_path) from None
    finally:
        _file_values.reset(token)
    return settings, origins
