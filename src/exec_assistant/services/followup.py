"""The follow-up registers: action items across meetings, and the decision register.

Only what the executive accepted is listed: items and decisions proposed from notes that
wait for acceptance (notes given in a chat) are not shown until then."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from exec_assistant.domain.errors import ActionItemNotAccepted, ActionItemNotFound
from exec_assistant.domain.models import (
    ActionItem,
    Decision,
    DecisionStatus,
    ItemStatus,
    MeetingSummary,
)
from exec_assistant.domain.text import folded
from exec_assistant.ports import ActionItemRepository, DecisionRepository, MeetingRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionItemView:
    item: ActionItem
    meeting: MeetingSummary | None
    overdue: bool


@dataclass(frozen=True)
class DecisionView:
    decision: Decision
    meeting: MeetingSummary | None


@lru_cache(maxsize=4096)
def owner_matches(owner: str | None, query: str) -> bool:
    """'priya', 'Priya Raman', 'priya.raman' and the full address all find Priya's items.
    (Remembered: a register asks it of the same few owners thousands of times.)"""
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
    by_id = meetings.summaries(list({i.meeting_id for i in found}))
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
    by_id = meetings.summaries(list({d.meeting_id for d in found}))
    return [DecisionView(d, by_id.get(d.meeting_id)) for d in found]


Visible = Callable[[MeetingSummary | None], bool]
"""Whether the viewer may see what came from a meeting (None: a meeting no longer stored);
a delegate does not see meetings of a private type unless the configuration grants it."""

LIST_LIMIT = 200
"""The most items or decisions a page lists at once; it says how many more match."""


def _everyone(meeting: MeetingSummary | None) -> bool:
    return True


@dataclass(frozen=True)
class Choice:
    """One option of a filter: the value it sends, the words it shows."""

    value: str
    label: str


def urgency(view: ActionItemView) -> tuple[bool, bool, date, datetime]:
    """Overdue first, then the soonest due, then the items with no due date; the oldest
    first among equals: an item due yesterday comes before one due today, and one with no
    date comes last."""
    item = view.item
    return (not view.overdue, item.due is None, item.due or date.max, item.created_at)


def series_of(view: ActionItemView | DecisionView) -> str | None:
    record = view.item if isinstance(view, ActionItemView) else view.decision
    if record.series_id:
        return record.series_id
    return view.meeting.series_id if view.meeting else None


def _attendee_names(views: Sequence[ActionItemView]) -> dict[str, str]:
    """The name of each attendee of these items' meetings, by email in lower case."""
    names: dict[str, str] = {}
    seen: set[str] = set()
    for view in views:
        meeting = view.meeting
        if meeting is None or meeting.meeting_id in seen:
            continue
        seen.add(meeting.meeting_id)
        people = (meeting.organizer, *meeting.attendees) if meeting.organizer else meeting.attendees
        for person in people:
            if person.name:
                names.setdefault(person.email.lower(), person.name)
    return names


def _owner_name(owner: str | None, names: dict[str, str]) -> str:
    if not owner:
        return "No owner"
    return names.get(owner.lower(), owner)


def _series_choices(views: Sequence[ActionItemView] | Sequence[DecisionView]) -> list[Choice]:
    """Each series these views come from, named after its latest meeting, by name."""
    latest: dict[str, MeetingSummary] = {}
    for view in views:
        series = series_of(view)
        meeting = view.meeting
        if series is None or meeting is None:
            continue
        known = latest.get(series)
        if known is None or meeting.start > known.start:
            latest[series] = meeting
    choices = [Choice(series, m.title) for series, m in latest.items()]
    return sorted(choices, key=lambda c: (c.label.casefold(), c.value))


@dataclass(frozen=True)
class CommitmentFilter:
    person: str | None = None
    """An owner as `owner_matches` reads it ('priya', 'Priya Raman', her address)."""
    series_id: str | None = None
    meeting_type: str | None = None

    def keeps(self, view: ActionItemView) -> bool:
        if self.person is not None and not owner_matches(view.item.owner, self.person):
            return False
        if self.series_id is not None and series_of(view) != self.series_id:
            return False
        return self.meeting_type is None or (
            view.meeting is not None and view.meeting.meeting_type == self.meeting_type
        )


