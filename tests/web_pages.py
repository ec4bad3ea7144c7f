"""The web page's ASGI app on in-memory stores, and browsers (TestClient) signed in to it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryChatSessionRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
    InMemorySignInLinkRepository,
)
from exec_assistant.clocks import FixedClock, SystemClock
from exec_assistant.configuration import load_config
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import Meeting
from exec_assistant.domain.prep_steps import PrepRequest, WaitForAnswers
from exec_assistant.ports import Clock
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.follow_ups import FollowUps
from exec_assistant.services.prep import PrepSteps
from exec_assistant.services.sign_in_links import SignInLinks
from exec_assistant.web.app import WebServing, build_web_app
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies
from exec_assistant.web.guard import loopback_hosts
from exec_assistant.web.sign_in import LinkSignIn
from exec_assistant.web.site import WebSite
from exec_assistant.web.viewer import Role, Viewer

from prep_fakes import RecordingEngine, make_deps

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")
KEY = b"k" * 32
BASE_URL = "http://127.0.0.1:8765"
LINK_LIFETIME = timedelta(hours=1)


def memory_links(clock: Clock | None = None) -> SignInLinks:
    """One-time sign-in links held in memory (as `serve` keeps them in the data folder)."""
    return SignInLinks(InMemorySignInLinkRepository(), clock or SystemClock())


DELEGATE = Viewer(
    user_id="U_COS", name="Sam (chief of staff)", role=Role.DELEGATE, sees_private=False
)


@dataclass
class WebRig:
    site: WebSite
    links: SignInLinks = field(default_factory=memory_links)
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
        answer = client.get(f"/sign-in?token={self.links.issue(LINK_LIFETIME).token}")
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


def web_site(
    *,
    now: datetime = NOW,
    calendars_configured: bool = True,
    deployment: Literal["local", "aws"] = "local",
) -> WebSite:
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
        deployment=deployment,
    )


def web_rig(**site: object) -> WebRig:
    return WebRig(web_site(**site))  # type: ignore[arg-type]


# --- a site in front of a prep ---------------------------------------------------------------

WAIT_TOKEN = "wf-token"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class PrepWebRig:
    """The app over the stores of a prep's dependencies (`deps`), so that the prep's own
    steps (`ask`, `run_to_pack`) set up what a page shows; its engine records what the page
    asks of it."""

    deps: PrepDependencies
    engine: RecordingEngine
    web: WebRig

    @property
    def site(self) -> WebSite:
        return self.web.site

    def client(self, viewer: Viewer | None = None) -> TestClient:
        """A browser signed in: with the one-time link (the executive), or as `viewer`."""
        return self.web.signed_in() if viewer is None else self.web.signed_in_as(viewer)

    def meeting(self, meeting_id: str) -> Meeting:
        found = self.deps.meetings.get(meeting_id)
        assert found is not None
        return found


def prep_web_rig(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    *,
    deps: PrepDependencies | None = None,
    follow_ups: bool = False,
) -> PrepWebRig:
    """With `follow_ups`, the answers given on a page are reviewed as `serve` reviews them
    (by `deps.answer_reviewer`)."""
    deps = deps or make_deps(catalog, rules, executive)
    engine = RecordingEngine()
    site = WebSite(
        meetings=deps.meetings,
        sessions=deps.sessions,
        action_items=deps.action_items,
        decisions=deps.decisions,
        overrides=InMemorySeriesOverrideRepository(),
        documents=deps.documents,
        catalog=catalog,
        rules=rules,
        executive=executive,
        clock=deps.clock,
        engine=engine,
        calendars_configured=True,
        follow_ups=FollowUps(deps) if follow_ups else None,
    )
    return PrepWebRig(deps, engine, WebRig(site))


def ask(deps: PrepDependencies, request: PrepRequest) -> None:
    """Run the prep up to its wait: the questions asked, the wait's token attached."""
    steps = PrepSteps(deps)
    assert steps.classify_meeting(request).proceed
    note = steps.send_prep_notification(request)
    assert note.session_id is not None and not note.answered
    steps.attach_wait_token(WaitForAnswers(session_id=note.session_id, task_token=WAIT_TOKEN))


def send_form(browser: TestClient, meeting_id: str, action: str, **fields: str) -> Any:
    """Post a form of the meeting page (`type`, `skip`, `answers`) with the CSRF token the
    page carries now; the answer as it comes, redirects not followed."""
    page = browser.get(f"/meetings/{meeting_id}")
    return browser.post(
        f"/meetings/{meeting_id}/{action}",
        data={"csrf": csrf_of(page.text), **fields},
        follow_redirects=False,
    )


def csrf_of(page: str) -> str:
    """The CSRF token the page's forms carry."""
    found = _CSRF.search(page)
    assert found is not None, "the page has no form"
    return found.group(1)


def text_of(page: str) -> str:
    """The page's text as a person reads it: tags gone, entities decoded, spaces folded."""
    return " ".join(html.unescape(_TAGS.sub(" ", page)).split())
