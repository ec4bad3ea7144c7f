"""CalendarSource adapters: iCalendar files and URLs, Google Calendar, Microsoft 365."""
