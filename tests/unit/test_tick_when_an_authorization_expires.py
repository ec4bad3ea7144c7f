"""A calendar account whose authorization died: its meetings are kept, and the executive is
asked once to authorize again, not at every sync."""

from __future__ import annotations

from datetime import datetime, timedelta

from exec_assistant.adapters.memory import (
    InMemoryCalendarStateRepository,
    InMemoryDeliveryRepository,
    InMemoryMeetingRepository,
    InMemorySeriesOverrideRepository,
)
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.errors import CalendarAuthorizationExpired
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.ports import CalendarFetch, CalendarSource
from exec_assistant.services.tick import TickDependencies, Ticker

from factories import event
from prep_fakes import NOW, FixedClock, RecordingChannel, RecordingEngine


class ExpiredAccount:
    calendar_id = "google:exec@example.com"
    location = "google:primary"

    def __init__(self) -> None:
        self.episode = "token-1"

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        raise CalendarAuthorizationExpired(
            self.location,
            "Google refused the stored authorization (invalid_grant)",
            provider="google",
            episode=self.episode,
            hint="Run 'exec-assistant calendars add google' to authorize again.",
        )


def _ticker(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    sources: list[CalendarSource],
    channel: RecordingChannel,
    meetings: InMemoryMeetingRepository | None = None,
) -> Ticker:
    deps = TickDependencies(
        meetings=meetings or InMemoryMeetingRepository(),
        overrides=InMemorySeriesOverrideRepository(),
        calendar_states=InMemoryCalendarStateRepository(),
        catalog=catalog,
        rules=rules,
        executive=executive,
        engine=RecordingEngine(),
        clock=FixedClock(),
        sources=lambda: sources,
        channel=channel,
        deliveries=InMemoryDeliveryRepository(),
    )
    return Ticker(deps, sync_every=timedelta(hours=2))


def test_the_executive_is_asked_once_per_dead_authorization(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    meetings = InMemoryMeetingRepository()
    stored = assess_event(
        event("Weekly sync", start=NOW + timedelta(days=2)).model_copy(
            update={"calendar_id": ExpiredAccount.calendar_id}
        ),
        None,
        catalog,
        rules,
        executive,
        None,
        NOW - timedelta(days=1),
    )
    meetings.put_many([stored])
    account = ExpiredAccount()
    channel = RecordingChannel()
    sources: list[CalendarSource] = [account]
    ticker = _ticker(catalog, rules, executive, sources, channel, meetings)

    first = ticker.tick(sync=True)
    again = ticker.tick(sync=True)

    assert first.reauthorization_asked == ["google"]
    assert again.reauthorization_asked == []
    notices = [text for kind, text in channel.sent if kind == "notify"]
    assert len(notices) == 1
    assert "invalid_grant" in notices[0] and "calendars add google" in notices[0]
    assert meetings.get(stored.meeting_id) == stored  # kept as it was

    account.episode = "token-2"  # authorized again, and that one died too
    assert ticker.tick(sync=True).reauthorization_asked == ["google"]


def test_a_channel_that_is_down_is_tried_again_at_the_next_sync(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    channel = RecordingChannel(failures=1)
    sources: list[CalendarSource] = [ExpiredAccount()]
    ticker = _ticker(catalog, rules, executive, sources, channel)
    assert ticker.tick(sync=True).reauthorization_asked == []
    assert ticker.tick(sync=True).reauthorization_asked == ["google"]
