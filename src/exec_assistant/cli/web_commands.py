"""The web page's command: a new sign-in link for the `serve` that is running."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from exec_assistant.bootstrap import new_sign_in_link
from exec_assistant.cli.common import JsonOption, app, load_command_settings, print_json, ui
from exec_assistant.domain.sign_in_links import LINK_LIFETIME, LONGEST_LINK_LIFETIME
from exec_assistant.domain.text import plural

LONGEST_MINUTES = int(LONGEST_LINK_LIFETIME.total_seconds() // 60)


@app.command("sign-in-link")
def sign_in_link(
    ctx: typer.Context,
    minutes: Annotated[
        int,
        typer.Option(
            "--minutes",
            metavar="N",
            min=1,
            max=LONGEST_MINUTES,
            help="How long the link works, in minutes (it works once).",
        ),
    ] = int(LINK_LIFETIME.total_seconds() // 60),
    as_json: JsonOption = False,
) -> None:
    """Make a new one-time link that signs a browser in to the web page.

    For another browser, or when the link serve printed at its start was used or has
    expired. Run it on the machine 'exec-assistant serve --http-port' runs on, with the same
    data folder: the link is for that serve's address, and works until it stops.
    """
    settings, _ = load_command_settings(ctx)
    link = new_sign_in_link(settings.data_dir, timedelta(minutes=minutes))
    if as_json:
        print_json({"sign_in_url": link.url, "expires_at": link.expires_at.isoformat()})
        return
    until = link.expires_at.astimezone(settings.zone)
    ui.out.print(
        f"Open {link.url} to sign in: it works once, within {plural(minutes, 'minute')} "
        f"(until {until:%a %d %b %H:%M} {settings.zone.key}).",
        soft_wrap=True,
        markup=False,
        highlight=False,
    )
