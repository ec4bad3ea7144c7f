"""The prep conversation as a chat drives it: answers given in a thread, one by one or
numbered; proceeding without (more) answers; snoozing; skipping a meeting; correcting its
type; finding meetings by a few words; and the review of notes given in a chat.

Every function refuses with a typed error whose message says what to do instead (a reply
after the wait ended, a snooze that would end after the pack is written).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from exec_assistant.domain.answers import FOLLOW_UP_SECTION, AnswersInvalid, validate_answers
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import AmbiguousMeetingId, ExecAssistantError, MeetingNotFound
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.item_edits import ItemEdit, ItemEditRefused, parse_due
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import (
    AskStyle,
    ChatSession,
    Meeting,
    MeetingStatus,
    SessionState,
)
from exec_assistant.domain.thread_replies import parse_thread_reply
from exec_assistant.ports import (
    ChatSessionRepository,
    MeetingRepository,
    PrepEngine,
    SeriesOverrideRepository,
)
from exec_assistant.services.answers import (
    AnswersSubmitted,
    NotWaitingForAnswers,
    ShownForm,
    session_of,
    submit_answers,
    waiting_session,
)
from exec_assistant.services.follow_ups import FollowUps
from exec_assistant.services.meetings import classify_series, find_meeting
from exec_assistant.services.notes_review import NotesAcceptance, accept_notes, edit_notes_items
from exec_assistant.services.preps import prep_request

__all__ = [
    "ItemEdit",
    "ItemEditRefused",
    "NotesAcceptance",
    "SkipRefused",
    "SnoozeRefused",
    "ThreadAnswer",
    "accept_notes",
    "answer_in_thread",
    "edit_notes_items",
    "find_meetings",
    "parse_due",
    "previous_answers",
    "reclassify_meeting",
    "skip_meeting",
    "snooze_prep",
    "upcoming",
    "use_defaults",
]

log = logging.getLogger(__name__)

THREAD_SOURCE = "your reply"
SEARCH_PAST = timedelta(days=30)
SEARCH_AHEAD = timedelta(days=30)
QUERY_LIMIT = 200
REASON_LIMIT = 200
MAX_SNOOZE_HOURS = 24.0


class SnoozeRefused(ExecAssistantError):
    exit_code = 2


class SkipRefused(ExecAssistantError):
    exit_code = 2


# --- answers in a thread ---------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadAnswer:
    meeting: Meeting
    session: ChatSession
    taken: tuple[str, ...]
    """The question numbers this reply answered."""
    next_question: tuple[str, str] | None
    """The first question still unanswered, as (number, text)."""
    submitted: AnswersSubmitted | None
    """Set once the answers are complete and were handed to the prep."""


def _unanswered(session: ChatSession) -> list[tuple[str, str]]:
    return [
        (str(n), q)
        for n, q in enumerate(session.questions, start=1)
        if str(n) not in session.answers
    ]


def answer_in_thread(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    engine: PrepEngine,
    meeting_id: str,
    text: str,
    *,
    follow_ups: FollowUps | None = None,
) -> ThreadAnswer:
    """Take a reply in the prep request's thread as answers.

    "1. x\\n2) y\\n3: z" answers questions 1 to 3 (a line without a number continues the
    answer above it); an unnumbered reply answers the first question still unanswered; a
    reply while a follow-up question waits answers the follow-up (a numbered reply naming
    the follow-up's question gives that line to it; one that leaves it out replaces those
    answers and adds nothing to the follow-up). Answers so far are stored with the
    session (it stays waiting); once every question has one, they are submitted as
    `submit_answers` does, which resumes the prep.

    Refused (typed): the wait has ended (answered, timed out, skipped), an empty or huge
    reply, a number that is not a question's.
    """
    meeting, session = waiting_session(meetings, sessions, meeting_id)
    reply = parse_thread_reply(text)
    pending = session.pending_follow_up
    if session.answers_given:
        if pending is None:
            raise NotWaitingForAnswers(
                f"the answers for meeting {meeting.meeting_id} ({meeting.title}) are in; "
                "the prep is going on with them"
            )
        number = pending.question_number
        raw: dict[str, object] = dict(reply.numbered)
        if not reply.numbered:
            raw = {FOLLOW_UP_SECTION: {number: reply.text}}
        elif number in reply.numbered:
            raw[FOLLOW_UP_SECTION] = {number: raw.pop(number)}
        submitted = submit_answers(
            meetings,
            sessions,
            engine,
            meeting.meeting_id,
            raw,
            THREAD_SOURCE,
            follow_ups=follow_ups,
        )
        named = set(reply.numbered)
        if not reply.numbered or number in reply.numbered:
            named.add(number)
        return ThreadAnswer(
            submitted.meeting, submitted.session, tuple(sorted(named, key=int)), None, submitted
        )
    if reply.numbered:
        taken = validate_answers(reply.numbered, session.questions, THREAD_SOURCE)
        if not taken:
            raise AnswersInvalid(
                f"{THREAD_SOURCE} numbers questions but gives no answer",
                hint='Write the answer after its number: "1. Close the capacity plan".',
            )
    else:
        left = _unanswered(session)
        if not left:
            raise NotWaitingForAnswers(
                f"every question of meeting {meeting.meeting_id} ({meeting.title}) has an "
                "answer already",
                hint='Start a reply with a number to change one: "2. ..."',
            )
        taken = {left[0][0]: reply.text}

    def store(current: ChatSession) -> ChatSession:
        if current.state != SessionState.WAITING or current.answers_given:
            raise NotWaitingForAnswers(
                f"meeting {meeting.meeting_id} ({meeting.title}) took its answers meanwhile"
            )
        return current.model_copy(update={"answers": {**current.answers, **taken}})

    stored = sessions.update(session.session_id, store)
    assert stored is not None  # sessions are not deleted
    log.info(
        "answers taken from a thread reply",
        extra={"session_id": stored.session_id, "taken": len(taken)},
    )
    left = _unanswered(stored)
    if left:
        return ThreadAnswer(meeting, stored, tuple(sorted(taken, key=int)), left[0], None)
    submitted = submit_answers(
        meetings,
        sessions,
        engine,
        meeting.meeting_id,
        dict(stored.answers),
        THREAD_SOURCE,
        follow_ups=follow_ups,
    )
    return ThreadAnswer(
        submitted.meeting, submitted.session, tuple(sorted(taken, key=int)), None, submitted
    )


def use_defaults(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    engine: PrepEngine,
    meeting_id: str,
    *,
    form: ShownForm | None = None,
) -> AnswersSubmitted:
    """Go on without (more) answers: the answers given so far are kept, the other questions
    stay unanswered, a follow-up that waits gets none, and the prep resumes at once. With
    `form`, refused once the session has moved on from what that form was shown for."""
    meeting, session = waiting_session(meetings, sessions, meeting_id)
    return submit_answers(
        meetings,
        sessions,
        engine,
        meeting.meeting_id,
        dict(session.answers),
        THREAD_SOURCE,
        form=form,
    )


# --- snooze, skip ----------------------------------------------------------------------------


def snooze_prep(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    meeting_id: str,
    now: datetime,
    hours: float = 2,
    *,
    zone: tzinfo = UTC,
) -> datetime:
    """Ask again in `hours`: the time returned, when the periodic tick repeats the request
    (once). Refused when that is at or after the answers are due: the pack is written then
    without more answers, and the message says when (in `zone`)."""
    meeting, session = waiting_session(meetings, sessions, meeting_id)
    if not (math.isfinite(hours) and 0 < hours <= MAX_SNOOZE_HOURS):
        raise SnoozeRefused(
            f"a snooze of {hours!r} hours is not possible",
            hint=f"Snooze for more than 0 and at most {MAX_SNOOZE_HOURS:g} hours.",
        )
    until = now + timedelta(hours=hours)
    due = session.answers_due
    if due is not None and until >= due:
        at = due.astimezone(zone)
        raise SnoozeRefused(
            f"too late to snooze {meeting.title[:80]} for {hours:g} h: the pack is written "
            f"{at:%a %d %b %H:%M} {at.tzname() or ''}".rstrip()
            + " without more answers",
            hint="Answer now, or choose Use defaults.",
        )

    def snooze(current: ChatSession) -> ChatSession:
        if current.state != SessionState.WAITING:
            raise NotWaitingForAnswers(
                f"meeting {meeting.meeting_id} ({meeting.title}) took its answers meanwhile"
            )
        return current.model_copy(update={"snoozed_until": until})

    sessions.update(session.session_id, snooze)
    log.info("prep snoozed", extra={"session_id": session.session_id, "hours": hours})
    return until


def skip_meeting(
    meetings: MeetingRepository, engine: PrepEngine, meeting_id: str, now: datetime, reason: str
) -> Meeting:
    """Skip the meeting: SKIPPED with the reason (one line, 200 characters at most), kept
    skipped by later syncs, its prep workflow cancelled; nothing more is sent for it (no
    questions, pack, reminder or request for notes). Refused once its notes are in."""
    meeting = find_meeting(meetings, meeting_id)
    why = " ".join(reason.split())[:REASON_LIMIT] or "skipped by you"

    def skip(current: Meeting) -> Meeting:
        if current.status == MeetingStatus.COMPLETED:
            raise SkipRefused(
                f"meeting {current.meeting_id} ({current.title}) took place and its notes "
                "are in; there is nothing to skip"
            )
        return current.with_status(
            MeetingStatus.SKIPPED,
            skip_reason=why,
            skipped_by_executive=True,
            prep_at=None,
            reminder_at=None,
            updated_at=now,
        )

    stored = meetings.update(meeting.meeting_id, skip)
    assert stored is not None  # meetings are not deleted
    if stored.workflow_id:
        engine.cancel(stored.workflow_id)
    log.info("meeting skipped", extra={"meeting_id": stored.meeting_id})
    return stored


# --- reclassify ------------------------------------------------------------------------------


def reclassify_meeting(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    overrides: SeriesOverrideRepository,
    engine: PrepEngine,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    meeting_id: str,
    meeting_type: str,
    now: datetime,
) -> list[Meeting]:
    """Give the meeting's series the type `meeting_type`, now and on later syncs
    (`classify_series`), and restart every prep of the series that waits for answers to
    the old type's questions.

    A restart: the meeting gets a fresh prep attempt (its status back to scheduled, a new
    workflow id), its chat session takes the new type's questions (answers given to a
    question of the same text are kept; the rest, and any follow-up, go), the old workflow
    is cancelled and the new one started at once, which asks the new questions under their
    own delivery key and waits again for the time the rules allow from now. A silent new
    type, or one with no questions, is not asked: its pack is prepared without answers.
    A prep past the asking (answered, pack delivered) is not restarted: the new type takes
    effect from its next instance, and for this one in what is still to come (context,
    pack). Returns the meetings that changed, as stored.
    """
    changed = classify_series(
        meeting_id, meeting_type, meetings, overrides, catalog, rules, executive, now
    )
    questions = catalog.get(meeting_type).prep_questions
    result = []
    for meeting in changed:
        session = session_of(sessions, meeting)
        asking = (
            session is not None
            and session.state == SessionState.WAITING
            and session.questions != questions
            and meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.NOTIFIED)
        )
        if session is None or not asking:
            result.append(meeting)
            continue
        result.append(_restart(meetings, sessions, engine, rules, meeting, session, questions))
    return result


def _restart(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    engine: PrepEngine,
    rules: NotificationRules,
    meeting: Meeting,
    session: ChatSession,
    questions: tuple[str, ...],
) -> Meeting:
    old_workflow = meeting.workflow_id

    def fresh_attempt(current: Meeting) -> Meeting:
        attempt = current.prep_attempt + 1
        return current.with_status(
            MeetingStatus.SCHEDULED,
            prep_attempt=attempt,
            prep_error=None,
            retry_at=None,
            workflow_id=workflow_id_for(current.meeting_id, current.start, attempt),
        )

    stored = meetings.update(meeting.meeting_id, fresh_attempt)
    assert stored is not None
    silent = stored.meeting_type in rules.silent_types
    kept = _mapped(session.questions, session.answers, questions)

    def new_questions(current: ChatSession) -> ChatSession:
        return current.model_copy(
            update={
                "questions": questions,
                "answers": kept,
                "answers_given": False,
                "follow_ups": (),
                "task_token": None,
                "snoozed_until": None,
                "questions_round": current.questions_round + 1,
                "state": (
                    SessionState.ANSWERED if silent or not questions else SessionState.WAITING
                ),
                "ask_style": AskStyle.SILENT if silent else current.ask_style,
            }
        )

    sessions.update(session.session_id, new_questions)
    if old_workflow:
        engine.cancel(old_workflow)
    engine.start(prep_request(stored))
    log.info(
        "prep restarted for the new type",
        extra={
            "meeting_id": stored.meeting_id,
            "meeting_type": stored.meeting_type,
            "attempt": stored.prep_attempt,
            "answers_kept": len(kept),
        },
    )
    return stored


def _normal(question: str) -> str:
    return " ".join(question.lower().split()).rstrip("?.: ")


def _mapped(
    asked: Sequence[str], answers: dict[str, str], questions: Sequence[str]
) -> dict[str, str]:
    """Answers to `asked` (by number) as answers to `questions` (by number), matched by the
    questions' text (case and spacing aside)."""
    numbers = {_normal(q): str(n) for n, q in enumerate(questions, start=1)}
    mapped = {}
    for key, answer in answers.items():
        if not key.isdigit() or not 1 <= int(key) <= len(asked):
            continue
        number = numbers.get(_normal(asked[int(key) - 1]))
        if number is not None and answer.strip():
            mapped[number] = answer
    return mapped


