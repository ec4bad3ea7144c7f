"""The doctor command: is every configured integration working, and what to fix."""

from __future__ import annotations

from typing import Annotated

import typer

from exec_assistant.bootstrap import build_doctors, build_local, secret_store
from exec_assistant.cli.common import (
    JsonOption,
    app,
    load_command_settings,
    make_clock,
    print_json,
    ui,
)
from exec_assistant.presentation.doctor import doctor_json, doctor_view
from exec_assistant.services.doctor import run_doctors


@app.command()
def doctor(
    ctx: typer.Context,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=1,
            max=300,
            help="How long the checks may take in all (they run side by side).",
        ),
    ] = 20,
    as_json: JsonOption = False,
) -> None:
    """Check every configured integration and say what to fix.

    For each calendar (file, URL, Google, Microsoft 365), each kind of context (its exported
    file, or the system context.yaml names: AWS Cost Explorer, PagerDuty, Opsgenie, Jira,
    Greenhouse), the action-item tracker, and Slack: the credentials are there and accepted,
    the service answers, the scopes or permissions are right, and this machine's clock
    agrees with the server's. Nothing is changed. Exit status 1 when a check failed.
    """
    settings, _ = load_command_settings(ctx)
    clock = make_clock(None, settings)
    local = build_local(settings, command="doctor", exclusive=False)
    try:
        doctors = build_doctors(local, clock, secret_store())
        with ui.err.status(f"Checking {len(doctors)} integrations…"):
            report = run_doctors(doctors, timeout)
    finally:
        local.close()
    if as_json:
        print_json(doctor_json(report))
    else:
        ui.out.print(doctor_view(report, ui.out.width))
    if not report.healthy:
        raise typer.Exit(1)
