"""`answer` and `prep --retry` hand their work to a running `serve` when the data folder is
held. When it is held by something else (a slow `sync`, a `demo`), no `serve` will continue
the prep, and the command must not say one does. Two demos at once must not wipe each other.
Real processes on a data folder."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.adapters.local.data_folder import DataFolder

from cli_user import CliUser


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path, columns=200)


def _waiting_prep(user: CliUser) -> str:
    calendar = user.leadership_calendar()
    user.ok("sync", "-c", str(calendar))
    meeting_id = user.meeting_id()
    user.ok("prep", meeting_id)  # asks, and stops while it waits for the answers
    return meeting_id


def test_answer_while_a_sync_holds_the_folder_does_not_say_serve_continues(
    user: CliUser,
) -> None:
    meeting_id = _waiting_prep(user)
    answers = user.tmp / "answers.yaml"
    answers.write_text("- Ship it\n")
    holder = DataFolder(user.data)
    holder.acquire("sync")  # as a `sync` reading a slow calendar does
    try:
        answered = user.run("answer", meeting_id, "--answers", str(answers))
    finally:
        holder.release()
    said = " ".join((answered.stdout + answered.stderr).split())
    assert "running 'exec-assistant serve'" not in said, said


def test_prep_retry_while_a_sync_holds_the_folder_does_not_say_serve_retries(
    user: CliUser,
) -> None:
    calendar = user.leadership_calendar()
    user.ok("sync", "-c", str(calendar))
    meeting_id = user.meeting_id()
    answers = user.tmp / "answers.yaml"
    answers.write_text("- Ship it\n")
    # Every write to /dev/full fails: the prep fails, to be retried.
    user.run("prep", meeting_id, "--answers", str(answers), EXEC_ASSISTANT_OUTBOX="/dev/full")
    assert user.json("meetings")[0]["status"] == "failed"
    holder = DataFolder(user.data)
    holder.acquire("sync")
    try:
        retried = user.run("prep", meeting_id, "--retry")
    finally:
        holder.release()
    said = " ".join((retried.stdout + retried.stderr).split())
    assert "running 'exec-assistant serve'" not in said, said


def test_a_second_demo_does_not_empty_the_folder_of_one_still_running(user: CliUser) -> None:
    first = subprocess.Popen(
        user.command("demo"),
        env=user.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        lock = user.data / ".lock"
        while not (lock.exists() and "demo" in lock.read_text()):
            assert datetime.now(UTC) < deadline and first.poll() is None
            time.sleep(0.05)
        second = user.run("demo")
        _out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    assert second.returncode != 0 or "Traceback" not in second.stderr
