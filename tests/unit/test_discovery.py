"""From a calendar event to a stored meeting: skipping, cancelling, classifying, scheduling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exec_assistant.domain.discovery import Executive, assess_event, configuration_key
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import MeetingStatus, ResponseStatus

from factories import ME, NEW_YORK, event, person

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def assess(catalog, rules, executive, evt, existing=None, override=None, now=NOW):  # type: ignore[no-untyped-def]
    return assess_event(evt, existing, catalog, rules, executive, override, now)


def test_a_new_meeting_is_scheduled_with_prep_and_reminder(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    evening = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 19:00 in New York: prep at 07:00
    meeting = assess(catalog, rules, executive, event("Jordan / Priya 1:1", start=evening))
    assert meeting.status == MeetingStatus.SCHEDULED
    assert meeting.meeting_type == "one_on_one"
    assert meeting.prep_at == meeting.start - timedelta(hours=12)
    assert meeting.reminder_at == meeting.start - timedelta(hours=2)
    assert meeting.discovered_at == NOW


def test_all_day_events_are_skipped(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    meeting = assess(catalog, rules, executive, event("Offsite", all_day=True))
    assert (meeting.status, meeting.skip_reason) == (MeetingStatus.SKIPPED, "all-day event")
    assert meeting.prep_at is None and meeting.reminder_at is None


def test_declined_meetings_are_skipped(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    declined = ME.model_copy(update={"response": ResponseStatus.DECLINED})
    meeting = assess(
        catalog, rules, executive, event("Guild", attendees=(declined, person("Wei Zhang")))
    )
    assert (meeting.status, meeting.skip_reason) == (MeetingStatus.SKIPPED, "you declined")


def test_meetings_with_nobody_else_are_skipped(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    for attendees in [(), (ME,)]:
        meeting = assess(catalog, rules, executive, event("Focus time", attendees=attendees))
        assert meeting.status == MeetingStatus.SKIPPED
        assert meeting.skip_reason == "no attendees besides you"


def test_the_address_is_compared_without_case(
    catalog: MeetingTypeCatalog, rules: NotificationRules
) -> None:
    shouting = Executive("JORDAN.LEE@Northwind.example", NEW_YORK)
    meeting = assess(catalog, rules, shouting, event("Focus time", attendees=(ME,)))
    assert meeting.status == MeetingStatus.SKIPPED


def test_cancelled_instances_are_cancelled(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    meeting = assess(catalog, rules, executive, event("Capacity planning", cancelled=True))
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.skip_reason == "cancelled by the organizer"


def test_reassessing_an_unchanged_event_gives_an_equal_meeting(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    first = assess(catalog, rules, executive, event("1:1"))
    again = assess(
        catalog, rules, executive, event("1:1"), existing=first, now=NOW + timedelta(hours=5)
    )
    assert again.same_content_as(first)


def test_a_moved_meeting_keeps_its_id_and_its_times_follow(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    first = assess(catalog, rules, executive, event("1:1"))
    later_start = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 21:00 New York: prep at 09:00
    moved = assess(catalog, rules, executive, event("1:1", start=later_start), existing=first)
    assert moved.meeting_id == first.meeting_id
    assert moved.start == later_start
    assert moved.prep_at == later_start - timedelta(hours=12)
    assert moved.reminder_at == later_start - timedelta(hours=2)


def test_a_meeting_in_prep_that_moves_starts_its_prep_again(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    first = assess(catalog, rules, executive, event("1:1")).with_status(
        MeetingStatus.NOTIFIED, workflow_id="prep-1"
    )
    moved = assess(
        catalog,
        rules,
        executive,
        event("1:1", start=first.start + timedelta(hours=3)),
        existing=first,
    )
    assert moved.status == MeetingStatus.SCHEDULED
    assert moved.workflow_id is None
    unmoved = assess(catalog, rules, executive, event("1:1"), existing=first)
    assert unmoved.status == MeetingStatus.NOTIFIED
    assert unmoved.workflow_id == "prep-1"


def test_a_series_override_wins_over_the_rules(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    meeting = assess(catalog, rules, executive, event("Coffee"), override="one_on_one")
    assert meeting.meeting_type == "one_on_one"
    assert meeting.classification_reason == "set by you for this series"
    assert meeting.type_overridden


def test_a_completed_meeting_is_left_alone(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    done = assess(catalog, rules, executive, event("1:1")).model_copy(
        update={"status": MeetingStatus.COMPLETED}
    )
    assert assess(catalog, rules, executive, event("1:1", cancelled=True), existing=done) == done


def test_a_declined_meeting_accepted_later_is_scheduled(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    declined = ME.model_copy(update={"response": ResponseStatus.DECLINED})
    skipped = assess(catalog, rules, executive, event("Guild", attendees=(declined, person("Wei"))))
    accepted = assess(catalog, rules, executive, event("Guild"), existing=skipped)
    assert accepted.status == MeetingStatus.SCHEDULED
    assert accepted.skip_reason is None
    assert accepted.prep_at is not None


def test_a_change_to_the_detection_rules_means_events_are_assessed_again(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    debrief = catalog.get("interview_debrief")
    changed = debrief.model_copy(update={"detection": debrief.detection[:1]})
    edited = MeetingTypeCatalog([changed if t.id == changed.id else t for t in catalog])
    same = MeetingTypeCatalog(list(catalog))
    key = configuration_key(catalog, rules, executive)
    assert configuration_key(same, rules, executive) == key
    assert configuration_key(edited, rules, executive) != key
