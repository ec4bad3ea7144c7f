"""Loading meeting types, notification rules and model prices: shipped defaults, merged with
the user's files.

Every problem becomes a ConfigError naming the file, the key path and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from exec_assistant.document_files import FileFolder
from exec_assistant.domain.cost import AwsPriceList
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.meeting_types import MeetingType, MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.text_files import UnreadableTextFile, decode_text
from exec_assistant.domain.usage import ModelPrice, PriceTable

MEETING_TYPES_FILE = "meeting_types.yaml"
NOTIFICATION_RULES_FILE = "notification_rules.yaml"
MODEL_PRICES_FILE = "model_prices.yaml"
AWS_PRICES_FILE = "aws_prices.yaml"
SHIPPED = "exec_assistant.defaults"


@dataclass(frozen=True)
class LoadedConfig:
    catalog: MeetingTypeCatalog
    rules: NotificationRules
    sources: list[str]
    """The files read, shipped defaults first."""
    prices: PriceTable = field(default_factory=lambda: PriceTable({}))
    """What each model costs (see `load_model_prices`)."""


@dataclass(frozen=True)
class _Document:
    source: str
    data: dict[str, Any]


def _shipped(name: str) -> _Document:
    text = resources.files(SHIPPED).joinpath(name).read_text(encoding="utf-8")
    return _Document(f"<shipped {name}>", _parse(text, f"<shipped {name}>"))


def _user(config_dir: FileFolder | None, name: str) -> _Document | None:
    if config_dir is None:
        return None
    path = config_dir / name
    if not path.exists():
        return None
    try:
        text = decode_text(path.read_bytes(), str(path))
    except UnreadableTextFile as exc:
        raise ConfigError(f"the file {exc.problem}", source=str(path)) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the file: {exc.strerror or exc}", source=str(path)
        ) from None
    return _Document(str(path), _parse(text, str(path)))


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"not valid YAML: {problem}", source=where) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"expected a mapping of keys at the top, found {type(data).__name__}", source=source
        )
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _has_path(data: Any, path: tuple[str | int, ...]) -> bool:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
            continue
        if isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
            continue
        return False
    return True


def _config_error(
    exc: ValidationError, prefix: tuple[str | int, ...], docs: list[_Document]
) -> ConfigError:
    errors = exc.errors()
    first = errors[0]
    path = (*prefix, *(p for p in first["loc"] if p != "id"))
    # Blame the last file that sets the key (or its parent), the user's before the shipped one.
    blamed = docs[0]
    for doc in reversed(docs):
        if any(_has_path(doc.data, path[:n]) for n in range(len(path), 0, -1)):
            blamed = doc
            break
    key = ".".join(str(p) for p in path)
    problem = first["msg"]
    if "input" in first and first["type"] not in ("missing", "extra_forbidden"):
        problem += f" (got {first['input']!r})"
    if first["type"] == "extra_forbidden":
        problem = "unknown key"
    more = len(errors) - 1
    if more:
        problem += f"; and {more} more problem{'s' if more > 1 else ''} in the same section"
    return ConfigError(problem, source=blamed.source, key=key)


class _MeetingTypesFile(BaseModel, extra="forbid"):
    meeting_types: dict[str, dict[str, Any]]


def load_meeting_types(
    config_dir: Path | FileFolder | None,
) -> tuple[MeetingTypeCatalog, list[str]]:
    docs = [_shipped(MEETING_TYPES_FILE)]
    user = _user(config_dir, MEETING_TYPES_FILE)
    if user is not None:
        docs.append(user)
        try:
            _MeetingTypesFile.model_validate({"meeting_types": {}, **user.data})
        except ValidationError as exc:
            raise _config_error(exc, (), [user]) from None
    merged: dict[str, Any] = {}
    for doc in docs:
        merged = _merge(merged, doc.data.get("meeting_types") or {})
    types = []
    for type_id, raw in merged.items():
        if not isinstance(raw, dict):
            raise ConfigError(
                f"expected a mapping of settings, found {type(raw).__name__}",
                source=docs[-1].source,
                key=f"meeting_types.{type_id}",
            )
        try:
            types.append(MeetingType.model_validate({**raw, "id": type_id}))
        except ValidationError as exc:
            raise _config_error(exc, ("meeting_types", str(type_id)), docs) from None
    return MeetingTypeCatalog(types), [d.source for d in docs]


def load_notification_rules(
    config_dir: Path | FileFolder | None,
) -> tuple[NotificationRules, list[str]]:
    docs = [_shipped(NOTIFICATION_RULES_FILE)]
    user = _user(config_dir, NOTIFICATION_RULES_FILE)
    if user is not None:
        docs.append(user)
    merged: dict[str, Any] = {}
    for doc in docs:
        merged = _merge(merged, doc.data)
    try:
        return NotificationRules.model_validate(merged), [d.source for d in docs]
    except ValidationError as exc:
        raise _config_error(exc, (), docs) from None


class _PartialPrice(BaseModel, extra="forbid", allow_inf_nan=False):
    """One file's entry for a model: only the keys it changes."""

    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)


