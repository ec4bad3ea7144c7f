"""The meeting: what it is, where its prep stands, and its pack once written (the time-boxed
agenda, questions to ask, background by source, decisions needed, open items); the prep
questions as a form while the prep waits for them; reclassify for the series, skip, and the
notes template to download."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exec_assistant.display_text import BLOCK_LIMIT, LINE_LIMIT, visible
from exec_assistant.domain.answers import AnswersInvalid
from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.errors import (
    AmbiguousMeetingId,
    ExecAssistantError,
    MeetingNotFound,
    UnknownMeetingType,
)
from exec_assistant.domain.models import (
    NO_PREP_STATUSES,
    Meeting,
    MeetingStatus,
    PrepPack,
    ResponseStatus,
)
from exec_assistant.domain.prep_pack import GENERATED_BY, prep_not_in_agenda
from exec_assistant.domain.thread_replies import REPLY_LIMIT, cleaned_answer, typed_answer
from exec_assistant.services.answers import (
    AnswersSubmitted,
    ShownForm,
    answer_follow_up,
    submit_answers,
)
from exec_assistant.services.conversation import (
    REASON_LIMIT,
    reclassify_meeting,
    skip_meeting,
    use_defaults,
)
from exec_assistant.services.meeting_prep import (
    IN_PROGRESS_STAGES,
    MeetingPrep,
    PrepStage,
    current_stage,
    meeting_prep,
)
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.pack_documents import read_notes_template
from exec_assistant.web.context import WebContext, viewer_of
from exec_assistant.web.forms import field as form_field
from exec_assistant.web.site import WebSite
from exec_assistant.web.viewer import Viewer
from exec_assistant.web.wording import STATUS_WORDS

log = logging.getLogger(__name__)

FORM_SOURCE = "the web form"
TITLE_SHOWN = 300
"""Characters of a title shown; a longer one is cut."""
POLL_SECONDS = 2
NOT_FOUND = (MeetingNotFound, AmbiguousMeetingId)
"""Answered by the app's own 404 page, not by this page."""
ANSWER_FIELD = re.compile(r"^answer-(\d{1,3})$")

STAGE_WORDS: dict[PrepStage, str] = {
    PrepStage.NOT_SCHEDULED: "No prep is scheduled for this meeting yet.",
    PrepStage.SCHEDULED: "The prep is scheduled.",
    PrepStage.STARTING: "The prep is starting.",
    PrepStage.ASKING: "The prep waits for your answers.",
    PrepStage.REVIEWING: "Your answers are in; the assistant is reading them.",
    PrepStage.FOLLOW_UP: "One more question on your answers.",
    PrepStage.WRITING: "The prep goes on: gathering the context and writing the pack.",
    PrepStage.READY: "The pack is ready.",
    PrepStage.COMPLETED: "The meeting's notes are in.",
    PrepStage.SKIPPED: "Skipped: nothing is prepared or sent for it.",
    PrepStage.CANCELLED: "Cancelled: nothing is prepared or sent for it.",
    PrepStage.FAILED: "The prep failed.",
}

NOTICES: dict[str, str] = {
    "answered": "Your answers are in: the prep goes on with them.",
    "follow_up": "Your answers are in. One of them has a follow-up question below.",
    "followed_up": "Thanks: the prep goes on with your answers.",
    "defaults": "The prep goes on without (more) answers.",
    "skipped": "Skipped: nothing more will be prepared or sent for this meeting.",
    "reclassified": "The type is changed for this meeting and the rest of its series.",
    "restarted": "The type is changed for this meeting and the rest of its series; its prep "
    "starts again with the new type's questions.",
}
"""What a change did, shown after the redirect (`?done=`): fixed texts, never the query's."""

RESPONSE_WORDS = {
    ResponseStatus.ACCEPTED: "",
    ResponseStatus.DECLINED: "declined",
    ResponseStatus.TENTATIVE: "tentative",
    ResponseStatus.NEEDS_ACTION: "no reply",
}


def _line(text: str, limit: int = LINE_LIMIT) -> str:
    """Outside text on one line, every control character shown rather than obeyed."""
    return visible(text, limit=limit)


def _block(text: str) -> str:
    return visible(text, limit=BLOCK_LIMIT, multiline=True)


# --- the view --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendeeView:
    name: str
    response: str


@dataclass(frozen=True)
class AgendaSlot:
    begins: datetime
    ends: datetime
    title: str
    minutes: int
    purpose: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class SourceView:
    name: str
    facts: tuple[str, ...]
    unavailable: str | None
    """Why the source could not be read, when it could not."""


