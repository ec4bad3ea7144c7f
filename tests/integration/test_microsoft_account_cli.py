"""What `calendars add microsoft` shows: where to sign in, then the calendars to configure,
readable at 80 columns and with nothing from the account taken as markup."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console

from exec_assistant.cli.microsoft_account import add_microsoft_account

from graph_calendar_api import OWNER, GraphCalendarApi
from graph_world import GraphWorld


@pytest.fixture
def graph() -> Iterator[GraphCalendarApi]:
    with GraphCalendarApi() as api:
        api.calendar(
            "AAMkAGI2TGuLAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            name="Board [red]calendar[/red] \x1b[2J",
            owner=("Sam Boss", "sam@northwind.example"),
        )
        yield api


def test_the_code_then_the_calendars_to_configure(graph: GraphCalendarApi) -> None:
    world = GraphWorld(graph, connected=False)
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)

    add_microsoft_account(world.settings, world.credentials, console, http_client=world.http_client)

    lines = out.getvalue().splitlines()
    assert lines[0] == "To sign in, open https://microsoft.com/devicelogin"
    assert lines[1].startswith("and enter the code ") and lines[1].endswith(
        " (valid for 15 minutes)."
    )
    assert f"✓ Connected {OWNER[1]}; the authorization is kept in memory." in lines
    assert "  microsoft:primary  the account's own calendar" in lines
    assert "  microsoft:AAMkAGI2TGuLAAA=" in lines
    assert "      Calendar (the account's own)" in lines
    long_id = next(line for line in lines if line.startswith("  microsoft:AAMkAGI2TGuLAAAAA"))
    assert long_id.endswith("A=")  # a long id on a line of its own, whole, to copy
    name = lines[lines.index(long_id) + 1]
    assert name.startswith("      Board [red]calendar[/red] ") and "\x1b" not in name
    assert name.endswith(", of sam@northwind.example")
    assert all(len(line) <= 80 for line in lines if "microsoft:AAMk" not in line)
