"""Which meeting type a meeting is, and why, from the configured detection rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from exec_assistant.domain.meeting_types import DetectionRules, MeetingType, MeetingTypeCatalog
from exec_assistant.domain.models import Attendee

_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})


@dataclass(frozen=True)
class Classification:
    meeting_type: str
    reason: str


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A case-insensitive whole-word/phrase pattern: 'LT' does not match 'Alternatives'.

    Words of a phrase may be separated by any run of spaces, hyphens or underscores, so
    'one on one' also matches 'one-on-one'.
    """
    words = keyword.translate(_DASHES).split()
    body = r"[\s\-_]+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def normalise_title(title: str) -> str:
    return title.translate(_DASHES)


def participants(organizer: Attendee | None, attendees: tuple[Attendee, ...]) -> list[Attendee]:
    """Everyone in the meeting once, the organizer included."""
    seen: dict[str, Attendee] = {}
    for person in (*attendees, *((organizer,) if organizer else ())):
        seen.setdefault(person.email.lower(), person)
    return list(seen.values())


def _matches(
    rules: DetectionRules,
    title: str,
    people: list[Attendee],
    organizer: Attendee | None,
    executive_domain: str | None,
) -> list[str] | None:
    """The reasons the rules match, or None when any stated condition fails."""
    if rules.is_empty:
        return None
    reasons: list[str] = []
    if rules.title_keywords:
        hit = next((k for k in rules.title_keywords if keyword_pattern(k).search(title)), None)
        if hit is None:
            return None
        reasons.append(f"title matched '{hit}'")
    count = len(people)
    if rules.min_attendees is not None and count < rules.min_attendees:
        return None
    if rules.max_attendees is not None and count > rules.max_attendees:
        return None
    if rules.organizer_domains:
        if organizer is None or organizer.domain not in rules.organizer_domains:
            return None
        reasons.append(f"organizer from {organizer.domain}")
    if rules.attendee_domains:
        hit_domain = next((p.domain for p in people if p.domain in rules.attendee_domains), None)
        if hit_domain is None:
            return None
        reasons.append(f"attendee from {hit_domain}")
    if rules.external_attendees is not None and executive_domain:
        external = sorted({p.domain for p in people if p.domain != executive_domain})
        if rules.external_attendees and not external:
            return None
        if not rules.external_attendees and external:
            return None
        reasons.append(
            f"external attendees from {', '.join(external)}" if external else "internal only"
        )
    reasons.append(f"{count} attendee{'s' if count != 1 else ''}")
    return reasons


def classify(
    title: str,
    organizer: Attendee | None,
    attendees: tuple[Attendee, ...],
    catalog: MeetingTypeCatalog,
    executive_email: str | None,
) -> Classification:
    """The first type, by priority, whose rules all hold; `general` when none does."""
    people = participants(organizer, attendees)
    normalised = normalise_title(title)
    executive_domain = executive_email.rpartition("@")[2].lower() if executive_email else None
    meeting_type: MeetingType
    for meeting_type in catalog:
        if meeting_type.id == catalog.fallback.id:
            continue
        reasons = _matches(meeting_type.detection, normalised, people, organizer, executive_domain)
        if reasons is not None:
            return Classification(meeting_type.id, "; ".join(reasons))
    count = len(people)
    return Classification(
        catalog.fallback.id,
        f"no rule matched; {count} attendee{'s' if count != 1 else ''}",
    )
