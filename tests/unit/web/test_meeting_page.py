"""The meeting page on in-memory fakes: the meeting and its pack, the prep questions as a
form that resumes the waiting prep, the follow-up question, reclassify, skip, the notes
template, what a delegate may not see, and hostile input."""

from __future__ import annotations

import dataclasses
import itertools
import re
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.discovery import Executive
from exec_assistant.domain.follow_ups import FollowUp
from exec_assistant.domain.identity import session_id_for
from exec_assistant.domain.meeting_types import MeetingType, MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ChatSession, Meeting, MeetingStatus, SessionState
from exec_assistant.domain.prep_steps import PrepRequest
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.ports import AnswerReview
from exec_assistant.services.prep import PrepSteps

from factories import ME, person
from prep_fakes import (
    PROVIDERS,
    StaticProvider,
    gather_all,
    make_deps,
    run_to_pack,
    store_meeting,
)
from web_pages import (
    DELEGATE,
    WAIT_TOKEN,
    PrepWebRig,
    ask,
    csrf_of,
    prep_web_rig,
    send_form,
    text_of,
)

PRIORITIES = "What are your top priorities for the team this week?"
RISKS = "Which risks or escalations should the leadership team discuss?"
DECISIONS = "Any decisions you want the team to make in this meeting?"
HOSTILE = '<script>alert("x")</script> {{ 7*7 }} \x1b[2J \u202eevil'


@pytest.fixture
def rig(catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive) -> PrepWebRig:
    return prep_web_rig(catalog, rules, executive)


def asking(
    rig: PrepWebRig, title: str = "Infrastructure Leadership Team"
) -> tuple[str, PrepRequest]:
    """A leadership-team prep that asked its three questions and waits for the answers."""
    meeting, request = store_meeting(rig.deps, title=title)
    ask(rig.deps, request)
    return meeting.meeting_id, request


def prepared(rig: PrepWebRig, title: str = "Infrastructure Leadership Team") -> str:
    meeting, request = store_meeting(rig.deps, title=title)
    run_to_pack(rig.deps, request, {"1": "Close the capacity plan", "2": "The checkout outage"})
    return meeting.meeting_id


def session_of(rig: PrepWebRig, request: PrepRequest) -> ChatSession:
    found = rig.deps.sessions.get(session_id_for(request.prep_id))
    assert found is not None
    return found


def post_answers(
    rig: PrepWebRig, meeting_id: str, browser: TestClient | None = None, /, **fields: str
) -> Any:
    """Send the page's form of answers (as shown: its round and turn) with `fields`."""
    browser = browser or rig.client()
    page = browser.get(f"/meetings/{meeting_id}")
    form = {"csrf": csrf_of(page.text), **fields}
    shown = dict(re.findall(r'name="(round|turn)" value="(\d+)"', page.text))
    assert "round" in shown, "the page shows no form of answers"
    form = {**shown, **form}
    return browser.post(f"/meetings/{meeting_id}/answers", data=form, follow_redirects=False)


# --- the meeting and its pack -----------------------------------------------------------------


