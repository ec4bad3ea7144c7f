"""What every command shares: the app, consoles, global options, settings and --now."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from exec_assistant import __version__
from exec_assistant.bootstrap import build_clock
from exec_assistant.domain.errors import UsageError
from exec_assistant.observability import configure_logging
from exec_assistant.ports import Clock
from exec_assistant.services.sync_calendars import CalendarSyncResult
from exec_assistant.settings import Settings, load_settings

app = typer.Typer(
    name="exec-assistant",
    help=(
        "An AI executive assistant for meetings. It reads your calendars, classifies every "
        "meeting of the next two weeks, asks you the right prep questions, gathers context, "
        "writes a prep pack, reminds you 2 hours before, and turns your notes into decisions "
        "and action items.\n\nStart with [bold]exec-assistant demo[/], then "
        "[bold]exec-assistant sync --calendar PATH_OR_URL[/] and [bold]exec-assistant serve[/]."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
calendars_app = typer.Typer(
    help="Connect calendar accounts (Google, Microsoft 365) and see what is connected.",
    no_args_is_help=True,
)
app.add_typer(calendars_app, name="calendars")
calendars_add_app = typer.Typer(
    help="Authorize exec-assistant to read an account's calendars.", no_args_is_help=True
)
calendars_app.add_typer(calendars_add_app, name="add")


class _Consoles:
    """Fresh consoles for each run, so the width and colour follow the current terminal."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.out = Console()
        self.err = Console(stderr=True, soft_wrap=True)


ui = _Consoles()

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")
]
NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        metavar="ISO8601",
        help="Run as of this instant, e.g. 2026-11-30T07:00:00-05:00 "
        "(without an offset: your timezone). Default: the current time.",
    ),
]


@dataclass(frozen=True)
class GlobalOptions:
    data_dir: Path | None
    config_dir: Path | None
    verbose: bool


def _version(value: bool) -> None:
    if value:
        ui.out.print(f"exec-assistant {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Data folder (default: EXEC_ASSISTANT_HOME or ~/.exec-assistant).",
            show_default=False,
        ),
    ] = None,
    config_dir: Annotated[
        Path | None,
        typer.Option(
            "--config-dir",
            help="Config folder with meeting_types.yaml, notification_rules.yaml and "
            "settings.yaml (default: EXEC_ASSISTANT_CONFIG_DIR or DATA_DIR/config).",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log at INFO to stderr.")
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    ctx.obj = GlobalOptions(data_dir, config_dir, verbose)


def load_command_settings(ctx: typer.Context, **overrides: Any) -> tuple[Settings, dict[str, str]]:
    options: GlobalOptions = ctx.obj
    flags = {"home": options.data_dir, "config_dir": options.config_dir, **overrides}
    settings, origins = load_settings(flags)
    configure_logging("INFO" if options.verbose else settings.log_level)
    return settings, origins


EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def parse_instant(text: str, zone: ZoneInfo, flag: str) -> datetime:
    """An ISO 8601 instant from the command line; without an offset, in the user's zone."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"invalid {flag} '{text}': expected ISO 8601, e.g. 2026-11-30T07:00:00-05:00"
        ) from None
    value = value if value.tzinfo else value.replace(tzinfo=zone)
    try:
        in_range = EARLIEST <= value <= LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise UsageError(
            f"invalid {flag} '{text}': use an instant between 1970 and 9000, "
            "e.g. 2026-11-30T07:00:00-05:00"
        )
    return value


def parse_now(text: str, zone: ZoneInfo) -> datetime:
    return parse_instant(text, zone, "--now")


def read_limited(path: Path, limit_bytes: int, what: str) -> bytes:
    """The file's bytes, refused past `limit_bytes` (a device such as /dev/zero never ends)."""
    with path.open("rb") as handle:
        data = handle.read(limit_bytes + 1)
    if len(data) > limit_bytes:
        raise UsageError(
            f"{what} {path} is larger than {limit_bytes // (1024 * 1024)} MB",
            hint="Give a text file of notes or answers; split a larger one.",
        )
    return data


def print_json_line(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


class SyncProgress:
    """A live line per calendar on stderr while it is read and classified."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def calendar_started(self, location: str) -> None:
        self._tasks[location] = self._progress.add_task(f"Reading {escape(location)}", total=None)

    def calendar_fetched(self, location: str, events: int) -> None:
        self._progress.update(
            self._tasks[location],
            description=f"Classifying {events} events from {escape(location)}",
        )

    def calendar_finished(self, result: CalendarSyncResult) -> None:
        self._progress.remove_task(self._tasks.pop(result.location))


@contextmanager
def sync_progress() -> Iterator[SyncProgress]:
    """Progress lines on stderr, gone when the sync is done."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=ui.err,
        transient=True,
    )
    with progress:
        yield SyncProgress(progress)


def make_clock(now: str | None, settings: Settings, *, running: bool = True) -> Clock:
    """The clock --now asks for (see `bootstrap.build_clock`)."""
    return build_clock(parse_now(now, settings.zone) if now else None, running=running)
