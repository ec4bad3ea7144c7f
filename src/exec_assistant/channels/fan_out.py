"""Several channels as one: the terminal and an outbox, say."""

from __future__ import annotations

from exec_assistant.domain.models import ChatSession, FinalReminder, Meeting, PrepPack
from exec_assistant.ports import ChatChannel


class FanOutChannel:
    """Asks through every channel and takes the first answers; everything delivered goes to
    all of them, under the same key."""

    def __init__(self, primary: ChatChannel, *others: ChatChannel) -> None:
        self._channels = (primary, *others)
        self.name = "+".join(c.name for c in self._channels)

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        answers = None
        for channel in self._channels:
            got = channel.ask(meeting, session, key)
            if answers is None:
                answers = got
        return answers

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None:
        for channel in self._channels:
            channel.deliver_pack(meeting, pack, location, key)

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None:
        for channel in self._channels:
            channel.remind(meeting, reminder, key)

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        for channel in self._channels:
            channel.tell(meeting, text, key)
