"""What `calendars add google` prints once the account is connected: the google:<id> line
of each calendar, readable at 80 columns, whatever the calendars are called."""

from __future__ import annotations

import io

from rich.console import Console

from exec_assistant.calendars.google.account import AccountCalendar, ConnectedAccount
from exec_assistant.cli.google_account import print_account


def shown(account: ConnectedAccount) -> str:
    out = io.StringIO()
    print_account(account, Console(file=out, width=80, color_system=None))
    return out.getvalue()


def test_each_calendar_is_listed_with_the_line_that_syncs_it() -> None:
    text = shown(
        ConnectedAccount(
            "the system keyring",
            [
                AccountCalendar("exec@northwind.example", "exec@northwind.example", True, "owner"),
                AccountCalendar(
                    "c_0123456789abcdef0123456789abcdef0123456789abcdef@group.calendar.google.com",
                    "Board [link=https://evil.example]meetings[/link] \x1b[2J\u202e",
                    False,
                    "reader",
                ),
            ],
        )
    )
    lines = [line.rstrip() for line in text.splitlines()]
    assert lines[0] == (
        "Connected the Google account exec@northwind.example; the authorization is kept"
    )
    assert "  google:exec@northwind.example" in lines
    assert (
        "  google:c_0123456789abcdef0123456789abcdef0123456789abcdef@group.calendar.google.com"
        in text.replace("\n", "")
    )
    assert "[link=https://evil.example]meetings[/link]" in text  # shown, not obeyed
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text and "(yours)" in text


def test_a_connected_account_whose_calendars_cannot_be_listed_says_what_to_add() -> None:
    text = shown(ConnectedAccount("a file", [], listing_problem="Google Calendar answered 503"))
    assert "cannot be listed now: Google Calendar answered 503." in text
    assert "google:primary" in text
