"""`calendars list` and `calendars remove`: what is configured and connected, and forgetting
an account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from exec_assistant.adapters.calendar_snapshots import PREFIX
from exec_assistant.bootstrap import build_local
from exec_assistant.calendars.locations import API_PROVIDERS, api_calendar
from exec_assistant.cli.common import (
    JsonOption,
    calendars_app,
    load_command_settings,
    print_json,
    ui,
)
from exec_assistant.display_text import safe_text
from exec_assistant.domain.calendar_sync import CalendarSnapshot
from exec_assistant.domain.errors import UsageError
from exec_assistant.domain.text import plural, without_passwords
from exec_assistant.presentation.times import DateStyle


def _kind(location: str) -> str:
    api = api_calendar(location)
    if api is not None:
        return {"google": "Google", "microsoft": "Microsoft 365"}[api.provider]
    lowered = location.lower()
    return (
        "iCalendar URL"
        if lowered.startswith(("http://", "https://", "webcal://"))
        else "iCalendar file"
    )


@calendars_app.command("list")
def list_calendars(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The configured calendars: each one's kind, whether its account is connected, and
    when an API calendar was last synced."""
    settings, _ = load_command_settings(ctx)
    local = build_local(settings, command="calendars list", exclusive=False)
    try:
        rows: list[dict[str, Any]] = []
        for location in dict.fromkeys(settings.calendars):
            try:
                api = api_calendar(location)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            row: dict[str, Any] = {"calendar": without_passwords(location), "kind": _kind(location)}
            if api is not None:
                row["connected"] = local.credentials.load(api.provider) is not None
                row["kept_in"] = local.credentials.location
                snapshot = local.calendar_snapshots.get(location)
                row["last_synced"] = snapshot.updated_at.isoformat() if snapshot else None
                row["events"] = len(snapshot.events) if snapshot else None
            rows.append(row)
    finally:
        local.close()
    if as_json:
        print_json(rows)
        return
    if not rows:
        ui.out.print(
            "No calendars configured. Connect an account with 'exec-assistant calendars add "
            "google' (or microsoft), or list iCalendar files or URLs in EXEC_ASSISTANT_CALENDARS."
        )
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("Calendar", overflow="fold")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Account", overflow="fold")
    for row in rows:
        if "connected" not in row:
            account = Text("-", style="dim")
        elif not row["connected"]:
            account = Text("not connected", style="yellow")
        elif row["last_synced"]:
            synced = DateStyle.LONG.instant(
                datetime.fromisoformat(row["last_synced"]), settings.zone
            )
            account = Text(f"connected; synced {synced}, {plural(row['events'], 'event')}")
        else:
            account = Text("connected; not synced yet")
        table.add_row(safe_text(row["calendar"]), row["kind"], account)
    ui.out.print(table)
    if any(row.get("connected") for row in rows):
        ui.out.print(safe_text(f"Authorizations are kept in {rows_kept_in(rows)}."))


def rows_kept_in(rows: list[dict[str, Any]]) -> str:
    return next(str(row["kept_in"]) for row in rows if row.get("kept_in"))


@calendars_app.command("remove")
def remove_account(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(metavar="PROVIDER", help="google or microsoft.")],
) -> None:
    """Forget an account's authorization and what its calendars' last syncs kept. The stored
    meetings stay; a calendar of the account still configured fails its sync until the
    account is connected again."""
    name = provider.strip().lower()
    if name not in API_PROVIDERS:
        raise UsageError(f"'{provider[:40]}' is not a calendar account: use google or microsoft")
    settings, _ = load_command_settings(ctx)
    local = build_local(settings, command="calendars remove", exclusive=True)
    try:
        had = local.credentials.load(name) is not None
        local.credentials.delete(name)
        forgotten = 0
        for key in local.documents.list(PREFIX):
            raw = local.documents.get(key)
            try:
                location = CalendarSnapshot.model_validate_json(raw or b"").location
            except ValueError:
                continue
            api = api_calendar(location)
            if api is not None and api.provider == name:
                local.calendar_snapshots.delete(location)
                forgotten += 1
        where = local.credentials.location
    finally:
        local.close()
    if not had and not forgotten:
        ui.out.print(f"No {name} account was connected; nothing to remove.")
        return
    ui.out.print(
        f"Removed the {name} authorization from {where}"
        + (f" and the last syncs of {plural(forgotten, 'calendar')}" if forgotten else "")
        + ". Stored meetings are kept."
    )
