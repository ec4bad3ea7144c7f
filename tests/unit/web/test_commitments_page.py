"""Commitments: open items by owner, overdue first, filtered, marked done; the 1:1 view."""

from __future__ import annotations

from datetime import date

from exec_assistant.domain.models import ItemStatus, Meeting

from factories import ME, person
from web_lists import MARCUS, PRIYA, TODAY, ListsRig, in_order, meeting_on
from web_pages import csrf_of, text_of


def test_overdue_items_come_first_then_the_soonest_due_then_those_without_a_date(
    lists: ListsRig, ilt: Meeting
) -> None:
    lists.item(ilt, "Write the capacity plan", due=None)
    lists.item(ilt, "Send the on-call rota", due=date(2026, 12, 10))
    lists.item(ilt, "Circulate the postmortem", due=date(2026, 11, 28))
    lists.item(ilt, "Book the QBR room", due=TODAY)

    text = lists.page("/commitments")

    assert in_order(
        text,
        "Circulate the postmortem Due Saturday 28 November 2026 — overdue by 4 days",
        "Book the QBR room Due Wednesday 02 December 2026 — due today",
        "Send the on-call rota Due Thursday 10 December 2026",
        "Write the capacity plan No due date",
    )
    assert "4 open items, 1 overdue" in text


def test_items_are_grouped_by_owner_the_owner_with_the_most_overdue_item_first(
    lists: ListsRig, ilt: Meeting
) -> None:
    lists.item(ilt, "Send the on-call rota", owner=PRIYA, due=date(2026, 12, 1))
    lists.item(ilt, "Book the QBR room", owner=PRIYA, due=date(2026, 12, 20))
    lists.item(ilt, "Send the compute breakdown", owner=MARCUS, due=date(2026, 11, 20))
    lists.item(ilt, "Someone to look at DNS", owner=None)

    html = lists.executive().get("/commitments").text
    text = text_of(html)

    assert in_order(
        text,
        "Marcus Webb 1 item, 1 overdue",
        "Send the compute breakdown",
        "Priya Raman 2 items, 1 overdue",
        "Send the on-call rota",
        "Book the QBR room",
        "No owner 1 item",
        "Someone to look at DNS",
    )
    assert f'<a href="/people/{PRIYA}">Priya Raman</a>' in html


def test_each_item_links_to_its_meeting_its_line_of_the_notes_and_its_issue(
    lists: ListsRig, ilt: Meeting
) -> None:
    lists.item(
        ilt,
        "Send the on-call rota",
        line=51,
        tracker_key="OPS-142",
        tracker_url="https://northwind.atlassian.net/browse/OPS-142",
    )
    lists.item(ilt, "Fix the pager", tracker_key="OPS-9", tracker_url="javascript:alert(1)")

    html = lists.executive().get("/commitments").text

    mid = ilt.meeting_id
    assert f'<a href="/meetings/{mid}">Infrastructure Leadership Team</a>' in html
    assert f'<a href="/meetings/{mid}/notes#line-51">line 51 of the notes</a>' in html
    assert (
        '<a href="https://northwind.atlassian.net/browse/OPS-142" rel="noopener noreferrer">'
        "OPS-142</a>" in html
    )
    assert "tracked as OPS-9" in text_of(html)
    assert "javascript:" not in html
    assert "(Mon 30 Nov 10:00 EST)" in text_of(html)


def test_done_items_and_proposals_from_notes_not_accepted_are_not_listed(
    lists: ListsRig, ilt: Meeting
) -> None:
    lists.item(ilt, "Send the on-call rota")
    lists.item(ilt, "Circulate the postmortem", status=ItemStatus.DONE)
    lists.item(ilt, "Draft the QBR deck", accepted=False)

    text = lists.page("/commitments")

    assert "Send the on-call rota" in text
    assert "Circulate the postmortem" not in text
    assert "Draft the QBR deck" not in text
    assert "1 open item." in text


def test_the_person_filter_keeps_that_owners_items_and_shows_who_is_chosen(
    lists: ListsRig, ilt: Meeting
) -> None:
    lists.item(ilt, "Send the on-call rota", owner=PRIYA)
    lists.item(ilt, "Send the compute breakdown", owner=MARCUS)

    html = lists.executive().get("/commitments?person=priya").text
    text = text_of(html)

    assert "Send the on-call rota" in text
    assert "Send the compute breakdown" not in text
    assert "1 open item matches the filter, of 2" in text
    assert f'<option value="{MARCUS}">Marcus Webb</option>' in html
    # The first name from the address is kept in the form, selected.
    assert '<option value="priya" selected>priya</option>' in html


