"""The prep workflow's steps, called as the engines call them, on in-memory fakes."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.memory import (
    InMemoryActionItemRepository,
    InMemoryChatSessionRepository,
    InMemoryDecisionRepository,
    InMemoryDocumentStore,
    InMemoryMeetingRepository,
)
from exec_assistant.agents.offline import OfflinePackGenerator
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import (
    ActionItem,
    ChatSession,
    FinalReminder,
    ItemStatus,
    Meeting,
    MeetingStatus,
    PrepPack,
    SessionState,
)
from exec_assistant.domain.prep_pack import PackInputs
from exec_assistant.services import prep
from exec_assistant.services.answers import NotWaitingForAnswers, waiting_session
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.pack_documents import read_pack

from factories import ME, event, person

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


@dataclass
class RecordingChannel:
    """A chat channel that remembers what it was asked to send."""

    answers: dict[str, str] | None = None
    name: str = "recording"
    sent: list[tuple[str, str]] = field(default_factory=list)

    def ask(self, meeting: Meeting, session: ChatSession) -> dict[str, str] | None:
        self.sent.append(("questions", meeting.meeting_id))
        return self.answers

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str) -> None:
        self.sent.append(("pack", meeting.meeting_id))

    def remind(self, meeting: Meeting, reminder: FinalReminder) -> None:
        self.sent.append(("reminder", meeting.meeting_id))

    def tell(self, meeting: Meeting, text: str) -> None:
        self.sent.append(("notice", text))


class StaticProvider:
    def __init__(
        self, name: str, result: Any = None, error: Exception | None = None, delay: float = 0
    ) -> None:
        self.name = name
        self._result = result
        self._error = error
        self._delay = delay

    def gather(self, request: ContextRequest) -> ContextResult:
        if self._delay:
            time.sleep(self._delay)
        if self._error:
            raise self._error
        if self._result is not None:
            return self._result  # type: ignore[no-any-return]
        return ContextResult(provider=self.name, facts=(f"{self.name} fact: 42%",))


class FailingGenerator:
    name = "model"

    def generate(self, inputs: PackInputs) -> PrepPack:
        raise TimeoutError("model did not answer")


def make_deps(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    *,
    channel: RecordingChannel | None = None,
    providers: dict[str, Any] | None = None,
    generator: Any = None,
    timeout: float = 2.0,
) -> PrepDependencies:
    names = ("budget", "big_rocks", "incidents", "staffing", "decisions", "history")
    return PrepDependencies(
        meetings=InMemoryMeetingRepository(),
        sessions=InMemoryChatSessionRepository(),
        action_items=InMemoryActionItemRepository(),
        decisions=InMemoryDecisionRepository(),
        documents=InMemoryDocumentStore(),
        catalog=catalog,
        rules=rules,
        executive=executive,
        channel=channel or RecordingChannel(),
        providers=providers if providers is not None else {n: StaticProvider(n) for n in names},
        generator=generator or OfflinePackGenerator(),
        clock=FixedClock(NOW),
        provider_timeout_seconds=timeout,
    )


def store_meeting(
    deps: PrepDependencies,
    title: str = "Infrastructure Leadership Team",
    attendees: tuple[Any, ...] | None = None,
) -> tuple[Meeting, str]:
    people = attendees or (ME, person("Priya Raman"), person("Marcus Webb"), person("Elena Park"))
    evt = event(title, start=NOW + timedelta(hours=5), attendees=people)
    meeting = assess_event(evt, None, deps.catalog, deps.rules, deps.executive, None, NOW)
    deps.meetings.put(meeting)
    return meeting, workflow_id_for(meeting.meeting_id, meeting.start)


def run_to_pack(
    deps: PrepDependencies, meeting: Meeting, workflow_id: str, answers: dict[str, str] | None
) -> dict[str, Any]:
    assert prep.classify_meeting(deps, meeting.meeting_id, workflow_id)["proceed"]
    note = prep.send_prep_notification(deps, meeting.meeting_id, workflow_id)
    if answers is None:
        prep.handle_timeout(deps, note["session_id"])
    else:
        prep.record_answers(deps, note["session_id"], answers)
    context = prep.gather_context(deps, meeting.meeting_id, workflow_id)["context"]
    materials = prep.generate_materials(deps, meeting.meeting_id, workflow_id, context)
    prep.send_materials(deps, meeting.meeting_id, workflow_id)
    return materials


def test_the_whole_prep_writes_the_pack_documents(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, workflow_id = store_meeting(deps)
    materials = run_to_pack(deps, meeting, workflow_id, {"1": "Ship the capacity plan"})
    assert materials["generated_by"] == "offline"
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
    # The answer lands in the agenda section it belongs to.
    priorities = next(i for i in pack.agenda if i.title == "Wins and priorities")
    assert "Your prep: Ship the capacity plan" in priorities.notes
    assert "Jordan Lee" in pack.notes_template and "Wins and priorities" in pack.notes_template
    questions = json.loads(
        deps.documents.get(f"meetings/{meeting.meeting_id}/questions.json") or b""
    )
    assert questions["answers"] == {
        "What are your top priorities for the team this week?": "Ship the capacity plan"
    }
    assert [kind for kind, _ in deps.channel.sent] == ["questions", "pack"]  # type: ignore[attr-defined]


def test_no_answers_still_writes_a_pack_marked_so(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, workflow_id = store_meeting(deps)
    run_to_pack(deps, meeting, workflow_id, None)
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None and not pack.answers_received
    markdown = (deps.documents.get(f"meetings/{meeting.meeting_id}/agenda.md") or b"").decode()
    assert "No answers" in markdown
    session = deps.sessions.get(prep.session_id_for(workflow_id))
    assert session is not None and session.state == SessionState.TIMED_OUT
    assert (
        "notice",
        "No answers to the prep questions in time: the pack is being prepared without them.",
    ) in deps.channel.sent  # type: ignore[attr-defined]


def test_answers_by_question_text_or_number(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, workflow_id = store_meeting(deps)
    prep.classify_meeting(deps, meeting.meeting_id, workflow_id)
    note = prep.send_prep_notification(deps, meeting.meeting_id, workflow_id)
    prep.record_answers(
        deps,
        note["session_id"],
        {
            "Which risks or escalations should the leadership team discuss?": "Datadog",
            "3": "x",
            "9": "out of range",
            "1": "  ",
        },
    )
    session = deps.sessions.get(note["session_id"])
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
    names = ("big_rocks", "incidents", "staffing", "decisions", "history")
    providers: dict[str, Any] = {n: StaticProvider(n) for n in names}
    providers["budget"] = provider
    deps = make_deps(catalog, rules, executive, providers=providers, timeout=0.5)
    meeting, workflow_id = store_meeting(deps)
    started = time.monotonic()
    run_to_pack(deps, meeting, workflow_id, {"1": "x"})
    assert time.monotonic() - started < 2.5
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None
    assert pack.background["budget"] == [f"unavailable: {reason}"]
    assert pack.background["incidents"] == ["incidents fact: 42%"]


def test_only_the_providers_the_type_needs_are_asked(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    asked: list[str] = []

    class Spy(StaticProvider):
        def gather(self, request: ContextRequest) -> ContextResult:
            asked.append(self.name)
            return super().gather(request)

    names = ("budget", "big_rocks", "incidents", "staffing", "decisions", "history")
    deps = make_deps(catalog, rules, executive, providers={n: Spy(n) for n in names})
    meeting, workflow_id = store_meeting(deps, "Jordan / Priya 1:1", (ME, person("Priya Raman")))
    prep.gather_context(deps, meeting.meeting_id, workflow_id)
    assert sorted(asked) == ["big_rocks", "history", "staffing"]


def test_providers_run_in_parallel(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    names = ("budget", "big_rocks", "incidents", "staffing", "decisions", "history")
    deps = make_deps(
        catalog, rules, executive, providers={n: StaticProvider(n, delay=0.4) for n in names}
    )
    meeting, workflow_id = store_meeting(deps)
    started = time.monotonic()
    prep.gather_context(deps, meeting.meeting_id, workflow_id)
    assert time.monotonic() - started < 1.5  # six providers of 0.4 s each


def test_a_failing_model_falls_back_to_offline(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive, generator=FailingGenerator())
    meeting, workflow_id = store_meeting(deps)
    assert run_to_pack(deps, meeting, workflow_id, {})["generated_by"] == "offline"


def test_the_pack_is_delivered_once(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, workflow_id = store_meeting(deps)
    run_to_pack(deps, meeting, workflow_id, {})
    assert prep.send_materials(deps, meeting.meeting_id, workflow_id)["sent"] is False
    assert [k for k, _ in deps.channel.sent].count("pack") == 1  # type: ignore[attr-defined]


def test_a_cancelled_meeting_stops_its_prep(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, workflow_id = store_meeting(deps)
    prep.classify_meeting(deps, meeting.meeting_id, workflow_id)
    deps.meetings.put(meeting.with_status(MeetingStatus.CANCELLED))
    result = prep.send_prep_notification(deps, meeting.meeting_id, workflow_id)
    assert result == {"proceed": False, "reason": "the meeting is cancelled"}
    assert deps.channel.sent == []  # type: ignore[attr-defined]


def test_a_moved_meeting_stops_the_old_prep(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, workflow_id = store_meeting(deps)
    deps.meetings.put(
        meeting.model_copy(
            update={
                "start": meeting.start + timedelta(hours=1),
                "end": meeting.end + timedelta(hours=1),
            }
        )
    )
    result = prep.classify_meeting(deps, meeting.meeting_id, workflow_id)
    assert result["proceed"] is False and "moved" in result["reason"]


def test_open_items_come_back_with_overdue_flagged(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, workflow_id = store_meeting(deps, "Jordan / Priya 1:1", (ME, person("Priya Raman")))
    priya = "priya.raman@northwind.example"
    deps.action_items.put_many(
        [
            ActionItem(
                item_id="a1",
                meeting_id="mtg_lt",
                series_id="ser_lt",
                text="Send the rota",
                owner=priya,
                owner_resolved=True,
                due=date(2026, 11, 27),
                source_line=4,
                created_at=NOW - timedelta(days=7),
            ),
            ActionItem(
                item_id="a2",
                meeting_id="mtg_lt",
                series_id="ser_lt",
                text="Done thing",
                owner=priya,
                owner_resolved=True,
                status=ItemStatus.DONE,
                source_line=5,
                created_at=NOW - timedelta(days=7),
            ),
            ActionItem(
                item_id="a3",
                meeting_id="mtg_lt",
                series_id="ser_lt",
                text="Not hers",
                owner="marcus.webb@northwind.example",
                owner_resolved=True,
                source_line=6,
                created_at=NOW - timedelta(days=7),
            ),
        ]
    )
    run_to_pack(deps, meeting, workflow_id, {})
    pack = read_pack(deps.documents, meeting.meeting_id)
    assert pack is not None
    assert pack.open_action_items == ("Send the rota (Priya Raman, due Fri 27 Nov — OVERDUE)",)
    assert any("where is 'Send the rota'" in q for q in pack.questions)


def test_answers_for_a_meeting_not_waiting_are_refused(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, workflow_id = store_meeting(deps)
    with pytest.raises(NotWaitingForAnswers, match="has not started yet"):
        waiting_session(deps.meetings, deps.sessions, meeting.meeting_id)
    prep.classify_meeting(deps, meeting.meeting_id, workflow_id)
    note = prep.send_prep_notification(deps, meeting.meeting_id, workflow_id)
    waiting_session(deps.meetings, deps.sessions, meeting.meeting_id)  # waiting: accepted
    prep.handle_timeout(deps, note["session_id"])
    with pytest.raises(NotWaitingForAnswers, match="time to answer ran out"):
        waiting_session(deps.meetings, deps.sessions, meeting.meeting_id)


def test_the_reminder_repeats_headline_questions_and_open_items(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    reminders: list[FinalReminder] = []

    class Keeping(RecordingChannel):
        def remind(self, meeting: Meeting, reminder: FinalReminder) -> None:
            reminders.append(reminder)

    deps = make_deps(catalog, rules, executive, channel=Keeping())
    meeting, workflow_id = store_meeting(deps)
    run_to_pack(deps, meeting, workflow_id, {})
    assert prep.schedule_final_reminder(deps, meeting.meeting_id, workflow_id)["reminder_at"]
    prep.send_final_reminder(deps, meeting.meeting_id, workflow_id)
    assert reminders[0].headline[0] == "Wins and priorities (10 min)"
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.status == MeetingStatus.REMINDED
    # Only once.
    assert prep.send_final_reminder(deps, meeting.meeting_id, workflow_id)["sent"] is False


def test_due_preps(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive)
    meeting, _ = store_meeting(deps)
    assert meeting.prep_at is not None
    assert prep.due_preps(deps, meeting.prep_at - timedelta(minutes=1)) == []
    assert prep.due_preps(deps, meeting.prep_at) == [meeting]


def test_a_generator_past_its_time_limit_falls_back_to_offline(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    class Slow:
        name = "model"

        def generate(self, inputs: PackInputs) -> PrepPack:
            time.sleep(5)
            raise AssertionError("not reached in time")

    deps = make_deps(catalog, rules, executive, generator=Slow())
    deps = PrepDependencies(**{**deps.__dict__, "generation_timeout_seconds": 0.3})
    meeting, workflow_id = store_meeting(deps)
    started = time.monotonic()
    assert run_to_pack(deps, meeting, workflow_id, {})["generated_by"] == "offline"
    assert time.monotonic() - started < 2
