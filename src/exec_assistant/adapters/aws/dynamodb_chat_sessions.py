"""The chat session repository on DynamoDB (the spec's `exec-assistant-chat-sessions` table).

Sessions are read by id with a strongly consistent GetItem; the lists by user and by meeting
go through the global indexes (eventually consistent). DynamoDB deletes a session some time
after its `expires_at` (the table's time to live); until then it reads back as stored.
"""

from __future__ import annotations

from collections.abc import Callable

from exec_assistant.adapters.aws.dynamodb_table import (
    UPDATE_ATTEMPTS,
    DynamoClient,
    DynamoTable,
    Item,
    body_of,
    check_size,
    key_fits,
    n,
    new_version,
    require_key,
    retry_lost_races,
    s,
    shown,
    text,
)
from exec_assistant.adapters.aws.tables import CHAT_SESSIONS
from exec_assistant.domain.models import ChatSession

_BY_USER = CHAT_SESSIONS.index("user_id-created_at-index").name
_BY_MEETING = CHAT_SESSIONS.index("meeting_id-created_at-index").name
_SIZE_HINT = "Its answers are too long to keep: answer in fewer words."


def _label(session_id: str) -> str:
    return f"chat session {shown(session_id)}"


def _item(session: ChatSession, version: str) -> Item:
    label = _label(session.session_id)
    require_key(label, session.session_id)
    item: Item = {
        "session_id": s(session.session_id),
        "created_at": n(session.created_at),
        "expires_at": n(session.expires_at),
        "body": s(body_of(label, session)),
        "version": s(version),
    }
    # Index keys: absent rather than empty (DynamoDB refuses an empty key).
    if key_fits(session.user_id):
        item["user_id"] = s(session.user_id)
    if key_fits(session.meeting_id):
        item["meeting_id"] = s(session.meeting_id)
    check_size(label, item, _SIZE_HINT)
    return item


def _session(item: Item) -> ChatSession:
    return ChatSession.model_validate_json(text(item, "body") or "")


def _oldest_first(sessions: list[ChatSession]) -> list[ChatSession]:
    return sorted(sessions, key=lambda x: (x.created_at, x.session_id))


class DynamoChatSessionRepository:
    def __init__(
        self,
        client: DynamoClient,
        table_name: str = CHAT_SESSIONS.default_name,
        *,
        update_attempts: int = UPDATE_ATTEMPTS,
    ) -> None:
        """`update_attempts`: how many lost races an update takes before `UpdateConflict`."""
        self._table = DynamoTable(client, table_name, CHAT_SESSIONS.environment_variable)
        self._attempts = update_attempts

    def _read(self, session_id: str) -> Item | None:
        if not key_fits(session_id):
            return None
        return self._table.get({"session_id": s(session_id)})

    def get(self, session_id: str) -> ChatSession | None:
        item = self._read(session_id)
        return _session(item) if item else None

    def put(self, session: ChatSession) -> None:
        self._table.put(_label(session.session_id), _item(session, new_version()))

    def update(
        self, session_id: str, change: Callable[[ChatSession], ChatSession]
    ) -> ChatSession | None:
        """Read, change, and write only if no one wrote in between; else read again and call
        `change` again on what is stored now (it may be called more than once)."""

        def attempt() -> ChatSession | None:
            item = self._read(session_id)
            if item is None:
                return None
            changed = change(_session(item))
            version = text(item, "version")
            condition = (
                {
                    "ConditionExpression": "version = :read",
                    "ExpressionAttributeValues": {":read": s(version)},
                }
                if version is not None
                else {
                    "ConditionExpression": (
                        "attribute_exists(session_id) AND attribute_not_exists(version)"
                    )
                }
            )
            self._table.put(_label(session_id), _item(changed, new_version()), condition)
            return changed

        return retry_lost_races(_label(session_id), attempt, self._attempts)

    def list_for_user(self, user_id: str, created_after: int = 0) -> list[ChatSession]:
        if not key_fits(user_id):
            return []
        items = self._table.query(
            IndexName=_BY_USER,
            KeyConditionExpression="user_id = :user AND created_at > :after",
            ExpressionAttributeValues={":user": s(user_id), ":after": n(created_after)},
        )
        return _oldest_first([_session(i) for i in items])

    def find_for_meeting(self, meeting_id: str) -> list[ChatSession]:
        if not key_fits(meeting_id):
            return []
        items = self._table.query(
            IndexName=_BY_MEETING,
            KeyConditionExpression="meeting_id = :meeting",
            ExpressionAttributeValues={":meeting": s(meeting_id)},
        )
        return _oldest_first([_session(i) for i in items])
