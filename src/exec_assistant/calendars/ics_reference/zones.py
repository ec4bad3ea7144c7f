"""Each VCALENDAR object's own time zones, for its own events."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from exec_assistant.calendars.ics_reference.values import DATED, values_of

log = logging.getLogger(__name__)


class OwnZones:
    """The time zones an object defines with VTIMEZONE, for its own events.

    icalendar keeps one zone per TZID for the whole process, built from the first VTIMEZONE
    it met with that name: two objects (or two files) that both define "Customized Time
    Zone" differently would share the first one. Here each object's events get the zone its
    own VTIMEZONE describes, and a TZID nothing in the object defines is a floating time.
    """

    def __init__(self, calendar: icalendar.Calendar) -> None:
        self._definitions = {
            str(c["TZID"]): c
            for c in calendar.subcomponents
            if isinstance(c, icalendar.Timezone) and "TZID" in c
        }
        self._built: dict[str, tzinfo | None] = {}

    def defines(self, tzid: str) -> bool:
        """Whether the object has a VTIMEZONE of that name (readable or not)."""
        return tzid in self._definitions

    def attach(self, component: Any) -> list[str]:
        """Set this object's zones on the event's times; the TZIDs no zone was found for."""
        unknown: list[str] = []
        for name in DATED:
            for value in values_of(component, name):
                tzid = value.params.get("TZID")
                if not isinstance(tzid, str):
                    continue
                for holder in getattr(value, "dts", None) or [value]:
                    dt, known = self._retimed(holder.dt, tzid)
                    holder.dt = dt
                    if not known and tzid not in unknown:
                        unknown.append(tzid)
        return unknown

    def _retimed(self, value: Any, tzid: str) -> tuple[Any, bool]:
        if isinstance(value, tuple):
            parts = [self._retimed(part, tzid) for part in value]
            return tuple(p for p, _ in parts), all(known for _, known in parts)
        if not isinstance(value, datetime):
            return value, True
        if value.tzinfo is None:
            return value, False  # icalendar knew no zone of that name
        if isinstance(value.tzinfo, ZoneInfo):
            return value, True
        zone = self._zone(tzid)
        return value.replace(tzinfo=zone), zone is not None

    def _zone(self, tzid: str) -> tzinfo | None:
        if tzid not in self._built:
            definition = self._definitions.get(tzid)
            zone = None
            if definition is not None:
                try:
                    zone = definition.to_tz(lookup_tzid=False)
                except Exception:  # a definition icalendar cannot build: no zone
                    log.debug("VTIMEZONE not built", exc_info=True)
            self._built[tzid] = zone
        return self._built[tzid]
