"""The prep and follow-up commands as a user runs them: real processes on a data folder."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli_user import CliUser
from factories import EXEC, stamp, vevent

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT / "examples" / "notes"
PEOPLE = [
    f"CN=Jordan Lee;PARTSTAT=ACCEPTED:mailto:{EXEC}",
    "CN=Priya Raman;PARTSTAT=ACCEPTED:mailto:priya.raman@northwind.example",
    "CN=Marcus Webb;PARTSTAT=ACCEPTED:mailto:marcus.webb@northwind.example",
    "CN=Elena Park;PARTSTAT=ACCEPTED:mailto:elena.park@northwind.example",
    "CN=Dev Kapoor;PARTSTAT=ACCEPTED:mailto:dev.kapoor@northwind.example",
    "CN=Hannah Cho;PARTSTAT=ACCEPTED:mailto:hannah.cho@northwind.example",
]


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path)


def leadership(start: datetime, uid: str = "lt@test") -> str:
    return vevent(
        uid,
        "Leadership team",
        stamp(start),
        stamp(start + timedelta(hours=1)),
        tz=None,
        attendees=PEOPLE,
    )


def test_prep_with_an_answers_file_writes_and_delivers_the_pack(user: CliUser) -> None:
    cal = user.calendar(leadership(datetime.now(UTC) + timedelta(hours=30)))
    user.ok("sync", "-c", str(cal))
    meeting = user.json("meetings")[0]  # type: ignore[index]
    answers = user.tmp / "answers.yaml"
    answers.write_text("1: Ship the capacity plan\n3: Approve the SRE hiring plan\n")
    out = user.ok("prep", meeting["meeting_id"][4:12], "--answers", str(answers))
    assert "Prep pack: Leadership team" in out
    assert "Pack ready:" in out
    pack = user.data / "meetings" / meeting["meeting_id"]
    agenda = (pack / "agenda.md").read_text()
    assert "Your prep: Ship the capacity plan" in agenda
    assert "Approve the SRE hiring plan" in agenda  # a decision needed
    assert json.loads((pack / "agenda.json").read_text())["generated_by"] == "offline"
    status = user.json("meetings")[0]["status"]  # type: ignore[index]
    assert status == "materials_ready"


def test_prep_without_answers_waits_then_answer_finishes_it(user: CliUser) -> None:
    cal = user.calendar(leadership(datetime.now(UTC) + timedelta(hours=30)))
    user.ok("sync", "-c", str(cal))
    meeting_id = user.json("meetings")[0]["meeting_id"]  # type: ignore[index]
    started = time.monotonic()
    out = user.ok("prep", meeting_id)  # no keyboard, no answers: it stops at the wait
    assert time.monotonic() - started < 30
    assert "Waiting for your answers until" in out
    assert f"exec-assistant answer {meeting_id} --answers FILE" in out
    answers = user.tmp / "answers.json"
    answers.write_text(json.dumps(["Ship it", "Datadog", "none"]))
    out = user.ok("answer", meeting_id, "--answers", str(answers))
    assert "Pack ready:" in out
    refused = user.run("answer", meeting_id, "--answers", str(answers))
    assert refused.returncode == 2
    assert "no longer waiting for answers: it was answered already" in refused.stderr


def test_answers_before_the_prep_started_are_refused(user: CliUser) -> None:
    cal = user.calendar(leadership(datetime.now(UTC) + timedelta(hours=30)))
    user.ok("sync", "-c", str(cal))
    meeting_id = user.json("meetings")[0]["meeting_id"]  # type: ignore[index]
    answers = user.tmp / "answers.yaml"
    answers.write_text("- x\n")
    refused = user.run("answer", meeting_id, "--answers", str(answers))
    assert refused.returncode == 2
    assert "its prep has not started yet" in refused.stderr


def test_a_bad_answers_file(user: CliUser) -> None:
    cal = user.calendar(leadership(datetime.now(UTC) + timedelta(hours=30)))
    user.ok("sync", "-c", str(cal))
    meeting_id = user.json("meetings")[0]["meeting_id"]  # type: ignore[index]
    bad = user.tmp / "answers.yaml"
    bad.write_text("- [unclosed\n")
    result = user.run("prep", meeting_id, "--answers", str(bad))
    assert result.returncode == 2
    assert f"answers file {bad}:" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_notes_become_decisions_and_action_items(user: CliUser) -> None:
    cal = user.calendar(leadership(datetime(2026, 11, 30, 15, tzinfo=UTC)))
    user.ok("sync", "-c", str(cal), "--now", "2026-11-30T07:00:00-05:00")
    meeting_id = user.json("meetings", "--now", "2026-11-30T07:00:00-05:00")[0]["meeting_id"]  # type: ignore[index]
    result = user.json(
        "notes",
        meeting_id,
        str(NOTES / "leadership-team-2026-11-30.md"),
        "--now",
        "2026-11-30T11:30:00-05:00",
    )
    assert isinstance(result, dict)
    assert set(result) >= {"summary", "decisions", "action_items"}
    assert len(result["decisions"]) == 4
    assert all(set(d) >= {"text", "source_line"} for d in result["decisions"])
    items = {i["text"]: i for i in result["action_items"]}
    assert len(items) == 7
    draft = next(i for t, i in items.items() if t.startswith("Draft the reliability section"))
    assert draft == {
        **draft,
        "owner": "priya.raman@northwind.example",
        "owner_resolved": True,
        "due": "2026-12-07",
        "status": "open",
    }
    assert isinstance(draft["source_line"], int)
    done = [i for i in result["action_items"] if i["status"] == "done"]
    assert len(done) == 1
    # The registers across meetings.
    mine = user.json("actions", "--owner", "priya", "--open", "--now", "2026-12-08T09:00:00-05:00")
    assert isinstance(mine, list) and mine
    assert all(i["owner"] == "priya.raman@northwind.example" for i in mine)
    assert all(i["overdue"] for i in mine if i["due"] and i["due"] < "2026-12-08")
    table = user.ok("actions", "--open", "--now", "2026-12-08T09:00:00-05:00")
    assert "overdue" in table
    decisions = user.json("decisions")
    assert isinstance(decisions, list) and len(decisions) == 4
    assert user.json("decisions", "--open") == []
    assert user.json("meetings", "--now", "2026-11-30T07:00:00-05:00")[0]["status"] == "completed"  # type: ignore[index]


def test_open_items_come_back_in_the_next_meeting_of_the_series(user: CliUser) -> None:
    first = datetime(2026, 11, 30, 15, tzinfo=UTC)
    series = vevent(
        "lt@test",
        "Leadership team",
        stamp(first),
        stamp(first + timedelta(hours=1)),
        tz=None,
        attendees=PEOPLE,
        extra=["RRULE:FREQ=WEEKLY;COUNT=2"],
    )
    cal = user.calendar(series)
    user.ok("sync", "-c", str(cal), "--now", "2026-11-30T07:00:00-05:00")
    meetings = user.json("meetings", "--now", "2026-11-30T07:00:00-05:00")
    assert isinstance(meetings, list) and len(meetings) == 2
    user.ok(
        "notes",
        meetings[0]["meeting_id"],
        str(NOTES / "leadership-team-2026-11-30.md"),
        "--now",
        "2026-11-30T11:30:00-05:00",
    )
    answers = user.tmp / "answers.yaml"
    answers.write_text("- x\n")
    user.ok(
        "prep",
        meetings[1]["meeting_id"],
        "--answers",
        str(answers),
        "--now",
        "2026-12-06T10:00:00-05:00",
    )
    agenda = (user.data / "meetings" / meetings[1]["meeting_id"] / "agenda.md").read_text()
    assert "## Open action items" in agenda
    assert "Draft the reliability section of the QBR deck" in agenda
    assert "Bring three pricing options for the Datadog renewal" in agenda


def test_notes_for_a_skipped_meeting_are_refused(user: CliUser) -> None:
    declined = vevent(
        "g@test",
        "Guild",
        "20261203T120000",
        "20261203T130000",
        attendees=[f"PARTSTAT=DECLINED:mailto:{EXEC}", "PARTSTAT=ACCEPTED:mailto:w@x.example"],
    )
    user.ok("sync", "-c", str(user.calendar(declined)), "--now", "2026-11-30T07:00:00-05:00")
    meeting_id = user.json("meetings", "--now", "2026-11-30T07:00:00-05:00")[0]["meeting_id"]  # type: ignore[index]
    result = user.run("notes", meeting_id, str(NOTES / "leadership-team-2026-11-30.md"))
    assert result.returncode == 2
    assert "is skipped (you declined)" in result.stderr


def test_serve_preps_what_is_due_and_stops_cleanly_on_ctrl_c(user: CliUser) -> None:
    cal = user.calendar(leadership(datetime.now(UTC) + timedelta(minutes=110)))
    answers = user.tmp / "answers.yaml"
    answers.write_text("meetings:\n  leadership_team: [Ship it]\n")
    process = user.serve("--answers", str(answers), EXEC_ASSISTANT_CALENDARS=str(cal))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (
                list((user.data / "meetings").glob("*/agenda.json"))
                if (user.data / "meetings").exists()
                else []
            ):
                break
            time.sleep(0.2)
        time.sleep(0.5)
        busy = user.run("sync", "-c", str(cal))
        assert busy.returncode == 3 and "in use by exec-assistant serve" in busy.stderr
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Prep pack: Leadership team" in out
    assert "Stopped. Unfinished preps resume" in out
    assert "Traceback" not in err
    # The folder is free again.
    assert user.run("sync", "-c", str(cal)).returncode == 0


def test_serve_json_prints_events_as_json_lines(user: CliUser) -> None:
    cal = user.calendar(leadership(datetime.now(UTC) + timedelta(minutes=110)))
    answers = user.tmp / "answers.yaml"
    answers.write_text("meetings:\n  leadership_team: [Ship it]\n")
    process = user.serve("--answers", str(answers), "--json", EXEC_ASSISTANT_CALENDARS=str(cal))
    lines: list[dict[str, object]] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(json.loads(line))
            if lines[-1]["kind"] == "pack":
                break
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    lines += [json.loads(line) for line in rest.splitlines()]
    assert [line["kind"] for line in lines] == [
        "started",
        "sync",
        "prep_started",
        "questions",
        "pack",
        "stopped",
    ], err
    assert lines[1]["totals"]["discovered"] == 1  # type: ignore[index]
