"""The tick's chat duties: a snoozed request asked again once, and the notes asked for once
after a prepared meeting ends; safe to repeat after a restart (the delivery records)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exec_assistant.adapters.memory import (
    InMemoryCalendarStateRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import DeliveryState, Meeting, MeetingStatus
from exec_assistant.domain.prep_steps import WaitForAnswers
from exec_assistant.ports import PrepRun, PrepRunState
from exec_assistant.services.conversation import snooze_prep
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.prep import PrepSteps
from exec_assistant.services.tick import (
    TickDependencies,
    Ticker,
    notes_request_key,
)

from prep_fakes import NOW, FixedClock, RecordingChannel, RecordingEngine, make_deps, store_meeting


def _ticker(deps: PrepDependencies, channel: RecordingChannel | None = None) -> Ticker:
    """A fresh ticker (as after a restart) on the same stores, with every prep's workflow
    running."""
    engine = RecordingEngine()
    for meeting in deps.meetings.list_between(NOW - timedelta(days=3), NOW + timedelta(days=3)):
        if meeting.workflow_id:
            engine.runs[meeting.workflow_id] = PrepRun(meeting.workflow_id, PrepRunState.RUNNING)
    return Ticker(
        TickDependencies(
            meetings=deps.meetings,
            overrides=InMemorySeriesOverrideRepository(),
            calendar_states=InMemoryCalendarStateRepository(),
            catalog=deps.catalog,
            rules=deps.rules,
            executive=deps.executive,
            engine=engine,
            clock=deps.clock,
            sources=lambda: [],
            channel=channel if channel is not None else deps.channel,
            sessions=deps.sessions,
            deliveries=deps.deliveries,
        ),
        sync_every=None,
    )


@pytest.fixture
def deps(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> PrepDependencies:
    return make_deps(catalog, rules, executive)


def _asking(deps: PrepDependencies) -> Meeting:
    meeting, request = store_meeting(deps)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    note = steps.send_prep_notification(request)
    assert note.session_id is not None
    steps.attach_wait_token(WaitForAnswers(session_id=note.session_id, task_token="t"))
    return meeting


def _channel(deps: PrepDependencies) -> RecordingChannel:
    assert isinstance(deps.channel, RecordingChannel)
    return deps.channel


def test_a_snoozed_request_is_asked_again_once_when_the_snooze_ends(
    deps: PrepDependencies,
) -> None:
    clock = deps.clock
    assert isinstance(clock, FixedClock)
    meeting = _asking(deps)
    snooze_prep(deps.meetings, deps.sessions, meeting.meeting_id, clock.now(), 2)
    ticker = _ticker(deps)
    clock.advance(timedelta(hours=1))
    assert ticker.tick(sync=False).reasked == []
    clock.advance(timedelta(hours=1))
    assert ticker.tick(sync=False).reasked == [meeting.meeting_id]
    assert _ticker(deps).tick(sync=False).reasked == []  # after a restart too
    clock.advance(timedelta(minutes=1))
    ticker.tick(sync=False)
    assert _channel(deps).kinds() == ["questions", "questions"]
    assert _channel(deps).keys[-1].endswith("/Snoozed-20261130T140000Z")


def test_a_snoozed_request_whose_channel_fails_is_asked_at_the_next_tick(
    deps: PrepDependencies,
) -> None:
    clock = deps.clock
    assert isinstance(clock, FixedClock)
    meeting = _asking(deps)
    snooze_prep(deps.meetings, deps.sessions, meeting.meeting_id, clock.now(), 1)
    clock.advance(timedelta(hours=1))
    _channel(deps).failures = 1
    assert _ticker(deps).tick(sync=False).reasked == []
    assert _ticker(deps).tick(sync=False).reasked == [meeting.meeting_id]
    assert _channel(deps).kinds() == ["questions", "questions"]


def test_a_snoozed_request_answered_meanwhile_is_not_asked_again(deps: PrepDependencies) -> None:
    clock = deps.clock
    assert isinstance(clock, FixedClock)
    meeting = _asking(deps)
    snooze_prep(deps.meetings, deps.sessions, meeting.meeting_id, clock.now(), 1)
    from exec_assistant.services.conversation import use_defaults

    use_defaults(deps.meetings, deps.sessions, RecordingEngine(), meeting.meeting_id)
    clock.advance(timedelta(hours=2))
    assert _ticker(deps).tick(sync=False).reasked == []


def _ended(deps: PrepDependencies, status: MeetingStatus, ago: timedelta) -> Meeting:
    meeting, _ = store_meeting(deps, starts_in=-(ago + timedelta(hours=1)))
    stored = meeting.model_copy(update={"status": status})
    deps.meetings.put(stored)
    return stored


def test_the_notes_are_asked_for_once_after_a_prepared_meeting_ends(
    deps: PrepDependencies,
) -> None:
    meeting = _ended(deps, MeetingStatus.REMINDED, timedelta(minutes=5))
    assert _ticker(deps).tick(sync=False).notes_requested == [meeting.meeting_id]
    assert _ticker(deps).tick(sync=False).notes_requested == []  # a restart sends nothing
    assert _channel(deps).sent == [("notes_request", meeting.meeting_id)]
    record = deps.deliveries.get(notes_request_key(meeting.meeting_id))
    assert record is not None and record.state == DeliveryState.SENT


@pytest.mark.parametrize(
    ("status", "ago"),
    [
        (MeetingStatus.SKIPPED, timedelta(minutes=5)),
        (MeetingStatus.CANCELLED, timedelta(minutes=5)),
        (MeetingStatus.COMPLETED, timedelta(minutes=5)),  # its notes are in
        (MeetingStatus.SCHEDULED, timedelta(minutes=5)),  # it never had a prep
        (MeetingStatus.REMINDED, timedelta(hours=25)),  # ended more than a day ago
    ],
)
def test_no_notes_are_asked_for_some_meetings(
    deps: PrepDependencies, status: MeetingStatus, ago: timedelta
) -> None:
    _ended(deps, status, ago)
    assert _ticker(deps).tick(sync=False).notes_requested == []
    assert _channel(deps).sent == []


def test_a_meeting_not_over_is_not_asked_for_notes(deps: PrepDependencies) -> None:
    meeting, _ = store_meeting(deps, starts_in=-timedelta(minutes=30))
    deps.meetings.put(meeting.model_copy(update={"status": MeetingStatus.REMINDED}))
    assert _ticker(deps).tick(sync=False).notes_requested == []


def test_a_failing_channel_gets_the_notes_request_at_the_next_tick(
    deps: PrepDependencies,
) -> None:
    meeting = _ended(deps, MeetingStatus.MATERIALS_READY, timedelta(minutes=5))
    _channel(deps).failures = 1
    assert _ticker(deps).tick(sync=False).notes_requested == []
    assert _ticker(deps).tick(sync=False).notes_requested == [meeting.meeting_id]


def test_a_tick_without_a_channel_sends_nothing(deps: PrepDependencies) -> None:
    _ended(deps, MeetingStatus.REMINDED, timedelta(minutes=5))
    ticker = _ticker(deps)
    bare = Ticker(
        TickDependencies(
            **{
                **ticker._deps.__dict__,
                "channel": None,
            }
        ),
        sync_every=None,
    )
    assert bare.tick(sync=False).notes_requested == []
    assert _channel(deps).sent == []
