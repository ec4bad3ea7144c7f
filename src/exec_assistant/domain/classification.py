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


def _keyword_body(keyword: str) -> str:
    words = keyword.translate(_DASHES).split()
    return r"[\s\-_]+".join(re.escape(w) for w in words)


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A case-insensitive whole-word/phrase pattern: 'LT' does not match 'Alternatives'.

    Words of a phrase may be separated by any run of spaces, hyphens or underscores, so
    'one on one' also matches 'one-on-one'.
    """
    return re.compile(rf"(?<!\w){_keyword_body(keyword)}(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _any_keyword(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a whole keyword list: most titles match none, and one search says so."""
    bodies = "|".join(_keyword_body(k) for k in keywords)
    return re.compile(rf"(?<!\w)(?:{bodies})(?!\w)", re.IGNORECASE)


def normalise_title(title: str) -> str:
    return title.translate(_DASHES)


def participants(organizer: Attendee | None, attendees: tuple[Attendee, ...]) -> list[Attendee]:
    """Everyone in the meeting once, the organizer included."""
    seen: dict[str, Attendee] = {}
    for person in (*attendees, *((organizer,) if organizer else ())):
        seen.setdefault(person.email.lower(), person)
    return list(seen.values())


def _first_end_and_last_start(pattern: re.Pattern[str], title: str) -> tuple[int, int] | None:
    first_end = last_start = -1
    for found in pattern.finditer(title):
        if first_end < 0:
            first_end = found.end()
        last_start = found.start()
    return None if first_end < 0 else (first_end, last_start)


def _title_match(rules: DetectionRules, title: str) -> str | None:
    """What the title matched ('debrief' and 'candidate'), or None when it does not match.

    The second keyword must be found outside the first: "Marketing ops review" does not confirm
    'ops review' with 'ops'. Linear in the title's length, however often a keyword repeats.
    """
    if _any_keyword(rules.title_keywords).search(title) is None:
        return None
    if not rules.also_title_keywords:
        return next(
            (f"'{k}'" for k in rules.title_keywords if keyword_pattern(k).search(title)), None
        )
    companions = [
        (also, spans)
        for also in rules.also_title_keywords
        if (spans := _first_end_and_last_start(keyword_pattern(also), title)) is not None
    ]
    if not companions:
        return None
    for keyword in rules.title_keywords:
        spans = _first_end_and_last_start(keyword_pattern(keyword), title)
        if spans is None:
            continue
        first_end, last_start = spans
        for also, (also_first_end, also_last_start) in companions:
            # Two matches that do not overlap exist when one of them ends before the other
            # starts, and the earliest end and the latest start are the ones to compare.
            if also_first_end <= last_start or first_end <= also_last_start:
                return f"'{keyword}' and '{also}'"
    return None


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
        hit = _title_match(rules, title)
        if hit is None:
            return None
        reasons.append(f"title matched {hit}")
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
    """The first type, by priority, with a rule set that holds; `general` when none does."""
    people = participants(organizer, attendees)
    normalised = normalise_title(title)
    executive_domain = executive_email.rpartition("@")[2].lower() if executive_email else None
    meeting_type: MeetingType
    for meeting_type in catalog:
        if meeting_type.id == catalog.fallback.id:
            continue
        for rules in meeting_type.detection:
            reasons = _matches(rules, normalised, people, organizer, executive_domain)
            if reasons is not None:
                return Classification(meeting_type.id, "; ".join(reasons))
    count = len(people)
    return Classification(
        catalog.fallback.id,
        f"no rule matched; {count} attendee{'s' if count != 1 else ''}",
    )
