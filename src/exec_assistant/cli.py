"""The `exec-assistant` command."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import click
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from exec_assistant import __version__
from exec_assistant.bootstrap import LocalApp, build_local
from exec_assistant.configuration import load_config
from exec_assistant.domain.errors import ExecAssistantError, UsageError
from exec_assistant.observability import configure_logging
from exec_assistant.presentation import (
    meeting_json,
    meetings_table,
    sync_counts,
    sync_json,
    window_text,
)
from exec_assistant.services.meetings import classify_series, list_meetings
from exec_assistant.services.sync_calendars import CalendarSyncResult, SyncReport, sync_calendars
from exec_assistant.settings import Settings, load_settings

DEMO_NOW = "2026-11-30T07:00:00-05:00"
DEMO_EXECUTIVE = "jordan.lee@northwind.example"
DEMO_TIMEZONE = "America/New_York"

app = typer.Typer(
    name="exec-assistant",
    help=(
        "An AI executive assistant for meetings. It reads your calendars, classifies every "
        "meeting of the next two weeks, and schedules when to prepare each one and when to "
        "remind you.\n\nStart with [bold]exec-assistant demo[/], then "
        "[bold]exec-assistant sync --calendar PATH_OR_URL[/] and [bold]exec-assistant meetings[/]."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")


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


def _settings(ctx: typer.Context, **overrides: Any) -> tuple[Settings, dict[str, str]]:
    options: GlobalOptions = ctx.obj
    flags = {"home": options.data_dir, "config_dir": options.config_dir, **overrides}
    settings, origins = load_settings(flags)
    configure_logging("INFO" if options.verbose else settings.log_level)
    return settings, origins


def parse_now(text: str | None, zone: ZoneInfo) -> datetime:
    if text is None:
        return datetime.now(zone)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"invalid --now '{text}': expected ISO 8601, e.g. 2026-11-30T07:00:00-05:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=zone)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


class _SyncProgress:
    """A live line per calendar on stderr while it is read and classified."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def calendar_started(self, location: str) -> None:
        self._tasks[location] = self._progress.add_task(f"Reading {location}", total=None)

    def calendar_fetched(self, location: str, events: int) -> None:
        self._progress.update(
            self._tasks[location], description=f"Classifying {events} events from {location}"
        )

    def calendar_finished(self, result: CalendarSyncResult) -> None:
        self._progress.remove_task(self._tasks.pop(result.location))


def _sync(local: LocalApp, calendars: list[str], now: datetime) -> SyncReport:
    sources = local.calendar_sources(calendars)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=ui.err,
        transient=True,
    )
    with progress:
        return sync_calendars(
            sources,
            local.meetings,
            local.overrides,
            local.config.catalog,
            local.config.rules,
            local.executive,
            now,
            local.settings.lookahead_days,
            observer=_SyncProgress(progress),
        )


def _print_sync(report: SyncReport, zone: ZoneInfo) -> None:
    count = len(report.calendars)
    ui.out.print(
        f"Synced {count} calendar{'s' if count != 1 else ''}: "
        f"{window_text(report.window_start, report.window_end, zone)}"
    )
    for result in report.calendars:
        if result.error:
            ui.out.print(f"  [red]✗[/] {result.location}: {result.error}")
            continue
        label = (
            result.name if result.name == result.location else f"{result.name} ({result.location})"
        )
        ui.out.print(f"  [green]✓[/] {label}: {result.events} events in the window")
        ui.out.print(f"    {sync_counts(result)}")
        for warning in result.warnings:
            ui.out.print(f"    [yellow]warning:[/] {warning}")


