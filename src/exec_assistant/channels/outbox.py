"""An outbox: every message as one JSON line appended to a file (or written to a named pipe),
for other tools to pick up. Answers never arrive through it."""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exec_assistant.domain.models import ChatSession, FinalReminder, Meeting, PrepPack


class OutboxChannel:
    name = "outbox"

    def __init__(self, path: Path) -> None:
        self._path = path

    def _write(self, kind: str, meeting: Meeting, **fields: Any) -> None:
        entry = {
            "kind": kind,
            "meeting_id": meeting.meeting_id,
            "title": meeting.title,
            "start": meeting.start.isoformat(),
            "sent_at": datetime.now(UTC).isoformat(),
            **fields,
        }
        self._emit(json.dumps(entry, ensure_ascii=False))

    def _emit(self, line: str) -> None:
        # Opened per message: a named pipe blocks here until a reader is there.
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()

    def ask(self, meeting: Meeting, session: ChatSession) -> dict[str, str] | None:
        self._write(
            "questions",
            meeting,
            session_id=session.session_id,
            questions=list(session.questions),
            answers_due=session.answers_due.isoformat() if session.answers_due else None,
        )
        return None

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str) -> None:
        self._write(
            "pack",
            meeting,
            location=location,
            agenda=[{"title": i.title, "minutes": i.minutes} for i in pack.agenda],
            generated_by=pack.generated_by,
            answers_received=pack.answers_received,
        )

    def remind(self, meeting: Meeting, reminder: FinalReminder) -> None:
        self._write(
            "reminder",
            meeting,
            headline=list(reminder.headline),
            questions=list(reminder.questions),
            open_items=list(reminder.open_items),
        )

    def tell(self, meeting: Meeting, text: str) -> None:
        self._write("notice", meeting, text=text)


class JsonLinesChannel(OutboxChannel):
    """The outbox on standard output: `serve --json`."""

    name = "json"

    def __init__(self) -> None:
        super().__init__(Path("-"))
        self._lock = threading.Lock()

    def _emit(self, line: str) -> None:
        with self._lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
