"""The `exec-assistant` command."""

from __future__ import annotations

import os
import sys
import threading

from rich.text import Text
from typer.exceptions import Abort, Exit, TyperException

from exec_assistant.cli import (
    calendar_accounts,
    calendar_commands,
    cost_command,
    demo_command,
    doctor_command,
    followup_commands,
    google_account,
    microsoft_account,
    prep_commands,
    slack_commands,
    usage_command,
    web_commands,
)
from exec_assistant.cli.common import app, ui
from exec_assistant.cli.help_text import rewrap_help
from exec_assistant.display_text import safe_text
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.text import without_passwords

# The command modules register their commands on `app` when imported.
COMMAND_MODULES = (
    calendar_accounts,
    calendar_commands,
    prep_commands,
    followup_commands,
    usage_command,
    cost_command,
    demo_command,
    doctor_command,
    google_account,
    microsoft_account,
    slack_commands,
    web_commands,
)
rewrap_help(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors the user can fix are printed plainly, never as a traceback."""
    ui.reset()
    try:
        code = app(args=argv, prog_name="exec-assistant", standalone_mode=False)
    except ExecAssistantError as exc:
        # Messages name titles, paths and values from outside: shown as text, never markup.
        # A calendar URL may carry a password: never shown, whatever the message quotes.
        message = without_passwords(exc.message)
        ui.err.print(Text.assemble(("error: ", "red"), safe_text(message, multiline=True)))
        if exc.hint:
            ui.err.print(safe_text(without_passwords(exc.hint), multiline=True))
        return exc.exit_code
    except Exit as exc:
        return int(exc.exit_code or 0)
    except TyperException as exc:
        # Typer bundles its own click: usage errors (no command, an unknown one, a missing
        # argument) are its exceptions, shown with the usage line, exit status 2.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            ui.err.print(safe_text(exc.format_message()))
        if exc.exit_code == 2 and getattr(exc, "ctx", None) is None:
            ui.err.print("Try 'exec-assistant --help' for the commands and their options.")
        return exc.exit_code
    except Abort:
        ui.err.print("aborted")
        return 130
    except KeyboardInterrupt:
        ui.err.print("interrupted")
        return 130
    return code if isinstance(code, int) else 0


def run() -> None:
    code = main()
    # A prep that waits (for answers, for its reminder) keeps a worker thread blocked. Its state
    # is durable and it resumes in the next `serve`, so the process does not wait for it.
    lingering = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    if lingering:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


__all__ = ["app", "main", "run"]
