"""Expansion by recurring_ical_events, series by series when one of them fails."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

import icalendar
import recurring_ical_events

from exec_assistant.calendars.ics_reference.values import describe, raw_text, values_of
from exec_assistant.calendars.wording import quoted, skipped

log = logging.getLogger(__name__)


def expand(
    calendar: icalendar.Calendar,
    start: datetime,
    end: datetime,
    warnings: list[str],
    derived: set[str],
) -> list[Any]:
    try:
        return list(recurring_ical_events.of(calendar).between(start, end))
    except Exception:  # a series the expander rejects: find the one to blame
        log.info("calendar expansion failed; expanding series one by one")
    by_uid: dict[str, list[Any]] = defaultdict(list)
    others = []
    for component in calendar.subcomponents:
        if component.name == "VEVENT":
            by_uid[str(component["UID"])].append(component)
        else:
            others.append(component)
    occurrences: list[Any] = []
    for components in by_uid.values():
        single = icalendar.Calendar()
        if "X-WR-TIMEZONE" in calendar:  # the other series keep the calendar's zone
            single["X-WR-TIMEZONE"] = calendar["X-WR-TIMEZONE"]
        single.subcomponents = [*others, *components]
        try:
            occurrences.extend(list(recurring_ical_events.of(single).between(start, end)))
        except Exception as exc:
            log.debug("series expansion failed", exc_info=True)
            first = components[0]
            warnings.append(skipped(describe(first, derived), _expansion_problem(first, exc)))
    return occurrences


def _out_of_range(exc: Exception) -> bool:
    return isinstance(exc, OverflowError) or "out of range" in str(exc)


def _expansion_problem(component: Any, exc: Exception) -> str:
    if _out_of_range(exc):
        return f"its dates fall outside the years 1 to 9999 once worked out ({_timing(component)})"
    return f"its occurrences cannot be worked out from {_timing(component)}"


def conversion_problem(component: Any, exc: Exception) -> str:
    if _out_of_range(exc):
        return f"its times fall outside the years 1 to 9999 in UTC ({_timing(component)})"
    return f"its times cannot be read ({_timing(component)})"


def _timing(component: Any) -> str:
    """DTSTART '20261201T100000', RRULE 'FREQ=DAILY;BYSETPOS=0': what places the event."""
    facts = []
    for name in ("DTSTART", "DTEND", "DURATION", "RRULE"):
        for value in values_of(component, name):
            facts.append(f"{name} {quoted(raw_text(value))}")
    return ", ".join(facts) or "no dates"
