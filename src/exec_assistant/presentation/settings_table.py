"""What `config check` shows: each setting's whole value, where it came from, how to set it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from exec_assistant.configuration import LoadedConfig
from exec_assistant.display_text import BLOCK_LIMIT, LINE_LIMIT, TITLE_LIMIT, safe_text
from exec_assistant.domain.text import without_passwords
from exec_assistant.presentation.fitted_table import TableColumn, fitted_table
from exec_assistant.settings import ENV_PREFIX, Settings

_DEFAULT_MEANS: dict[str, Callable[[Settings], str]] = {
    "home": lambda s: f"{s.home} → {s.data_dir}",
    "config_dir": lambda s: f"DATA_FOLDER/config → {s.config_path}",
    "context_dir": lambda s: f"CONFIG_FOLDER/context → {s.context_path}",
    "timezone": lambda s: f"{s.timezone} (the machine's timezone)",
}
"""What a default stands for, where it is more than its value."""
_UNITS = {"_hours": "h", "_seconds": "s", "_days": "days", "_mb": "MB", "_kb": "KB"}
_FLAGS = {"home": "--data-dir", "config_dir": "--config-dir"}


def environment_variable(name: str) -> str:
    """`lookahead_days` is set with EXEC_ASSISTANT_LOOKAHEAD_DAYS."""
    return ENV_PREFIX + name.upper()


def settings_table(settings: Settings, origins: Mapping[str, str], width: int) -> Table:
    """One row a setting: its name and meaning; its whole value (wrapped, never cut), where
    it came from, and the environment variable that sets it.

    A default is named for what it stands for ("DATA_FOLDER/config → /home/me/...", "none",
    "UTC (the machine's timezone)") rather than shown as `None`.
    """
    names = list(Settings.model_fields)
    setting_cells = []
    value_cells = []
    for name in names:
        description = Settings.model_fields[name].description or ""
        setting_cells.append(
            Text.assemble(Text(name, style="bold"), "\n", Text(description, style="dim"))
        )
        origin = origins.get(name, "default")
        value = Text("\n").join(
            safe_text(line, limit=BLOCK_LIMIT)
            for line in _value_lines(name, getattr(settings, name), settings, origin)
        )
        value_cells.append(
            Text.assemble(value, "\n", safe_text(_origin_line(name, origin), style="dim"))
        )
    columns = [
        TableColumn("Setting", setting_cells, wrap=True, grow_rank=1),
        # Spare width goes to the values first: at 80 columns the longest environment
        # variable name stays whole.
        TableColumn("Value", value_cells, wrap=True),
    ]
    return fitted_table(columns, width, row_gap=True)


def _value_lines(name: str, value: Any, settings: Settings, origin: str) -> list[str]:
    # Calendar URLs may carry a password: shown as ***.
    return [without_passwords(line) for line in _raw_value_lines(name, value, settings, origin)]


def _raw_value_lines(name: str, value: Any, settings: Settings, origin: str) -> list[str]:
    if origin == "default" and name in _DEFAULT_MEANS:
        return [_DEFAULT_MEANS[name](settings)]
    if value is None or value == []:
        return ["none"]
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, Path):
        return [str(value)]
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, int | float):
        unit = next((u for suffix, u in _UNITS.items() if name.endswith(suffix)), "")
        return [f"{value:g} {unit}".rstrip()]
    return [str(value)]


def _origin_line(name: str, origin: str) -> str:
    variable = environment_variable(name)
    if origin == "default":
        return f"default · set {variable} to change"
    if origin == "command line":
        flag = _FLAGS.get(name)
        return f"from the command line ({flag})" if flag else "from the command line"
    if origin.startswith("environment"):
        return f"from {origin.removeprefix('environment').strip() or variable}"
    return f"from {origin} · {variable} overrides it"


def config_report(
    settings: Settings,
    origins: Mapping[str, str],
    loaded: LoadedConfig,
    notes: Sequence[str],
    width: int,
    *,
    secrets: Mapping[str, bool] | None = None,
) -> Group:
    """What `config check` prints: the settings, which secrets are set (never their values),
    the config files read, the meeting types, notes on what is missing, and that the
    configuration is valid."""
    parts: list[Any] = [settings_table(settings, origins, width)]
    if secrets:
        width_of_names = max(map(len, secrets))
        parts.append(Text("\nSecrets (from the environment; values are never shown):"))
        parts += [
            Text.assemble(
                "  ", Text(name.ljust(width_of_names), style="bold"), "  ", _set_or_not(present)
            )
            for name, present in secrets.items()
        ]
    parts.append(Text("\nConfig files read (later ones override earlier ones):"))
    parts += [Text.assemble("  ", safe_text(source, limit=LINE_LIMIT)) for source in loaded.sources]
    types = list(loaded.catalog)
    parts.append(Text())
    parts.append(
        fitted_table(
            [
                TableColumn("Type", [safe_text(t.id, limit=TITLE_LIMIT) for t in types]),
                TableColumn(
                    "Name", [safe_text(t.name, limit=TITLE_LIMIT) for t in types], wrap=True
                ),
                TableColumn("Priority", [Text(str(t.priority)) for t in types], justify="right"),
                TableColumn(
                    "Prep lead", [Text(f"{t.prep_lead_hours:g} h") for t in types], justify="right"
                ),
            ],
            width,
        )
    )
    parts.append(Text())
    parts += [Text.assemble(Text("note: ", style="yellow"), safe_text(n)) for n in notes]
    parts.append(Text.assemble(Text("✓", style="green"), " configuration is valid"))
    return Group(*parts)


def _set_or_not(present: bool) -> Text:
    return Text("set", style="green") if present else Text("not set", style="dim")
