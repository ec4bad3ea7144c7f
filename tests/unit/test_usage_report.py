"""The usage report: calls counted on the day they were made, by meeting type and purpose."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from exec_assistant.adapters.memory import InMemoryMeetingRepository
from exec_assistant.configuration import load_meeting_types
from exec_assistant.services.usage import days_back, month_start, usage_report

from factories import NEW_YORK, model_call, stored_meeting

CATALOG, _ = load_meeting_types(None)
NOW = datetime(2026, 12, 15, 17, 0, tzinfo=UTC)  # Tuesday 15 December, 12:00 in New York


def report_of(*meetings, start=None, end=NOW, now=NOW):  # type: ignore[no-untyped-def]
    repository = InMemoryMeetingRepository()
    repository.put_many(list(meetings))
    return usage_report(
        repository, CATALOG, start or month_start(now, NEW_YORK), end, NEW_YORK, now
    )


def test_a_call_counts_on_the_day_it_was_made_not_on_the_meetings_day() -> None:
    # Monday 14 December's leadership meeting: its pack was written on Friday 11th, its notes
    # read on Monday evening after the meeting.
    friday = datetime(2026, 12, 11, 21, 0, tzinfo=UTC)
    evening = datetime(2026, 12, 15, 2, 30, tzinfo=UTC)  # 21:30 on Monday, in New York
    meeting = stored_meeting(
        start=datetime(2026, 12, 14, 15, 0, tzinfo=UTC),
        model_calls=(
            model_call(friday, cost_usd=0.06),
            model_call(
                evening, purpose="notes", input_tokens=3000, output_tokens=500, cost_usd=0.0165
            ),
        ),
    )
    report = report_of(meeting)
    assert [(d.day, d.totals.calls) for d in report.by_day] == [
        (date(2026, 12, 11), 1),
        (date(2026, 12, 14), 1),  # the local date, not the UTC one (the 15th)
    ]
    assert report.by_day[0].totals.cost_usd == 0.06
    assert report.total.calls == 2
    assert report.total.cost_usd == 0.0765
    assert report.meetings_with_calls == 1


def test_calls_are_totalled_per_meeting_type_and_per_purpose_costliest_first() -> None:
    day = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    leadership = stored_meeting(
        "Leadership team",
        start=day + timedelta(days=1),
        model_calls=(
            model_call(day, cost_usd=0.05),
            model_call(day, purpose="pack_correction", cost_usd=0.04, outcome="rejected"),
        ),
    )
    one_on_one = stored_meeting(
        "Jordan / Priya",
        start=day + timedelta(days=2),
        meeting_type="one_on_one",
        model_calls=(model_call(day, model_id="claude-haiku-4-5", cost_usd=0.02),),
    )
    unclassified = stored_meeting(
        "Lunch", start=day, meeting_type=None, model_calls=(model_call(day, cost_usd=0.01),)
    )
    report = report_of(leadership, one_on_one, unclassified)
    assert [
        (t.meeting_type, t.name, t.totals.calls, t.totals.cost_usd) for t in report.by_meeting_type
    ] == [
        ("leadership_team", "Leadership team", 2, 0.09),
        ("one_on_one", "1:1", 1, 0.02),
        ("unclassified", "unclassified", 1, 0.01),
    ]
    assert [(p.purpose, p.totals.calls) for p in report.by_purpose] == [
        ("pack", 3),
        ("pack_correction", 1),
    ]


def test_calls_to_an_unpriced_model_are_counted_and_named_but_add_no_cost() -> None:
    day = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
    meeting = stored_meeting(
        start=day + timedelta(days=1),
        model_calls=(
            model_call(day, cost_usd=0.06),
            model_call(day, provider="openai", model_id="gpt-5-preview", cost_usd=None),
            model_call(day, provider="openai", model_id="gpt-5-preview", cost_usd=None),
        ),
    )
    report = report_of(meeting)
    assert report.total.calls == 3
    assert report.total.unpriced_calls == 2
    assert report.total.cost_usd == 0.06
    assert report.total.input_tokens == 30_000
    assert report.unpriced_models == ("gpt-5-preview",)


def test_only_calls_inside_the_window_count_whatever_the_meetings_date() -> None:
    # The window is the last 3 days (13th to now); a meeting of the 1st had its notes read on
    # the 14th, and a meeting of January had its pack written on the 12th.
    old = stored_meeting(
        "Kick-off",
        start=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        model_calls=(
            model_call(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), cost_usd=1.0),
            model_call(datetime(2026, 12, 14, 15, 0, tzinfo=UTC), purpose="notes", cost_usd=0.01),
        ),
    )
    later = stored_meeting(
        "QBR",
        start=datetime(2027, 1, 8, 15, 0, tzinfo=UTC),
        meeting_type="qbr",
        model_calls=(
            model_call(datetime(2026, 12, 12, 15, 0, tzinfo=UTC), cost_usd=0.5),
            model_call(datetime(2026, 12, 15, 16, 0, tzinfo=UTC), cost_usd=0.25),
            model_call(datetime(2026, 12, 15, 18, 0, tzinfo=UTC), cost_usd=9.0),  # after now
        ),
    )
    report = report_of(old, later, start=days_back(NOW, NEW_YORK, 3))
    assert [d.day for d in report.by_day] == [date(2026, 12, 14), date(2026, 12, 15)]
    assert report.total.cost_usd == 0.26
    assert {t.meeting_type for t in report.by_meeting_type} == {"leadership_team", "qbr"}
    # The month to date (from 1 December, New York) leaves out November's call and the future.
    assert report.month_start == datetime(2026, 12, 1, tzinfo=NEW_YORK)
    assert report.month_to_date.calls == 3
    assert report.month_to_date.cost_usd == 0.76


def test_no_calls_make_an_empty_report() -> None:
    report = report_of(stored_meeting(generated_by="offline"))
    assert report.total.calls == 0
    assert report.by_day == () and report.by_meeting_type == () and report.by_purpose == ()


def test_the_last_n_days_start_at_local_midnight_counting_today() -> None:
    assert days_back(NOW, NEW_YORK, 1) == datetime(2026, 12, 15, tzinfo=NEW_YORK)
    assert days_back(NOW, NEW_YORK, 7) == datetime(2026, 12, 9, tzinfo=NEW_YORK)
    # 03:00 UTC on 1 December is still 30 November in New York.
    assert month_start(datetime(2026, 12, 1, 3, tzinfo=UTC), NEW_YORK) == datetime(
        2026, 11, 1, tzinfo=NEW_YORK
    )


def test_notes_read_weeks_after_an_earlier_meeting_count_in_this_month() -> None:
    # A meeting of 2 November whose notes were only read on 3 December.
    november = stored_meeting(
        "Offsite",
        start=datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
        model_calls=(
            model_call(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), purpose="notes", cost_usd=0.03),
        ),
    )
    report = report_of(november)
    assert [(d.day, d.totals.cost_usd) for d in report.by_day] == [(date(2026, 12, 3), 0.03)]
    assert report.month_to_date.cost_usd == 0.03
