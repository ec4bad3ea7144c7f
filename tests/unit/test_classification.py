"""Classification by the shipped rules: what type each meeting gets, and the reason given."""

from __future__ import annotations

import pytest

from exec_assistant.domain.classification import classify, keyword_pattern
from exec_assistant.domain.meeting_types import (
    AgendaSectionTemplate,
    DetectionRules,
    MeetingType,
    MeetingTypeCatalog,
)
from exec_assistant.domain.models import Attendee

from factories import EXEC, ME, person

TWO = (ME, person("Priya Raman"))
FIVE = (ME, *(person(n) for n in ("Priya Raman", "Marcus Webb", "Elena Park", "Dev Kapoor")))


def kind(catalog: MeetingTypeCatalog, title: str, attendees: tuple[Attendee, ...] = FIVE) -> str:
    return classify(title, ME, attendees, catalog, EXEC).meeting_type


@pytest.mark.parametrize(
    ("title", "attendees", "expected"),
    [
        ("Jordan / Priya 1:1", TWO, "one_on_one"),
        ("Jordan <> Marcus 1-1", TWO, "one_on_one"),
        ("Jordan <> Marcus 1–1", TWO, "one_on_one"),  # en dash, as calendars often write it
        ("Weekly one-on-one", TWO, "one_on_one"),
        ("Infrastructure Leadership Team", FIVE, "leadership_team"),
        ("LT weekly", FIVE, "leadership_team"),
        ("Q4 QBR – Infrastructure", FIVE, "qbr"),
        ("qbr prep", FIVE, "qbr"),
        ("Post-Incident Review: INC-2291", FIVE, "reliability_review"),
        ("RCA for the payments outage", FIVE, "reliability_review"),
        ("Exec Staff", FIVE, "executive_staff"),
        ("Interview Debrief – Staff SRE", FIVE, "interview_debrief"),
        ("Capacity planning review", FIVE, "general"),
    ],
)
def test_shipped_rules_classify_titles(
    catalog: MeetingTypeCatalog, title: str, attendees: tuple[Attendee, ...], expected: str
) -> None:
    assert kind(catalog, title, attendees) == expected


@pytest.mark.parametrize(
    ("keyword", "title"),
    [
        ("RCA", "Sync with Tracy"),
        ("LT", "Alternatives review"),
        ("LT", "Salt and pepper"),
        ("1:1", "Standup at 11:15"),
        ("1:1", "Review 1:10 scale model"),
        ("QBR", "QBRs are next month"),
        ("PIR", "Inspiration session"),
    ],
)
def test_keywords_match_whole_words_only(keyword: str, title: str) -> None:
    assert keyword_pattern(keyword).search(title) is None


@pytest.mark.parametrize(
    ("keyword", "title"),
    [
        ("QBR", "Q4 QBR"),
        ("qbr", "Q4 QBR"),
        ("1:1", "1:1 Jordan / Elena"),
        ("1-1", "Jordan<>Marcus (1-1)"),
        ("one on one", "One-on-one with Tom"),
        ("leadership team", "Infrastructure LEADERSHIP   team"),
        ("RCA", "RCA: payments"),
    ],
)
def test_keywords_match_case_insensitive_phrases(keyword: str, title: str) -> None:
    assert keyword_pattern(keyword).search(title) is not None


def test_the_reason_names_the_keyword_and_the_attendee_count(catalog: MeetingTypeCatalog) -> None:
    result = classify("Jordan / Priya 1:1", ME, TWO, catalog, EXEC)
    assert result.reason == "title matched '1:1'; 2 attendees"


def test_nothing_matching_falls_back_to_general_with_a_reason(catalog: MeetingTypeCatalog) -> None:
    result = classify("Coffee", ME, TWO, catalog, EXEC)
    assert result.meeting_type == "general"
    assert result.reason == "no rule matched; 2 attendees"


def test_attendee_bounds_keep_a_crowded_1on1_title_out(catalog: MeetingTypeCatalog) -> None:
    assert kind(catalog, "Team 1:1 retro", FIVE) == "general"


def test_the_organizer_counts_as_an_attendee(catalog: MeetingTypeCatalog) -> None:
    # Organizer not in the attendee list: still two people in the room.
    result = classify("1:1", ME, (person("Priya Raman"),), catalog, EXEC)
    assert result.meeting_type == "one_on_one"
    assert result.reason.endswith("2 attendees")


def test_leadership_needs_at_least_three_people(catalog: MeetingTypeCatalog) -> None:
    assert kind(catalog, "LT prep", TWO) == "general"


def test_vendor_meeting_needs_someone_from_outside(catalog: MeetingTypeCatalog) -> None:
    outsider = person("Kyle Brennan", domain="datadoghq.example")
    assert kind(catalog, "Vendor sync: Datadog", (ME, outsider)) == "vendor_meeting"
    assert kind(catalog, "Vendor sync: Datadog", TWO) == "general"
    reason = classify("Vendor sync", ME, (ME, outsider), catalog, EXEC).reason
    assert "external attendees from datadoghq.example" in reason


def test_higher_priority_wins_when_several_types_match(catalog: MeetingTypeCatalog) -> None:
    # "Incident review" (reliability, 90) beats "LT" (leadership, 50).
    assert kind(catalog, "LT incident review", FIVE) == "reliability_review"


def _catalog(detection: DetectionRules, priority: int = 10) -> MeetingTypeCatalog:
    section = (AgendaSectionTemplate(title="All", minutes=30),)
    return MeetingTypeCatalog(
        [
            MeetingType(
                id="custom",
                name="Custom",
                priority=priority,
                detection=detection,
                prep_lead_hours=1,
                agenda=section,
            ),
            MeetingType(id="general", name="General", prep_lead_hours=1, agenda=section),
        ]
    )


def test_organizer_domain_rule() -> None:
    catalog = _catalog(DetectionRules(organizer_domains=("board.example",)))
    board = Attendee(email="chair@board.example")
    assert classify("Sync", board, TWO, catalog, EXEC).meeting_type == "custom"
    assert classify("Sync", ME, TWO, catalog, EXEC).meeting_type == "general"
    assert "organizer from board.example" in classify("Sync", board, TWO, catalog, EXEC).reason


def test_attendee_domain_rule() -> None:
    catalog = _catalog(DetectionRules(attendee_domains=("@Audit.example",)))
    auditor = Attendee(email="a@audit.example")
    assert classify("Sync", ME, (ME, auditor), catalog, EXEC).meeting_type == "custom"
    assert classify("Sync", ME, TWO, catalog, EXEC).meeting_type == "general"


def test_internal_only_rule() -> None:
    catalog = _catalog(DetectionRules(external_attendees=False, min_attendees=2))
    outsider = Attendee(email="x@elsewhere.example")
    assert classify("Sync", ME, TWO, catalog, EXEC).meeting_type == "custom"
    assert classify("Sync", ME, (ME, outsider), catalog, EXEC).meeting_type == "general"


def test_a_type_without_rules_never_matches() -> None:
    catalog = _catalog(DetectionRules(), priority=100)
    assert classify("Anything", ME, TWO, catalog, EXEC).meeting_type == "general"


def test_min_greater_than_max_is_refused() -> None:
    with pytest.raises(ValueError, match="min_attendees"):
        DetectionRules(min_attendees=5, max_attendees=2)
