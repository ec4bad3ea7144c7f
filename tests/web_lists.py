"""The list pages' rig (Commitments, a person, Decisions, Usage): the web app of `web_pages`
at noon in New York on Wednesday 2 December 2026, and builders for the meetings, action
items and decisions it lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count

from starlette.testclient import TestClient

from exec_assistant.domain.models import (
    ActionItem,
    Attendee,
    Decision,
    DecisionStatus,
    ItemStatus,
    Meeting,
)
from exec_assistant.ports import ActionItemRepository
from exec_assistant.web.viewer import Role, Viewer

from factories import ME, person, stored_meeting
from web_pages import WebRig, text_of, web_rig

NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
"""Noon in New York on Wednesday 2 December 2026: "today" for the pages."""
TODAY = date(2026, 12, 2)
PRIYA = "priya.raman@northwind.example"
MARCUS = "marcus.webb@northwind.example"
TEAM = (ME, person("Priya Raman"), person("Marcus Webb"))


def meeting_on(
    title: str,
    day: int,
    *,
    meeting_type: str = "leadership_team",
    attendees: tuple[Attendee, ...] = TEAM,
    series: str | None = None,
) -> Meeting:
    """A meeting at 10:00 in New York on `day` November 2026 (a few days before NOW)."""
    found = stored_meeting(
        title,
        start=datetime(2026, 11, day, 15, 0, tzinfo=UTC),
        meeting_type=meeting_type,
        meeting_id=f"mtg_{title[:4].lower()}{day}",
    )
    return found.model_copy(update={"attendees": attendees, "series_id": series or found.series_id})


def in_order(text: str, *parts: str) -> bool:
    """Every part is in `text`, in this order."""
    places = [text.find(p) for p in parts]
    return -1 not in places and places == sorted(places)


@dataclass
class ListsRig:
    web: WebRig
    _ids: count[int] = field(default_factory=count)

    @property
    def items(self) -> ActionItemRepository:
        return self.web.site.action_items

    @property
    def executive_email(self) -> str:
        email = self.web.site.executive.email
        assert email is not None
        return email

    def executive(self) -> TestClient:
        """A browser signed in with the link `serve` prints."""
        return self.web.signed_in()

    def delegate(self, *, sees_private: bool = False) -> TestClient:
        """A browser holding a delegate's session (a chief of staff signed in with Slack)."""
        return self.web.signed_in_as(
            Viewer("U0DELEGATE", "Sam Okafor", Role.DELEGATE, sees_private)
        )

    def page(self, path: str) -> str:
        """What the executive reads on the page at `path` (which must answer 200)."""
        answer = self.executive().get(path)
        assert answer.status_code == 200, answer.text
        return text_of(answer.text)

    def store(self, *meetings: Meeting) -> None:
        self.web.site.meetings.put_many(list(meetings))

    def item(
        self,
        meeting: Meeting,
        text: str,
        *,
        owner: str | None = PRIYA,
        resolved: bool = True,
        due: date | None = None,
        line: int = 12,
        status: ItemStatus = ItemStatus.OPEN,
        accepted: bool = True,
        tracker_key: str | None = None,
        tracker_url: str | None = None,
    ) -> ActionItem:
        """An action item of `meeting`, stored."""
        number = next(self._ids)
        stored = ActionItem(
            item_id=f"act_{number:04d}",
            meeting_id=meeting.meeting_id,
            series_id=meeting.series_id,
            text=text,
            owner=owner,
            owner_resolved=resolved and owner is not None,
            due=due,
            status=status,
            source_line=line,
            created_at=datetime(2026, 11, 1, tzinfo=UTC).replace(minute=number % 60),
            accepted=accepted,
            tracker_key=tracker_key,
            tracker_url=tracker_url,
        )
        self.items.put_many([stored])
        return stored

    def decision(
        self,
        meeting: Meeting,
        text: str,
        *,
        status: DecisionStatus = DecisionStatus.DECIDED,
        line: int | None = 20,
        accepted: bool = True,
    ) -> Decision:
        """A decision of `meeting`, stored."""
        stored = Decision(
            decision_id=f"dec_{next(self._ids):04d}",
            meeting_id=meeting.meeting_id,
            series_id=meeting.series_id,
            text=text,
            status=status,
            source_line=line,
            created_at=meeting.end,
            accepted=accepted,
        )
        self.web.site.decisions.put_many([stored])
        return stored


def lists_rig() -> ListsRig:
    return ListsRig(web_rig(now=NOW))
