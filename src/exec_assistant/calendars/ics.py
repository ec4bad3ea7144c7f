"""iCalendar (RFC 5545) calendars from a file or an http(s)/webcal URL."""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from exec_assistant.calendars.ics_fast import FastPathDeclined, read_fast
from exec_assistant.calendars.rules import rule_problem
from exec_assistant.domain.errors import CalendarUnavailable
from exec_assistant.domain.models import Attendee, CalendarEvent, ResponseStatus
from exec_assistant.ports import CalendarFetch

log = logging.getLogger(__name__)

_PARTSTAT = {
    "ACCEPTED": ResponseStatus.ACCEPTED,
    "DECLINED": ResponseStatus.DECLINED,
    "TENTATIVE": ResponseStatus.TENTATIVE,
}
_REMOTE_SCHEMES = ("http://", "https://", "webcal://")


def is_url(location: str) -> bool:
    return location.lower().startswith(_REMOTE_SCHEMES)


Parser = Literal["auto", "full"]
"""`auto` reads with the fast reader and falls back to the full one for what it does not
reproduce exactly; `full` always uses icalendar and recurring_ical_events (the reference)."""


class IcsCalendarSource:
    """Reads one iCalendar feed and expands it into event instances within a window."""

    def __init__(
        self,
        location: str,
        *,
        default_zone: ZoneInfo,
        timeout_seconds: float = 30,
        parser: Parser = "auto",
    ):
        self._location = location
        self._default_zone = default_zone
        self._timeout = timeout_seconds
        self._parser = parser
        if is_url(location):
            canonical = (
                "https://" + location[len("webcal://") :]
                if location.lower().startswith("webcal://")
                else location
            )
            self._url: str | None = canonical
            self._path: Path | None = None
        else:
            self._url = None
            self._path = Path(location).expanduser().resolve()
            canonical = str(self._path)
        self._calendar_id = "ics_" + hashlib.sha256(canonical.encode()).hexdigest()[:12]

    @property
    def calendar_id(self) -> str:
        return self._calendar_id

    @property
    def location(self) -> str:
        return self._location

    def fetch(self, window_start: datetime, window_end: datetime) -> CalendarFetch:
        data = self._read()
        if self._parser == "auto" and _looks_like_calendar(data):
            try:
                fast = read_fast(
                    data,
                    calendar_id=self._calendar_id,
                    default_zone=self._default_zone,
                    window_start=window_start,
                    window_end=window_end,
                    reference=_Reference(self, window_start, window_end),
                )
            except FastPathDeclined as exc:
                log.info(
                    "calendar read in full",
                    extra={"calendar_id": self._calendar_id, "reason": str(exc)},
                )
            except Exception as exc:  # a fault in the fast reader must not cost the calendar
                log.warning(
                    "calendar read in full",
                    exc_info=True,
                    extra={
                        "calendar_id": self._calendar_id,
                        "reason": f"fast reader failed: {exc}",
                    },
                )
            else:
                name = fast.name or self._location
                return CalendarFetch(self._calendar_id, name, fast.events, fast.warnings)
        return self._fetch_full(data, window_start, window_end)

    def _fetch_full(
        self, data: bytes, window_start: datetime, window_end: datetime
    ) -> CalendarFetch:
        """The reference: icalendar parses, recurring_ical_events expands."""
        calendar = self._parse(data)
        warnings = _drop_broken_events(calendar)
        recurring = _recurring_uids(calendar)
        events: list[CalendarEvent] = []
        for component in _expand(calendar, window_start, window_end, warnings):
            try:
                events.append(self._to_event(component, recurring))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                warnings.append(f"skipped event {_describe(component)}: {exc}")
        name = str(calendar.get("X-WR-CALNAME") or self._location)
        return CalendarFetch(self._calendar_id, name, events, warnings)

    def _read(self) -> bytes:
        if self._path is not None:
            try:
                return self._path.read_bytes()
            except FileNotFoundError:
                raise CalendarUnavailable(
                    self._location, "no such file", hint="Check the path given with --calendar."
                ) from None
            except IsADirectoryError:
                raise CalendarUnavailable(self._location, "is a folder, not a file") from None
            except OSError as exc:
                raise CalendarUnavailable(self._location, exc.strerror or str(exc)) from None
        assert self._url is not None
        request = urllib.request.Request(
            self._url, headers={"User-Agent": "exec-assistant", "Accept": "text/calendar"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            raise CalendarUnavailable(self._location, f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise CalendarUnavailable(
                self._location,
                f"unreachable ({exc.reason})",
                hint="Check the URL and your network; "
                "meetings already stored are kept as they are.",
            ) from None
        except (TimeoutError, OSError) as exc:
            raise CalendarUnavailable(self._location, f"unreachable ({exc})") from None

    def _parse(self, data: bytes) -> icalendar.Calendar:
        if not _looks_like_calendar(data):
            raise CalendarUnavailable(self._location, "not an iCalendar file (no BEGIN:VCALENDAR)")
        try:
            return icalendar.Calendar.from_ical(data)
        except ValueError as exc:
            raise CalendarUnavailable(self._location, f"not valid iCalendar: {exc}") from None

    def _to_event(self, component: Any, recurring: set[str]) -> CalendarEvent:
        uid = str(component["UID"])
        start_value = component["DTSTART"].dt
        all_day = isinstance(start_value, date) and not isinstance(start_value, datetime)
        start = self._instant(start_value)
        if "DTEND" in component:
            end = self._instant(component["DTEND"].dt)
        elif "DURATION" in component:
            end = start + component["DURATION"].dt
        else:
            end = start + (timedelta(days=1) if all_day else timedelta(0))
        end = max(end, start)
        recurrence_id = None
        if uid in recurring and "RECURRENCE-ID" in component:
            recurrence_id = self._instant(component["RECURRENCE-ID"].dt)
        organizer = _person(component.get("ORGANIZER"), ResponseStatus.ACCEPTED)
        raw_attendees = component.get("ATTENDEE") or []
        if not isinstance(raw_attendees, list):
            raw_attendees = [raw_attendees]
        attendees = tuple(
            a for a in (_person(r, ResponseStatus.NEEDS_ACTION) for r in raw_attendees) if a
        )
        return CalendarEvent(
            calendar_id=self._calendar_id,
            uid=uid,
            recurrence_id=recurrence_id,
            title=str(component.get("SUMMARY") or "(no title)").strip(),
            description=str(component.get("DESCRIPTION") or "").strip(),
            location=str(component.get("LOCATION") or "").strip(),
            start=start,
            end=end,
            timezone=self._zone_name(start_value),
            all_day=all_day,
            cancelled=str(component.get("STATUS") or "").upper() == "CANCELLED",
            organizer=organizer,
            attendees=attendees,
        )

    def _instant(self, value: date | datetime) -> datetime:
        if not isinstance(value, datetime):
            return datetime.combine(value, time(0), tzinfo=self._default_zone).astimezone(UTC)
        if value.tzinfo is None:
            # Floating time: the executive's own wall clock.
            return value.replace(tzinfo=self._default_zone).astimezone(UTC)
        return value.astimezone(UTC)

    def _zone_name(self, value: date | datetime) -> str:
        zone: tzinfo | None = value.tzinfo if isinstance(value, datetime) else None
        if zone is None:
            return self._default_zone.key
        key = getattr(zone, "key", None)
        if key:
            return str(key)
        if value.utcoffset() == timedelta(0):  # type: ignore[union-attr]
            return "UTC"
        return self._default_zone.key


def _looks_like_calendar(data: bytes) -> bool:
    return b"BEGIN:VCALENDAR" in data[:4096].upper()


class _Reference:
    """The full path, asked by the fast reader about the events it cannot judge alone."""

    def __init__(self, source: IcsCalendarSource, window_start: datetime, window_end: datetime):
        self._source = source
        self._window = (window_start, window_end)

    def drop_warnings(self, calendar_text: str) -> list[str]:
        try:
            return _drop_broken_events(icalendar.Calendar.from_ical(calendar_text))
        except ValueError:
            return []  # the fast reader then declines the whole file

    def expansion_warnings(self, calendar_text: str) -> list[str]:
        try:
            return self._source._fetch_full(calendar_text.encode(), *self._window).warnings
        except CalendarUnavailable:
            return []


def _person(value: Any, default_response: ResponseStatus) -> Attendee | None:
    if value is None:
        return None
    address = str(value)
    email = address[7:] if address.lower().startswith("mailto:") else address
    email = email.strip()
    if not email:
        return None
    params = getattr(value, "params", {})
    name = params.get("CN")
    partstat = str(params.get("PARTSTAT", "")).upper()
    return Attendee(
        email=email.lower(),
        name=str(name).strip() if name else None,
        response=_PARTSTAT.get(partstat, default_response),
    )


def _describe(component: Any) -> str:
    summary = component.get("SUMMARY")
    uid = component.get("UID")
    label = f"'{summary}'" if summary else "(no title)"
    return f"{label} (UID {uid})" if uid else label


def _drop_broken_events(calendar: icalendar.Calendar) -> list[str]:
    """Remove VEVENTs that cannot be read, so one bad event does not sink the calendar."""
    warnings: list[str] = []
    kept = []
    for component in calendar.subcomponents:
        if component.name != "VEVENT":
            kept.append(component)
            continue
        problem = _event_problem(component)
        if problem is None:
            kept.append(component)
        else:
            warnings.append(f"skipped event {_describe(component)}: {problem}")
    calendar.subcomponents = kept
    return warnings


def _event_problem(component: Any) -> str | None:
    if not component.get("UID"):
        return "it has no UID"
    if "DTSTART" not in component:
        return "it has no DTSTART"
    for prop in ("DTSTART", "DTEND", "RECURRENCE-ID", "DURATION", "RRULE", "EXDATE", "RDATE"):
        if prop not in component:
            continue
        errors = [msg for name, msg in getattr(component, "errors", []) if name == prop]
        if errors:
            return f"{prop}: {errors[0]}"
        values = component[prop]
        for value in values if isinstance(values, list) else [values]:
            try:
                if prop == "RRULE":
                    value.to_ical()
                    problem = rule_problem(value)
                    if problem:
                        return f"RRULE: {problem}"
                elif prop in ("EXDATE", "RDATE"):
                    _ = [item.dt for item in value.dts]
                else:
                    _ = value.dt
            except Exception as exc:  # icalendar raises several error types for bad values
                return f"{prop}: {exc}"
    return None


def _recurring_uids(calendar: icalendar.Calendar) -> set[str]:
    return {
        str(c["UID"])
        for c in calendar.walk("VEVENT")
        if "RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c
    }


def _expand(
    calendar: icalendar.Calendar, start: datetime, end: datetime, warnings: list[str]
) -> list[Any]:
    try:
        return list(recurring_ical_events.of(calendar).between(start, end))
    except Exception:  # a rule the expander rejects: find the series to blame
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
        single.subcomponents = [*others, *components]
        try:
            occurrences.extend(recurring_ical_events.of(single).between(start, end))
        except Exception as exc:
            warnings.append(f"skipped event {_describe(components[0])}: {exc}")
    return occurrences
