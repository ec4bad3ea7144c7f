"""Time-boxing: an agenda template scaled to the meeting's real length."""

from __future__ import annotations

from collections.abc import Sequence

from exec_assistant.domain.meeting_types import AgendaSectionTemplate
from exec_assistant.domain.models import AgendaItem


def _granularity(total: int, sections: int) -> int:
    # Five-minute boxes read better, when the meeting allows one for every section.
    if total % 5 == 0 and total >= 5 * sections:
        return 5
    return 1


def time_box(sections: Sequence[AgendaSectionTemplate], total_minutes: int) -> list[AgendaItem]:
    """Sections with minutes proportional to the template, summing to `total_minutes` exactly.

    Largest-remainder rounding keeps the proportions; every section keeps at least one unit
    when the meeting is long enough, otherwise the lightest sections are left out.
    """
    if total_minutes <= 0 or not sections:
        return []
    unit = _granularity(total_minutes, len(sections))
    units = total_minutes // unit
    kept = list(sections)
    if units < len(kept):
        by_weight = sorted(range(len(kept)), key=lambda i: (-kept[i].minutes, i))[:units]
        kept = [kept[i] for i in sorted(by_weight)]
    weight = sum(s.minutes for s in kept)
    floors = [max(1, s.minutes * units // weight) for s in kept]
    while sum(floors) > units:
        # The minimum of one unit overshot: take back from the largest boxes.
        largest = max(range(len(floors)), key=lambda i: (floors[i], -i))
        floors[largest] -= 1
    remainders = sorted(
        range(len(kept)),
        key=lambda i: (-(kept[i].minutes * units / weight - floors[i]), i),
    )
    for i in remainders[: units - sum(floors)]:
        floors[i] += 1
    items: list[AgendaItem] = []
    offset = 0
    for section, count in zip(kept, floors, strict=True):
        minutes = count * unit
        items.append(
            AgendaItem(
                title=section.title,
                minutes=minutes,
                start_offset_minutes=offset,
                purpose=section.purpose,
            )
        )
        offset += minutes
    return items
