"""The repository ports on SQLite: indexed columns for queries, the record as JSON."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from exec_assistant.adapters.local.sqlite_database import SqliteDatabase
from exec_assistant.domain.models import (
    ActionItem,
    CalendarState,
    ChatSession,
    ChatThread,
    Decision,
    DecisionStatus,
    Delivery,
    ItemStatus,
    Meeting,
    MeetingStatus,
    MeetingSummary,
)
from exec_assistant.ports import Clock

_BATCH = 500  # stays under SQLite's limit on bound parameters


def iso_key(value: datetime) -> str:
    """A fixed-width UTC timestamp, to the microsecond, that sorts as text."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SqliteMeetingRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, meeting_id: str) -> Meeting | None:
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT body FROM meetings WHERE meeting_id = ?", (meeting_id,)
            ).fetchone()
        return Meeting.model_validate_json(row[0]) if row else None

    def _column_by_id(self, column: str, meeting_ids: Sequence[str]) -> list[tuple[str, Any]]:
        """(meeting_id, column) of the stored meetings among the ids, in batches."""
        ids = list(dict.fromkeys(meeting_ids))
        rows: list[tuple[str, Any]] = []
        with self._db.reading() as conn:
            for offset in range(0, len(ids), _BATCH):
                chunk = ids[offset : offset + _BATCH]
                rows += conn.execute(
                    f"SELECT meeting_id, {column} FROM meetings WHERE meeting_id IN"
                    f" ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
        return rows

    def get_many(self, meeting_ids: Sequence[str]) -> dict[str, Meeting]:
        return {
            str(meeting_id): Meeting.model_validate_json(body)
            for meeting_id, body in self._column_by_id("body", meeting_ids)
        }

    def summaries(self, meeting_ids: Sequence[str]) -> dict[str, MeetingSummary]:
        return {
            str(meeting_id): MeetingSummary.model_validate_json(body)
            for meeting_id, body in self._column_by_id("body", meeting_ids)
        }

    def ids_with_prefix(self, prefix: str, limit: int = 10) -> list[str]:
        upper = prefix + "\U0010ffff"
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT meeting_id FROM meetings WHERE meeting_id >= ? AND meeting_id < ?"
                " ORDER BY meeting_id LIMIT ?",
                (prefix, upper, limit),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def put(self, meeting: Meeting) -> None:
        self.put_many([meeting])

    def put_many(self, meetings: Sequence[Meeting]) -> None:
        with self._db.transaction() as conn:
            _write_meetings(conn, meetings)

    def update_many(
        self,
        meeting_ids: Sequence[str],
        change: Callable[[str, Meeting | None], Meeting | None],
    ) -> list[Meeting]:
        ids = list(dict.fromkeys(meeting_ids))
        with self._db.transaction() as conn:
            current: dict[str, Meeting] = {}
            for offset in range(0, len(ids), _BATCH):
                chunk = ids[offset : offset + _BATCH]
                rows = conn.execute(
                    "SELECT meeting_id, body FROM meetings WHERE meeting_id IN"
                    f" ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                current.update({str(i): Meeting.model_validate_json(body) for i, body in rows})
            stored = [
                changed
                for meeting_id in ids
                if (changed := change(meeting_id, current.get(meeting_id))) is not None
            ]
            _write_meetings(conn, stored)
        return stored

    def update(self, meeting_id: str, change: Callable[[Meeting], Meeting]) -> Meeting | None:
        # BEGIN IMMEDIATE takes the write lock first: no other process or thread writes
        # between the read and the write.
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT body FROM meetings WHERE meeting_id = ?", (meeting_id,)
            ).fetchone()
            if row is None:
                return None
            changed = change(Meeting.model_validate_json(row[0]))
            _write_meetings(conn, [changed])
        return changed

    def _select(self, where: str, params: Sequence[Any]) -> list[Meeting]:
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT body FROM meetings WHERE {where} ORDER BY start_time, meeting_id",
                tuple(params),
            ).fetchall()
        return [Meeting.model_validate_json(r[0]) for r in rows]

    def list_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> list[Meeting]:
        where = "start_time >= ? AND start_time < ?"
        params: list[Any] = [iso_key(start_from), iso_key(start_to)]
        if calendar_id is not None:
            where += " AND calendar_id = ?"
            params.append(calendar_id)
        return self._select(where, params)

    def fingerprints(self, meeting_ids: Sequence[str]) -> dict[str, str | None]:
        return {
            str(meeting_id): (str(value) if value is not None else None)
            for meeting_id, value in self._column_by_id("fingerprint", meeting_ids)
        }

    def statuses_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> dict[str, MeetingStatus]:
        # The indexed columns alone: no record body is read or validated.
        where = "start_time >= ? AND start_time < ?"
        params: list[Any] = [iso_key(start_from), iso_key(start_to)]
        if calendar_id is not None:
            where += " AND calendar_id = ?"
            params.append(calendar_id)
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT meeting_id, status FROM meetings WHERE {where}"
                " ORDER BY start_time, meeting_id",
                tuple(params),
            ).fetchall()
        return {str(meeting_id): MeetingStatus(status) for meeting_id, status in rows}

    def list_by_status(
        self,
        status: MeetingStatus,
        start_from: datetime | None = None,
        start_to: datetime | None = None,
    ) -> list[Meeting]:
        where = "status = ?"
        params: list[Any] = [status.value]
        if start_from is not None:
            where += " AND start_time >= ?"
            params.append(iso_key(start_from))
        if start_to is not None:
            where += " AND start_time < ?"
            params.append(iso_key(start_to))
        return self._select(where, params)

    def list_series(self, series_id: str) -> list[Meeting]:
        return self._select("series_id = ?", [series_id])


