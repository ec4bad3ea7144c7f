"""The repository ports' contract: every adapter behaves the same as far as a caller can tell."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from exec_assistant.domain.models import (
    ActionItem,
    Attendee,
    CalendarState,
    ChatSession,
    Decision,
    DecisionStatus,
    Delivery,
    DeliveryState,
    ItemStatus,
    Meeting,
    MeetingStatus,
    MeetingSummary,
)
from exec_assistant.ports import (
    ActionItemRepository,
    CalendarStateRepository,
    ChatSessionRepository,
    DecisionRepository,
    DeliveryRepository,
    MeetingRepository,
    SeriesOverrideRepository,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
NEW_YORK = ZoneInfo("America/New_York")

MakeMeeting = Callable[..., Meeting]
MakeSession = Callable[..., ChatSession]
MakeItem = Callable[..., ActionItem]
MakeDecision = Callable[..., Decision]


def ids(records: list[Meeting]) -> list[str]:
    return [m.meeting_id for m in records]


class list_like(Sequence[Meeting]):
    """A batch the adapter can only walk once, front to back, that breaks off partway: as a
    write that fails midway would."""

    def __init__(self, items: Iterable[Meeting]) -> None:
        self._items = iter(items)

    def __iter__(self) -> Iterator[Meeting]:
        return self._items

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: Any) -> Any:
        raise TypeError("walk it")


class TestMeetingRepository:
    def test_a_stored_meeting_reads_back_equal_in_every_field(
        self, meetings: MeetingRepository, make_full_meeting: MakeMeeting
    ) -> None:
        meeting = make_full_meeting("mtg_full")
        meetings.put(meeting)

        got = meetings.get("mtg_full")

        assert got == meeting
        assert got is not None
        assert got.model_dump() == meeting.model_dump()
        assert isinstance(got.attendees, tuple)
        assert [a.email for a in got.attendees] == [
            "ceo@northwind.example",
            "priya@partner.example",
            "sam@northwind.example",
        ]
        assert got.organizer == Attendee(
            email="ceo@northwind.example", name="Casey", response="accepted"
        )
        assert [
            (c.input_tokens, c.output_tokens, c.cache_read_tokens) for c in got.model_calls
        ] == [(1200, 300, 800)]
        assert got.model_calls[0].cost_usd == 0.00834
        assert got.status == MeetingStatus.MATERIALS_READY
        for instant in (got.start, got.end, got.prep_at, got.reminder_at, got.recurrence_id):
            assert instant is not None
            assert instant.utcoffset() == timedelta(0)
        assert got.start == T0
        assert got.prep_at == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)

    def test_optional_fields_left_out_read_back_as_none(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meeting = make_meeting("mtg_min")
        meetings.put(meeting)

        got = meetings.get("mtg_min")

        assert got == meeting
        assert got is not None
        assert got.recurrence_id is None
        assert got.organizer is None
        assert got.attendees == ()
        assert got.meeting_type is None
        assert got.prep_at is None
        assert got.reminder_at is None
        assert got.workflow_id is None
        assert got.pack_location is None
        assert got.model_calls == ()
        assert got.fallback_reason is None

    def test_get_of_an_unknown_id_is_none(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        assert meetings.get("mtg_nope") is None
        meetings.put(make_meeting("mtg_1"))
        assert meetings.get("mtg_nope") is None

    def test_put_overwrites_the_stored_meeting(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meeting = make_meeting("mtg_1", title="Old title")
        meetings.put(meeting)
        meetings.put(meeting.with_status(MeetingStatus.SCHEDULED, title="New title", updated_at=T0))

        got = meetings.get("mtg_1")
        assert got is not None
        assert got.status == MeetingStatus.SCHEDULED
        assert got.title == "New title"
        assert got.updated_at == T0
        assert ids(meetings.list_between(T0 - HOUR, T0 + HOUR)) == ["mtg_1"]
        assert meetings.list_by_status(MeetingStatus.DISCOVERED) == []
        assert ids(meetings.list_by_status(MeetingStatus.SCHEDULED)) == ["mtg_1"]

    def test_moving_the_start_moves_the_meeting_between_windows(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meeting = make_meeting("mtg_1", start=T0)
        meetings.put(meeting)
        moved_start = T0 + timedelta(days=3)
        meetings.put(meeting.model_copy(update={"start": moved_start, "end": moved_start + HOUR}))

        assert meetings.list_between(T0 - HOUR, T0 + HOUR) == []
        moved = meetings.list_between(moved_start - HOUR, moved_start + HOUR)
        assert ids(moved) == ["mtg_1"]
        assert moved[0].start == moved_start
        assert ids(meetings.list_by_status(MeetingStatus.DISCOVERED, T0 - HOUR, T0 + HOUR)) == []
        assert ids(meetings.list_series("ser_mtg_1")) == ["mtg_1"]

    def test_put_many_stores_every_meeting(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        batch = [make_meeting(f"mtg_{n:03}", start=T0 + n * HOUR) for n in range(25)]
        meetings.put_many(batch)

        for meeting in batch:
            assert meetings.get(meeting.meeting_id) == meeting
        assert meetings.list_between(T0, T0 + 25 * HOUR) == batch

    def test_put_many_of_nothing_is_fine(self, meetings: MeetingRepository) -> None:
        meetings.put_many([])
        assert meetings.get_many(["mtg_1"]) == {}

    def test_put_many_stores_all_or_none(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put(make_meeting("mtg_0", title="Before"))

        def batch() -> Iterator[Meeting]:
            yield make_meeting("mtg_0", title="After")
            yield make_meeting("mtg_1")
            raise OSError("the batch broke off")

        with pytest.raises(OSError, match="broke off"):
            meetings.put_many(list_like(batch()))

        assert meetings.get("mtg_1") is None
        stored = meetings.get("mtg_0")
        assert stored is not None and stored.title == "Before"

    def test_update_many_judges_each_meeting_as_stored_now(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put(make_meeting("mtg_1", title="Stored"))
        meetings.put(make_meeting("mtg_2", title="Left alone"))
        seen: dict[str, str | None] = {}

        def change(meeting_id: str, current: Meeting | None) -> Meeting | None:
            seen[meeting_id] = current.title if current else None
            if meeting_id == "mtg_2":
                return None  # leave it
            base = current or make_meeting(meeting_id)
            return base.model_copy(update={"title": f"{seen[meeting_id]} and changed"})

        stored = meetings.update_many(["mtg_1", "mtg_2", "mtg_3"], change)

        assert seen == {"mtg_1": "Stored", "mtg_2": "Left alone", "mtg_3": None}
        assert [m.meeting_id for m in stored] == ["mtg_1", "mtg_3"]
        got = meetings.get_many(["mtg_1", "mtg_2", "mtg_3"])
        assert {i: m.title for i, m in got.items()} == {
            "mtg_1": "Stored and changed",
            "mtg_2": "Left alone",
            "mtg_3": "None and changed",
        }

    def test_update_many_stores_all_or_none(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put(make_meeting("mtg_1", title="Before"))

        def change(meeting_id: str, current: Meeting | None) -> Meeting | None:
            if meeting_id == "mtg_2":
                raise ValueError("the batch broke off")
            assert current is not None
            return current.model_copy(update={"title": "After"})

        with pytest.raises(ValueError, match="broke off"):
            meetings.update_many(["mtg_1", "mtg_2"], change)
        stored = meetings.get("mtg_1")
        assert stored is not None and stored.title == "Before"

    def test_update_changes_the_stored_meeting(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put(make_meeting("mtg_1", status=MeetingStatus.SCHEDULED))

        changed = meetings.update("mtg_1", lambda m: m.with_status(MeetingStatus.NOTIFIED))

        assert changed is not None and changed.status == MeetingStatus.NOTIFIED
        assert meetings.get("mtg_1") == changed
        assert ids(meetings.list_by_status(MeetingStatus.NOTIFIED)) == ["mtg_1"]
        assert meetings.update("mtg_missing", lambda m: m) is None

    def test_an_update_that_raises_leaves_the_meeting_as_it_was(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put(make_meeting("mtg_1", title="Kept"))

        def refuse(meeting: Meeting) -> Meeting:
            raise ValueError("not this one")

        with pytest.raises(ValueError, match="not this one"):
            meetings.update("mtg_1", refuse)
        stored = meetings.get("mtg_1")
        assert stored is not None and stored.title == "Kept"

    def test_updates_from_many_threads_lose_nothing(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put(make_meeting("mtg_1", prep_attempt=1))

        def bump(meeting: Meeting) -> Meeting:
            count = meeting.prep_attempt
            time.sleep(0.0005)  # a read-modify-write that is easy to interleave
            return meeting.model_copy(update={"prep_attempt": count + 1})

        def work() -> None:
            for _ in range(25):
                meetings.update("mtg_1", bump)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stored = meetings.get("mtg_1")
        assert stored is not None and stored.prep_attempt == 101

    def test_put_many_overwrites_existing_and_adds_new(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put(make_meeting("mtg_1", title="Old"))
        meetings.put_many([make_meeting("mtg_1", title="New"), make_meeting("mtg_2")])

        got = meetings.get_many(["mtg_1", "mtg_2"])
        assert got["mtg_1"].title == "New"
        assert set(got) == {"mtg_1", "mtg_2"}

    def test_get_many_returns_only_the_stored_ids(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        stored = {m.meeting_id: m for m in (make_meeting(f"mtg_{n}") for n in range(3))}
        meetings.put_many(list(stored.values()))

        got = meetings.get_many(["mtg_2", "mtg_missing", "mtg_0", "mtg_0"])

        assert got == {"mtg_0": stored["mtg_0"], "mtg_2": stored["mtg_2"]}
        assert meetings.get_many([]) == {}
        assert meetings.get_many(["mtg_missing"]) == {}

    def test_summaries_are_the_stored_meetings_summarised(
        self, meetings: MeetingRepository, make_full_meeting: MakeMeeting
    ) -> None:
        full = make_full_meeting("mtg_full")
        other = make_full_meeting("mtg_other").model_copy(update={"meeting_type": None})
        meetings.put_many([full, other])

        got = meetings.summaries(["mtg_other", "mtg_missing", "mtg_full", "mtg_full"])

        assert got == {
            "mtg_full": MeetingSummary.of(full),
            "mtg_other": MeetingSummary.of(other),
        }
        summary = got["mtg_full"]
        assert (summary.title, summary.series_id, summary.meeting_type) == (
            full.title,
            full.series_id,
            full.meeting_type,
        )
        assert summary.start == T0 and summary.start.utcoffset() == timedelta(0)
        assert [a.email for a in summary.attendees] == [a.email for a in full.attendees]
        assert meetings.summaries([]) == {}

    def test_summaries_handle_more_ids_than_one_query_takes(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        stored = [
            make_meeting(f"mtg_{n:05}", start=T0 + n * timedelta(minutes=1)) for n in range(1200)
        ]
        meetings.put_many(stored)

        got = meetings.summaries([m.meeting_id for m in stored] + ["mtg_missing"])

        assert got == {m.meeting_id: MeetingSummary.of(m) for m in stored}

    def test_fingerprints_of_stored_meetings(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        with_print = make_meeting("mtg_a").model_copy(update={"source_fingerprint": "f1"})
        without = make_meeting("mtg_b")
        meetings.put_many([with_print, without])

        assert meetings.fingerprints(["mtg_a", "mtg_b", "mtg_missing"]) == {
            "mtg_a": "f1",
            "mtg_b": None,
        }
        meetings.put(with_print.model_copy(update={"source_fingerprint": "f2"}))
        assert meetings.fingerprints(["mtg_a"]) == {"mtg_a": "f2"}
        assert meetings.fingerprints([]) == {}

    def test_get_many_handles_more_ids_than_one_query_takes(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        stored = [
            make_meeting(f"mtg_{n:05}", start=T0 + n * timedelta(minutes=1)) for n in range(1200)
        ]
        meetings.put_many(stored)
        wanted = [m.meeting_id for m in stored] + [f"mtg_missing_{n}" for n in range(300)]

        got = meetings.get_many(wanted)

        assert len(got) == 1200
        assert got == {m.meeting_id: m for m in stored}

    def test_ids_with_prefix_are_sorted_limited_and_exact(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        for meeting_id in (
            "mtg_abc3",
            "mtg_abc1",
            "mtg_abd1",
            "mtg_ab",
            "mtg_abc2",
            "mtg_ABC4",
            "xmtg_abc5",
            "mtgxabc6",
            "mtg_abc",
        ):
            meetings.put(make_meeting(meeting_id))

        assert meetings.ids_with_prefix("mtg_abc") == [
            "mtg_abc",
            "mtg_abc1",
            "mtg_abc2",
            "mtg_abc3",
        ]
        assert meetings.ids_with_prefix("mtg_abc", limit=2) == ["mtg_abc", "mtg_abc1"]
        assert meetings.ids_with_prefix("mtg_abc1") == ["mtg_abc1"]
        assert meetings.ids_with_prefix("mtg_ab", limit=10) == [
            "mtg_ab",
            "mtg_abc",
            "mtg_abc1",
            "mtg_abc2",
            "mtg_abc3",
            "mtg_abd1",
        ]
        assert meetings.ids_with_prefix("mtg_zzz") == []
        assert meetings.ids_with_prefix("mtg_abc1x") == []

    def test_ids_with_prefix_defaults_to_ten(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put_many([make_meeting(f"mtg_{n:02}") for n in range(15)])
        assert meetings.ids_with_prefix("mtg_") == [f"mtg_{n:02}" for n in range(10)]

    def test_list_between_includes_the_start_and_excludes_the_end(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put_many(
            [
                make_meeting("mtg_before", start=T0 - timedelta(seconds=1)),
                make_meeting("mtg_at_start", start=T0),
                make_meeting("mtg_inside", start=T0 + HOUR),
                make_meeting("mtg_last_second", start=T0 + 2 * HOUR - timedelta(seconds=1)),
                make_meeting("mtg_at_end", start=T0 + 2 * HOUR),
            ]
        )

        found = meetings.list_between(T0, T0 + 2 * HOUR)

        assert ids(found) == ["mtg_at_start", "mtg_inside", "mtg_last_second"]
        assert meetings.list_between(T0 + 3 * HOUR, T0 + 4 * HOUR) == []

    def test_list_between_orders_by_start_then_id(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put_many(
            [
                make_meeting("mtg_c", start=T0 + 2 * HOUR),
                make_meeting("mtg_b", start=T0),
                make_meeting("mtg_d", start=T0 + HOUR),
                make_meeting("mtg_a", start=T0),
            ]
        )

        assert ids(meetings.list_between(T0, T0 + 3 * HOUR)) == ["mtg_a", "mtg_b", "mtg_d", "mtg_c"]

    def test_list_between_takes_bounds_in_any_timezone(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put_many(
            [make_meeting("mtg_in", start=T0), make_meeting("mtg_out", start=T0 + 2 * HOUR)]
        )

        # 04:00 to 05:00 in New York (EST, UTC-5) is 09:00 to 10:00 UTC.
        found = meetings.list_between(
            datetime(2026, 12, 1, 4, 0, tzinfo=NEW_YORK),
            datetime(2026, 12, 1, 5, 0, tzinfo=NEW_YORK),
        )

        assert ids(found) == ["mtg_in"]

    def test_list_between_bounds_are_exact_below_the_second(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        """`now` from a clock has microseconds: a meeting that started 0.4s ago has started."""
        meetings.put(make_meeting("mtg_1", start=T0))
        half = timedelta(milliseconds=400)

        assert ids(meetings.list_between(T0 - HOUR, T0 + half)) == ["mtg_1"]
        assert meetings.list_between(T0 + half, T0 + HOUR) == []
        assert ids(meetings.list_by_status(MeetingStatus.DISCOVERED, None, T0 + half)) == ["mtg_1"]
        assert meetings.list_by_status(MeetingStatus.DISCOVERED, T0 + half, None) == []

    def test_list_between_filters_by_calendar(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put_many(
            [
                make_meeting("mtg_work", calendar_id="cal_work", start=T0),
                make_meeting("mtg_home", calendar_id="cal_home", start=T0),
                make_meeting("mtg_work_later", calendar_id="cal_work", start=T0 + HOUR),
                make_meeting("mtg_work_outside", calendar_id="cal_work", start=T0 + 5 * HOUR),
            ]
        )

        window = (T0, T0 + 2 * HOUR)
        assert ids(meetings.list_between(*window, calendar_id="cal_work")) == [
            "mtg_work",
            "mtg_work_later",
        ]
        assert ids(meetings.list_between(*window, calendar_id="cal_home")) == ["mtg_home"]
        assert meetings.list_between(*window, calendar_id="cal_other") == []
        assert ids(meetings.list_between(*window)) == ["mtg_home", "mtg_work", "mtg_work_later"]

    def test_statuses_between_gives_the_status_of_each_meeting_list_between_gives(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put_many(
            [
                make_meeting("mtg_before", start=T0 - timedelta(seconds=1)),
                make_meeting("mtg_at_start", start=T0, status=MeetingStatus.SKIPPED),
                make_meeting("mtg_inside", start=T0 + HOUR, status=MeetingStatus.SCHEDULED),
                make_meeting(
                    "mtg_home", calendar_id="cal_home", start=T0, status=MeetingStatus.CANCELLED
                ),
                make_meeting("mtg_at_end", start=T0 + 2 * HOUR),
            ]
        )

        window = (T0, T0 + 2 * HOUR)
        assert meetings.statuses_between(*window, calendar_id="cal_work") == {
            "mtg_at_start": MeetingStatus.SKIPPED,
            "mtg_inside": MeetingStatus.SCHEDULED,
        }
        assert meetings.statuses_between(*window) == {
            m.meeting_id: m.status for m in meetings.list_between(*window)
        }
        assert meetings.statuses_between(*window, calendar_id="cal_other") == {}
        assert meetings.statuses_between(T0 + 3 * HOUR, T0 + 4 * HOUR) == {}

    def test_statuses_between_follows_status_changes_and_exact_bounds(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meeting = make_meeting("mtg_1", start=T0)
        meetings.put(meeting)
        meetings.put(meeting.with_status(MeetingStatus.CANCELLED))
        half = timedelta(milliseconds=400)

        # Bounds in another zone, and below the second, as for list_between.
        assert meetings.statuses_between(
            datetime(2026, 12, 1, 3, 0, tzinfo=NEW_YORK), T0 + half
        ) == {"mtg_1": MeetingStatus.CANCELLED}
        assert meetings.statuses_between(T0 + half, T0 + HOUR) == {}

    def test_list_by_status_returns_that_status_ordered_by_start(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        scheduled = MeetingStatus.SCHEDULED
        meetings.put_many(
            [
                make_meeting("mtg_late", status=scheduled, start=T0 + 5 * HOUR),
                make_meeting("mtg_early", status=scheduled, start=T0 - 5 * HOUR),
                make_meeting("mtg_mid_b", status=scheduled, start=T0),
                make_meeting("mtg_mid_a", status=scheduled, start=T0),
                make_meeting("mtg_skipped", status=MeetingStatus.SKIPPED, start=T0),
                make_meeting("mtg_discovered", start=T0 + HOUR),
            ]
        )

        assert ids(meetings.list_by_status(scheduled)) == [
            "mtg_early",
            "mtg_mid_a",
            "mtg_mid_b",
            "mtg_late",
        ]
        assert ids(meetings.list_by_status(MeetingStatus.SKIPPED)) == ["mtg_skipped"]
        assert meetings.list_by_status(MeetingStatus.COMPLETED) == []

    def test_list_by_status_bounds_are_start_inclusive_end_exclusive(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        scheduled = MeetingStatus.SCHEDULED
        meetings.put_many(
            [
                make_meeting("mtg_before", status=scheduled, start=T0 - HOUR),
                make_meeting("mtg_at_start", status=scheduled, start=T0),
                make_meeting("mtg_inside", status=scheduled, start=T0 + HOUR),
                make_meeting("mtg_at_end", status=scheduled, start=T0 + 2 * HOUR),
                make_meeting("mtg_other_status", start=T0 + HOUR),
            ]
        )

        assert ids(meetings.list_by_status(scheduled, T0, T0 + 2 * HOUR)) == [
            "mtg_at_start",
            "mtg_inside",
        ]
        assert ids(meetings.list_by_status(scheduled, start_from=T0)) == [
            "mtg_at_start",
            "mtg_inside",
            "mtg_at_end",
        ]
        assert ids(meetings.list_by_status(scheduled, start_to=T0 + HOUR)) == [
            "mtg_before",
            "mtg_at_start",
        ]

    def test_changing_status_moves_the_meeting_between_status_lists(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meeting = make_meeting("mtg_1", status=MeetingStatus.SCHEDULED)
        meetings.put(meeting)
        assert ids(meetings.list_by_status(MeetingStatus.SCHEDULED)) == ["mtg_1"]

        meetings.put(meeting.with_status(MeetingStatus.NOTIFIED))

        assert meetings.list_by_status(MeetingStatus.SCHEDULED) == []
        notified = meetings.list_by_status(MeetingStatus.NOTIFIED)
        assert ids(notified) == ["mtg_1"]
        assert notified[0].status == MeetingStatus.NOTIFIED

    def test_list_series_returns_that_series_ordered_by_start(
        self, meetings: MeetingRepository, make_meeting: MakeMeeting
    ) -> None:
        meetings.put_many(
            [
                make_meeting("mtg_w3", series_id="ser_weekly", start=T0 + timedelta(days=14)),
                make_meeting("mtg_w1", series_id="ser_weekly", start=T0),
                make_meeting("mtg_w2", series_id="ser_weekly", start=T0 + timedelta(days=7)),
                make_meeting("mtg_other", series_id="ser_other", start=T0 + timedelta(days=1)),
                make_meeting("mtg_prefix", series_id="ser_weekly_2", start=T0),
            ]
        )

        assert ids(meetings.list_series("ser_weekly")) == ["mtg_w1", "mtg_w2", "mtg_w3"]
        assert ids(meetings.list_series("ser_other")) == ["mtg_other"]
        assert meetings.list_series("ser_unknown") == []


class TestSeriesOverrideRepository:
    def test_unknown_series_has_no_override(self, overrides: SeriesOverrideRepository) -> None:
        assert overrides.get("ser_1") is None
        assert overrides.all() == {}

    def test_set_then_get(self, overrides: SeriesOverrideRepository) -> None:
        overrides.set("ser_1", "one_on_one", T0)

        assert overrides.get("ser_1") == "one_on_one"
        assert overrides.get("ser_2") is None

    def test_setting_again_overwrites(self, overrides: SeriesOverrideRepository) -> None:
        overrides.set("ser_1", "one_on_one", T0)
        overrides.set("ser_1", "board", T0 + HOUR)

        assert overrides.get("ser_1") == "board"
        assert overrides.all() == {"ser_1": "board"}

    def test_all_returns_every_override(self, overrides: SeriesOverrideRepository) -> None:
        overrides.set("ser_1", "one_on_one", T0)
        overrides.set("ser_2", "board", T0)
        overrides.set("ser_3", "external", T0)

        assert overrides.all() == {"ser_1": "one_on_one", "ser_2": "board", "ser_3": "external"}


class TestChatSessionRepository:
    def test_a_stored_session_reads_back_equal(
        self, chat_sessions: ChatSessionRepository, make_session: MakeSession
    ) -> None:
        session = make_session(
            "ses_1",
            questions=("What outcome do you want?", "Anything to avoid?"),
            answers={"What outcome do you want?": "A signed term sheet"},
            task_token="tok-123",
            state="answered",
        )
        chat_sessions.put(session)

        got = chat_sessions.get("ses_1")

        assert got == session
        assert got is not None
        assert isinstance(got.questions, tuple)
        assert got.answers == {"What outcome do you want?": "A signed term sheet"}
        assert chat_sessions.get("ses_unknown") is None

    def test_update_changes_the_stored_session(
        self, chat_sessions: ChatSessionRepository, make_session: MakeSession
    ) -> None:
        chat_sessions.put(make_session("ses_1"))

        changed = chat_sessions.update(
            "ses_1", lambda s: s.model_copy(update={"task_token": "tok"})
        )

        assert changed is not None and changed.task_token == "tok"
        assert chat_sessions.get("ses_1") == changed
        assert chat_sessions.update("ses_missing", lambda s: s) is None

    def test_concurrent_session_updates_keep_both_changes(
        self, chat_sessions: ChatSessionRepository, make_session: MakeSession
    ) -> None:
        chat_sessions.put(make_session("ses_1"))
        start = threading.Barrier(2)

        def change(field: str, value: Any) -> Callable[[ChatSession], ChatSession]:
            def apply(session: ChatSession) -> ChatSession:
                time.sleep(0.01)
                return session.model_copy(update={field: value})

            return apply

        def attach() -> None:
            start.wait()
            chat_sessions.update("ses_1", change("task_token", "tok"))

        def answer() -> None:
            start.wait()
            chat_sessions.update("ses_1", change("answers", {"1": "yes"}))

        threads = [threading.Thread(target=attach), threading.Thread(target=answer)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stored = chat_sessions.get("ses_1")
        assert stored is not None
        assert (stored.task_token, stored.answers) == ("tok", {"1": "yes"})

    def test_put_overwrites(
        self, chat_sessions: ChatSessionRepository, make_session: MakeSession
    ) -> None:
        chat_sessions.put(make_session("ses_1", state="waiting"))
        chat_sessions.put(make_session("ses_1", state="answered", answers={"q": "a"}))

        got = chat_sessions.get("ses_1")
        assert got is not None
        assert got.state == "answered"
        assert got.answers == {"q": "a"}
        assert [s.session_id for s in chat_sessions.list_for_user("U_EXEC")] == ["ses_1"]

    def test_list_for_user_returns_that_users_sessions_oldest_first(
        self, chat_sessions: ChatSessionRepository, make_session: MakeSession
    ) -> None:
        for session_id, user_id, created_at in (
            ("ses_c", "U_EXEC", 3_000),
            ("ses_a", "U_EXEC", 1_000),
            ("ses_other", "U_OTHER", 2_000),
            ("ses_b", "U_EXEC", 2_000),
        ):
            chat_sessions.put(make_session(session_id, user_id=user_id, created_at=created_at))

        found = chat_sessions.list_for_user("U_EXEC")

        assert [s.session_id for s in found] == ["ses_a", "ses_b", "ses_c"]
        assert [s.session_id for s in chat_sessions.list_for_user("U_OTHER")] == ["ses_other"]
        assert chat_sessions.list_for_user("U_NOBODY") == []

    def test_list_for_user_created_after_is_exclusive(
        self, chat_sessions: ChatSessionRepository, make_session: MakeSession
    ) -> None:
        for session_id, created_at in (("ses_a", 1_000), ("ses_b", 2_000), ("ses_c", 3_000)):
            chat_sessions.put(make_session(session_id, created_at=created_at))

        def after(t: int) -> list[str]:
            return [s.session_id for s in chat_sessions.list_for_user("U_EXEC", created_after=t)]

        assert after(1_000) == ["ses_b", "ses_c"]
        assert after(1_999) == ["ses_b", "ses_c"]
        assert after(2_000) == ["ses_c"]
        assert after(3_000) == []

    def test_find_for_meeting(
        self, chat_sessions: ChatSessionRepository, make_session: MakeSession
    ) -> None:
        chat_sessions.put(make_session("ses_2", meeting_id="mtg_1", created_at=2_000))
        chat_sessions.put(make_session("ses_1", meeting_id="mtg_1", created_at=1_000))
        chat_sessions.put(make_session("ses_3", meeting_id="mtg_2", created_at=1_500))
        chat_sessions.put(
            make_session("ses_4", meeting_id="mtg_1", user_id="U_OTHER", created_at=3_000)
        )

        found = chat_sessions.find_for_meeting("mtg_1")

        assert [s.session_id for s in found] == ["ses_1", "ses_2", "ses_4"]
        assert [s.session_id for s in chat_sessions.find_for_meeting("mtg_2")] == ["ses_3"]
        assert chat_sessions.find_for_meeting("mtg_unknown") == []


class TestActionItemRepository:
    def test_a_stored_item_reads_back_equal(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        item = make_item(
            "act_1",
            meeting_id="mtg_1",
            series_id="ser_1",
            text="Send the deck to Priya",
            owner="Priya Raman",
            owner_resolved=True,
            due=date(2026, 12, 4),
            status=ItemStatus.OPEN,
            source_line=12,
            created_at=T0,
        )
        action_items.put_many([item])

        got = action_items.get("act_1")

        assert got == item
        assert got is not None
        assert got.due == date(2026, 12, 4)
        assert type(got.due) is date
        assert got.created_at == T0
        assert got.created_at.utcoffset() == timedelta(0)
        assert action_items.get("act_unknown") is None

    def test_optional_fields_read_back_as_none(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        item = make_item("act_1")
        action_items.put_many([item])

        got = action_items.get("act_1")

        assert got == item
        assert got is not None
        assert (got.owner, got.due, got.series_id) == (None, None, None)

    def test_list_returns_everything_ordered_by_creation(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        action_items.put_many(
            [
                make_item("act_c", created_at=T0 + 2 * HOUR),
                make_item("act_a", created_at=T0),
                make_item("act_b", created_at=T0 + HOUR),
            ]
        )
        action_items.put_many([make_item("act_0", created_at=T0 - HOUR)])

        assert [i.item_id for i in action_items.list()] == ["act_0", "act_a", "act_b", "act_c"]

    def test_list_orders_by_creation_below_the_second(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        action_items.put_many(
            [
                make_item("act_later", created_at=T0 + timedelta(milliseconds=500)),
                make_item("act_first", created_at=T0),
                make_item("act_last", created_at=T0 + timedelta(seconds=1)),
            ]
        )

        assert [i.item_id for i in action_items.list()] == ["act_first", "act_later", "act_last"]

    def test_list_by_owner_ignores_case(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        action_items.put_many(
            [
                make_item("act_1", owner="Priya Raman", created_at=T0),
                make_item("act_2", owner="priya raman", created_at=T0 + HOUR),
                make_item("act_3", owner="PRIYA RAMAN", created_at=T0 + 2 * HOUR),
                make_item("act_4", owner="Priya", created_at=T0 + 3 * HOUR),
                make_item("act_5", owner=None, created_at=T0 + 4 * HOUR),
                make_item("act_6", owner="Élodie Durand", created_at=T0 + 5 * HOUR),
            ]
        )

        def owned_by(owner: str) -> list[str]:
            return [i.item_id for i in action_items.list(owner=owner)]

        assert owned_by("priya RAMAN") == ["act_1", "act_2", "act_3"]
        assert owned_by("Priya") == ["act_4"]
        assert owned_by("ÉLODIE DURAND") == ["act_6"]
        assert owned_by("Sam") == []
        stored = action_items.get("act_3")
        assert stored is not None
        assert stored.owner == "PRIYA RAMAN"

    def test_list_filters(self, action_items: ActionItemRepository, make_item: MakeItem) -> None:
        done = ItemStatus.DONE
        action_items.put_many(
            [
                make_item("act_1", meeting_id="mtg_1", series_id="ser_a", owner="Sam"),
                make_item("act_2", meeting_id="mtg_1", series_id="ser_a", status=done),
                make_item("act_3", meeting_id="mtg_2", series_id="ser_a", owner="sam"),
                make_item("act_4", meeting_id="mtg_3", series_id=None, owner="Sam", status=done),
                make_item("act_5", meeting_id="mtg_3", series_id="ser_b"),
            ]
        )

        def listed(**filters: object) -> set[str]:
            return {i.item_id for i in action_items.list(**filters)}  # type: ignore[arg-type]

        assert listed() == {"act_1", "act_2", "act_3", "act_4", "act_5"}
        assert listed(open_only=True) == {"act_1", "act_3", "act_5"}
        assert listed(meeting_id="mtg_1") == {"act_1", "act_2"}
        assert listed(meeting_id="mtg_unknown") == set()
        assert listed(series_id="ser_a") == {"act_1", "act_2", "act_3"}
        assert listed(series_id="ser_b") == {"act_5"}
        assert listed(owner="SAM") == {"act_1", "act_3", "act_4"}
        assert listed(owner="sam", open_only=True) == {"act_1", "act_3"}
        assert listed(owner="sam", open_only=True, meeting_id="mtg_2") == {"act_3"}
        assert listed(owner="sam", series_id="ser_a", meeting_id="mtg_1") == {"act_1"}
        assert listed(open_only=True, series_id="ser_a", meeting_id="mtg_1") == {"act_1"}
        assert listed(owner="sam", open_only=True, meeting_id="mtg_3") == set()

    def test_filtered_lists_keep_creation_order(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        action_items.put_many(
            [
                make_item("act_3", owner="Sam", created_at=T0 + 2 * HOUR),
                make_item("act_1", owner="Sam", created_at=T0),
                make_item("act_2", owner="Sam", created_at=T0 + HOUR),
            ]
        )

        listed = action_items.list(owner="sam", open_only=True, meeting_id="mtg_0001")
        assert [i.item_id for i in listed] == ["act_1", "act_2", "act_3"]

    def test_completing_an_item_drops_it_from_the_open_list(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        item = make_item("act_1", owner="Sam")
        action_items.put_many([item, make_item("act_2", owner="Sam")])
        assert {i.item_id for i in action_items.list(open_only=True)} == {"act_1", "act_2"}

        action_items.put_many([item.model_copy(update={"status": ItemStatus.DONE})])

        assert [i.item_id for i in action_items.list(open_only=True)] == ["act_2"]
        assert [i.item_id for i in action_items.list(owner="sam", open_only=True)] == ["act_2"]
        got = action_items.get("act_1")
        assert got is not None
        assert got.status == ItemStatus.DONE
        assert len(action_items.list()) == 2

    def test_changing_the_owner_moves_the_item(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        item = make_item("act_1", owner="Sam")
        action_items.put_many([item])
        action_items.put_many([item.model_copy(update={"owner": "Priya"})])

        assert action_items.list(owner="sam") == []
        assert [i.item_id for i in action_items.list(owner="priya")] == ["act_1"]

    def test_replace_for_meeting_keeps_only_the_given_items_of_that_meeting(
        self, action_items: ActionItemRepository, make_item: MakeItem
    ) -> None:
        action_items.put_many(
            [
                make_item("act_1", meeting_id="mtg_a"),
                make_item("act_2", meeting_id="mtg_a"),
                make_item("act_3", meeting_id="mtg_b"),
            ]
        )

        action_items.replace_for_meeting(
            "mtg_a",
            [
                make_item("act_2", meeting_id="mtg_a", text="Changed"),
                make_item("act_4", meeting_id="mtg_a"),
            ],
        )

        assert [i.item_id for i in action_items.list(meeting_id="mtg_a")] == ["act_2", "act_4"]
        assert [i.item_id for i in action_items.list(meeting_id="mtg_b")] == ["act_3"]
        changed = action_items.get("act_2")
        assert changed is not None and changed.text == "Changed"
        assert action_items.get("act_1") is None

    def test_put_many_of_nothing_is_fine(self, action_items: ActionItemRepository) -> None:
        action_items.put_many([])
        assert action_items.list() == []


class TestDecisionRepository:
    def test_a_stored_decision_reads_back_equal(
        self, decisions: DecisionRepository, make_decision: MakeDecision
    ) -> None:
        decision = make_decision(
            "dec_1",
            meeting_id="mtg_1",
            series_id="ser_1",
            text="Go with vendor B",
            status=DecisionStatus.PENDING,
            source_line=7,
            created_at=T0,
        )
        decisions.put_many([decision])

        got = decisions.get("dec_1")

        assert got == decision
        assert got is not None
        assert got.created_at.utcoffset() == timedelta(0)
        assert decisions.get("dec_unknown") is None

    def test_optional_fields_read_back_as_none(
        self, decisions: DecisionRepository, make_decision: MakeDecision
    ) -> None:
        decision = make_decision("dec_1")
        decisions.put_many([decision])

        got = decisions.get("dec_1")

        assert got == decision
        assert got is not None
        assert (got.series_id, got.source_line) == (None, None)

    def test_list_returns_everything_ordered_by_creation(
        self, decisions: DecisionRepository, make_decision: MakeDecision
    ) -> None:
        decisions.put_many(
            [
                make_decision("dec_c", created_at=T0 + 2 * HOUR),
                make_decision("dec_a", created_at=T0),
                make_decision("dec_b", created_at=T0 + HOUR),
            ]
        )

        assert [d.decision_id for d in decisions.list()] == ["dec_a", "dec_b", "dec_c"]

    def test_list_orders_by_creation_below_the_second(
        self, decisions: DecisionRepository, make_decision: MakeDecision
    ) -> None:
        decisions.put_many(
            [
                make_decision("dec_later", created_at=T0 + timedelta(milliseconds=500)),
                make_decision("dec_first", created_at=T0),
            ]
        )

        assert [d.decision_id for d in decisions.list()] == ["dec_first", "dec_later"]

    def test_list_filters(self, decisions: DecisionRepository, make_decision: MakeDecision) -> None:
        pending, decided = DecisionStatus.PENDING, DecisionStatus.DECIDED
        decisions.put_many(
            [
                make_decision("dec_1", meeting_id="mtg_1", series_id="ser_a", status=pending),
                make_decision("dec_2", meeting_id="mtg_1", series_id="ser_a", status=decided),
                make_decision(
                    "dec_3", meeting_id="mtg_2", series_id="ser_a", status=DecisionStatus.SUPERSEDED
                ),
                make_decision("dec_4", meeting_id="mtg_2", series_id=None, status=pending),
                make_decision("dec_5", meeting_id="mtg_3", series_id="ser_b", status=pending),
            ]
        )

        def listed(**filters: object) -> set[str]:
            return {d.decision_id for d in decisions.list(**filters)}  # type: ignore[arg-type]

        assert listed() == {"dec_1", "dec_2", "dec_3", "dec_4", "dec_5"}
        assert listed(open_only=True) == {"dec_1", "dec_4", "dec_5"}
        assert listed(meeting_id="mtg_2") == {"dec_3", "dec_4"}
        assert listed(series_id="ser_a") == {"dec_1", "dec_2", "dec_3"}
        assert listed(series_id="ser_unknown") == set()
        assert listed(open_only=True, meeting_id="mtg_2") == {"dec_4"}
        assert listed(open_only=True, series_id="ser_a") == {"dec_1"}
        assert listed(open_only=True, series_id="ser_a", meeting_id="mtg_1") == {"dec_1"}
        assert listed(series_id="ser_b", meeting_id="mtg_1") == set()

    def test_deciding_drops_it_from_the_open_list(
        self, decisions: DecisionRepository, make_decision: MakeDecision
    ) -> None:
        decision = make_decision("dec_1", status=DecisionStatus.PENDING, created_at=T0)
        decisions.put_many(
            [decision, make_decision("dec_2", status=DecisionStatus.PENDING, created_at=T0 + HOUR)]
        )
        assert [d.decision_id for d in decisions.list(open_only=True)] == ["dec_1", "dec_2"]

        decisions.put_many([decision.model_copy(update={"status": DecisionStatus.DECIDED})])

        assert [d.decision_id for d in decisions.list(open_only=True)] == ["dec_2"]
        got = decisions.get("dec_1")
        assert got is not None
        assert got.status == DecisionStatus.DECIDED
        assert [d.decision_id for d in decisions.list()] == ["dec_1", "dec_2"]


class TestDecisionReplacement:
    def test_replace_for_meeting_keeps_only_the_given_decisions_of_that_meeting(
        self, decisions: DecisionRepository, make_decision: MakeDecision
    ) -> None:
        decisions.put_many(
            [
                make_decision("dec_1", meeting_id="mtg_a"),
                make_decision("dec_2", meeting_id="mtg_b"),
            ]
        )

        decisions.replace_for_meeting("mtg_a", [make_decision("dec_3", meeting_id="mtg_a")])

        assert [d.decision_id for d in decisions.list()] == ["dec_2", "dec_3"]
        decisions.replace_for_meeting("mtg_a", [])
        assert [d.decision_id for d in decisions.list()] == ["dec_2"]


class TestDeliveryRepository:
    def test_a_delivery_reads_back_and_is_overwritten_by_key(
        self, deliveries: DeliveryRepository
    ) -> None:
        sending = Delivery(
            key="prep-mtg_1-20261201T0900Z/SendPrepMaterials",
            meeting_id="mtg_1",
            kind="pack",
            state=DeliveryState.SENDING,
            updated_at=T0,
        )
        deliveries.put(sending)
        assert deliveries.get(sending.key) == sending
        sent = sending.model_copy(update={"state": DeliveryState.SENT, "attempts": 2})
        deliveries.put(sent)
        assert deliveries.get(sending.key) == sent
        assert deliveries.get("prep-other/SendPrepMaterials") is None


class TestCalendarStateRepository:
    def test_a_state_reads_back_and_is_overwritten(
        self, calendar_states: CalendarStateRepository
    ) -> None:
        assert calendar_states.get("cal_1") is None
        state = CalendarState(calendar_id="cal_1", events=12, updated_at=T0)
        calendar_states.put(state)
        assert calendar_states.get("cal_1") == state
        doubted = state.model_copy(update={"empty_since": T0 + HOUR})
        calendar_states.put(doubted)
        assert calendar_states.get("cal_1") == doubted
