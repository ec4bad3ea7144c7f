"""In-memory adapters of every repository port and the document store: fakes for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from exec_assistant.domain.calendar_consent import ConsentStage, PendingConsent
from exec_assistant.domain.calendar_sync import CalendarSnapshot
from exec_assistant.domain.documents import validate_key
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

if TYPE_CHECKING:  # the ports import the whole domain; the Slack webhook's cold start uses this
    from exec_assistant.ports import Clock


def _by_start(meetings: list[Meeting]) -> list[Meeting]:
    return sorted(meetings, key=lambda m: (m.start, m.meeting_id))


class InMemoryMeetingRepository:
    def __init__(self) -> None:
        self._items: dict[str, Meeting] = {}
        self._lock = threading.Lock()

    def get(self, meeting_id: str) -> Meeting | None:
        return self._items.get(meeting_id)

    def get_many(self, meeting_ids: Sequence[str]) -> dict[str, Meeting]:
        return {i: self._items[i] for i in meeting_ids if i in self._items}

    def summaries(self, meeting_ids: Sequence[str]) -> dict[str, MeetingSummary]:
        return {i: MeetingSummary.of(m) for i, m in self.get_many(meeting_ids).items()}

    def ids_with_prefix(self, prefix: str, limit: int = 10) -> list[str]:
        return sorted(i for i in self._items if i.startswith(prefix))[:limit]

    def put(self, meeting: Meeting) -> None:
        self._items[meeting.meeting_id] = meeting

    def put_many(self, meetings: Sequence[Meeting]) -> None:
        with self._lock:
            self._items.update({m.meeting_id: m for m in meetings})

    def update_many(
        self,
        meeting_ids: Sequence[str],
        change: Callable[[str, Meeting | None], Meeting | None],
    ) -> list[Meeting]:
        with self._lock:
            stored = []
            for meeting_id in dict.fromkeys(meeting_ids):
                changed = change(meeting_id, self._items.get(meeting_id))
                if changed is not None:
                    stored.append(changed)
            self._items.update({m.meeting_id: m for m in stored})
            return stored

    def update(self, meeting_id: str, change: Callable[[Meeting], Meeting]) -> Meeting | None:
        with self._lock:
            current = self._items.get(meeting_id)
            if current is None:
                return None
            changed = change(current)
            self._items[meeting_id] = changed
            return changed

    def list_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> list[Meeting]:
        return _by_start(
            [
                m
                for m in self._items.values()
                if start_from <= m.start < start_to
                and (calendar_id is None or m.calendar_id == calendar_id)
            ]
        )

    def fingerprints(self, meeting_ids: Sequence[str]) -> dict[str, str | None]:
        return {i: self._items[i].source_fingerprint for i in meeting_ids if i in self._items}

    def statuses_between(
        self, start_from: datetime, start_to: datetime, calendar_id: str | None = None
    ) -> dict[str, MeetingStatus]:
        return {
            m.meeting_id: m.status for m in self.list_between(start_from, start_to, calendar_id)
        }

    def list_by_status(
        self,
        status: MeetingStatus,
        start_from: datetime | None = None,
        start_to: datetime | None = None,
    ) -> list[Meeting]:
        return _by_start(
            [
                m
                for m in self._items.values()
                if m.status == status
                and (start_from is None or m.start >= start_from)
                and (start_to is None or m.start < start_to)
            ]
        )

    def list_series(self, series_id: str) -> list[Meeting]:
        return _by_start([m for m in self._items.values() if m.series_id == series_id])


class InMemorySeriesOverrideRepository:
    def __init__(self) -> None:
        self._items: dict[str, str] = {}

    def get(self, series_id: str) -> str | None:
        return self._items.get(series_id)

    def set(self, series_id: str, meeting_type: str, at: datetime) -> None:
        self._items[series_id] = meeting_type

    def all(self) -> dict[str, str]:
        return dict(self._items)


class InMemoryChatSessionRepository:
    def __init__(self) -> None:
        self._items: dict[str, ChatSession] = {}
        self._lock = threading.Lock()

    def get(self, session_id: str) -> ChatSession | None:
        return self._items.get(session_id)

    def put(self, session: ChatSession) -> None:
        self._items[session.session_id] = session

    def update(
        self, session_id: str, change: Callable[[ChatSession], ChatSession]
    ) -> ChatSession | None:
        with self._lock:
            current = self._items.get(session_id)
            if current is None:
                return None
            changed = change(current)
            self._items[session_id] = changed
            return changed

    def list_for_user(self, user_id: str, created_after: int = 0) -> list[ChatSession]:
        return sorted(
            (
                s
                for s in self._items.values()
                if s.user_id == user_id and s.created_at > created_after
            ),
            key=lambda s: (s.created_at, s.session_id),
        )

    def find_for_meeting(self, meeting_id: str) -> list[ChatSession]:
        return sorted(
            (s for s in self._items.values() if s.meeting_id == meeting_id),
            key=lambda s: (s.created_at, s.session_id),
        )


class InMemoryActionItemRepository:
    def __init__(self) -> None:
        self._items: dict[str, ActionItem] = {}

    def put_many(self, items: Sequence[ActionItem]) -> None:
        for item in items:
            self._items[item.item_id] = item

    def replace_for_meeting(self, meeting_id: str, items: Sequence[ActionItem]) -> None:
        kept = {k: v for k, v in self._items.items() if v.meeting_id != meeting_id}
        self._items = kept | {i.item_id: i for i in items}

    def get(self, item_id: str) -> ActionItem | None:
        return self._items.get(item_id)

    def list(
        self,
        *,
        owner: str | None = None,
        open_only: bool = False,
        meeting_id: str | None = None,
        series_id: str | None = None,
    ) -> list[ActionItem]:
        return sorted(
            (
                i
                for i in self._items.values()
                if (owner is None or (i.owner or "").lower() == owner.lower())
                and (not open_only or i.status == ItemStatus.OPEN)
                and (meeting_id is None or i.meeting_id == meeting_id)
                and (series_id is None or i.series_id == series_id)
            ),
            key=lambda i: i.created_at,
        )


class InMemoryDecisionRepository:
    def __init__(self) -> None:
        self._items: dict[str, Decision] = {}

    def put_many(self, decisions: Sequence[Decision]) -> None:
        for decision in decisions:
            self._items[decision.decision_id] = decision

    def replace_for_meeting(self, meeting_id: str, decisions: Sequence[Decision]) -> None:
        kept = {k: v for k, v in self._items.items() if v.meeting_id != meeting_id}
        self._items = kept | {d.decision_id: d for d in decisions}

    def get(self, decision_id: str) -> Decision | None:
        return self._items.get(decision_id)

    def list(
        self,
        *,
        open_only: bool = False,
        meeting_id: str | None = None,
        series_id: str | None = None,
    ) -> list[Decision]:
        return sorted(
            (
                d
                for d in self._items.values()
                if (not open_only or d.status == DecisionStatus.PENDING)
                and (meeting_id is None or d.meeting_id == meeting_id)
                and (series_id is None or d.series_id == series_id)
            ),
            key=lambda d: d.created_at,
        )


class InMemoryDeliveryRepository:
    def __init__(self) -> None:
        self._items: dict[str, Delivery] = {}

    def get(self, key: str) -> Delivery | None:
        return self._items.get(key)

    def put(self, delivery: Delivery) -> None:
        self._items[delivery.key] = delivery


class InMemoryCalendarStateRepository:
    def __init__(self) -> None:
        self._items: dict[str, CalendarState] = {}

    def get(self, calendar_id: str) -> CalendarState | None:
        return self._items.get(calendar_id)

    def put(self, state: CalendarState) -> None:
        self._items[state.calendar_id] = state


class InMemoryDocumentStore:
    def __init__(self) -> None:
        self._items: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._items[validate_key(key)] = bytes(data)

    def get(self, key: str) -> bytes | None:
        return self._items.get(validate_key(key))

    def exists(self, key: str) -> bool:
        return validate_key(key) in self._items

    def list(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self._items if k.startswith(prefix))

    def delete(self, key: str) -> None:
        self._items.pop(validate_key(key), None)

    def location(self, key: str) -> str:
        return f"memory://{validate_key(key)}"


class InMemoryChatThreadRepository:
    def __init__(self) -> None:
        self._items: dict[str, ChatThread] = {}
        self._lock = threading.Lock()

    def get(self, topic: str) -> ChatThread | None:
        with self._lock:
            return self._items.get(topic)

    def put(self, thread: ChatThread) -> None:
        with self._lock:
            self._items[thread.topic] = thread

    def find(self, channel: str, ts: str) -> ChatThread | None:
        with self._lock:
            found = [t for t in self._items.values() if t.channel == channel and t.ts == ts]
        return max(found, key=lambda t: t.updated_at) if found else None


class InMemorySeenEventRepository:
    """Event ids with their expiry (Unix seconds), judged against `clock`."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._expiry: dict[str, int] = {}
        self._lock = threading.Lock()

    def first_seen(self, event_id: str, expires_at: int) -> bool:
        now = self._clock.now().timestamp()
        with self._lock:
            stored = self._expiry.get(event_id)
            if stored is not None and stored > now:
                return False
            self._expiry = {k: v for k, v in self._expiry.items() if v > now}
            self._expiry[event_id] = expires_at
            return True


