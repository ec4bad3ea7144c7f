"""The embedded store on a real disk: migrations, the data folder lock, unusable folders."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import exec_assistant
from exec_assistant.adapters.local.data_folder import DataFolder
from exec_assistant.adapters.local.sqlite_database import SCHEMA_VERSION, SqliteDatabase
from exec_assistant.adapters.local.sqlite_repositories import (
    SqliteMeetingRepository,
    SqliteSeriesOverrideRepository,
)
from exec_assistant.domain.errors import DataFolderError, DataFolderInUse
from exec_assistant.domain.models import Attendee, Meeting, MeetingStatus

SRC = Path(exec_assistant.__file__).resolve().parents[1]
START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
NOBODY = 65534


def a_meeting(meeting_id: str = "mtg_v1", **changes: object) -> Meeting:
    meeting = Meeting(
        meeting_id=meeting_id,
        calendar_id="cal_work",
        series_id="ser_weekly",
        source_uid="weekly@calendar.example",
        title="Weekly staff",
        start=START,
        end=START + timedelta(hours=1),
        timezone="America/New_York",
        attendees=(Attendee(email="priya@northwind.example", name="Priya"),),
        status=MeetingStatus.SCHEDULED,
        discovered_at=START - timedelta(days=3),
        updated_at=START - timedelta(days=3),
    )
    return meeting.model_copy(update=changes)


def table_names(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(r[0]) for r in rows}


class TestSqliteDatabase:
    def test_a_version_1_database_is_upgraded_in_place_and_keeps_its_meetings(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "exec-assistant.sqlite3"
        old = SqliteDatabase(path, migrate_to=1)
        assert old.schema_version == 1
        old.close()
        assert "meetings" in table_names(path)
        assert "series_overrides" not in table_names(path)

        # A row as the first release wrote it.
        meeting = a_meeting()
        with closing(sqlite3.connect(path)) as conn:
            conn.execute(
                "INSERT INTO meetings"
                " (meeting_id, calendar_id, series_id, status, start_time, body)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    meeting.meeting_id,
                    meeting.calendar_id,
                    meeting.series_id,
                    meeting.status.value,
                    "2026-12-01T15:00:00Z",
                    meeting.model_dump_json(),
                ),
            )
            conn.commit()

        db = SqliteDatabase(path)
        try:
            assert db.schema_version == SCHEMA_VERSION
            meetings = SqliteMeetingRepository(db)
            assert meetings.get("mtg_v1") == meeting
            assert meetings.list_between(START, START + timedelta(hours=1)) == [meeting]
            assert meetings.list_by_status(MeetingStatus.SCHEDULED) == [meeting]
            assert meetings.list_series("ser_weekly") == [meeting]
            with db.reading() as conn:  # start times now compare to the microsecond
                row = conn.execute("SELECT start_time FROM meetings").fetchone()
            assert row[0] == "2026-12-01T15:00:00.000000Z"

            overrides = SqliteSeriesOverrideRepository(db)
            assert overrides.all() == {}
            overrides.set("ser_weekly", "staff", START)
            assert overrides.get("ser_weekly") == "staff"
        finally:
            db.close()

        reopened = SqliteDatabase(path)
        try:
            assert reopened.schema_version == SCHEMA_VERSION
            assert SqliteSeriesOverrideRepository(reopened).get("ser_weekly") == "staff"
            assert SqliteMeetingRepository(reopened).get("mtg_v1") == meeting
        finally:
            reopened.close()

    def test_a_database_from_a_newer_version_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "exec-assistant.sqlite3"
        with closing(sqlite3.connect(path)) as conn:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

        with pytest.raises(DataFolderError, match="newer") as caught:
            SqliteDatabase(path)

        assert str(path) in caught.value.message
        assert f"schema version {SCHEMA_VERSION + 1}" in caught.value.message
        assert caught.value.hint is not None
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1

    def test_a_file_that_is_not_a_database_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "exec-assistant.sqlite3"
        path.write_bytes(b"this is not a database, just some text that is long enough" * 20)

        with pytest.raises(DataFolderError, match="cannot open database") as caught:
            SqliteDatabase(path)

        assert str(path) in caught.value.message

    def test_the_database_is_in_wal_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "exec-assistant.sqlite3"
        SqliteDatabase(path).close()

        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def test_meetings_survive_closing_and_reopening(self, tmp_path: Path) -> None:
        path = tmp_path / "exec-assistant.sqlite3"
        db = SqliteDatabase(path)
        SqliteMeetingRepository(db).put_many([a_meeting("mtg_1"), a_meeting("mtg_2")])
        db.close()

        db = SqliteDatabase(path)
        try:
            stored = SqliteMeetingRepository(db).get_many(["mtg_1", "mtg_2"])
        finally:
            db.close()
        assert stored == {"mtg_1": a_meeting("mtg_1"), "mtg_2": a_meeting("mtg_2")}


# The second process: tries to hold the folder, prints what happened, exits with its code.
ACQUIRE = """
import sys
from pathlib import Path
from exec_assistant.adapters.local.data_folder import DataFolder
from exec_assistant.domain.errors import DataFolderError

try:
    DataFolder(Path(sys.argv[1])).acquire(sys.argv[2])
except DataFolderError as exc:
    print(exc.message)
    sys.exit(exc.exit_code)
