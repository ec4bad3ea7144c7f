"""What every page's routes are built with."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request

from exec_assistant.web.cookies import Session, SessionCookies
from exec_assistant.web.forms import checked_form
from exec_assistant.web.render import Pages
from exec_assistant.web.site import WebSite
from exec_assistant.web.viewer import Viewer


@dataclass(frozen=True)
class WebContext:
    site: WebSite
    pages: Pages
    cookies: SessionCookies

    async def form(self, request: Request) -> FormData:
        """The posted form, its CSRF token checked (403 without it)."""
        return await checked_form(request, self.cookies)


def viewer_of(request: Request) -> Viewer:
    """Who is signed in; every page but the sign-in is behind the guard, so there is one."""
    session: Session | None = request.state.session
    assert session is not None, "a page was reached without a session"
    return session.viewer
