"""A Graph event as the CalendarEvent the iCalendar reader gives for the same event in
Outlook's iCalendar export, so that a meeting read both ways is one meeting, not two.

- The UID: a lone event's `iCalUId`; an occurrence or exception carries one of its own, but
  the export names every instance by its series master's, which the caller looks up.
- The recurrence id: an occurrence's or exception's `originalStart`, as RECURRENCE-ID.
- All-day events: their dates, as midnight in the executive's zone (the export writes
  VALUE=DATE, which the reader places there).
- The zone: Outlook names zones the Windows way ("Pacific Standard Time") and the export
  defines each in a VTIMEZONE, which the reader labels as UTC when it is at UTC offset then,
  else as the executive's zone; a zone named the IANA way keeps its name.
- Responses: Graph's attendee `status.response` as PARTSTAT; the calendar owner's own
  answer is the event's `responseStatus`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from exec_assistant.calendars.event_fields import (
    DESCRIPTION_LIMIT,
    LOCATION_LIMIT,
    NAME_LIMIT,
    TITLE_LIMIT,
    clean_text,
)
from exec_assistant.domain.models import Attendee, CalendarEvent, ResponseStatus

RESPONSES = {
    "accepted": ResponseStatus.ACCEPTED,
    "declined": ResponseStatus.DECLINED,
    "tentativelyaccepted": ResponseStatus.TENTATIVE,
    "organizer": ResponseStatus.ACCEPTED,
}
"""Graph's responses that change an attendee's; `none` and `notResponded` leave it at
NEEDS-ACTION, as the export's PARTSTAT does."""
SERIES_TYPES = frozenset({"occurrence", "exception"})
INSTANCE_TYPES = frozenset({"singleInstance", *SERIES_TYPES})
_MIDNIGHT = time(0)


class UnreadableEvent(Exception):
    """An event whose fields cannot be read: `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MappingContext:
    calendar_id: str
    default_zone: ZoneInfo
    owner: str | None
    """The calendar owner's address (lowercase): whose answer `responseStatus` is."""
    series_uids: Mapping[str, str]
    """The iCalUId of each series master, by its id."""


def event_type(raw: Mapping[str, Any]) -> str:
    kind = raw.get("type")
    return kind if isinstance(kind, str) else "singleInstance"


def series_master_id(raw: Mapping[str, Any]) -> str | None:
    """The id of the series an occurrence or exception belongs to, or None."""
    master = raw.get("seriesMasterId")
    if event_type(raw) in SERIES_TYPES and isinstance(master, str) and master:
        return master
    return None


def to_event(raw: Mapping[str, Any], context: MappingContext) -> CalendarEvent:
    """The instance `raw` describes; UnreadableEvent when its fields cannot be read."""
    kind = event_type(raw)
    if kind not in INSTANCE_TYPES:
        raise UnreadableEvent(f"it is a {kind!r}, not an event instance")
    master = series_master_id(raw)
    if kind in SERIES_TYPES and master is None:
        raise UnreadableEvent(f"it is an {kind} without the id of its series")
    uid = context.series_uids.get(master) if master else _text(raw.get("iCalUId"))
    if not uid:
        raise UnreadableEvent("it has no iCalUId")
    all_day = raw.get("isAllDay") is True
    event_zone = zone_named(_text(raw.get("originalStartTimeZone")))
    start_moment = _moment(raw.get("start"), "start")
    end_moment = _moment(raw.get("end"), "end") if raw.get("end") is not None else None
    try:
        if all_day:
            start = _midnight(_all_day_date(start_moment, event_zone), context.default_zone)
            end = (
                _midnight(_all_day_date(end_moment, event_zone), context.default_zone)
                if end_moment is not None
                else start + timedelta(days=1)
            )
            zone_label = context.default_zone.key
        else:
            start = start_moment.astimezone(UTC)
            end = end_moment.astimezone(UTC) if end_moment is not None else start
            zone_label = _zone_label(raw.get("originalStartTimeZone"), start, context)
        recurrence_id = _recurrence_id(raw, all_day, event_zone, context) if master else None
    except (OverflowError, ValueError):
        raise UnreadableEvent("its times fall outside the years 1 to 9999") from None
    return CalendarEvent(
        calendar_id=context.calendar_id,
        uid=uid,
        recurrence_id=recurrence_id,
        title=clean_text(_text(raw.get("subject")), TITLE_LIMIT) or "(no title)",
        description=clean_text(_description(raw), DESCRIPTION_LIMIT),
        location=clean_text(_location(raw.get("location")), LOCATION_LIMIT),
        start=start,
        end=max(end, start),
        timezone=zone_label,
        all_day=all_day,
        cancelled=raw.get("isCancelled") is True,
        organizer=_organizer(raw.get("organizer")),
        attendees=_attendees(raw, context.owner),
    )


