"""Time-boxing: sections scale to the meeting's real length and sum to it exactly."""

from __future__ import annotations

import pytest

from exec_assistant.domain.agenda import time_box
from exec_assistant.domain.meeting_types import AgendaSectionTemplate, MeetingTypeCatalog


def sections(*minutes: int) -> list[AgendaSectionTemplate]:
    return [AgendaSectionTemplate(title=f"S{i}", minutes=m) for i, m in enumerate(minutes)]


def test_every_shipped_agenda_sums_exactly_for_every_length(catalog: MeetingTypeCatalog) -> None:
    for meeting_type in catalog:
        for total in range(1, 241):
            items = time_box(meeting_type.agenda, total)
            assert sum(i.minutes for i in items) == total, (meeting_type.id, total)
            assert all(i.minutes > 0 for i in items)


def test_offsets_are_contiguous() -> None:
    items = time_box(sections(10, 20, 30), 45)
    assert [i.start_offset_minutes for i in items] == [0, items[0].minutes, 45 - items[2].minutes]


def test_a_template_of_the_right_length_is_kept_as_is() -> None:
    assert [i.minutes for i in time_box(sections(10, 15, 15, 15, 5), 60)] == [10, 15, 15, 15, 5]


def test_sections_scale_in_proportion() -> None:
    # A 60-minute template in a 30-minute meeting: everything halves.
    assert [i.minutes for i in time_box(sections(10, 20, 30), 30)] == [5, 10, 15]
    # and doubles in a 2-hour one.
    assert [i.minutes for i in time_box(sections(10, 20, 30), 120)] == [20, 40, 60]


def test_five_minute_boxes_when_the_length_allows() -> None:
    items = time_box(sections(10, 15, 15, 15, 5), 45)
    assert all(i.minutes % 5 == 0 for i in items)
    assert sum(i.minutes for i in items) == 45


def test_odd_lengths_use_whole_minutes() -> None:
    items = time_box(sections(10, 20, 30), 37)
    assert sum(i.minutes for i in items) == 37
    assert [i.minutes for i in items] == [6, 12, 19]


def test_a_very_short_meeting_keeps_the_weightiest_sections() -> None:
    items = time_box(sections(5, 20, 5, 10), 2)
    assert [i.title for i in items] == ["S1", "S3"]
    assert [i.minutes for i in items] == [1, 1]


@pytest.mark.parametrize("total", [0, -5])
def test_no_time_no_agenda(total: int) -> None:
    assert time_box(sections(10, 20), total) == []
