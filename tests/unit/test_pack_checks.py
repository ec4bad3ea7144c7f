"""The checks a model's pack passes before it is used: figures, people, sections, minutes."""

from __future__ import annotations

from datetime import date

import pytest

from exec_assistant.domain.meeting_types import MeetingTypeCatalog
from exec_assistant.domain.pack_checks import (
    DraftSection,
    Grounding,
    PackDraftView,
    check_pack,
    figures_in,
    ungrounded,
)

CONTEXT = (
    "Compute is $1,237,500, 12.5% over budget.",
    "3 SEV1 incidents since 14 Nov.",
    "Storage is $310.0k.",
)


@pytest.mark.parametrize(
    ("text", "grounded"),
    [
        ("Compute is $1.2M over", True),  # rounded as written
        ("Compute is $1.24M over", True),
        ("Compute is $1.3M over", False),
        ("12.5% over", True),
        ("13% over", True),  # 12.5 rounded to a whole percent
        ("15% over", False),
        ("3 SEV1 incidents", True),
        ("4 SEV1 incidents", False),
        ("since Nov 14", True),
        ("since 2026-11-14", True),
        ("by 19 Dec", False),
        ("Storage at $310k", True),
        ("Storage at 310 thousand dollars", True),
    ],
)
def test_a_figure_is_grounded_when_the_context_has_it_as_written_or_rounded(
    text: str, grounded: bool
) -> None:
    grounding = Grounding.of(CONTEXT)
    assert (ungrounded([text], grounding) == []) is grounded


@pytest.mark.parametrize(
    "text",
    ["Q4 QBR", "FY27 plan", "INC-2291 review", "at 10:30", "our 1:1", "v1.2 rollout", "#42"],
)
def test_ids_times_and_names_with_digits_are_not_figures(text: str) -> None:
    assert figures_in(text) == ([], [])


def test_the_meeting_day_and_its_year_are_grounded() -> None:
    grounding = Grounding.of([], [date(2026, 12, 3)])
    assert ungrounded(["Thursday 3 Dec 2026", "Dec 3rd"], grounding) == []


def _view(*sections: tuple[str, int], omitted: dict[str, str] | None = None) -> PackDraftView:
    return PackDraftView(
        sections=tuple(DraftSection(t, m, ()) for t, m in sections),
        omitted=omitted or {},
        other_texts=(),
    )


def test_minutes_sections_and_people_are_each_named_in_the_reasons(
    catalog: MeetingTypeCatalog,
) -> None:
    one_on_one = catalog.get("one_on_one")
    titles = [s.title for s in one_on_one.agenda]
    view = PackDraftView(
        sections=(DraftSection(titles[0], 20, ("Ask Dana Scully",)),),
        omitted={},
        other_texts=(),
    )
    reasons = check_pack(
        view,
        one_on_one,
        30,
        invited=["priya@northwind.example", "Priya Raman"],
        known_people={"dana@northwind.example": "Dana Scully"},
        grounding=Grounding.of([]),
    )
    assert any("(20 = 20) do not add up to the meeting's 30" in r for r in reasons)
    assert any("missing without a reason" in r and f"'{titles[1]}'" in r for r in reasons)
    assert any("not invited: Dana Scully" in r for r in reasons)


def test_an_invited_person_and_an_explained_omission_pass(catalog: MeetingTypeCatalog) -> None:
    one_on_one = catalog.get("one_on_one")
    first, *rest = one_on_one.agenda
    view = PackDraftView(
        sections=(DraftSection(first.title.upper(), 30, ("Priya Raman: rota",)),),
        omitted={s.title: "nothing to review" for s in rest},
        other_texts=(),
    )
    assert (
        check_pack(
            view,
            one_on_one,
            30,
            invited=["priya.raman@northwind.example", "Priya Raman"],
            known_people={"priya.raman@northwind.example": "Priya Raman"},
            grounding=Grounding.of([]),
        )
        == []
    )


@pytest.mark.parametrize(
    "text",
    [
        "Ask Dana\u00a0Scully",  # a no-break space
        "Ask Dana  Scully",
        "Ask Dana\tScully",
        "Ask Dana\nScully",
        "Ask Dana\u00adScully",  # a soft hyphen, shown as a space
        "Ask Dana\u2009Scully",  # a thin space
        "Ask \uff24\uff41\uff4e\uff41 \uff33\uff43\uff55\uff4c\uff4c\uff59",  # full-width letters
        "Ask DANA SCULLY",
    ],
)
def test_an_uninvited_person_is_found_whatever_the_spaces_or_letter_forms_between_the_names(
    catalog: MeetingTypeCatalog, text: str
) -> None:
    one_on_one = catalog.get("one_on_one")
    view = PackDraftView(
        sections=tuple(DraftSection(s.title, s.minutes, ()) for s in one_on_one.agenda),
        omitted={},
        other_texts=(text,),
    )
    reasons = check_pack(
        view,
        one_on_one,
        sum(s.minutes for s in one_on_one.agenda),
        invited=["priya@northwind.example", "Priya Raman"],
        known_people={"dana@northwind.example": "Dana Scully"},
        grounding=Grounding.of([]),
    )
    assert reasons == ["names people who are not invited: Dana Scully"]


@pytest.mark.parametrize(
    "text",
    [
        "hire 40-50 engineers",  # a range: both ends are figures
        "hire 40–50 engineers",
        "headcount -40 next year",
        "a −15% cut",
        "2.5x the spend",
        "cut it by 19/12",  # dates written with a slash or dots
        "due 12/19/2026",
        "by 2026/12/19",
        "on 19.12.2026",
    ],
)
def test_a_figure_written_as_a_range_a_negative_a_multiple_or_a_slashed_date_is_checked(
    text: str,
) -> None:
    assert ungrounded([text], Grounding.of(CONTEXT)) != []


@pytest.mark.parametrize(
    "text",
    [
        "hire 3-12 engineers",  # both ends in the context
        "since 14/11",
        "since 11/14/2026",
        "(-12.5%) against plan",
        "INC-2291 review",  # an id is still not a figure
        "on call 24/7",  # a yearless slash with no date word before it is not a date
        "BR-3 and FY2026-Q4",
        "0x1F",
    ],
)
def test_ranges_and_slashed_dates_the_context_has_pass(text: str) -> None:
    grounding = Grounding.of((*CONTEXT, "12 engineers"))
    assert ungrounded([text], grounding) == []
