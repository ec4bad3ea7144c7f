"""A Google Calendar API event (one instance, as `events.list` with `singleEvents` gives it)
→ the CalendarEvent the iCalendar readers give for the same event in Google's own iCalendar
feed of the calendar, so that a meeting read either way is one meeting with one id.

What Google's feed writes, and so what is read here:
- UID is the event's `iCalUID`; every instance of a recurring event shares its series' UID
  and carries RECURRENCE-ID, its `originalStartTime`, whether it was moved or not.
- A one-off timed event is written in UTC under the feed's X-WR-TIMEZONE (the calendar's
  zone), which the readers name as the event's zone; an instance of a recurring event is
  written with the series' TZID (its `start.timeZone`).
- An all-day event is a DATE: midnight in the executive's zone, named by that zone.
- ORGANIZER has no PARTSTAT (the readers take the organizer as accepted); each ATTENDEE has
  the PARTSTAT of its `responseStatus` and a CN only when the attendee has a display name.
- A cancelled event, or a cancelled instance of a series, is not in the feed at all (an
  EXDATE of its series): here it is no event (`is_cancelled`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exec_assistant.calendars.event_fields import (
    DESCRIPTION_LIMIT,
    LOCATION_LIMIT,
    NAME_LIMIT,
    TITLE_LIMIT,
    clean_text,
)
from exec_assistant.calendars.wording import describe_event
from exec_assistant.domain.models import Attendee, CalendarEvent, ResponseStatus

RESPONSE_STATUS = {
    "accepted": ResponseStatus.ACCEPTED,
    "declined": ResponseStatus.DECLINED,
    "tentative": ResponseStatus.TENTATIVE,
    "needsAction": ResponseStatus.NEEDS_ACTION,
}
"""An attendee's `responseStatus` as the PARTSTAT Google's feed writes for it."""

FIELDS = (
    "items(id,iCalUID,status,summary,description,location,start,end,recurringEventId,"
    "originalStartTime,organizer(email,displayName),attendees(email,displayName,"
    "responseStatus)),nextPageToken,nextSyncToken,summary,timeZone"
)
"""What `events.list` is asked to send back: the fields read here, and no more."""


class UnreadableEvent(ValueError):
    """The item cannot be placed in time; `problem` says why, for the sync's warnings."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def is_cancelled(item: Mapping[str, Any]) -> bool:
    return item.get("status") == "cancelled"


def describe_item(item: Mapping[str, Any]) -> str:
    """'Board sync' (UID 3po7…@google.com), as the iCalendar readers name an event."""
    summary = item.get("summary")
    uid = item.get("iCalUID")
    return describe_event(
        summary if isinstance(summary, str) else None, uid if isinstance(uid, str) else None
    )


def calendar_event(
    item: Mapping[str, Any],
    *,
    calendar_id: str,
    calendar_zone: str | None,
    default_zone: ZoneInfo,
) -> CalendarEvent:
    """The event instance `item` is; raises UnreadableEvent. `calendar_zone` is the
    calendar's `timeZone` (what the feed's X-WR-TIMEZONE says)."""
    start_field, end_field = _field(item, "start"), _field(item, "end")
    if start_field is None:
        raise UnreadableEvent("it has no start")
    series = _text(item.get("recurringEventId"))
    start = _instant(start_field, "start", default_zone)
    if end_field is not None:
        end = _instant(end_field, "end", default_zone)
    else:
        end = start + (timedelta(days=1) if "date" in start_field else timedelta(0))
    recurrence_id = None
    if series:
        original = _field(item, "originalStartTime")
        if original is None:
            raise UnreadableEvent("it is an instance of a series but has no original start")
        recurrence_id = _instant(original, "original start", default_zone)
    return CalendarEvent(
        calendar_id=calendar_id,
        uid=_uid(item, series),
        recurrence_id=recurrence_id,
        title=clean_text(_text(item.get("summary")), TITLE_LIMIT) or "(no title)",
        description=clean_text(_text(item.get("description")), DESCRIPTION_LIMIT),
        location=clean_text(_text(item.get("location")), LOCATION_LIMIT),
        start=start,
        end=max(end, start),
        timezone=_zone_name(start_field, series, calendar_zone, default_zone),
        all_day="date" in start_field,
        organizer=_person(item.get("organizer"), ResponseStatus.ACCEPTED),
        attendees=tuple(
            a
            for a in (
                _person(p, RESPONSE_STATUS.get(_text(_get(p, "responseStatus")), _NEEDS))
                for p in _list(item.get("attendees"))
            )
            if a is not None
        ),
    )


_NEEDS = ResponseStatus.NEEDS_ACTION


def _uid(item: Mapping[str, Any], series: str) -> str:
    uid = _text(item.get("iCalUID")).strip()
    if uid:
        return uid
    # Google's own events are `<event id>@google.com` in its feed; an instance is its series'.
    own = series or _text(item.get("id"))
    if not own:
        raise UnreadableEvent("it has neither an iCalUID nor an id")
    return f"{own}@google.com"


def _instant(value: Mapping[str, Any], what: str, default_zone: ZoneInfo) -> datetime:
    day = value.get("date")
    if isinstance(day, str):
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            raise UnreadableEvent(f"its {what} date {day[:40]!r} is not a date") from None
        return datetime.combine(parsed, time(0), tzinfo=default_zone).astimezone(UTC)
    moment = value.get("dateTime")
    if not isinstance(moment, str):
        raise UnreadableEvent(f"its {what} has neither a date nor a time")
    try:
        parsed_time = datetime.fromisoformat(moment)
    except ValueError:
        raise UnreadableEvent(f"its {what} {moment[:40]!r} is not a date and time") from None
    if parsed_time.tzinfo is None:  # allowed when timeZone names the zone
        parsed_time = parsed_time.replace(tzinfo=_zone(value.get("timeZone")) or default_zone)
    try:
        return parsed_time.astimezone(UTC)
    except OverflowError:
        raise UnreadableEvent(f"its {what} {moment[:40]!r} is out of range") from None


def _zone_name(
    start: Mapping[str, Any], series: str, calendar_zone: str | None, default_zone: ZoneInfo
) -> str:
    if "date" in start:
        return default_zone.key
    if series:
        own = _zone(start.get("timeZone"))
        if own is not None:
            return own.key
    zone = _zone(calendar_zone)
    return zone.key if zone is not None else "UTC"


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _person(value: object, response: ResponseStatus) -> Attendee | None:
    email = _text(_get(value, "email")).strip()
    if not email:
        return None
    return Attendee(
        email=email.lower(),
        name=clean_text(_text(_get(value, "displayName")), NAME_LIMIT) or None,
        response=response,
    )


def _field(item: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    value = item.get(name)
    return value if isinstance(value, Mapping) and value else None


def _get(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, Mapping) else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
