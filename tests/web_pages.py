"""The web page's ASGI app on in-memory stores, and browsers (TestClient) signed in to it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryChatSessionRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.clocks import FixedClock
from exec_assistant.configuration import load_config
from exec_assistant.domain.discovery import Executive
from exec_assistant.web.app import WebServing, build_web_app
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies
from exec_assistant.web.guard import loopback_hosts
from exec_assistant.web.sign_in import LinkSignIn, OneTimeLinks
from exec_assistant.web.site import WebSite
from exec_assistant.web.viewer import Role, Viewer

from prep_fakes import RecordingEngine

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")
KEY = b"k" * 32
BASE_URL = "http://127.0.0.1:8765"
DELEGATE = Viewer(
    user_id="U_COS", name="Sam (chief of staff)", role=Role.DELEGATE, sees_private=False
)


@dataclass
class WebRig:
    site: WebSite
    links: OneTimeLinks = field(default_factory=OneTimeLinks)
    cookies: SessionCookies = field(default_factory=lambda: SessionCookies(KEY))
    serving: WebServing = field(
        default_factory=lambda: WebServing(allowed_hosts=loopback_hosts(8765))
    )

    def app(self) -> object:
        return build_web_app(self.site, LinkSignIn(self.links), self.cookies, self.serving)

    def browser(self) -> TestClient:
        """A browser that has not signed in."""
        return TestClient(self.app(), base_url=BASE_URL, follow_redirects=False)  # type: ignore[arg-type]

    def signed_in(self) -> TestClient:
        """A browser signed in with the one-time link, as the executive."""
        client = self.browser()
        answer = client.get(f"/sign-in?token={self.links.issue()}")
        assert answer.status_code == 303, answer.text
        return client

    def signed_in_as(self, viewer: Viewer) -> TestClient:
        """A browser with a session for `viewer` (as the AWS sign-in would give)."""
        client = self.browser()
        value, _ = self.cookies.issue(viewer, self.site.clock.now())
        client.cookies.set(SESSION_COOKIE, value)
        return client

    def csrf(self, client: TestClient) -> str:
        session = self.cookies.read(client.cookies.get(SESSION_COOKIE), self.site.clock.now())
        assert session is not None
        return self.cookies.csrf_token(session)


def web_site(*, now: datetime = NOW, calendars_configured: bool = True) -> WebSite:
    config = load_config(None)
    return WebSite(
        meetings=InMemoryMeetingRepository(),
        sessions=InMemoryChatSessionRepository(),
        action_items=InMemoryActionItemRepository(),
        decisions=InMemoryDecisionRepository(),
        overrides=InMemorySeriesOverrideRepository(),
        documents=InMemoryDocumentStore(),
        catalog=config.catalog,
        rules=config.rules,
        executive=Executive("jordan@northwind.example", ZONE),
        clock=FixedClock(now),
        engine=RecordingEngine(),
        calendars_configured=calendars_configured,
    )


def web_rig(**site: object) -> WebRig:
    return WebRig(web_site(**site))  # type: ignore[arg-type]


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


def csrf_of(page: str) -> str:
    """The CSRF token the page's forms carry."""
    found = _CSRF.search(page)
    assert found is not None, "the page has no form"
    return found.group(1)


def text_of(page: str) -> str:
    """The page's text as a person reads it: tags gone, entities decoded, spaces folded."""
    return " ".join(html.unescape(_TAGS.sub(" ", page)).split())
