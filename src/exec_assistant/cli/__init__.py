"""The `exec-assistant` command."""

from __future__ import annotations

import os
import sys
import threading

import click

from exec_assistant.cli import calendar_commands, demo_command, followup_commands, prep_commands
from exec_assistant.cli.common import app, ui
from exec_assistant.domain.errors import ExecAssistantError

# The command modules register their commands on `app` when imported.
COMMAND_MODULES = (calendar_commands, prep_commands, followup_commands, demo_command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors the user can fix are printed plainly, never as a traceback."""
    ui.reset()
    try:
        code = app(args=argv, prog_name="exec-assistant", standalone_mode=False)
    except ExecAssistantError as exc:
        ui.err.print(f"[red]error:[/] {exc.message}", highlight=False)
        if exc.hint:
            ui.err.print(exc.hint, highlight=False)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
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
