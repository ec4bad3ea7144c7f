"""Calendar commands: sync, meetings, classify, config check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from exec_assistant.bootstrap import LazyClientEngine, build_local, build_ticker, secret_store
from exec_assistant.cli.common import (
    JsonOption,
    NowOption,
    app,
    config_app,
    load_command_settings,
    make_clock,
    parse_instant,
    print_json,
    sync_progress,
    ui,
)
from exec_assistant.cli.runtimes import Runtime, RuntimeOption, open_records
from exec_assistant.cli.views import print_sync
from exec_assistant.configuration import load_config
from exec_assistant.display_text import safe_markup
from exec_assistant.domain.errors import UsageError
from exec_assistant.domain.text import plural, without_passwords
from exec_assistant.presentation import (
    config_report,
    meeting_json,
    meetings_table,
    sync_json,
    window_text,
)
from exec_assistant.services.meetings import classify_series, list_meetings
from exec_assistant.settings import Settings
from exec_assistant.slack.secrets import slack_secrets_present, slack_setup_notes


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
    accept_empty: Annotated[
        bool,
        typer.Option(
            "--accept-empty",
            help="Believe a calendar that comes back with no events at once (its meetings "
            "are cancelled); by default that needs a second empty sync.",
        ),
    ] = False,
    as_json: JsonOption = False,
    now: NowOption = None,
) -> None:
    """Pull your calendars and store what changed.

    Every meeting of the lookahead window (14 days by default) is discovered, classified and
    given a prep time and a reminder time. Running it again changes only what changed on the
    calendar; preps of meetings that moved or vanished are stopped. A calendar that cannot be
    read is reported and its stored meetings are kept.
    """
    settings, _ = load_command_settings(ctx)
    clock = make_clock(now, settings, running=False)
    local = build_local(settings, command="sync", exclusive=True)
    engine = LazyClientEngine(local)
    try:
        ticker = build_ticker(local, engine, clock, calendars=calendar or [])
        local.calendar_sources(calendar or [])  # no calendar at all is an error here
        with sync_progress() as progress:
            tick = ticker.tick(
                sync=True, prepare=False, accept_empty=accept_empty, progress=progress
            )
    finally:
        engine.close()
        local.close()
    report = tick.sync
    assert report is not None
    if as_json:
        print_json(sync_json(report, settings.zone))
    else:
        print_sync(report, settings.zone, ui.out)
    if report.failed:
        for failed in report.failed:
            ui.err.print(safe_markup("[red]error:[/] {error}", error=failed.error or ""))
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
    runtime: RuntimeOption = Runtime.LOCAL,
) -> None:
    """List the stored meetings with their type, status, prep time and reminder."""
    settings, _ = load_command_settings(ctx)
    zone = settings.zone
    instant = make_clock(now, settings, running=False).now()
    begin = parse_instant(start_from, zone, "--from") if start_from else instant
    end = (
        parse_instant(start_to, zone, "--to")
        if start_to
        else begin + timedelta(days=settings.lookahead_days)
    )
    if end <= begin:
        raise UsageError(f"--to ({start_to}) must come after --from ({start_from or 'now'})")
    with open_records(settings, runtime, "meetings") as records:
        found = list_meetings(records.meetings, begin, end)
        names = {t.id: t.name for t in records.config.catalog}
    if as_json:
        print_json([meeting_json(m, zone) for m in found])
        return
    if not found:
        ui.out.print(
            f"No meetings between {window_text(begin, end, zone)}. "
            "Run 'exec-assistant sync' to read your calendars."
        )
        return
    ui.out.print(meetings_table(found, zone, names, instant, ui.out.width))
    ui.out.print(f"{plural(len(found), 'meeting')}, times in {zone.key}.")


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
    settings, _ = load_command_settings(ctx)
    instant = make_clock(now, settings, running=False).now()
    local = build_local(settings, command="classify", exclusive=False)
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
        print_json(
            {
                "meeting_type": meeting_type,
                "changed": [meeting_json(m, settings.zone) for m in changed],
            }
        )
        return
    ui.out.print(
        safe_markup(
            "[green]✓[/] {count} of this series are now '{name}'; later instances will be too.",
            count=plural(len(changed), "meeting"),
            name=type_name,
        )
    )


def _shown(value: Any) -> Any:
    """A setting's value for JSON, with any password in a calendar URL shown as ***."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [without_passwords(str(item)) for item in value]
    return without_passwords(value) if isinstance(value, str) else value


@config_app.command("check")
def config_check(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Validate the configuration and show where each setting came from."""
    settings, origins = load_command_settings(ctx)
    loaded = load_config(settings.config_path)
    notes = []
    if not settings.user_email:
        notes.append(
            "EXEC_ASSISTANT_USER_EMAIL is not set: meetings you declined cannot be recognised."
        )
    if not settings.calendars:
        notes.append("No calendars configured: pass --calendar to 'sync' or set them.")
    secrets = slack_secrets_present(secret_store())
    notes += slack_setup_notes(settings.slack_user_id, secrets)
    values = {name: getattr(settings, name) for name in Settings.model_fields}
    if as_json:
        print_json(
            {
                "valid": True,
                "settings": {
                    k: {"value": _shown(v), "source": origins[k]} for k, v in values.items()
                },
                "secrets": {name: {"set": present} for name, present in secrets.items()},
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
    ui.out.print(config_report(settings, origins, loaded, notes, ui.out.width, secrets=secrets))
