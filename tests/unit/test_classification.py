"""Classification by the shipped rules: what type each meeting gets, and the reason given."""

from __future__ import annotations

import time

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


OUTSIDER = person("Kyle Brennan", domain="datadoghq.example")
WITH_VENDOR = (ME, person("Priya Raman"), OUTSIDER)


@pytest.mark.parametrize(
    ("title", "attendees", "expected"),
    [
        ("Jordan / Priya 1:1", TWO, "one_on_one"),
        ("Jordan <> Marcus 1-1", TWO, "one_on_one"),
        ("Jordan <> Marcus 1–1", TWO, "one_on_one"),  # en dash, as calendars often write it
        ("Weekly one-on-one", TWO, "one_on_one"),
        ("1on1 Jordan/Elena", TWO, "one_on_one"),
        ("Infrastructure Leadership Team", FIVE, "leadership_team"),
        ("LT weekly", FIVE, "leadership_team"),
        ("SLT sync", FIVE, "leadership_team"),
        ("Leadership meeting – Infra", FIVE, "leadership_team"),
        ("Jordan's directs weekly", FIVE, "leadership_team"),
        ("Directs staff sync", FIVE, "leadership_team"),
        ("Leadership staff sync", FIVE, "leadership_team"),
        ("Q4 QBR – Infrastructure", FIVE, "qbr"),
        ("qbr prep", FIVE, "qbr"),
        ("Infrastructure quarterly business review", FIVE, "qbr"),
        ("Q3 business review – Platform", FIVE, "qbr"),
        ("Quarterly review – Infrastructure", FIVE, "qbr"),
        ("Post-Incident Review: INC-2291", FIVE, "reliability_review"),
        ("Postmortem — INC-1234", FIVE, "reliability_review"),
        ("RCA for the payments outage", FIVE, "reliability_review"),
        ("Incident debrief: checkout latency", FIVE, "reliability_review"),
        ("Payments SLO review", FIVE, "reliability_review"),
        ("Infrastructure ops review", FIVE, "reliability_review"),
        ("Weekly SRE ops review", FIVE, "reliability_review"),
        ("Platform operational review", FIVE, "reliability_review"),
        ("Ops review: on-call load and incidents", FIVE, "reliability_review"),
        ("Exec Staff", FIVE, "executive_staff"),
        ("E-staff weekly", FIVE, "executive_staff"),
        ("CTO staff meeting", FIVE, "executive_staff"),
        ("Executive staff meeting", FIVE, "executive_staff"),
        ("VP staff meeting", FIVE, "executive_staff"),
        ("Interview Debrief – Staff SRE", FIVE, "interview_debrief"),
        ("Debrief – Staff SRE candidate", FIVE, "interview_debrief"),
        ("Candidate debrief: Alex Kim", FIVE, "interview_debrief"),
        ("Hiring committee – EM, Payments", FIVE, "interview_debrief"),
        ("Loop debrief: Senior PM", FIVE, "interview_debrief"),
        ("Debrief: SRE interviews", FIVE, "interview_debrief"),
        ("Hiring debrief – Staff SRE", TWO, "interview_debrief"),
        ("Candidate review – interview panel", FIVE, "interview_debrief"),
        ("Vendor sync: Datadog", WITH_VENDOR, "vendor_meeting"),
        ("Datadog renewal", WITH_VENDOR, "vendor_meeting"),
        ("Supplier review: Datadog", WITH_VENDOR, "vendor_meeting"),
        ("Datadog contract review", WITH_VENDOR, "vendor_meeting"),
        ("Capacity planning review", FIVE, "general"),
    ],
)
def test_shipped_rules_classify_titles(
    catalog: MeetingTypeCatalog, title: str, attendees: tuple[Attendee, ...], expected: str
) -> None:
    assert kind(catalog, title, attendees) == expected


@pytest.mark.parametrize(
    ("title", "attendees"),
    [
        # "debrief" alone: any debrief at all
        ("Q4 launch debrief", FIVE),
        ("Customer visit debrief", FIVE),
        ("Offsite debrief", FIVE),
        ("Sales kickoff debrief", FIVE),
        ("Debrief: board meeting", FIVE),
        ("Q3 planning debrief", FIVE),
        ("Conference debrief – re:Invent", FIVE),
        ("Release candidate review", FIVE),
        # "ops review", "operational review": every function has one
        ("Marketing ops review", FIVE),
        ("Sales ops review", FIVE),
        ("Ops review of the marketing calendar", FIVE),
        ("Finance operational review", FIVE),
        # "business review", "quarterly review": not necessarily the QBR
        ("Monthly business review", FIVE),
        ("Weekly business review – Marketing", FIVE),
        ("Business review deck dry run", FIVE),
        ("Quarterly review – Priya", TWO),
        ("Quarterly review prep", TWO),
        # "review" is in every other title
        ("Design review", FIVE),
        ("Design review: SSO rollout", FIVE),
        ("Performance review prep", TWO),
        ("Performance review calibration", FIVE),
        ("Code review office hours", FIVE),
        # vendor words among colleagues only
        ("Renewal of office lease", FIVE),
        ("Passport renewal", TWO),
        ("Certificate renewal runbook walkthrough", FIVE),
        ("Vendor selection kickoff", FIVE),
        ("Contract review with Legal", FIVE),
        ("Supplier onboarding checklist", FIVE),
        # "staff meeting", "staff sync", "directs": whose staff?
        ("Staff meeting room booking", FIVE),
        ("All-staff meeting", FIVE),
        ("Support staff meeting", FIVE),
        ("Staff sync: support rota", FIVE),
        ("Skip-level with Marcus's directs", FIVE),
    ],
)
def test_a_common_word_alone_does_not_decide_the_type(
    catalog: MeetingTypeCatalog, title: str, attendees: tuple[Attendee, ...]
) -> None:
    result = classify(title, ME, attendees, catalog, EXEC)
    assert (result.meeting_type, result.reason.split(";")[0]) == ("general", "no rule matched")


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


