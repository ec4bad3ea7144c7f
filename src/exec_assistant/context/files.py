"""Context providers over exported files in a folder: budget, big rocks, incidents, staffing.

Each provider re-reads its file on every `gather` because the exports are refreshed between
meetings. Malformed data raises `ContextDataError` naming the file and the row: the caller reports
the provider as unavailable, which is better than wrong figures in a prep pack. What the rows
mean (thresholds, wording) is the domain's `context_rules`, shared with the API providers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from exec_assistant.document_files import FileFolder, ReadableFile
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules import big_rocks, budget, incidents, staffing
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.text_files import UnreadableTextFile, decode_text


class ContextDataError(ExecAssistantError):
    """A context file is missing or malformed; the message names the file and the row or key."""


class ContextFileMissing(ContextDataError, FileNotFoundError):
    """Also a FileNotFoundError, so callers can tell "not set up" from "broken"."""


INCIDENT_COLUMNS = (
    "id",
    "severity",
    "title",
    "started_at",
    "resolved_at",
    "status",
    "postmortem_due",
    "owner",
)
"""The columns incidents.csv must have; the others are optional."""


class _FileContextProvider:
    name: str
    file_name: str

    def __init__(self, folder: Path | FileFolder) -> None:
        """`folder`: a folder, or the documents under a prefix (`DocumentFolder`, on AWS)."""
        self._folder = folder

    @property
    def path(self) -> ReadableFile:
        return self._folder / self.file_name


class BudgetContextProvider(_FileContextProvider):
    """Forecast against budget per cost centre, from `budget.yaml`."""

    name = budget.PROVIDER
    file_name = "budget.yaml"

    def gather(self, request: ContextRequest) -> ContextResult:
        document = _load_yaml(self.path)
        header = _validate(budget.BudgetHeader, document, self.path, "")
        centers = _parse_list(budget.CostCenter, document, "cost_centers", self.path)
        return budget.budget_result(header, centers, request, source=self.file_name)


class BigRocksContextProvider(_FileContextProvider):
    """Strategic initiatives: status, progress and due dates, from `big_rocks.yaml`."""

    name = big_rocks.PROVIDER
    file_name = "big_rocks.yaml"

    def gather(self, request: ContextRequest) -> ContextResult:
        document = _load_yaml(self.path)
        header = _validate(big_rocks.BigRocksHeader, document, self.path, "")
        rocks = _parse_list(big_rocks.BigRock, document, "initiatives", self.path)
        return big_rocks.big_rocks_result(header, rocks, request, source=self.file_name)


class IncidentsContextProvider(_FileContextProvider):
    """Recent incidents: severity, open ones, time to resolve, postmortems, from `incidents.csv`."""

    name = incidents.PROVIDER
    file_name = "incidents.csv"

    def gather(self, request: ContextRequest) -> ContextResult:
        rows = _parse_csv(incidents.Incident, self.path, INCIDENT_COLUMNS)
        return incidents.incidents_result(rows, request)


class StaffingContextProvider(_FileContextProvider):
    """Headcount, hiring, attrition and on-call load per team, from `staffing.yaml`."""

    name = staffing.PROVIDER
    file_name = "staffing.yaml"

    def gather(self, request: ContextRequest) -> ContextResult:
        header, teams = self.read()
        return staffing.staffing_result(header, teams, request, source=self.file_name)

    def read(
        self, *, reqs_from_file: bool = True
    ) -> tuple[staffing.StaffingHeader, list[staffing.Team]]:
        """The export's header and teams. Without `reqs_from_file` every team's `open_reqs`
        is left empty, whatever the file says (or if it says nothing), for the applicant
        tracking system to fill: the HRIS export keeps headcount, attrition and on-call."""
        document = _load_yaml(self.path)
        header = _validate(staffing.StaffingHeader, document, self.path, "")
        teams = document.get("teams")
        if not reqs_from_file and isinstance(teams, list):
            document = {
                **document,
                "teams": [{**t, "open_reqs": []} if isinstance(t, dict) else t for t in teams],
            }
        return header, _parse_list(staffing.Team, document, "teams", self.path)


# --- Shared: reading and validating ----------------------------------------------------------

_Model = TypeVar("_Model", bound=BaseModel)


def _read_text(path: ReadableFile) -> str:
    try:
        # Spreadsheet exports come with byte order marks, in UTF-16 or in Windows-1252.
        return decode_text(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise ContextFileMissing(f"{path}: no such file") from None
    except UnreadableTextFile as exc:
        raise ContextDataError(str(exc)) from None
    except OSError as exc:
        raise ContextDataError(f"{path}: cannot read ({exc.strerror or exc})") from None


# libyaml's parser when PyYAML was built with it: six times faster on a 10,000-row export, and
# the same values (the constructor that makes them is the same Python code).
_FAST_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: ReadableFile) -> dict[str, Any]:
    text = _read_text(path)
    try:
        document = yaml.load(text, Loader=_FAST_SAFE_LOADER)
    except yaml.YAMLError:
        try:
            # The pure-Python parser decides: its message names what it found ("found undefined
            # alias 'y'") where libyaml's does not, and it has the last word on a document the
            # two parsers disagree on.
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ContextDataError(f"{path}: invalid YAML{_yaml_position(exc, text)}") from None
    if not isinstance(document, dict):
        raise ContextDataError(f"{path}: expected a mapping of keys at the top level")
    return document


def _yaml_position(exc: yaml.YAMLError, text: str) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f" at line {exc.problem_mark.line + 1}: {exc.problem}"
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        # A raw control character (an ANSI escape pasted from a terminal): YAML allows it only
        # as an escape in a double-quoted string.
        line = text.count("\n", 0, exc.position) + 1
        return (
            f" at line {line}: character U+{exc.character:04X} is not allowed; "
            'write it as an escape in a double-quoted string ("\\x1b")'
        )
    return ""


def _parse_list(
    model: type[_Model], document: dict[str, Any], key: str, path: ReadableFile
) -> list[_Model]:
    if key not in document:
        raise ContextDataError(f"{path}: missing key '{key}'")
    items = document[key] or []
    if not isinstance(items, list):
        raise ContextDataError(f"{path}: '{key}' must be a list")
    rows = []
    for index, item in enumerate(items):
        where = f"{key}[{index}]" + _row_label(item)
        if not isinstance(item, dict):
            raise ContextDataError(f"{path}: {where}: expected a mapping")
        rows.append(_validate(model, item, path, where))
    return rows


def _row_label(item: object) -> str:
    if not isinstance(item, dict):
        return ""
    label = item.get("id") or item.get("name")
    return f" ({label})" if isinstance(label, str | int) else ""


def _parse_csv(model: type[_Model], path: ReadableFile, required: Sequence[str]) -> list[_Model]:
    # strict: an unbalanced quote is an error rather than one cell swallowing the rest of the file.
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    rows = []
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        missing = [column for column in required if column not in header]
        if missing:
            raise ContextDataError(f"{path}: missing column(s) {', '.join(missing)}")
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            # line_num, not a row count: quoted cells may span lines, and editors show lines.
            where = f"line {reader.line_num}"
            row = _csv_row(header, cells, path, where)
            rows.append(_validate(model, row, path, where + _row_label(row)))
    except csv.Error as exc:
        raise ContextDataError(f"{path}: line {reader.line_num}: {exc}") from None
    return rows


def _csv_row(header: list[str], cells: list[str], path: ReadableFile, where: str) -> dict[str, Any]:
    if len(cells) > len(header):
        raise ContextDataError(f"{path}: {where}: {len(cells)} cells for {len(header)} columns")
    # Empty (and absent trailing) cells are left out: optional fields default to None, and a
    # required one is reported as missing by name.
    pairs = zip(header, cells, strict=False)  # short rows are allowed, see above
    return {column: cell.strip() for column, cell in pairs if cell.strip()}


def _validate(model: type[_Model], raw: dict[str, Any], path: ReadableFile, where: str) -> _Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        parts = [str(path), where, _describe(exc)]
        raise ContextDataError(": ".join(p for p in parts if p)) from None


def _describe(exc: ValidationError) -> str:
    """The first problem in a short form: `forecast: input should be a valid number, got 'abc'`."""
    errors = exc.errors()
    first = errors[0]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
    if first["type"] == "missing":
        text = "missing"
    else:
        message = first["msg"].removeprefix("Value error, ")
        text = f"{message[:1].lower()}{message[1:]}"
        if first["loc"] and not isinstance(first["input"], dict | list):
            text += f", got {_short(repr(first['input']))}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{field}: {text}{more}" if field else f"{text}{more}"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
