"""The web app on in-memory stores, driven in-process: sign in with a one-time link as the
executive, or hold a delegate's session; read the CSRF token a page's form carries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from itertools import count

from starlette.testclient import TestClient

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryChatSessionRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import (
    ActionItem,
    Decision,
    DecisionStatus,
    ItemStatus,
    Meeting,
)
from exec_assistant.web.app import WebServing, build_web_app
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies
from exec_assistant.web.sign_in import LinkSignIn, OneTimeLinks
from exec_assistant.web.site import WebSite
from exec_assistant.web.viewer import Role, Viewer

from prep_fakes import FixedClock, RecordingEngine

NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
"""Noon in New York on Wednesday 2 December 2026: "today" for the pages."""
TODAY = date(2026, 12, 2)
KEY = b"k" * 32

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class WebRig:
    meetings: InMemoryMeetingRepository
    items: InMemoryActionItemRepository
    decisions: InMemoryDecisionRepository
    site: WebSite
    clock: FixedClock
    links: OneTimeLinks = field(default_factory=OneTimeLinks)
    cookies: SessionCookies = field(default_factory=lambda: SessionCookies(KEY))
    _ids: count[int] = field(default_factory=count)

    def app_client(self) -> TestClient:
        app = build_web_app(self.site, LinkSignIn(self.links), self.cookies, WebServing())
        return TestClient(app, follow_redirects=False)

    def executive(self) -> TestClient:
        """A browser signed in with the link `serve` prints."""
        client = self.app_client()
        answer = client.get(f"/sign-in?token={self.links.issue()}")
        assert answer.status_code == 303, answer.text
        return client

    def delegate(self, *, sees_private: bool = False) -> TestClient:
        """A browser holding a delegate's session (a chief of staff signed in with Slack)."""
        client = self.app_client()
        viewer = Viewer("U0DELEGATE", "Sam Okafor", Role.DELEGATE, sees_private)
        value, _ = self.cookies.issue(viewer, self.clock.now())
        client.cookies.set(SESSION_COOKIE, value)
        return client

    def item(
        self,
        meeting: Meeting,
        text: str,
        *,
        owner: str | None = "priya.raman@northwind.example",
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
        number = next(self._ids)
        stored = Decision(
            decision_id=f"dec_{number:04d}",
            meeting_id=meeting.meeting_id,
            series_id=meeting.series_id,
            text=text,
            status=status,
            source_line=line,
            created_at=meeting.end,
            accepted=accepted,
        )
        self.decisions.put_many([stored])
        return stored

    def store(self, *meetings: Meeting) -> None:
        self.meetings.put_many(list(meetings))


def web_rig(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> WebRig:
    """The web app on empty in-memory stores, at NOW, for the executive of `executive`."""
    meetings = InMemoryMeetingRepository()
    items = InMemoryActionItemRepository()
    decisions = InMemoryDecisionRepository()
    clock = FixedClock(NOW)
    site = WebSite(
        meetings=meetings,
        sessions=InMemoryChatSessionRepository(),
        action_items=items,
        decisions=decisions,
        overrides=InMemorySeriesOverrideRepository(),
        documents=InMemoryDocumentStore(),
        catalog=catalog,
        rules=rules,
        executive=executive,
        clock=clock,
        engine=RecordingEngine(),
        calendars_configured=True,
    )
    return WebRig(meetings=meetings, items=items, decisions=decisions, site=site, clock=clock)


def csrf_of(html: str) -> str:
    """The CSRF token the page's forms carry."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """What the page reads: its text, markup gone, entities decoded, spaces collapsed."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
