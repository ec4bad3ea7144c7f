"""What a careless or hostile user hits: usage mistakes, damaged files, markup and escape
sequences in calendar text, a channel that breaks, end of input at the prompt. Real processes
on a data folder."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import stat
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exec_assistant.cli import main

from cli_user import CliUser

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT / "examples" / "notes"
HOSTILE = "[/bold][link=https://evil.example]Board[/link] \x1b[2J\u202eevil"


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path, columns=120)


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        ([], "Usage: exec-assistant [OPTIONS] COMMAND"),
        (["bogus"], "No such command 'bogus'"),
        (["classify"], "Missing argument"),
        (["sync", "--bogus"], "No such option: --bogus"),
        (["meetings", "--from"], "requires an argument"),
        (["config"], "Usage: exec-assistant config [OPTIONS] COMMAND"),
    ],
)
def test_every_usage_error_prints_the_usage_and_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], shown: str
) -> None:
    code = main(argv)
    captured = capsys.readouterr()
    both = captured.out + captured.err
    assert code == 2
    assert shown in both
    assert "Usage:" in both or "Try 'exec-assistant --help'" in captured.err
    assert "Traceback" not in both


def test_a_usage_error_in_a_real_process_exits_2(user: CliUser) -> None:
    result = user.run("prep")
    assert result.returncode == 2
    assert "Usage:" in result.stderr and "Traceback" not in result.stderr


def test_a_damaged_database_gets_one_clear_message(user: CliUser) -> None:
    user.data.mkdir()
    (user.data / "exec-assistant.sqlite3").write_bytes(os.urandom(4096))
    result = user.run("meetings")
    assert result.returncode == 3
    assert "cannot open database" in result.stderr and "move it aside" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_workflow_database_gets_one_clear_message(user: CliUser) -> None:
    user.ok("sync", "-c", str(user.leadership_calendar()))
    (user.data / "workflows.sqlite3").write_bytes(os.urandom(4096))
    result = user.run("prep", user.meeting_id())
    assert result.returncode == 3
    assert "workflows.sqlite3: file is not a database" in result.stderr
    assert "move it aside" in result.stderr
    assert "Traceback" not in result.stderr and "sqlalche" not in result.stderr


def test_a_settings_file_that_is_not_text(user: CliUser) -> None:
    config = user.data / "config"
    config.mkdir(parents=True)
    (config / "settings.yaml").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = user.run("meetings")
    assert result.returncode == 2
    assert "settings.yaml" in result.stderr and "not text" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_settings_file_in_latin1_is_read(user: CliUser) -> None:
    config = user.data / "config"
    config.mkdir(parents=True)
    (config / "settings.yaml").write_bytes("context_dir: /srv/exports/café\n".encode("latin-1"))
    del user.env["EXEC_ASSISTANT_CONTEXT_DIR"]
    shown = user.json("config", "check")
    assert shown["settings"]["context_dir"]["value"] == "/srv/exports/café"


def test_notes_in_utf16_and_windows_1252_are_read(user: CliUser) -> None:
    user.ok(
        "sync",
        "-c",
        str(user.leadership_calendar(starts_in=timedelta(hours=-2))),
        "--now",
        (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
    )
    meeting_id = user.meeting_id("--from", (datetime.now(UTC) - timedelta(hours=4)).isoformat())
    text = "## Action Items\n- [ ] Priya Raman to send the “café” budget by 2026-12-20\n"
    for encoding in ("utf-16", "cp1252", "utf-8-sig"):
        notes = user.tmp / f"notes-{encoding}.md"
        notes.write_bytes(text.encode(encoding))
        result = user.json("notes", meeting_id, str(notes))
        assert result["action_items"][0]["text"] == "Send the “café” budget", encoding
    binary = user.tmp / "notes.docx"
    binary.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    refused = user.run("notes", meeting_id, str(binary))
    assert refused.returncode == 2 and "plain text" in refused.stderr


@pytest.mark.parametrize("instant", ["9999-12-31", "0001-01-01T00:00:00+14:00", "1900-01-01"])
def test_an_instant_out_of_range(user: CliUser, instant: str) -> None:
    for command in ("meetings", "sync", "actions"):
        result = user.run(command, "--now", instant)
        assert result.returncode == 2, (command, result.stderr)
        assert "use an instant between 1970 and 9000" in result.stderr
        assert "Traceback" not in result.stderr


def test_an_outbox_in_a_folder_that_does_not_exist_fails_at_start_up(user: CliUser) -> None:
    outbox = user.tmp / "missing" / "outbox.jsonl"
    for argv in (["config", "check"], ["serve"], ["meetings"]):
        result = user.run(*argv, EXEC_ASSISTANT_OUTBOX=str(outbox))
        assert result.returncode == 2, (argv, result.stderr)
        assert "EXEC_ASSISTANT_OUTBOX" in result.stderr
        assert f"the folder {outbox.parent} does not exist" in result.stderr


def test_markup_and_escapes_from_a_calendar_are_shown_as_text(user: CliUser) -> None:
    calendar = user.leadership_calendar(title=HOSTILE.replace("\x1b", "\\x1b"))
    # The title reaches the assistant with a real ESC and a right-to-left override in it.
    calendar.write_bytes(calendar.read_bytes().replace(b"\\\\x1b", b"\x1b"))
    synced = user.run("sync", "-c", str(calendar))
    assert synced.returncode == 0, synced.stderr
    shown = user.ok("meetings")
    prep = user.run("prep", user.meeting_id())
    assert prep.returncode == 0, prep.stderr
    for output in (shown, prep.stdout, prep.stderr):
        assert "\x1b" not in output and "\u202e" not in output
    assert "[/bold][link=https://evil.example]Board" in prep.stdout.replace("\n", "")
    assert "\\x1b[2J" in prep.stdout
    assert "Waiting for your answers" in prep.stdout


def test_markup_in_notes_is_shown_as_text(user: CliUser) -> None:
    user.ok(
        "sync",
        "-c",
        str(user.leadership_calendar(starts_in=timedelta(hours=-2))),
        "--now",
        (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
    )
    meeting_id = json.loads(
        user.ok(
            "meetings", "--json", "--from", (datetime.now(UTC) - timedelta(hours=4)).isoformat()
        )
    )[0]["meeting_id"]
    notes = user.tmp / "notes.md"
    notes.write_text(
        "## Decisions\n- Decision: ship [bold]v2[/bold] \x1b]8;;http://x\x07now\n"
        "## Action Items\n- [ ] Priya Raman to fix [red]it[/red] by 2026-12-20\n"
    )
    result = user.run("notes", meeting_id, str(notes))
    assert result.returncode == 0, result.stderr
    assert "[bold]v2[/bold]" in result.stdout and "[red]it[/red]" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    listed = user.ok("actions")
    assert "[red]it[/red]" in listed and "\x1b" not in listed


def test_prep_json_is_pure_json_even_while_the_prep_talks(user: CliUser) -> None:
    user.ok("sync", "-c", str(user.leadership_calendar()))
    meeting_id = user.meeting_id()
    prep = user.run("prep", meeting_id, "--json")
    assert prep.returncode == 0, prep.stderr
    assert json.loads(prep.stdout)["status"] == "notified"
    assert "Prep for" in prep.stderr  # the questions went to stderr
    answers = user.tmp / "answers.yaml"
    answers.write_text("- Ship it\n")
    answered = user.run("answer", meeting_id, "--answers", str(answers), "--json")
    assert answered.returncode == 0, answered.stderr
    result = json.loads(answered.stdout)
    assert result["status"] == "materials_ready" and result["pack_location"]


def test_a_prep_that_cannot_deliver_fails_visibly_and_is_retried(user: CliUser) -> None:
    user.ok("sync", "-c", str(user.leadership_calendar()))
    meeting_id = user.meeting_id()
    answers = user.tmp / "answers.yaml"
    answers.write_text("- Ship it\n")
    # Every write to /dev/full fails (no space left): the outbox cannot deliver.
    failed = user.run(
        "prep", meeting_id, "--answers", str(answers), EXEC_ASSISTANT_OUTBOX="/dev/full"
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    said = " ".join(failed.stdout.split())
    assert "failed: SendPrepNotification failed: OSError" in said
    assert f"exec-assistant prep {meeting_id} --retry" in said
    assert "Traceback" not in failed.stderr and "dbos" not in failed.stderr.lower()
    listed = json.loads(user.ok("meetings", "--json"))[0]
    assert listed["status"] == "failed"
    assert listed["prep_error"].startswith("SendPrepNotification failed: OSError")
    # Not retried by accident: a plain prep says how.
    again = user.run("prep", meeting_id)
    assert again.returncode == 2 and "--retry" in again.stderr
    # With a working outbox, retried at once: sent once each, with its key.
    outbox = user.tmp / "outbox.jsonl"
    retried = user.run(
        "prep", meeting_id, "--retry", "--answers", str(answers), EXEC_ASSISTANT_OUTBOX=str(outbox)
    )
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert "Pack ready:" in retried.stdout
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["questions", "pack"]
    assert lines[0]["key"].endswith("/SendPrepNotification")
    assert json.loads(user.ok("meetings", "--json"))[0]["prep_error"] is None


def test_end_of_input_at_the_prompt_means_no_answers(user: CliUser) -> None:
    user.ok("sync", "-c", str(user.leadership_calendar()))
    meeting_id = user.meeting_id()
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        user.command("prep", meeting_id),
        env=user.env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    output = b""

    def read_until(marker: bytes, seconds: float = 60) -> None:
        nonlocal output
        deadline = time.monotonic() + seconds
        while marker not in output:
            assert time.monotonic() < deadline, output.decode(errors="replace")
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    output += os.read(leader, 4096)
                except OSError:
                    return

    read_until(b"1. What are your top priorities")
    os.write(leader, b"Ship the plan\n")
    read_until(b"2. Which risks")
    os.write(leader, b"\x04")  # Ctrl-D
    read_until(b"Pack ready")
    assert process.wait(timeout=60) == 0
    os.close(leader)
    text = output.decode(errors="replace")
    assert "Traceback" not in text
    assert "End of input" in text
    agenda = next((user.data / "meetings").glob("*/agenda.md")).read_text()
    assert "Ship the plan" in agenda


def test_the_data_folder_is_readable_by_its_owner_only(user: CliUser) -> None:
    outbox = user.tmp / "outbox.jsonl"
    user.ok("sync", "-c", str(user.leadership_calendar()))
    answers = user.tmp / "answers.yaml"
    answers.write_text("- Ship it\n")
    user.ok("prep", user.meeting_id(), "--answers", str(answers), EXEC_ASSISTANT_OUTBOX=str(outbox))

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(user.data) == 0o700
    for name in ("exec-assistant.sqlite3", "workflows.sqlite3"):
        assert mode(user.data / name) == 0o600, name
    assert mode(outbox) == 0o600
    for path in user.data.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_a_data_folder_made_by_hand_is_made_owner_only(user: CliUser) -> None:
    user.data.mkdir(mode=0o755)
    user.data.chmod(0o755)
    user.ok("meetings")
    assert stat.S_IMODE(user.data.stat().st_mode) == 0o700


def test_notes_for_a_meeting_that_has_not_started_need_force(user: CliUser) -> None:
    user.ok("sync", "-c", str(user.leadership_calendar()))
    meeting_id = user.meeting_id()
    notes = str(NOTES / "leadership-team-2026-11-30.md")
    refused = user.run("notes", meeting_id, notes)
    assert refused.returncode == 2
    assert "has not started yet" in refused.stderr and "--force" in refused.stderr
    user.ok("notes", meeting_id, notes, "--force")


def test_notes_and_classify_work_while_serve_runs(user: CliUser) -> None:
    calendar = user.leadership_calendar(starts_in=timedelta(hours=-2))
    past = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    user.ok("sync", "-c", str(calendar), "--now", past)
    meeting_id = json.loads(user.ok("meetings", "--json", "--from", past))[0]["meeting_id"]
    serve = user.serve(EXEC_ASSISTANT_CALENDARS=str(calendar))
    try:
        deadline = time.monotonic() + 60
        while "serve" not in (
            (user.data / ".lock").read_text() if (user.data / ".lock").exists() else ""
        ):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        noted = user.run("notes", meeting_id, str(NOTES / "leadership-team-2026-11-30.md"))
        assert noted.returncode == 0, noted.stderr
        classified = user.run("classify", meeting_id, "general")
        assert classified.returncode == 0, classified.stderr
    finally:
        serve.send_signal(signal.SIGINT)
        serve.communicate(timeout=30)
    assert serve.returncode == 0


def test_a_notes_or_answers_file_that_never_ends_is_refused(user: CliUser) -> None:
    user.ok("sync", "-c", str(user.leadership_calendar()))
    meeting_id = user.meeting_id()
    started = time.monotonic()
    notes = user.run("notes", meeting_id, "/dev/zero", "--force")
    answers = user.run("prep", meeting_id, "--answers", "/dev/zero")
    assert time.monotonic() - started < 30
    assert notes.returncode == 2 and "larger than 50 MB" in notes.stderr
    assert answers.returncode == 2 and "larger than 1 MB" in answers.stderr


def test_mistakes_in_what_was_asked_for_exit_2(user: CliUser) -> None:
    user.ok("sync", "-c", str(user.leadership_calendar()))
    backwards = user.run("meetings", "--from", "2026-12-05", "--to", "2026-12-01")
    assert backwards.returncode == 2 and "must come after --from" in backwards.stderr
    assert user.run("classify", user.meeting_id(), "no_such_type").returncode == 2
    assert user.run("prep", "mtg_doesnotexist").returncode == 2


def test_corrected_notes_replace_the_first_ones(user: CliUser) -> None:
    past = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    user.ok(
        "sync", "-c", str(user.leadership_calendar(starts_in=timedelta(hours=-2))), "--now", past
    )
    meeting_id = user.meeting_id("--from", past)
    first = user.tmp / "notes.md"
    first.write_text(
        "## Decisions\n- Decision: hire two SREs\n- Decision: move the launch\n"
        "## Action Items\n- [ ] Priya Raman to draft the runbook by 2026-12-20\n"
    )
    user.ok("notes", meeting_id, str(first))
    corrected = user.tmp / "notes-corrected.md"
    corrected.write_text(
        "## Decisions\n- Decision: move the launch\n"
        "## Action Items\n- [ ] Marcus Webb to book the offsite by 2026-12-10\n"
    )
    user.ok("notes", meeting_id, str(corrected))
    assert [d["text"] for d in user.json("decisions")] == ["Move the launch"]
    assert [i["text"] for i in user.json("actions")] == ["Book the offsite"]
