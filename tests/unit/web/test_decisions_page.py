"""Decisions: the register across meetings, by status and series, searched, linked to the
notes line each came from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import DecisionStatus, Meeting

from factories import stored_meeting
from web_pages import WebRig, text_of, web_rig


@pytest.fixture
def rig(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> WebRig:
    return web_rig(catalog, rules, executive)


def meeting(
    title: str, day: int, *, meeting_type: str = "leadership_team", series: str | None = None
) -> Meeting:
    found = stored_meeting(
        title,
        start=datetime(2026, 11, day, 15, 0, tzinfo=UTC),
        meeting_type=meeting_type,
        meeting_id=f"mtg_{title[:4].lower()}{day}",
    )
    return found.model_copy(update={"series_id": series or found.series_id})


def page(rig: WebRig, path: str = "/decisions") -> str:
    answer = rig.executive().get(path)
    assert answer.status_code == 200, answer.text
    return text_of(answer.text)


def in_order(text: str, *parts: str) -> bool:
    places = [text.find(p) for p in parts]
    return -1 not in places and places == sorted(places)


def test_pending_decisions_come_first_then_the_decided_then_the_superseded(
    rig: WebRig,
) -> None:
    older = meeting("Infrastructure Leadership Team", 23)
    newer = meeting("Infrastructure Leadership Team", 30)
    rig.store(older, newer)
    rig.decision(older, "Renew Datadog for 24 months", status=DecisionStatus.SUPERSEDED)
    rig.decision(older, "Freeze changes from 18 December")
    rig.decision(newer, "Renew Datadog for 12 months at most")
    rig.decision(newer, "Whether to open a third SRE req", status=DecisionStatus.PENDING)
    rig.decision(newer, "Draft of a decision", accepted=False)

    text = page(rig)

    assert in_order(
        text,
        "Pending: still to decide 1",
        "Whether to open a third SRE req",
        "Decided 2",
        "Renew Datadog for 12 months at most",  # the latest meeting first
        "Freeze changes from 18 December",
        "Superseded by a later decision 1",
        "Renew Datadog for 24 months",
    )
    assert "Draft of a decision" not in text
    assert "4 decisions across meetings" in text


def test_each_decision_links_to_its_meeting_and_its_line_of_the_notes(rig: WebRig) -> None:
    ilt = meeting("Infrastructure Leadership Team", 30)
    rig.store(ilt)
    rig.decision(ilt, "Renew Datadog for 12 months at most", line=40)
    rig.decision(ilt, "Keep the QBR on the 14th", line=None)

    html = rig.executive().get("/decisions").text

    mid = ilt.meeting_id
    assert f'<a href="/meetings/{mid}/notes#line-40">line 40 of the notes</a>' in html
    assert html.count(f'<a href="/meetings/{mid}">Infrastructure Leadership Team</a>') == 2
    assert "(Mon 30 Nov 10:00 EST)" in text_of(html)


def test_search_ignores_case_and_accents_and_looks_at_meeting_titles(rig: WebRig) -> None:
    cafe = meeting("Café planning with Zoë", 25)
    ilt = meeting("Infrastructure Leadership Team", 30)
    rig.store(cafe, ilt)
    rig.decision(cafe, "Move the offsite to the São Paulo office")
    rig.decision(ilt, "RENEW Datadog for 12 months at most")
    rig.decision(ilt, "Freeze changes from 18 December")

    by_accent = page(rig, "/decisions?q=sao+PAULO")
    by_title = page(rig, "/decisions?q=cafe+zoe")
    by_case = page(rig, "/decisions?q=renew+datadog")
    accented_query = page(rig, "/decisions?q=D%C3%A9cember")

    assert "Move the offsite to the São Paulo office" in by_accent
    assert "Datadog" not in by_accent
    assert "1 decision of 3 matches" in by_accent
    assert "Move the offsite" in by_title and "Datadog" not in by_title
    assert "RENEW Datadog" in by_case and "Freeze" not in by_case
    assert "Freeze changes from 18 December" in accented_query


def test_a_search_with_no_match_says_what_to_try(rig: WebRig) -> None:
    ilt = meeting("Infrastructure Leadership Team", 30)
    rig.store(ilt)
    rig.decision(ilt, "Freeze changes from 18 December")

    text = page(rig, "/decisions?q=headcount")

    assert "No decision matches" in text
    assert "case and accents do not matter" in text


def test_markup_in_decisions_and_in_the_search_is_shown_never_run(rig: WebRig) -> None:
    ilt = meeting("Infrastructure <i>Leadership</i>", 30)
    rig.store(ilt)
    rig.decision(ilt, "Use <script>alert(1)</script> {{ config }} \u202eright-to-left")

    html = rig.executive().get('/decisions?q="><script>x</script>').text
    found = rig.executive().get("/decisions?q=%3Cscript%3E").text

    assert "<script>x" not in html
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert "<script>alert" not in found and "<i>Leadership" not in found
    assert "Use <script>alert(1)</script> {{ config }} \\u202eright-to-left" in text_of(found)
    assert "Infrastructure <i>Leadership</i>" in text_of(found)


def test_the_status_filter_keeps_the_decisions_of_that_status(rig: WebRig) -> None:
    ilt = meeting("Infrastructure Leadership Team", 30)
    rig.store(ilt)
    rig.decision(ilt, "Whether to open a third SRE req", status=DecisionStatus.PENDING)
    rig.decision(ilt, "Freeze changes from 18 December")

    html = rig.executive().get("/decisions?status=pending").text
    text = text_of(html)

    assert "Whether to open a third SRE req" in text
    assert "Freeze changes" not in text
    assert '<option value="pending" selected>Pending</option>' in html


def test_the_series_filter_keeps_the_decisions_of_that_series(rig: WebRig) -> None:
    first = meeting("Jordan / Priya 1:1", 24, series="ser_11")
    later = meeting("Jordan / Priya 1:1", 30, series="ser_11")
    ilt = meeting("Infrastructure Leadership Team", 30, series="ser_ilt")
    rig.store(first, later, ilt)
    rig.decision(first, "Priya leads the failover game day")
    rig.decision(later, "Load tests sign off payments changes")
    rig.decision(ilt, "Freeze changes from 18 December")

    html = rig.executive().get("/decisions?series=ser_11").text
    text = text_of(html)

    assert "Priya leads" in text and "Load tests sign off" in text
    assert "Freeze changes" not in text
    assert '<option value="ser_11" selected>Jordan / Priya 1:1</option>' in html


def test_the_search_form_works_without_script_and_labels_its_fields(rig: WebRig) -> None:
    html = rig.executive().get("/decisions").text

    assert '<form class="filters" method="get" action="/decisions" role="search">' in html
    assert '<label for="filter-q">' in html and 'id="filter-q" name="q"' in html
    assert '<label for="filter-status">' in html and '<label for="filter-series">' in html
    assert "<script" not in html


def test_a_delegate_does_not_see_the_decisions_of_private_meetings(rig: WebRig) -> None:
    debrief = meeting("Debrief: Staff SRE candidate", 27, meeting_type="interview_debrief")
    ilt = meeting("Infrastructure Leadership Team", 30)
    rig.store(debrief, ilt)
    rig.decision(debrief, "Make an offer to the Staff SRE candidate")
    rig.decision(ilt, "Freeze changes from 18 December")

    listed = text_of(rig.delegate().get("/decisions").text)
    searched = text_of(rig.delegate().get("/decisions?q=offer").text)
    granted = text_of(rig.delegate(sees_private=True).get("/decisions").text)

    assert "Make an offer" not in listed and "Debrief" not in listed
    assert "Freeze changes" in listed and "1 decision across meetings" in listed
    assert "Make an offer" not in searched and "No decision matches" in searched
    assert "Make an offer" in granted


def test_a_long_register_is_cut_keeping_what_is_still_to_decide(rig: WebRig) -> None:
    older = meeting("Infrastructure Leadership Team", 2)
    ilt = meeting("Infrastructure Leadership Team", 30)
    rig.store(older, ilt)
    rig.decision(older, "Whether to open a third SRE req", status=DecisionStatus.PENDING)
    for n in range(203):
        rig.decision(ilt, f"Routine decision {n:03d}")

    text = page(rig)

    assert "Showing 200 of 204; narrow the search to see the others." in text
    assert "Pending: still to decide 1 Whether to open a third SRE req" in text
    assert text.count("Routine decision") == 199


def test_with_no_decisions_the_page_says_where_they_come_from(rig: WebRig) -> None:
    text = page(rig)

    assert "No decisions recorded yet" in text
    assert "give the notes on the meeting's page and accept them" in text
