"""The fortnight page: the window's meetings by day in the executive's zone, what waits on
the executive, skipped and cancelled ones folded away, private ones kept from delegates."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from exec_assistant.domain.identity import prep_id_for, session_id_for
from exec_assistant.domain.models import ChatSession, MeetingStatus

from factories import stored_meeting
from web_pages import DELEGATE, NOW, web_rig


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_meetings_show_by_day_in_the_executives_zone_with_type_reason_and_times() -> None:
    rig = web_rig()
    meeting = stored_meeting("Infrastructure Leadership Team", start=NOW + timedelta(hours=20))
    rig.site.meetings.put(
        meeting.model_copy(update={"classification_reason": "title matched 'leadership team'"})
    )
    page = rig.signed_in().get("/")
    assert page.status_code == 200
    text = _text(page.text)
    # Tue 14:00 UTC + 20 h = Wed 10:00 UTC = 05:00 in New York (EST)
    assert "Wednesday 02 December 2026" in text
    assert "05:00–06:00" in text and "Infrastructure Leadership Team" in text
    assert "Leadership team" in text and "title matched 'leadership team'" in text
    assert "Pack ready" in text and "prep Tue 01 Dec 05:00 EST" in text
    assert "Times are in America/New_York." in text
    assert f'href="/meetings/{meeting.meeting_id}"' in page.text


def test_what_waits_on_the_executive_is_called_out() -> None:
    rig = web_rig()
    asked = stored_meeting(
        "Ops review", start=NOW + timedelta(hours=5), status=MeetingStatus.NOTIFIED
    )
    ended = stored_meeting(
        "Vendor sync", start=NOW - timedelta(hours=3), status=MeetingStatus.REMINDED
    )
    rig.site.meetings.put(asked)
    rig.site.meetings.put(ended)
    rig.site.sessions.put(
        ChatSession(
            session_id=session_id_for(prep_id_for(asked.meeting_id, asked.start)),
            user_id="local",
            meeting_id=asked.meeting_id,
            channel="terminal",
            questions=("What is the one decision?", "Anything to raise?"),
            created_at=int(NOW.timestamp()),
            expires_at=int(NOW.timestamp()) + 86400,
        )
    )
    text = _text(rig.signed_in().get("/").text)
    assert "2 waiting on you" in text
    assert "Answer 2 prep questions" in text
    assert "Give the notes" in text


def test_skipped_and_cancelled_meetings_are_folded_away() -> None:
    rig = web_rig()
    rig.site.meetings.put(stored_meeting("Kept", start=NOW + timedelta(hours=2)))
    skipped = stored_meeting(
        "Skipped one", start=NOW + timedelta(hours=3), status=MeetingStatus.SKIPPED
    )
    rig.site.meetings.put(skipped.model_copy(update={"skip_reason": "declined"}))
    rig.site.meetings.put(
        stored_meeting("Gone", start=NOW + timedelta(hours=4), status=MeetingStatus.CANCELLED)
    )
    page = rig.signed_in().get("/").text
    folded = page.split("<details", 1)[1]
    assert "2 skipped or cancelled" in folded
    assert "Skipped one" in folded and "Skipped: declined" in _text(folded) and "Gone" in folded
    assert "Kept" not in folded


def test_markup_and_control_characters_in_titles_stay_text() -> None:
    rig = web_rig()
    rig.site.meetings.put(
        stored_meeting(
            "<script>alert(1)</script> {{ 7*7 }} \u202eevil", start=NOW + timedelta(hours=2)
        )
    )
    page = rig.signed_in().get("/").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} \\u202eevil" in page
    assert "\u202e" not in page


def test_a_delegate_never_sees_meetings_of_a_private_type() -> None:
    rig = web_rig()
    rig.site.meetings.put(
        stored_meeting(
            "Jordan / Priya 1:1", start=NOW + timedelta(hours=2), meeting_type="one_on_one"
        )
    )
    rig.site.meetings.put(stored_meeting("Leadership team", start=NOW + timedelta(hours=3)))
    assert rig.site.is_private("one_on_one")
    executive = _text(rig.signed_in().get("/").text)
    assert "Jordan / Priya 1:1" in executive and "private" in executive
    delegate = _text(rig.signed_in_as(DELEGATE).get("/").text)
    assert "Leadership team" in delegate and "Jordan / Priya 1:1" not in delegate
    assert "1 meeting" in delegate and "(delegate)" in delegate


def test_an_empty_fortnight_says_what_to_do_next() -> None:
    unconnected = web_rig(calendars_configured=False)
    text = _text(unconnected.signed_in().get("/").text)
    assert "No calendar connected yet" in text and "exec-assistant calendars add google" in text
    waiting = web_rig(calendars_configured=True)
    text = _text(waiting.signed_in().get("/").text)
    assert "No meetings in the next two weeks yet" in text and "exec-assistant sync" in text


def test_an_empty_fortnight_on_aws_names_the_stacks_settings_not_the_cli() -> None:
    unconnected = web_rig(calendars_configured=False, deployment="aws")
    text = _text(unconnected.signed_in().get("/").text)
    assert "No calendar connected yet" in text and "calendarApiType" in text
    assert "exec-assistant calendars add" not in text and "restart serve" not in text
    waiting = web_rig(calendars_configured=True, deployment="aws")
    text = _text(waiting.signed_in().get("/").text)
    assert "No meetings in the next two weeks yet" in text and "calendar monitor" in text
    assert "exec-assistant sync" not in text
