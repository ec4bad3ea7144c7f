"""The web page's ASGI app: the pages, the sign-in, the assets, behind the guard."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from exec_assistant.domain.errors import (
    ActionItemNotFound,
    AmbiguousMeetingId,
    ExecAssistantError,
    MeetingNotFound,
)
from exec_assistant.web.context import WebContext
from exec_assistant.web.cookies import SessionCookies
from exec_assistant.web.guard import BODY_SECONDS, GuardRules, WebGuard
from exec_assistant.web.pages import commitments, decisions, fortnight, meeting, notes, usage
from exec_assistant.web.render import Pages
from exec_assistant.web.sign_in import SessionStarter, SignIn
from exec_assistant.web.site import WebSite

ASSETS_PATH = "/assets"
PAGE_MODULES = (fortnight, meeting, notes, commitments, decisions, usage)


def freeze_startup_objects() -> None:
    """Take what start-up made (modules, templates, configuration, about 115,000 objects
    that live as long as the process) out of the garbage collector's view: a full
    collection, which a page of a busy register sets off every other request, then walks
    what requests made only. It halves the 95th percentile of the list pages (bench/web.py).
    Call it once the app is built, before serving."""
    gc.collect()
    gc.freeze()


def assets_folder() -> Path:
    """The stylesheet and scripts, shipped with the package (uploaded to S3 on AWS)."""
    return Path(str(files("exec_assistant.web") / "assets"))


@dataclass(frozen=True)
class WebServing:
    """How the app is reached: over https (AWS) or on this machine, which Host names it
    answers to (None: any), and the routes of other servers beside it (Slack's events)."""

    secure: bool = False
    allowed_hosts: frozenset[str] | None = None
    cross_origin_routes: Sequence[Route] = ()
    serve_assets: bool = True
    """False behind CloudFront, which serves /assets from the bucket."""
    body_seconds: float = BODY_SECONDS
    """The longest a form may take to arrive once its headers have."""


FRAMEWORK_WORDS = {
    (404, "Not Found"): (
        "There is no page at this address.",
        "The links at the top lead to the fortnight, Commitments, Decisions and Usage.",
    ),
    (405, "Method Not Allowed"): (
        "This address does not take that kind of request.",
        "Open it from a link or a button of these pages.",
    ),
}
"""Starlette's own words for what no page answers, said for a person."""
PROBLEM_LIMIT = 300
"""A problem quotes what was asked (an id, a query): a page shows that much of it."""


def _cut(problem: str) -> str:
    return problem if len(problem) <= PROBLEM_LIMIT else problem[: PROBLEM_LIMIT - 1] + "…"


def build_web_app(
    site: WebSite, sign_in: SignIn, cookies: SessionCookies, serving: WebServing
) -> ASGIApp:
    pages = Pages(cookies, site.executive.zone)
    web = WebContext(site, pages, cookies)
    sessions = SessionStarter(cookies, site.clock, secure=serving.secure)

    async def sign_out(request: Request) -> Response:
        await web.form(request)
        return sessions.end()

    routes: list[BaseRoute] = [*serving.cross_origin_routes]
    routes += sign_in.routes(pages, sessions)
    routes.append(Route("/sign-out", sign_out, methods=["POST"]))
    for module in PAGE_MODULES:
        routes += module.routes(web)
    if serving.serve_assets:
        routes.append(Mount(ASSETS_PATH, StaticFiles(directory=assets_folder()), name="assets"))

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        problem, hint = FRAMEWORK_WORDS.get((exc.status_code, exc.detail), (exc.detail, None))
        response = pages.render(
            request, "error.html", status_code=exc.status_code, problem=_cut(problem), hint=hint
        )
        response.headers.update(exc.headers or {})  # a 405's Allow
        return response

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ExecAssistantError)
        return pages.render(
            request, "error.html", status_code=404, problem=_cut(exc.message), hint=exc.hint
        )

    async def unfit(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ExecAssistantError)
        return pages.render(
            request, "error.html", status_code=409, problem=_cut(exc.message), hint=exc.hint
        )

    app = Starlette(
        routes=routes,
        exception_handlers={
            HTTPException: refused,
            MeetingNotFound: not_found,
            AmbiguousMeetingId: not_found,
            ActionItemNotFound: not_found,
            ExecAssistantError: unfit,
        },
    )
    rules = GuardRules(
        public_paths=sign_in.public_paths,
        public_prefixes=(ASSETS_PATH + "/",),
        cross_origin_paths=frozenset(r.path for r in serving.cross_origin_routes),
        allowed_hosts=serving.allowed_hosts,
        body_seconds=serving.body_seconds,
    )
    return WebGuard(app, cookies=cookies, clock=site.clock, rules=rules)
