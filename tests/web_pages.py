"""The web app on in-memory fakes, driven in-process through Starlette's TestClient: a site
built on a prep's stores, a browser signed in (with the one-time link, or as any viewer), and
what a test reads from a page (its CSRF token, its text)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from typing import Any

from starlette.testclient import TestClient
from starlette.types import ASGIApp

from exec_assistant.adapters.memory import InMemorySeriesOverrideRepository
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import Meeting
from exec_assistant.domain.prep_steps import PrepRequest, WaitForAnswers
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.follow_ups import FollowUps
from exec_assistant.services.prep import PrepSteps
from exec_assistant.web.app import WebServing, build_web_app
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies
from exec_assistant.web.sign_in import LinkSignIn, OneTimeLinks
from exec_assistant.web.site import WebSite
from exec_assistant.web.viewer import Role, Viewer

from prep_fakes import FixedClock, RecordingEngine, make_deps

DELEGATE = Viewer(user_id="U0DELEGATE", name="Sam Rivera", role=Role.DELEGATE, sees_private=False)
"""A chief of staff who may not see meetings of a private type."""
WAIT_TOKEN = "wf-token"

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class WebRig:
    """The app over the stores of `deps`, with an engine that records what it is asked."""

    deps: PrepDependencies
    site: WebSite
    engine: RecordingEngine
    links: OneTimeLinks
    cookies: SessionCookies
    app: ASGIApp

    @property
    def clock(self) -> FixedClock:
        assert isinstance(self.deps.clock, FixedClock)
        return self.deps.clock

    def client(self, viewer: Viewer | None = None) -> TestClient:
        """A browser signed in: with the one-time link `serve` prints (the executive), or
        with a session cookie issued to `viewer`."""
        client = TestClient(self.app, base_url="http://testserver")
        if viewer is None:
            signed = client.get(f"/sign-in?token={self.links.issue()}", follow_redirects=False)
            assert signed.status_code == 303, signed.text
        else:
            value, _ = self.cookies.issue(viewer, self.clock.now())
            client.cookies.set(SESSION_COOKIE, value)
        return client

    def meeting(self, meeting_id: str) -> Meeting:
        found = self.deps.meetings.get(meeting_id)
        assert found is not None
        return found


def web_rig(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    *,
    deps: PrepDependencies | None = None,
    follow_ups: bool = False,
    **site: Any,
) -> WebRig:
    """The app on in-memory fakes; with `follow_ups`, the answers given on the page are
    reviewed as `serve` reviews them (by `deps.answer_reviewer`)."""
    deps = deps or make_deps(catalog, rules, executive)
    engine = RecordingEngine()
    web_site = WebSite(
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
        **site,
    )
    links = OneTimeLinks()
    cookies = SessionCookies(b"k" * 32)
    app = build_web_app(web_site, LinkSignIn(links), cookies, WebServing())
    return WebRig(deps, web_site, engine, links, cookies, app)


def with_site(rig: WebRig, **changes: Any) -> WebRig:
    """The same stores and engine behind a site changed in `changes`."""
    site = replace(rig.site, **changes)
    app = build_web_app(site, LinkSignIn(rig.links), rig.cookies, WebServing())
    return replace(rig, site=site, app=app)


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
