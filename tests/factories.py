"""Builders for test data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from exec_assistant.domain.context import ContextRequest
from exec_assistant.domain.models import (
    Attendee,
    CalendarEvent,
    Meeting,
    MeetingStatus,
    ModelCall,
    ResponseStatus,
)
from exec_assistant.settings import Settings, load_settings

NEW_YORK = ZoneInfo("America/New_York")
EXEC = "jordan.lee@northwind.example"


def person(
    name: str, response: ResponseStatus = ResponseStatus.ACCEPTED, domain: str = "northwind.example"
) -> Attendee:
    return Attendee(
        email=f"{name.lower().replace(' ', '.')}@{domain}", name=name, response=response
    )


ME = Attendee(email=EXEC, name="Jordan Lee", response=ResponseStatus.ACCEPTED)


def event(
    title: str = "Sync",
    *,
    start: datetime = datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    minutes: int = 60,
    attendees: tuple[Attendee, ...] | None = None,
    organizer: Attendee | None = ME,
    uid: str = "evt-1@test",
    recurrence_id: datetime | None = None,
    all_day: bool = False,
    cancelled: bool = False,
) -> CalendarEvent:
    return CalendarEvent(
        calendar_id="ics_test",
        uid=uid,
        recurrence_id=recurrence_id,
        title=title,
        start=start,
        end=start + timedelta(minutes=minutes),
        timezone="America/New_York",
        all_day=all_day,
        cancelled=cancelled,
        organizer=organizer,
        attendees=attendees if attendees is not None else (ME, person("Priya Raman")),
    )


NEW_YORK_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE"""


def vevent(
    uid: str,
    summary: str,
    start: str,
    end: str | None = None,
    *,
    tz: str | None = "America/New_York",
    attendees: list[str] | None = None,
    organizer: str = f"mailto:{EXEC}",
    extra: list[str] | None = None,
) -> str:
    """One VEVENT; `start`/`end` like 20261202T100000 (or 20261209 for a date)."""

    def prop(name: str, value: str) -> str:
        if len(value) == 8:
            return f"{name};VALUE=DATE:{value}"
        if tz and not value.endswith("Z"):
            return f"{name};TZID={tz}:{value}"
        return f"{name}:{value}"

    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", prop("DTSTART", start)]
    if end:
        lines.append(prop("DTEND", end))
    lines += [f"SUMMARY:{summary}", f"ORGANIZER;CN=Jordan Lee:{organizer}"]
    for attendee in (
        attendees
        if attendees is not None
        else [
            f"CN=Jordan Lee;PARTSTAT=ACCEPTED:mailto:{EXEC}",
            "CN=Priya Raman;PARTSTAT=ACCEPTED:mailto:priya.raman@northwind.example",
        ]
    ):
        lines.append(f"ATTENDEE;{attendee}")
    lines += extra or []
    lines.append("END:VEVENT")
    return "\n".join(lines)


def calendar_text(*events: str, name: str = "Test calendar") -> str:
    return "\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//exec-assistant tests//EN",
            f"X-WR-CALNAME:{name}",
            NEW_YORK_VTIMEZONE,
            *events,
            "END:VCALENDAR",
            "",
        ]
    )


LEADERS = [
    f"CN=Jordan Lee;PARTSTAT=ACCEPTED:mailto:{EXEC}",
    "CN=Priya Raman;PARTSTAT=ACCEPTED:mailto:priya.raman@northwind.example",
    "CN=Marcus Webb;PARTSTAT=ACCEPTED:mailto:marcus.webb@northwind.example",
]
"""ATTENDEE parameters and addresses of a small leadership meeting."""


def stamp(instant: datetime) -> str:
    """An instant as an iCalendar UTC value."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def stored_meeting(
    title: str = "Leadership team",
    *,
    start: datetime = datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    minutes: int = 60,
    meeting_type: str | None = "leadership_team",
    status: MeetingStatus = MeetingStatus.MATERIALS_READY,
    model_calls: tuple[ModelCall, ...] = (),
    generated_by: str | None = None,
    fallback_reason: str | None = None,
    meeting_id: str | None = None,
) -> Meeting:
    """A meeting record as the assistant stores it, ready for a repository's `put`."""
    ident = meeting_id or f"mtg_{abs(hash((title, start))):016x}"
    return Meeting(
        meeting_id=ident,
        calendar_id="ics_test",
        series_id=f"ser_{ident}",
        source_uid=f"{ident}@test",
        title=title,
        start=start,
        end=start + timedelta(minutes=minutes),
        timezone="America/New_York",
        attendees=(ME, person("Priya Raman")),
        meeting_type=meeting_type,
        status=status,
        prep_at=start - timedelta(hours=24),
        reminder_at=start - timedelta(hours=2),
        generated_by=generated_by,
        fallback_reason=fallback_reason,
        model_calls=model_calls,
        discovered_at=start - timedelta(days=14),
        updated_at=start - timedelta(days=1),
    )


def model_call(
    at: datetime,
    *,
    purpose: str = "pack",
    provider: str = "anthropic",
    model_id: str = "claude-sonnet-4-6",
    input_tokens: int = 10_000,
    output_tokens: int = 2_000,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
    cost_usd: float | None = 0.06,
    outcome: str = "ok",
) -> ModelCall:
    """One model call; the cost is given, as the agent computed it when it made the call."""
    return ModelCall(
        purpose=purpose,
        provider=provider,
        model_id=model_id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        cost_usd=cost_usd,
        seconds=4.2,
        at=at,
        outcome=outcome,
    )


EXAMPLE_CONTEXT = Path(__file__).resolve().parents[1] / "examples" / "context"


def rig_settings(tmp_path: Path, config: Path, calendar: Path, **more: Any) -> Settings:
    """The settings of a test's own assistant: its data folder under `tmp_path`, the given
    config folder and calendar, the example context, the executive in New York."""
    settings, _ = load_settings(
        {
            "home": tmp_path / "data",
            "config_dir": config,
            "user_email": EXEC,
            "timezone": "America/New_York",
            "context_dir": EXAMPLE_CONTEXT,
            "calendars": [str(calendar)],
            **more,
        }
    )
    return settings


def context_request(now: datetime, **overrides: Any) -> ContextRequest:
    """What a context provider is asked at `now`, for an organisation-wide meeting the next
    day unless `overrides` say otherwise (scope="people", people=(...) for a 1:1)."""
    fields: dict[str, Any] = {
        "meeting_id": "m-1",
        "series_id": "s-1",
        "meeting_type": "staff_meeting",
        "title": "Infrastructure Leadership Team",
        "start": now + timedelta(days=1),
        "now": now,
        **overrides,
    }
    return ContextRequest(**fields)