def test_the_pack_shows_the_time_boxed_agenda_questions_decisions_items_and_background(
    rig: PrepWebRig,
) -> None:
    meeting_id = prepared(rig)
    page = rig.client().get(f"/meetings/{meeting_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Infrastructure Leadership Team" in text and "Pack ready" in text
    assert "Leadership team" in text  # the type, with why
    assert "Priya Raman" in text and "Marcus Webb" in text  # the attendees
    # 12:00 in New York: the agenda's slots follow one another and fill the hour.
    slots = re.findall(r"(\d\d:\d\d)–(\d\d:\d\d) (\d+) min", text)
    assert slots[0][0] == "12:00" and slots[-1][1] == "13:00"
    assert all(a[1] == b[0] for a, b in itertools.pairwise(slots))
    assert sum(int(minutes) for _, _, minutes in slots) == 60
    assert "60 minutes in" in text
    assert "Your prep: Close the capacity plan" in text
    for heading in ("Questions to ask", "Decisions needed", "Open action items", "Background"):
        assert f"<h2>{heading}</h2>" in page.text or heading in text
    assert "Budget budget fact: 42%" in text  # the background, by source
    assert "Prepared Mon 30 Nov 07:00 EST by the offline generator." in text
    assert 'href="/meetings/' + meeting_id + '/notes"' in page.text  # the Notes page


def test_a_source_that_could_not_be_read_says_why(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> None:
    providers = {name: StaticProvider(name) for name in PROVIDERS}
    providers["budget"] = StaticProvider(
        "budget", ContextResult.unavailable("budget", "budget.csv is missing from the folder")
    )
    rig = prep_web_rig(
        catalog, rules, executive, deps=make_deps(catalog, rules, executive, providers=providers)
    )
    meeting_id = prepared(rig)
    text = text_of(rig.client().get(f"/meetings/{meeting_id}").text)
    assert "Budget Unavailable: budget.csv is missing from the folder" in text
    assert "Staffing staffing fact: 42%" in text


def test_a_meeting_not_prepared_yet_says_when_its_prep_starts(rig: PrepWebRig) -> None:
    meeting, _ = store_meeting(rig.deps, starts_in=timedelta(days=5))
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.prep_at is not None
    page = rig.client().get(f"/meetings/{meeting.meeting_id}")
    text = text_of(page.text)
    assert page.status_code == 200
    assert "The prep starts Fri 04 Dec 07:00 EST" in text
    assert "No pack yet" in text
    assert "notes-template.md" not in page.text  # nothing to download yet
    assert "live.js" not in page.text  # nothing moves before the prep time


def test_an_unknown_meeting_is_a_404_page_that_says_what_to_do(rig: PrepWebRig) -> None:
    page = rig.client().get("/meetings/mtg_0000000000000000")
    assert page.status_code == 404
    assert "no meeting with id" in text_of(page.text)


def test_a_failed_prep_shows_the_error_and_when_it_is_retried(rig: PrepWebRig) -> None:
    meeting, _ = store_meeting(rig.deps)
    now = rig.deps.clock.now()
    rig.deps.meetings.update(
        meeting.meeting_id,
        lambda m: m.with_status(MeetingStatus.SCHEDULED).with_status(
            MeetingStatus.FAILED,
            prep_error="GenerateMaterials: the model did not answer",
            retry_at=now + timedelta(minutes=30),
        ),
    )
    text = text_of(rig.client().get(f"/meetings/{meeting.meeting_id}").text)
    assert "The prep failed." in text
    assert "GenerateMaterials: the model did not answer" in text
    assert "It is retried Mon 30 Nov 07:30 EST" in text
    assert f"exec-assistant prep {meeting.meeting_id} --retry" in text


def test_a_cancelled_meeting_says_so_and_offers_nothing(rig: PrepWebRig) -> None:
    meeting, _ = store_meeting(rig.deps)
    rig.deps.meetings.update(
        meeting.meeting_id,
        lambda m: m.with_status(MeetingStatus.CANCELLED, skip_reason="removed from the calendar"),
    )
    page = rig.client().get(f"/meetings/{meeting.meeting_id}")
    text = text_of(page.text)
    assert "Cancelled: nothing is prepared or sent for it." in text
    assert "removed from the calendar" in text
    assert "<form" not in page.text.split("<main", 1)[1]  # not even a sign-out in main
    assert "/notes" not in page.text


# --- the questions ----------------------------------------------------------------------------


def test_the_questions_form_resumes_the_waiting_prep_and_the_page_shows_it_goes_on(
    rig: PrepWebRig,
) -> None:
    meeting_id, request = asking(rig)
    browser = rig.client()
    page = browser.get(f"/meetings/{meeting_id}")
    for n, question in enumerate((PRIORITIES, RISKS, DECISIONS), start=1):
        assert f'<label for="answer-{n}">{n}. {question}</label>' in page.text.replace("&#39;", "'")
    assert browser.get(f"/meetings/{meeting_id}/status").json()["stage"] == "asking"

    sent = post_answers(
        rig, meeting_id, browser, action="answer", **{"answer-1": "Close the capacity plan"}
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/meetings/{meeting_id}?done=answered"
    assert [token for token, _ in rig.engine.delivered] == [WAIT_TOKEN]
    session = session_of(rig, request)
    assert session.state == SessionState.ANSWERED
    assert session.answers == {"1": "Close the capacity plan"}

    after = browser.get(f"/meetings/{meeting_id}?done=answered")
    text = text_of(after.text)
    assert "Your answers are in: the prep goes on with them." in text
    assert "The prep goes on: gathering the context and writing the pack." in text
    assert f'<a href="/meetings/{meeting_id}">Refresh</a>' in after.text  # without JS
    assert '<script src="/assets/live.js" defer></script>' in after.text
    assert f'data-status-url="/meetings/{meeting_id}/status"' in after.text
    assert 'aria-live="polite"' in after.text
    assert '<meta http-equiv="refresh"' not in after.text
    assert "answer-1" not in after.text  # the form is gone
    status = browser.get(f"/meetings/{meeting_id}/status").json()
    assert status["stage"] == "writing" and status["in_progress"] is True


def test_the_questions_are_prefilled_with_the_answers_given_so_far(rig: PrepWebRig) -> None:
    meeting_id, request = asking(rig)
    rig.deps.sessions.update(
        session_of(rig, request).session_id,
        lambda s: s.model_copy(update={"answers": {"2": "The <checkout> outage"}}),
    )
    page = rig.client().get(f"/meetings/{meeting_id}")
    assert ">The &lt;checkout&gt; outage</textarea>" in page.text


def test_go_on_without_answers_resumes_the_prep_with_none(rig: PrepWebRig) -> None:
    meeting_id, request = asking(rig)
    sent = post_answers(rig, meeting_id, action="defaults")
    assert sent.headers["location"].endswith("?done=defaults")
    assert len(rig.engine.delivered) == 1
    assert session_of(rig, request).answers == {}


def test_an_empty_form_is_refused_and_says_what_to_do(rig: PrepWebRig) -> None:
    meeting_id, request = asking(rig)
    sent = post_answers(rig, meeting_id, action="answer", **{"answer-1": "  \x1b  "})
    assert sent.status_code == 422
    assert "no answer was given" in text_of(sent.text)
    assert rig.engine.delivered == [] and not session_of(rig, request).answers_given


def test_the_status_of_a_prep_is_json_for_the_page_script(rig: PrepWebRig) -> None:
    meeting_id = prepared(rig)
    status = rig.client().get(f"/meetings/{meeting_id}/status")
    assert status.headers["content-type"] == "application/json"
    assert status.json() == {
        "stage": "ready",
        "label": "The pack is ready.",
        "status": "materials_ready",
        "status_label": "Pack ready",
        "in_progress": False,
    }


def test_the_page_script_is_served_and_the_page_has_no_inline_script(rig: PrepWebRig) -> None:
    meeting_id, _ = asking(rig)
    browser = rig.client()
    post_answers(rig, meeting_id, browser, action="answer", **{"answer-1": "Plan"})
    page = browser.get(f"/meetings/{meeting_id}").text
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/assets/live.js" defer>']
    script = browser.get("/assets/live.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "data-status-url" in script.text and "location.replace" in script.text


# --- follow-up questions ----------------------------------------------------------------------


@dataclasses.dataclass
class AsksOnce:
    """An answer reviewer that finds answer `number` vague, once."""

    number: str
    question: str
    name: str = "scripted"
    destination: ModelDestination = dataclasses.field(
        default_factory=lambda: ModelDestination("anthropic")
    )

    def review(
        self, meeting: Meeting, meeting_type: MeetingType, session: ChatSession
    ) -> AnswerReview:
        return AnswerReview(follow_up=FollowUp(self.number, self.question))


@pytest.fixture
def reviewed(
    catalog: MeetingTypeCatalog, rules: NotificationRules, executive: Executive
) -> PrepWebRig:
    deps = make_deps(catalog, rules, executive)
    deps = dataclasses.replace(
        deps, answer_reviewer=AsksOnce("2", "Which incident: <the> checkout outage?")
    )
    return prep_web_rig(catalog, rules, executive, deps=deps, follow_ups=True)


def test_a_vague_answer_gets_a_follow_up_form_whose_answer_joins_it(reviewed: PrepWebRig) -> None:
    meeting_id, request = asking(reviewed)
    browser = reviewed.client()
    sent = post_answers(
        reviewed, meeting_id, browser, action="answer",
        **{"answer-1": "Close the plan", "answer-2": "the incident"},
    )  # fmt: skip
    assert sent.headers["location"].endswith("?done=follow_up")
    assert reviewed.engine.delivered == []  # the prep still waits
    page = browser.get(f"/meetings/{meeting_id}?done=follow_up")
    text = text_of(page.text)
    assert "One of them has a follow-up question below." in text
    assert (
        '<label for="follow-up">Which incident: &lt;the&gt; checkout outage?</label>' in page.text
    )
    assert "the incident" in text  # the answer it asks about

    sent = post_answers(
        reviewed, meeting_id, browser, action="follow-up", **{"follow-up": "INC-2291"}
    )
    assert sent.headers["location"].endswith("?done=followed_up")
    session = session_of(reviewed, request)
    assert session.answers["2"] == "the incident — INC-2291"
    assert session.state == SessionState.ANSWERED
    assert [token for token, _ in reviewed.engine.delivered] == [WAIT_TOKEN]


def test_nothing_to_add_to_a_follow_up_lets_the_prep_go_on(reviewed: PrepWebRig) -> None:
    meeting_id, request = asking(reviewed)
    browser = reviewed.client()
    post_answers(reviewed, meeting_id, browser, action="answer", **{"answer-2": "the incident"})
    sent = post_answers(reviewed, meeting_id, browser, action="nothing")
    assert sent.status_code == 303
    assert session_of(reviewed, request).answers == {"2": "the incident"}
    assert len(reviewed.engine.delivered) == 1


def test_a_follow_up_answered_twice_is_taken_once(reviewed: PrepWebRig) -> None:
    meeting_id, request = asking(reviewed)
    browser = reviewed.client()
    post_answers(reviewed, meeting_id, browser, action="answer", **{"answer-2": "the incident"})
    page = browser.get(f"/meetings/{meeting_id}").text
    form = {
        "csrf": csrf_of(page),
        "round": "1",
        "turn": "1",
        "action": "follow-up",
        "follow-up": "INC-1",
    }
    assert (
        browser.post(
            f"/meetings/{meeting_id}/answers", data=form, follow_redirects=False
        ).status_code
        == 303
    )
    again = browser.post(f"/meetings/{meeting_id}/answers", data=form, follow_redirects=False)
    assert again.status_code == 409
    assert session_of(reviewed, request).answers["2"] == "the incident — INC-1"
    assert len(reviewed.engine.delivered) == 1


def test_the_answers_sent_again_while_a_follow_up_waits_do_not_answer_it(
    reviewed: PrepWebRig,
) -> None:
    meeting_id, request = asking(reviewed)
    browser = reviewed.client()
    page = browser.get(f"/meetings/{meeting_id}").text
    form = {"csrf": csrf_of(page), "round": "1", "action": "answer", "answer-2": "the incident"}
    first = browser.post(f"/meetings/{meeting_id}/answers", data=form, follow_redirects=False)
    again = browser.post(f"/meetings/{meeting_id}/answers", data=form, follow_redirects=False)
    assert first.status_code == 303 and again.status_code == 409
    assert "are in already" in text_of(again.text)
    session = session_of(reviewed, request)
    assert session.pending_follow_up is not None  # still waits for its answer
    assert reviewed.engine.delivered == []


# --- reclassify and skip ----------------------------------------------------------------------


def test_reclassify_changes_the_series_type_and_restarts_the_waiting_prep(rig: PrepWebRig) -> None:
    meeting_id, _ = asking(rig)
    browser = rig.client()
    page = browser.get(f"/meetings/{meeting_id}")
    assert '<option value="leadership_team" selected>Leadership team</option>' in page.text
    sent = send_form(browser, meeting_id, "type", meeting_type="qbr")
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/meetings/{meeting_id}?done=restarted"
    stored = rig.meeting(meeting_id)
    assert stored.meeting_type == "qbr" and stored.prep_attempt == 2
    assert rig.site.overrides.get(stored.series_id) == "qbr"
    assert rig.engine.started[-1].workflow_id == stored.workflow_id
    text = text_of(browser.get(sent.headers["location"]).text)
    assert "its prep starts again with the new type's questions" in text
    assert "QBR" in text


def test_reclassify_to_an_unknown_type_is_refused_and_changes_nothing(rig: PrepWebRig) -> None:
    meeting_id = prepared(rig)
    browser = rig.client()
    sent = send_form(browser, meeting_id, "type", meeting_type="<b>board</b>")
    assert sent.status_code == 422
    assert "unknown meeting type '<b>board</b>'" in text_of(sent.text)
    assert "Known types:" in text_of(sent.text)
    assert "<b>board" not in sent.text
    assert rig.meeting(meeting_id).meeting_type == "leadership_team"
    assert rig.site.overrides.get(rig.meeting(meeting_id).series_id) is None


def test_reclassify_without_a_type_chosen_says_to_choose_one(rig: PrepWebRig) -> None:
    meeting_id = prepared(rig)
    sent = send_form(rig.client(), meeting_id, "type", meeting_type="")
    assert sent.status_code == 422
    assert "no meeting type was chosen" in text_of(sent.text)
    assert "unknown meeting type" not in text_of(sent.text)
    assert rig.meeting(meeting_id).meeting_type == "leadership_team"


def test_skip_stops_the_prep_says_why_and_offers_nothing_more(rig: PrepWebRig) -> None:
    meeting_id, _ = asking(rig)
    browser = rig.client()
    sent = send_form(browser, meeting_id, "skip", reason="Travelling <that> day\x1b")
    assert sent.headers["location"] == f"/meetings/{meeting_id}?done=skipped"
    stored = rig.meeting(meeting_id)
    assert stored.status == MeetingStatus.SKIPPED
    assert stored.skip_reason == "Travelling <that> day"
    assert stored.workflow_id in rig.engine.cancelled
    after = browser.get(sent.headers["location"])
    text = text_of(after.text)
    assert "Skipped: nothing more will be prepared or sent for this meeting." in text
    assert "Why: Travelling <that> day" in text and "&lt;that&gt;" in after.text
    main = after.text.split("<main", 1)[1]
    assert "answer-1" not in main and "/skip" not in main and "/type" not in main
    assert "/notes" not in main


def test_skipping_a_meeting_whose_notes_are_in_is_refused(rig: PrepWebRig) -> None:
    meeting_id = prepared(rig)
    rig.deps.meetings.update(meeting_id, lambda m: m.with_status(MeetingStatus.COMPLETED))
    browser = rig.client()
    page = browser.get(f"/meetings/{meeting_id}")
    assert "Skip this meeting" not in page.text
    sent = send_form(browser, meeting_id, "skip")
    assert sent.status_code == 409 and "there is nothing to skip" in text_of(sent.text)


# --- the notes template -----------------------------------------------------------------------


def test_the_notes_template_downloads_as_a_file_with_a_safe_name(rig: PrepWebRig) -> None:
    meeting_id = prepared(rig, title='Café ☕ review / "Q1" \u202e<x>')
    got = rig.client().get(f"/meetings/{meeting_id}/notes-template.md")
    assert got.status_code == 200
    assert got.headers["content-disposition"] == (
        'attachment; filename="notes-cafe-review-q1-x-2026-11-30.md"'
    )
    assert got.headers["content-type"] == "text/markdown; charset=utf-8"
    assert "### " in got.text and "## Action Items" in got.text


def test_the_notes_template_of_a_pack_not_written_yet_is_a_clear_404(rig: PrepWebRig) -> None:
    meeting, _ = store_meeting(rig.deps, starts_in=timedelta(days=5))
    got = rig.client().get(f"/meetings/{meeting.meeting_id}/notes-template.md")
    assert got.status_code == 404
    text = text_of(got.text)
    assert "No notes template yet" in text
    assert "The prep starts Fri 04 Dec 07:00 EST" in text


# --- who may see it ---------------------------------------------------------------------------


def test_a_delegate_gets_403_on_every_route_of_a_private_meeting(rig: PrepWebRig) -> None:
    one_on_one = (ME, person("Elena Park"))
    meeting, request = store_meeting(rig.deps, title="1:1 Jordan / Elena", attendees=one_on_one)
    assert meeting.meeting_type == "one_on_one" and rig.site.is_private("one_on_one")
    run_to_pack(rig.deps, request, {"1": "Her promotion case"})
    mid = meeting.meeting_id
    delegate = rig.client(DELEGATE)
    token = csrf_of(delegate.get("/").text)
    for path in ("", "/status", "/notes-template.md"):
        got = delegate.get(f"/meetings/{mid}{path}")
        assert got.status_code == 403, path
        assert "1:1 Jordan" not in got.text and "promotion" not in got.text
    for path, data in (
        ("/answers", {"round": "1", "action": "defaults"}),
        ("/type", {"meeting_type": "general"}),
        ("/skip", {}),
    ):
        got = delegate.post(
            f"/meetings/{mid}{path}", data={"csrf": token, **data}, follow_redirects=False
        )
        assert got.status_code == 403, path
    stored = rig.meeting(mid)
    assert stored.status == MeetingStatus.MATERIALS_READY and stored.meeting_type == "one_on_one"
    assert rig.client().get(f"/meetings/{mid}").status_code == 200  # the executive sees it


def test_a_delegate_sees_other_meetings_but_is_not_offered_private_types(rig: PrepWebRig) -> None:
    meeting_id = prepared(rig)
    delegate = rig.client(DELEGATE)
    page = delegate.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200 and "Infrastructure Leadership Team" in page.text
    assert 'value="qbr"' in page.text and 'value="one_on_one"' not in page.text
    sent = send_form(delegate, meeting_id, "type", meeting_type="one_on_one")
    assert sent.status_code == 403
    assert rig.meeting(meeting_id).meeting_type == "leadership_team"


# --- hostile input ----------------------------------------------------------------------------


def test_markup_and_control_characters_in_the_title_and_the_pack_are_shown_not_run(
    rig: PrepWebRig,
) -> None:
    meeting_id = prepared(rig, title=HOSTILE)
    page = rig.client().get(f"/meetings/{meeting_id}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page and "49" not in page.split("<main", 1)[1].split("Agenda")[0]
    assert "\x1b" not in page and "\u202e" not in page
    assert "\\x1b[2J" in page and "\\u202eevil" in page


def test_markup_and_control_characters_in_answers_are_kept_as_text(rig: PrepWebRig) -> None:
    meeting_id, request = asking(rig)
    post_answers(
        rig,
        meeting_id,
        action="answer",
        **{"answer-1": "<img src=x onerror=alert(1)>\x1b[31m plan\u202e"},
    )
    assert session_of(rig, request).answers == {"1": "<img src=x onerror=alert(1)>[31m plan"}
    run = PrepSteps(rig.deps)
    run.generate_materials(gather_all(run, request))
    run.send_materials(request)
    page = rig.client().get(f"/meetings/{meeting_id}").text
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;[31m plan" in page


def test_an_answer_too_long_is_refused_and_the_form_keeps_what_was_typed(rig: PrepWebRig) -> None:
    meeting_id, request = asking(rig)
    sent = post_answers(
        rig, meeting_id, action="answer",
        **{"answer-1": "Close the plan", "answer-2": "x" * 20_001},
    )  # fmt: skip
    assert sent.status_code == 422
    text = text_of(sent.text)
    assert "the answer to question 2 has 20,001 characters; answers are kept to 20,000" in text
    assert ">Close the plan</textarea>" in sent.text
    assert rig.engine.delivered == [] and session_of(rig, request).answers == {}


def test_answers_sent_twice_resume_the_prep_once(rig: PrepWebRig) -> None:
    meeting_id, request = asking(rig)
    browser = rig.client()
    page = browser.get(f"/meetings/{meeting_id}").text
    form = {"csrf": csrf_of(page), "round": "1", "action": "answer", "answer-1": "Plan"}
    first = browser.post(f"/meetings/{meeting_id}/answers", data=form, follow_redirects=False)
    second = browser.post(
        f"/meetings/{meeting_id}/answers",
        data={**form, "answer-1": "Other"},
        follow_redirects=False,
    )
    assert first.status_code == 303 and second.status_code == 409
    assert "answered already" in text_of(second.text)
    assert len(rig.engine.delivered) == 1
    assert session_of(rig, request).answers == {"1": "Plan"}


def test_answers_to_questions_that_changed_meanwhile_are_refused(rig: PrepWebRig) -> None:
    meeting_id, request = asking(rig)
    browser = rig.client()
    page = browser.get(f"/meetings/{meeting_id}").text
    send_form(browser, meeting_id, "type", meeting_type="qbr")
    stale = {"csrf": csrf_of(page), "round": "1", "action": "answer", "answer-1": "Plan"}
    sent = browser.post(f"/meetings/{meeting_id}/answers", data=stale, follow_redirects=False)
    assert sent.status_code == 409
    assert "changed since the form was shown" in text_of(sent.text)
    assert session_of(rig, request).answers == {}


def test_a_form_of_a_round_of_questions_never_shown_is_refused_as_such(rig: PrepWebRig) -> None:
    meeting_id, request = asking(rig)
    browser = rig.client()
    page = browser.get(f"/meetings/{meeting_id}").text
    made_up = {"csrf": csrf_of(page), "round": "99", "action": "answer", "answer-1": "Plan"}
    sent = browser.post(f"/meetings/{meeting_id}/answers", data=made_up, follow_redirects=False)
    assert sent.status_code == 409
    assert "not one shown for the questions" in text_of(sent.text)
    assert "type was changed" not in text_of(sent.text)
    assert session_of(rig, request).answers == {}


@pytest.mark.parametrize("path", ["/answers", "/type", "/skip"])
def test_a_form_without_its_csrf_token_is_refused(rig: PrepWebRig, path: str) -> None:
    meeting_id, request = asking(rig)
    browser = rig.client()
    data = {"round": "1", "action": "answer", "answer-1": "Plan", "meeting_type": "qbr"}
    sent = browser.post(f"/meetings/{meeting_id}{path}", data=data, follow_redirects=False)
    assert sent.status_code == 403
    assert rig.meeting(meeting_id).status == MeetingStatus.NOTIFIED
    assert rig.meeting(meeting_id).meeting_type == "leadership_team"
    assert session_of(rig, request).answers == {} and rig.engine.delivered == []


def test_the_notice_after_a_change_never_shows_the_query_s_text(rig: PrepWebRig) -> None:
    meeting_id = prepared(rig)
    page = rig.client().get(f"/meetings/{meeting_id}?done=%3Cscript%3Ealert(1)%3C/script%3E")
    assert page.status_code == 200
    assert "alert(1)" not in page.text and 'class="notice done"' not in page.text
