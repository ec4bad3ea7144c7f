"""A channel that takes answers from an answers file when it has them for the meeting."""

from __future__ import annotations

from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.domain.models import (
    ChatSession,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    PrepPack,
)
from exec_assistant.ports import ChatChannel


class AnsweringChannel:
    def __init__(self, inner: ChatChannel, answers: AnswersFile | None) -> None:
        self._inner = inner
        self._answers = answers
        self.name = inner.name

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        given = self._answers.answers_for(meeting, session.questions) if self._answers else None
        asked = self._inner.ask(meeting, session, key)
        return given if given is not None else asked

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None:
        self._inner.deliver_pack(meeting, pack, location, key)

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None:
        self._inner.remind(meeting, reminder, key)

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        self._inner.tell(meeting, text, key)

    def follow_up(
        self, meeting: Meeting, session: ChatSession, follow_up: FollowUpTurn, key: str
    ) -> str | None:
        given = (
            self._answers.follow_up_for(meeting, session.questions, follow_up.question_number)
            if self._answers
            else None
        )
        asked = self._inner.follow_up(meeting, session, follow_up, key)
        return given if given is not None else asked

    def ask_for_notes(self, meeting: Meeting, key: str) -> None:
        self._inner.ask_for_notes(meeting, key)

    def notify(self, text: str, key: str) -> None:
        self._inner.notify(text, key)
