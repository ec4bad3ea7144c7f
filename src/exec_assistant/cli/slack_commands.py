"""Slack commands: the app manifest to paste into Slack."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from exec_assistant.cli.common import app

slack_app = typer.Typer(help="Set up the Slack app.", no_args_is_help=True)
app.add_typer(slack_app, name="slack")


@slack_app.command("manifest")
def slack_manifest(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The public https address of `serve --http-port` or the API Gateway "
            "(/slack/events is added when no path is given).",
        ),
    ] = None,
    socket_mode: Annotated[
        bool,
        typer.Option("--socket-mode", help="For `serve --socket-mode`: no public URL needed."),
    ] = False,
    web_url: Annotated[
        str | None,
        typer.Option(
            "--web-url",
            help="The web page's public https address on AWS (WEB_URL): adds Sign in with "
            "Slack (its redirect URL and the openid, profile and email user scopes).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of YAML.")] = False,
) -> None:
    """Print the Slack app manifest: paste it at api.slack.com/apps → Create New App → From a
    manifest."""
    from exec_assistant.slack.manifest import manifest_yaml, render_manifest

    manifest = render_manifest(url=url, socket_mode=socket_mode, web_url=web_url)
    # Plain output, not Rich: the text must paste exactly (Rich would read [..] as markup).
    typer.echo(json.dumps(manifest, indent=2) if as_json else manifest_yaml(manifest), nl=False)
