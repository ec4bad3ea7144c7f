"""Signing in: the session cookie set once the viewer is known, and the way of knowing them
that runs on one machine (a one-time link, printed by `serve` or made by
`exec-assistant sign-in-link`)."""

from __future__ import annotations

from typing import Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exec_assistant.ports import Clock
from exec_assistant.services.sign_in_links import SignInLinks
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies
from exec_assistant.web.guard import SIGN_IN_PATH, safe_next
from exec_assistant.web.render import Pages
from exec_assistant.web.viewer import LOCAL_VIEWER, Viewer


class SignIn(Protocol):
    """A way of signing in: its routes (the sign-in page at SIGN_IN_PATH, and any callback),
    which call `start_session` once they know who it is."""

    @property
    def public_paths(self) -> frozenset[str]:
        """Its paths, served without a session."""
        ...

    def routes(self, pages: Pages, sessions: SessionStarter) -> list[BaseRoute]: ...


class SessionStarter:
    """Sets the session cookie: HttpOnly, SameSite=Strict, Secure where the site is https."""

    def __init__(self, cookies: SessionCookies, clock: Clock, *, secure: bool) -> None:
        self._cookies = cookies
        self._clock = clock
        self._secure = secure

    def start(self, viewer: Viewer, next_path: str | None) -> Response:
        value, session = self._cookies.issue(viewer, self._clock.now())
        response = RedirectResponse(safe_next(next_path), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=int((session.expires_at - self._clock.now()).total_seconds()),
            httponly=True,
            samesite="strict",
            secure=self._secure,
            path="/",
        )
        return response

    def end(self) -> Response:
        response = RedirectResponse(SIGN_IN_PATH, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response


class LinkSignIn:
    """The executive signs in on their own machine with a link `serve` prints (or
    `exec-assistant sign-in-link` makes)."""

    public_paths = frozenset({SIGN_IN_PATH})

    def __init__(self, links: SignInLinks) -> None:
        self.links = links

    def routes(self, pages: Pages, sessions: SessionStarter) -> list[BaseRoute]:
        async def sign_in(request: Request) -> Response:
            token = request.query_params.get("token")
            next_path = request.query_params.get("next")
            if token is None:
                if request.state.session is not None:
                    return RedirectResponse(safe_next(next_path), status_code=303)
                return pages.render(
                    request, "sign_in_link.html", refused=False, continue_to=safe_next(next_path)
                )
            if not await run_in_threadpool(self.links.redeem, token):
                return pages.render(request, "sign_in_link.html", refused=True, status_code=403)
            return sessions.start(LOCAL_VIEWER, next_path)

        return [
            Route(SIGN_IN_PATH, sign_in, methods=["GET"]),
        ]
