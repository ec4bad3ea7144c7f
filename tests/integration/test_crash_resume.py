"""kill -9 of `serve` at the three risky moments; on restart each prep resumes where it
stopped, nothing is sent twice and nothing is lost. Real processes, real DBOS, real files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from factories import EXEC, LEADERS, calendar_text, stamp, vevent

ROOT = Path(__file__).resolve().parents[2]
BUDGET = (ROOT / "examples" / "context" / "budget.yaml").read_text()
PEOPLE = LEADERS
# How far ahead the final reminder falls when serve starts: room for the questions and the
# pack on a loaded machine, before the process is killed in its sleep until the reminder.
REMINDER_IN_SECONDS = 20
pytestmark = pytest.mark.slow


class Serve:
    """`exec-assistant serve` on a data folder, started and killed like a real process."""

    def __init__(
        self,
        tmp: Path,
        outbox: Path,
        context: Path,
        answers: Path | None,
        start_in: timedelta = timedelta(minutes=110),  # prep due now, no final reminder
    ) -> None:
        self.tmp = tmp
        self.data = tmp / "data"
        calendar = tmp / "calendar.ics"
        start = datetime.now(UTC) + start_in
        self.reminder_due = start - timedelta(hours=2)
        calendar.write_text(
            calendar_text(
                vevent(
                    "lt@test",
                    "Leadership team",
                    stamp(start),
                    stamp(start + timedelta(hours=1)),
                    tz=None,
                    attendees=PEOPLE,
                )
            )
        )
        self.env = {
            **os.environ,
            "EXEC_ASSISTANT_USER_EMAIL": EXEC,
            "EXEC_ASSISTANT_TIMEZONE": "America/New_York",
            "EXEC_ASSISTANT_CALENDARS": str(calendar),
            "EXEC_ASSISTANT_CONTEXT_DIR": str(context),
            "EXEC_ASSISTANT_OUTBOX": str(outbox),
            "EXEC_ASSISTANT_SERVE_TICK_SECONDS": "0.2",
            "EXEC_ASSISTANT_PROVIDER_TIMEOUT_SECONDS": "60",
        }
        self.answers = answers
        self.extra: list[str] = []
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def command(self, *argv: str) -> list[str]:
        return [sys.executable, "-m", "exec_assistant", "--data-dir", str(self.data), *argv]

    def start(self) -> None:
        self.runs += 1
        log = (self.tmp / f"serve-{self.runs}.log").open("wb")
        extra = ["--answers", str(self.answers)] if self.answers else []
        self.process = subprocess.Popen(
            self.command("serve", *extra, *self.extra),
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def meeting(self) -> dict[str, object]:
        result = subprocess.run(
            self.command("meetings", "--json"),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        meetings = json.loads(result.stdout)
        assert len(meetings) == 1
        return meetings[0]  # type: ignore[no-any-return]

    def workflow_states(self) -> str:
        """'finished' once the meeting's prep workflow has ended, as DBOS recorded it."""
        workflow_id = str(self.meeting()["workflow_id"])
        with sqlite3.connect(self.data / "workflows.sqlite3") as conn:
            rows = conn.execute(
                "SELECT status FROM workflow_status WHERE workflow_uuid = ?", (workflow_id,)
            ).fetchall()
        return "finished" if rows and rows[0][0] in ("SUCCESS", "ERROR") else "running"

    def log(self) -> str:
        return "\n".join(
            (self.tmp / f"serve-{n}.log").read_text(errors="replace")
            for n in range(1, self.runs + 1)
        )


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def kinds(outbox: Path) -> list[str]:
    if not outbox.is_file():
        return []
    return [json.loads(line)["kind"] for line in outbox.read_text().splitlines() if line]


