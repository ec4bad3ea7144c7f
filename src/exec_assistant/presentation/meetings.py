"""Meetings as JSON, and as a table that reads well from 60 to 200 columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.text import Text

from exec_assistant.display_text import TITLE_LIMIT, safe_text
from exec_assistant.domain.models import Meeting, MeetingStatus
from exec_assistant.domain.usage import total
from exec_assistant.presentation.fitted_table import TableColumn, fitted_table, total_width
from exec_assistant.presentation.times import DateStyle, iso
from exec_assistant.presentation.usage import (
    compact_tokens,
    cost_text,
    totals_json,
)

STATUS_STYLE = {
    MeetingStatus.SCHEDULED: "green",
    MeetingStatus.SKIPPED: "dim",
    MeetingStatus.CANCELLED: "red",
    MeetingStatus.COMPLETED: "blue",
    MeetingStatus.FAILED: "bold red",
}
_SETTLED = frozenset({MeetingStatus.SKIPPED, MeetingStatus.CANCELLED})
"""Meetings the assistant will not prepare, for a reason worth showing."""
REASON_LIMIT = 200
"""A skip reason, classification reason or prep error in a table cell."""


def meeting_json(meeting: Meeting, executive_zone: ZoneInfo) -> dict[str, Any]:
    zone = ZoneInfo(meeting.timezone)
    return {
        "meeting_id": meeting.meeting_id,
        "calendar_id": meeting.calendar_id,
        "series_id": meeting.series_id,
        "title": meeting.title,
        "start": iso(meeting.start, zone),
        "end": iso(meeting.end, zone),
        "timezone": meeting.timezone,
        "all_day": meeting.all_day,
        "meeting_type": meeting.meeting_type,
        "classification_reason": meeting.classification_reason,
        "type_overridden": meeting.type_overridden,
        "status": meeting.status.value,
        "skip_reason": meeting.skip_reason,
        "prep_at": iso(meeting.prep_at, executive_zone),
        "reminder_at": iso(meeting.reminder_at, executive_zone),
        "workflow_id": meeting.workflow_id,
        "prep_attempt": meeting.prep_attempt,
        "prep_error": meeting.prep_error,
        "retry_at": iso(meeting.retry_at, executive_zone),
        "pack_location": meeting.pack_location,
        "generated_by": meeting.generated_by,
        "fallback_reason": meeting.fallback_reason,
        "model_usage": totals_json(total(meeting.model_calls)),
        "model_calls": [
            {
                "purpose": c.purpose,
                "provider": c.provider,
                "model_id": c.model_id,
                "input_tokens": c.input_tokens,
                "output_tokens": c.output_tokens,
                "cache_read_tokens": c.cache_read_tokens,
                "cache_write_tokens": c.cache_write_tokens,
                "cost_usd": c.cost_usd,
                "seconds": c.seconds,
                "at": iso(c.at, executive_zone),
                "outcome": c.outcome,
            }
            for c in meeting.model_calls
        ],
        "organizer": (
            {"email": meeting.organizer.email, "name": meeting.organizer.name}
            if meeting.organizer
            else None
        ),
        "attendees": [
            {"email": a.email, "name": a.name, "response": a.response.value}
            for a in meeting.attendees
        ],
        "location": meeting.location,
    }


FALLBACK_MARK = "*"
"""After "offline" or a cost: the configured model did not write the pack (see --json)."""


def model_text(meeting: Meeting) -> Text:
    """What the meeting's model calls cost ("$0.012", "$0.012+" when some were to a model
    with no price), their tokens when none had a price ("12k tok"), "offline" for a pack
    written without a model, "—" for neither; marked with * when the offline generator stood
    in for the configured model."""
    calls = total(meeting.model_calls)
    fallback = FALLBACK_MARK if meeting.fallback_reason else ""
    if calls.calls and calls.unpriced_calls == calls.calls:
        used = (
            calls.input_tokens
            + calls.output_tokens
            + calls.cache_read_tokens
            + calls.cache_write_tokens
        )
        return Text(compact_tokens(used) + fallback)
    if calls.calls:
        return Text(cost_text(calls) + fallback)
    if meeting.generated_by == "offline" or meeting.fallback_reason:
        return Text("offline" + fallback, style="dim")
    return Text("—", style="dim")


def short_id(meeting_id: str) -> str:
    """The first characters of the id: enough to tell meetings apart, accepted by commands."""
    return meeting_id.removeprefix("mtg_")[:8]


def status_text(status: MeetingStatus) -> Text:
    """`materials_ready` reads "materials ready", and may wrap between its words."""
    return Text(status.value.replace("_", " "), style=STATUS_STYLE.get(status, "yellow"))


# The columns that may be left out, most useful first, and the date styles, in the order a
# wider terminal earns them.
_UPGRADES: tuple[str | DateStyle, ...] = (
    "Prep",
    "Type",
    DateStyle.COMPACT,
    "Model",
    "Min",
    "Reminder",
    "Why",
    DateStyle.LONG,
)
_ORDER = ("ID", "Start", "Min", "Meeting", "Type", "Status", "Prep", "Reminder", "Model", "Why")


@dataclass(frozen=True)
class _Layout:
    shown: frozenset[str] = frozenset({"ID", "Start", "Meeting", "Status"})
    dates: DateStyle = DateStyle.STACKED


def meetings_table(
    meetings: Sequence[Meeting],
    zone: ZoneInfo,
    type_names: dict[str, str],
    now: datetime,
    width: int,
) -> RenderableType:
    """One row a meeting, with as many columns as `width` allows, and a line naming the
    columns left out.

    ID, start, title and status are always there; then, while the title keeps a fifth of the
    width (at least 16 cells), the prep time, the type, dates on one line, what the models
    cost (once any meeting has a pack or a model call), the length, the reminder, the reason,
    and the month. At 80 columns that is, for the demo's fortnight, everything but length,
    reminder and reason. Times are never cut, titles wrap between words, and the reason a
    meeting is skipped, cancelled or failed goes under its title when the Why column is left
    out, as what the models cost goes under the prep time when the Model column is.
    """
    cells = _MeetingCells(meetings, zone, type_names, now)
    # The Model column only once a pack was written or a model called: until then it says
    # nothing.
    offered = [u for u in _UPGRADES if u != "Model" or cells.model_offered]
    layout = _Layout()
    blocked = False
    for upgrade in offered:
        if isinstance(upgrade, DateStyle):
            trial = replace(layout, dates=upgrade)
        elif blocked:
            continue
        else:
            trial = replace(layout, shown=layout.shown | {upgrade})
        if total_width(cells.columns(trial, width)) <= width:
            layout = trial
        elif isinstance(upgrade, str):
            blocked = True  # a less useful column never takes the place of a more useful one
    table = fitted_table(cells.columns(layout, width), width)
    # Without its column, what the models cost goes under the prep time.
    folded = {"Model"} if "Prep" in layout.shown else set()
    hidden = [
        name
        for name in _ORDER
        if name not in layout.shown and name in offered and name not in folded
    ]
    notes = []
    if hidden:
        notes.append(
            f"Hidden at {width} columns: {', '.join(hidden)} (widen the terminal or use --json)."
        )
    if cells.model_offered and "Model" not in layout.shown and "Prep" in layout.shown:
        notes.append("Under the prep time: what the meeting's model calls cost.")
    if any(m.fallback_reason for m in meetings):
        notes.append(
            f"{FALLBACK_MARK} the offline generator wrote the pack instead of the model "
            "(why: --json)."
        )
    if not notes:
        return table
    return Group(table, *(Text(note, style="dim") for note in notes))


def _has_model_info(meeting: Meeting) -> bool:
    return bool(meeting.model_calls or meeting.generated_by or meeting.fallback_reason)


class _MeetingCells:
    """Every cell each layout may need, built once."""

    def __init__(
        self,
        meetings: Sequence[Meeting],
        zone: ZoneInfo,
        type_names: dict[str, str],
        now: datetime,
    ) -> None:
        self._meetings = meetings
        self._zone = zone
        self._now = now
        self.ids = [safe_text(short_id(m.meeting_id)) for m in meetings]
        self.minutes = [Text("" if m.all_day else str(m.duration_minutes)) for m in meetings]
        self.titles = [safe_text(m.title, limit=TITLE_LIMIT) for m in meetings]
        self.titles_with_reason = [
            self._title_with_reason(m, t) for m, t in zip(meetings, self.titles, strict=True)
        ]
        self.types = [
            safe_text(type_names.get(m.meeting_type or "", m.meeting_type or ""), limit=TITLE_LIMIT)
            for m in meetings
        ]
        self.statuses = [status_text(m.status) for m in meetings]
        self.reasons = [self._reason(m) for m in meetings]
        self.models = [model_text(m) for m in meetings]
        self.model_offered = any(_has_model_info(m) for m in meetings)
        self._dates: dict[DateStyle, tuple[list[Text], list[Text], list[Text]]] = {}

    def columns(self, layout: _Layout, width: int) -> list[TableColumn]:
        starts, preps, reminders = self._dates_in(layout.dates)
        if self.model_offered and "Model" not in layout.shown:
            preps = [
                Text.assemble(prep, "\n", model) if _has_model_info(m) else prep
                for m, prep, model in zip(self._meetings, preps, self.models, strict=True)
            ]
        why_shown = "Why" in layout.shown
        title_width = max(16, width // 5)
        every = {
            "ID": TableColumn("ID", self.ids, style="cyan"),
            "Start": TableColumn("Start", starts),
            "Min": TableColumn("Min", self.minutes, justify="right"),
            "Meeting": TableColumn(
                "Meeting",
                self.titles if why_shown else self.titles_with_reason,
                wrap=True,
                comfortable=title_width,
                # A longer word (a pasted link) is folded rather than push out a column.
                word_cap=title_width,
            ),
            "Type": TableColumn("Type", self.types, wrap=True),
            "Status": TableColumn("Status", self.statuses, wrap=True),
            "Prep": TableColumn("Prep", preps),
            "Reminder": TableColumn("Reminder", reminders),
            "Model": TableColumn("Model", self.models, justify="right"),
            "Why": TableColumn("Why", self.reasons, wrap=True, comfortable=24),
        }
        return [every[name] for name in _ORDER if name in layout.shown]

    def _dates_in(self, style: DateStyle) -> tuple[list[Text], list[Text], list[Text]]:
        if style not in self._dates:
            # The month is worth its width only in the start; prep and reminder stay compact.
            other = DateStyle.COMPACT if style is DateStyle.LONG else style
            self._dates[style] = (
                [self._start(m, style) for m in self._meetings],
                [self._when(m.prep_at, other) for m in self._meetings],
                [self._when(m.reminder_at, other) for m in self._meetings],
            )
        return self._dates[style]

    def _start(self, meeting: Meeting, style: DateStyle) -> Text:
        if meeting.all_day:
            return Text(style.all_day(meeting.start, self._zone))
        return Text(style.instant(meeting.start, self._zone))

    def _when(self, value: datetime | None, style: DateStyle) -> Text:
        if value is None:
            return Text("—")
        return Text(style.instant(value, self._zone), style="dim" if value <= self._now else "")

    @staticmethod
    def _reason(meeting: Meeting) -> Text:
        if meeting.status == MeetingStatus.FAILED:
            return safe_text(
                meeting.prep_error or "the prep failed", limit=REASON_LIMIT, style="red"
            )
        reason = (
            meeting.skip_reason if meeting.status in _SETTLED else meeting.classification_reason
        )
        return safe_text(reason or "", limit=REASON_LIMIT, style="dim")

    @staticmethod
    def _title_with_reason(meeting: Meeting, title: Text) -> Text:
        if meeting.status == MeetingStatus.FAILED:
            error = meeting.prep_error or "the prep failed"
            return Text.assemble(title, "\n", safe_text(error, limit=REASON_LIMIT, style="red"))
        if meeting.status in _SETTLED and meeting.skip_reason:
            reason = safe_text(f"({meeting.skip_reason})", limit=REASON_LIMIT, style="dim")
            return Text.assemble(title, " ", reason)
        return title