@dataclass(frozen=True)
class OwnerItems:
    owner: str | None
    """As the notes name them (the attendee's email once resolved); None: no owner named."""
    name: str
    """The attendee's name when the owner is one, otherwise the owner as written."""
    items: tuple[ActionItemView, ...]

    @property
    def overdue(self) -> int:
        return sum(1 for v in self.items if v.overdue)


@dataclass(frozen=True)
class Commitments:
    groups: tuple[OwnerItems, ...]
    """By owner; the owner with the most urgent item first."""
    matching: int
    """Open items the filter keeps (more than are grouped when past the limit)."""
    overdue: int
    """Overdue items among those the filter keeps."""
    shown: int
    open_total: int
    """Open items the viewer may see, whatever the filter."""
    people: tuple[Choice, ...]
    series: tuple[Choice, ...]
    meeting_types: tuple[str, ...]
    """The ids of the types these items' meetings have."""


def open_commitments(
    items: ActionItemRepository,
    meetings: MeetingRepository,
    today: date,
    chosen: CommitmentFilter,
    *,
    visible: Visible = _everyone,
    limit: int = LIST_LIMIT,
) -> Commitments:
    """The open items the filter keeps, by owner, overdue first (see `urgency`); at most
    `limit` of them, the most urgent; and the people, series and types to filter by."""
    views = [
        v for v in list_action_items(items, meetings, today, open_only=True) if visible(v.meeting)
    ]
    names = _attendee_names(views)
    owners: dict[str, Choice] = {}
    for view in views:
        owner = view.item.owner
        if owner:
            owners.setdefault(owner.lower(), Choice(owner, _owner_name(owner, names)))
    matching = sorted((v for v in views if chosen.keeps(v)), key=urgency)
    grouped: dict[str | None, list[ActionItemView]] = {}
    for view in matching[:limit]:
        key = view.item.owner.lower() if view.item.owner else None
        grouped.setdefault(key, []).append(view)
    groups = tuple(
        OwnerItems(found[0].item.owner, _owner_name(found[0].item.owner, names), tuple(found))
        for found in grouped.values()
    )
    types = {v.meeting.meeting_type for v in views if v.meeting and v.meeting.meeting_type}
    return Commitments(
        groups=groups,
        matching=len(matching),
        overdue=sum(1 for v in matching if v.overdue),
        shown=min(len(matching), limit),
        open_total=len(views),
        people=tuple(sorted(owners.values(), key=lambda c: (c.label.casefold(), c.value))),
        series=tuple(_series_choices(views)),
        meeting_types=tuple(sorted(types)),
    )


def _took_part(meeting: MeetingSummary, person: str) -> bool:
    people = (meeting.organizer, *meeting.attendees) if meeting.organizer else meeting.attendees
    return any(
        owner_matches(p.email, person) or (p.name is not None and owner_matches(p.name, person))
        for p in people
    )


@dataclass(frozen=True)
class PersonCommitments:
    """The 1:1 view of one person."""

    person: str
    """As asked ('priya', her address)."""
    name: str
    """Their name as an attendee, when one of these meetings has them; else as asked."""
    owes: tuple[ActionItemView, ...]
    """Their open items, overdue first."""
    owes_total: int
    promised: tuple[ActionItemView, ...]
    """The executive's open items from meetings this person took part in, overdue first."""
    promised_total: int
    is_executive: bool


