"""The fortnight: every meeting of the window by day, its type and why, its status, when it
is prepared and reminded, and what waits on the executive."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.services.answers import session_of
from exec_assistant.services.meetings import list_meetings
from exec_assistant.web.context import WebContext, viewer_of
from exec_assistant.web.site import WebSite
from exec_assistant.web.viewer import Viewer
from exec_assistant.web.wording import STATUS_WORDS

FOLDED = frozenset({MeetingStatus.SKIPPED, MeetingStatus.CANCELLED})


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    type_label: str
    status_label: str
    waiting: str | None
    """What waits on the executive ("Answer 3 questions", "Give the notes"), if anything."""
    private: bool


@dataclass
class Day:
    day: date
    shown: list[MeetingRow] = field(default_factory=list)
    folded: list[MeetingRow] = field(default_factory=list)


@dataclass(frozen=True)
class Fortnight:
    start: datetime
    end: datetime
    days: list[Day]
    total: int
    waiting: int


def fortnight_of(site: WebSite, viewer: Viewer, now: datetime) -> Fortnight:
    zone = site.executive.zone
    start = datetime.combine(now.astimezone(zone).date(), datetime.min.time(), zone)
    end = start + timedelta(days=site.fortnight_days)
    by_day: dict[date, Day] = defaultdict(lambda: Day(date.min))
    total = waiting = 0
    for meeting in list_meetings(site.meetings, start, end):
        private = site.is_private(meeting.meeting_type)
        if not viewer.may_see(private):
            continue
        row = MeetingRow(
            meeting=meeting,
            type_label=_type_label(site, meeting.meeting_type),
            status_label=STATUS_WORDS[meeting.status],
            waiting=_waiting(site, meeting, now),
            private=private,
        )
        day = meeting.start.astimezone(zone).date()
        bucket = by_day[day]
        bucket.day = day
        (bucket.folded if meeting.status in FOLDED else bucket.shown).append(row)
        total += 1
        waiting += row.waiting is not None
    days = [by_day[d] for d in sorted(by_day)]
    return Fortnight(start, end, days, total, waiting)


def _type_label(site: WebSite, meeting_type: str | None) -> str:
    if meeting_type is None:
        return "not classified yet"
    if meeting_type in site.catalog:
        return site.catalog.get(meeting_type).name
    return meeting_type


def _waiting(site: WebSite, meeting: Meeting, now: datetime) -> str | None:
    if meeting.status == MeetingStatus.NOTIFIED:
        session = session_of(site.sessions, meeting)
        if session is not None and not session.answers_given:
            count = len(session.questions) - len(session.answers)
            return f"Answer {count} prep question{'s' if count != 1 else ''}"
    if meeting.status in (MeetingStatus.MATERIALS_READY, MeetingStatus.REMINDED) and (
        meeting.end <= now
    ):
        return "Give the notes"
    return None


def routes(web: WebContext) -> list[BaseRoute]:
    async def fortnight(request: Request) -> Response:
        viewer = viewer_of(request)
        now = web.site.clock.now()
        view = await run_in_threadpool(fortnight_of, web.site, viewer, now)
        return web.pages.render(
            request,
            "fortnight.html",
            page="fortnight",
            title="Fortnight",
            view=view,
            now=now,
            calendars_configured=web.site.calendars_configured,
            deployment=web.site.deployment,
        )

    return [Route("/", fortnight, methods=["GET"])]