def _write_meetings(conn: sqlite3.Connection, meetings: Sequence[Meeting]) -> None:
    conn.executemany(
        "INSERT INTO meetings"
        " (meeting_id, calendar_id, series_id, status, start_time, fingerprint, body)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (meeting_id) DO UPDATE SET"
        " calendar_id = excluded.calendar_id, series_id = excluded.series_id,"
        " status = excluded.status, start_time = excluded.start_time,"
        " fingerprint = excluded.fingerprint, body = excluded.body",
        # Row by row as the batch is walked: all or none is the transaction's doing.
        (
            (
                m.meeting_id,
                m.calendar_id,
                m.series_id,
                m.status.value,
                iso_key(m.start),
                m.source_fingerprint,
                m.model_dump_json(),
            )
            for m in meetings
        ),
    )


class SqliteSeriesOverrideRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, series_id: str) -> str | None:
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT meeting_type FROM series_overrides WHERE series_id = ?", (series_id,)
            ).fetchone()
        return str(row[0]) if row else None

    def set(self, series_id: str, meeting_type: str, at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO series_overrides (series_id, meeting_type, set_at) VALUES (?, ?, ?)"
                " ON CONFLICT (series_id) DO UPDATE SET meeting_type = excluded.meeting_type,"
                " set_at = excluded.set_at",
                (series_id, meeting_type, iso_key(at)),
            )

    def all(self) -> dict[str, str]:
        with self._db.reading() as conn:
            rows = conn.execute("SELECT series_id, meeting_type FROM series_overrides").fetchall()
        return {str(r[0]): str(r[1]) for r in rows}


class SqliteChatSessionRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, session_id: str) -> ChatSession | None:
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT body FROM chat_sessions WHERE session_id = ?", (session_id,)
            ).fetchone()
        return ChatSession.model_validate_json(row[0]) if row else None

    def put(self, session: ChatSession) -> None:
        with self._db.transaction() as conn:
            _write_session(conn, session)

    def update(
        self, session_id: str, change: Callable[[ChatSession], ChatSession]
    ) -> ChatSession | None:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT body FROM chat_sessions WHERE session_id = ?", (session_id,)
            ).fetchone()
            if row is None:
                return None
            changed = change(ChatSession.model_validate_json(row[0]))
            _write_session(conn, changed)
        return changed

    def list_for_user(self, user_id: str, created_after: int = 0) -> list[ChatSession]:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT body FROM chat_sessions WHERE user_id = ? AND created_at > ?"
                " ORDER BY created_at, session_id",
                (user_id, created_after),
            ).fetchall()
        return [ChatSession.model_validate_json(r[0]) for r in rows]

    def find_for_meeting(self, meeting_id: str) -> list[ChatSession]:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT body FROM chat_sessions WHERE meeting_id = ?"
                " ORDER BY created_at, session_id",
                (meeting_id,),
            ).fetchall()
        return [ChatSession.model_validate_json(r[0]) for r in rows]


def _write_session(conn: sqlite3.Connection, session: ChatSession) -> None:
    conn.execute(
        "INSERT INTO chat_sessions"
        " (session_id, user_id, meeting_id, created_at, expires_at, body)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET"
        " user_id = excluded.user_id, meeting_id = excluded.meeting_id,"
        " created_at = excluded.created_at, expires_at = excluded.expires_at,"
        " body = excluded.body",
        (
            session.session_id,
            session.user_id,
            session.meeting_id,
            session.created_at,
            session.expires_at,
            session.model_dump_json(),
        ),
    )


class SqliteActionItemRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def put_many(self, items: Sequence[ActionItem]) -> None:
        with self._db.transaction() as conn:
            _write_items(conn, items)

    def replace_for_meeting(self, meeting_id: str, items: Sequence[ActionItem]) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM action_items WHERE meeting_id = ?", (meeting_id,))
            _write_items(conn, items)

    def get(self, item_id: str) -> ActionItem | None:
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT body FROM action_items WHERE item_id = ?", (item_id,)
            ).fetchone()
        return ActionItem.model_validate_json(row[0]) if row else None

    def list(
        self,
        *,
        owner: str | None = None,
        open_only: bool = False,
        meeting_id: str | None = None,
        series_id: str | None = None,
    ) -> list[ActionItem]:
        clauses, params = _filters(
            owner=owner.lower() if owner else None,
            status=ItemStatus.OPEN.value if open_only else None,
            meeting_id=meeting_id,
            series_id=series_id,
        )
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT body FROM action_items{clauses} ORDER BY rowid", params
            ).fetchall()
        items = [ActionItem.model_validate_json(r[0]) for r in rows]
        return sorted(items, key=lambda i: i.created_at)


def _write_items(conn: sqlite3.Connection, items: Sequence[ActionItem]) -> None:
    conn.executemany(
        "INSERT INTO action_items (item_id, meeting_id, series_id, owner, status, body)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET"
        " meeting_id = excluded.meeting_id, series_id = excluded.series_id,"
        " owner = excluded.owner, status = excluded.status, body = excluded.body",
        [
            (
                i.item_id,
                i.meeting_id,
                i.series_id,
                i.owner.lower() if i.owner else None,
                i.status.value,
                i.model_dump_json(),
            )
            for i in items
        ],
    )


class SqliteDecisionRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def put_many(self, decisions: Sequence[Decision]) -> None:
        with self._db.transaction() as conn:
            _write_decisions(conn, decisions)

    def replace_for_meeting(self, meeting_id: str, decisions: Sequence[Decision]) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM decisions WHERE meeting_id = ?", (meeting_id,))
            _write_decisions(conn, decisions)

    def get(self, decision_id: str) -> Decision | None:
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT body FROM decisions WHERE decision_id = ?", (decision_id,)
            ).fetchone()
        return Decision.model_validate_json(row[0]) if row else None

    def list(
        self,
        *,
        open_only: bool = False,
        meeting_id: str | None = None,
        series_id: str | None = None,
    ) -> list[Decision]:
        clauses, params = _filters(
            status=DecisionStatus.PENDING.value if open_only else None,
            meeting_id=meeting_id,
            series_id=series_id,
        )
        with self._db.reading() as conn:
            rows = conn.execute(
                f"SELECT body FROM decisions{clauses} ORDER BY rowid", params
            ).fetchall()
        decisions = [Decision.model_validate_json(r[0]) for r in rows]
        return sorted(decisions, key=lambda d: d.created_at)