@dataclass(frozen=True)
class PackView:
    agenda: tuple[AgendaSlot, ...]
    agenda_minutes: int
    your_prep: tuple[tuple[str, str | None], ...]
    """The prep questions whose answer the agenda does not show, with the answer."""
    answers_received: bool
    questions: tuple[str, ...]
    decisions: tuple[str, ...]
    open_items: tuple[str, ...]
    background: tuple[SourceView, ...]
    generated_by: str
    generated_at: datetime
    fallback_reason: str | None


@dataclass(frozen=True)
class QuestionField:
    number: str
    question: str
    value: str
    """Prefilled: what was typed, the answer given so far, or last time's."""


@dataclass(frozen=True)
class AnswersForm:
    fields: tuple[QuestionField, ...]
    questions_round: int
    due: datetime | None
    from_last_time: bool
    """Some fields hold last time's answers."""


@dataclass(frozen=True)
class FollowUpForm:
    number: str
    question: str
    answer: str
    follow_up: str
    turn: int
    questions_round: int
    due: datetime | None
    value: str


@dataclass(frozen=True)
class TypeOption:
    type_id: str
    name: str
    selected: bool


@dataclass(frozen=True)
class MeetingPage:
    meeting_id: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    location: str
    attendees: tuple[AttendeeView, ...]
    type_label: str
    type_reason: str
    private: bool
    status_label: str
    prep_at: datetime | None
    reminder_at: datetime | None
    stage: PrepStage
    stage_label: str
    live: bool
    """The prep moves on by itself: the page offers a refresh and polls its status."""
    skip_reason: str
    prep_error: str
    retry_at: datetime | None
    pack: PackView | None
    answers: AnswersForm | None
    follow_up: FollowUpForm | None
    type_options: tuple[TypeOption, ...]
    """Empty: changing the type is not offered."""
    can_skip: bool
    notes_offered: bool
    notice: str | None = None
    problem: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class Typed:
    """What was typed in a form the page shows again with a problem."""

    answers: Mapping[str, str] = field(default_factory=dict)
    follow_up: str = ""


def _type_label(site: WebSite, meeting_type: str | None) -> str:
    if meeting_type is None:
        return "not classified yet"
    if meeting_type in site.catalog:
        return _line(site.catalog.get(meeting_type).name)
    return _line(meeting_type)


def _source_name(provider: str) -> str:
    return _line(provider.replace("_", " ").capitalize(), 100)


def _background(pack: PrepPack, sources: tuple[ContextResult, ...]) -> tuple[SourceView, ...]:
    """Each source the pack names, in its order, then any other that could not be read."""
    by_name = {s.provider: s for s in sources}
    shown = []
    for provider, facts in pack.background.items():
        source = by_name.get(provider)
        if source is not None and not source.available:
            shown.append(SourceView(_source_name(provider), (), _line(source.reason or "")))
        else:
            shown.append(SourceView(_source_name(provider), tuple(map(_line, facts)), None))
    for source in sources:
        if source.provider not in pack.background and not source.available:
            shown.append(SourceView(_source_name(source.provider), (), _line(source.reason or "")))
    return tuple(shown)


def _pack_view(pack: PrepPack, sources: tuple[ContextResult, ...]) -> PackView:
    start = pack.start.replace(second=0, microsecond=0)
    agenda = tuple(
        AgendaSlot(
            begins=start + timedelta(minutes=item.start_offset_minutes),
            ends=start + timedelta(minutes=item.start_offset_minutes + item.minutes),
            title=_line(item.title),
            minutes=item.minutes,
            purpose=_line(item.purpose),
            notes=tuple(map(_line, item.notes)),
        )
        for item in pack.agenda
    )
    model = "the offline generator" if pack.generated_by == GENERATED_BY else pack.generated_by
    return PackView(
        agenda=agenda,
        agenda_minutes=sum(item.minutes for item in pack.agenda),
        your_prep=tuple((_line(q), _block(a) if a else None) for q, a in prep_not_in_agenda(pack)),
        answers_received=pack.answers_received,
        questions=tuple(map(_line, pack.questions)),
        decisions=tuple(map(_line, pack.decisions_needed)),
        open_items=tuple(map(_line, pack.open_action_items)),
        background=_background(pack, sources),
        generated_by=_line(model, 200),
        generated_at=pack.generated_at,
        fallback_reason=_line(pack.fallback_reason) if pack.fallback_reason else None,
    )


def _prefill(text: str) -> str:
    """An answer put back in a field: what the field would accept."""
    return cleaned_answer(text[: REPLY_LIMIT + 1])[:REPLY_LIMIT]