print("acquired")
"""


def acquire_in_another_process(path: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ACQUIRE, str(path), command],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )


@pytest.mark.slow
class TestDataFolderLock:
    def test_holder_names_the_process_holding_the_folder_and_none_once_free(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "data"
        assert DataFolder(path).holder() is None  # never used
        with DataFolder(path) as folder:
            folder.acquire("serve")
            assert DataFolder(path).holder() == f"exec-assistant serve (pid {os.getpid()})"
        assert DataFolder(path).holder() is None
        assert acquire_in_another_process(path, "sync").returncode == 0
        assert DataFolder(path).holder() is None  # ended without releasing: free

    def test_a_look_at_the_holder_does_not_keep_a_starting_command_out(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "data"
        with DataFolder(path) as folder:
            folder.acquire("sync")
        # What `holder()` in another command holds for an instant, here for 30 ms.
        looking = os.open(path / ".lock", os.O_RDONLY)
        fcntl.flock(looking, fcntl.LOCK_SH)
        done_looking = threading.Timer(0.03, lambda: os.close(looking))
        done_looking.start()
        try:
            with DataFolder(path) as starting:
                starting.acquire("serve")
        finally:
            done_looking.join()

    def test_a_second_process_is_refused_while_the_folder_is_held(self, tmp_path: Path) -> None:
        path = tmp_path / "data"
        holder = DataFolder(path)
        holder.acquire("sync")
        try:
            refused = acquire_in_another_process(path, "sync")
        finally:
            holder.release()

        assert refused.returncode == DataFolderInUse.exit_code, refused.stderr
        assert "in use" in refused.stdout
        assert f"exec-assistant sync (pid {os.getpid()})" in refused.stdout
        assert str(path) in refused.stdout

    def test_after_release_another_process_can_hold_the_folder(self, tmp_path: Path) -> None:
        path = tmp_path / "data"
        holder = DataFolder(path)
        holder.acquire("sync")
        assert acquire_in_another_process(path, "sync").returncode != 0
        holder.release()

        accepted = acquire_in_another_process(path, "sync")

        assert accepted.returncode == 0, accepted.stdout + accepted.stderr
        assert "acquired" in accepted.stdout

    def test_a_process_that_ends_without_releasing_does_not_keep_the_folder(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "data"
        assert acquire_in_another_process(path, "sync").returncode == 0

        folder = DataFolder(path)
        folder.acquire("sync")
        folder.release()

    def test_leaving_the_with_block_releases_the_folder(self, tmp_path: Path) -> None:
        path = tmp_path / "data"
        with DataFolder(path) as folder:
            folder.acquire("sync")
            with pytest.raises(DataFolderInUse, match=r"in use by exec-assistant sync \(pid"):
                DataFolder(path).acquire("meetings")

        accepted = acquire_in_another_process(path, "sync")
        assert accepted.returncode == 0, accepted.stdout + accepted.stderr


class TestDataFolderPrepare:
    def test_prepare_creates_the_folder(self, tmp_path: Path) -> None:
        path = tmp_path / "a" / "b" / "data"
        DataFolder(path).prepare()

        assert path.is_dir()
        assert list(path.iterdir()) == []

    def test_a_folder_whose_parent_is_a_file_is_refused(self, tmp_path: Path) -> None:
        parent = tmp_path / "not-a-folder"
        parent.write_text("just a file")
        path = parent / "data"

        with pytest.raises(DataFolderError) as caught:
            DataFolder(path).prepare()

        assert str(path) in caught.value.message
        assert caught.value.hint is not None
        assert parent.read_text() == "just a file"

    def test_a_data_folder_that_is_a_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "data"
        path.write_text("just a file")

        with pytest.raises(DataFolderError, match="not a folder") as caught:
            DataFolder(path).prepare()

        assert str(path) in caught.value.message

    def test_a_read_only_folder_is_refused(self, shared_tmp: Path) -> None:
        path = shared_tmp / "data"
        path.mkdir()
        path.chmod(0o555)

        if os.geteuid() == 0:
            # Root ignores permission bits: try as nobody, in a process of its own.
            code, message = prepare_as(NOBODY, NOBODY, path)
        else:
            if os.access(path, os.W_OK):
                pytest.skip("cannot make a folder read-only for this user")
            try:
                DataFolder(path).prepare()
                code, message = 0, "prepared"
            except DataFolderError as exc:
                code, message = exc.exit_code, str(exc)

        assert code == DataFolderError.exit_code, message
        assert f"data folder {path} is not writable" in message
        assert list(path.iterdir()) == []


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder other users can reach (pytest's tmp_path is 0700 all the way up)."""
    base = Path(tempfile.mkdtemp(prefix="exec-assistant-test-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        for folder in [base, *base.rglob("*")]:
            if folder.is_dir():
                folder.chmod(0o755)
        shutil.rmtree(base)


def prepare_as(uid: int, gid: int, path: Path) -> tuple[int, str]:
    """DataFolder(path).prepare() in a forked child running as uid:gid; its exit code and message.

    A fork, not an exec: the interpreter may live in a home folder that user cannot enter.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            try:
                DataFolder(path).prepare()
                message, status = "prepared", 0
            except DataFolderError as exc:
                message, status = str(exc), exc.exit_code
            os.write(write_end, message.encode())
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read().decode()
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status), output
