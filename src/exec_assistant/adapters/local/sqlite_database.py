"""One SQLite file in WAL mode, with versioned migrations applied on open."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exec_assistant.domain.errors import DataFolderError

# Append only: a data folder at version N gets migrations N+1.. applied in order, in place.
MIGRATIONS: tuple[str, ...] = (
    # 1: the first release
    """
    CREATE TABLE meetings (
        meeting_id  TEXT PRIMARY KEY,
        calendar_id TEXT NOT NULL,
        series_id   TEXT NOT NULL,
        status      TEXT NOT NULL,
        start_time  TEXT NOT NULL,
        body        TEXT NOT NULL
    );
    CREATE INDEX meetings_start ON meetings (start_time);
    CREATE INDEX meetings_series ON meetings (series_id, start_time);
    CREATE TABLE chat_sessions (
        session_id TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL,
        meeting_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        body       TEXT NOT NULL
    );
    CREATE INDEX chat_sessions_user ON chat_sessions (user_id, created_at);
    CREATE TABLE action_items (
        item_id    TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL,
        series_id  TEXT,
        owner      TEXT,
        status     TEXT NOT NULL,
        body       TEXT NOT NULL
    );
    CREATE INDEX action_items_owner ON action_items (owner, status);
    CREATE TABLE decisions (
        decision_id TEXT PRIMARY KEY,
        meeting_id  TEXT NOT NULL,
        series_id   TEXT,
        status      TEXT NOT NULL,
        body        TEXT NOT NULL
    );
    """,
    # 2: per-series type overrides; the status/start index the meetings table has on AWS
    """
    CREATE TABLE series_overrides (
        series_id    TEXT PRIMARY KEY,
        meeting_type TEXT NOT NULL,
        set_at       TEXT NOT NULL
    );
    CREATE INDEX meetings_status_start ON meetings (status, start_time);
    CREATE INDEX chat_sessions_meeting ON chat_sessions (meeting_id);
    CREATE INDEX action_items_meeting ON action_items (meeting_id);
    CREATE INDEX decisions_meeting ON decisions (meeting_id);
    """,
    # 3: start times to the microsecond, so ranges compare exactly
    """
    UPDATE meetings SET start_time = substr(start_time, 1, 19) || '.000000Z'
    WHERE length(start_time) = 20;
    """,
    # 4: what each meeting was assessed from, so a sync skips unchanged events
    """
    ALTER TABLE meetings ADD COLUMN fingerprint TEXT;
    """,
    # 5: the record of every message sent, and what each calendar's last fetch held
    """
    CREATE TABLE deliveries (
        key        TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL,
        body       TEXT NOT NULL
    );
    CREATE TABLE calendar_state (
        calendar_id TEXT PRIMARY KEY,
        body        TEXT NOT NULL
    );
    """,
    # 6: which chat thread holds each meeting's prep and each day's digest
    """
    CREATE TABLE chat_threads (
        topic   TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        ts      TEXT NOT NULL,
        body    TEXT NOT NULL
    );
    CREATE INDEX chat_threads_root ON chat_threads (channel, ts);
    """,
    # 7: the chat events already handled, so a retried event is handled once
    """
    CREATE TABLE seen_events (
        event_id   TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX seen_events_expiry ON seen_events (expires_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def owner_only(path: Path) -> None:
    """Create the file readable by its owner only (0600), or make an existing one so: the
    database holds meeting titles, attendees, answers and notes."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


class SqliteDatabase:
    """A shared connection guarded by a lock, so worker threads can use it safely."""

    def __init__(self, path: Path | str, *, migrate_to: int = SCHEMA_VERSION) -> None:
        self.path = str(path)
        try:
            owner_only(Path(self.path))
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise DataFolderError(
                f"cannot open database {self.path}: {exc}",
                hint="If the file is damaged, move it aside and run 'exec-assistant sync' to "
                "rebuild the meetings (keep the copy: it holds your notes, action items and "
                "decisions).",
            ) from None
        self._lock = threading.RLock()
        self._migrate(migrate_to)

    @property
    def schema_version(self) -> int:
        row = self._conn.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _migrate(self, target: int) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise DataFolderError(
                f"database {self.path} has schema version {current}, newer than this "
                f"exec-assistant understands ({SCHEMA_VERSION})",
                hint="Upgrade exec-assistant, or use another --data-dir.",
            )
        for version in range(current + 1, target + 1):
            script = MIGRATIONS[version - 1]
            with self._lock:
                try:
                    self._conn.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
                    )
                except sqlite3.Error as exc:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise DataFolderError(
                        f"cannot upgrade database {self.path} to schema version {version}: {exc}"
                    ) from None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise DataFolderError(
                    f"cannot write to database {self.path}: {exc}",
                    hint="Check that the data folder is writable and not on a full disk.",
                ) from None
            except sqlite3.DatabaseError as exc:
                raise self._damaged(exc) from None

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:
                raise self._damaged(exc) from None

    def _damaged(self, exc: sqlite3.DatabaseError) -> DataFolderError:
        return DataFolderError(
            f"cannot read database {self.path}: {exc}",
            hint="The file may be damaged: move it aside and run 'exec-assistant sync' to "
            "rebuild the meetings (keep the copy: it holds your notes, action items and "
            "decisions).",
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