@app.command()
def sync(
    ctx: typer.Context,
    calendar: Annotated[
        list[str] | None,
        typer.Option(
            "--calendar",
            "-c",
            metavar="PATH_OR_URL",
            help="An iCalendar file or http(s)/webcal URL; repeat for several. "
            "Default: EXEC_ASSISTANT_CALENDARS or 'calendars' in settings.yaml.",
        ),
    ] = None,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Pull your calendars and store what changed.

    Every meeting of the lookahead window (14 days by default) is discovered, classified and
    given a prep time and a reminder time. Running it again changes only what changed on the
    calendar. A calendar that cannot be read is reported and its stored meetings are kept.
    """
    settings, _ = _settings(ctx)
    instant = parse_now(now, settings.zone)
    local = build_local(settings, command="sync", exclusive=True)
    try:
        report = _sync(local, calendar or [], instant)
    finally:
        local.close()
    if as_json:
        _print_json(sync_json(report, settings.zone))
    else:
        _print_sync(report, settings.zone)
    if report.failed:
        for failed in report.failed:
            ui.err.print(f"[red]error:[/] {failed.error}")
        raise typer.Exit(1)


@app.command()
def meetings(
    ctx: typer.Context,
    start_from: Annotated[
        str | None,
        typer.Option("--from", metavar="ISO", help="First start to show (default: now)."),
    ] = None,
    start_to: Annotated[
        str | None,
        typer.Option("--to", metavar="ISO", help="Show meetings starting before this."),
    ] = None,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """List the stored meetings with their type, status, prep time and reminder."""
    settings, _ = _settings(ctx)
    zone = settings.zone
    instant = parse_now(now, zone)
    begin = _parse_bound(start_from, "--from", zone) or instant
    end = _parse_bound(start_to, "--to", zone) or begin + timedelta(days=settings.lookahead_days)
    local = build_local(settings, command="meetings", exclusive=False)
    try:
        found = list_meetings(local.meetings, begin, end)
        names = {t.id: t.name for t in local.config.catalog}
    finally:
        local.close()
    if as_json:
        _print_json([meeting_json(m, zone) for m in found])
        return
    if not found:
        ui.out.print(
            f"No meetings between {window_text(begin, end, zone)}. "
            "Run 'exec-assistant sync' to read your calendars."
        )
        return
    ui.out.print(meetings_table(found, zone, names, instant, ui.out.width))
    ui.out.print(f"{len(found)} meetings, times in {zone.key}.")


def _parse_bound(text: str | None, flag: str, zone: ZoneInfo) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"invalid {flag} '{text}': expected ISO 8601, e.g. 2026-12-01") from None
    return value if value.tzinfo else value.replace(tzinfo=zone)


@app.command()
def classify(
    ctx: typer.Context,
    meeting_id: Annotated[str, typer.Argument(help="The meeting's id, from 'meetings'.")],
    meeting_type: Annotated[
        str, typer.Argument(metavar="TYPE", help="A meeting type id, e.g. one_on_one.")
    ],
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Set a meeting's type yourself; it sticks for every instance of a recurring series."""
    settings, _ = _settings(ctx)
    instant = parse_now(now, settings.zone)
    local = build_local(settings, command="classify", exclusive=True)
    try:
        changed = classify_series(
            meeting_id,
            meeting_type,
            local.meetings,
            local.overrides,
            local.config.catalog,
            local.config.rules,
            local.executive,
            instant,
        )
        type_name = local.config.catalog.get(meeting_type).name
    finally:
        local.close()
    if as_json:
        _print_json(
            {
                "meeting_type": meeting_type,
                "changed": [meeting_json(m, settings.zone) for m in changed],
            }
        )
        return
    ui.out.print(
        f"[green]✓[/] {len(changed)} meeting{'s' if len(changed) != 1 else ''} of this series "
        f"are now '{type_name}'; later instances will be too."
    )


@config_app.command("check")
def config_check(ctx: typer.Context, as_json: JsonOption = False, now: NowOption = None) -> None:
    """Validate the configuration and show where each setting came from."""
    settings, origins = _settings(ctx)
    parse_now(now, settings.zone)
    loaded = load_config(settings.config_path)
    notes = []
    if not settings.user_email:
        notes.append(
            "EXEC_ASSISTANT_USER_EMAIL is not set: meetings you declined cannot be recognised."
        )
    if not settings.calendars:
        notes.append("No calendars configured: pass --calendar to 'sync' or set them.")
    values = {name: getattr(settings, name) for name in Settings.model_fields}
    if as_json:
        _print_json(
            {
                "valid": True,
                "settings": {
                    k: {"value": str(v) if isinstance(v, Path) else v, "source": origins[k]}
                    for k, v in values.items()
                },
                "config_files": loaded.sources,
                "meeting_types": [
                    {
                        "id": t.id,
                        "name": t.name,
                        "priority": t.priority,
                        "prep_lead_hours": t.prep_lead_hours,
                    }
                    for t in loaded.catalog
                ],
                "notes": notes,
            }
        )
        return
    table = Table("Setting", "Value", "From", header_style="bold")
    for name, value in values.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        table.add_row(name, shown or "—", origins[name])
    ui.out.print(table)
    ui.out.print("Config files read (later ones override earlier ones):")
    for source in loaded.sources:
        ui.out.print(f"  {source}")
    types = Table("Type", "Name", "Priority", "Prep lead", header_style="bold")
    for t in loaded.catalog:
        types.add_row(t.id, t.name, str(t.priority), f"{t.prep_lead_hours:g} h")
    ui.out.print(types)
    for note in notes:
        ui.out.print(f"[yellow]note:[/] {note}")
    ui.out.print("[green]✓[/] configuration is valid")


def _find_examples() -> Path | None:
    for candidate in (Path.cwd() / "examples", Path(__file__).resolve().parents[2] / "examples"):
        if (candidate / "calendar.ics").is_file():
            return candidate
    return None


@app.command()
def demo(
    ctx: typer.Context,
    examples: Annotated[
        Path | None,
        typer.Option(help="The examples folder (default: ./examples or the project's)."),
    ] = None,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Sync the example calendar into a fresh data folder and show the classified fortnight.

    Runs as Jordan Lee, VP of Infrastructure, as of Monday 30 Nov 2026 07:00 New York time,
    unless --now says otherwise. Your own data folder is not touched.
    """
    folder = examples or _find_examples()
    if folder is None or not (folder / "calendar.ics").is_file():
        raise UsageError(
            "cannot find examples/calendar.ics",
            hint="Run the demo from the project folder, or pass --examples PATH.",
        )
    options: GlobalOptions = ctx.obj
    home = options.data_dir or Path(tempfile.mkdtemp(prefix="exec-assistant-demo-"))
    settings, _ = load_settings(
        {
            "home": home,
            "config_dir": options.config_dir or home / "config",
            "user_email": DEMO_EXECUTIVE,
            "timezone": DEMO_TIMEZONE,
            "calendars": [str(folder / "calendar.ics")],
        }
    )
    configure_logging("INFO" if options.verbose else settings.log_level)
    zone = settings.zone
    instant = parse_now(now or DEMO_NOW, zone)
    local = build_local(settings, command="demo", exclusive=True)
    try:
        if not as_json:
            ui.out.rule("[bold]exec-assistant demo")
            ui.out.print(
                f"Jordan Lee's calendar, as of {instant.astimezone(zone):%a %d %b %Y %H:%M} "
                f"({zone.key}). Data folder: {local.data.path}\n"
            )
        report = _sync(local, [], instant)
        found = list_meetings(local.meetings, report.window_start, report.window_end)
        names = {t.id: t.name for t in local.config.catalog}
    finally:
        local.close()
    if as_json:
        _print_json(
            {
                "data_dir": str(home),
                "sync": sync_json(report, zone),
                "meetings": [meeting_json(m, zone) for m in found],
            }
        )
        return
    _print_sync(report, zone)
    ui.out.print()
    ui.out.print(meetings_table(found, zone, names, instant, ui.out.width))
    to_prep = [m for m in found if m.prep_at is not None]
    due_now = [m for m in to_prep if m.prep_at is not None and m.prep_at <= instant]
    ui.out.print(
        f"\n{len(found)} meetings: {len(to_prep)} to prepare ({len(due_now)} due now), "
        f"{sum(1 for m in found if m.status.value == 'skipped')} skipped, "
        f"{sum(1 for m in found if m.status.value == 'cancelled')} cancelled."
    )
    ui.out.print(
        f"Explore it: exec-assistant --data-dir {home} meetings --now {instant.isoformat()}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors the user can fix are printed plainly, never as a traceback."""
    ui.reset()
    try:
        code = app(args=argv, prog_name="exec-assistant", standalone_mode=False)
    except ExecAssistantError as exc:
        ui.err.print(f"[red]error:[/] {exc.message}", highlight=False)
        if exc.hint:
            ui.err.print(exc.hint, highlight=False)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        ui.err.print("aborted")
        return 130
    except KeyboardInterrupt:
        ui.err.print("interrupted")
        return 130
    return code if isinstance(code, int) else 0


def run() -> None:
    sys.exit(main())
