"""The usage command: what the model calls cost."""

from __future__ import annotations

from typing import Annotated

import typer

from exec_assistant.cli.common import (
    JsonOption,
    NowOption,
    app,
    load_command_settings,
    make_clock,
    print_json,
    ui,
)
from exec_assistant.cli.runtimes import Runtime, RuntimeOption, open_records
from exec_assistant.presentation.usage import usage_json, usage_view
from exec_assistant.services.usage import days_back, month_start, usage_report

MAX_DAYS = 3660


@app.command()
def usage(
    ctx: typer.Context,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            metavar="N",
            min=1,
            max=MAX_DAYS,
            help="The last N days, today included (default: the month to date).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    now: NowOption = None,
    runtime: RuntimeOption = Runtime.LOCAL,
) -> None:
    """Show the model calls made and what they cost: per day, per meeting type and purpose.

    A call counts on the day it was made (a pack written on Friday for Monday's meeting counts
    on Friday). Costs are at the prices in model_prices.yaml when each call was made; calls to
    a model with no price are counted and marked.
    """
    settings, _ = load_command_settings(ctx)
    zone = settings.zone
    instant = make_clock(now, settings, running=False).now()
    start = days_back(instant, zone, days) if days else month_start(instant, zone)
    with open_records(settings, runtime, "usage") as records:
        report = usage_report(
            records.meetings, records.config.catalog, start, instant, zone, instant
        )
    if as_json:
        print_json(usage_json(report))
        return
    ui.out.print(usage_view(report, ui.out.width))
