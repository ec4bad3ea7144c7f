"""An outbox: every message as one JSON line appended to a file (or written to a named pipe),
for other tools to pick up. Answers never arrive through it.

Each line carries the message's `key`: after a crash a message may be written again, and a
reader drops a line whose key it has seen.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from exec_assistant.domain.models import (
    ChatSession,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    PrepPack,
)
from exec_assistant.ports import Clock


class OutboxChannel:
    name = "outbox"

    def __init__(self, path: Path, clock: Clock) -> None:
        self._path = path
        self._clock = clock

    def _write(self, kind: str, meeting: Meeting, key: str, **fields: Any) -> None:
        entry = {
            "kind": kind,
            "key": key,
            "meeting_id": meeting.meeting_id,
            "title": meeting.title,
            "start": meeting.start.isoformat(),
            "sent_at": self._clock.now().isoformat(),
            **fields,
        }
        self._emit(json.dumps(entry, ensure_ascii=False))

    def _emit(self, line: str) -> None:
        # Opened per message: a named pipe blocks here until a reader is there. Created
        # readable by the owner only: the lines hold meeting titles and agendas.
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        self._write(
            "questions",
            meeting,
            key,
            session_id=session.session_id,
            questions=list(session.questions),
            answers_due=session.answers_due.isoformat() if session.answers_due else None,
            ask_style=session.ask_style.value,
        )
        return None

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None:
        self._write(
            "pack",
            meeting,
            key,
            location=location,
            agenda=[{"title": i.title, "minutes": i.minutes} for i in pack.agenda],
            generated_by=pack.generated_by,
            answers_received=pack.answers_received,
        )

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None:
        self._write(
            "reminder",
            meeting,
            key,
            headline=list(reminder.headline),
            questions=list(reminder.questions),
            open_items=list(reminder.open_items),
            late=reminder.late,
        )

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        self._write("notice", meeting, key, text=text)

    def follow_up(
        self, meeting: Meeting, session: ChatSession, follow_up: FollowUpTurn, key: str
    ) -> str | None:
        self._write(
            "follow_up",
            meeting,
            key,
            session_id=session.session_id,
            question_number=follow_up.question_number,
            question=follow_up.question,
            answer=session.answers.get(follow_up.question_number, ""),
        )
        return None

    def notify(self, text: str, key: str) -> None:
        entry = {"kind": "notice", "key": key, "sent_at": self._clock.now().isoformat()}
        self._emit(json.dumps({**entry, "text": text}, ensure_ascii=False))

    def ask_for_notes(self, meeting: Meeting, key: str) -> None:
        self._write(
            "notes_request",
            meeting,
            key,
            end=meeting.end.isoformat(),
            command=f"exec-assistant notes {meeting.meeting_id} FILE",
        )


class JsonLinesChannel(OutboxChannel):
    """The outbox on standard output: `serve --json`."""

    name = "json"

    def __init__(self, clock: Clock) -> None:
        super().__init__(Path("-"), clock)
        self._lock = threading.Lock()

    def _emit(self, line: str) -> None:
        with self._lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
