"""The stream: every VCALENDAR object of a file, or why the file cannot be read."""

from __future__ import annotations

import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from icalendar.parser.ical.calendar import CalendarIcalParser

from exec_assistant.calendars.ics_reference.values import first
from exec_assistant.calendars.wording import quoted
from exec_assistant.domain.errors import CalendarUnavailable

log = logging.getLogger(__name__)

TRUNCATED = "the file ends before END:VCALENDAR: it may be truncated"
TRUNCATED_HINT = "Download or export the calendar again; meetings already stored are kept."


class _FileProblem(Exception):
    """What makes the whole file unreadable, worded for the user."""


class _StreamParser(CalendarIcalParser):
    """icalendar's parser, with the file-level errors it raises worded for a person."""

    def handle_property(self, name: str, params: Any, vals: str, line: Any) -> None:
        if self.component is None and name != "X-COMMENT":
            raise _FileProblem(f"{name} appears outside BEGIN:VCALENDAR … END:VCALENDAR")
        super().handle_property(name, params, vals, line)

    def handle_end_component(self, vals: str) -> None:
        if self.component is None:
            raise _FileProblem(f"END:{vals.upper()} has no BEGIN:{vals.upper()} before it")
        if vals.upper() != "VTIMEZONE":
            super().handle_end_component(vals)
            return
        try:  # icalendar builds a zone it does not know at its END, and may fail
            super().handle_end_component(vals)
        except Exception:  # the zone stays unbuilt: its events are read with a notice
            log.debug("VTIMEZONE not built", exc_info=True)

    def handle_line_parse_error(self, exception: Exception) -> None:
        component = self.component
        if component is None or not component.ignore_exceptions:
            raise _FileProblem(_unreadable_line(exception)) from None
        super().handle_line_parse_error(exception)

    def handle_property_parse_error(
        self, exception: Exception, name: str, params: Any, val: str, line: Any
    ) -> None:
        component = self.component
        if component is not None and not component.ignore_exceptions and name[:2] != "X-":
            raise _FileProblem(
                f"{name} in {component.name} has a value that cannot be read: {quoted(val)}"
            ) from None
        super().handle_property_parse_error(exception, name, params, val, line)


_CONTENT_LINE_ERROR = re.compile(r"Content line could not be parsed into parts: '(.*)': ", re.S)


def _unreadable_line(exception: Exception) -> str:
    match = _CONTENT_LINE_ERROR.match(str(exception))
    if match is None:
        return "a line is not NAME:value"
    return f"a line is not NAME:value: {quoted(match.group(1))}"


def parse_stream(data: bytes, location: str) -> list[icalendar.Calendar]:
    """Every VCALENDAR object of the file (RFC 5545 §3.4: a stream may hold several)."""
    if not _ends_with_end_vcalendar(data):
        raise CalendarUnavailable(location, TRUNCATED, hint=TRUNCATED_HINT)
    parser = _StreamParser(data, icalendar.ComponentFactory(), icalendar.Calendar.types_factory)
    try:
        components = parser.parse()
    except _FileProblem as exc:
        raise CalendarUnavailable(location, f"not valid iCalendar: {exc}") from None
    except Exception:  # icalendar raises several types for what it cannot read
        log.debug("calendar parse failed", exc_info=True)
        raise CalendarUnavailable(
            location, "not valid iCalendar: its structure cannot be read"
        ) from None
    open_component = parser.component
    if open_component is not None:
        inside = "" if open_component.name == "VCALENDAR" else f" inside a {open_component.name}"
        raise CalendarUnavailable(
            location,
            f"the file ends{inside} before END:VCALENDAR: it may be truncated, "
            "or an END line is missing",
            hint=TRUNCATED_HINT,
        )
    for component in components:
        if component.name != "VCALENDAR":
            raise CalendarUnavailable(
                location,
                f"not valid iCalendar: a {component.name} outside BEGIN:VCALENDAR … END:VCALENDAR",
            )
    if not components:
        raise CalendarUnavailable(location, "not an iCalendar file (no BEGIN:VCALENDAR)")
    return [component for component in components if isinstance(component, icalendar.Calendar)]


_END_VCALENDAR = re.compile(rb"^END:VCALENDAR", re.IGNORECASE | re.MULTILINE)
_BEGIN_VCALENDAR = re.compile(rb"^BEGIN:VCALENDAR", re.IGNORECASE | re.MULTILINE)


def _ends_with_end_vcalendar(data: bytes) -> bool:
    """Whether the last VCALENDAR of the file is closed: a cheap look before parsing, so that
    a file cut in the middle of a line is reported as cut, not as a bad line."""
    for part in (data[-65536:], data):  # the end of a file is nearly always near its end
        last_end = -1
        for match in _END_VCALENDAR.finditer(part):
            last_end = match.end()
        if last_end >= 0:
            return _BEGIN_VCALENDAR.search(part, last_end) is None
    return False


def check_wr_timezone(calendar: icalendar.Calendar, warnings: list[str], default: str) -> None:
    """X-WR-TIMEZONE moves floating and UTC times into a zone; a name that is no zone would
    fail every series, so it is left out, with a word."""
    value = calendar.get("X-WR-TIMEZONE")
    if value is None:
        return
    try:
        ZoneInfo(str(value))
    except Exception:  # zoneinfo raises several types for a bad key
        del calendar["X-WR-TIMEZONE"]
        warnings.append(
            f"X-WR-TIMEZONE {quoted(str(first(value)))} is not a time zone; it is left out, "
            f"and times without a zone are read as {default} time"
        )


def calendar_name(calendar: icalendar.Calendar) -> str | None:
    value = first(calendar.get("X-WR-CALNAME"))
    return str(value) if value else None