def describe(raw: Mapping[str, Any]) -> str:
    """How a warning names an event: its subject, cleaned and short."""
    subject = clean_text(_text(raw.get("subject")), 80)
    return f"event {subject!r}" if subject else "an event with no subject"


def zone_named(name: str) -> tzinfo | None:
    """The zone a Graph `timeZone` names: an IANA name or a Windows one; None if unknown."""
    if not name:
        return None
    if name in WINDOWS_TO_OLSON:
        name = WINDOWS_TO_OLSON[name]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _zone_label(value: object, start: datetime, context: MappingContext) -> str:
    name = _text(value)
    if name and name not in WINDOWS_TO_OLSON and zone_named(name) is not None:
        return name
    zone = zone_named(name)
    if zone is not None and start.astimezone(zone).utcoffset() == timedelta(0):
        return "UTC"
    return context.default_zone.key


def _moment(value: object, what: str) -> datetime:
    """A dateTimeTimeZone (`{"dateTime": "2026-12-01T15:00:00.0000000", "timeZone":
    "UTC"}`) as an aware datetime."""
    if not isinstance(value, dict):
        raise UnreadableEvent(f"its {what} is not a date and time")
    text, zone_name = _text(value.get("dateTime")), _text(value.get("timeZone")) or "UTC"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UnreadableEvent(f"its {what} {text[:40]!r} is not a date and time") from None
    if moment.tzinfo is not None:
        return moment
    zone = zone_named(zone_name)
    if zone is None:
        raise UnreadableEvent(f"its {what} is in an unknown time zone {zone_name[:60]!r}")
    return moment.replace(tzinfo=zone)


def _all_day_date(moment: datetime, event_zone: tzinfo | None) -> date:
    """An all-day event's date. Graph gives all-day events at midnight, in the zone asked
    for; one given at another hour was moved to that zone from its own: its date is there."""
    if moment.time() == _MIDNIGHT:
        return moment.date()
    return moment.astimezone(event_zone or UTC).date()


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, _MIDNIGHT, tzinfo=zone).astimezone(UTC)


def _recurrence_id(
    raw: Mapping[str, Any], all_day: bool, event_zone: tzinfo | None, context: MappingContext
) -> datetime:
    text = _text(raw.get("originalStart"))
    try:
        original = datetime.fromisoformat(text)
    except ValueError:
        raise UnreadableEvent("its originalStart is not a date and time") from None
    if original.tzinfo is None:
        original = original.replace(tzinfo=UTC)  # a DateTimeOffset in UTC, as Graph writes it
    if all_day:
        in_utc = original.astimezone(UTC)
        day = in_utc.date() if in_utc.time() == _MIDNIGHT else _all_day_date(in_utc, event_zone)
        return _midnight(day, context.default_zone)
    return original.astimezone(UTC)


def _description(raw: Mapping[str, Any]) -> str:
    body = raw.get("body")
    if isinstance(body, dict) and str(body.get("contentType", "")).lower() == "text":
        return _text(body.get("content"))
    return _text(raw.get("bodyPreview"))  # an HTML body: Graph's text preview of it


def _location(value: object) -> str:
    return _text(value.get("displayName")) if isinstance(value, dict) else ""


def _address(value: object) -> tuple[str, str | None] | None:
    """(email, name) of a recipient (`{"emailAddress": {"name", "address"}}`)."""
    if not isinstance(value, dict):
        return None
    email = value.get("emailAddress")
    if not isinstance(email, dict):
        return None
    address = _text(email.get("address")).strip()
    if not address:
        return None
    name = clean_text(_text(email.get("name")), NAME_LIMIT) or None
    return address.lower(), name


def _organizer(value: object) -> Attendee | None:
    found = _address(value)
    if found is None:
        return None
    return Attendee(email=found[0], name=found[1], response=ResponseStatus.ACCEPTED)


def _attendees(raw: Mapping[str, Any], owner: str | None) -> tuple[Attendee, ...]:
    listed = raw.get("attendees")
    if not isinstance(listed, list):
        return ()
    own = _response(raw.get("responseStatus"))
    attendees = []
    for item in listed:
        found = _address(item)
        if found is None:
            continue
        email, name = found
        status = item.get("status") if isinstance(item, dict) else None
        response = _response(status) or ResponseStatus.NEEDS_ACTION
        if owner and email == owner and own is not None:
            response = own
        attendees.append(Attendee(email=email, name=name, response=response))
    return tuple(attendees)


def _response(value: object) -> ResponseStatus | None:
    if not isinstance(value, dict):
        return None
    response = value.get("response")
    return RESPONSES.get(response.lower()) if isinstance(response, str) else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
