"""`exec-assistant serve --http-port 0` with Slack, killed with -9 while Slack holds the
answer to the pack's post, then started again: the pack reaches the thread once, its file
once, and the prep ends ready."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest

from exec_assistant.slack import blocks

from factories import EXEC, LEADERS, calendar_text, stamp, vevent
from slack_api import SlackApiServer
from slack_payloads import button, post
from slack_requests import EXEC_USER, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class HangingSlack(SlackApiServer):
    """Takes the pack's post, then holds its answer until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    def _handle(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        answer = super()._handle(method, params, headers)
        if method == "chat.postMessage" and str(params.get("text", "")).startswith("Prep pack"):
            self.holding.set()
            self.release.wait(30)
        return answer


def wait_until(check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_killed_while_slack_holds_the_pack_sends_it_once_after_restart(
    tmp_path: Path,
) -> None:
    start = datetime.now(UTC) + timedelta(minutes=110)
    calendar = tmp_path / "calendar.ics"
    calendar.write_text(
        calendar_text(
            vevent(
                "lt@test",
                "Leadership team",
                stamp(start),
                stamp(start + timedelta(hours=1)),
                tz=None,
                attendees=LEADERS,
            )
        )
    )
    with HangingSlack() as slack:
        env = {
            **os.environ,
            "EXEC_ASSISTANT_USER_EMAIL": EXEC,
            "EXEC_ASSISTANT_TIMEZONE": "America/New_York",
            "EXEC_ASSISTANT_CALENDARS": str(calendar),
            "EXEC_ASSISTANT_CONTEXT_DIR": str(ROOT / "examples" / "context"),
            "EXEC_ASSISTANT_SERVE_TICK_SECONDS": "0.2",
            "EXEC_ASSISTANT_SLACK_USER_ID": EXEC_USER,
            "EXEC_ASSISTANT_SLACK_API_URL": slack.base_url,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        }
        command = [
            sys.executable,
            "-m",
            "exec_assistant",
            "-v",
            "--data-dir",
            str(tmp_path / "data"),
            "serve",
            "--json",
            "--http-port",
            "0",
        ]
        processes: list[subprocess.Popen[str]] = []

        def serve() -> tuple[subprocess.Popen[str], str]:
            log: IO[str] = (tmp_path / f"serve-{len(processes)}.err").open("w")
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=log, text=True
            )
            processes.append(process)
            assert process.stdout is not None
            for line in process.stdout:
                event = json.loads(line)
                if event["kind"] == "slack":
                    return process, str(event["url"])
            raise AssertionError((tmp_path / f"serve-{len(processes) - 1}.err").read_text())

        try:
            first, url = serve()
            dm = slack.dm_of(EXEC_USER)
            [root] = wait_until(lambda: slack.messages_in(dm), "the prep questions")
            meeting_id = next(
                element["value"]
                for block in root["blocks"]
                if block["type"] == "actions"
                for element in block["elements"]
                if element["action_id"] == blocks.ACTION_USE_DEFAULTS
            )
            port = int(url.rsplit(":", 1)[1].split("/")[0])
            click = button(
                EXEC_USER,
                blocks.ACTION_USE_DEFAULTS,
                meeting_id,
                channel=dm,
                message_ts=root["ts"],
                response_url=slack.response_url("r1"),
            )
            assert post(port, click)[0] == 200
            assert slack.holding.wait(60), "the pack was never posted"
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            slack.release.set()

            serve()  # again, on the same data folder
            wait_until(slack.uploaded, "the pack file", seconds=90)
            time.sleep(1)  # anything doubled would be posted by now
            thread = slack.messages_in(dm, root["ts"])
            packs = [m for m in thread if str(m.get("text")).startswith("Prep pack")]
            assert len(packs) == 1, [m.get("text") for m in thread]
            assert len(slack.uploaded()) == 1
            assert len(slack.messages_in(dm)) == 1  # everything else in the thread
            logged = "".join(p.read_text() for p in sorted(tmp_path.glob("serve-*.err")))
            assert "slack request" in logged  # logged at INFO (-v)
            assert "Leadership team" not in logged  # ids and counts only, never a title
            assert "will be unused" not in logged  # no warning about the token the client has
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
                    try:
                        process.wait(20)
                    except subprocess.TimeoutExpired:
                        process.kill()
