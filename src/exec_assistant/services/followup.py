"""The follow-up registers: action items across meetings, and the decision register.

Only what the executive accepted is listed: items and decisions proposed from notes that
wait for acceptance (notes given in a chat) are not shown until then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from exec_assistant.domain.models import ActionItem, Decision, ItemStatus, Meeting
from exec_assistant.ports import ActionItemRepository, DecisionRepository, MeetingRepository


@dataclass(frozen=True)
class ActionItemView:
    item: ActionItem
    meeting: Meeting | None
    overdue: bool


@dataclass(frozen=True)
class DecisionView:
    decision: Decision
    meeting: Meeting | None


def owner_matches(owner: str | None, query: str) -> bool:
    """'priya', 'Priya Raman', 'priya.raman' and the full address all find Priya's items."""
    if not owner:
        return False
    wanted = query.strip().lower().lstrip("@")
    have = owner.lower()
    local = have.partition("@")[0]
    words = set(local.replace(".", " ").replace("_", " ").split()) | set(have.split())
    return wanted in (have, local) or wanted in words or wanted.replace(" ", ".") == local


def list_action_items(
    items: ActionItemRepository,
    meetings: MeetingRepository,
    today: date,
    *,
    owner: str | None = None,
    open_only: bool = False,
) -> list[ActionItemView]:
    found = [
        i
        for i in items.list(open_only=open_only)
        if i.accepted and (owner is None or owner_matches(i.owner, owner))
    ]
    by_id = meetings.get_many(list({i.meeting_id for i in found}))
    views = [
        ActionItemView(
            i,
            by_id.get(i.meeting_id),
            i.status == ItemStatus.OPEN and i.due is not None and i.due < today,
        )
        for i in found
    ]
    return sorted(views, key=lambda v: (v.item.due is None, v.item.due, v.item.created_at))


def list_decisions(
    decisions: DecisionRepository, meetings: MeetingRepository, *, open_only: bool = False
) -> list[DecisionView]:
    found = [d for d in decisions.list(open_only=open_only) if d.accepted]
    by_id = meetings.get_many(list({d.meeting_id for d in found}))
    return [DecisionView(d, by_id.get(d.meeting_id)) for d in found]
