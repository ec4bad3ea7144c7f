"""Notes given for a meeting, and given again corrected."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ItemStatus, MeetingStatus
from exec_assistant.services.notes import NotesRefused

from factories import ME, event, person
from notes_rig import NotesRig
from prep_fakes import NOW

FIRST = """# Leadership team
## Decisions
- Decision: move the launch to January
- Decision: hire two SREs
## Action Items
- [ ] Priya Raman to draft the runbook by 2026-12-20
- [ ] Marcus Webb to book the offsite by 2026-12-10
"""

CORRECTED = """# Leadership team (corrected)

## Decisions
- Decision: move the launch to January

## Action Items
- [ ] Marcus Webb to book the offsite by 2026-12-10
- [ ] Priya Raman to draft the runbook by 2026-12-20
- [ ] Elena Park to send the budget by 2026-12-15
"""


@pytest.fixture
def notes(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> NotesRig:
    people = (ME, person("Priya Raman"), person("Marcus Webb"), person("Elena Park"))
    evt = event("Leadership team", start=NOW + timedelta(days=1), attendees=people)
    return NotesRig(assess_event(evt, None, catalog, rules, executive, None, NOW))


def test_corrected_notes_replace_what_the_earlier_ones_produced(notes: NotesRig) -> None:
    first = notes.give(FIRST)
    runbook = next(i for i in first.action_items if "runbook" in i.text)
    # The executive closes one item meanwhile.
    notes.items.put_many([runbook.model_copy(update={"status": ItemStatus.DONE})])

    notes.give(CORRECTED)

    decisions = [d.text for d in notes.decisions.list(meeting_id=notes.meeting.meeting_id)]
    assert decisions == ["Move the launch to January"]
    items = {i.text: i for i in notes.items.list(meeting_id=notes.meeting.meeting_id)}
    assert sorted(items) == ["Book the offsite", "Draft the runbook", "Send the budget"]
    # Still there: same id, still done; new: open.
    assert items["Draft the runbook"].item_id == runbook.item_id
    assert items["Draft the runbook"].status == ItemStatus.DONE
    assert items["Send the budget"].status == ItemStatus.OPEN
    notes_md = notes.documents.get(f"meetings/{notes.meeting.meeting_id}/notes.md") or b""
    assert b"(corrected)" in notes_md


def test_the_same_notes_twice_give_the_same_records(notes: NotesRig) -> None:
    first = notes.give(FIRST)
    again = notes.give(FIRST)
    assert [i.item_id for i in first.action_items] == [i.item_id for i in again.action_items]
    assert len(notes.items.list()) == len(first.action_items)
    assert len(notes.decisions.list()) == len(first.decisions)


def test_notes_before_the_meeting_need_force(notes: NotesRig) -> None:
    with pytest.raises(NotesRefused, match="has not started yet") as refused:
        notes.give(FIRST, hours_after=-3)
    assert refused.value.hint is not None and "--force" in refused.value.hint
    assert notes.items.list() == []
    result = notes.give(FIRST, hours_after=-3, force=True)
    assert result.meeting.status == MeetingStatus.COMPLETED
