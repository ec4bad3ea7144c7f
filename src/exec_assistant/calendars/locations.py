"""What a configured calendar is: an iCalendar file or URL, or a calendar of an API account.

`google:primary`, `google:team@group.calendar.google.com`, `microsoft:primary` and
`microsoft:<calendar id>` name calendars read through the Google Calendar and Microsoft Graph
APIs; anything else is an iCalendar file path or an http(s)/webcal URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

API_PROVIDERS = ("google", "microsoft")
PRIMARY = "primary"


@dataclass(frozen=True)
class ApiCalendar:
    provider: str
    """`google` or `microsoft`."""
    calendar: str
    """The provider's calendar id, or `primary` for the account's own calendar."""

    @property
    def location(self) -> str:
        return f"{self.provider}:{self.calendar}"


def api_calendar(location: str) -> ApiCalendar | None:
    """The API calendar `location` names, or None for an iCalendar file or URL.

    `google:` alone is the primary calendar. Raises ValueError for a provider name with
    something wrong after it (blank, or a URL-looking `google://x`)."""
    provider, colon, calendar = location.strip().partition(":")
    if not colon or provider.lower() not in API_PROVIDERS:
        return None
    calendar = calendar.strip()
    if calendar.startswith("//"):
        raise ValueError(
            f"{location!r} is not a calendar: write {provider.lower()}:primary, or "
            f"{provider.lower()}:<calendar id>"
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in calendar):
        raise ValueError(f"{location!r} holds a control character")
    return ApiCalendar(provider.lower(), calendar or PRIMARY)


def google_calendar_of_ics_url(url: str) -> str | None:
    """The Google calendar id an iCalendar address of Google's serves
    (`https://calendar.google.com/calendar/ical/<id>/private-…/basic.ics`), or None.

    Such a feed and `google:<id>` are the same calendar: its meetings get the same ids
    whichever way they are read."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in ("calendar.google.com", "www.google.com"):
        return None
    segments = parts.path.split("/")
    try:
        index = segments.index("ical")
    except ValueError:
        return None
    if index + 1 >= len(segments) or not segments[index + 1]:
        return None
    return unquote(segments[index + 1])


def google_identity(calendar_id: str) -> str:
    """The calendar identity (what meeting ids derive from) of a Google calendar."""
    return f"google:{calendar_id}"


def microsoft_identity(calendar_id: str) -> str:
    """The calendar identity of a Microsoft 365 calendar, by its Graph id."""
    return f"microsoft:{calendar_id}"
