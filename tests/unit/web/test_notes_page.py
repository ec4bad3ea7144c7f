"""The Notes page: notes pasted or uploaded, what they produced shown beside them with each
item's source line highlighted, the items corrected and then accepted; nothing listed or
shared before *Accept*; hostile notes shown as written and refused where they are not text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from starlette.testclient import TestClient

from exec_assistant.domain.models import ActionItem, Meeting, MeetingStatus
from exec_assistant.services.followup import list_action_items, list_decisions
from exec_assistant.services.notes_review import review_version
from exec_assistant.web.pages.notes import EDITABLE_ITEMS
from exec_assistant.web.viewer import Role, Viewer

from factories import stored_meeting
from web_pages import DELEGATE, NOW, WebRig, web_rig

NOTES = """# Leadership team
Attendees: Jordan, Priya

## Decisions
- Decision: move the launch to January

## Action Items
- [ ] Priya Raman to draft the runbook by 2026-12-20
- [ ] Dana Scully to call the vendor
"""
DECISION_LINE, RUNBOOK_LINE, VENDOR_LINE = 5, 8, 9
TODAY = NOW.date()


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="([^"]+)"')


@pytest.fixture
def rig() -> WebRig:
    return web_rig()


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found is not None, "the page has no form"
    return found.group(1)


def accept_form(page: str) -> dict[str, str]:
    """The fields of a form that only accepts: its security token and its version."""
    found = _VERSION.search(page)
    assert found is not None, "the page has no review form"
    return {"csrf": csrf_of(page), "version": found.group(1)}


def held(
    rig: WebRig, title: str = "Leadership team", meeting_type: str = "leadership_team"
) -> Meeting:
    """A meeting that ended an hour ago, its pack delivered: waiting for its notes."""
    meeting = stored_meeting(title, start=NOW - timedelta(hours=2), meeting_type=meeting_type)
    rig.site.meetings.put(meeting)
    return meeting


def path(meeting: Meeting) -> str:
    return f"/meetings/{meeting.meeting_id}/notes"


def give(
    client: TestClient,
    meeting: Meeting,
    notes: str = "",
    *,
    file: tuple[str, bytes] | None = None,
    force: bool = False,
    csrf: str | None = None,
) -> httpx.Response:
    """The notes form as a browser sends it: multipart, the file part empty when no file
    was chosen."""
    token = csrf if csrf is not None else csrf_of(client.get(path(meeting)).text)
    fields = {"csrf": token, "notes": notes}
    if force:
        fields["force"] = "yes"
    name, data = file or ("", b"")
    return client.post(
        path(meeting),
        data=fields,
        files={"file": (name, data, "text/markdown" if name else "application/octet-stream")},
        follow_redirects=False,
    )


def with_notes(rig: WebRig) -> tuple[Meeting, TestClient]:
    """A meeting that took place, NOTES given for it, and the executive's client."""
    meeting = held(rig)
    client = rig.signed_in()
    assert give(client, meeting, NOTES).status_code == 303
    return meeting, client


def items_of(rig: WebRig, meeting: Meeting) -> dict[str, ActionItem]:
    return {i.text: i for i in rig.site.action_items.list(meeting_id=meeting.meeting_id)}


_INPUT = re.compile(r'<input type="(?:text|date)"[^>]*name="([^"]+)" value="([^"]*)"')
_TEXTAREA = re.compile(r'<textarea[^>]*name="(text\.[^"]+)"[^>]*>\n(.*?)</textarea>', re.S)


def review_fields(page: str) -> dict[str, str]:
    """The review form's fields as the page fills them, as a browser would send them."""
    form = page[page.index('class="review"') :]
    form = form[: form.index("</form>")]
    fields = {m.group(1): html.unescape(m.group(2)) for m in _INPUT.finditer(form)}
    fields |= {m.group(1): html.unescape(m.group(2)) for m in _TEXTAREA.finditer(form)}
    fields |= accept_form(page)
    return fields