class InMemoryCalendarSnapshotRepository:
    def __init__(self) -> None:
        self._items: dict[str, str] = {}

    def get(self, location: str) -> CalendarSnapshot | None:
        body = self._items.get(location)
        return CalendarSnapshot.model_validate_json(body) if body is not None else None

    def put(self, snapshot: CalendarSnapshot) -> None:
        # Kept serialised, as the stored adapters keep it: a caller changing the snapshot it
        # put does not change what is stored.
        self._items[snapshot.location] = snapshot.model_dump_json()

    def delete(self, location: str) -> None:
        self._items.pop(location, None)


class InMemoryCredentialStore:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}

    @property
    def location(self) -> str:
        return "memory"

    def get_all(self) -> dict[str, dict[str, Any]]:
        return {provider: dict(value) for provider, value in self._items.items()}

    def load(self, provider: str) -> dict[str, Any] | None:
        value = self._items.get(provider)
        return dict(value) if value is not None else None

    def save(self, provider: str, authorization: Mapping[str, Any]) -> None:
        self._items[provider] = dict(authorization)

    def delete(self, provider: str) -> None:
        self._items.pop(provider, None)


class InMemoryConsentRepository:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], PendingConsent] = {}
        self._lock = threading.Lock()

    def add(self, pending: PendingConsent) -> None:
        with self._lock:
            self._items[(pending.stage.value, pending.digest)] = pending

    def get(self, stage: ConsentStage, digest: str, valid_at: datetime) -> PendingConsent | None:
        pending = self._items.get((stage.value, digest))
        return pending if pending is not None and pending.expires_at > valid_at else None

    def take(self, stage: ConsentStage, digest: str, valid_at: datetime) -> PendingConsent | None:
        with self._lock:
            pending = self.get(stage, digest, valid_at)
            if pending is not None:
                del self._items[(stage.value, digest)]
            return pending


class InMemorySignInLinkRepository:
    def __init__(self) -> None:
        self._expiries: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def add(self, digest: str, expires_at: datetime) -> None:
        with self._lock:
            self._expiries[digest] = expires_at

    def take(self, digest: str, valid_at: datetime) -> bool:
        with self._lock:
            expires_at = self._expiries.pop(digest, None)
        return expires_at is not None and valid_at < expires_at
