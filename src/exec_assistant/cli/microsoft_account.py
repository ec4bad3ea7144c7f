"""`exec-assistant calendars add microsoft`: sign in to Microsoft 365 with a device code, and
see which calendars the account has."""

from __future__ import annotations

import threading
from typing import Annotated

import typer
from rich.console import Console

from exec_assistant.bootstrap import local_credential_store
from exec_assistant.calendars.locations import PRIMARY
from exec_assistant.calendars.microsoft.device_sign_in import (
    ConnectedAccount,
    DeviceCode,
    connect_microsoft_account,
)
from exec_assistant.calendars.microsoft.source import HttpClientFactory, default_http_client
from exec_assistant.cli.common import calendars_add_app, load_command_settings, ui
from exec_assistant.display_text import safe_markup, safe_text
from exec_assistant.ports import CredentialStore
from exec_assistant.settings import Settings

HELP = (
    "Sign in to a Microsoft 365 (or Outlook.com) account with a device code, keep the "
    "authorization, and list the account's calendars.\n\n"
    "You open Microsoft's sign-in page on any device and enter the code shown; nothing "
    "needs a browser here. Access is read-only (Calendars.Read, and offline_access to go on "
    "reading). It needs the client id of an app registration that allows public client "
    "flows: --client-id or EXEC_ASSISTANT_MICROSOFT_CLIENT_ID."
)


def add_microsoft_account(
    settings: Settings,
    credentials: CredentialStore,
    console: Console,
    *,
    client_id: str | None = None,
    abort: threading.Event | None = None,
    http_client: HttpClientFactory = default_http_client,
) -> ConnectedAccount:
    """Run the sign-in, telling the person at `console` what to do and what came of it."""
    account = connect_microsoft_account(
        settings,
        credentials,
        show_code=lambda code: show_device_code(console, code),
        client_id=client_id,
        abort=abort,
        http_client=http_client,
    )
    show_connected(console, account)
    return account


def show_device_code(console: Console, code: DeviceCode) -> None:
    minutes = max(code.expires_in // 60, 1)
    console.print(
        safe_markup("To sign in, open [bold]{uri}[/]", uri=code.verification_uri), soft_wrap=True
    )
    console.print(
        safe_markup(
            "and enter the code [bold]{code}[/] (valid for {minutes} minutes).",
            code=code.user_code,
            minutes=minutes,
        )
    )
    console.print("Waiting for the sign-in to complete (Ctrl-C stops; nothing is kept).")


def show_connected(console: Console, account: ConnectedAccount) -> None:
    console.print(
        safe_markup(
            "[green]✓[/] Connected {account}; the authorization is kept in {where}.",
            account=account.account,
            where=account.stored_in,
        )
    )
    if account.listing_problem:
        console.print(
            safe_markup(
                "[yellow]Its calendars could not be listed:[/] {problem}",
                problem=account.listing_problem,
            )
        )
        console.print(f"microsoft:{PRIMARY} reads the account's own calendar.")
        return
    console.print(
        "Add the calendars to read to EXEC_ASSISTANT_CALENDARS (comma-separated) or to "
        "'calendars' in settings.yaml:"
    )
    console.print(safe_markup("  microsoft:{primary}  the account's own calendar", primary=PRIMARY))
    for calendar in account.calendars:
        console.print(safe_text(f"  {calendar.location}"), soft_wrap=True)
        mark = " (the account's own)" if calendar.default else ""
        owner = f", of {calendar.owner}" if calendar.owner and not calendar.default else ""
        console.print(safe_text(f"      {calendar.name}{mark}{owner}", limit=200))


@calendars_add_app.command("microsoft", help=HELP)
def add_microsoft(
    ctx: typer.Context,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            metavar="ID",
            help="The app registration's Application (client) ID "
            "(default: EXEC_ASSISTANT_MICROSOFT_CLIENT_ID).",
        ),
    ] = None,
) -> None:
    settings, _ = load_command_settings(ctx)
    add_microsoft_account(settings, local_credential_store(settings), ui.out, client_id=client_id)