def test_the_series_filter_keeps_the_items_of_that_series(lists: ListsRig) -> None:
    first = meeting_on("Jordan / Priya 1:1", 24, meeting_type="leadership_team", series="ser_11")
    later = meeting_on("Jordan / Priya 1:1", 30, meeting_type="leadership_team", series="ser_11")
    ilt = meeting_on("Infrastructure Leadership Team", 30, series="ser_ilt")
    lists.store(first, later, ilt)
    lists.item(first, "Send written feedback")
    lists.item(later, "Send the on-call rota")
    lists.item(ilt, "Book the QBR room")

    html = lists.executive().get("/commitments?series=ser_11").text
    text = text_of(html)

    assert "Send written feedback" in text and "Send the on-call rota" in text
    assert "Book the QBR room" not in text
    assert '<option value="ser_11" selected>Jordan / Priya 1:1</option>' in html
    assert '<option value="ser_ilt">Infrastructure Leadership Team</option>' in html


def test_the_meeting_type_filter_keeps_the_items_of_meetings_of_that_type(
    lists: ListsRig,
) -> None:
    review = meeting_on("Reliability review", 25, meeting_type="reliability_review")
    ilt = meeting_on("Infrastructure Leadership Team", 30)
    lists.store(review, ilt)
    lists.item(review, "Circulate the postmortem")
    lists.item(ilt, "Book the QBR room")

    html = lists.executive().get("/commitments?type=reliability_review").text
    text = text_of(html)

    assert "Circulate the postmortem" in text
    assert "Book the QBR room" not in text
    assert '<option value="reliability_review" selected>' in html


def test_the_filter_form_works_without_script_and_names_its_fields(lists: ListsRig) -> None:
    html = lists.executive().get("/commitments").text

    assert '<form class="filters" method="get" action="/commitments">' in html
    for name in ("person", "series", "type"):
        assert f'<label for="filter-{name}">' in html
        assert f'<select id="filter-{name}" name="{name}">' in html
    assert '<button type="submit">Show</button>' in html
    assert "<script" not in html


def test_a_filter_that_keeps_nothing_says_so_and_offers_to_clear_it(
    lists: ListsRig, ilt: Meeting
) -> None:
    lists.item(ilt, "Send the on-call rota")

    text = lists.page("/commitments?person=nobody")

    assert "No open items match this filter" in text
    assert "clear the filters to see all 1 open item" in text


def test_with_no_items_the_page_says_where_items_come_from(lists: ListsRig) -> None:
    text = lists.page("/commitments")

    assert "No open action items" in text
    assert "give the notes on the meeting's page" in text


def test_a_long_list_is_cut_to_the_most_urgent_and_says_how_many_match(
    lists: ListsRig, ilt: Meeting
) -> None:
    for n in range(204):
        lists.item(ilt, f"Routine item {n:03d}", due=date(2026, 12, 20))
    lists.item(ilt, "The one overdue item", due=date(2026, 11, 1))

    text = lists.page("/commitments")

    assert "Showing the 200 most urgent of 205; narrow the filter to see the others." in text
    assert "The one overdue item" in text
    assert text.count("Routine item") == 199 * 2  # the text, and the button's hidden label


def test_stored_text_is_shown_as_written_never_run(lists: ListsRig) -> None:
    ilt = meeting_on("<script>alert('t')</script> {{ 7*7 }}", 30)
    lists.store(ilt)
    shown = "Ship <img src=x onerror=alert(1)> \u202eevil\x1b[2J"
    lists.item(ilt, shown, owner="<b>Bob</b>", resolved=False)

    html = lists.executive().get("/commitments").text
    text = text_of(html)

    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Bob" not in html
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; {{ 7*7 }}" in html
    assert "Ship <img src=x onerror=alert(1)> \\u202eevil\\x1b[2J" in text
    assert "\u202e" not in html and "\x1b" not in html
    assert "<b>Bob</b> (not an attendee)" in text


# -- Mark done --------------------------------------------------------------------------


