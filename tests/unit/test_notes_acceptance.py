"""Notes given in a chat are a proposal until the executive accepts them: nothing reaches a
list, a pack or a context source before; edits are checked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
)
from exec_assistant.context.store import DecisionsContextProvider, HistoryContextProvider
from exec_assistant.domain.context import ContextRequest
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.item_edits import ItemEditRefused, ItemEditsRefused, parse_due
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ActionItem, ItemStatus, Meeting, MeetingStatus
from exec_assistant.services.conversation import ItemEdit, accept_notes, edit_notes_items
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.followup import list_action_items, list_decisions
from exec_assistant.services.notes import NotesRefused, NotesResult, NotesTooEarly, process_notes
from exec_assistant.services.notes_review import notes_under_review
from exec_assistant.services.prep import open_items_for

from factories import ME, event, person
from prep_fakes import NOW, make_deps

NOTES = """# Leadership team
## Decisions
- Decision: move the launch to January
- Decision pending: the offsite venue
## Action Items
- [ ] Priya Raman to draft the runbook by 2026-12-20
- [x] Marcus Webb to book the offsite
"""

EARLIER = """# Leadership team
## Action Items
- [ ] Marcus Webb to book the offsite by 2026-12-10
"""

PEOPLE = (ME, person("Priya Raman"), person("Marcus Webb"))


class Rig:
    def __init__(self, catalog: MeetingTypeCatalog, rules: NotificationRules, me: Executive):
        self.meetings = InMemoryMeetingRepository()
        self.items = InMemoryActionItemRepository()
        self.decisions = InMemoryDecisionRepository()
        self.documents = InMemoryDocumentStore()
        self.catalog, self.rules, self.me = catalog, rules, me
        self.earlier = self.meeting(NOW - timedelta(days=7), "r-1")
        self.meeting_now = self.meeting(NOW - timedelta(hours=3), "r-2")

    def meeting(self, start: object, recurrence: str) -> Meeting:
        from datetime import datetime

        assert isinstance(start, datetime)
        evt = event("Leadership team", start=start, attendees=PEOPLE, recurrence_id=start)
        found = assess_event(evt, None, self.catalog, self.rules, self.me, None, NOW)
        self.meetings.put(found)
        return found

    def give(self, meeting: Meeting, text: str, *, proposed: bool) -> NotesResult:
        return process_notes(
            meeting.meeting_id,
            text,
            meetings=self.meetings,
            action_items=self.items,
            decisions=self.decisions,
            documents=self.documents,
            meeting_date=meeting.start.date(),
            now=NOW,
            proposed=proposed,
        )

    def accept(self, meeting: Meeting) -> object:
        return accept_notes(self.meetings, self.items, self.decisions, meeting.meeting_id, NOW)

    def listed(self) -> list[str]:
        return [v.item.text for v in list_action_items(self.items, self.meetings, NOW.date())]

    def deps(self) -> PrepDependencies:
        deps = make_deps(self.catalog, self.rules, self.me)
        return PrepDependencies(
            **{**deps.__dict__, "meetings": self.meetings, "action_items": self.items}
        )


@pytest.fixture
def rig(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Rig:
    made = Rig(catalog, rules, executive)
    made.give(made.earlier, EARLIER, proposed=False)  # the CLI: accepted at once
    return made


def test_cli_notes_are_accepted_at_once(rig: Rig) -> None:
    assert rig.listed() == ["Book the offsite"]
    assert all(i.accepted for i in rig.items.list())


def test_proposed_notes_are_not_listed_packed_or_closing_anything_until_accepted(
    rig: Rig,
) -> None:
    result = rig.give(rig.meeting_now, NOTES, proposed=True)
    assert result.proposed and result.as_json()["accepted"] is False
    assert [i.text for i in result.closed_elsewhere] == ["Book the offsite"]  # would close
    assert rig.listed() == ["Book the offsite"]  # only the accepted, still open
    assert list_decisions(rig.decisions, rig.meetings) == []
    later = rig.meeting(NOW + timedelta(days=7), "r-3")
    assert [i.text for i in open_items_for(rig.deps(), later)] == ["Book the offsite"]
    request = ContextRequest(
        meeting_id=later.meeting_id,
        series_id=later.series_id,
        meeting_type="leadership_team",
        title=later.title,
        start=later.start,
        now=NOW,
        people=("priya.raman@northwind.example",),
    )
    decisions = DecisionsContextProvider(rig.decisions).gather(request)
    assert decisions.facts[0] == "0 decisions pending across your meetings."
    history = HistoryContextProvider(rig.meetings, rig.items, rig.documents).gather(request)
    assert history.data["open_by_owner"] == {}

    accepted = rig.accept(rig.meeting_now)
    assert accepted.newly_accepted == 4  # type: ignore[attr-defined]
    assert [i.text for i in accepted.closed_elsewhere] == ["Book the offsite"]  # type: ignore[attr-defined]
    # Listed now: the earlier item (closed by these notes) and the two new ones.
    assert sorted(rig.listed()) == ["Book the offsite", "Book the offsite", "Draft the runbook"]
    earlier_item = rig.items.list(meeting_id=rig.earlier.meeting_id)[0]
    assert earlier_item.status == ItemStatus.DONE
    assert {d.text for d in (v.decision for v in list_decisions(rig.decisions, rig.meetings))} == {
        "Move the launch to January",
        "The offsite venue",
    }
    assert DecisionsContextProvider(rig.decisions).gather(request).facts[0] == (
        "1 decision pending across your meetings."
    )


def test_accepting_again_changes_nothing(rig: Rig) -> None:
    rig.give(rig.meeting_now, NOTES, proposed=True)
    rig.accept(rig.meeting_now)
    again = rig.accept(rig.meeting_now)
    assert again.newly_accepted == 0 and again.closed_elsewhere == []  # type: ignore[attr-defined]


def test_accepting_a_meeting_without_notes_is_refused(rig: Rig) -> None:
    with pytest.raises(NotesRefused, match="no notes to accept"):
        rig.accept(rig.meeting_now)


def _proposed(rig: Rig) -> list[ActionItem]:
    rig.give(rig.meeting_now, NOTES, proposed=True)
    return rig.items.list(meeting_id=rig.meeting_now.meeting_id)


def test_edits_change_the_items_and_keep_them_proposed(rig: Rig) -> None:
    runbook = next(i for i in _proposed(rig) if "runbook" in i.text)
    [edited] = edit_notes_items(
        rig.items,
        rig.meeting_now.meeting_id,
        [ItemEdit(runbook.item_id, " Draft the\nrunbook v2 ", "Elena Park", date(2026, 12, 22))],
    )
    assert edited.text == "Draft the runbook v2" and edited.owner == "Elena Park"
    assert edited.due == date(2026, 12, 22) and not edited.owner_resolved
    assert not edited.accepted
    assert rig.items.get(runbook.item_id) == edited


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"text": "  \n "}, "the text is empty"),
        ({"text": "x" * 1001}, "1,001 characters"),
        ({"owner": "o" * 201}, "the owner has"),
        ({"due": date(2206, 12, 9)}, "not plausible"),
        ({"due": date(2020, 1, 1)}, "not plausible"),
    ],
)
def test_bad_edits_are_refused_and_nothing_is_stored(
    rig: Rig, change: dict[str, object], fragment: str
) -> None:
    items = _proposed(rig)
    good = ItemEdit(items[0].item_id, "fine text", None, None)
    bad = ItemEdit(
        **{"item_id": items[1].item_id, "text": "ok", "owner": None, "due": None, **change}  # type: ignore[arg-type]
    )
    with pytest.raises(ItemEditRefused, match=fragment):
        edit_notes_items(rig.items, rig.meeting_now.meeting_id, [good, bad])
    assert rig.items.get(items[0].item_id) == items[0]


def test_an_edit_of_another_meetings_item_or_twice_the_same_is_refused(rig: Rig) -> None:
    items = _proposed(rig)
    other = rig.items.list(meeting_id=rig.earlier.meeting_id)[0]
    with pytest.raises(ItemEditRefused, match="not one of"):
        edit_notes_items(
            rig.items, rig.meeting_now.meeting_id, [ItemEdit(other.item_id, "x", None, None)]
        )
    same = ItemEdit(items[0].item_id, "x", None, None)
    with pytest.raises(ItemEditRefused, match="twice"):
        edit_notes_items(rig.items, rig.meeting_now.meeting_id, [same, same])


def test_every_refused_edit_is_told_at_once_by_item(rig: Rig) -> None:
    runbook, offsite = _proposed(rig)
    edits = [
        ItemEdit(runbook.item_id, " ", None, None),
        ItemEdit(offsite.item_id, "Book it", None, date(2206, 12, 9)),
    ]
    with pytest.raises(ItemEditsRefused, match=r"the text is empty \(and 1 more item\)") as refused:
        edit_notes_items(rig.items, rig.meeting_now.meeting_id, edits)
    assert list(refused.value.reasons) == [runbook.item_id, offsite.item_id]
    assert "not plausible" in refused.value.reasons[offsite.item_id].message
    assert rig.items.list(meeting_id=rig.meeting_now.meeting_id) == [runbook, offsite]


def test_accepting_with_edits_applies_them_first_or_accepts_nothing(rig: Rig) -> None:
    runbook, _ = _proposed(rig)
    meeting_id = rig.meeting_now.meeting_id
    bad = [ItemEdit(runbook.item_id, "", None, None)]
    with pytest.raises(ItemEditRefused):
        accept_notes(rig.meetings, rig.items, rig.decisions, meeting_id, NOW, edits=bad)
    assert not any(i.accepted for i in rig.items.list(meeting_id=meeting_id))
    assert not any(d.accepted for d in rig.decisions.list(meeting_id=meeting_id))
    good = [ItemEdit(runbook.item_id, "Draft the runbook v2", None, None)]
    accepted = accept_notes(rig.meetings, rig.items, rig.decisions, meeting_id, NOW, edits=good)
    assert "Draft the runbook v2" in [i.text for i in accepted.action_items]
    assert "Draft the runbook v2" in rig.listed()


def test_proposed_decisions_without_items_are_under_review(rig: Rig) -> None:
    rig.give(rig.meeting_now, "## Decisions\n- Decision: keep the vendor\n", proposed=True)
    review = notes_under_review(
        rig.meetings, rig.items, rig.decisions, rig.documents, rig.meeting_now.meeting_id
    )
    assert review.proposed and review.action_items == []


def test_notes_before_the_meeting_are_refused_as_too_early(rig: Rig) -> None:
    later = rig.meeting(NOW + timedelta(days=7), "r-3")
    with pytest.raises(NotesTooEarly, match="has not started yet"):
        rig.give(later, NOTES, proposed=True)


def test_due_dates_are_read_as_iso_dates_or_refused() -> None:
    assert parse_due("2026-12-09", "act_1") == date(2026, 12, 9)
    assert parse_due("  ", "act_1") is None and parse_due(None, "act_1") is None
    with pytest.raises(ItemEditRefused, match="YYYY-MM-DD"):
        parse_due("next friday\x1b[2J", "act_1")
    for other_form in ("20261209", "2026-W50-3", "2026-12-9", "2026-12-09T10:00"):
        with pytest.raises(ItemEditRefused, match="is not a date"):
            parse_due(other_form, "act_1")
    with pytest.raises(ItemEditRefused, match=r"'2026-12-10' \(it holds characters that do"):
        parse_due("2026-12-10\x00", "act_1")


def test_notes_for_a_skipped_meeting_stay_refused(rig: Rig) -> None:
    rig.meetings.put(
        rig.meeting_now.model_copy(
            update={"status": MeetingStatus.SKIPPED, "skip_reason": "skipped by you"}
        )
    )
    with pytest.raises(NotesRefused, match="skipped"):
        rig.give(rig.meeting_now, NOTES, proposed=True)
