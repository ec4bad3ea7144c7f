"""The offline pack generator: deterministic, time-boxed, answers and context in place."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules import (
    BigRock,
    BigRocksHeader,
    BudgetHeader,
    CostCenter,
    Incident,
    OpenReq,
    StaffingHeader,
    Team,
    big_rocks_result,
    budget_result,
    incidents_result,
    staffing_result,
)
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import (
    BUILT_IN_TYPE_IDS,
    AgendaSectionTemplate,
    MeetingTypeCatalog,
    NotificationRules,
)
from exec_assistant.domain.models import ActionItem, Decision, DecisionStatus, PrepPack
from exec_assistant.domain.prep_pack import (
    PackInputs,
    build_offline_pack,
    is_owned_by,
    render_markdown,
    section_for,
)

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


# --- Nothing said twice ----------------------------------------------------------------------

EXEC_EMAIL = ME.email
PRIYA = person("Priya Raman").email


def rich_context() -> list[ContextResult]:
    """Every source with something to flag, worded by the real rules."""
    request = ContextRequest(
        meeting_id="m",
        series_id="s",
        meeting_type="leadership_team",
        title="LT",
        start=NOW + timedelta(days=1),
        now=NOW,
    )
    today = NOW.date()
    return [
        budget_result(
            BudgetHeader(period="FY2026-Q4"),
            [
                CostCenter(name="Compute", owner=PRIYA, budget=1000, forecast=1200),
                CostCenter(name="Travel", owner=PRIYA, budget=1000, forecast=900),
            ],
            request,
            source="budget.yaml",
        ),
        big_rocks_result(
            BigRocksHeader(),
            [
                BigRock(name=f"Rock {n}", owner=PRIYA, status="at_risk", progress_percent=40,
                        due=today + timedelta(days=60))
                for n in range(1, 5)
            ],
            request,
            source="big_rocks.yaml",
        ),
        incidents_result(
            [
                Incident(id="I-1", severity="SEV2", title="Checkout down", status="open",
                         started_at=NOW - timedelta(hours=5))
            ],
            request,
        ),
        staffing_result(
            StaffingHeader(),
            [
                Team(name="SRE", manager=PRIYA, headcount=5, approved_headcount=6,
                     open_reqs=[OpenReq(title="SRE", days_open=60)], attrition_last_quarter=1,
                     on_call_load=14.0)
            ],
            request,
            source="staffing.yaml",
        ),
        ContextResult(
            provider="decisions",
            facts=("1 decision pending across your meetings.", "Pending: Pick a vendor"),
            highlights=("Pending decision: Pick a vendor",),
        ),
        ContextResult(provider="history", facts=("No earlier notes for this meeting series.",)),
    ]  # fmt: skip


def item(text: str, owner: str | None, due: date | None = None, n: int = 1) -> ActionItem:
    return ActionItem(
        item_id=f"a{n}",
        meeting_id="mtg_earlier",
        text=text,
        owner=owner,
        owner_resolved=owner is not None,
        due=due,
        source_line=n,
        created_at=NOW - timedelta(days=7),
    )


OPEN_ITEMS = [
    item("Send the capacity plan", EXEC_EMAIL.upper(), date(2026, 11, 24), 1),
    item("Send the rota", PRIYA, date(2026, 11, 27), 2),
    item("Book the offsite", None, date(2026, 11, 26), 3),
    item("Draft the QBR deck", PRIYA, date(2026, 12, 7), 4),
]
PENDING = [
    Decision(
        decision_id="d1",
        meeting_id="mtg_earlier",
        text="Pick a vendor",
        status=DecisionStatus.PENDING,
        created_at=NOW - timedelta(days=7),
    )
]


def rich(
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
    type_id: str,
    **changes: object,
) -> PackInputs:
    meeting_type = catalog.get(type_id)
    answers = {
        str(n): f"Answer {n} for {type_id}" for n in range(1, len(meeting_type.prep_questions) + 1)
    }
    base: dict[str, object] = {
        "meeting_type": meeting_type,
        "answers": answers,
        "context": rich_context(),
        "open_items": OPEN_ITEMS,
        "pending_decisions": PENDING,
        "people": {PRIYA: "Priya Raman", EXEC_EMAIL: "Jordan Lee"},
        "executive_email": EXEC_EMAIL,
    }
    return inputs(catalog, rules, executive, **{**base, **changes})


def placed_notes(pack: PrepPack) -> list[str]:
    return [note for section in pack.agenda for note in section.notes]


@pytest.mark.parametrize("type_id", BUILT_IN_TYPE_IDS)
def test_no_note_is_said_twice_in_any_type_of_pack(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive, type_id: str
) -> None:
    pack = build_offline_pack(rich(catalog, rules, executive, type_id))

    notes = placed_notes(pack)
    assert len(notes) == len(set(notes)), notes
    listed = set(pack.open_action_items) | set(pack.decisions_needed)
    assert not listed & set(notes)
    for text in [i.text for i in OPEN_ITEMS] + [d.text for d in PENDING]:
        assert not [n for n in notes if text in n], text
    for answer in pack.answers.values():
        assert (
            sum(answer in n for n in notes) + sum(answer in d for d in pack.decisions_needed) == 1
        )
    assert sum(i.minutes for i in pack.agenda) == 90
    assert pack == build_offline_pack(rich(catalog, rules, executive, type_id))


def test_big_rocks_go_to_risks_and_escalations_only(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(rich(catalog, rules, executive, "leadership_team"))

    sections = {i.title: i.notes for i in pack.agenda}
    rocks = [n for n in placed_notes(pack) if n.startswith("Rock ")]
    assert rocks == [n for n in sections["Risks and escalations"] if n.startswith("Rock ")]
    assert len(rocks) == 3  # of four highlights: the background has all of them
    assert sections["Wins and priorities"] == ("Your prep: Answer 1 for leadership_team",)
    metrics = sections["Metrics review: budget, reliability, hiring"]
    assert [n.split(":")[0] for n in metrics] == ["Compute", "I-1 SEV2", "SRE"]


def test_a_reliability_review_tells_the_incidents_once_in_the_summary(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(rich(catalog, rules, executive, "reliability_review"))

    holding = [i.title for i in pack.agenda if any(n.startswith("I-1 ") for n in i.notes)]
    assert holding == ["Incident summary and customer impact"]


@pytest.mark.parametrize(
    ("titles", "topic", "expected"),
    [
        (["Wins and priorities", "Risks and escalations"], "big_rocks", 1),
        (["Strategic initiatives (big rocks)", "Risks"], "big_rocks", 0),
        (["Incident summary", "Timeline", "Remediation"], "incidents", 0),
        (["Timeline", "Remediation"], "incidents", 0),  # a tie: the earliest
        (["Their topics", "Your topics"], "staffing", 1),
        (["Purpose", "Discussion"], "budget", None),
        (["Next steps", "Action item review"], "open_action_items", 1),
    ],
)
def test_a_topic_goes_to_the_section_that_names_it_best(
    titles: list[str], topic: str, expected: int | None
) -> None:
    assert section_for(topic, titles) == expected


def test_the_action_item_review_points_to_the_list(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(rich(catalog, rules, executive, "leadership_team"))

    review = next(i for i in pack.agenda if i.title == "Action item review")
    assert review.notes == ("4 open action items (1 yours, 3 overdue), see below",)
    assert len(pack.open_action_items) == 4


def test_the_decisions_section_points_to_decisions_needed(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(
        rich(catalog, rules, executive, "leadership_team", answers={"3": "Approve the plan; Hire"})
    )

    decisions = next(i for i in pack.agenda if i.title == "Decisions")
    assert decisions.notes == ("3 decisions needed, see below",)
    assert pack.decisions_needed == ("Pick a vendor", "Approve the plan", "Hire")
    assert not [n for n in placed_notes(pack) if "Approve the plan" in n]


def test_without_a_decisions_section_the_answers_section_points_to_them(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(
        rich(catalog, rules, executive, "reliability_review", answers={"3": "An owner per item"})
    )

    remediation = next(i for i in pack.agenda if i.title.startswith("Remediation"))
    assert remediation.notes == ("2 decisions needed, see below",)


# --- The executive's own items ---------------------------------------------------------------


def test_the_executives_own_items_are_listed_as_theirs(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(rich(catalog, rules, executive, "leadership_team"))

    assert pack.open_action_items == (
        "Yours: Send the capacity plan (due Tue 24 Nov — OVERDUE)",
        "Send the rota (Priya Raman, due Fri 27 Nov — OVERDUE)",
        "Book the offsite (no owner, due Thu 26 Nov — OVERDUE)",
        "Draft the QBR deck (Priya Raman, due Mon 07 Dec)",
    )


def test_questions_ask_only_about_other_peoples_overdue_items(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(rich(catalog, rules, executive, "leadership_team", context=[]))

    assert pack.questions[:2] == (
        "Priya Raman: where is 'Send the rota' (was due 27 Nov)?",
        "'Book the offsite' has no owner and was due 26 Nov: who takes it?",
    )
    assert not [q for q in pack.questions if "capacity plan" in q]


def test_without_the_executives_email_every_item_is_someone_elses(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(
        rich(catalog, rules, executive, "leadership_team", executive_email=None, context=[])
    )

    assert pack.open_action_items[0] == (
        "Send the capacity plan (JORDAN.LEE@NORTHWIND.EXAMPLE, due Tue 24 Nov — OVERDUE)"
    )
    assert "where is 'Send the capacity plan'" in pack.questions[0]


def test_an_item_without_an_owner_is_nobodys() -> None:
    assert not is_owned_by(item("x", None), EXEC_EMAIL)
    assert not is_owned_by(item("x", EXEC_EMAIL), None)
    assert is_owned_by(item("x", "Jordan.Lee@Northwind.Example"), EXEC_EMAIL)


# --- The readable page -----------------------------------------------------------------------


def test_your_prep_lists_only_what_the_agenda_does_not_show(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    answered = build_offline_pack(rich(catalog, rules, executive, "leadership_team"))
    assert "## Your prep" not in render_markdown(answered, "Leadership team")

    partly = build_offline_pack(
        rich(catalog, rules, executive, "leadership_team", answers={"1": "Ship it"})
    )
    page = render_markdown(partly, "Leadership team")
    assert "- **Which risks or escalations should the leadership team discuss?** —" in page
    assert "What are your top priorities" not in page
    assert page.count("Ship it") == 1


def test_a_models_pack_keeps_every_answer_under_your_prep(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    pack = build_offline_pack(rich(catalog, rules, executive, "leadership_team"))
    by_model = pack.model_copy(
        update={"agenda": tuple(i.model_copy(update={"notes": ()}) for i in pack.agenda)}
    )

    page = render_markdown(by_model, "Leadership team")

    assert "- **What are your top priorities for the team this week?** Answer 1" in page


HOSTILE = "Alpha\n# Injected heading\n- injected bullet\r\n[bold]x[/bold] \x1b[31mred\x1b[0m"


def test_line_breaks_anywhere_never_split_a_bullet_of_agenda_md(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    hostile_context = ContextResult(
        provider="budget", facts=(HOSTILE,), highlights=(HOSTILE,), questions=(HOSTILE,)
    )
    pack = build_offline_pack(
        rich(
            catalog,
            rules,
            executive,
            "leadership_team",
            answers={"1": HOSTILE, "3": HOSTILE},
            context=[hostile_context],
            open_items=[item(HOSTILE, PRIYA, date(2026, 11, 20))],
            pending_decisions=[PENDING[0].model_copy(update={"text": HOSTILE})],
            people={PRIYA: HOSTILE},
        )
    )

    page = render_markdown(pack.model_copy(update={"title": HOSTILE}), HOSTILE)

    lines = page.splitlines()
    assert not [line for line in lines if line.startswith(("# Injected", "- injected"))]
    # One line each, and the Markdown in it escaped: it reads as written.
    flat = r"Alpha \# Injected heading - injected bullet \[bold\]x\[/bold\] " + (
        "\x1b\\[31mred\x1b\\[0m"
    )
    assert f"# {flat}" in lines
    assert f"- Your prep: {flat}" in lines
    assert f"- {flat}" in lines  # the highlight, the fact, the decision
    assert any(line.startswith(f"- {flat} ({flat}, due") for line in lines)  # the item


def test_links_images_and_html_from_outside_make_none_in_agenda_md(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    poisoned = "Renewal [sign here](javascript:alert(1)) ![x](http://t.example/p.png) <b>now</b>"
    pack = build_offline_pack(
        rich(catalog, rules, executive, "leadership_team", answers={"1": poisoned})
    )
    page = render_markdown(pack.model_copy(update={"title": poisoned}), "Leadership team")
    assert "](" not in page.replace("\\](", "")
    assert "<b>" not in page
    assert (
        r"Renewal \[sign here\](javascript:alert(1)) \!\[x\](http://t.example/p.png) \<b\>now\</b\>"
        in page
    )


def test_ten_thousand_character_names_do_not_break_the_pack(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    name = "n" * 10_000
    long = ContextResult(provider="budget", facts=(name,), highlights=(name,), questions=(name,))

    pack = build_offline_pack(rich(catalog, rules, executive, "qbr", context=[long]))

    budget_section = next(i for i in pack.agenda if i.title == "Budget and forecast")
    assert name in budget_section.notes
    assert f"- {name}" in render_markdown(pack, "QBR").splitlines()
    assert name in pack.questions


def test_an_answer_two_sections_take_is_told_in_the_first(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    general = catalog.get("general")
    twice = general.model_copy(
        update={
            "agenda": (
                AgendaSectionTemplate(title="Purpose", minutes=10, answers_from=("1",)),
                AgendaSectionTemplate(title="Discussion", minutes=20, answers_from=("1", "2")),
            )
        }
    )

    pack = build_offline_pack(
        rich(catalog, rules, executive, "general", meeting_type=twice, answers={"1": "A", "2": "B"})
    )

    assert [i.notes for i in pack.agenda] == [("Your prep: A",), ("Your prep: B",)]


def test_a_title_with_line_breaks_keeps_the_notes_template_headings(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    base = rich(catalog, rules, executive, "general")
    meeting = base.meeting.model_copy(update={"title": "Sync\n## Not a heading"})
    history = ContextResult(provider="history", facts=("Last time: line one\nline two",))

    pack = build_offline_pack(
        rich(catalog, rules, executive, "general", meeting=meeting, context=[history])
    )

    assert pack.notes_template.startswith("# Sync ## Not a heading — ")
    assert "\n## Not a heading" not in pack.notes_template
    assert pack.background["history"] == ["Last time: line one line two"]
