"""A meeting's notes: paste or upload them; beside them, the summary, decisions and action
items they produced, each linked to its source line, which is highlighted; correct the
items' owner, due date and text, then accept them. The items are proposals until *Accept*:
nothing reaches a tracker, a list or another person before."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import PurePath
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exec_assistant.display_text import visible
from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.domain.item_edits import (
    ItemEdit,
    ItemEditRefused,
    ItemEditsRefused,
    parse_due,
    plain_line,
)
from exec_assistant.domain.models import (
    ActionItem,
    Decision,
    DecisionStatus,
    ItemStatus,
    Meeting,
    MeetingStatus,
)
from exec_assistant.domain.notes import source_lines
from exec_assistant.domain.text_files import (
    UnreadableTextFile,
    decode_text,
    refuse_control_characters,
)
from exec_assistant.services.meetings import find_meeting
from exec_assistant.services.notes import (
    NotesRefused,
    NotesTooEarly,
    notes_reading,
    process_notes,
)
from exec_assistant.services.notes_review import (
    NotesChanged,
    NotesReview,
    accept_notes,
    edit_notes_items,
    review_notes,
    review_version,
)
from exec_assistant.web.context import WebContext, viewer_of
from exec_assistant.web.forms import FORM_LIMIT_BYTES, FormTooLarge
from exec_assistant.web.site import WebSite
from exec_assistant.web.wording import STATUS_WORDS

log = logging.getLogger(__name__)

NOTES_FIELD = "notes"
FILE_FIELD = "file"
FORCE_FIELD = "force"
VERSION_FIELD = "version"
"""The review forms' `review_version` of the items and decisions they were rendered from."""
TEXT_PREFIX, OWNER_PREFIX, DUE_PREFIX = "text.", "owner.", "due."
"""The review form's fields of one item: `text.<item id>`, `owner.<item id>`, `due.<...>`."""
NOTES_LIMIT_BYTES = FORM_LIMIT_BYTES
EDITABLE_ITEMS = 100
"""Up to this many items are edited in one form: three fields each, and a form takes at most
400 (`checked_form`). Notes with more are accepted as read, or corrected and given again."""
NOTES_SUFFIXES = (".md", ".markdown", ".txt")
FORCE_HINT = "Give the notes after the meeting, or tick the box below to store them now."
PASTED = "What was pasted"
"""How the pasted notes are named when they are not text."""

NOTICES = {
    "read": "The notes were read. The items and decisions below are proposals: check them, "
    "correct them if needed, then accept them.",
    "replaced": "The corrected notes replaced what the earlier ones produced. The items and "
    "decisions below are proposals again until you accept them.",
    "edited": "Your changes are saved. The items are still proposals until you accept them.",
    "accepted": "Accepted: the action items and decisions are now on Commitments and "
    "Decisions, and in the next preps.",
    "reread": "The stored notes were read again. The items and decisions below are "
    "proposals: check them, correct them if needed, then accept them.",
}
"""What the page says after a form was sent (`?done=<key>`; no user text goes in the URL)."""


class NotesFormRefused(ExecAssistantError):
    """The notes form cannot be read: both a paste and a file, a file that is not .md/.txt,
    a file over the size limit."""


class NotesTooLarge(NotesFormRefused):
    pass


@dataclass(frozen=True)
class Citation:
    label: str
    """"action item 2", "decision 1"."""
    anchor: str


@dataclass(frozen=True)
class NotesLine:
    number: int
    text: str
    """The line as shown: controls and direction overrides written out (`\\u202e`)."""
    cited_by: tuple[Citation, ...]


@dataclass(frozen=True)
class ItemRow:
    number: int
    item: ActionItem
    text: str
    owner: str
    """Who owns it, as shown: the attendee's name, or the owner as the notes wrote it."""
    line: int | None
    """Its source line, when the notes have it."""
    text_value: str
    owner_value: str
    due_value: str
    """What the form fields hold: the item as stored, or as typed when an edit was refused."""
    problem: str | None

    @property
    def anchor(self) -> str:
        return f"item-{self.number}"

    @property
    def done(self) -> bool:
        return self.item.status == ItemStatus.DONE


