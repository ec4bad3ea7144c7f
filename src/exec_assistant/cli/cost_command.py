"""The cost command: what a stack of the AWS deployment costs a month."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from exec_assistant.cli.common import JsonOption, app, print_json, ui
from exec_assistant.configuration import load_aws_prices, load_meeting_types, load_model_prices
from exec_assistant.costing.estimate import Prices, cost_report
from exec_assistant.costing.usage import answers_per_meeting
from exec_assistant.domain.errors import UsageError
from exec_assistant.presentation.cost import cost_json, cost_view
from exec_assistant.stack_settings import MAX_MEETINGS_PER_MONTH, STACKS, settings_of_stack_file


@app.command()
def cost(
    ctx: typer.Context,
    stack: Annotated[
        str, typer.Option("--stack", metavar="STACK", help=f"One of {', '.join(STACKS)}.")
    ] = "prod",
    meetings_per_month: Annotated[
        int | None,
        typer.Option(
            "--meetings-per-month",
            metavar="N",
            help="Meetings prepared a month (default: the stack's meetingsPerMonth, 100).",
            show_default=False,
        ),
    ] = None,
    infra_dir: Annotated[
        Path,
        typer.Option("--infra-dir", help="The Pulumi project folder with Pulumi.<stack>.yaml."),
    ] = Path("infra"),
    as_json: JsonOption = False,
) -> None:
    """Estimate a stack's monthly AWS bill, line by line, from its Pulumi.<stack>.yaml.

    Shows each line's usage and the unit price assumed, the total beside the
    specification's ~$176, and the config changes that would spend less, each with what it
    saves and what it gives up.
    """
    if meetings_per_month is not None and not 0 <= meetings_per_month <= MAX_MEETINGS_PER_MONTH:
        raise UsageError(
            f"invalid --meetings-per-month {meetings_per_month}: a count of meetings, "
            f"0 to {MAX_MEETINGS_PER_MONTH:,}"
        )
    if stack not in STACKS:
        raise UsageError(
            f"unknown stack '{stack}'",
            hint=f"Use --stack with one of {', '.join(STACKS)} (infra/Pulumi.<stack>.yaml).",
        )
    settings = settings_of_stack_file(infra_dir / f"Pulumi.{stack}.yaml")
    if meetings_per_month is not None:
        settings = settings.model_copy(update={"meetings_per_month": meetings_per_month})
    config_dir = ctx.obj.config_dir if ctx.obj is not None else None
    model_prices, _ = load_model_prices(config_dir)
    catalog, _ = load_meeting_types(config_dir)
    report = cost_report(
        stack, settings, Prices(load_aws_prices(), model_prices), answers_per_meeting(catalog)
    )
    if as_json:
        print_json(cost_json(report))
        return
    ui.out.print(cost_view(report, ui.out.width))
