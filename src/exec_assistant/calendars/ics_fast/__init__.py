"""A fast reader for iCalendar files, for what calendars really publish.

The reference path in `ics_reference` (icalendar, then recurring_ical_events) builds an object for
every property of every event and copies every occurrence with all of its attendees; on a
large calendar that is most of a sync. This package reads the same bytes straight into what
a CalendarEvent needs and expands series with dateutil.

It must give exactly what the reference gives: the same events and the same warnings. So
the expansion is a port of recurring_ical_events' own rules (window overlap, EXDATE
matching, RECURRENCE-ID overrides, its UNTIL repairs), not a fresh reading of RFC 5545, and
the reader accepts only values whose meaning it knows to be the same as icalendar's.
Anything else raises `FastPathDeclined`, and the caller reads the whole file the reference
way. An event this reader cannot read, or a series it cannot expand, is not judged here: the
reference path is asked, on that event or series alone, whether it is broken and with which
warning, so the wording is its own and the rest of the file stays on the fast path.

A file may hold several VCALENDAR objects (RFC 5545 §3.4); each is read on its own, with its
own time zones, as the reference reads them.

The modules, in the order the bytes go through them: `lines` (decoding, unfolding, content
lines), `values` (time zones, dates, durations, rules), `reader` (the component tree),
`recurrence` (expansion) and `events` (from occurrences to CalendarEvents).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from exec_assistant.calendars.ics_fast.contract import FastFetch, FastPathDeclined, Reference
from exec_assistant.calendars.ics_fast.events import Expander
from exec_assistant.calendars.ics_fast.lines import decode, unfold
from exec_assistant.calendars.ics_fast.reader import Reader

__all__ = ["FastFetch", "FastPathDeclined", "Reference", "read_fast"]


def read_fast(
    data: bytes,
    *,
    calendar_id: str,
    default_zone: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    reference: Reference,
) -> FastFetch:
    """The events of `data` overlapping the window, as the reference path would give them."""
    lines = unfold(decode(data))
    calendars = Reader(lines).read()
    return Expander(calendars, calendar_id, default_zone, window_start, window_end, reference).run()