def person_commitments(
    items: ActionItemRepository,
    meetings: MeetingRepository,
    today: date,
    person: str,
    executive_email: str | None,
    *,
    visible: Visible = _everyone,
    limit: int = LIST_LIMIT,
) -> PersonCommitments:
    """What `person` owes (their open items) and what was promised to them: the executive's
    open items from the meetings `person` attended (the leadership meeting where the
    executive took an action in front of them, their 1:1s)."""
    views = [
        v for v in list_action_items(items, meetings, today, open_only=True) if visible(v.meeting)
    ]
    owes = sorted((v for v in views if owner_matches(v.item.owner, person)), key=urgency)
    is_executive = executive_email is not None and owner_matches(executive_email, person)
    promised: list[ActionItemView] = []
    if executive_email is not None and not is_executive:
        took_part: dict[str, bool] = {}
        for view in views:
            meeting = view.meeting
            if meeting is None or not owner_matches(view.item.owner, executive_email):
                continue
            if meeting.meeting_id not in took_part:
                took_part[meeting.meeting_id] = _took_part(meeting, person)
            if took_part[meeting.meeting_id]:
                promised.append(view)
        promised.sort(key=urgency)
    names = _attendee_names(views)
    owners = [(v.item.owner or "").lower() for v in owes]
    name = next((names[o] for o in owners if o in names), None) or next(
        (
            n
            for email, n in names.items()
            if owner_matches(email, person) or owner_matches(n, person)
        ),
        person,
    )
    return PersonCommitments(
        person=person,
        name=name,
        owes=tuple(owes[:limit]),
        owes_total=len(owes),
        promised=tuple(promised[:limit]),
        promised_total=len(promised),
        is_executive=is_executive,
    )


def mark_item_done(
    items: ActionItemRepository,
    meetings: MeetingRepository,
    item_id: str,
    *,
    visible: Visible = _everyone,
) -> ActionItem:
    """Mark an accepted item done and return it; one already done is returned as it is.
    An unknown item, or one of a meeting the viewer may not see, is ActionItemNotFound; a
    proposal from notes not accepted yet is ActionItemNotAccepted."""
    item = items.get(item_id)
    if item is None or not visible(meetings.summaries([item.meeting_id]).get(item.meeting_id)):
        raise ActionItemNotFound(item_id)
    if not item.accepted:
        raise ActionItemNotAccepted(item_id, item.meeting_id)
    if item.status == ItemStatus.DONE:
        return item
    done = item.model_copy(update={"status": ItemStatus.DONE})
    items.put_many([done])
    log.info("action item marked done", extra={"item_id": item_id})
    return done


STATUS_ORDER = (DecisionStatus.PENDING, DecisionStatus.DECIDED, DecisionStatus.SUPERSEDED)
"""What is still to decide first, then what was decided, then what a later one replaced."""


@dataclass(frozen=True)
class DecisionFilter:
    query: str = ""
    """Words that must all appear in the decision or its meeting's title, whatever their
    case and accents ('cafe' finds 'Café')."""
    status: DecisionStatus | None = None
    series_id: str | None = None


@dataclass(frozen=True)
class DecisionRegister:
    by_status: tuple[tuple[DecisionStatus, tuple[DecisionView, ...]], ...]
    """Pending, decided, superseded (those with any), each the latest meeting first."""
    matching: int
    shown: int
    total: int
    """Decisions the viewer may see, whatever the filter."""
    series: tuple[Choice, ...]


def _meeting_order(view: DecisionView) -> tuple[float, int]:
    when = view.meeting.start if view.meeting else view.decision.created_at
    return (-when.timestamp(), view.decision.source_line or 0)


def decision_register(
    decisions: DecisionRepository,
    meetings: MeetingRepository,
    chosen: DecisionFilter,
    *,
    visible: Visible = _everyone,
    limit: int = LIST_LIMIT,
) -> DecisionRegister:
    """The accepted decisions the filter keeps, searched over their text and their
    meeting's title; at most `limit` (pending ones first)."""
    views = [v for v in list_decisions(decisions, meetings) if visible(v.meeting)]
    words = folded(chosen.query).split()

    def keeps(view: DecisionView) -> bool:
        if chosen.status is not None and view.decision.status != chosen.status:
            return False
        if chosen.series_id is not None and series_of(view) != chosen.series_id:
            return False
        if not words:
            return True
        title = view.meeting.title if view.meeting else ""
        haystack = folded(f"{view.decision.text}\n{title}")
        return all(word in haystack for word in words)

    rank = {status: n for n, status in enumerate(STATUS_ORDER)}
    matching = sorted(
        (v for v in views if keeps(v)),
        key=lambda v: (rank[v.decision.status], *_meeting_order(v)),
    )
    shown = matching[:limit]
    by_status = tuple(
        (status, found)
        for status in STATUS_ORDER
        if (found := tuple(v for v in shown if v.decision.status == status))
    )
    return DecisionRegister(
        by_status=by_status,
        matching=len(matching),
        shown=len(shown),
        total=len(views),
        series=tuple(_series_choices(views)),
    )
