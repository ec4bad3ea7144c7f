"""Decisions: the register across meetings, by status and series, searched, linked to the
notes line each came from."""

from __future__ import annotations

from exec_assistant.domain.models import DecisionStatus, Meeting

from web_lists import ListsRig, in_order, meeting_on
from web_pages import text_of


def test_pending_decisions_come_first_then_the_decided_then_the_superseded(
    lists: ListsRig,
) -> None:
    older = meeting_on("Infrastructure Leadership Team", 23)
    newer = meeting_on("Infrastructure Leadership Team", 30)
    lists.store(older, newer)
    lists.decision(older, "Renew Datadog for 24 months", status=DecisionStatus.SUPERSEDED)
    lists.decision(older, "Freeze changes from 18 December")
    lists.decision(newer, "Renew Datadog for 12 months at most")
    lists.decision(newer, "Whether to open a third SRE req", status=DecisionStatus.PENDING)
    lists.decision(newer, "Draft of a decision", accepted=False)

    text = lists.page("/decisions")

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


def test_each_decision_links_to_its_meeting_and_its_line_of_the_notes(
    lists: ListsRig, ilt: Meeting
) -> None:
    lists.decision(ilt, "Renew Datadog for 12 months at most", line=40)
    lists.decision(ilt, "Keep the QBR on the 14th", line=None)

    html = lists.executive().get("/decisions").text

    mid = ilt.meeting_id
    assert f'<a href="/meetings/{mid}/notes#line-40">line 40 of the notes</a>' in html
    assert html.count(f'<a href="/meetings/{mid}">Infrastructure Leadership Team</a>') == 2
    assert "(Mon 30 Nov 10:00 EST)" in text_of(html)


def test_search_ignores_case_and_accents_and_looks_at_meeting_titles(lists: ListsRig) -> None:
    cafe = meeting_on("Café planning with Zoë", 25)
    ilt = meeting_on("Infrastructure Leadership Team", 30)
    lists.store(cafe, ilt)
    lists.decision(cafe, "Move the offsite to the São Paulo office")
    lists.decision(ilt, "RENEW Datadog for 12 months at most")
    lists.decision(ilt, "Freeze changes from 18 December")

    by_accent = lists.page("/decisions?q=sao+PAULO")
    by_title = lists.page("/decisions?q=cafe+zoe")
    by_case = lists.page("/decisions?q=renew+datadog")
    accented_query = lists.page("/decisions?q=D%C3%A9cember")

    assert "Move the offsite to the São Paulo office" in by_accent
    assert "Datadog" not in by_accent
    assert "1 decision of 3 matches" in by_accent
    assert "Move the offsite" in by_title and "Datadog" not in by_title
    assert "RENEW Datadog" in by_case and "Freeze" not in by_case
    assert "Freeze changes from 18 December" in accented_query


def test_a_search_with_no_match_says_what_to_try(lists: ListsRig, ilt: Meeting) -> None:
    lists.decision(ilt, "Freeze changes from 18 December")

    text = lists.page("/decisions?q=headcount")

    assert "No decision matches" in text
    assert "case and accents do not matter" in text


def test_markup_in_decisions_and_in_the_search_is_shown_never_run(lists: ListsRig) -> None:
    ilt = meeting_on("Infrastructure <i>Leadership</i>", 30)
    lists.store(ilt)
    lists.decision(ilt, "Use <script>alert(1)</script> {{ config }} \u202eright-to-left")

    html = lists.executive().get('/decisions?q="><script>x</script>').text
    found = lists.executive().get("/decisions?q=%3Cscript%3E").text

    assert "<script>x" not in html
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert "<script>alert" not in found and "<i>Leadership" not in found
    assert "Use <script>alert(1)</script> {{ config }} \\u202eright-to-left" in text_of(found)
    assert "Infrastructure <i>Leadership</i>" in text_of(found)


