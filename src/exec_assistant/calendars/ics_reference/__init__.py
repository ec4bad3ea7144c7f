"""The reference reading of iCalendar data: icalendar parses, recurring_ical_events expands.

This is what a calendar means to the product. The fast reader (`ics_fast`) must give exactly
what this gives, and asks it about the events it cannot judge. Beyond the two libraries it
reads a stream of several VCALENDAR objects (RFC 5545 §3.4), each with its own time zones
and X-WR-TIMEZONE; skips an event it cannot read with a warning that names the property and
its value; and gives an event without a UID one derived from its start, title and organizer.

The modules, in the order a file goes through them: `stream` (the objects of a file, or why
it cannot be read), `preparation` (events skipped, noted, or given a UID), `zones` (each
object's own VTIMEZONEs), `expansion`, and `reader` (the whole pass, and the conversion to
CalendarEvents); `values` reads icalendar's property values for all of them.
"""

from exec_assistant.calendars.ics_reference.reader import ReferenceRead, ReferenceReader
from exec_assistant.calendars.ics_reference.stream import TRUNCATED, parse_stream

__all__ = ["TRUNCATED", "ReferenceRead", "ReferenceReader", "parse_stream"]
