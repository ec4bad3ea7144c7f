"""Commitments: the open action items by owner, overdue first, filtered by person, series
and meeting type, each marked done from the page; and the 1:1 view of one person (what they
owe, what was promised to them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exec_assistant.display_text import LINE_LIMIT, TITLE_LIMIT, visible
from exec_assistant.domain.text import plural
from exec_assistant.services.followup import (
    ActionItemView,
    Choice,
    CommitmentFilter,
    mark_item_done,
    open_commitments,
    person_commitments,
)
from exec_assistant.web.context import WebContext, viewer_of
from exec_assistant.web.filters import FILTER_LIMIT, Option, options, query_value
from exec_assistant.web.forms import field
from exec_assistant.web.guard import safe_next
from exec_assistant.web.visibility import visible_to

COMMITMENTS_PATH = "/commitments"
DONE_FLAG = "done"
"""Set on the page a mark-done returns to, which then says it was done."""


def person_href(owner: str) -> str:
    return "/people/" + quote(owner, safe="@")


def _web_link(url: str | None) -> str | None:
    """A tracker's link, when it is one a browser should follow (http or https)."""
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return url


def _overdue_words(days: int) -> str:
    return "overdue since yesterday" if days == 1 else f"overdue by {days} days"


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    done_href: str
    text: str
    owner: str | None
    owner_href: str | None
    owner_unresolved: bool
    due: date | None
    due_note: str | None
    """'overdue by 3 days', 'due today', or None."""
    overdue: bool
    meeting_href: str
    meeting_title: str
    meeting_start: datetime | None
    notes_href: str
    source_line: int
    tracker_key: str | None
    tracker_url: str | None


def item_row(view: ActionItemView, today: date) -> ItemRow:
    item, meeting = view.item, view.meeting
    note = None
    if view.overdue and item.due is not None:
        note = _overdue_words((today - item.due).days)
    elif item.due == today:
        note = "due today"
    meeting_href = f"/meetings/{quote(item.meeting_id, safe='')}"
    return ItemRow(
        item_id=item.item_id,
        done_href=f"{COMMITMENTS_PATH}/{quote(item.item_id, safe='')}/done",
        text=visible(item.text, limit=LINE_LIMIT),
        owner=visible(item.owner, limit=TITLE_LIMIT) if item.owner else None,
        owner_href=person_href(item.owner) if item.owner else None,
        owner_unresolved=bool(item.owner) and not item.owner_resolved,
        due=item.due,
        due_note=note,
        overdue=view.overdue,
        meeting_href=meeting_href,
        meeting_title=visible(meeting.title, limit=TITLE_LIMIT) if meeting else item.meeting_id,
        meeting_start=meeting.start if meeting else None,
        notes_href=f"{meeting_href}/notes#line-{item.source_line}",
        source_line=item.source_line,
        tracker_key=visible(item.tracker_key, limit=80) if item.tracker_key else None,
        tracker_url=_web_link(item.tracker_url),
    )


@dataclass(frozen=True)
class OwnerGroup:
    name: str
    owner: str | None
    href: str | None
    unresolved: bool
    """Named in the notes but not an attendee of the meetings."""
    rows: list[ItemRow]
    overdue: int


@dataclass(frozen=True)
class CommitmentsPage:
    groups: list[OwnerGroup]
    matching: int
    overdue: int
    shown: int
    open_total: int
    filtered: bool
    people: list[Option]
    series: list[Option]
    meeting_types: list[Option]


def _this_page(request: Request) -> str:
    """The page's address without the mark-done flag: where a mark-done comes back to."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != DONE_FLAG]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


def _back_to(target: str) -> str:
    parts = urlsplit(safe_next(target or COMMITMENTS_PATH))
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != DONE_FLAG]
    query.append((DONE_FLAG, "1"))
    return f"{parts.path}?{urlencode(query)}"


def routes(web: WebContext) -> list[BaseRoute]:
    site = web.site

    def today() -> date:
        return site.clock.now().astimezone(site.executive.zone).date()

    def type_name(type_id: str) -> str:
        return site.catalog.get(type_id).name if type_id in site.catalog else type_id

    async def commitments(request: Request) -> Response:
        viewer = viewer_of(request)
        chosen = CommitmentFilter(
            person=query_value(request, "person"),
            series_id=query_value(request, "series"),
            meeting_type=query_value(request, "type"),
        )
        day = today()
        found = await run_in_threadpool(
            open_commitments,
            site.action_items,
            site.meetings,
            day,
            chosen,
            visible=visible_to(site, viewer),
        )
        view = CommitmentsPage(
            groups=[
                OwnerGroup(
                    name=visible(g.name, limit=TITLE_LIMIT),
                    owner=g.owner,
                    href=person_href(g.owner) if g.owner else None,
                    unresolved=g.owner is not None and not g.items[0].item.owner_resolved,
                    rows=[item_row(v, day) for v in g.items],
                    overdue=g.overdue,
                )
                for g in found.groups
            ],
            matching=found.matching,
            overdue=found.overdue,
            shown=found.shown,
            open_total=found.open_total,
            filtered=chosen != CommitmentFilter(),
            people=options(found.people, chosen.person),
            series=options(found.series, chosen.series_id),
            meeting_types=options(
                tuple(Choice(t, type_name(t)) for t in found.meeting_types), chosen.meeting_type
            ),
        )
        return web.pages.render(
            request,
            "commitments.html",
            page="commitments",
            title="Commitments",
            view=view,
            here=_this_page(request),
            marked_done=DONE_FLAG in request.query_params,
            plural=plural,
        )

    async def person(request: Request) -> Response:
        viewer = viewer_of(request)
        name = str(request.path_params["name"]).strip()[:FILTER_LIMIT]
        if not name:
            raise HTTPException(404, "No person is named in this address.")
        day = today()
        found = await run_in_threadpool(
            person_commitments,
            site.action_items,
            site.meetings,
            day,
            name,
            site.executive.email,
            visible=visible_to(site, viewer),
        )
        return web.pages.render(
            request,
            "person.html",
            page="commitments",
            title=visible(found.name, limit=TITLE_LIMIT),
            person=found,
            name=visible(found.name, limit=TITLE_LIMIT),
            owes=[item_row(v, day) for v in found.owes],
            promised=[item_row(v, day) for v in found.promised],
            executive_known=site.executive.email is not None,
            here=_this_page(request),
            marked_done=DONE_FLAG in request.query_params,
            plural=plural,
        )

    async def done(request: Request) -> Response:
        form = await web.form(request)
        viewer = viewer_of(request)
        await run_in_threadpool(
            mark_item_done,
            site.action_items,
            site.meetings,
            str(request.path_params["item_id"]),
            visible=visible_to(site, viewer),
        )
        return RedirectResponse(_back_to(field(form, "next", limit=2000)), status_code=303)

    return [
        Route(COMMITMENTS_PATH, commitments, methods=["GET"]),
        Route(COMMITMENTS_PATH + "/{item_id}/done", done, methods=["POST"]),
        Route("/people/{name:path}", person, methods=["GET"]),
    ]