def _write_decisions(conn: sqlite3.Connection, decisions: Sequence[Decision]) -> None:
    conn.executemany(
        "INSERT INTO decisions (decision_id, meeting_id, series_id, status, body)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (decision_id) DO UPDATE SET"
        " meeting_id = excluded.meeting_id, series_id = excluded.series_id,"
        " status = excluded.status, body = excluded.body",
        [
            (d.decision_id, d.meeting_id, d.series_id, d.status.value, d.model_dump_json())
            for d in decisions
        ],
    )


class SqliteDeliveryRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, key: str) -> Delivery | None:
        with self._db.reading() as conn:
            row = conn.execute("SELECT body FROM deliveries WHERE key = ?", (key,)).fetchone()
        return Delivery.model_validate_json(row[0]) if row else None

    def put(self, delivery: Delivery) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO deliveries (key, meeting_id, body) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET meeting_id = excluded.meeting_id,"
                " body = excluded.body",
                (delivery.key, delivery.meeting_id, delivery.model_dump_json()),
            )


class SqliteCalendarStateRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, calendar_id: str) -> CalendarState | None:
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT body FROM calendar_state WHERE calendar_id = ?", (calendar_id,)
            ).fetchone()
        return CalendarState.model_validate_json(row[0]) if row else None

    def put(self, state: CalendarState) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO calendar_state (calendar_id, body) VALUES (?, ?)"
                " ON CONFLICT (calendar_id) DO UPDATE SET body = excluded.body",
                (state.calendar_id, state.model_dump_json()),
            )


class SqliteChatThreadRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, topic: str) -> ChatThread | None:
        with self._db.reading() as conn:
            row = conn.execute("SELECT body FROM chat_threads WHERE topic = ?", (topic,)).fetchone()
        return ChatThread.model_validate_json(row[0]) if row else None

    def put(self, thread: ChatThread) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO chat_threads (topic, channel, ts, body) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (topic) DO UPDATE SET channel = excluded.channel,"
                " ts = excluded.ts, body = excluded.body",
                (thread.topic, thread.channel, thread.ts, thread.model_dump_json()),
            )

    def find(self, channel: str, ts: str) -> ChatThread | None:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT body FROM chat_threads WHERE channel = ? AND ts = ?", (channel, ts)
            ).fetchall()
        found = [ChatThread.model_validate_json(row[0]) for row in rows]
        return max(found, key=lambda t: t.updated_at) if found else None


class SqliteSeenEventRepository:
    """Event ids with their expiry (Unix seconds), judged against `clock`; one row each."""

    def __init__(self, db: SqliteDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def first_seen(self, event_id: str, expires_at: int) -> bool:
        now = int(self._clock.now().timestamp())
        with self._db.transaction() as conn:
            # An expired record counts as absent: it is replaced, and this is a first sighting.
            row = conn.execute(
                "INSERT INTO seen_events (event_id, expires_at) VALUES (?, ?)"
                " ON CONFLICT (event_id) DO UPDATE SET expires_at = excluded.expires_at"
                " WHERE seen_events.expires_at <= ? RETURNING event_id",
                (event_id, expires_at, now),
            ).fetchone()
            if row is not None:
                conn.execute("DELETE FROM seen_events WHERE expires_at <= ?", (now,))
        return row is not None


def _filters(**columns: str | None) -> tuple[str, tuple[str, ...]]:
    present = {k: v for k, v in columns.items() if v is not None}
    if not present:
        return "", ()
    return " WHERE " + " AND ".join(f"{k} = ?" for k in present), tuple(present.values())