@dataclass(frozen=True)
class DecisionRow:
    number: int
    decision: Decision
    text: str
    line: int | None

    @property
    def anchor(self) -> str:
        return f"decision-{self.number}"

    @property
    def pending(self) -> bool:
        return self.decision.status == DecisionStatus.PENDING


@dataclass(frozen=True)
class NotesView:
    meeting: Meeting
    title: str
    status_label: str
    given: bool
    lines: list[NotesLine]
    summary: str
    items: list[ItemRow]
    decisions: list[DecisionRow]
    proposed: bool
    not_started: bool
    """The meeting has not started: the form offers to store the notes anyway."""
    notes_value: str
    """What the notes field holds: the notes given (to correct them), or what was posted."""
    correcting: bool
    """The notes form was sent and refused: it stays open, with what was pasted."""
    force: bool
    attendees: list[tuple[str, str]]
    """(email, name) of each attendee: the owners the form suggests."""
    unread: bool
    """The stored notes were not fully read: nothing extracted is shown, as it may be
    partly from earlier notes; the page offers to read them again."""
    version: str
    """What the review forms were rendered from (`review_version`)."""

    @property
    def editable(self) -> bool:
        return self.proposed and len(self.items) <= EDITABLE_ITEMS

    @property
    def accepted(self) -> bool:
        return self.given and not self.proposed and bool(self.items or self.decisions)

    @property
    def path(self) -> str:
        return notes_path(self.meeting.meeting_id)


@dataclass(frozen=True)
class Typed:
    """An item's fields as the executive left them in a refused form."""

    text: str
    owner: str
    due: str


def notes_path(meeting_id: str) -> str:
    return f"/meetings/{quote(meeting_id, safe='')}/notes"


def notes_view(
    review: NotesReview,
    now: datetime,
    *,
    typed: Mapping[str, Typed] | None = None,
    reasons: Mapping[str, str] | None = None,
    posted: str | None = None,
    force: bool = False,
) -> NotesView:
    result = review.result
    meeting = result.meeting
    version = review_version(result.action_items, result.decisions)
    if review.unread:
        result = replace(result, summary="", decisions=[], action_items=[], proposed=False)
    lines = source_lines(review.notes) if review.notes is not None else []
    names = {a.email.lower(): a.display_name for a in meeting.attendees}

    def cited(line: int | None) -> int | None:
        return line if line is not None and 1 <= line <= len(lines) else None

    typed = typed or {}
    reasons = reasons or {}
    items = []
    for number, item in enumerate(result.action_items, start=1):
        entered = typed.get(item.item_id)
        owner = item.owner or ""
        items.append(
            ItemRow(
                number=number,
                item=item,
                text=visible(item.text),
                owner=visible(names.get(owner.lower(), owner)),
                line=cited(item.source_line),
                text_value=entered.text if entered else plain_line(item.text),
                owner_value=entered.owner if entered else plain_line(owner),
                due_value=entered.due if entered else (item.due.isoformat() if item.due else ""),
                problem=reasons.get(item.item_id),
            )
        )
    decisions = [
        DecisionRow(number, d, visible(d.text), cited(d.source_line))
        for number, d in enumerate(result.decisions, start=1)
    ]
    citations: dict[int, list[Citation]] = defaultdict(list)
    for decision in decisions:
        if decision.line is not None:
            citations[decision.line].append(
                Citation(f"decision {decision.number}", decision.anchor)
            )
    for row in items:
        if row.line is not None:
            citations[row.line].append(Citation(f"action item {row.number}", row.anchor))
    return NotesView(
        meeting=meeting,
        title=visible(meeting.title),
        status_label=STATUS_WORDS[meeting.status],
        given=review.notes is not None,
        lines=[
            NotesLine(number, visible(text), tuple(citations.get(number, ())))
            for number, text in enumerate(lines, start=1)
        ],
        summary=visible(result.summary, multiline=True),
        items=items,
        decisions=decisions,
        proposed=result.proposed,
        not_started=meeting.start > now,
        notes_value=editable_text(posted if posted else (review.notes or "")),
        correcting=posted is not None,
        force=force,
        attendees=[(a.email, visible(a.display_name)) for a in meeting.attendees],
        unread=review.unread,
        version=version,
    )