def test_mark_done_stores_it_and_comes_back_to_the_filtered_list_without_it(
    lists: ListsRig, ilt: Meeting
) -> None:
    rota = lists.item(ilt, "Send the on-call rota", owner=PRIYA)
    lists.item(ilt, "Book the QBR room", owner=PRIYA)
    browser = lists.executive()
    html = browser.get("/commitments?person=priya").text
    assert f'action="/commitments/{rota.item_id}/done"' in html

    answer = browser.post(
        f"/commitments/{rota.item_id}/done",
        data={"csrf": csrf_of(html), "next": "/commitments?person=priya"},
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/commitments?person=priya&done=1"
    stored = lists.items.get(rota.item_id)
    assert stored is not None and stored.status == ItemStatus.DONE
    text = text_of(browser.get(answer.headers["location"]).text)
    assert "Marked done" in text
    assert "Send the on-call rota" not in text
    assert "Book the QBR room" in text


def test_marking_an_item_done_twice_changes_nothing_more(lists: ListsRig, ilt: Meeting) -> None:
    rota = lists.item(ilt, "Send the on-call rota")
    browser = lists.executive()
    token = csrf_of(browser.get("/commitments").text)

    first = browser.post(f"/commitments/{rota.item_id}/done", data={"csrf": token})
    done = lists.items.get(rota.item_id)
    again = browser.post(f"/commitments/{rota.item_id}/done", data={"csrf": token})

    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == "/commitments?done=1"
    assert lists.items.get(rota.item_id) == done
    assert done is not None and done.status == ItemStatus.DONE


def test_mark_done_without_the_forms_token_is_refused_and_changes_nothing(
    lists: ListsRig, ilt: Meeting
) -> None:
    rota = lists.item(ilt, "Send the on-call rota")
    browser = lists.executive()

    missing = browser.post(f"/commitments/{rota.item_id}/done", data={})
    wrong = browser.post(f"/commitments/{rota.item_id}/done", data={"csrf": "forged"})

    assert missing.status_code == wrong.status_code == 403
    assert lists.items.get(rota.item_id) == rota


def test_mark_done_of_an_unknown_item_shows_a_not_found_page(lists: ListsRig) -> None:
    browser = lists.executive()
    token = csrf_of(browser.get("/commitments").text)

    answer = browser.post("/commitments/act_gone/done", data={"csrf": token})

    assert answer.status_code == 404
    assert "no action item with id 'act_gone'" in text_of(answer.text)


def test_mark_done_of_a_proposal_says_to_accept_the_notes_first(
    lists: ListsRig, ilt: Meeting
) -> None:
    proposal = lists.item(ilt, "Draft the QBR deck", accepted=False)
    browser = lists.executive()
    token = csrf_of(browser.get("/commitments").text)

    answer = browser.post(f"/commitments/{proposal.item_id}/done", data={"csrf": token})

    assert answer.status_code == 409
    assert f"Accept the notes of meeting {ilt.meeting_id} first" in text_of(answer.text)
    assert lists.items.get(proposal.item_id) == proposal


def test_mark_done_never_sends_the_browser_to_another_site(lists: ListsRig, ilt: Meeting) -> None:
    rota = lists.item(ilt, "Send the on-call rota")
    browser = lists.executive()
    token = csrf_of(browser.get("/commitments").text)

    answer = browser.post(
        f"/commitments/{rota.item_id}/done", data={"csrf": token, "next": "//evil.example/x"}
    )

    assert answer.headers["location"] == "/?done=1"


# -- A delegate and private meetings ------------------------------------------------------


def test_a_delegate_does_not_see_the_items_of_private_meetings(lists: ListsRig) -> None:
    debrief = meeting_on("Debrief: Staff SRE candidate", 27, meeting_type="interview_debrief")
    ilt = meeting_on("Infrastructure Leadership Team", 30)
    lists.store(debrief, ilt)
    secret = lists.item(debrief, "Send the hiring decision to the recruiter", owner=PRIYA)
    lists.item(ilt, "Send the on-call rota", owner=PRIYA)
    delegate = lists.delegate()

    listed = text_of(delegate.get("/commitments").text)
    person_page = text_of(delegate.get(f"/people/{PRIYA}").text)
    typed = text_of(delegate.get("/commitments?type=interview_debrief").text)
    token = csrf_of(delegate.get("/commitments").text)
    marked = delegate.post(f"/commitments/{secret.item_id}/done", data={"csrf": token})

    for text in (listed, person_page, typed):
        assert "Send the hiring decision" not in text
        assert "Debrief" not in text
    assert "Send the on-call rota" in listed and "Send the on-call rota" in person_page
    assert "Interview debrief" not in listed  # not even offered as a type to filter by
    assert marked.status_code == 404
    assert lists.items.get(secret.item_id) == secret


def test_a_delegate_granted_private_meetings_sees_their_items(lists: ListsRig) -> None:
    debrief = meeting_on("Debrief: Staff SRE candidate", 27, meeting_type="interview_debrief")
    lists.store(debrief)
    lists.item(debrief, "Send the hiring decision to the recruiter")

    executive_view = lists.page("/commitments")
    granted = text_of(lists.delegate(sees_private=True).get("/commitments").text)

    assert "Send the hiring decision" in executive_view
    assert "Send the hiring decision" in granted


# -- The 1:1 view -------------------------------------------------------------------------


def test_a_persons_page_shows_what_they_owe_and_what_the_executive_promised_them(
    lists: ListsRig,
) -> None:
    one_on_one = meeting_on(
        "Jordan / Priya 1:1", 30, meeting_type="one_on_one", attendees=(ME, person("Priya Raman"))
    )
    staff = meeting_on(
        "Exec staff", 26, meeting_type="executive_staff", attendees=(ME, person("Marcus Webb"))
    )
    lists.store(one_on_one, staff)
    lists.item(one_on_one, "Send the on-call rota", owner=PRIYA, due=date(2026, 12, 20))
    lists.item(one_on_one, "Get the cardinality report", owner=PRIYA, due=date(2026, 11, 30))
    lists.item(one_on_one, "Send written feedback on the candidate", owner=lists.executive_email)
    lists.item(staff, "Approve the compute budget", owner=lists.executive_email)
    lists.item(staff, "Send the compute breakdown", owner=MARCUS)

    html = lists.executive().get("/people/priya.raman%40northwind.example").text
    text = text_of(html)

    assert "<h1>Priya Raman</h1>" in html
    assert in_order(
        text,
        "What Priya Raman owes 2 open items",
        "Get the cardinality report",
        "Send the on-call rota",
        "Promised to Priya Raman",
        "Send written feedback on the candidate",
    )
    assert "Approve the compute budget" not in text  # Priya was not at that meeting
    assert "Send the compute breakdown" not in text
    assert 'aria-current="page"' in html and 'href="/commitments" aria-current' in html


def test_a_persons_page_is_found_by_first_name_too(lists: ListsRig, ilt: Meeting) -> None:
    lists.item(ilt, "Send the on-call rota", owner=PRIYA)

    text = lists.page("/people/priya")

    assert "What Priya Raman owes 1 open item" in text


def test_a_persons_page_marks_an_item_done_and_comes_back_to_it(
    lists: ListsRig, ilt: Meeting
) -> None:
    rota = lists.item(ilt, "Send the on-call rota", owner=PRIYA)
    browser = lists.executive()
    html = browser.get(f"/people/{PRIYA}").text
    assert f'name="next" value="/people/{PRIYA}"' in html

    answer = browser.post(
        f"/commitments/{rota.item_id}/done",
        data={"csrf": csrf_of(html), "next": f"/people/{PRIYA}"},
    )

    assert answer.headers["location"] == f"/people/{PRIYA}?done=1"
    text = text_of(browser.get(answer.headers["location"]).text)
    assert "Marked done" in text and f"No open items for {PRIYA}" in text


def test_a_person_with_nothing_open_gets_a_page_saying_so(lists: ListsRig) -> None:
    text = lists.page("/people/nobody@northwind.example")

    assert "No open items for nobody@northwind.example" in text
    assert "Nothing open: the executive owes no item" in text


def test_the_pages_need_a_session(lists: ListsRig) -> None:
    browser = lists.web.browser()

    listed = browser.get("/commitments?person=priya")
    someone = browser.get(f"/people/{PRIYA}")

    assert listed.status_code == someone.status_code == 303
    assert listed.headers["location"].startswith("/sign-in?next=")


def test_an_owner_who_is_not_an_attendee_is_marked(lists: ListsRig, ilt: Meeting) -> None:
    lists.item(ilt, "Call the vendor", owner="Sam", resolved=False)

    text = lists.page("/commitments")

    assert "Sam (not an attendee) 1 item" in text


def test_a_persons_page_without_a_name_is_not_found(lists: ListsRig) -> None:
    for path in ("/people/", "/people/%20%20"):
        answer = lists.executive().get(path)
        assert answer.status_code == 404, path
        assert "No person is named in this address." in answer.text