@pytest.fixture
def make_serve(tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    made: list[Serve] = []

    def make(outbox: Path, context: Path, answers: Path | None = None, **more: object) -> Serve:
        serve = Serve(tmp_path, outbox, context, answers, **more)  # type: ignore[arg-type]
        made.append(serve)
        return serve

    yield make
    for serve in made:
        serve.stop()


def test_killed_while_waiting_for_answers(tmp_path: Path, make_serve: Callable[..., Serve]) -> None:
    outbox = tmp_path / "outbox.jsonl"
    serve = make_serve(outbox, ROOT / "examples" / "context")
    serve.start()
    wait_until(lambda: kinds(outbox) == ["questions"], "the questions")
    serve.kill()
    serve.start()
    meeting = serve.meeting()
    assert meeting["status"] == "notified"
    answers = tmp_path / "answers.yaml"
    answers.write_text("- Close the capacity plan\n- Datadog\n")
    delivered = subprocess.run(
        serve.command("answer", str(meeting["meeting_id"]), "--answers", str(answers)),
        env=serve.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert delivered.returncode == 0, delivered.stderr
    assert "the running 'exec-assistant serve' continues the prep" in delivered.stdout
    wait_until(lambda: "pack" in kinds(outbox), "the pack", 60)
    assert kinds(outbox) == ["questions", "pack"], serve.log()
    assert serve.meeting()["status"] == "materials_ready"
    questions = json.loads(
        (serve.data / "meetings" / str(meeting["meeting_id"]) / "questions.json").read_text()
    )
    assert questions["answers_received"] is True


def test_killed_while_gathering_context(tmp_path: Path, make_serve: Callable[..., Serve]) -> None:
    context = tmp_path / "context"
    context.mkdir()
    for name in ("big_rocks.yaml", "incidents.csv", "staffing.yaml"):
        (context / name).write_text((ROOT / "examples" / "context" / name).read_text())
    # A named pipe: reading the budget blocks until the test writes it, so the kill lands
    # while the prep is gathering context.
    os.mkfifo(context / "budget.yaml")
    answers = tmp_path / "answers.yaml"
    answers.write_text("meetings:\n  leadership_team: [Ship it]\n")
    outbox = tmp_path / "outbox.jsonl"
    serve = make_serve(outbox, context, answers)
    serve.start()
    wait_until(lambda: kinds(outbox) == ["questions"], "the questions")
    wait_until(lambda: serve.meeting()["status"] == "answered", "the answers")
    time.sleep(0.5)  # the budget provider is now blocked on the pipe
    serve.kill()
    meeting_id = str(serve.meeting()["meeting_id"])
    assert not (serve.data / "meetings" / meeting_id / "agenda.json").exists()
    serve.start()

    def feed_budget() -> None:
        with (context / "budget.yaml").open("w") as pipe:
            pipe.write(BUDGET)

    feeder = threading.Thread(target=feed_budget, daemon=True)
    feeder.start()
    wait_until(lambda: "pack" in kinds(outbox), "the pack", 60)
    assert kinds(outbox) == ["questions", "pack"], serve.log()
    gathered = json.loads((serve.data / "meetings" / meeting_id / "context.json").read_text())
    budget = next(s for s in gathered["sources"] if s["provider"] == "budget")
    assert budget["available"], budget
    assert any("Cloud compute" in fact for fact in budget["facts"])


def test_killed_between_writing_the_pack_and_sending_it(
    tmp_path: Path, make_serve: Callable[..., Serve]
) -> None:
    # The outbox is a named pipe: sending blocks until the test reads it.
    outbox = tmp_path / "outbox.pipe"
    os.mkfifo(outbox)
    received: list[str] = []

    def read_one() -> None:
        with outbox.open() as pipe:
            received.append(json.loads(pipe.readline())["kind"])

    answers = tmp_path / "answers.yaml"
    answers.write_text("meetings:\n  leadership_team: [Ship it]\n")
    serve = make_serve(outbox, ROOT / "examples" / "context", answers)
    reader = threading.Thread(target=read_one, daemon=True)
    reader.start()
    serve.start()
    reader.join(timeout=60)
    assert received == ["questions"]
    pack_dir = serve.data / "meetings"
    wait_until(lambda: any(pack_dir.glob("*/agenda.json")), "the pack to be written")
    time.sleep(0.5)  # now blocked sending the pack: nobody reads the pipe
    serve.kill()
    assert serve.meeting()["status"] == "answered"  # written, not sent
    written = next(pack_dir.glob("*/agenda.json")).read_bytes()

    def read_rest() -> None:
        with outbox.open() as pipe:
            for line in pipe:
                received.append(json.loads(line)["kind"])
                if received[-1] == "pack":
                    return

    reader = threading.Thread(target=read_rest, daemon=True)
    reader.start()
    serve.start()
    reader.join(timeout=60)
    assert received == ["questions", "pack"], serve.log()
    wait_until(lambda: serve.meeting()["status"] == "materials_ready", "materials_ready")
    assert next(pack_dir.glob("*/agenda.json")).read_bytes() == written


def test_the_final_reminder_survives_a_restart(
    tmp_path: Path, make_serve: Callable[..., Serve]
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("meetings:\n  leadership_team: [Ship it]\n")
    outbox = tmp_path / "outbox.jsonl"
    # The reminder is due 2 hours before the start: 10 seconds from now.
    serve = make_serve(
        outbox,
        ROOT / "examples" / "context",
        answers,
        start_in=timedelta(hours=2, seconds=REMINDER_IN_SECONDS),
    )
    serve.start()
    wait_until(lambda: "pack" in kinds(outbox), "the pack")
    serve.kill()  # while the prep sleeps until the reminder
    assert "reminder" not in kinds(outbox), "the pack took longer than the reminder's lead"
    serve.start()
    wait_until(lambda: "reminder" in kinds(outbox), "the reminder", 60)
    assert kinds(outbox) == ["questions", "pack", "reminder"], serve.log()
    wait_until(lambda: serve.meeting()["status"] == "reminded", "reminded")


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        (timedelta(0), "sent"),  # restarted just after its time
        (timedelta(minutes=40), "late"),  # the clock says the reminder is 40 minutes overdue
        (timedelta(hours=2, minutes=5), "skipped"),  # the meeting has begun
    ],
    ids=["just-after", "late", "after-the-start"],
)
def test_serve_restarted_after_the_reminders_time(
    tmp_path: Path, make_serve: Callable[..., Serve], shift: timedelta, expected: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("meetings:\n  leadership_team: [Ship it]\n")
    outbox = tmp_path / "outbox.jsonl"
    serve = make_serve(
        outbox,
        ROOT / "examples" / "context",
        answers,
        start_in=timedelta(hours=2, seconds=REMINDER_IN_SECONDS),
    )
    serve.start()
    wait_until(lambda: "pack" in kinds(outbox), "the pack")
    serve.kill()  # asleep until the reminder
    assert "reminder" not in kinds(outbox), "the pack took longer than the reminder's lead"
    # Its time passes while nothing runs.
    time.sleep(max(0.0, (serve.reminder_due - datetime.now(UTC)).total_seconds()) + 1)
    if shift:
        now = datetime.now(UTC) + shift
        serve.extra = ["--now", now.isoformat()]
    serve.start()
    if expected == "skipped":
        wait_until(lambda: "finished" in serve.workflow_states(), "the prep to finish", 60)
        assert kinds(outbox) == ["questions", "pack"], serve.log()
        assert serve.meeting()["status"] == "materials_ready"
    else:
        wait_until(lambda: "reminder" in kinds(outbox), "the reminder", 60)
        assert kinds(outbox) == ["questions", "pack", "reminder"], serve.log()
        reminder = json.loads(outbox.read_text().splitlines()[-1])
        assert reminder["late"] is (expected == "late")
        wait_until(lambda: serve.meeting()["status"] == "reminded", "reminded")
    assert "Traceback" not in serve.log() and "Error" not in serve.log()