def editable_text(notes: str) -> str:
    """The notes as the form to correct them holds them: line by line as the items cite
    them, controls and direction overrides written out (`\\u202e`) as everywhere on the
    page, so that giving them again numbers the same lines."""
    return "\n".join(
        visible(line.replace("\u2028", " ").replace("\u2029", " "), multiline=True)
        for line in source_lines(notes)
    )


def _may_see(site: WebSite, request: Request, meeting: Meeting) -> None:
    """403 for a delegate who may not see this meeting's type."""
    if not viewer_of(request).may_see(site.is_private(meeting.meeting_type)):
        log.info("notes refused to a delegate", extra={"meeting_id": meeting.meeting_id})
        raise HTTPException(403, "This meeting is private: its notes are not shown to delegates.")


async def _notes_in(form: FormData) -> str:
    """The notes in the form: pasted, or in the file uploaded (read as the `notes` command
    reads a file). Refused: both, neither readable as text, over the size limit."""
    pasted = form.get(NOTES_FIELD)
    pasted = pasted if isinstance(pasted, str) else ""
    upload = form.get(FILE_FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        refuse_control_characters(pasted, PASTED)
        return pasted
    if pasted.strip():
        raise NotesFormRefused(
            "both notes pasted and a file chosen",
            hint="Paste the notes or choose a file, not both.",
        )
    name = plain_line(PurePath(upload.filename.replace("\\", "/")).name)[:100] or "the file"
    data = await upload.read(NOTES_LIMIT_BYTES + 1)
    if len(data) > NOTES_LIMIT_BYTES:
        raise _too_large()
    text = decode_text(data, name)
    if not name.lower().endswith(NOTES_SUFFIXES):
        raise NotesFormRefused(
            f"{name} is not a .md or .txt file",
            hint="Save the notes as plain text (.txt) or Markdown (.md), in UTF-8.",
        )
    return text


def _longer_than(request: Request, limit: int) -> bool:
    """The request says its body is over `limit` bytes: refused before it is read."""
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > limit


def _too_large() -> NotesTooLarge:
    return NotesTooLarge(
        f"the notes are larger than {NOTES_LIMIT_BYTES // 1024 // 1024} MB "
        f"({NOTES_LIMIT_BYTES:,} bytes), the most this page reads",
        hint="Leave out a pasted transcript or attachment, or give the file with "
        "'exec-assistant notes MEETING FILE', which reads larger ones.",
    )


def _edits_in(form: FormData) -> tuple[list[ItemEdit], dict[str, Typed], dict[str, str]]:
    """The items as left in the review form, in its order; what was typed, by item id; and
    why a due date is not one, by item id."""
    edits: list[ItemEdit] = []
    typed: dict[str, Typed] = {}
    reasons: dict[str, str] = {}
    for key, value in form.multi_items():
        if not key.startswith(TEXT_PREFIX) or not isinstance(value, str):
            continue
        item_id = key.removeprefix(TEXT_PREFIX)
        owner = form.get(OWNER_PREFIX + item_id)
        due = form.get(DUE_PREFIX + item_id)
        entered = Typed(
            value, owner if isinstance(owner, str) else "", due if isinstance(due, str) else ""
        )
        typed[item_id] = entered
        try:
            when: date | None = parse_due(entered.due, item_id)
        except ItemEditRefused as exc:
            reasons[item_id] = _reason(exc, item_id)
            when = None
        edits.append(ItemEdit(item_id, entered.text, entered.owner or None, when))
    return edits, typed, reasons


def _reason(exc: ExecAssistantError, item_id: str) -> str:
    """A refusal as shown beside its item, which it need not name ("The text is empty. Say
    what is to be done, or leave the item as it was.")."""
    said = exc.message.removeprefix(f"action item {item_id}: ")
    said = said[:1].upper() + said[1:]
    return f"{said}. {exc.hint}" if exc.hint else said


def routes(web: WebContext) -> list[BaseRoute]:
    site = web.site

    async def visible_meeting(request: Request) -> Meeting:
        meeting = await run_in_threadpool(
            find_meeting, site.meetings, request.path_params["meeting_id"]
        )
        _may_see(site, request, meeting)
        return meeting

    async def page(
        request: Request,
        *,
        status_code: int = 200,
        problem: ExecAssistantError | None = None,
        notice: str | None = None,
        typed: Mapping[str, Typed] | None = None,
        reasons: Mapping[str, str] | None = None,
        posted: str | None = None,
        force: bool = False,
    ) -> Response:
        review = await run_in_threadpool(
            review_notes,
            site.meetings,
            site.action_items,
            site.decisions,
            site.documents,
            request.path_params["meeting_id"],
        )
        _may_see(site, request, review.result.meeting)
        view = notes_view(
            review,
            site.clock.now(),
            typed=typed,
            reasons=reasons,
            posted=posted,
            force=force,
        )
        return web.pages.render(
            request,
            "notes.html",
            status_code=status_code,
            page="notes",
            title=f"Notes: {view.title}",
            view=view,
            problem=problem.message if problem else None,
            hint=problem.hint if problem else None,
            notice=notice,
            refused_items=[row for row in view.items if row.problem],
            limit_mb=NOTES_LIMIT_BYTES // 1024 // 1024,
        )

    async def show(request: Request) -> Response:
        return await page(request, notice=NOTICES.get(request.query_params.get("done", "")))

    async def give(request: Request) -> Response:
        if _longer_than(request, NOTES_LIMIT_BYTES):
            return await page(request, status_code=413, problem=_too_large())
        try:
            form = await web.form(request)
        except FormTooLarge:  # sent without a length (chunked): found while it is read
            return await page(request, status_code=413, problem=_too_large())
        meeting = await visible_meeting(request)
        pasted = form.get(NOTES_FIELD)
        posted = pasted if isinstance(pasted, str) and pasted.strip() else ""
        force = form.get(FORCE_FIELD) == "yes"
        try:
            text = await _notes_in(form)
        except (NotesFormRefused, UnreadableTextFile) as exc:
            status = 413 if isinstance(exc, NotesTooLarge) else 400
            return await page(request, status_code=status, problem=exc, posted=posted, force=force)
        if not text.strip():
            empty = NotesFormRefused(
                "no notes were given", hint="Paste the notes, or choose their file."
            )
            return await page(request, status_code=400, problem=empty, force=force)
        replaced = meeting.status == MeetingStatus.COMPLETED
        try:
            await run_in_threadpool(read_notes, meeting, text, force)
        except NotesTooEarly as exc:
            early = ExecAssistantError(exc.message, hint=FORCE_HINT)
            return await page(request, status_code=409, problem=early, posted=posted)
        except NotesRefused as exc:
            return await page(request, status_code=409, problem=exc, posted=posted, force=force)
        done = "replaced" if replaced else "read"
        return RedirectResponse(f"{notes_path(meeting.meeting_id)}?done={done}", status_code=303)

    def read_notes(meeting: Meeting, text: str, force: bool) -> None:
        process_notes(
            meeting.meeting_id,
            text,
            meetings=site.meetings,
            action_items=site.action_items,
            decisions=site.decisions,
            documents=site.documents,
            meeting_date=meeting.start.astimezone(site.executive.zone).date(),
            now=site.clock.now(),
            force=force,
            reader=site.notes_reader(),
            catalog=site.catalog,
            private_providers=site.private_providers,
            proposed=True,
        )

    async def reread(request: Request) -> Response:
        """The stored notes read again, to finish a reading that was cut short: the same as
        giving them again, so reading them twice changes nothing more."""
        await web.form(request)
        meeting = await visible_meeting(request)
        reading = await run_in_threadpool(notes_reading, site.documents, meeting.meeting_id)
        if reading.notes is None:
            problem = NotesRefused("no notes were given for this meeting yet")
            return await page(request, status_code=409, problem=problem)
        try:
            # They were stored, so they were taken for a meeting that had started or with
            # the executive's say-so: the start is not checked again.
            await run_in_threadpool(read_notes, meeting, reading.notes, True)
        except NotesRefused as exc:
            return await page(request, status_code=409, problem=exc)
        return RedirectResponse(f"{notes_path(meeting.meeting_id)}?done=reread", status_code=303)

    async def edit(request: Request) -> Response:
        return await review_form(request, accepting=False)

    async def accept(request: Request) -> Response:
        return await review_form(request, accepting=True)

    async def review_form(request: Request, *, accepting: bool) -> Response:
        form = await web.form(request)
        meeting = await visible_meeting(request)
        edits, typed, reasons = _edits_in(form)
        shown = form.get(VERSION_FIELD)
        # A form without a version was not rendered by this page as it is: taken as stale.
        version = shown if isinstance(shown, str) else ""
        if reasons:
            refusal = ItemEditsRefused({i: ItemEditRefused(r) for i, r in reasons.items()})
            return await page(
                request, status_code=409, problem=_unsaved(refusal), typed=typed, reasons=reasons
            )
        try:
            if accepting:
                await run_in_threadpool(
                    accept_notes,
                    site.meetings,
                    site.action_items,
                    site.decisions,
                    meeting.meeting_id,
                    site.clock.now(),
                    edits=edits,
                    documents=site.documents,
                    version=version,
                )
            else:
                await run_in_threadpool(
                    lambda: edit_notes_items(
                        site.action_items,
                        meeting.meeting_id,
                        edits,
                        decisions=site.decisions,
                        documents=site.documents,
                        meeting=meeting,
                        version=version,
                    )
                )
        except NotesChanged as exc:
            # Shown as they are now, not as typed: the changes are to be made again on them.
            return await page(request, status_code=409, problem=exc)
        except ItemEditsRefused as exc:
            reasons = {i: _reason(e, i) for i, e in exc.reasons.items()}
            return await page(
                request, status_code=409, problem=_unsaved(exc), typed=typed, reasons=reasons
            )
        except (ItemEditRefused, NotesRefused) as exc:
            return await page(request, status_code=409, problem=exc, typed=typed)
        done = "accepted" if accepting else "edited"
        return RedirectResponse(f"{notes_path(meeting.meeting_id)}?done={done}", status_code=303)

    return [
        Route("/meetings/{meeting_id}/notes", show, methods=["GET"]),
        Route("/meetings/{meeting_id}/notes", give, methods=["POST"]),
        Route("/meetings/{meeting_id}/notes/items", edit, methods=["POST"]),
        Route("/meetings/{meeting_id}/notes/accept", accept, methods=["POST"]),
        Route("/meetings/{meeting_id}/notes/read", reread, methods=["POST"]),
    ]


def _unsaved(exc: ItemEditsRefused) -> ExecAssistantError:
    count = len(exc.reasons)
    return ExecAssistantError(
        f"{count} action item{'s' if count != 1 else ''} could not be saved as written; "
        "nothing was stored",
        hint="Each reason is beside its item below.",
    )