class _ModelPricesFile(BaseModel, extra="forbid"):
    model_prices: dict[str, _PartialPrice | None]


class _ModelPrices(BaseModel):
    model_prices: dict[str, ModelPrice | None]


def load_model_prices(config_dir: Path | FileFolder | None) -> tuple[PriceTable, list[str]]:
    """The shipped prices with the user's model_prices.yaml merged over them by model id: an
    entry gives only the keys it changes, and `model-id: null` leaves a model unpriced."""
    docs = [_shipped(MODEL_PRICES_FILE)]
    user = _user(config_dir, MODEL_PRICES_FILE)
    if user is not None:
        docs.append(user)
    merged: dict[str, dict[str, Any] | None] = {}
    for doc in docs:
        data = doc.data
        if "model_prices" in data and data["model_prices"] is None:
            data = {**data, "model_prices": {}}  # every entry commented out
        if isinstance(data.get("model_prices"), dict):
            # Ids compare ignoring case; one YAML reads as a number (`4.1:`) is still an id.
            ids = {str(k).strip().lower(): v for k, v in data["model_prices"].items()}
            data = {**data, "model_prices": ids}
        try:
            prices = _ModelPricesFile.model_validate({"model_prices": {}, **data})
        except ValidationError as exc:
            raise _config_error(exc, (), [_Document(doc.source, data)]) from None
        for model_id, price in prices.model_prices.items():
            given = None if price is None else price.model_dump(exclude_unset=True)
            known = merged.get(model_id)
            merged[model_id] = {**known, **given} if known and given is not None else given
    try:
        table = _ModelPrices.model_validate({"model_prices": merged})
    except ValidationError as exc:
        raise _config_error(exc, (), docs) from None
    priced = {model_id: p for model_id, p in table.model_prices.items() if p is not None}
    return PriceTable(priced), [d.source for d in docs]


def load_aws_prices() -> AwsPriceList:
    """The AWS list prices shipped with exec-assistant (defaults/aws_prices.yaml)."""
    doc = _shipped(AWS_PRICES_FILE)
    try:
        return AwsPriceList.model_validate(doc.data)
    except ValidationError as exc:
        raise _config_error(exc, (), [doc]) from None


def load_config(config_dir: Path | FileFolder | None) -> LoadedConfig:
    catalog, type_sources = load_meeting_types(config_dir)
    rules, rule_sources = load_notification_rules(config_dir)
    unknown = rules.unknown_silent_types(catalog)
    if unknown:
        raise ConfigError(
            f"'{unknown[0][:80]}' is not a meeting type",
            source=rule_sources[-1],
            key="silent_types",
            hint=f"The meeting types are: {', '.join(catalog.ids)}.",
        )
    prices, price_sources = load_model_prices(config_dir)
    return LoadedConfig(catalog, rules, [*type_sources, *rule_sources, *price_sources], prices)


def read_user_document(folder: Path | FileFolder | None, name: str) -> tuple[str, dict[str, Any]]:
    """The user's YAML file `name` in `folder` as (where it was read, its mapping); ({}) when
    there is no such file. ConfigError for a file that cannot be read or is not a mapping."""
    document = _user(folder, name)
    if document is None:
        return "", {}
    return document.source, document.data


def validation_error(
    exc: ValidationError, prefix: tuple[str | int, ...], source: str, data: dict[str, Any]
) -> ConfigError:
    """A ConfigError naming `source` and the key path of the first problem of `exc`."""
    return _config_error(exc, prefix, [_Document(source, data)])
