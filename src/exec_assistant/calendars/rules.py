"""Recurrence rules the expanders cannot be trusted with, and what is wrong with them.

Both readers ask `rule_problem` about every RRULE icalendar can parse, so that they skip the
same series; `unreadable_rule_problem` words what is wrong with one it cannot parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from exec_assistant.calendars.wording import quoted

_MEETING_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY")
_FREQUENCIES = (*_MEETING_FREQUENCIES, "MINUTELY", "SECONDLY")
# (lowest, highest, whether negative values count from the end)
_RANGES = {
    "BYSECOND": (0, 59, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
}
_LONGEST_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31}
_LONGEST_MONTH |= {11: 30, 12: 31}
_WEEKDAY = re.compile(r"([+-]?)([0-9]{0,2})(MO|TU|WE|TH|FR|SA|SU)\Z", re.IGNORECASE)
_DATE_OR_TIME = re.compile(r"[0-9]{8}(T[0-9]{6}Z?)?\Z", re.IGNORECASE)


def rule_problem(rule: Any) -> str | None:
    """What is wrong with a parsed rule (icalendar's vRecur), or None when it can be expanded.

    Caught here rather than left to the expander: INTERVAL=0 never ends, a meeting every
    second or minute floods two weeks with up to a million instances, a value out of range
    makes dateutil fail with a message about something else, and BYMONTH=2;BYMONTHDAY=30
    sends it searching until the year 9999.
    """
    frequencies = [str(f).upper() for f in rule.get("FREQ", [])]
    if not frequencies:
        return "it has no FREQ (such as FREQ=WEEKLY)"
    for frequency in frequencies:
        if frequency in ("SECONDLY", "MINUTELY"):
            return f"FREQ={frequency} is not a meeting schedule"
    for interval in rule.get("INTERVAL", []):
        try:
            if int(interval) < 1:
                return f"INTERVAL must be 1 or more, not {interval}"
        except (TypeError, ValueError):
            return f"INTERVAL must be a whole number, not {quoted(str(interval))}"
    for part, (low, high, from_end) in _RANGES.items():
        problem = _range_problem(part, rule.get(part, []), low, high, from_end)
        if problem:
            return problem
    for day in rule.get("BYDAY", []):
        match = _WEEKDAY.match(str(day))
        if match is None:
            return f"BYDAY must list weekdays such as MO or 2TU, not {quoted(str(day))}"
        if match.group(2) and not 1 <= int(match.group(2)) <= 53:
            return f"BYDAY counts weeks from 1 to 53, not {quoted(str(day))}"
    return _too_often(rule, frequencies[0]) or _impossible_days(rule)


MOST_TIMES_A_DAY = 48
"""Every half hour, around the clock: more than that is not a meeting schedule."""


def _too_often(rule: Any, frequency: str) -> str | None:
    """BYHOUR, BYMINUTE and BYSECOND lists multiply: FREQ=DAILY with all 24 hours, 60 minutes
    and 60 seconds is a meeting every second, as FREQ=SECONDLY would be."""

    def count(part: str) -> int:
        return len(set(str(v) for v in rule.get(part, []))) or 1

    hours = count("BYHOUR")
    if frequency == "HOURLY" and not rule.get("BYHOUR"):
        intervals = [int(str(i)) for i in rule.get("INTERVAL", []) if str(i).isdigit()]
        hours = max(1, 24 // max(1, intervals[0] if intervals else 1))
    per_day = hours * count("BYMINUTE") * count("BYSECOND")
    if per_day > MOST_TIMES_A_DAY:
        return f"it happens {per_day} times a day, which is not a meeting schedule"
    return None


def _range_problem(
    part: str, values: Iterable[Any], low: int, high: int, from_end: bool
) -> str | None:
    span = f"between {low} and {high}" + (f" or between -{high} and -{low}" if from_end else "")
    for value in values:
        try:
            number = int(str(value))
        except ValueError:
            return f"{part} must list whole numbers {span}, not {quoted(str(value))}"
        if not (low <= number <= high or (from_end and -high <= number <= -low)):
            return f"{part} must be {span}, not {number}"
    return None


def _impossible_days(rule: Any) -> str | None:
    months = [int(str(m)) for m in rule.get("BYMONTH", [])]
    days = [int(str(d)) for d in rule.get("BYMONTHDAY", [])]
    if not months or not days:
        return None
    if any(abs(day) <= _LONGEST_MONTH[month] for month in months for day in days):
        return None
    return (
        f"it never happens: BYMONTHDAY={','.join(map(str, days))} does not exist in "
        f"BYMONTH={','.join(map(str, months))}"
    )


def unreadable_rule_problem(text: str) -> str:
    """What is wrong with a rule icalendar could not parse, in the rule's own terms."""
    for part in (p for p in text.split(";") if p):
        name, equals, value = part.partition("=")
        name = name.strip().upper()
        values = value.split(",")
        if not equals:
            return f"{quoted(part)} is not NAME=value"
        if name == "FREQ" and value.upper() not in _FREQUENCIES:
            return f"FREQ must be one of {', '.join(_MEETING_FREQUENCIES)}, not {quoted(value)}"
        if name in ("COUNT", "INTERVAL") and not value.strip().lstrip("+-").isdigit():
            return f"{name} must be a whole number, not {quoted(value)}"
        if name == "UNTIL" and not _DATE_OR_TIME.match(value):
            return (
                f"UNTIL must be a date (20261231) or a time (20261231T170000Z), not {quoted(value)}"
            )
        if name in ("BYDAY", "WKST") and not all(_WEEKDAY.match(v) for v in values):
            example = "MO or 2TU" if name == "BYDAY" else "MO"
            return f"{name} must name weekdays such as {example}, not {quoted(value)}"
        if name in _RANGES and not all(v.strip().lstrip("+-").isdigit() for v in values):
            return f"{name} must list whole numbers, not {quoted(value)}"
    return f"it is not a recurrence rule that can be read: {quoted(text)}"
