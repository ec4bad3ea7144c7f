"""A person at the command line: runs `exec-assistant` as a real process on a data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from factories import EXEC, LEADERS, calendar_text, stamp, vevent

ROOT = Path(__file__).resolve().parents[1]


class CliUser:
    def __init__(
        self, tmp: Path, columns: int = 200, environment: Mapping[str, str] | None = None
    ) -> None:
        """`environment`: what the commands inherit (this process's environment unless given)."""
        self.tmp = tmp
        self.data = tmp / "data"
        self.env = {
            **(os.environ if environment is None else environment),
            "EXEC_ASSISTANT_USER_EMAIL": EXEC,
            "EXEC_ASSISTANT_TIMEZONE": "America/New_York",
            "EXEC_ASSISTANT_CONTEXT_DIR": str(ROOT / "examples" / "context"),
            "COLUMNS": str(columns),
        }

    def command(self, *argv: str) -> list[str]:
        return [sys.executable, "-m", "exec_assistant", "--data-dir", str(self.data), *argv]

    def run(
        self, *argv: str, stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """The command, with `env` added to the environment; no keyboard unless `stdin`."""
        return subprocess.run(
            self.command(*argv),
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )

    def ok(self, *argv: str, **env: str) -> str:
        result = self.run(*argv, **env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def json(self, *argv: str, **env: str) -> Any:
        return json.loads(self.ok(*argv, "--json", **env))

    def serve(self, *argv: str, **env: str) -> subprocess.Popen[str]:
        """`serve` in the background, ticking every 0.2 s."""
        return subprocess.Popen(
            self.command("serve", *argv),
            env={**self.env, "EXEC_ASSISTANT_SERVE_TICK_SECONDS": "0.2", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def calendar(self, *events: str) -> Path:
        path = self.tmp / "calendar.ics"
        path.write_text(calendar_text(*events))
        return path

    def leadership_calendar(
        self, title: str = "Leadership team", starts_in: timedelta = timedelta(hours=30)
    ) -> Path:
        """A calendar of one hour-long leadership meeting, `starts_in` from now."""
        start = datetime.now(UTC) + starts_in
        return self.calendar(
            vevent(
                "lt@test",
                title,
                stamp(start),
                stamp(start + timedelta(hours=1)),
                tz=None,
                attendees=LEADERS,
            )
        )

    def meeting_id(self, *argv: str) -> str:
        return str(self.json("meetings", *argv)[0]["meeting_id"])