def previous_answers(
    meetings: MeetingRepository,
    sessions: ChatSessionRepository,
    meeting: Meeting,
    *,
    questions: Sequence[str] | None = None,
) -> dict[str, str]:
    """Last time's answers, to prefill this time's: from the latest earlier instance of the
    series whose answers match at least one of this meeting's questions by text, by this
    meeting's question numbers. The questions are its session's (or `questions`, before it
    has one); {} when nothing matches."""
    if questions is None:
        session = session_of(sessions, meeting)
        questions = session.questions if session else ()
    if not questions:
        return {}
    earlier = sorted(
        (
            m
            for m in meetings.list_series(meeting.series_id)
            if m.start < meeting.start and m.meeting_id != meeting.meeting_id
        ),
        key=lambda m: m.start,
        reverse=True,
    )
    for other in earlier:
        found = sorted(sessions.find_for_meeting(other.meeting_id), key=lambda s: -s.created_at)
        for session in found:
            mapped = _mapped(session.questions, session.answers, questions)
            if mapped:
                return mapped
    return {}


# --- finding meetings ------------------------------------------------------------------------


def find_meetings(
    meetings: MeetingRepository, query: str, now: datetime, limit: int = 5
) -> list[Meeting]:
    """Meetings a person means by `query`: the meeting with that id or id prefix (several
    when the prefix is ambiguous); else those whose title holds every word of it (case
    aside) within 30 days either side, not cancelled: upcoming ones soonest first, then
    past ones latest first. At most `limit`."""
    text = " ".join(query.split())[:QUERY_LIMIT]
    if not text or limit < 1:
        return []
    try:
        return [find_meeting(meetings, text)]
    except AmbiguousMeetingId as exc:
        found = meetings.get_many(exc.candidates[:limit])
        return [found[c] for c in exc.candidates[:limit] if c in found]
    except MeetingNotFound:
        pass
    words = text.lower().split()
    window = meetings.list_between(now - SEARCH_PAST, now + SEARCH_AHEAD)
    matches = [
        m
        for m in window
        if m.status != MeetingStatus.CANCELLED and all(w in m.title.lower() for w in words)
    ]
    ahead = sorted((m for m in matches if m.end > now), key=lambda m: m.start)
    past = sorted((m for m in matches if m.end <= now), key=lambda m: m.start, reverse=True)
    return [*ahead, *past][:limit]


def upcoming(
    meetings: MeetingRepository, sessions: ChatSessionRepository, now: datetime, days: int = 7
) -> list[tuple[Meeting, ChatSession | None]]:
    """The meetings not yet over within `days` (1 to 31), soonest first, each with its
    prep's chat session (None before it has asked); cancelled ones left out."""
    span = timedelta(days=min(max(days, 1), 31))
    found = meetings.list_between(now - timedelta(days=1), now + span)
    return [
        (m, session_of(sessions, m))
        for m in found
        if m.end > now and m.status != MeetingStatus.CANCELLED
    ]
