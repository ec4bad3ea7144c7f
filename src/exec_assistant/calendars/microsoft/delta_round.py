"""One round of Graph's `calendarView/delta`: the pages from a first request (a window, or
the delta link of the last round) through `@odata.nextLink` to the `@odata.deltaLink` that
starts the next round.

The first round of a window lists every instance in it; a round from a delta link lists what
changed since: an instance added or updated in full, one deleted (or moved out of the
window) as its id under `@removed`. An instance may come several times in a round; the last
word counts. A delta link Graph no longer knows is answered 410 Gone (a resync) or with the
error code `syncStateNotFound`: DeltaExpired, and the caller starts a full round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exec_assistant.calendars.http_fetch import size_text
from exec_assistant.calendars.microsoft.graph_client import GraphClient, GraphGarbage, GraphRefused

PAGE_SIZE = 200
"""Instances a page may hold (`Prefer: odata.maxpagesize`): a 14-day window of a busy
calendar fits in one or two pages, and a page stays well under a second to send. Graph may
answer larger pages than asked (a series it expands at once): nothing depends on the size."""
PREFERENCES = (
    'outlook.timezone="UTC"',
    'outlook.body-content-type="text"',
    f"odata.maxpagesize={PAGE_SIZE}",
)
"""Times in UTC (the event's own zone is in `originalStartTimeZone`), bodies as text (what
the iCalendar export's DESCRIPTION holds), and the page size."""
MAX_PAGES = 1000
_EXPIRED_CODES = frozenset({"syncstatenotfound", "syncstateinvalid", "resyncrequired"})


class DeltaExpired(Exception):
    """Graph no longer knows the delta link: a full round is needed."""


@dataclass
class DeltaChanges:
    upserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Every instance added or changed, by id, as Graph last gave it in the round."""
    removed: set[str] = field(default_factory=set)
    delta_link: str = ""
    pages: int = 0
    without_id: int = 0
    """Entries that named no id, and so could not be kept."""


def run_round(
    graph: GraphClient, first_url: str, *, max_bytes: int, max_pages: int = MAX_PAGES
) -> DeltaChanges:
    """Every page of the round that `first_url` starts; DeltaExpired, GraphGarbage (an
    answer not of Graph's shape, a round that never ends or outgrows `max_bytes`),
    GraphRefused, AuthorizationProblem or HttpFailed otherwise."""
    changes = DeltaChanges()
    url, seen, total = first_url, {first_url}, 0
    while True:
        if changes.pages >= max_pages:
            raise GraphGarbage(f"it kept sending pages, past {max_pages:,}")
        try:
            answer = graph.get(url, prefer=PREFERENCES)
        except GraphRefused as exc:
            if exc.status == 410 or exc.code.lower() in _EXPIRED_CODES:
                raise DeltaExpired(exc.shown) from None
            raise
        changes.pages += 1
        total += answer.size
        if total > max_bytes:
            raise GraphGarbage(
                f"its events come to more than {size_text(max_bytes)}; raise "
                "EXEC_ASSISTANT_CALENDAR_MAX_MB if the calendar really is that large"
            )
        _take(answer.body, changes)
        next_link = answer.body.get("@odata.nextLink")
        delta_link = answer.body.get("@odata.deltaLink")
        if isinstance(next_link, str) and next_link:
            if next_link in seen:
                raise GraphGarbage("it sent the same next page twice, a round without end")
            seen.add(next_link)
            url = next_link
            continue
        if isinstance(delta_link, str) and delta_link:
            changes.delta_link = delta_link
            return changes
        raise GraphGarbage("a page has neither a next page nor a delta link")


def _take(body: dict[str, Any], changes: DeltaChanges) -> None:
    value = body.get("value")
    if not isinstance(value, list):
        raise GraphGarbage("a page has no list of events")
    for item in value:
        if not isinstance(item, dict):
            raise GraphGarbage("a page lists something that is not an event")
        event_id = item.get("id")
        if not isinstance(event_id, str) or not event_id:
            changes.without_id += 1
            continue
        if "@removed" in item:
            changes.upserts.pop(event_id, None)
            changes.removed.add(event_id)
        else:
            changes.removed.discard(event_id)
            changes.upserts[event_id] = item