# --- giving the notes ----------------------------------------------------------------------


def test_a_meeting_without_notes_offers_to_paste_or_upload_them(rig: WebRig) -> None:
    meeting = held(rig)
    page = rig.signed_in().get(path(meeting))
    assert page.status_code == 200
    assert "No notes were given for this meeting yet" in page.text
    assert '<label for="notes-text">Paste the notes</label>' in page.text
    assert 'type="file" id="notes-file" name="file"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert f'href="/meetings/{meeting.meeting_id}"' in page.text  # back to the meeting
    assert "has not taken place yet" not in page.text  # no force checkbox: it took place


def test_pasted_notes_show_proposed_items_beside_the_notes_their_lines_highlighted(
    rig: WebRig,
) -> None:
    meeting = held(rig)
    client = rig.signed_in()
    given = give(client, meeting, NOTES)
    assert given.status_code == 303
    assert given.headers["location"] == f"{path(meeting)}?done=read"
    page = client.get(given.headers["location"]).text
    assert "The notes were read" in page
    assert "Not accepted yet" in page
    assert "Draft the runbook" in page and "Move the launch to January" in page
    # each item links to its line; the line is numbered, anchored and highlighted
    assert f'<a href="#line-{RUNBOOK_LINE}">line {RUNBOOK_LINE}</a>' in page
    assert (
        f'<li id="line-{RUNBOOK_LINE}" class="cited"><span class="ln">{RUNBOOK_LINE}</span>' in page
    )
    assert f'<li id="line-{DECISION_LINE}" class="cited">' in page
    assert '<li id="line-2"><span class="ln">2</span>' in page  # not cited: not highlighted
    assert '<a class="cites" href="#item-1">action item 1</a>' in page
    # the summary, decisions and items come before the notes, in two columns on a desktop
    assert page.index("What the notes say") < page.index('<ol class="notes-lines">')
    assert items_of(rig, meeting)["Draft the runbook"].accepted is False


def test_an_uploaded_file_is_read_as_the_notes_command_reads_it(rig: WebRig) -> None:
    meeting = held(rig)
    client = rig.signed_in()
    # Word's "Save as text" writes Windows-1252: its curly quotes come through
    data = NOTES.replace("the vendor", "the \u201cvendor\u201d").encode("cp1252")
    given = give(client, meeting, file=("minutes.md", data))
    assert given.status_code == 303
    page = client.get(path(meeting)).text
    assert "Call the \u201cvendor\u201d" in page
    assert f'<li id="line-{VENDOR_LINE}" class="cited">' in page
    stored = rig.site.documents.get(f"meetings/{meeting.meeting_id}/notes.md")
    assert stored is not None and "\u201cvendor\u201d" in stored.decode()


