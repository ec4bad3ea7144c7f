"""What an incremental calendar sync keeps between runs: the events last seen and the
provider's cursor (Google's sync token, Graph's delta link) to ask for what changed since."""

from __future__ import annotations

from pydantic import Field

from exec_assistant.domain.models import CalendarEvent, UtcDatetime, _Record


class CalendarSnapshot(_Record):
    """One calendar API source's events as of its last sync.

    The provider answers an incremental request with the changes only; the snapshot holds the
    rest, so that a sync still sees every event instance of its window. The cursor covers
    [covered_from, covered_to): once the sync window reaches past `covered_to`, the source
    makes a full sync again (instances entering the window are not changes to the provider).
    """

    location: str
    """The calendar as configured (`google:primary`): what the snapshot is stored by."""
    calendar_id: str
    """The calendar's identity, which meeting ids are derived from (`google:exec@example.com`)."""
    name: str = ""
    cursor: str | None = None
    """The provider's token for the next incremental request; None: make a full sync."""
    covered_from: UtcDatetime
    covered_to: UtcDatetime
    events: dict[str, CalendarEvent] = Field(default_factory=dict)
    """Every event instance of the covered range, by the provider's own event id."""
    extra: dict[str, str] = Field(default_factory=dict)
    """What a provider remembers besides (the UID of a Graph series master, by its id)."""
    updated_at: UtcDatetime