def _answers_form(prep: MeetingPrep, typed: Typed | None) -> AnswersForm | None:
    session = prep.session
    if prep.stage != PrepStage.ASKING or session is None:
        return None
    fields = []
    from_last_time = False
    for n, question in enumerate(session.questions, start=1):
        number = str(n)
        if typed is not None:
            value = typed.answers.get(number, "")
        elif number in session.answers:
            value = session.answers[number]
        else:
            value = prep.last_answers.get(number, "")
            from_last_time = from_last_time or bool(value)
        fields.append(QuestionField(number, _line(question), _prefill(value)))
    return AnswersForm(tuple(fields), session.questions_round, session.answers_due, from_last_time)


def _follow_up_form(prep: MeetingPrep, typed: Typed | None) -> FollowUpForm | None:
    session = prep.session
    pending = session.pending_follow_up if session else None
    if prep.stage != PrepStage.FOLLOW_UP or session is None or pending is None:
        return None
    number = pending.question_number
    index = int(number) - 1
    question = session.questions[index] if 0 <= index < len(session.questions) else ""
    return FollowUpForm(
        number=number,
        question=_line(question),
        answer=_block(session.answers.get(number, "")),
        follow_up=_line(pending.question),
        turn=len(session.follow_ups),
        questions_round=session.questions_round,
        due=session.answers_due,
        value=_prefill(typed.follow_up) if typed else "",
    )


def _type_options(site: WebSite, viewer: Viewer, meeting: Meeting) -> tuple[TypeOption, ...]:
    if meeting.status in (MeetingStatus.SKIPPED, MeetingStatus.CANCELLED):
        return ()
    return tuple(
        TypeOption(t.id, _line(t.name, 100), t.id == meeting.meeting_type)
        for t in site.catalog
        if viewer.may_see(t.private)
    )


def _attendees(meeting: Meeting) -> tuple[AttendeeView, ...]:
    people = meeting.attendees or ((meeting.organizer,) if meeting.organizer else ())
    return tuple(
        AttendeeView(_line(p.display_name, 200), RESPONSE_WORDS[p.response]) for p in people
    )


def meeting_page(
    site: WebSite,
    viewer: Viewer,
    prep: MeetingPrep,
    *,
    notice: str | None = None,
    problem: ExecAssistantError | None = None,
    typed: Typed | None = None,
) -> MeetingPage:
    meeting = prep.meeting
    status = meeting.status
    return MeetingPage(
        meeting_id=meeting.meeting_id,
        title=_line(meeting.title, TITLE_SHOWN),
        start=meeting.start,
        end=meeting.end,
        all_day=meeting.all_day,
        location=_line(meeting.location),
        attendees=_attendees(meeting),
        type_label=_type_label(site, meeting.meeting_type),
        type_reason=_line(meeting.classification_reason or ""),
        private=site.is_private(meeting.meeting_type),
        status_label=STATUS_WORDS[status],
        prep_at=meeting.prep_at,
        reminder_at=meeting.reminder_at,
        stage=prep.stage,
        stage_label=STAGE_WORDS[prep.stage],
        live=prep.stage in IN_PROGRESS_STAGES,
        skip_reason=_line(meeting.skip_reason or ""),
        prep_error=_line(meeting.prep_error or "") if status == MeetingStatus.FAILED else "",
        retry_at=meeting.retry_at if status == MeetingStatus.FAILED else None,
        pack=_pack_view(prep.pack, prep.sources) if prep.pack else None,
        answers=_answers_form(prep, typed),
        follow_up=_follow_up_form(prep, typed),
        type_options=_type_options(site, viewer, meeting),
        can_skip=status not in NO_PREP_STATUSES,
        notes_offered=status not in (MeetingStatus.SKIPPED, MeetingStatus.CANCELLED),
        notice=notice,
        problem=_line(problem.message, BLOCK_LIMIT) if problem else None,
        hint=_line(problem.hint, BLOCK_LIMIT) if problem and problem.hint else None,
    )


# --- reading and checking --------------------------------------------------------------------


def visible_meeting(site: WebSite, viewer: Viewer, meeting_id: str) -> Meeting:
    """The meeting, when this viewer may see it: 403 for a private one they may not."""
    meeting = find_meeting(site.meetings, meeting_id)
    if not viewer.may_see(site.is_private(meeting.meeting_type)):
        log.info("private meeting refused to a delegate", extra={"meeting_id": meeting_id[:40]})
        raise HTTPException(
            403, "refused: this meeting is private, and your access does not cover it"
        )
    return meeting


