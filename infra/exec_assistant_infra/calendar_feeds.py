"""The executive's calendars on AWS: a secret config value (a feed's private address is a
credential), given to the calendar monitor alone as EXEC_ASSISTANT_CALENDARS. iCalendar
feeds, and calendars of the connected account beside its primary one (`google:<id>`,
`microsoft:<id>`; see calendarApiType):

    pulumi config set --secret exec-assistant:calendarUrls \
        '["https://…/basic.ics", "google:team@group.calendar.google.com"]'
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pulumi

from exec_assistant.calendars.locations import api_calendar
from exec_assistant.domain.errors import ConfigError
from exec_assistant.stack_settings import PROJECT

CALENDAR_URLS = "calendarUrls"


def calendar_urls() -> pulumi.Output[str] | None:
    """The feeds, comma-separated as the product's settings read them, as a secret Output;
    None when the stack has none (the monitor then syncs nothing and says so)."""
    config = pulumi.Config(PROJECT)
    # Read in plain text only to check it, before anything is declared.
    urls = checked_urls(config.get_object(CALENDAR_URLS))
    if urls is None:
        return None
    return pulumi.Output.secret(",".join(urls))


def checked_urls(value: object) -> list[str] | None:
    key = f"{PROJECT}:{CALENDAR_URLS}"
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{key}: give a JSON list of iCalendar URLs")
    urls = []
    for position, item in enumerate(items, 1):
        url = str(item).strip() if isinstance(item, str) else ""
        parts = urlsplit(url)
        if _api_calendar(url) and "," not in url:
            urls.append(url)
            continue
        if parts.scheme not in ("https", "http") or not parts.netloc or "," in url:
            # Never echo the value: the address is the credential.
            raise ConfigError(
                f"{key}: entry {position} is not an http(s) URL or a google:/microsoft: "
                "calendar without commas; give a JSON list of calendars"
            )
        urls.append(url)
    return urls


def _api_calendar(location: str) -> bool:
    try:
        return api_calendar(location) is not None
    except ValueError:
        return False
