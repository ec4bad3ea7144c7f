"""The `exec-assistant` command as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from exec_assistant.adapters.local.data_folder import DataFolder
from exec_assistant.cli import main

from factories import EXEC, calendar_text, vevent

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "calendar.ics"
NOW = "2026-11-30T07:00:00-05:00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXEC_ASSISTANT_USER_EMAIL", EXEC)
    monkeypatch.setenv("EXEC_ASSISTANT_TIMEZONE", "America/New_York")
    return tmp_path / "data"


def sync_json(capsys: pytest.CaptureFixture[str], data: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(
        capsys,
        "--data-dir",
        str(data),
        "sync",
        "--calendar",
        str(EXAMPLE),
        "--json",
        "--now",
        NOW,
        *extra,
    )
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_demo_prints_the_classified_fortnight() -> None:
    # The demo runs workflows on DBOS, whose runtime is per process: run it as a user would.
    result = _cli("demo", cwd=ROOT)
    code, out, err = result.returncode, result.stdout, result.stderr
    assert code == 0, err
    for text in [
        "Infrastructure Leadership Team",
        "Jordan / Priya 1:1",
        "Q4 QBR",
        "Post-Incident Review",
        "Interview Debrief",
        "Vendor sync",
        "you declined",
        "all-day event",
        "cancelled by the organizer",
        "no attendees besides you",
        "18 meetings",
    ]:
        assert text in out, text
    assert "Traceback" not in out + err


def test_demo_json() -> None:
    completed = _cli("demo", "--json", cwd=ROOT)
    code, out = completed.returncode, completed.stdout
    assert code == 0, completed.stderr
    result = json.loads(out)
    types = {m["title"]: m["meeting_type"] for m in result["meetings"]}
    assert types["Infrastructure Leadership Team"] == "leadership_team"
    assert types["Jordan / Priya 1:1"] == "one_on_one"
    assert types["Jordan <> Marcus 1-1"] == "one_on_one"
    assert types["Q4 QBR – Infrastructure & Reliability"] == "qbr"
    assert types["Post-Incident Review: INC-2291 payments API latency"] == "reliability_review"
    assert types["Exec Staff"] == "executive_staff"
    assert types["Interview Debrief – Staff SRE candidate"] == "interview_debrief"
    assert types["Vendor sync: Datadog renewal"] == "vendor_meeting"
    statuses = [m["status"] for m in result["meetings"]]
    assert statuses.count("skipped") == 3 and statuses.count("cancelled") == 1
    # The moved leadership-team instance is on Tuesday 8 Dec at 14:00, not Monday the 7th.
    lt = [m["start"] for m in result["meetings"] if m["title"] == "Infrastructure Leadership Team"]
    assert lt == ["2026-11-30T10:00:00-05:00", "2026-12-08T14:00:00-05:00"]
    # The excluded 1:1 on 8 Dec is not there.
    priya = [m["start"][:10] for m in result["meetings"] if m["title"] == "Jordan / Priya 1:1"]
    assert priya == ["2026-12-01"]


def test_meetings_json_has_every_field(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    sync_json(capsys, data)
    code, out, _ = run(capsys, "--data-dir", str(data), "meetings", "--json", "--now", NOW)
    assert code == 0
    meetings = json.loads(out)
    assert len(meetings) == 18
    first = meetings[0]
    for key in [
        "meeting_id",
        "calendar_id",
        "title",
        "start",
        "end",
        "timezone",
        "meeting_type",
        "classification_reason",
        "status",
        "skip_reason",
        "prep_at",
        "reminder_at",
        "attendees",
    ]:
        assert key in first, key
    assert first["start"] == "2026-11-30T10:00:00-05:00"
    assert first["timezone"] == "America/New_York"
    assert first["prep_at"] == "2026-11-30T07:00:00-05:00"  # overdue at discovery: now
    assert first["reminder_at"] == "2026-11-30T08:00:00-05:00"
    assert first["attendees"][0] == {
        "email": "jordan.lee@northwind.example",
        "name": "Jordan Lee",
        "response": "accepted",
    }
    by_title = {m["title"]: m for m in meetings}
    assert by_title["Jordan / Priya 1:1"]["prep_at"] == "2026-11-30T20:59:00-05:00"
    assert by_title["Architecture Guild"]["prep_at"] is None


def test_meetings_between_dates(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    sync_json(capsys, data)
    code, out, _ = run(
        capsys,
        "--data-dir",
        str(data),
        "meetings",
        "--json",
        "--from",
        "2026-12-02",
        "--to",
        "2026-12-03",
    )
    assert code == 0
    assert {m["start"][:10] for m in json.loads(out)} == {"2026-12-02"}


def test_meetings_table(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    sync_json(capsys, data)
    code, out, _ = run(capsys, "--data-dir", str(data), "meetings", "--now", NOW)
    assert code == 0
    assert "Infrastructure Leadership Team" in out
    assert "18 meetings, times in America/New_York." in out


def test_a_second_sync_changes_nothing(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    first = sync_json(capsys, data)
    assert first["totals"]["discovered"] == 14
    assert first["changed"] == 18
    second = sync_json(capsys, data)
    assert second["changed"] == 0
    assert second["totals"]["unchanged"] == 18


def test_sync_prints_the_counts(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, _ = run(
        capsys, "--data-dir", str(data), "sync", "--calendar", str(EXAMPLE), "--now", NOW
    )
    assert code == 0
    assert "14 discovered · 0 updated · 1 cancelled · 3 skipped · 0 unchanged" in out


def test_classify_overrides_the_series(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    result = sync_json(capsys, data)
    assert result
    code, out, _ = run(capsys, "--data-dir", str(data), "meetings", "--json", "--now", NOW)
    capacity = next(m for m in json.loads(out) if m["title"] == "Capacity planning review")
    code, out, err = run(
        capsys,
        "--data-dir",
        str(data),
        "classify",
        capacity["meeting_id"][4:12],
        "reliability_review",
        "--now",
        NOW,
    )
    assert code == 0, err
    assert "now 'Reliability review'" in out
    sync_json(capsys, data)
    code, out, _ = run(capsys, "--data-dir", str(data), "meetings", "--json", "--now", NOW)
    capacity_types = {
        (m["meeting_type"], m["classification_reason"])
        for m in json.loads(out)
        if m["title"] == "Capacity planning review"
    }
    assert capacity_types == {("reliability_review", "set by you for this series")}


def test_classify_an_unknown_type(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    sync_json(capsys, data)
    code, out, _ = run(capsys, "--data-dir", str(data), "meetings", "--json", "--now", NOW)
    meeting_id = json.loads(out)[0]["meeting_id"]
    code, _, err = run(capsys, "--data-dir", str(data), "classify", meeting_id, "board_meeting")
    assert code != 0
    assert "unknown meeting type 'board_meeting'" in err
    assert "one_on_one" in err  # the known types are listed
    assert "Traceback" not in err


def test_classify_an_unknown_meeting(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, _, err = run(capsys, "--data-dir", str(data), "classify", "mtg_nope", "qbr")
    assert code != 0
    assert "no meeting with id 'mtg_nope'" in err


def test_an_invalid_now(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, _, err = run(capsys, "--data-dir", str(data), "meetings", "--now", "next tuesday")
    assert code == 2
    assert "invalid --now 'next tuesday'" in err
    assert "ISO 8601" in err


def test_a_corrupt_config_file(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    config = data / "config"
    config.mkdir(parents=True)
    (config / "meeting_types.yaml").write_text("meeting_types:\n  qbr:\n    prep_lead_hours: x\n")
    code, _, err = run(
        capsys, "--data-dir", str(data), "sync", "--calendar", str(EXAMPLE), "--now", NOW
    )
    assert code == 2
    assert str(config / "meeting_types.yaml") in err
    assert "meeting_types.qbr.prep_lead_hours" in err
    assert "Traceback" not in err
    assert not (data / "exec-assistant.sqlite3").exists()  # nothing was touched


def test_a_calendar_with_a_bad_event_imports_the_rest(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cal.ics"
    path.write_text(
        calendar_text(
            vevent("good@test", "Good 1:1", "20261201T100000", "20261201T103000"),
            vevent("bad@test", "Bad one", "20261301T100000", "20261201T103000"),
        )
    )
    code, out, _ = run(capsys, "--data-dir", str(data), "sync", "-c", str(path), "--now", NOW)
    assert code == 0
    assert "1 discovered" in out
    assert "warning: skipped event 'Bad one' (UID bad@test)" in out


def test_an_unreachable_calendar_url(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    sync_json(capsys, data)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/team.ics"
    code, _, err = run(capsys, "--data-dir", str(data), "sync", "-c", url, "--now", NOW)
    assert code == 1
    assert f"cannot read calendar {url}" in err
    code, out, _ = run(capsys, "--data-dir", str(data), "meetings", "--json", "--now", NOW)
    assert len(json.loads(out)) == 18  # the meetings already stored are untouched


def test_no_calendar_configured(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, _, err = run(capsys, "--data-dir", str(data), "sync")
    assert code == 2
    assert "no calendars to sync" in err
    assert "--calendar" in err


def test_the_calendars_setting_is_used(
    capsys: pytest.CaptureFixture[str], data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_CALENDARS", str(EXAMPLE))
    code, out, _ = run(capsys, "--data-dir", str(data), "sync", "--now", NOW)
    assert code == 0
    assert "14 discovered" in out


def test_no_meetings_yet(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, _ = run(capsys, "--data-dir", str(data), "meetings")
    assert code == 0
    assert "Run 'exec-assistant sync'" in out


def test_config_check_shows_where_settings_come_from(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    code, out, _ = run(capsys, "--data-dir", str(data), "config", "check", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["valid"]
    assert result["settings"]["timezone"] == {
        "value": "America/New_York",
        "source": "environment EXEC_ASSISTANT_TIMEZONE",
    }
    assert result["settings"]["home"]["source"] == "command line"
    assert result["settings"]["lookahead_days"]["source"] == "default"
    assert result["config_files"] == [
        "<shipped meeting_types.yaml>",
        "<shipped notification_rules.yaml>",
        "<shipped model_prices.yaml>",
    ]
    code, out, _ = run(capsys, "--data-dir", str(data), "config", "check")
    assert "configuration is valid" in out
    assert "<shipped model_prices.yaml>" in out


def test_config_check_reports_a_bad_setting(
    capsys: pytest.CaptureFixture[str], data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_TIMEZONE", "Europe/Londn")
    code, _, err = run(capsys, "--data-dir", str(data), "config", "check")
    assert code == 2
    assert "EXEC_ASSISTANT_TIMEZONE" in err
    assert "Europe/London" not in err or "did you mean" in err


def test_a_data_folder_in_use(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    holder = DataFolder(data)
    holder.acquire("serve")
    try:
        code, _, err = run(
            capsys, "--data-dir", str(data), "sync", "-c", str(EXAMPLE), "--now", NOW
        )
    finally:
        holder.release()
    assert code == 3
    assert f"data folder {data} is in use by exec-assistant serve (pid {os.getpid()})" in err


def test_a_data_folder_that_is_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "--data-dir", str(blocker), "meetings")
    assert code == 3
    assert "is not a folder" in err


def _cli(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exec_assistant", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,  # type: ignore[call-overload]
    )


def _read_only_mounts_work() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _read_only_mounts_work(), reason="needs root and unshare for a ro mount")
def test_a_read_only_data_folder(tmp_path: Path) -> None:
    # Root ignores permission bits, so make the folder truly read-only: a private ro bind mount.
    data = tmp_path / "data"
    data.mkdir()
    command = " ".join(
        [
            f"mount --bind {data} {data} && mount -o remount,bind,ro {data} &&",
            f"exec {sys.executable} -m exec_assistant --data-dir {data}",
            f"sync -c {EXAMPLE} --now {NOW}",
        ]
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", command], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 3, result.stderr
    assert f"data folder {data} is not writable: Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_the_commands() -> None:
    result = _cli("--help")
    assert result.returncode == 0
    for command in ("sync", "meetings", "classify", "config", "demo"):
        assert command in result.stdout
    result = _cli("sync", "--help")
    assert "--calendar" in result.stdout and "--json" in result.stdout and "--now" in result.stdout


def test_the_demo_runs_as_a_real_process() -> None:
    result = _cli("demo", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "18 meetings" in result.stdout


@pytest.mark.slow
def test_the_demo_runs_from_any_folder_after_a_plain_install(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    shutil.rmtree(project)  # nothing of the source tree is left to lean on
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path / "home")}
    where = subprocess.run(
        [sys.executable, "-c", "import exec_assistant; print(exec_assistant.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    demo = subprocess.run(
        [sys.executable, "-m", "exec_assistant", "demo", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    result = json.loads(demo.stdout)
    assert len(result["packs"]) >= 10
    assert result["data_dir"] == str(tmp_path / "home" / ".exec-assistant-demo")
    assert list(elsewhere.iterdir()) == []  # nothing written where it was run