def test_the_reason_names_both_keywords_when_a_second_was_needed(
    catalog: MeetingTypeCatalog,
) -> None:
    four = FIVE[:4]
    result = classify("Debrief – Staff SRE candidate", ME, four, catalog, EXEC)
    assert result.reason == "title matched 'debrief' and 'candidate'; 4 attendees"


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
    assert kind(catalog, "Vendor sync: Datadog", (ME, OUTSIDER)) == "vendor_meeting"
    assert kind(catalog, "Vendor sync: Datadog", TWO) == "general"
    reason = classify("Vendor sync", ME, (ME, OUTSIDER), catalog, EXEC).reason
    assert "external attendees from datadoghq.example" in reason


def test_a_quarterly_review_is_a_qbr_only_with_a_room_full_of_people(
    catalog: MeetingTypeCatalog,
) -> None:
    assert kind(catalog, "Quarterly review", FIVE[:3]) == "general"
    assert kind(catalog, "Quarterly review", FIVE[:4]) == "qbr"


def test_higher_priority_wins_when_several_types_match(catalog: MeetingTypeCatalog) -> None:
    # "Incident review" (reliability, 90) beats "LT" (leadership, 50).
    assert kind(catalog, "LT incident review", FIVE) == "reliability_review"


def _catalog(
    detection: DetectionRules | tuple[DetectionRules, ...], priority: int = 10
) -> MeetingTypeCatalog:
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


def test_a_second_keyword_must_be_another_word_of_the_title() -> None:
    catalog = _catalog(
        DetectionRules(title_keywords=("ops review",), also_title_keywords=("ops", "review"))
    )
    assert classify("Marketing ops review", ME, TWO, catalog, EXEC).meeting_type == "general"
    result = classify("Ops review: ops on call", ME, TWO, catalog, EXEC)
    assert (result.meeting_type, result.reason) == (
        "custom",
        "title matched 'ops review' and 'ops'; 2 attendees",
    )


def test_a_second_keyword_may_come_before_the_first() -> None:
    catalog = _catalog(DetectionRules(title_keywords=("debrief",), also_title_keywords=("hiring",)))
    assert classify("Hiring debrief", ME, TWO, catalog, EXEC).meeting_type == "custom"
    assert classify("Launch debrief", ME, TWO, catalog, EXEC).meeting_type == "general"


def test_a_phrase_does_not_match_across_the_first_keyword() -> None:
    # Without "ops review" between them, "marketing" and "weekly" are not the phrase.
    catalog = _catalog(
        DetectionRules(title_keywords=("ops review",), also_title_keywords=("marketing weekly",))
    )
    assert classify("Marketing ops review weekly", ME, TWO, catalog, EXEC).meeting_type == (
        "general"
    )


def test_any_one_of_several_rule_sets_is_enough_and_the_first_gives_the_reason() -> None:
    catalog = _catalog(
        (
            DetectionRules(title_keywords=("board prep",)),
            DetectionRules(title_keywords=("board",), also_title_keywords=("deck",)),
            DetectionRules(organizer_domains=("board.example",)),
        )
    )
    chair = Attendee(email="chair@board.example")
    assert classify("Board prep: deck", ME, TWO, catalog, EXEC).reason == (
        "title matched 'board prep'; 2 attendees"
    )
    assert classify("Board deck", ME, TWO, catalog, EXEC).reason == (
        "title matched 'board' and 'deck'; 2 attendees"
    )
    assert classify("Sync", chair, TWO, catalog, EXEC).reason == (
        "organizer from board.example; 3 attendees"
    )
    assert classify("Board games", ME, TWO, catalog, EXEC).meeting_type == "general"


def test_a_second_keyword_list_needs_a_first() -> None:
    with pytest.raises(ValueError, match="also_title_keywords needs title_keywords"):
        DetectionRules(also_title_keywords=("hiring",))


def test_an_empty_rule_set_in_a_list_is_refused() -> None:
    with pytest.raises(ValueError, match="no conditions"):
        _catalog((DetectionRules(title_keywords=("x",)), DetectionRules()))


def test_a_title_repeating_a_keyword_thousands_of_times_is_classified_at_once(
    catalog: MeetingTypeCatalog,
) -> None:
    # Looking for the second word around each "debrief" in turn took minutes for this title.
    started = time.perf_counter()
    assert kind(catalog, "debrief " * 10_000 + "candidate", FIVE) == "interview_debrief"
    assert kind(catalog, "debrief " * 10_000, FIVE) == "general"
    assert time.perf_counter() - started < 5