def test_the_status_filter_keeps_the_decisions_of_that_status(
    lists: ListsRig, ilt: Meeting
) -> None:
    lists.decision(ilt, "Whether to open a third SRE req", status=DecisionStatus.PENDING)
    lists.decision(ilt, "Freeze changes from 18 December")

    html = lists.executive().get("/decisions?status=pending").text
    text = text_of(html)

    assert "Whether to open a third SRE req" in text
    assert "Freeze changes" not in text
    assert '<option value="pending" selected>Pending</option>' in html


def test_the_series_filter_keeps_the_decisions_of_that_series(lists: ListsRig) -> None:
    first = meeting_on("Jordan / Priya 1:1", 24, series="ser_11")
    later = meeting_on("Jordan / Priya 1:1", 30, series="ser_11")
    ilt = meeting_on("Infrastructure Leadership Team", 30, series="ser_ilt")
    lists.store(first, later, ilt)
    lists.decision(first, "Priya leads the failover game day")
    lists.decision(later, "Load tests sign off payments changes")
    lists.decision(ilt, "Freeze changes from 18 December")

    html = lists.executive().get("/decisions?series=ser_11").text
    text = text_of(html)

    assert "Priya leads" in text and "Load tests sign off" in text
    assert "Freeze changes" not in text
    assert '<option value="ser_11" selected>Jordan / Priya 1:1</option>' in html


def test_the_search_form_works_without_script_and_labels_its_fields(lists: ListsRig) -> None:
    html = lists.executive().get("/decisions").text

    assert '<form class="filters" method="get" action="/decisions" role="search">' in html
    assert '<label for="filter-q">' in html and 'id="filter-q" name="q"' in html
    assert '<label for="filter-status">' in html and '<label for="filter-series">' in html
    assert "<script" not in html


def test_a_delegate_does_not_see_the_decisions_of_private_meetings(lists: ListsRig) -> None:
    debrief = meeting_on("Debrief: Staff SRE candidate", 27, meeting_type="interview_debrief")
    ilt = meeting_on("Infrastructure Leadership Team", 30)
    lists.store(debrief, ilt)
    lists.decision(debrief, "Make an offer to the Staff SRE candidate")
    lists.decision(ilt, "Freeze changes from 18 December")

    listed = text_of(lists.delegate().get("/decisions").text)
    searched = text_of(lists.delegate().get("/decisions?q=offer").text)
    granted = text_of(lists.delegate(sees_private=True).get("/decisions").text)

    assert "Make an offer" not in listed and "Debrief" not in listed
    assert "Freeze changes" in listed and "1 decision across meetings" in listed
    assert "Make an offer" not in searched and "No decision matches" in searched
    assert "Make an offer" in granted


def test_a_long_register_is_cut_keeping_what_is_still_to_decide(lists: ListsRig) -> None:
    older = meeting_on("Infrastructure Leadership Team", 2)
    ilt = meeting_on("Infrastructure Leadership Team", 30)
    lists.store(older, ilt)
    lists.decision(older, "Whether to open a third SRE req", status=DecisionStatus.PENDING)
    for n in range(203):
        lists.decision(ilt, f"Routine decision {n:03d}")

    text = lists.page("/decisions")

    assert "Showing 200 of 204; narrow the search to see the others." in text
    assert "Pending: still to decide 1 Whether to open a third SRE req" in text
    assert text.count("Routine decision") == 199


def test_with_no_decisions_the_page_says_where_they_come_from(lists: ListsRig) -> None:
    text = lists.page("/decisions")

    assert "No decisions recorded yet" in text
    assert "give the notes on the meeting's page and accept them" in text


def test_a_status_the_register_does_not_have_is_refused_naming_those_it_has(
    lists: ListsRig,
) -> None:
    answer = lists.executive().get("/decisions", params={"status": "bogus<b>"})
    assert answer.status_code == 400
    assert "status must be one of: pending, decided, superseded, or none" in answer.text
    assert "bogus" not in answer.text
