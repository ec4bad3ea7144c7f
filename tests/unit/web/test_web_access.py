"""Nothing of the web page is readable without a session; sign-in links work once; forms
need this session's CSRF token and this site's Origin; every response carries the security
headers."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.types import Message

from exec_assistant.clocks import SimulatedClock
from exec_assistant.web.app import WebServing
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies
from exec_assistant.web.guard import BODY_LIMIT_BYTES, SECURITY_HEADERS, loopback_hosts, safe_next
from exec_assistant.web.viewer import LOCAL_VIEWER

from factories import stored_meeting
from web_pages import BASE_URL, LINK_LIFETIME, NOW, WebRig, memory_links, web_rig, web_site


@pytest.fixture
def rig() -> WebRig:
    rig = web_rig()
    rig.site.meetings.put(stored_meeting("Budget review <b>", start=NOW + timedelta(hours=3)))
    return rig


def test_without_a_session_every_page_redirects_to_the_sign_in(rig: WebRig) -> None:
    browser = rig.browser()
    answer = browser.get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    answer = browser.get("/meetings/mtg_x?tab=pack")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/meetings/mtg_x%3Ftab%3Dpack"
    page = browser.get("/sign-in")
    assert page.status_code == 200
    assert "Open the sign-in link" in page.text and "Budget review" not in page.text


def test_the_sign_in_link_opens_a_session_once(rig: WebRig) -> None:
    token = rig.links.issue(LINK_LIFETIME).token
    browser = rig.browser()
    answer = browser.get(f"/sign-in?token={token}&next=/commitments")
    assert answer.status_code == 303 and answer.headers["location"] == "/commitments"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    page = browser.get("/")
    assert page.status_code == 200 and "Budget review &lt;b&gt;" in page.text

    again = rig.browser().get(f"/sign-in?token={token}")
    assert again.status_code == 403
    assert "was used already" in again.text and SESSION_COOKIE not in again.headers.get(
        "set-cookie", ""
    )


def test_a_sign_in_link_opened_after_it_expired_is_refused() -> None:
    clock = SimulatedClock(NOW)
    rig = WebRig(web_site(), links=memory_links(clock))
    late = rig.links.issue(timedelta(minutes=15)).token
    in_time = rig.links.issue(timedelta(minutes=15, seconds=1)).token
    clock.advance_to(NOW + timedelta(minutes=15))

    refused = rig.browser().get("/sign-in", params={"token": late})
    assert refused.status_code == 403 and "has expired" in refused.text
    assert "set-cookie" not in refused.headers
    assert rig.browser().get("/sign-in", params={"token": in_time}).status_code == 303


@pytest.mark.parametrize("token", ["", "wrong", "x" * 5000, "%00", "<script>"])
def test_a_wrong_sign_in_token_is_refused(rig: WebRig, token: str) -> None:
    rig.links.issue(LINK_LIFETIME)
    answer = rig.browser().get("/sign-in", params={"token": token})
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers
    assert "<script>" not in answer.text


def test_a_sign_in_never_sends_the_browser_to_another_site(rig: WebRig) -> None:
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example", "/x\r\nSet"):
        assert safe_next(target) == "/"
        token = rig.links.issue(LINK_LIFETIME).token
        answer = rig.browser().get("/sign-in", params={"token": token, "next": target})
        assert answer.headers["location"] == "/"
    assert safe_next("/decisions?q=budget") == "/decisions?q=budget"


def test_an_altered_or_expired_or_foreign_cookie_is_no_session(rig: WebRig) -> None:
    browser = rig.signed_in()
    value = browser.cookies[SESSION_COOKIE]
    payload, signature = value.split(".")
    other_key, _ = SessionCookies(b"o" * 32).issue(LOCAL_VIEWER, NOW)
    expired, _ = rig.cookies.issue(LOCAL_VIEWER, NOW - timedelta(days=8))
    forgeries = (f"{payload}x.{signature}", f"{payload}.{signature[:-2]}AA", "a.b", "...")
    for forged in (*forgeries, other_key, expired):
        stranger = rig.browser()
        stranger.cookies.set(SESSION_COOKIE, forged)
        assert stranger.get("/").status_code == 303, forged
    assert browser.get("/").status_code == 200


def test_a_form_without_this_sessions_csrf_token_is_refused(rig: WebRig) -> None:
    browser = rig.signed_in()
    headers = {"origin": BASE_URL}
    assert browser.post("/sign-out", data={}, headers=headers).status_code == 403
    assert browser.post("/sign-out", data={"csrf": "x"}, headers=headers).status_code == 403
    other = rig.signed_in()
    stolen = rig.csrf(other)
    assert browser.post("/sign-out", data={"csrf": stolen}, headers=headers).status_code == 403
    answer = browser.post("/sign-out", data={"csrf": rig.csrf(browser)}, headers=headers)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    assert 'ea_session=""' in answer.headers["set-cookie"]


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"origin": "http://127.0.0.1:9999"},
        {"origin": "https://127.0.0.1:8765"},  # another scheme is another site
        {"referer": "https://evil.example/page"},
        {"referer": "https://127.0.0.1:8765/commitments"},
        {"origin": BASE_URL, "sec-fetch-site": "cross-site"},
    ],
)
def test_a_form_sent_from_another_origin_is_refused(rig: WebRig, headers: dict[str, str]) -> None:
    browser = rig.signed_in()
    answer = browser.post("/sign-out", data={"csrf": rig.csrf(browser)}, headers=headers)
    assert answer.status_code == 403
    assert "not sent from this site" in answer.text


def test_a_head_request_never_spends_a_sign_in_link(rig: WebRig) -> None:
    """A link preview or an uptime check asks with HEAD: the link stays for the person."""
    token = rig.links.issue(LINK_LIFETIME).token
    preview = rig.browser().head(f"/sign-in?token={token}")
    assert preview.status_code == 405 and preview.headers["allow"] == "GET"
    assert "set-cookie" not in preview.headers
    assert rig.browser().get(f"/sign-in?token={token}").status_code == 303


def test_a_post_without_a_session_is_refused_not_redirected(rig: WebRig) -> None:
    answer = rig.browser().post("/sign-out", data={}, headers={"origin": BASE_URL})
    assert answer.status_code == 403


def test_a_host_name_this_server_is_not_is_refused(rig: WebRig) -> None:
    """A page whose own name resolves to 127.0.0.1 (DNS rebinding) reads nothing."""
    browser = rig.signed_in()
    answer = browser.get("/", headers={"host": "evil.example:8765"})
    assert answer.status_code == 421
    assert browser.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_every_response_carries_the_security_headers(rig: WebRig) -> None:
    browser = rig.signed_in()
    answers = [
        browser.get("/"),
        browser.get("/assets/app.css"),
        browser.get("/no-such-page"),
        rig.browser().get("/"),
        rig.browser().get("/sign-in?token=bad"),
        browser.post("/sign-out", headers={"origin": "https://evil.example"}),
    ]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (answer.url, name)
    csp = SECURITY_HEADERS["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert answers[0].headers["cache-control"] == "no-store"
    assert "no-store" not in answers[1].headers.get("cache-control", "")


def test_the_pages_carry_no_inline_script_or_style(rig: WebRig) -> None:
    page = rig.signed_in().get("/").text
    assert "<script>" not in page and " style=" not in page and "<style" not in page
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page)


def test_a_form_larger_than_the_limit_is_refused_before_it_is_read(rig: WebRig) -> None:
    browser = rig.signed_in()
    headers = {"origin": BASE_URL, "content-type": "application/x-www-form-urlencoded"}
    huge = b"csrf=" + rig.csrf(browser).encode() + b"&notes=" + b"x" * (BODY_LIMIT_BYTES + 1)
    answer = browser.post("/sign-out", content=huge, headers=headers)
    assert answer.status_code == 413 and "larger than 3 MB" in answer.text
    # A page a person reads, saying what to do, not a line of text.
    assert answer.headers["content-type"].startswith("text/html")
    assert "what you typed is still in the form" in answer.text

    def chunks(body: bytes) -> Iterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    answer = browser.post("/sign-out", content=chunks(huge), headers=headers)
    assert answer.status_code == 413
    small = b"csrf=" + rig.csrf(browser).encode()
    answer = browser.post("/sign-out", content=chunks(small), headers=headers)
    assert answer.status_code == 303


def test_a_form_that_never_finishes_arriving_is_answered_408(rig: WebRig) -> None:
    rig.serving = WebServing(allowed_hosts=loopback_hosts(8765), body_seconds=0.2)
    browser = rig.signed_in()
    token = rig.csrf(browser)
    app = rig.app()
    sent: list[Message] = []

    async def trickle() -> Message:
        if not sent:
            sent.append({"type": "sent"})
            return {"type": "http.request", "body": f"csrf={token}".encode(), "more_body": True}
        await asyncio.sleep(60)  # the rest never comes
        raise AssertionError("read past the deadline")

    async def send(message: Message) -> None:
        sent.append(message)

    cookie = browser.cookies[SESSION_COOKIE]
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/sign-out",
        "raw_path": b"/sign-out",
        "query_string": b"",
        "scheme": "http",
        "server": ("127.0.0.1", 8765),
        "headers": [
            (b"host", b"127.0.0.1:8765"),
            (b"origin", BASE_URL.encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"cookie", f"{SESSION_COOKIE}={cookie}".encode()),
        ],
    }
    started = time.monotonic()
    asyncio.run(app(scope, trickle, send))  # type: ignore[operator]
    assert time.monotonic() - started < 5
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 408
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert b"did not arrive within 0.2 seconds" in body


def test_a_link_from_another_site_can_continue_with_the_session_it_arrived_without(
    rig: WebRig,
) -> None:
    """SameSite=Strict keeps the cookie off a navigation from another site: the sign-in
    page links on to the page, a navigation of this site, which carries it."""
    page = rig.browser().get("/sign-in", params={"next": "/commitments?owner=Priya"})
    assert page.status_code == 200
    assert 'href="/commitments?owner=Priya">continue to the page</a>' in page.text
    elsewhere = rig.browser().get("/sign-in", params={"next": "https://evil.example/"})
    assert 'href="/">continue to the page</a>' in elsewhere.text


def test_what_no_page_answers_is_said_for_a_person(rig: WebRig) -> None:
    browser = rig.signed_in()
    missing = browser.get("/no-such-page")
    assert missing.status_code == 404 and "There is no page at this address." in missing.text
    wrong = browser.get("/sign-out")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    assert "does not take that kind of request" in wrong.text
    long_id = browser.get("/meetings/" + "x" * 60_000)
    assert long_id.status_code == 404 and len(long_id.text) < 20_000


def test_a_server_on_another_loopback_address_answers_to_it() -> None:
    assert "127.0.0.2:8080" in loopback_hosts(8080, "127.0.0.2")
    assert "[::1]:8080" in loopback_hosts(8080, "::1")
    assert "127.0.0.2:8080" not in loopback_hosts(8080)
