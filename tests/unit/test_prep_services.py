"""The prep workflow's states, called as the engines call them, on in-memory fakes."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.domain.answers import AnswersInvalid
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.errors import PackRejected
from exec_assistant.domain.identity import delivery_key, session_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import (
    ActionItem,
    DeliveryState,
    ItemStatus,
    MeetingStatus,
    ModelCall,
    SessionState,
)
from exec_assistant.domain.prep_pack import PackInputs
from exec_assistant.domain.prep_steps import (
    ContextSourceRequest,
    PrepFailure,
    PrepRequest,
    StepError,
    TimeoutRequest,
    WaitForAnswers,
)
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.ports import GeneratedPack
from exec_assistant.services.answers import NotWaitingForAnswers, submit_answers, waiting_session
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.pack_documents import read_pack
from exec_assistant.services.prep import PrepSteps, retry_delay
from exec_assistant.workflows.spec import CHECK_REMINDER, DONE, MEETING_PREP, WAIT_FOR_REMINDER

from factories import ME, person
from prep_fakes import (
    NOW,
    PROVIDERS,
    FailingGenerator,
    FixedClock,
    RecordingChannel,
    RecordingEngine,
    StaticProvider,
    gather_all,
    make_deps,
    run_to_pack,
    store_meeting,
)


def test_the_whole_prep_writes_the_pack_documents(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    materials = run_to_pack(deps, request, {"1": "Ship the capacity plan"})
    assert materials.generated_by == "offline"
    keys = deps.documents.list(f"meetings/{meeting.meeting_id}/")
    assert [k.rsplit("/", 1)[1] for k in keys] == [
        "agenda.json",
        "agenda.md",
        "context.json",
        "notes_template.md",
        "questions.json",
    ]
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.status == MeetingStatus.MATERIALS_READY
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None
    assert sum(item.minutes for item in pack.agenda) == meeting.duration_minutes
    priorities = next(i for i in pack.agenda if i.title == "Wins and priorities")
    assert "Your prep: Ship the capacity plan" in priorities.notes
    questions = json.loads(
        deps.documents.get(f"meetings/{meeting.meeting_id}/questions.json") or b""
    )
    assert questions["answers"] == {
        "What are your top priorities for the team this week?": "Ship the capacity plan"
    }
    assert deps.channel.kinds() == ["questions", "pack"]  # type: ignore[attr-defined]


def test_the_context_travels_by_reference_not_inline(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    big = ContextResult(
        provider="budget", facts=tuple(f"fact {n}: {'x' * 500}" for n in range(1000))
    )
    providers: dict[str, Any] = {n: StaticProvider(n) for n in PROVIDERS}
    providers["budget"] = StaticProvider("budget", result=big)
    deps = make_deps(catalog, rules, executive, providers=providers)
    _, request = store_meeting(deps)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    materials_input = gather_all(steps, request)
    # Half a megabyte of facts, and the data between the states stays a few hundred bytes.
    assert len(materials_input.model_dump_json()) < 3000
    budget = next(r for r in materials_input.context if r.provider == "budget")
    assert budget.key is not None and budget.key.startswith("temp/")
    written = steps.generate_materials(materials_input)
    assert len(written.model_dump_json()) < 1000
    pack = read_pack(deps.documents, request.meeting_id)
    assert pack is not None and len(pack.background["budget"]) == 1000


def test_no_answers_still_writes_a_pack_marked_so(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    run_to_pack(deps, request, None)
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None and not pack.answers_received
    markdown = (deps.documents.get(f"meetings/{meeting.meeting_id}/agenda.md") or b"").decode()
    assert "No answers" in markdown
    session = deps.sessions.get(session_id_for(request.prep_id))
    assert session is not None and session.state == SessionState.TIMED_OUT
    assert (
        "notice",
        "No answers to the prep questions in time: the pack is being prepared without them.",
    ) in deps.channel.sent  # type: ignore[attr-defined]


def test_answers_given_at_once_skip_the_wait(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive, channel=RecordingChannel(answers={"2": "Datadog"}))
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    note = steps.send_prep_notification(request)
    assert note.answered is True
    session = deps.sessions.get(note.session_id or "")
    assert session is not None and session.answers == {"2": "Datadog"}
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.status == MeetingStatus.ANSWERED


def test_the_wait_for_answers_is_bounded_by_the_sessions_deadline(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    # Far away: the 24 h timeout decides; close: the time before the reminder does.
    _, far = store_meeting(deps, starts_in=timedelta(days=5))
    note = PrepSteps(deps).send_prep_notification(far)
    assert note.wait_seconds == 86400
    near_deps = make_deps(catalog, rules, executive)
    _, near = store_meeting(near_deps, starts_in=timedelta(hours=5))
    note = PrepSteps(near_deps).send_prep_notification(near)
    assert note.answers_due == NOW + timedelta(hours=5) - timedelta(hours=2, minutes=30)
    assert note.wait_seconds == 2.5 * 3600


def test_answers_before_the_token_is_attached_complete_the_wait_at_once(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    note = steps.send_prep_notification(request)
    engine = RecordingEngine()
    # The answers arrive between asking and waiting: nobody to resume yet.
    submitted = submit_answers(deps.meetings, deps.sessions, engine, meeting.meeting_id, ["A"], "t")
    assert submitted.resumed is False and engine.delivered == []
    # The wait then finds them and completes at once.
    done = steps.attach_wait_token(
        WaitForAnswers(session_id=note.session_id or "", task_token="tok")
    )
    assert done is not None and done.answers == 1


def test_answers_after_the_token_is_attached_resume_the_wait_through_it(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    note = steps.send_prep_notification(request)
    wait = WaitForAnswers(session_id=note.session_id or "", task_token="tok-1")
    assert steps.attach_wait_token(wait) is None
    engine = RecordingEngine()
    submitted = submit_answers(
        deps.meetings, deps.sessions, engine, meeting.meeting_id, {"1": "Ship"}, "t"
    )
    assert submitted.resumed is True
    assert [(token, a.answers) for token, a in engine.delivered] == [("tok-1", 1)]
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.status == MeetingStatus.ANSWERED


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"9": "out of range"}, "there is no question 9; this meeting has 3"),
        (["a", "b", "c", "d"], "4 answers for 3 questions"),
        ({"1": {"nested": "value"}}, "the answer to question 1 is a mapping"),
        ([["a", "b"]], "the answer to question 1 is a list"),
        ({"What is the weather?": "x"}, "is not a question number or one of the questions"),
    ],
)
def test_answers_that_do_not_fit_the_questions_are_refused_with_the_questions(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    answers: Any,
    problem: str,
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    PrepSteps(deps).send_prep_notification(request)
    with pytest.raises(AnswersInvalid, match=problem) as refused:
        submit_answers(
            deps.meetings, deps.sessions, RecordingEngine(), meeting.meeting_id, answers, "t"
        )
    assert refused.value.hint is not None
    assert "1. What are your top priorities for the team this week?" in refused.value.hint
    session = deps.sessions.get(session_id_for(request.prep_id))
    assert session is not None and session.state == SessionState.WAITING  # nothing stored


def test_answers_by_question_text_or_number(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    note = PrepSteps(deps).send_prep_notification(request)
    submit_answers(
        deps.meetings,
        deps.sessions,
        RecordingEngine(),
        meeting.meeting_id,
        {
            "Which risks or escalations should the leadership team discuss?": "Datadog",
            3: "x",
            "1": "  ",
        },
        "t",
    )
    session = deps.sessions.get(note.session_id or "")
    assert session is not None and session.answers == {"2": "Datadog", "3": "x"}


@pytest.mark.parametrize(
    ("provider", "reason"),
    [
        (
            StaticProvider("budget", error=OSError("budget.yaml: no such file")),
            "budget.yaml: no such file",
        ),
        (StaticProvider("budget", delay=3), "no answer within 0.5 s"),
        (
            StaticProvider("budget", result={"facts": "not a list", "provider": 7}),
            "the provider returned data in the wrong shape",
        ),
    ],
    ids=["raises", "hangs", "garbage"],
)
def test_a_bad_provider_does_not_stop_the_pack(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    provider: StaticProvider,
    reason: str,
) -> None:
    providers: dict[str, Any] = {n: StaticProvider(n) for n in PROVIDERS}
    providers["budget"] = provider
    deps = make_deps(catalog, rules, executive, providers=providers, timeout=0.5)
    meeting, request = store_meeting(deps)
    started = time.monotonic()
    run_to_pack(deps, request, {"1": "x"})
    assert time.monotonic() - started < 2.5
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None
    assert pack.background["budget"] == [f"unavailable: {reason}"]
    assert pack.background["incidents"] == ["incidents fact: 42%"]


def test_only_the_sources_the_type_needs_are_asked(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    asked: list[str] = []

    class Spy(StaticProvider):
        def gather(self, request: ContextRequest) -> ContextResult:
            asked.append(self.name)
            return super().gather(request)

    deps = make_deps(catalog, rules, executive, providers={n: Spy(n) for n in PROVIDERS})
    _, request = store_meeting(deps, "Jordan / Priya 1:1", (ME, person("Priya Raman")))
    refs = gather_all(PrepSteps(deps), request).context
    assert sorted(asked) == ["big_rocks", "history", "staffing"]
    assert sorted(r.provider for r in refs if not r.needed) == ["budget", "decisions", "incidents"]


def test_a_failing_model_falls_back_to_offline(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive, generator=FailingGenerator())
    meeting, request = store_meeting(deps)
    pack = run_to_pack(deps, request, {})
    assert pack.generated_by == "offline"
    assert pack.fallback_reason == "model failed: TimeoutError: model did not answer"
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.fallback_reason == pack.fallback_reason


def _call(purpose: str, outcome: str = "ok") -> ModelCall:
    return ModelCall(
        purpose=purpose,
        provider="anthropic",
        model_id="claude-sonnet-4-6",
        input_tokens=900,
        output_tokens=400,
        cost_usd=0.0087,
        at=datetime(2026, 12, 1, 9, tzinfo=UTC),
        outcome=outcome,
    )


class _Rejecting:
    """A model whose two drafts both failed validation."""

    name = "anthropic:claude-sonnet-4-6"
    destination = ModelDestination("anthropic")

    def __init__(self) -> None:
        self.asked = 0

    def generate(self, inputs: PackInputs) -> GeneratedPack:
        self.asked += 1
        raise PackRejected(
            "the agenda names Dana Scully, who is not invited",
            (_call("pack", "rejected"), _call("pack_correction", "rejected")),
        )


def test_a_rejected_pack_falls_back_and_its_calls_are_kept_on_the_meeting(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive, generator=_Rejecting())
    meeting, request = store_meeting(deps)
    pack = run_to_pack(deps, request, {})
    assert (pack.generated_by, pack.fallback_reason) == (
        "offline",
        "the agenda names Dana Scully, who is not invited",
    )
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None
    assert [c.purpose for c in stored.model_calls] == ["pack", "pack_correction"]
    assert stored.fallback_reason == pack.fallback_reason
    page = (deps.documents.get(f"meetings/{meeting.meeting_id}/agenda.md") or b"").decode()
    assert "not used: the agenda names Dana Scully" in page


@pytest.mark.parametrize(
    ("destination", "allowed", "asked"),
    [
        (ModelDestination("anthropic"), ("bedrock", "offline"), False),
        (ModelDestination("openai", "https://api.openai.com/v1"), ("openai",), False),
        (ModelDestination("openai", "http://127.0.0.1:8080/v1"), ("openai",), True),
        (ModelDestination("openai", "https://llm.corp.example/v1"), ("openai+remote",), True),
        (ModelDestination("bedrock"), ("bedrock",), True),
    ],
)
def test_a_private_meeting_reaches_only_an_allowed_provider(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    destination: ModelDestination,
    allowed: tuple[str, ...],
    asked: bool,
) -> None:
    generator = _Rejecting()
    generator.destination = destination
    deps = make_deps(catalog, rules, executive, generator=generator)
    deps = PrepDependencies(**{**deps.__dict__, "private_providers": allowed})
    _, request = store_meeting(deps, "Jordan / Priya 1:1", (ME, person("Priya Raman")))
    pack = run_to_pack(deps, request, {})
    assert generator.asked == (1 if asked else 0)
    assert pack.generated_by == "offline"
    assert pack.fallback_reason is not None
    assert pack.fallback_reason.startswith("a private meeting") != asked


def test_a_meeting_that_is_not_private_reaches_any_provider(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    generator = _Rejecting()
    deps = make_deps(catalog, rules, executive, generator=generator)
    deps = PrepDependencies(**{**deps.__dict__, "private_providers": ()})
    _, request = store_meeting(deps)
    run_to_pack(deps, request, {})
    assert generator.asked == 1


def test_a_generator_past_its_time_limit_falls_back_to_offline(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    class Slow:
        name = "model"
        destination = ModelDestination("anthropic")

        def generate(self, inputs: PackInputs) -> GeneratedPack:
            time.sleep(5)
            raise AssertionError("not reached in time")

    deps = make_deps(catalog, rules, executive, generator=Slow())
    deps = PrepDependencies(**{**deps.__dict__, "generation_timeout": 0.3})
    _, request = store_meeting(deps)
    started = time.monotonic()
    assert run_to_pack(deps, request, {}).generated_by == "offline"
    assert time.monotonic() - started < 2


def test_each_message_is_delivered_once_under_its_key(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    _meeting, request = store_meeting(deps)
    run_to_pack(deps, request, None)
    steps = PrepSteps(deps)
    # Every state that sends, run again (a replay after a crash): nothing more goes out.
    assert steps.send_prep_notification(request).proceed
    steps.handle_timeout(
        TimeoutRequest(**request.model_dump(), session_id=session_id_for(request.prep_id))
    )
    assert steps.send_materials(request).sent is False
    channel: RecordingChannel = deps.channel  # type: ignore[assignment]
    assert channel.kinds() == ["questions", "notice", "pack"]
    assert channel.keys == [
        f"{request.prep_id}/SendPrepNotification",
        f"{request.prep_id}/HandleTimeout",
        f"{request.prep_id}/SendPrepMaterials",
    ]
    record = deps.deliveries.get(delivery_key(request.prep_id, "SendPrepMaterials"))
    assert record is not None and record.state == DeliveryState.SENT


def test_a_send_that_failed_midway_is_sent_again_with_the_same_key(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    channel = RecordingChannel()
    deps = make_deps(catalog, rules, executive, channel=channel)
    _, request = store_meeting(deps)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    channel.failures = 1
    with pytest.raises(ConnectionError):
        steps.send_prep_notification(request)
    record = deps.deliveries.get(delivery_key(request.prep_id, "SendPrepNotification"))
    assert record is not None and record.state == DeliveryState.SENDING
    steps.send_prep_notification(request)
    assert channel.kinds() == ["questions"]
    assert channel.keys == [f"{request.prep_id}/SendPrepNotification"]


def test_a_cancelled_meeting_stops_its_prep(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    deps.meetings.put(meeting.with_status(MeetingStatus.CANCELLED))
    result = steps.send_prep_notification(request)
    assert (result.proceed, result.reason) == (False, "the meeting is cancelled")
    assert deps.channel.sent == []  # type: ignore[attr-defined]


def test_a_moved_meeting_stops_the_old_prep(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    deps.meetings.put(
        meeting.model_copy(
            update={
                "start": meeting.start + timedelta(hours=1),
                "end": meeting.end + timedelta(hours=1),
            }
        )
    )
    result = PrepSteps(deps).classify_meeting(request)
    assert result.proceed is False and "moved" in (result.reason or "")


def test_an_older_attempt_stops_when_a_newer_one_runs(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    deps.meetings.put(meeting.model_copy(update={"prep_attempt": 2}))
    result = PrepSteps(deps).send_materials(request)
    assert result.proceed is False and "attempt 2" in (result.reason or "")


def test_a_failure_is_shown_on_the_meeting_with_when_it_is_retried(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    PrepSteps(deps).send_prep_notification(request)
    recorded = PrepSteps(deps).record_prep_failure(
        PrepFailure(
            **request.model_dump(),
            error=StepError(
                error="ConnectionError",
                cause="the chat service did not answer\n  (twice)",
                state="SendPrepMaterials",
            ),
        )
    )
    assert recorded.retry_at == NOW + timedelta(minutes=5)
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.status == MeetingStatus.FAILED
    assert stored.prep_error == (
        "SendPrepMaterials failed: ConnectionError: the chat service did not answer (twice)"
    )
    assert stored.retry_at == recorded.retry_at


def test_retries_back_off_to_hourly() -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 8)] == [
        5,
        10,
        20,
        40,
        60,
        60,
        60,
    ]


def test_no_retry_is_planned_once_the_meeting_has_begun(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    _, request = store_meeting(deps, starts_in=timedelta(minutes=3))
    recorded = PrepSteps(deps).record_prep_failure(
        PrepFailure(**request.model_dump(), error=StepError(error="OSError", state="X"))
    )
    assert recorded.retry_at is None


def test_open_items_come_back_with_overdue_flagged(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps, "Jordan / Priya 1:1", (ME, person("Priya Raman")))
    priya = "priya.raman@northwind.example"

    def item(item_id: str, text: str, **more: Any) -> ActionItem:
        return ActionItem(
            item_id=item_id,
            meeting_id="mtg_lt",
            series_id="ser_lt",
            text=text,
            owner_resolved=True,
            source_line=4,
            created_at=NOW - timedelta(days=7),
            **more,
        )

    deps.action_items.put_many(
        [
            item("a1", "Send the rota", owner=priya, due=date(2026, 11, 27)),
            item("a2", "Done thing", owner=priya, status=ItemStatus.DONE),
            item("a3", "Not hers", owner="marcus.webb@northwind.example"),
        ]
    )
    run_to_pack(deps, request, {})
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None
    assert pack.open_action_items == ("Send the rota (Priya Raman, due Fri 27 Nov — OVERDUE)",)
    assert any("where is 'Send the rota'" in q for q in pack.questions)


def test_answers_for_a_meeting_not_waiting_are_refused(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    with pytest.raises(NotWaitingForAnswers, match="has not started yet"):
        waiting_session(deps.meetings, deps.sessions, meeting.meeting_id)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    note = steps.send_prep_notification(request)
    waiting_session(deps.meetings, deps.sessions, meeting.meeting_id)  # waiting: accepted
    steps.handle_timeout(TimeoutRequest(**request.model_dump(), session_id=note.session_id or ""))
    with pytest.raises(NotWaitingForAnswers, match="time to answer ran out"):
        waiting_session(deps.meetings, deps.sessions, meeting.meeting_id)


def test_answers_in_the_last_moment_win_over_the_timeout(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    note = steps.send_prep_notification(request)
    steps.attach_wait_token(WaitForAnswers(session_id=note.session_id or "", task_token="t"))
    submit_answers(deps.meetings, deps.sessions, RecordingEngine(), meeting.meeting_id, ["x"], "t")
    handled = steps.handle_timeout(
        TimeoutRequest(**request.model_dump(), session_id=note.session_id or "")
    )
    assert handled.timed_out is False
    assert "notice" not in deps.channel.kinds()  # type: ignore[attr-defined]
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.status == MeetingStatus.ANSWERED


def test_the_reminder_repeats_headline_questions_and_open_items(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    clock = FixedClock()
    channel = RecordingChannel()
    deps = make_deps(catalog, rules, executive, channel=channel, clock=clock)
    meeting, request = store_meeting(deps)
    run_to_pack(deps, request, {})
    steps = PrepSteps(deps)
    scheduled = steps.schedule_final_reminder(request)
    assert scheduled.remind_at == meeting.start - timedelta(hours=2)
    clock.value = scheduled.remind_at
    sent = steps.send_final_reminder(request)
    assert (sent.sent, sent.late) == (True, False)
    assert channel.reminders[0].headline[0] == "Wins and priorities (10 min)"
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.status == MeetingStatus.REMINDED
    assert steps.send_final_reminder(request).sent is False  # only once


def test_a_reminder_sent_after_its_time_says_it_is_late(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    clock = FixedClock()
    channel = RecordingChannel()
    deps = make_deps(catalog, rules, executive, channel=channel, clock=clock)
    meeting, request = store_meeting(deps)
    run_to_pack(deps, request, {})
    assert meeting.reminder_at is not None
    clock.value = meeting.reminder_at + timedelta(minutes=50)
    sent = PrepSteps(deps).send_final_reminder(request)
    assert (sent.sent, sent.late) == (True, True)
    assert channel.reminders[0].late is True


def test_no_reminder_once_the_meeting_has_started(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    clock = FixedClock()
    deps = make_deps(catalog, rules, executive, clock=clock)
    meeting, request = store_meeting(deps)
    run_to_pack(deps, request, {})
    clock.value = meeting.start + timedelta(minutes=1)
    sent = PrepSteps(deps).send_final_reminder(request)
    assert sent.proceed and not sent.sent
    assert sent.reason == "the meeting had started when the reminder was due"
    assert "reminder" not in deps.channel.kinds()  # type: ignore[attr-defined]


def test_no_reminder_when_the_pack_itself_went_out_after_its_time(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    clock = FixedClock()
    deps = make_deps(catalog, rules, executive, clock=clock)
    meeting, request = store_meeting(deps)
    assert meeting.reminder_at is not None
    clock.value = meeting.reminder_at + timedelta(seconds=1)  # the pack is late
    run_to_pack(deps, request, {})
    scheduled = PrepSteps(deps).schedule_final_reminder(request)
    assert scheduled.remind_at is None
    assert scheduled.reason == "the pack went out after the reminder's time"


def test_a_reminder_whose_time_passed_while_nothing_ran_is_still_scheduled(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    clock = FixedClock()
    deps = make_deps(catalog, rules, executive, clock=clock)
    meeting, request = store_meeting(deps)
    run_to_pack(deps, request, {})  # in good time
    assert meeting.reminder_at is not None
    clock.value = meeting.reminder_at + timedelta(minutes=40)  # then the assistant was down
    assert PrepSteps(deps).schedule_final_reminder(request).remind_at == meeting.reminder_at


def test_a_source_branch_leaves_its_facts_for_the_pack(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    _, request = store_meeting(deps)
    ref = PrepSteps(deps).gather_context_source(
        ContextSourceRequest(**request.model_dump(), provider="incidents")
    )
    assert ref.needed and ref.available and ref.key
    stored = ContextResult.model_validate_json(deps.documents.get(ref.key) or b"")
    assert stored.facts == ("incidents fact: 42%",)


class RecordingReminders:
    """A reminder scheduler that keeps what it was asked to schedule."""

    def __init__(self) -> None:
        self.scheduled: dict[str, tuple[PrepRequest, datetime]] = {}

    def schedule(self, request: PrepRequest, remind_at: datetime) -> None:
        self.scheduled[request.prep_id] = (request, remind_at)

    def cancel(self, prep_id: str) -> None:
        self.scheduled.pop(prep_id, None)


def test_a_reminder_scheduler_takes_the_reminder_and_the_workflow_ends(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    reminders = RecordingReminders()
    deps = replace(make_deps(catalog, rules, executive), reminders=reminders)
    meeting, request = store_meeting(deps)
    run_to_pack(deps, request, {})
    scheduled = PrepSteps(deps).schedule_final_reminder(request)
    assert scheduled.scheduled is True
    assert scheduled.remind_at == meeting.reminder_at
    assert reminders.scheduled == {request.prep_id: (request, meeting.reminder_at)}
    data = {"reminder": scheduled.model_dump(mode="json")}
    assert MEETING_PREP[CHECK_REMINDER].choose(data) == DONE


def test_a_reminder_due_too_soon_for_a_scheduler_is_left_to_the_workflow(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    clock = FixedClock()
    reminders = RecordingReminders()
    deps = replace(make_deps(catalog, rules, executive, clock=clock), reminders=reminders)
    meeting, request = store_meeting(deps)
    run_to_pack(deps, request, {})
    assert meeting.reminder_at is not None
    clock.value = meeting.reminder_at - timedelta(seconds=30)
    scheduled = PrepSteps(deps).schedule_final_reminder(request)
    assert (scheduled.scheduled, scheduled.remind_at) == (False, meeting.reminder_at)
    assert reminders.scheduled == {}
    data = {"reminder": scheduled.model_dump(mode="json")}
    assert MEETING_PREP[CHECK_REMINDER].choose(data) == WAIT_FOR_REMINDER


def test_a_lambda_error_is_recorded_by_its_message_not_its_stack_trace(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, request = store_meeting(deps)
    cause = json.dumps(
        {
            "errorMessage": "Slack is unavailable: ratelimited",
            "errorType": "SlackUnavailable",
            "requestId": "8f1c",
            "stackTrace": ['  File "/var/task/exec_assistant/slack/channel.py", line 90'],
        }
    )
    error = StepError.model_validate(
        {"Error": "SlackUnavailable", "Cause": cause, "State": "SendPrepNotification"}
    )
    PrepSteps(deps).record_prep_failure(PrepFailure(**request.model_dump(), error=error))
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.prep_error == (
        "SendPrepNotification failed: SlackUnavailable: Slack is unavailable: ratelimited"
    )
