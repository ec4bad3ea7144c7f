"""Several channels as one: the terminal and an outbox, say."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from exec_assistant.domain.models import (
    ChatSession,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    PrepPack,
)
from exec_assistant.ports import ChatChannel

T = TypeVar("T")


class FanOutChannel:
    """Asks (questions and follow-ups) through every channel and takes the first answers;
    everything delivered goes to all of them, under the same key.

    When one channel fails, the state sending is retried: the channels that took the message
    already are not given it again (while this process runs; after a restart the key lets
    them drop the copy).
    """

    def __init__(self, primary: ChatChannel, *others: ChatChannel) -> None:
        self._channels = (primary, *others)
        self.name = "+".join(c.name for c in self._channels)
        self._done: dict[tuple[str, int], Any] = {}
        self._lock = threading.Lock()

    def _each(self, key: str, send: Callable[[ChatChannel], T]) -> list[T]:
        results: list[T] = []
        for index, channel in enumerate(self._channels):
            with self._lock:
                done = (key, index) in self._done
                earlier: Any = self._done.get((key, index))
            if done:
                results.append(earlier)
                continue
            result = send(channel)
            with self._lock:
                self._done[(key, index)] = result
            results.append(result)
        return results

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        for answers in self._each(key, lambda c: c.ask(meeting, session, key)):
            if answers is not None:
                return answers
        return None

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None:
        self._each(key, lambda c: c.deliver_pack(meeting, pack, location, key))

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None:
        self._each(key, lambda c: c.remind(meeting, reminder, key))

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        self._each(key, lambda c: c.tell(meeting, text, key))

    def follow_up(
        self, meeting: Meeting, session: ChatSession, follow_up: FollowUpTurn, key: str
    ) -> str | None:
        for answer in self._each(key, lambda c: c.follow_up(meeting, session, follow_up, key)):
            if answer is not None:
                return answer
        return None

    def ask_for_notes(self, meeting: Meeting, key: str) -> None:
        self._each(key, lambda c: c.ask_for_notes(meeting, key))

    def notify(self, text: str, key: str) -> None:
        self._each(key, lambda c: c.notify(text, key))
