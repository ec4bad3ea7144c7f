"""Noise control: at most N prep requests of their own a day, the rest in the digest; silent
types never asked but prepared; quiet hours still decide when."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from exec_assistant.configuration import load_config
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.identity import session_id_for
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules, QuietHours
from exec_assistant.domain.models import AskStyle, MeetingStatus, SessionState
from exec_assistant.domain.noise import ask_style_for, day_bounds
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.pack_documents import read_pack
from exec_assistant.services.prep import PrepSteps
from exec_assistant.services.preps import prep_request

from factories import ME, NEW_YORK, event, person
from prep_fakes import FixedClock, RecordingChannel, gather_all, make_deps

# 10:00 in New York: well inside the executive's day.
MORNING = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _ask(deps: PrepDependencies, uid: str, title: str = "Leadership team") -> AskStyle:
    people = (ME, person("Priya Raman"), person("Marcus Webb"))
    evt = event(title, start=deps.clock.now() + timedelta(hours=5), attendees=people, uid=uid)
    meeting = assess_event(
        evt, None, deps.catalog, deps.rules, deps.executive, None, deps.clock.now()
    )
    deps.meetings.put(meeting)
    request = prep_request(meeting)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    steps.send_prep_notification(request)
    session = deps.sessions.get(session_id_for(request.prep_id))
    assert session is not None
    return session.ask_style


def test_the_sixth_request_of_a_day_goes_to_the_digest(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    deps = make_deps(catalog, rules, executive, clock=FixedClock(MORNING))
    styles = [_ask(deps, f"evt-{n}") for n in range(7)]
    assert styles == [AskStyle.QUESTIONS] * 5 + [AskStyle.DIGEST] * 2
    channel = deps.channel
    assert isinstance(channel, RecordingChannel)
    assert channel.kinds() == ["questions"] * 7  # the channel renders the digest lines


def test_the_next_day_has_its_own_requests_again(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    clock = FixedClock(MORNING)
    deps = make_deps(catalog, rules, executive, clock=clock)
    for n in range(5):
        _ask(deps, f"evt-{n}")
    # 23:30 the same day in New York is still that day; 00:30 the next is not.
    clock.value = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
    assert _ask(deps, "late") == AskStyle.DIGEST
    clock.value = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)
    assert _ask(deps, "next-day") == AskStyle.QUESTIONS


def test_no_limit_asks_every_request_on_its_own(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    unlimited = rules.model_copy(update={"max_prep_requests_per_day": None})
    deps = make_deps(catalog, unlimited, executive, clock=FixedClock(MORNING))
    assert {_ask(deps, f"evt-{n}") for n in range(8)} == {AskStyle.QUESTIONS}


def test_a_silent_type_is_never_asked_but_gets_its_pack(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    silent = rules.model_copy(update={"silent_types": ("leadership_team",)})
    deps = make_deps(catalog, silent, executive, clock=FixedClock(MORNING))
    people = (ME, person("Priya Raman"), person("Marcus Webb"))
    evt = event("Leadership team", start=MORNING + timedelta(hours=5), attendees=people)
    meeting = assess_event(evt, None, catalog, silent, executive, None, MORNING)
    deps.meetings.put(meeting)
    request = prep_request(meeting)
    steps = PrepSteps(deps)
    steps.classify_meeting(request)
    note = steps.send_prep_notification(request)
    assert note.answered
    session = deps.sessions.get(session_id_for(request.prep_id))
    assert session is not None
    assert session.ask_style == AskStyle.SILENT and session.state == SessionState.ANSWERED
    assert session.answers == {}
    steps.generate_materials(gather_all(steps, request))
    steps.send_materials(request)
    channel = deps.channel
    assert isinstance(channel, RecordingChannel)
    assert channel.kinds() == ["pack"]
    assert read_pack(deps.documents, meeting.meeting_id) is not None
    stored = deps.meetings.get(meeting.meeting_id)
    assert stored is not None and stored.status == MeetingStatus.MATERIALS_READY
    # Silent requests do not use up the day's own requests.
    assert _ask(dataclasses.replace(deps, rules=rules), "other") == AskStyle.QUESTIONS


def test_quiet_hours_still_move_a_request_and_the_limit_does_not(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    quiet_limited = rules.model_copy(update={"max_prep_requests_per_day": 1})
    # A meeting at 08:00 New York with a 24 h lead: prep at 08:00 the day before, not moved;
    # one at 07:30 would be asked at 07:30, outside quiet hours (21:00-07:00).
    start = datetime(2026, 12, 2, 12, 30, tzinfo=UTC)  # 07:30 New York
    people = (ME, person("Priya Raman"), person("Marcus Webb"))
    both = [
        assess_event(
            event("Leadership team", start=start, attendees=people, uid="q"),
            None,
            catalog,
            r,
            executive,
            None,
            MORNING,
        )
        for r in (rules, quiet_limited)
    ]
    assert both[0].prep_at == both[1].prep_at
    night = rules.model_copy(update={"quiet_hours": QuietHours(start=time(6, 0), end=time(8, 0))})
    moved = assess_event(
        event("Leadership team", start=start, attendees=people, uid="q"),
        None,
        catalog,
        night,
        executive,
        None,
        MORNING,
    )
    assert moved.prep_at is not None and both[0].prep_at is not None
    assert moved.prep_at < both[0].prep_at  # quiet hours moved it earlier, as before


def test_ask_style_rules() -> None:
    rules = NotificationRules(max_prep_requests_per_day=2, silent_types=("vendor_meeting",))
    assert ask_style_for("general", rules, 0) == AskStyle.QUESTIONS
    assert ask_style_for("general", rules, 1) == AskStyle.QUESTIONS
    assert ask_style_for("general", rules, 2) == AskStyle.DIGEST
    assert ask_style_for("vendor_meeting", rules, 0) == AskStyle.SILENT


def test_the_executives_day_is_a_day_in_their_zone_across_a_clock_change() -> None:
    start, end = day_bounds(datetime(2026, 11, 1, 12, 0, tzinfo=UTC), NEW_YORK)
    assert end.timestamp() - start.timestamp() == 25 * 3600


def test_an_unknown_silent_type_is_refused_where_it_is_written(tmp_path: Path) -> None:
    (tmp_path / "notification_rules.yaml").write_text("silent_types: [vendor_meetings]\n")
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path)
    message = str(refused.value)
    assert "notification_rules.yaml" in message and "'silent_types'" in message
    assert "vendor_meetings" in message and "vendor_meeting," in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("silent_types: general\n", "expected a list"),
        ("max_prep_requests_per_day: 0\n", "max_prep_requests_per_day"),
        ("max_prep_requests_per_day: lots\n", "max_prep_requests_per_day"),
    ],
)
def test_bad_noise_settings_are_refused(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / "notification_rules.yaml").write_text(text)
    with pytest.raises(ConfigError, match=fragment):
        load_config(tmp_path)


def test_the_shipped_rules_allow_five_requests_and_silence_nothing() -> None:
    rules = load_config(None).rules
    assert rules.max_prep_requests_per_day == 5 and rules.silent_types == ()
