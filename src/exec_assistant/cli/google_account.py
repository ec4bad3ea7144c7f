"""`exec-assistant calendars add google`: connect a Google account and list its calendars."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from exec_assistant.bootstrap import local_credential_store
from exec_assistant.calendars.google.account import (
    ConnectedAccount,
    ConsentOptions,
    connect_google_account,
)
from exec_assistant.cli.common import calendars_add_app, load_command_settings, ui
from exec_assistant.display_text import TITLE_LIMIT, safe_text
from exec_assistant.ports import CredentialStore
from exec_assistant.settings import Settings

HELP = (
    "Authorize exec-assistant to read your Google calendars (read-only: the "
    "calendar.readonly scope).\n\n"
    "Google's consent page opens in your browser; once you allow access, the authorization "
    "is kept in your credential store and renewed by itself. The account's calendars are "
    "then listed, each with the google:<id> line to put in EXEC_ASSISTANT_CALENDARS or "
    "under 'calendars:' in settings.yaml. Run it again when the authorization has expired "
    "or was revoked."
)


@calendars_add_app.command("google", help=HELP)
def add_google(
    ctx: typer.Context,
    client_secrets: Annotated[
        Path,
        typer.Option(
            "--client-secrets",
            metavar="FILE",
            help="The JSON of your OAuth client of type 'Desktop app' "
            "(Google Cloud console: APIs & Services → Credentials → Download JSON).",
            show_default=False,
        ),
    ],
    no_browser: Annotated[
        bool,
        typer.Option(
            "--no-browser",
            help="Print the address of Google's consent page instead of opening it "
            "(for a machine without a browser: open it on this machine's localhost).",
        ),
    ] = False,
    port: Annotated[
        int,
        typer.Option(
            "--port",
            min=0,
            max=65535,
            help="The localhost port Google's consent page sends you back to (0: any free one).",
        ),
    ] = 0,
) -> None:
    settings, _ = load_command_settings(ctx)
    store = local_credential_store(settings)
    account = connect(settings, store, client_secrets, open_browser=not no_browser, port=port)
    print_account(account, ui.out)


def connect(
    settings: Settings,
    store: CredentialStore,
    client_secrets: Path,
    *,
    open_browser: bool,
    port: int,
) -> ConnectedAccount:
    return connect_google_account(
        ConsentOptions(
            client_secrets=client_secrets.expanduser(),
            port=port,
            open_browser=open_browser,
            show_url=_show_url,
        ),
        store,
        api_endpoint=settings.google_api_endpoint,
        http_timeout_seconds=settings.http_timeout_seconds,
        max_bytes=int(settings.calendar_max_mb * 1024 * 1024),
    )


def _show_url(url: str) -> None:
    ui.out.print("Open this address in a browser to let exec-assistant read your calendars:")
    # Whole, on a line of its own, never wrapped: it is copied as it is.
    ui.out.print(Text(url), soft_wrap=True, overflow="ignore", crop=False)
    ui.out.print("Waiting for Google's answer (Ctrl-C to stop)…")


def print_account(account: ConnectedAccount, out: Console) -> None:
    who = f" {account.address}" if account.address else ""
    out.print(
        Text.assemble(
            ("Connected", "green"),
            f" the Google account{who}; the authorization is kept in {account.stored_in}.",
        )
    )
    if account.listing_problem is not None:
        out.print(
            safe_text(f"Its calendars cannot be listed now: {account.listing_problem}."),
            "Add google:primary to EXEC_ASSISTANT_CALENDARS for your own calendar.",
        )
        return
    out.print(
        "To sync a calendar, put its google:<id> in EXEC_ASSISTANT_CALENDARS "
        "(comma-separated) or under 'calendars:' in settings.yaml:"
    )
    for calendar in account.calendars:
        label = calendar.summary or calendar.calendar_id
        note = " (yours)" if calendar.primary else ""
        out.print(Text("  ") + safe_text(calendar.location))
        out.print(Text("      ") + safe_text(label, limit=TITLE_LIMIT) + Text(note, "dim"))
