"""Notes cut short while they are stored are never shown as if read whole, and are read again
to finish; a review form of items that changed since it was shown is refused, and of two
forms of one version, the second is."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
)
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.item_edits import ItemEdit
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ActionItem, Decision, Meeting
from exec_assistant.services.notes import NotesNotRead, notes_reading
from exec_assistant.services.notes_review import (
    NotesChanged,
    accept_notes,
    edit_notes_items,
    review_notes,
    review_version,
)

from factories import ME, event, person
from notes_rig import NotesRig
from prep_fakes import NOW

FIRST = """# Leadership team
## Decisions
- Decision: move the launch to January
## Action Items
- [ ] Priya Raman to draft the runbook by 2026-12-20
"""

SECOND = """# Leadership team, again
## Decisions
- Decision: hire two SREs
## Action Items
- [ ] Marcus Webb to book the offsite by 2026-12-10
- [x] Priya Raman to draft the runbook
"""


class Crash(Exception):
    """The process stops here: nothing after this write happens."""


class Writes:
    """Counts the writes the stores below make, and fails the `fail_at`-th."""

    def __init__(self) -> None:
        self.count = 0
        self.fail_at: int | None = None

    def write(self) -> None:
        self.count += 1
        if self.count == self.fail_at:
            raise Crash(f"write {self.count}")


class Documents(InMemoryDocumentStore):
    def __init__(self, writes: Writes) -> None:
        super().__init__()
        self.writes = writes

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.writes.write()
        super().put(key, data, content_type)


class Items(InMemoryActionItemRepository):
    def __init__(self, writes: Writes) -> None:
        super().__init__()
        self.writes = writes

    def put_many(self, items: Sequence[ActionItem]) -> None:
        self.writes.write()
        super().put_many(items)

    def replace_for_meeting(self, meeting_id: str, items: Sequence[ActionItem]) -> None:
        self.writes.write()
        super().replace_for_meeting(meeting_id, items)


class Decisions(InMemoryDecisionRepository):
    def __init__(self, writes: Writes) -> None:
        super().__init__()
        self.writes = writes

    def put_many(self, decisions: Sequence[Decision]) -> None:
        self.writes.write()
        super().put_many(decisions)

    def replace_for_meeting(self, meeting_id: str, decisions: Sequence[Decision]) -> None:
        self.writes.write()
        super().replace_for_meeting(meeting_id, decisions)


class Meetings(InMemoryMeetingRepository):
    def __init__(self, writes: Writes) -> None:
        super().__init__()
        self.writes = writes

    def update(self, meeting_id: str, change: Callable[[Meeting], Meeting]) -> Meeting | None:
        self.writes.write()
        return super().update(meeting_id, change)


class Rig(NotesRig):
    def __init__(self, meeting: Meeting) -> None:
        self.writes = Writes()
        super().__init__(
            meeting,
            meetings=Meetings(self.writes),
            items=Items(self.writes),
            decisions=Decisions(self.writes),
            documents=Documents(self.writes),
        )

    def texts(self) -> set[str]:
        return {i.text for i in self.items.list(meeting_id=self.meeting.meeting_id)}

    def version(self) -> str:
        return review_version(
            self.items.list(meeting_id=self.meeting.meeting_id),
            self.decisions.list(meeting_id=self.meeting.meeting_id),
        )

    def accept(self, version: str | None = None, edits: Sequence[ItemEdit] = ()) -> None:
        accept_notes(
            self.meetings,
            self.items,
            self.decisions,
            self.meeting.meeting_id,
            NOW,
            edits=edits,
            documents=self.documents,
            version=version,
        )


@pytest.fixture
def rig(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Rig:
    people = (ME, person("Priya Raman"), person("Marcus Webb"))
    evt = event("Leadership team", start=NOW - timedelta(days=1), attendees=people)
    return Rig(assess_event(evt, None, catalog, rules, executive, None, NOW))


WRITES_OF_NOTES = 6
"""The notes, the decisions, the items, the items they close, the meeting, the record."""


def test_notes_read_whole_make_the_writes_the_crash_points_below_cover(rig: Rig) -> None:
    rig.give(FIRST)
    assert rig.writes.count == WRITES_OF_NOTES
    assert notes_reading(rig.documents, rig.meeting.meeting_id).read


@pytest.mark.parametrize("crash_at", range(2, WRITES_OF_NOTES + 1))
def test_notes_cut_short_are_never_shown_as_read_and_are_read_again_to_finish(
    rig: Rig, crash_at: int
) -> None:
    rig.give(FIRST)
    rig.writes.count, rig.writes.fail_at = 0, crash_at
    with pytest.raises(Crash):
        rig.give(SECOND)
    rig.writes.fail_at = None

    review = review_notes(
        rig.meetings, rig.items, rig.decisions, rig.documents, rig.meeting.meeting_id
    )
    assert review.notes == SECOND  # what was given is kept
    assert review.unread
    with pytest.raises(NotesNotRead):
        rig.accept()

    again = rig.give(review.notes)
    assert not notes_reading(rig.documents, rig.meeting.meeting_id).unread
    assert rig.texts() == {i.text for i in again.action_items}
    assert "Book the offsite" in rig.texts()
    finished = review_notes(
        rig.meetings, rig.items, rig.decisions, rig.documents, rig.meeting.meeting_id
    )
    assert [d.text for d in finished.result.decisions] == ["Hire two SREs"]
    assert finished.result.summary == again.summary


def test_notes_whose_storing_failed_leave_the_earlier_ones_whole(rig: Rig) -> None:
    rig.give(FIRST)
    before = rig.texts()
    rig.writes.fail_at = rig.writes.count + 1
    with pytest.raises(Crash):
        rig.give(SECOND)
    review = review_notes(
        rig.meetings, rig.items, rig.decisions, rig.documents, rig.meeting.meeting_id
    )
    assert (review.notes, review.unread, rig.texts()) == (FIRST, False, before)


def test_a_form_opened_before_acceptance_is_refused_and_changes_nothing(rig: Rig) -> None:
    rig.give(FIRST, proposed=True)
    opened = rig.version()
    (item,) = rig.items.list(meeting_id=rig.meeting.meeting_id)
    rig.accept(opened, [ItemEdit(item.item_id, item.text, "marcus.webb@northwind.example", None)])
    accepted = rig.items.list(meeting_id=rig.meeting.meeting_id)

    stale = [ItemEdit(item.item_id, item.text, "priya.raman@northwind.example", None)]
    with pytest.raises(NotesChanged):
        rig.accept(opened, stale)
    with pytest.raises(NotesChanged):
        edit_notes_items(
            rig.items,
            rig.meeting.meeting_id,
            stale,
            decisions=rig.decisions,
            meeting=rig.meeting,
            version=opened,
        )
    assert rig.items.list(meeting_id=rig.meeting.meeting_id) == accepted


class SlowItems(Items):
    """Its first write waits until another form was handled, or half a second."""

    def __init__(self, writes: Writes) -> None:
        super().__init__(writes)
        self.writing = threading.Event()
        self.other_done = threading.Event()

    def put_many(self, items: Sequence[ActionItem]) -> None:
        if not self.writing.is_set():
            self.writing.set()
            self.other_done.wait(0.5)
        super().put_many(items)


def test_of_two_forms_of_one_version_sent_at_once_the_second_is_refused(rig: Rig) -> None:
    slow = SlowItems(rig.writes)
    rig.items = slow
    rig.give(FIRST, proposed=True)
    slow.writing.clear()
    opened = rig.version()
    (item,) = slow.list(meeting_id=rig.meeting.meeting_id)
    outcomes: dict[str, str] = {}

    def send(owner: str) -> None:
        try:
            rig.accept(opened, [ItemEdit(item.item_id, item.text, owner, None)])
            outcomes[owner] = "accepted"
        except NotesChanged:
            outcomes[owner] = "refused"

    first = threading.Thread(target=send, args=("marcus.webb@northwind.example",))
    first.start()
    assert slow.writing.wait(2)
    send("priya.raman@northwind.example")
    slow.other_done.set()
    first.join(5)
    assert outcomes == {
        "marcus.webb@northwind.example": "accepted",
        "priya.raman@northwind.example": "refused",
    }
    (stored,) = slow.list(meeting_id=rig.meeting.meeting_id)
    assert (stored.owner, stored.accepted) == ("marcus.webb@northwind.example", True)
