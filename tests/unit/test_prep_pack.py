"""The offline pack generator: deterministic, time-boxed, answers and context in place."""

from __future__ import annotations

from datetime import UTC, datetime

from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.prep_pack import PackInputs, build_offline_pack, render_markdown

from factories import ME, NEW_YORK, event, person

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def inputs(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive, **changes: object
) -> PackInputs:
    meeting = assess_event(
        event("Q4 QBR", minutes=90, attendees=(ME, person("Rachel Adler"), person("Sam Okafor"))),
        None,
        catalog,
        rules,
        executive,
        None,
        NOW,
    )
    base = {
        "meeting": meeting,
        "meeting_type": catalog.get("qbr"),
        "answers": {"1": "Reliability recovered", "3": "Approve the 12-month term; BR-1 date"},
        "answers_received": True,
        "context": [
            ContextResult(
                provider="budget",
                facts=("Compute 9.4% over",),
                highlights=("Compute 9.4% over",),
                questions=("What drives the 9.4% compute overrun?",),
            ),
            ContextResult.unavailable("incidents", "incidents.csv: no such file"),
        ],
        "open_items": [],
        "pending_decisions": [],
        "now": NOW,
        "zone": NEW_YORK,
    }
    return PackInputs(**{**base, **changes})  # type: ignore[arg-type]


def test_the_pack_is_time_boxed_to_the_real_length(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(inputs(catalog, rules, executive))
    assert sum(i.minutes for i in pack.agenda) == 90
    assert pack.generated_by == "offline"


def test_answers_context_and_decisions_land_where_they_belong(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(inputs(catalog, rules, executive))
    sections = {i.title: i.notes for i in pack.agenda}
    assert "Your prep: Reliability recovered" in sections["Headline messages"]
    assert "Compute 9.4% over" in sections["Budget and forecast"]
    assert (
        "incidents: unavailable (incidents.csv: no such file)"
        in sections["Reliability and incidents"]
    )
    assert pack.decisions_needed == ("Approve the 12-month term", "BR-1 date")
    assert pack.questions == ("What drives the 9.4% compute overrun?",)
    assert pack.background["incidents"] == ["unavailable: incidents.csv: no such file"]


def test_the_notes_template_is_filled(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(inputs(catalog, rules, executive))
    assert pack.notes_template.startswith("# Q4 QBR — Wednesday 02 December 2026, 10:00")
    assert "Attendees: Jordan Lee, Rachel Adler, Sam Okafor" in pack.notes_template
    assert "### Budget and forecast (" in pack.notes_template
    assert "- [ ]  - Owner:  - Due:" in pack.notes_template


def test_the_same_inputs_give_the_same_pack(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    assert build_offline_pack(inputs(catalog, rules, executive)) == build_offline_pack(
        inputs(catalog, rules, executive)
    )


def test_the_readable_page(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(inputs(catalog, rules, executive, answers={}, answers_received=False))
    page = render_markdown(pack, "QBR")
    assert page.startswith("# Q4 QBR\n")
    assert "**10:00 Headline messages**" in page
    assert "_No answers: the prep questions were not answered in time._" in page
    assert "## Questions to ask" in page
    assert page.rstrip().endswith("by the offline generator._")
