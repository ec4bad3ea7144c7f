"""Microsoft 365 calendars through Microsoft Graph.

The modules, from the wire up: `graph_http` (requests within a deadline, throttling
honoured), `authorization` (the stored authorization and its renewal), `graph_client` (GETs
as the signed-in user, Graph's errors), `delta_round` (one round of `calendarView/delta`),
`event_mapping` (a Graph event as the iCalendar reader would give it), `source` (the
CalendarSource with its incremental sync), `wording` (what the executive is told), and
`device_sign_in` (`calendars add microsoft`).
"""

from exec_assistant.calendars.microsoft.source import MicrosoftCalendarSource

__all__ = ["MicrosoftCalendarSource"]