def test_an_owner_not_among_the_attendees_is_marked_unresolved(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    page = client.get(path(meeting)).text
    vendor = page[page.index('id="item-2"') :]
    vendor = vendor[: vendor.index("</fieldset>")]
    assert '<span class="tag warn">unresolved</span>' in vendor
    assert "Dana Scully</bdi> is not among the attendees" in vendor
    runbook = page[page.index('id="item-1"') : page.index('id="item-2"')]
    assert "unresolved" not in runbook
    assert 'value="priya.raman@northwind.example"' in runbook


def test_the_line_a_decisions_page_links_to_is_there_to_land_on(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    [decision] = rig.site.decisions.list(meeting_id=meeting.meeting_id)
    page = client.get(f"{path(meeting)}#line-{decision.source_line}").text
    assert f'<li id="line-{decision.source_line}" class="cited">' in page
    css = client.get("/assets/app.css").text
    assert "ol.notes-lines li:target" in css


def test_a_meeting_not_started_is_refused_unless_the_executive_says_so(rig: WebRig) -> None:
    upcoming = stored_meeting("Board prep", start=NOW + timedelta(days=1))
    rig.site.meetings.put(upcoming)
    client = rig.signed_in()
    page = client.get(path(upcoming)).text
    label = "Store these notes now, although the meeting has not taken place yet"
    assert f'<label for="notes-force">{label}</label>' in page
    refused = give(client, upcoming, NOTES)
    assert refused.status_code == 409
    assert "has not started yet" in refused.text
    assert "tick the box below to store them now" in refused.text and "--force" not in refused.text
    assert NOTES.splitlines()[4] in refused.text  # what was pasted is still there
    assert rig.site.action_items.list(meeting_id=upcoming.meeting_id) == []
    forced = give(client, upcoming, NOTES, force=True)
    assert forced.status_code == 303
    assert len(rig.site.action_items.list(meeting_id=upcoming.meeting_id)) == 2


def test_corrected_notes_replace_the_proposal(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    page = client.get(path(meeting)).text
    assert "Give corrected notes" in page
    assert NOTES.splitlines()[7] in page  # the notes are there to correct
    unreadable = give(client, meeting, file=("minutes.md", b"%PDF-1.7\n"))
    assert unreadable.status_code == 400
    assert '<details class="correct-notes" open>' in unreadable.text  # still open to retry
    assert NOTES.splitlines()[7] in unreadable.text.split('<details class="correct-notes"')[1]
    corrected = NOTES.replace("Dana Scully to call the vendor", "Priya Raman to call the vendor")
    again = give(client, meeting, corrected)
    assert again.headers["location"] == f"{path(meeting)}?done=replaced"
    page = client.get(again.headers["location"]).text
    assert "The corrected notes replaced what the earlier ones produced" in page
    items = items_of(rig, meeting)
    assert items["Call the vendor"].owner == "priya.raman@northwind.example"
    assert len(items) == 2
    assert "unresolved" not in page.split("The notes</h2>")[0]


# --- editing and accepting -------------------------------------------------------------


def test_edited_items_are_saved_and_stay_proposals_until_accepted(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    page = client.get(path(meeting)).text
    vendor = items_of(rig, meeting)["Call the vendor"]
    fields = review_fields(page)
    assert fields[f"due.{vendor.item_id}"] == ""
    fields[f"text.{vendor.item_id}"] = "Call the vendor about the renewal"
    fields[f"owner.{vendor.item_id}"] = "priya.raman@northwind.example"
    fields[f"due.{vendor.item_id}"] = "2026-12-04"
    saved = client.post(f"{path(meeting)}/items", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{path(meeting)}?done=edited"
    edited = rig.site.action_items.list(meeting_id=meeting.meeting_id)[1]
    assert (edited.text, edited.owner, edited.due) == (
        "Call the vendor about the renewal",
        "priya.raman@northwind.example",
        date(2026, 12, 4),
    )
    assert edited.accepted is False
    page = client.get(saved.headers["location"]).text
    assert "Your changes are saved" in page
    assert 'value="2026-12-04"' in page


def test_accepting_puts_the_items_on_commitments_and_says_so(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    assert list_action_items(rig.site.action_items, rig.site.meetings, TODAY) == []
    assert list_decisions(rig.site.decisions, rig.site.meetings) == []
    fields = review_fields(client.get(path(meeting)).text)
    accepted = client.post(f"{path(meeting)}/accept", data=fields, follow_redirects=False)
    assert accepted.status_code == 303
    page = client.get(accepted.headers["location"]).text
    assert "The items and decisions are accepted" in page
    assert '<a href="/commitments">Commitments</a>' in page
    assert '<a href="/decisions">Decisions</a>' in page
    assert 'class="review"' not in page  # no form left to change them
    listed = list_action_items(rig.site.action_items, rig.site.meetings, TODAY)
    assert sorted(v.item.text for v in listed) == ["Call the vendor", "Draft the runbook"]
    assert [v.decision.text for v in list_decisions(rig.site.decisions, rig.site.meetings)] == [
        "Move the launch to January"
    ]


def test_accept_keeps_the_changes_left_in_the_form(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    runbook = items_of(rig, meeting)["Draft the runbook"]
    fields = review_fields(client.get(path(meeting)).text)
    fields[f"due.{runbook.item_id}"] = "2026-12-18"
    client.post(f"{path(meeting)}/accept", data=fields, follow_redirects=False)
    stored = items_of(rig, meeting)["Draft the runbook"]
    assert (stored.due, stored.accepted) == (date(2026, 12, 18), True)


def test_refused_edits_are_shown_beside_their_items_and_nothing_is_stored(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    before = rig.site.action_items.list(meeting_id=meeting.meeting_id)
    runbook, vendor = items_of(rig, meeting).values()
    fields = review_fields(client.get(path(meeting)).text)
    fields[f"text.{runbook.item_id}"] = "   "
    fields[f"due.{vendor.item_id}"] = "2206-12-09"
    fields[f"owner.{vendor.item_id}"] = "Marcus Webb"
    for action in ("items", "accept"):
        refused = client.post(f"{path(meeting)}/{action}", data=fields, follow_redirects=False)
        assert refused.status_code == 409
        assert "2 action items could not be saved as written; nothing was stored" in refused.text
        item_1 = refused.text[refused.text.index('id="item-1"') :]
        assert '<p class="problem" id="item-1-problem">The text is empty. Say what' in item_1
        assert "The due date 2206-12-09 is not plausible" in item_1[item_1.index('id="item-2"') :]
        assert 'value="Marcus Webb"' in refused.text  # what was typed is kept
        assert rig.site.action_items.list(meeting_id=meeting.meeting_id) == before
    assert list_action_items(rig.site.action_items, rig.site.meetings, TODAY) == []


def test_a_due_date_that_is_not_a_date_is_refused_with_the_form_it_takes(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    vendor = items_of(rig, meeting)["Call the vendor"]
    fields = review_fields(client.get(path(meeting)).text)
    fields[f"due.{vendor.item_id}"] = "next Tuesday"
    refused = client.post(f"{path(meeting)}/items", data=fields, follow_redirects=False)
    assert refused.status_code == 409
    assert "is not a date" in refused.text and "YYYY-MM-DD" in refused.text
    assert items_of(rig, meeting)["Call the vendor"].due is None


def test_notes_with_only_decisions_wait_for_acceptance_too(rig: WebRig) -> None:
    meeting = held(rig)
    client = rig.signed_in()
    give(client, meeting, "# Sync\n## Decisions\n- Decision: keep the vendor\n")
    page = client.get(path(meeting)).text
    assert "Not accepted yet" in page and "are accepted" not in page
    assert "Accept these decisions</button>" in page
    assert list_decisions(rig.site.decisions, rig.site.meetings) == []
    client.post(f"{path(meeting)}/accept", data=accept_form(page))
    assert [v.decision.text for v in list_decisions(rig.site.decisions, rig.site.meetings)] == [
        "Keep the vendor"
    ]


def test_more_items_than_one_form_can_carry_are_listed_to_accept_as_read(rig: WebRig) -> None:
    meeting = held(rig)
    client = rig.signed_in()
    many = EDITABLE_ITEMS + 1
    notes = "## Action Items\n" + "".join(
        f"- [ ] Priya Raman to check part {n}\n" for n in range(many)
    )
    give(client, meeting, notes)
    page = client.get(path(meeting)).text
    assert 'class="review"' not in page
    assert f"{many} action items are too many to correct here at once" in page
    assert f'<li id="line-{many + 1}" class="cited">' in page
    client.post(f"{path(meeting)}/accept", data=accept_form(page))
    assert len(list_action_items(rig.site.action_items, rig.site.meetings, TODAY)) == many


# --- hostile and broken input ----------------------------------------------------------


def test_markup_and_template_syntax_in_notes_are_shown_as_written(rig: WebRig) -> None:
    meeting = held(rig, title="Sync <img src=x onerror=alert(1)> {{ 'pwn' ~ 'ed' }}")
    client = rig.signed_in()
    notes = NOTES.replace(
        "move the launch to January",
        "ship <script>alert('x')</script> {{ 'pwn' ~ 'ed' }} {% raw %}",
    )
    assert give(client, meeting, notes).status_code == 303
    page = client.get(path(meeting)).text
    assert "<script>alert" not in page and "<img src=x" not in page
    quoted = "{{ &#39;pwn&#39; ~ &#39;ed&#39; }}"
    assert f"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; {quoted} {{% raw %}}" in page
    assert f"Sync &lt;img src=x onerror=alert(1)&gt; {quoted}" in page
    assert "pwned" not in page


def test_control_characters_and_direction_overrides_are_shown_not_obeyed(rig: WebRig) -> None:
    meeting = held(rig)
    client = rig.signed_in()
    notes = NOTES.replace("draft the runbook", "draft the \u202erunbook\x1b[2J now")
    assert give(client, meeting, notes).status_code == 303
    page = client.get(path(meeting)).text
    assert "\u202e" not in page and "\x1b" not in page
    # the notes to correct show them too, each line where it was
    correct = page[page.index('<details class="correct-notes"') :]
    textarea = correct[correct.index("<textarea") : correct.index("</textarea>")]
    assert textarea.split("\n")[RUNBOOK_LINE].endswith(
        "the \\u202erunbook\\x1b[2J now by 2026-12-20"
    )
    line = page[page.index(f'<li id="line-{RUNBOOK_LINE}"') :]
    assert (
        '<span class="lt" dir="auto">- [ ] Priya Raman to draft the \\u202erunbook\\x1b[2J' in line
    )
    # in the form, the text as it will be stored once saved: the controls dropped
    fields = review_fields(page)
    runbook = next(v for k, v in fields.items() if k.startswith("text.") and "runbook" in v)
    assert runbook == "Draft the runbook[2J now"
    # accepted as the notes gave it, the item is listed with its controls written out
    client.post(f"{path(meeting)}/accept", data=accept_form(page))
    page = client.get(path(meeting)).text
    assert "<p><bdi>Draft the \\u202erunbook\\x1b[2J now</bdi></p>" in page


def test_a_paste_over_the_size_limit_gets_a_clear_page(rig: WebRig) -> None:
    meeting = held(rig)
    client = rig.signed_in()
    refused = give(client, meeting, ("- [ ] ACTION: Priya to read it all\n" * 100_000)[:3_000_000])
    assert refused.status_code == 413
    assert "the notes are larger than 2 MB" in refused.text
    assert "exec-assistant notes MEETING FILE" in refused.text
    assert '<label for="notes-text">Paste the notes</label>' in refused.text  # try again
    assert rig.site.documents.get(f"meetings/{meeting.meeting_id}/notes.md") is None


def test_a_paste_over_the_size_limit_sent_without_a_length_gets_the_same_page(
    rig: WebRig,
) -> None:
    """A body sent chunked: the size is found while the form is read, not from a header."""
    meeting = held(rig)
    client = rig.signed_in()
    token = csrf_of(client.get(path(meeting)).text)
    boundary = "----notesboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="notes"\r\n\r\n'
        + "- [ ] ACTION: Priya to read it all\n" * 70_000
        + f"\r\n--{boundary}--\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    refused = client.post(
        f"{path(meeting)}",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert refused.status_code == 413
    assert "the notes are larger than 2 MB" in refused.text
    assert rig.site.documents.get(f"meetings/{meeting.meeting_id}/notes.md") is None


def test_empty_notes_are_refused(rig: WebRig) -> None:
    meeting = held(rig)
    refused = give(rig.signed_in(), meeting, "  \r\n \t\r\n")
    assert refused.status_code == 400
    assert "no notes were given" in refused.text
    assert '<label for="notes-text">Paste the notes</label>' in refused.text  # try again
    assert rig.site.meetings.get(meeting.meeting_id).status == MeetingStatus.MATERIALS_READY


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        (
            "minutes.md",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "minutes.md is a PNG image, not text",
        ),
        ("minutes.md", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "minutes.md is a PDF document"),
        ("minutes.txt", b"# Notes\n\x00\x01\x02\x03", "minutes.txt is not text: it contains NUL"),
        (
            "minutes.md",
            b"\xff\xfe" + "# Notes\n".encode("utf-16-le") + b"\x00",
            "is not UTF-16",
        ),
        ("minutes.csv", b"# Notes\n- [ ] ACTION: Priya to go\n", "is not a .md or .txt file"),
    ],
    ids=["image", "pdf", "nul-bytes", "broken-utf16", "not-md-or-txt"],
)
def test_a_file_that_is_not_notes_is_refused_and_says_why(
    rig: WebRig, name: str, data: bytes, says: str
) -> None:
    meeting = held(rig)
    refused = give(rig.signed_in(), meeting, file=(name, data))
    assert refused.status_code == 400
    assert says in refused.text
    assert rig.site.documents.get(f"meetings/{meeting.meeting_id}/notes.md") is None


def test_a_paste_with_a_nul_byte_is_refused(rig: WebRig) -> None:
    meeting = held(rig)
    refused = give(rig.signed_in(), meeting, NOTES + "stray \x00 byte\n")
    assert refused.status_code == 400
    assert "What was pasted is not text: it contains NUL characters, from line 10" in refused.text
    assert rig.site.documents.get(f"meetings/{meeting.meeting_id}/notes.md") is None


def test_notes_pasted_and_a_file_chosen_are_refused(rig: WebRig) -> None:
    meeting = held(rig)
    refused = give(rig.signed_in(), meeting, NOTES, file=("minutes.md", NOTES.encode()))
    assert refused.status_code == 400
    assert "Paste the notes or choose a file, not both." in refused.text


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["", "/items", "/accept"])
def test_a_form_without_the_security_token_is_refused(rig: WebRig, action: str) -> None:
    meeting, client = with_notes(rig)
    before = rig.site.action_items.list(meeting_id=meeting.meeting_id)
    fields = review_fields(client.get(path(meeting)).text)
    del fields["csrf"]
    fields["notes"] = "# Replaced\n- [ ] ACTION: Priya to go\n"
    refused = client.post(f"{path(meeting)}{action}", data=fields, follow_redirects=False)
    assert refused.status_code == 403
    assert "security token is missing" in refused.text
    assert rig.site.action_items.list(meeting_id=meeting.meeting_id) == before
    assert all(not i.accepted for i in before)


def test_a_delegate_may_not_open_or_give_a_private_meetings_notes(rig: WebRig) -> None:
    one_on_one = held(rig, title="Jordan / Priya 1:1", meeting_type="one_on_one")
    executive = rig.signed_in()
    give(executive, one_on_one, NOTES)
    delegate = rig.signed_in_as(DELEGATE)
    page = delegate.get(path(one_on_one))
    assert page.status_code == 403
    assert "Draft the runbook" not in page.text and "1:1" not in page.text
    csrf = rig.csrf(delegate)
    assert give(delegate, one_on_one, "# Other\n", csrf=csrf).status_code == 403
    for action in ("/items", "/accept"):
        posted = delegate.post(f"{path(one_on_one)}{action}", data={"csrf": csrf})
        assert posted.status_code == 403
    assert all(not i.accepted for i in rig.site.action_items.list(meeting_id=one_on_one.meeting_id))
    stored = rig.site.documents.get(f"meetings/{one_on_one.meeting_id}/notes.md")
    assert stored is not None and stored.decode() == NOTES


def test_a_delegate_works_on_the_notes_of_a_meeting_that_is_not_private(rig: WebRig) -> None:
    meeting = held(rig)
    delegate = rig.signed_in_as(DELEGATE)
    assert give(delegate, meeting, NOTES).status_code == 303
    trusted = Viewer("U0TRUSTED", "Ana", Role.DELEGATE, sees_private=True)
    one_on_one = held(rig, title="Jordan / Priya 1:1", meeting_type="one_on_one")
    assert rig.signed_in_as(trusted).get(path(one_on_one)).status_code == 200


def test_notes_of_an_unknown_meeting_are_not_found(rig: WebRig) -> None:
    page = rig.signed_in().get("/meetings/mtg_nosuchmeeting0000/notes")
    assert page.status_code == 404


# --- notes cut short, and forms of items that changed since ---------------------------------


def test_notes_stored_but_not_read_to_the_end_are_not_shown_as_read(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    client.post(f"{path(meeting)}/accept", data=accept_form(client.get(path(meeting)).text))
    # what a crash leaves after new notes are stored, before they are read to the end
    rig.site.documents.put(
        f"meetings/{meeting.meeting_id}/notes.md",
        b"# Again\n## Action Items\n- [ ] Priya Raman to call the bank\n",
    )
    page = client.get(path(meeting)).text
    assert "reading them was not finished" in page
    assert "are accepted" not in page and "Draft the runbook" not in page
    assert "to call the bank" in page  # the notes given are kept, and shown

    # refused, although the form's version is that of the items stored
    stored = review_version(
        rig.site.action_items.list(meeting_id=meeting.meeting_id),
        rig.site.decisions.list(meeting_id=meeting.meeting_id),
    )
    refused = client.post(
        f"{path(meeting)}/accept", data={"csrf": csrf_of(page), "version": stored}
    )
    assert refused.status_code == 409 and "not fully read" in refused.text
    read = client.post(f"{path(meeting)}/read", data={"csrf": csrf_of(page)})
    assert read.status_code == 303
    page = client.get(read.headers["location"]).text
    assert "reading them was not finished" not in page and "read again" in page
    assert set(items_of(rig, meeting)) == {"Call the bank"}
    assert "Not accepted yet" in page


def test_a_form_opened_before_acceptance_is_refused_and_shows_the_items_now(
    rig: WebRig,
) -> None:
    meeting, client = with_notes(rig)
    opened = review_fields(client.get(path(meeting)).text)
    owner = next(k for k in opened if k.startswith("owner.") and "priya" in opened[k].lower())
    changed = opened | {owner: "jordan@northwind.example"}
    assert client.post(f"{path(meeting)}/accept", data=changed).status_code == 303
    accepted = items_of(rig, meeting)

    for action in ("/accept", "/items"):
        stale = opened | {owner: "dana@northwind.example"}
        refused = client.post(f"{path(meeting)}{action}", data=stale, follow_redirects=False)
        assert refused.status_code == 409
        assert "changed since you opened the page" in refused.text
        assert "make your changes again" in refused.text
        assert "dana@northwind.example" not in refused.text
        assert items_of(rig, meeting) == accepted


def test_of_two_forms_of_one_version_only_the_first_is_taken(rig: WebRig) -> None:
    meeting, client = with_notes(rig)
    other = rig.signed_in()
    fields = review_fields(client.get(path(meeting)).text)
    owner = next(k for k in fields if k.startswith("owner.") and "priya" in fields[k].lower())
    first = client.post(f"{path(meeting)}/items", data=fields | {owner: "one@northwind.example"})
    theirs = fields | {"csrf": csrf_of(other.get(path(meeting)).text)}
    second = other.post(f"{path(meeting)}/items", data=theirs | {owner: "two@northwind.example"})
    assert (first.status_code, second.status_code) == (303, 409)
    assert {i.owner for i in items_of(rig, meeting).values()} >= {"one@northwind.example"}
    assert "two@northwind.example" not in {i.owner for i in items_of(rig, meeting).values()}
