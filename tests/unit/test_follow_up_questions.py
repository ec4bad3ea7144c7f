"""Follow-up questions on vague prep answers: asked in the prep's chat session, at most the
configured number of times, answered at once or later, and never a reason for a prep to
stall (a failing, hanging or not-allowed reviewer goes on with the answers as they are)."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path

import pytest

from exec_assistant.agents.answer_review import AgentAnswerReviewer, AnswerVerdict
from exec_assistant.agents.runner import AgentRunner, ModelSlot
from exec_assistant.agents.sessions import file_sessions
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.identity import delivery_key, session_id_for
from exec_assistant.domain.meeting_types import MeetingType, MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ChatSession, Meeting, MeetingStatus, SessionState
from exec_assistant.domain.prep_steps import PrepRequest, TimeoutRequest, WaitForAnswers
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.domain.usage import ModelPrice, PriceTable
from exec_assistant.ports import AnswerReview
from exec_assistant.services.answers import submit_answers
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.follow_ups import FollowUps
from exec_assistant.services.pack_documents import read_pack
from exec_assistant.services.prep import PrepSteps

from factories import ME, person
from prep_fakes import (
    FixedClock,
    RecordingChannel,
    RecordingEngine,
    gather_all,
    make_deps,
    run_to_pack,
    store_meeting,
)
from scripted_model import Call, Hang, Raise, ScriptedModel, answer

PRICES = PriceTable({"claude-sonnet-4-6": ModelPrice(input=3, output=15, cache_read=0.3)})
PRIORITIES = "What are your top priorities for the team this week?"
RISKS = "Which risks or escalations should the leadership team discuss?"


def vague(number: str, question: str) -> object:
    return answer(AnswerVerdict(vague_question_number=number, follow_up=question, why="vague"))


def satisfied() -> object:
    return answer(AnswerVerdict(why="concrete enough"))


def reviewer(
    model: ScriptedModel,
    data_dir: Path,
    *,
    destination: ModelDestination | None = None,
    time_limit: float = 10.0,
) -> AgentAnswerReviewer:
    runner = AgentRunner(
        ModelSlot("anthropic", "claude-sonnet-4-6", lambda: model), PRICES, FixedClock()
    )
    return AgentAnswerReviewer(
        runner,
        file_sessions(data_dir, "meeting_coordinator"),
        destination or ModelDestination("anthropic"),
        time_limit=time_limit,
    )


@pytest.fixture
def deps_for(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive, tmp_path: Path
):  # type: ignore[no-untyped-def]
    def build(
        model: ScriptedModel,
        channel: RecordingChannel,
        *,
        turns: int = 1,
        destination: ModelDestination | None = None,
        time_limit: float = 10.0,
    ) -> PrepDependencies:
        deps = make_deps(catalog, rules, executive, channel=channel)
        return dataclasses.replace(
            deps,
            answer_reviewer=reviewer(
                model, tmp_path, destination=destination, time_limit=time_limit
            ),
            follow_up_turns=turns,
        )

    return build


def _session(deps: PrepDependencies, request: PrepRequest) -> ChatSession:
    session = deps.sessions.get(session_id_for(request.prep_id))
    assert session is not None
    return session


def _meeting(deps: PrepDependencies, meeting: Meeting) -> Meeting:
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None
    return stored


def test_a_vague_answer_gets_one_follow_up_and_its_answer_reaches_the_pack(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("2", "Which incident: the checkout outage (INC-2291)?")])
    channel = RecordingChannel(
        answers={"1": "Ship the capacity plan", "2": "the incident"},
        follow_up_answers=["INC-2291, the checkout outage"],
    )
    deps = deps_for(model, channel)
    meeting, request = store_meeting(deps)

    run_to_pack(deps, request, None)

    assert channel.kinds() == ["questions", "follow_up", "pack"]
    assert channel.keys[1] == delivery_key(request.prep_id, "FollowUp1")
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None
    assert pack.answers[RISKS] == "the incident — INC-2291, the checkout outage"
    assert pack.answers_received
    session = _session(deps, request)
    assert session.state == SessionState.ANSWERED
    assert [(t.question_number, t.answer) for t in session.follow_ups] == [
        ("2", "INC-2291, the checkout outage")
    ]
    # The model read the answers; one review, its call kept on the meeting.
    assert "the incident" in model.requests[0].text()
    calls = _meeting(deps, meeting).model_calls
    assert [(c.purpose, c.outcome) for c in calls] == [("follow_up", "ok")]


def test_no_follow_up_is_asked_when_turns_are_zero(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("2", "Which incident?")])
    channel = RecordingChannel(answers={"2": "the incident"})
    deps = deps_for(model, channel, turns=0)
    meeting, request = store_meeting(deps)

    run_to_pack(deps, request, None)

    assert channel.kinds() == ["questions", "pack"]
    assert model.requests == []
    assert _meeting(deps, meeting).model_calls == ()


def test_with_one_turn_a_second_vague_answer_is_not_asked_about(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("2", "Which incident?"), vague("1", "Which plan?")])
    channel = RecordingChannel(
        answers={"1": "the plan", "2": "the incident"}, follow_up_answers=["INC-2291"]
    )
    deps = deps_for(model, channel, turns=1)
    _, request = store_meeting(deps)

    run_to_pack(deps, request, None)

    assert channel.kinds().count("follow_up") == 1
    assert len(model.requests) == 1
    assert _session(deps, request).state == SessionState.ANSWERED


def test_with_two_turns_the_second_review_sees_the_first_and_asks_again(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel(
        [vague("2", "Which incident?"), vague("1", "Which plan: capacity or cost?"), satisfied()]
    )
    channel = RecordingChannel(
        answers={"1": "the plan", "2": "the incident"},
        follow_up_answers=["INC-2291", "the capacity plan"],
    )
    deps = deps_for(model, channel, turns=2)
    meeting, request = store_meeting(deps)

    run_to_pack(deps, request, None)

    assert [t.question for t in channel.follow_ups] == [
        "Which incident?",
        "Which plan: capacity or cost?",
    ]
    # The second review is the same conversation: the first question and verdict are in it.
    second = model.requests[1]
    assert second.messages[0] == model.requests[0].messages[0]
    assert "the incident — INC-2291" in second.messages[-1]["content"][0]["text"]
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None
    assert pack.answers[PRIORITIES] == "the plan — the capacity plan"
    assert len(model.requests) == 2  # no turns left for a third review


def test_a_follow_up_answered_later_keeps_the_prep_waiting_until_it_comes(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("2", "Which incident?")])
    channel = RecordingChannel()
    deps = deps_for(model, channel)
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    note = steps.send_prep_notification(request)
    assert note.session_id is not None and not note.answered
    assert (
        steps.attach_wait_token(WaitForAnswers(session_id=note.session_id, task_token="t")) is None
    )
    engine, follow_ups = RecordingEngine(), FollowUps(deps)

    first = submit_answers(
        deps.meetings, deps.sessions, engine, meeting.meeting_id,
        {"2": "the incident"}, "test", follow_ups=follow_ups,
    )  # fmt: skip

    assert first.follow_up is not None and first.follow_up.question == "Which incident?"
    assert not first.resumed and engine.delivered == []
    assert _meeting(deps, meeting).status == MeetingStatus.NOTIFIED
    assert (
        steps.attach_wait_token(WaitForAnswers(session_id=note.session_id, task_token="t")) is None
    )

    # The answer to the follow-up is the answer to its question's number.
    second = submit_answers(
        deps.meetings, deps.sessions, engine, meeting.meeting_id,
        {"2": "INC-2291, the checkout outage"}, "test", follow_ups=follow_ups,
    )  # fmt: skip

    assert second.resumed and second.follow_up is None
    assert [token for token, _ in engine.delivered] == ["t"]
    assert second.session.answers == {"2": "the incident — INC-2291, the checkout outage"}
    assert _meeting(deps, meeting).status == MeetingStatus.ANSWERED
    steps.generate_materials(gather_all(steps, request))
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None and pack.answers[RISKS].endswith("INC-2291, the checkout outage")
    assert channel.kinds() == ["questions", "follow_up"]


def test_a_follow_up_can_be_answered_in_a_follow_up_section(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("2", "Which incident?")])
    deps = deps_for(model, RecordingChannel())
    meeting, request = store_meeting(deps)
    PrepSteps(deps).send_prep_notification(request)
    engine, follow_ups = RecordingEngine(), FollowUps(deps)
    answers = {"1": "Ship it", "2": "the incident"}
    submit_answers(
        deps.meetings, deps.sessions, engine, meeting.meeting_id, answers, "t",
        follow_ups=follow_ups,
    )  # fmt: skip

    # The same file again, now with the follow-up's answer in its section.
    done = submit_answers(
        deps.meetings, deps.sessions, engine, meeting.meeting_id,
        {**answers, "follow_up": {2: "INC-2291"}}, "t", follow_ups=follow_ups,
    )  # fmt: skip

    assert done.session.state == SessionState.ANSWERED
    assert done.session.answers == {"1": "Ship it", "2": "the incident — INC-2291"}


def test_the_same_answers_again_mean_nothing_to_add_and_the_prep_goes_on(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("2", "Which incident?")])
    deps = deps_for(model, RecordingChannel(), turns=3)
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    note = steps.send_prep_notification(request)
    assert note.session_id is not None
    steps.attach_wait_token(WaitForAnswers(session_id=note.session_id, task_token="t"))
    engine, follow_ups = RecordingEngine(), FollowUps(deps)
    answers = ["Ship it", "the incident"]
    for _ in range(2):
        done = submit_answers(
            deps.meetings, deps.sessions, engine, meeting.meeting_id, answers, "t",
            follow_ups=follow_ups,
        )  # fmt: skip

    assert done.session.state == SessionState.ANSWERED and done.resumed
    assert done.session.answers["2"] == "the incident"
    assert [t.answer for t in done.session.follow_ups] == [""]
    assert len(model.requests) == 1  # nothing to add: not reviewed again


def test_a_follow_up_is_sent_once_when_its_state_is_repeated(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("2", "Which incident?")])
    channel = RecordingChannel(answers={"2": "the incident"}, follow_up_failures=1)
    deps = deps_for(model, channel)
    _, request = store_meeting(deps)
    steps = PrepSteps(deps)

    with pytest.raises(ConnectionError):
        steps.send_prep_notification(request)  # the follow-up could not be sent: retried
    for _ in range(2):
        note = steps.send_prep_notification(request)
        assert not note.answered

    assert channel.kinds() == ["questions", "follow_up"]
    assert len(model.requests) == 1  # the recorded follow-up is reused, not decided again
    assert _session(deps, request).pending_follow_up is not None


def test_a_reviewer_that_fails_lets_the_prep_go_on_with_the_answers(deps_for, caplog) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([Raise(RuntimeError("model overloaded"))])
    channel = RecordingChannel(answers={"2": "the secret incident"})
    deps = deps_for(model, channel)
    meeting, request = store_meeting(deps)

    with caplog.at_level(logging.INFO):
        run_to_pack(deps, request, None)

    assert channel.kinds() == ["questions", "pack"]
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None and pack.answers[RISKS] == "the secret incident"
    calls = _meeting(deps, meeting).model_calls
    assert [(c.purpose, c.outcome) for c in calls] == [("follow_up", "failed")]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("answer review failed" in r.getMessage() for r in warnings)
    assert all("secret" not in str(r.__dict__) for r in caplog.records)


def test_a_reviewer_that_hangs_is_given_up_and_the_prep_goes_on(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([Hang()])
    channel = RecordingChannel(answers={"2": "the incident"})
    deps = deps_for(model, channel, time_limit=0.5)
    meeting, request = store_meeting(deps)

    started = time.monotonic()
    run_to_pack(deps, request, None)

    assert time.monotonic() - started < 5
    assert channel.kinds() == ["questions", "pack"]
    assert _session(deps, request).state == SessionState.ANSWERED
    assert [c.outcome for c in _meeting(deps, meeting).model_calls] == ["failed"]


class _StuckReviewer:
    """A reviewer that ignores its own time limit."""

    name = "stuck"
    destination = ModelDestination("bedrock")

    def __init__(self) -> None:
        self.release = threading.Event()

    def review(
        self, meeting: Meeting, meeting_type: MeetingType, session: ChatSession
    ) -> AnswerReview:
        self.release.wait(30)
        return AnswerReview()


def test_a_reviewer_that_never_returns_is_given_up_at_the_review_timeout(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    stuck = _StuckReviewer()
    channel = RecordingChannel(answers={"2": "the incident"})
    deps = dataclasses.replace(
        make_deps(catalog, rules, executive, channel=channel),
        answer_reviewer=stuck,
        review_timeout=0.3,
    )
    _, request = store_meeting(deps)
    try:
        started = time.monotonic()
        note = PrepSteps(deps).send_prep_notification(request)
        assert note.answered and time.monotonic() - started < 3
    finally:
        stuck.release.set()


def test_a_private_meeting_is_not_shown_to_a_reviewer_it_may_not_go_to(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("1", "Which project?")])
    channel = RecordingChannel(answers={"1": "that thing"})
    deps = deps_for(model, channel, destination=ModelDestination("anthropic"))
    meeting, request = store_meeting(deps, "Jordan / Priya 1:1", attendees=(ME, person("Priya")))
    assert meeting.meeting_type == "one_on_one"

    run_to_pack(deps, request, None)

    assert model.requests == []
    assert channel.kinds() == ["questions", "pack"]


def test_a_private_meeting_is_reviewed_by_an_allowed_reviewer(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([satisfied()])
    channel = RecordingChannel(answers={"1": "that thing"})
    deps = deps_for(model, channel, destination=ModelDestination("bedrock"))
    _, request = store_meeting(deps, "Jordan / Priya 1:1", attendees=(ME, person("Priya")))

    run_to_pack(deps, request, None)

    assert len(model.requests) == 1


def test_the_wait_running_out_on_a_follow_up_goes_on_with_the_answers_given(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([vague("2", "Which incident?")])
    channel = RecordingChannel(answers={"1": "Ship it", "2": "the incident"})
    deps = deps_for(model, channel)
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    note = steps.send_prep_notification(request)
    assert note.session_id is not None and not note.answered
    steps.attach_wait_token(WaitForAnswers(session_id=note.session_id, task_token="t"))

    handled = steps.handle_timeout(
        TimeoutRequest(**request.model_dump(), session_id=note.session_id)
    )

    assert not handled.timed_out
    assert _session(deps, request).state == SessionState.ANSWERED
    assert _meeting(deps, meeting).status == MeetingStatus.ANSWERED
    assert channel.sent[-1] == (
        "notice",
        "No answer to the follow-up question in time: the pack is being prepared with your "
        "answers as they are.",
    )
    steps.generate_materials(gather_all(steps, request))
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None and pack.answers_received
    assert pack.answers[RISKS] == "the incident"
    # An answer to the follow-up after that is refused clearly: the pack is on its way.
    with pytest.raises(Exception, match="answered already"):
        submit_answers(
            deps.meetings, deps.sessions, RecordingEngine(), meeting.meeting_id,
            {"2": "INC-2291"}, "t", follow_ups=FollowUps(deps),
        )  # fmt: skip


@pytest.mark.parametrize(
    "verdict",
    [
        AnswerVerdict(vague_question_number="7", follow_up="Which one?", why="x"),
        AnswerVerdict(vague_question_number="3", follow_up="Which decision?", why="unanswered"),
        AnswerVerdict(vague_question_number="2", follow_up="Which " + "very " * 60, why="x"),
        AnswerVerdict(vague_question_number="2", follow_up="Which one?\nAlso: why?", why="x"),
        AnswerVerdict(vague_question_number="2", follow_up="Which \x1b[2Jone?", why="x"),
        AnswerVerdict(vague_question_number="2", follow_up="Which \u202eone?", why="x"),
        AnswerVerdict(vague_question_number="2", follow_up="   ", why="x"),
        AnswerVerdict(vague_question_number=None, follow_up="Which one?", why="x"),
        AnswerVerdict(vague_question_number="2", follow_up=None, why="x"),
    ],
    ids=[
        "not-a-question",
        "unanswered",
        "too-long",
        "two-lines",
        "escape",
        "bidi-override",
        "blank",
        "no-number",
        "no-question",
    ],
)
def test_a_follow_up_the_executive_should_not_see_is_not_asked(deps_for, verdict) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([answer(verdict)])
    channel = RecordingChannel(answers={"1": "Ship it", "2": "the incident"})
    deps = deps_for(model, channel)
    meeting, request = store_meeting(deps)

    run_to_pack(deps, request, None)

    assert channel.kinds() == ["questions", "pack"]
    assert [c.outcome for c in _meeting(deps, meeting).model_calls] == ["rejected"]


def test_the_review_conversation_persists_in_the_chat_session(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive, tmp_path: Path
) -> None:
    """A second agent built for the same chat session sees the first turn's messages; one for
    another session does not."""
    model = ScriptedModel([vague("2", "Which incident?"), satisfied(), satisfied()])
    session = ChatSession(
        session_id="ses_0123456789abcdef",
        user_id="u",
        meeting_id="m",
        channel="c",
        questions=(PRIORITIES, RISKS),
        answers={"2": "the incident"},
        answers_given=True,
        created_at=0,
        expires_at=1,
    )
    deps = make_deps(catalog, rules, executive)
    deps_meeting, _ = store_meeting(deps)
    meeting_type = catalog.get("leadership_team")

    first = reviewer(model, tmp_path).review(deps_meeting, meeting_type, session)
    assert first.follow_up is not None
    again = session.model_copy(update={"answers": {"2": "the incident — INC-2291"}})
    reviewer(model, tmp_path).review(deps_meeting, meeting_type, again)
    other = session.model_copy(update={"session_id": "ses_fedcba9876543210"})
    reviewer(model, tmp_path).review(deps_meeting, meeting_type, other)

    first_prompt = model.requests[0].messages[0]
    assert model.requests[1].messages[0] == first_prompt
    assert "Which incident?" in model.requests[1].text()
    assert "INC-2291" in model.requests[1].messages[-1]["content"][0]["text"]
    assert len(model.requests[2].messages) == 1  # another session starts afresh
    stored = tmp_path / "agents/meeting_coordinator/sessions/session_ses_0123456789abcdef"
    assert (stored / "session.json").is_file()
    assert len(list(stored.glob("agents/*/messages/message_*.json"))) == 6


def test_a_session_stored_before_follow_ups_existed_reads_as_one_without() -> None:
    old = (
        '{"session_id": "ses_1", "user_id": "u", "meeting_id": "m", "channel": "terminal",'
        ' "questions": ["Q?"], "answers": {"1": "a"}, "task_token": null,'
        ' "state": "answered", "answers_due": null, "created_at": 0, "expires_at": 1}'
    )
    session = ChatSession.model_validate_json(old)
    assert session.follow_ups == () and not session.answers_given
    assert session.pending_follow_up is None


def test_a_question_number_given_as_a_number_is_understood(deps_for) -> None:  # type: ignore[no-untyped-def]
    verdict = {"vague_question_number": 2, "follow_up": "Which incident?", "why": "vague"}
    model = ScriptedModel([Call("AnswerVerdict", verdict)])
    channel = RecordingChannel(answers={"2": "the incident"}, follow_up_answers=["INC-2291"])
    deps = deps_for(model, channel)
    _, request = store_meeting(deps)

    run_to_pack(deps, request, None)

    assert [t.question_number for t in channel.follow_ups] == ["2"]


def test_a_huge_answer_is_cut_in_what_the_model_reads(deps_for) -> None:  # type: ignore[no-untyped-def]
    model = ScriptedModel([satisfied()])
    channel = RecordingChannel(answers={"2": "the incident " + "x" * 1_000_000})
    deps = deps_for(model, channel)
    meeting, request = store_meeting(deps)

    run_to_pack(deps, request, None)

    assert len(model.requests[0].text()) < 20_000
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None and len(pack.answers[RISKS]) > 1_000_000  # the pack keeps it whole
