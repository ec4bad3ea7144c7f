"""The prep conversation as a chat drives it (thread replies, defaults, snooze, skip,
reclassify, last time's answers, finding meetings), on in-memory fakes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from exec_assistant.adapters.memory import InMemorySeriesOverrideRepository
from exec_assistant.domain.answers import AnswersInvalid
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.identity import session_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import (
    ChatSession,
    FollowUpTurn,
    Meeting,
    MeetingStatus,
    SessionState,
)
from exec_assistant.domain.prep_steps import PrepRequest, WaitForAnswers
from exec_assistant.domain.thread_replies import parse_thread_reply
from exec_assistant.services.answers import NotWaitingForAnswers
from exec_assistant.services.conversation import (
    SkipRefused,
    SnoozeRefused,
    answer_in_thread,
    find_meetings,
    previous_answers,
    reclassify_meeting,
    skip_meeting,
    snooze_prep,
    upcoming,
    use_defaults,
)
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.prep import PrepSteps, questions_key
from exec_assistant.services.preps import prep_request

from factories import ME, event, person
from prep_fakes import NOW, RecordingChannel, RecordingEngine, make_deps, store_meeting

LT_QUESTIONS = (
    "What are your top priorities for the team this week?",
    "Which risks or escalations should the leadership team discuss?",
    "Any decisions you want the team to make in this meeting?",
)


@dataclasses.dataclass
class Asking:
    deps: PrepDependencies
    engine: RecordingEngine
    meeting: Meeting
    request: PrepRequest

    @property
    def channel(self) -> RecordingChannel:
        assert isinstance(self.deps.channel, RecordingChannel)
        return self.deps.channel

    def session(self) -> ChatSession:
        found = self.deps.sessions.get(session_id_for(self.request.prep_id))
        assert found is not None
        return found

    def stored(self) -> Meeting:
        found = self.deps.meetings.get(self.meeting.meeting_id)
        assert found is not None
        return found

    def reply(self, text: str) -> object:
        return answer_in_thread(
            self.deps.meetings, self.deps.sessions, self.engine, self.meeting.meeting_id, text
        )


@pytest.fixture
def asking(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> Asking:
    """A leadership-team prep that has asked its three questions and waits for answers."""
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    note = steps.send_prep_notification(request)
    assert note.session_id is not None and not note.answered
    steps.attach_wait_token(WaitForAnswers(session_id=note.session_id, task_token="wf-token"))
    return Asking(deps, RecordingEngine(), meeting, request)


# --- thread replies ---------------------------------------------------------------------------


def test_a_numbered_reply_answers_those_questions_and_says_what_is_left(asking: Asking) -> None:
    result = asking.reply("1. Close the capacity plan\n3) Approve the Q1 hiring plan")
    assert result.taken == ("1", "3")
    assert result.next_question == ("2", LT_QUESTIONS[1])
    assert result.submitted is None
    session = asking.session()
    assert session.answers == {"1": "Close the capacity plan", "3": "Approve the Q1 hiring plan"}
    assert session.state == SessionState.WAITING and not session.answers_given
    assert asking.engine.delivered == []  # the prep keeps waiting


def test_unnumbered_replies_answer_the_next_question_and_the_last_one_resumes_the_prep(
    asking: Asking,
) -> None:
    first = asking.reply("Close the capacity plan")
    assert first.taken == ("1",) and first.next_question == ("2", LT_QUESTIONS[1])
    second = asking.reply("The checkout outage\nand the on-call load")
    assert second.taken == ("2",)
    third = asking.reply("None this week")
    assert third.taken == ("3",) and third.next_question is None
    assert third.submitted is not None and third.submitted.resumed
    assert asking.session().answers == {
        "1": "Close the capacity plan",
        "2": "The checkout outage\nand the on-call load",
        "3": "None this week",
    }
    assert asking.session().state == SessionState.ANSWERED
    assert [token for token, _ in asking.engine.delivered] == ["wf-token"]
    assert asking.stored().status == MeetingStatus.ANSWERED


def test_a_numbered_reply_can_correct_an_answer_given_before(asking: Asking) -> None:
    asking.reply("Close the capacity plan")
    asking.reply("1: Close the capacity plan by Friday\n2. Checkout outage")
    assert asking.session().answers["1"] == "Close the capacity plan by Friday"


def test_continuation_lines_belong_to_the_numbered_answer_above(asking: Asking) -> None:
    asking.reply("1. Capacity plan\nand the budget\n2) Outage")
    assert asking.session().answers == {"1": "Capacity plan\nand the budget", "2": "Outage"}


def test_a_time_or_a_decimal_at_the_start_is_not_a_question_number() -> None:
    assert parse_thread_reply("3:30 works for the review").numbered == {}
    assert parse_thread_reply("1.5 hours on the outage").numbered == {}
    assert parse_thread_reply("2) the outage").numbered == {"2": "the outage"}


def test_a_number_that_is_not_a_question_is_refused_and_nothing_is_stored(
    asking: Asking,
) -> None:
    with pytest.raises(AnswersInvalid, match="there is no question 7"):
        asking.reply("1. Plan\n7. Something")
    assert asking.session().answers == {}


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x1b\x00\u202e"])
def test_an_empty_reply_is_refused(asking: Asking, text: str) -> None:
    with pytest.raises(AnswersInvalid, match="empty"):
        asking.reply(text)


def test_a_huge_reply_is_refused(asking: Asking) -> None:
    with pytest.raises(AnswersInvalid, match="characters"):
        asking.reply("x" * 20_001)


def test_control_and_direction_characters_are_dropped_from_a_reply(asking: Asking) -> None:
    asking.reply("Close\x1b[31m the \u202eplan\x07")
    assert asking.session().answers["1"] == "Close[31m the plan"


def test_a_reply_while_a_follow_up_waits_answers_the_follow_up(asking: Asking) -> None:
    asking.deps.sessions.update(
        asking.session().session_id,
        lambda s: s.model_copy(
            update={
                "answers": {"1": "Plan", "2": "the incident"},
                "answers_given": True,
                "follow_ups": (FollowUpTurn(question_number="2", question="Which incident?"),),
            }
        ),
    )
    result = asking.reply("INC-2291, the checkout outage")
    assert result.taken == ("2",)
    session = asking.session()
    assert session.answers["2"] == "the incident — INC-2291, the checkout outage"
    assert session.state == SessionState.ANSWERED
    assert result.submitted is not None and result.submitted.resumed


def test_a_reply_after_the_wait_ended_is_refused_with_why(asking: Asking) -> None:
    asking.reply("1. a\n2. b\n3. c")
    with pytest.raises(NotWaitingForAnswers, match="answered already"):
        asking.reply("one more thing")


def test_a_reply_after_the_time_ran_out_is_refused(asking: Asking) -> None:
    asking.deps.sessions.update(
        asking.session().session_id,
        lambda s: s.model_copy(update={"state": SessionState.TIMED_OUT}),
    )
    with pytest.raises(NotWaitingForAnswers, match="time to answer ran out"):
        asking.reply("late answer")


# --- use defaults -----------------------------------------------------------------------------


def test_use_defaults_keeps_the_answers_given_and_resumes_the_prep(asking: Asking) -> None:
    asking.reply("Close the capacity plan")
    submitted = use_defaults(
        asking.deps.meetings, asking.deps.sessions, asking.engine, asking.meeting.meeting_id
    )
    assert submitted.resumed
    session = asking.session()
    assert session.answers == {"1": "Close the capacity plan"}
    assert session.state == SessionState.ANSWERED
    with pytest.raises(NotWaitingForAnswers):
        use_defaults(
            asking.deps.meetings, asking.deps.sessions, asking.engine, asking.meeting.meeting_id
        )


# --- snooze -----------------------------------------------------------------------------------


def test_a_snooze_sets_when_the_request_is_asked_again(asking: Asking) -> None:
    until = snooze_prep(
        asking.deps.meetings, asking.deps.sessions, asking.meeting.meeting_id, NOW, 2
    )
    assert until == NOW + timedelta(hours=2)
    assert asking.session().snoozed_until == until


def test_a_snooze_that_would_end_after_the_answers_are_due_is_refused(asking: Asking) -> None:
    due = asking.session().answers_due
    assert due is not None
    with pytest.raises(SnoozeRefused, match="too late to snooze") as refused:
        snooze_prep(
            asking.deps.meetings,
            asking.deps.sessions,
            asking.meeting.meeting_id,
            due - timedelta(hours=1),
            2,
            zone=ZoneInfo("America/New_York"),
        )
    local = due.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%H:%M} E" in str(refused.value)
    assert asking.session().snoozed_until is None


@pytest.mark.parametrize("hours", [0, -1, float("nan"), float("inf"), 25])
def test_a_snooze_of_no_time_or_forever_is_refused(asking: Asking, hours: float) -> None:
    with pytest.raises(SnoozeRefused):
        snooze_prep(
            asking.deps.meetings, asking.deps.sessions, asking.meeting.meeting_id, NOW, hours
        )


# --- skip -------------------------------------------------------------------------------------


def test_skip_cancels_the_workflow_and_refuses_later_answers(asking: Asking) -> None:
    asking.deps.meetings.update(
        asking.meeting.meeting_id,
        lambda m: m.model_copy(update={"workflow_id": asking.request.workflow_id}),
    )
    skipped = skip_meeting(
        asking.deps.meetings, asking.engine, asking.meeting.meeting_id, NOW, "  not\nneeded  "
    )
    assert skipped.status == MeetingStatus.SKIPPED
    assert skipped.skip_reason == "not needed" and skipped.skipped_by_executive
    assert skipped.prep_at is None and skipped.reminder_at is None
    assert asking.engine.cancelled == [asking.request.workflow_id]
    with pytest.raises(NotWaitingForAnswers, match="skipped"):
        asking.reply("an answer")


def test_a_skipped_meeting_stays_skipped_when_its_event_changes(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, _ = store_meeting(deps)
    skipped = skip_meeting(deps.meetings, RecordingEngine(), meeting.meeting_id, NOW, "")
    assert skipped.skip_reason == "skipped by you"
    people = (ME, person("Priya Raman"), person("Marcus Webb"), person("Elena Park"))
    edited = event(
        "Infrastructure Leadership Team (agenda inside)",
        start=meeting.start,
        attendees=people,
    )
    again = assess_event(edited, skipped, catalog, rules, executive, None, NOW)
    assert again.status == MeetingStatus.SKIPPED and again.skipped_by_executive
    assert again.title == "Infrastructure Leadership Team (agenda inside)"
    assert again.prep_at is None


def test_a_meeting_whose_notes_are_in_cannot_be_skipped(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, _ = store_meeting(deps)
    deps.meetings.put(meeting.model_copy(update={"status": MeetingStatus.COMPLETED}))
    with pytest.raises(SkipRefused, match="notes"):
        skip_meeting(deps.meetings, RecordingEngine(), meeting.meeting_id, NOW, "x")


# --- reclassify -------------------------------------------------------------------------------


def _reclassify(asking: Asking, meeting_type: str) -> list[Meeting]:
    deps = asking.deps
    return reclassify_meeting(
        deps.meetings,
        deps.sessions,
        InMemorySeriesOverrideRepository(),
        asking.engine,
        deps.catalog,
        deps.rules,
        deps.executive,
        asking.meeting.meeting_id,
        meeting_type,
        NOW,
    )


def test_reclassifying_an_asking_prep_restarts_it_with_the_new_types_questions(
    asking: Asking,
) -> None:
    asking.deps.meetings.update(
        asking.meeting.meeting_id,
        lambda m: m.model_copy(update={"workflow_id": asking.request.workflow_id}),
    )
    asking.reply("Close the capacity plan")
    [changed] = _reclassify(asking, "one_on_one")
    assert changed.meeting_type == "one_on_one"
    assert changed.status == MeetingStatus.SCHEDULED and changed.prep_attempt == 2
    assert asking.engine.cancelled == [asking.request.workflow_id]
    assert [r.workflow_id for r in asking.engine.started] == [changed.workflow_id]
    session = asking.session()
    one_on_one = asking.deps.catalog.get("one_on_one").prep_questions
    assert session.questions == one_on_one
    assert session.answers == {} and session.questions_round == 2
    assert session.state == SessionState.WAITING and session.task_token is None

    # The new attempt asks the new questions, under their own key.
    new_request = prep_request(changed)
    steps = PrepSteps(asking.deps)
    steps.classify_meeting(new_request)
    steps.send_prep_notification(new_request)
    assert asking.channel.kinds() == ["questions", "questions"]
    assert asking.channel.keys[-1] == questions_key(new_request.prep_id, 2)
    assert asking.stored().status == MeetingStatus.NOTIFIED


def test_reclassifying_keeps_answers_to_a_question_of_the_same_text(asking: Asking) -> None:
    asking.deps.meetings.update(
        asking.meeting.meeting_id,
        lambda m: m.model_copy(update={"workflow_id": asking.request.workflow_id}),
    )
    asking.reply("1. Plan\n2. Outage")
    catalog = asking.deps.catalog
    # A type that shares question 2 of the leadership team's, as its first.
    general = catalog.get("general")
    similar = general.model_copy(
        update={"id": "lt_lite", "name": "LT lite", "prep_questions": (LT_QUESTIONS[1].upper(),)}
    )
    deps = dataclasses.replace(asking.deps, catalog=MeetingTypeCatalog([*catalog, similar]))
    asking.deps = deps
    _reclassify(asking, "lt_lite")
    assert asking.session().answers == {"1": "Outage"}


def test_reclassifying_to_a_silent_type_asks_nothing_and_prepares_without_answers(
    asking: Asking,
) -> None:
    asking.deps = dataclasses.replace(
        asking.deps,
        rules=asking.deps.rules.model_copy(update={"silent_types": ("one_on_one",)}),
    )
    [changed] = _reclassify(asking, "one_on_one")
    assert asking.session().state == SessionState.ANSWERED
    new_request = prep_request(changed)
    steps = PrepSteps(asking.deps)
    steps.classify_meeting(new_request)
    note = steps.send_prep_notification(new_request)
    assert note.answered
    assert asking.channel.kinds() == ["questions"]  # the first ask only


def test_reclassifying_a_prep_past_its_questions_does_not_restart_it(asking: Asking) -> None:
    asking.reply("1. a\n2. b\n3. c")
    [changed] = _reclassify(asking, "one_on_one")
    assert changed.status == MeetingStatus.ANSWERED and changed.prep_attempt == 1
    assert asking.engine.started == [] and asking.engine.cancelled == []


# --- last time's answers ---------------------------------------------------------------------


def test_last_times_answers_prefill_by_question_text(asking: Asking) -> None:
    deps = asking.deps
    asking.reply("1. Ship the capacity plan\n2. The outage\n3. Hiring")
    earlier = asking.stored()
    later = earlier.model_copy(
        update={
            "meeting_id": "mtg_later000000000",
            "start": earlier.start + timedelta(days=7),
            "end": earlier.end + timedelta(days=7),
            "status": MeetingStatus.SCHEDULED,
        }
    )
    deps.meetings.put(later)
    # This time's questions: the first two in another order, and a new one.
    asked = (LT_QUESTIONS[1], "Something new?", LT_QUESTIONS[0].lower())
    assert previous_answers(deps.meetings, deps.sessions, later, questions=asked) == {
        "1": "The outage",
        "3": "Ship the capacity plan",
    }
    assert previous_answers(deps.meetings, deps.sessions, later) == {}  # no session yet
    assert previous_answers(deps.meetings, deps.sessions, earlier) == {}  # nothing before it


# --- finding meetings -------------------------------------------------------------------------


def _meeting_at(deps: PrepDependencies, title: str, start: datetime, uid: str) -> Meeting:
    evt = event(title, start=start, uid=uid)
    meeting = assess_event(evt, None, deps.catalog, deps.rules, deps.executive, None, NOW)
    deps.meetings.put(meeting)
    return meeting


def test_meetings_are_found_by_id_prefix_or_title_words_upcoming_first(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    past = _meeting_at(deps, "Priya / Jordan 1:1", NOW - timedelta(days=6), "a")
    older = _meeting_at(deps, "Priya / Jordan 1:1", NOW - timedelta(days=13), "b")
    soon = _meeting_at(deps, "Priya / Jordan 1:1", NOW + timedelta(days=1), "c")
    later = _meeting_at(deps, "priya / jordan 1:1", NOW + timedelta(days=8), "d")
    _meeting_at(deps, "Budget review", NOW + timedelta(days=2), "e")
    found = find_meetings(deps.meetings, "  PRIYA   1:1 ", NOW)
    assert [m.meeting_id for m in found] == [
        soon.meeting_id,
        later.meeting_id,
        past.meeting_id,
        older.meeting_id,
    ]
    assert find_meetings(deps.meetings, "priya", NOW, limit=2) == [soon, later]
    assert find_meetings(deps.meetings, soon.meeting_id[:10], NOW) == [soon]
    assert find_meetings(deps.meetings, "nothing like it", NOW) == []
    assert find_meetings(deps.meetings, "", NOW) == []
    assert find_meetings(deps.meetings, "<@U123> " * 500, NOW) == []


def test_upcoming_lists_meetings_not_over_with_their_sessions(asking: Asking) -> None:
    deps = asking.deps
    gone = _meeting_at(deps, "Old sync", NOW - timedelta(hours=3), "old")
    far = _meeting_at(deps, "Far away", NOW + timedelta(days=9), "far")
    listed = upcoming(deps.meetings, deps.sessions, NOW)
    assert [(m.meeting_id, s is not None) for m, s in listed] == [(asking.meeting.meeting_id, True)]
    assert gone.meeting_id not in {m.meeting_id for m, _ in listed}
    assert far.meeting_id in {
        m.meeting_id for m, _ in upcoming(deps.meetings, deps.sessions, NOW, days=10)
    }


def test_the_time_zone_of_a_refusal_defaults_to_utc(asking: Asking) -> None:
    due = asking.session().answers_due
    assert due is not None
    with pytest.raises(SnoozeRefused, match="UTC"):
        snooze_prep(
            asking.deps.meetings,
            asking.deps.sessions,
            asking.meeting.meeting_id,
            due.astimezone(UTC) - timedelta(minutes=30),
        )
