"""Decisions: the register across meetings, pending, decided and superseded, by series,
searched over the decisions and their meetings' titles; each links to its line of the notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from exec_assistant.display_text import LINE_LIMIT, TITLE_LIMIT, visible
from exec_assistant.domain.models import DecisionStatus
from exec_assistant.domain.text import plural
from exec_assistant.services.followup import (
    DecisionFilter,
    DecisionView,
    decision_register,
)
from exec_assistant.web.context import WebContext, viewer_of
from exec_assistant.web.filters import Option, options, query_value
from exec_assistant.web.visibility import visible_to

STATUS_HEADINGS = {
    DecisionStatus.PENDING: "Pending: still to decide",
    DecisionStatus.DECIDED: "Decided",
    DecisionStatus.SUPERSEDED: "Superseded by a later decision",
}
STATUSES = {s.value: s for s in DecisionStatus}
STATUS_CHOICES = (
    (DecisionStatus.PENDING, "Pending"),
    (DecisionStatus.DECIDED, "Decided"),
    (DecisionStatus.SUPERSEDED, "Superseded"),
)


@dataclass(frozen=True)
class DecisionRow:
    text: str
    meeting_href: str
    meeting_title: str
    meeting_start: datetime | None
    notes_href: str | None
    source_line: int | None


def decision_row(view: DecisionView) -> DecisionRow:
    decision, meeting = view.decision, view.meeting
    meeting_href = f"/meetings/{quote(decision.meeting_id, safe='')}"
    line = decision.source_line
    return DecisionRow(
        text=visible(decision.text, limit=LINE_LIMIT),
        meeting_href=meeting_href,
        meeting_title=visible(meeting.title, limit=TITLE_LIMIT) if meeting else decision.meeting_id,
        meeting_start=meeting.start if meeting else None,
        notes_href=f"{meeting_href}/notes#line-{line}" if line else None,
        source_line=line,
    )


@dataclass(frozen=True)
class StatusSection:
    key: str
    heading: str
    rows: list[DecisionRow]


@dataclass(frozen=True)
class DecisionsPage:
    sections: list[StatusSection]
    matching: int
    shown: int
    total: int
    query: str
    filtered: bool
    statuses: list[Option]
    series: list[Option]


def routes(web: WebContext) -> list[BaseRoute]:
    site = web.site

    async def decisions(request: Request) -> Response:
        viewer = viewer_of(request)
        query = query_value(request, "q") or ""
        asked = query_value(request, "status") or ""
        if asked and asked not in STATUSES:
            raise HTTPException(400, f"status must be one of: {', '.join(STATUSES)}, or none")
        status = STATUSES.get(asked)
        series_id = query_value(request, "series")
        chosen = DecisionFilter(query=query, status=status, series_id=series_id)
        found = await run_in_threadpool(
            decision_register,
            site.decisions,
            site.meetings,
            chosen,
            visible=visible_to(site, viewer),
        )
        view = DecisionsPage(
            sections=[
                StatusSection(s.value, STATUS_HEADINGS[s], [decision_row(v) for v in views])
                for s, views in found.by_status
            ],
            matching=found.matching,
            shown=found.shown,
            total=found.total,
            query=query,
            filtered=chosen != DecisionFilter(),
            statuses=[Option(s.value, label, s == status) for s, label in STATUS_CHOICES],
            series=options(found.series, series_id),
        )
        return web.pages.render(
            request,
            "decisions.html",
            page="decisions",
            title="Decisions",
            view=view,
            plural=plural,
        )

    return [Route("/decisions", decisions, methods=["GET"])]