def notes_template_filename(meeting: Meeting, site: WebSite) -> str:
    """`notes-infrastructure-leadership-team-2026-12-08.md`: the title in ASCII letters,
    digits and dashes (at most 60), and the meeting's day in the executive's zone."""
    ascii_title = unicodedata.normalize("NFKD", meeting.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    day = meeting.start.astimezone(site.executive.zone).date().isoformat()
    return f"notes-{slug or 'meeting'}-{day}.md"


def _round(form: FormData, name: str) -> int:
    value = form_field(form, name, limit=6)
    if not value.isdigit():
        raise HTTPException(400, "the form is incomplete: reload the page and try again")
    return int(value)


def _typed(form: FormData) -> Typed:
    answers = {}
    for key, value in form.multi_items():
        found = ANSWER_FIELD.match(key)
        if found and isinstance(value, str):
            answers[str(int(found.group(1)))] = value
    follow_up = form.get("follow-up")
    return Typed(answers, follow_up if isinstance(follow_up, str) else "")


def _answers_from(typed: Typed) -> dict[str, str]:
    """The answers typed, cleaned, by question number; empty ones left out."""
    answers = {}
    for number, text in sorted(typed.answers.items(), key=lambda kv: int(kv[0])):
        answer = typed_answer(text, f"the answer to question {number}")
        if answer:
            answers[number] = answer
    return answers


# --- the routes ------------------------------------------------------------------------------


def routes(web: WebContext) -> list[BaseRoute]:
    site = web.site

    def page_of(
        viewer: Viewer,
        meeting_id: str,
        *,
        notice: str | None = None,
        problem: ExecAssistantError | None = None,
        typed: Typed | None = None,
    ) -> MeetingPage:
        meeting = visible_meeting(site, viewer, meeting_id)
        prep = meeting_prep(site.meetings, site.sessions, site.documents, meeting, site.clock.now())
        return meeting_page(site, viewer, prep, notice=notice, problem=problem, typed=typed)

    def render(request: Request, view: MeetingPage, status_code: int = 200) -> Response:
        return web.pages.render(
            request,
            "meeting.html",
            status_code=status_code,
            page="meeting",
            title=view.title,
            view=view,
            poll_seconds=POLL_SECONDS,
            answer_limit=REPLY_LIMIT,
        )

    async def refused(
        request: Request, meeting_id: str, problem: ExecAssistantError, typed: Typed | None = None
    ) -> Response:
        """The page again, with what went wrong (and what was typed, to correct it)."""
        viewer = viewer_of(request)
        view = await run_in_threadpool(page_of, viewer, meeting_id, problem=problem, typed=typed)
        invalid = isinstance(problem, AnswersInvalid | UnknownMeetingType)
        return render(request, view, 422 if invalid else 409)

    def back(meeting_id: str, done: str) -> Response:
        assert done in NOTICES
        return RedirectResponse(f"/meetings/{meeting_id}?done={done}", status_code=303)

    async def show(request: Request) -> Response:
        meeting_id = request.path_params["meeting_id"]
        done = request.query_params.get("done")
        view = await run_in_threadpool(
            page_of, viewer_of(request), meeting_id, notice=NOTICES.get(done or "")
        )
        return render(request, view)

    async def status(request: Request) -> Response:
        viewer = viewer_of(request)

        def read() -> dict[str, Any]:
            meeting = visible_meeting(site, viewer, request.path_params["meeting_id"])
            stage, _ = current_stage(site.sessions, meeting, site.clock.now())
            return {
                "stage": stage.value,
                "label": STAGE_WORDS[stage],
                "status": meeting.status.value,
                "status_label": STATUS_WORDS[meeting.status],
                "in_progress": stage in IN_PROGRESS_STAGES,
            }

        return JSONResponse(await run_in_threadpool(read))

    async def answers(request: Request) -> Response:
        form = await web.form(request)
        viewer = viewer_of(request)
        typed = _typed(form)
        action = form_field(form, "action", limit=20)
        questions_round = _round(form, "round")

        def give() -> tuple[str, AnswersSubmitted]:
            meeting = visible_meeting(site, viewer, request.path_params["meeting_id"])
            ident = meeting.meeting_id
            engine, follow_ups = site.engine, site.follow_ups
            if action in ("follow-up", "nothing"):
                text = "" if action == "nothing" else typed_answer(typed.follow_up, "the answer")
                if action == "follow-up" and not text:
                    raise AnswersInvalid(
                        "the answer to the follow-up question is empty",
                        hint="Write your answer, or choose Nothing to add.",
                    )
                shown = ShownForm(questions_round, _round(form, "turn"))
                return ident, answer_follow_up(
                    site.meetings, site.sessions, engine, ident, text, FORM_SOURCE,
                    form=shown, follow_ups=follow_ups,
                )  # fmt: skip
            shown = ShownForm(questions_round)
            if action == "defaults":
                return ident, use_defaults(site.meetings, site.sessions, engine, ident, form=shown)
            given = _answers_from(typed)
            if not given:
                raise AnswersInvalid(
                    "no answer was given",
                    hint="Answer at least one question, or choose Go on without answers.",
                )
            return ident, submit_answers(
                site.meetings, site.sessions, engine, ident, given, FORM_SOURCE,
                follow_ups=follow_ups, form=shown,
            )  # fmt: skip

        try:
            meeting_id, submitted = await run_in_threadpool(give)
        except NOT_FOUND:
            raise
        except ExecAssistantError as exc:
            return await refused(request, request.path_params["meeting_id"], exc, typed)
        if submitted.follow_up is not None:
            return back(meeting_id, "follow_up")
        if action in ("follow-up", "nothing"):
            return back(meeting_id, "followed_up")
        return back(meeting_id, "defaults" if action == "defaults" else "answered")

    async def reclassify(request: Request) -> Response:
        form = await web.form(request)
        viewer = viewer_of(request)
        wanted = form_field(form, "meeting_type", limit=100)

        def change() -> tuple[str, bool]:
            meeting = visible_meeting(site, viewer, request.path_params["meeting_id"])
            if not wanted:
                raise AnswersInvalid(
                    "no meeting type was chosen", hint="Choose one in the list, then Reclassify."
                )
            if not viewer.may_see(site.is_private(wanted)):
                raise HTTPException(
                    403, "refused: that type is private, and your access does not cover it"
                )
            changed = reclassify_meeting(
                site.meetings, site.sessions, site.overrides, site.engine, site.catalog,
                site.rules, site.executive, meeting.meeting_id, wanted, site.clock.now(),
            )  # fmt: skip
            restarted = any(
                m.meeting_id == meeting.meeting_id and m.prep_attempt > meeting.prep_attempt
                for m in changed
            )
            return meeting.meeting_id, restarted

        try:
            meeting_id, restarted = await run_in_threadpool(change)
        except NOT_FOUND:
            raise
        except ExecAssistantError as exc:
            return await refused(request, request.path_params["meeting_id"], exc)
        return back(meeting_id, "restarted" if restarted else "reclassified")

    async def skip(request: Request) -> Response:
        form = await web.form(request)
        viewer = viewer_of(request)
        reason = cleaned_answer(form_field(form, "reason", limit=REASON_LIMIT * 2))

        def do_skip() -> str:
            meeting = visible_meeting(site, viewer, request.path_params["meeting_id"])
            skipped = skip_meeting(
                site.meetings, site.engine, meeting.meeting_id, site.clock.now(), reason
            )
            return skipped.meeting_id

        try:
            meeting_id = await run_in_threadpool(do_skip)
        except NOT_FOUND:
            raise
        except ExecAssistantError as exc:
            return await refused(request, request.path_params["meeting_id"], exc)
        return back(meeting_id, "skipped")

    async def notes_template(request: Request) -> Response:
        viewer = viewer_of(request)

        def read() -> tuple[Meeting, str | None]:
            meeting = visible_meeting(site, viewer, request.path_params["meeting_id"])
            return meeting, read_notes_template(site.documents, meeting.meeting_id)

        meeting, template = await run_in_threadpool(read)
        if template is None:
            return web.pages.render(
                request,
                "notes_template_missing.html",
                status_code=404,
                page="meeting",
                title="No notes template yet",
                meeting_id=meeting.meeting_id,
                meeting_title=_line(meeting.title, TITLE_SHOWN),
                prep_at=meeting.prep_at,
                now=site.clock.now(),
                ended=meeting.status in NO_PREP_STATUSES,
            )
        filename = notes_template_filename(meeting, site)
        return Response(
            template.encode(),
            media_type="text/markdown; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    prefix = "/meetings/{meeting_id}"
    return [
        Route(prefix, show, methods=["GET"]),
        Route(prefix + "/status", status, methods=["GET"]),
        Route(prefix + "/answers", answers, methods=["POST"]),
        Route(prefix + "/type", reclassify, methods=["POST"]),
        Route(prefix + "/skip", skip, methods=["POST"]),
        Route(prefix + "/notes-template.md", notes_template, methods=["GET"]),
    ]
