"""Signing in to the web page with Slack, as on AWS: the real app (build_web_app with
SlackSignIn), a browser that goes to a fake Slack on 127.0.0.1 and back, and the fortnight
each viewer then sees."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from exec_assistant.clocks import SimulatedClock
from exec_assistant.web.app import WebServing, build_web_app
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies
from exec_assistant.web.slack_sign_in import (
    CALLBACK_PATH,
    STATE_COOKIE,
    SlackOpenIdSettings,
    SlackSignIn,
)
from exec_assistant.web.viewer import Role, Viewer

from factories import stored_meeting
from openid_provider import Misbehaviour, OpenIdProvider, SlackUser
from web_pages import web_site

NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # noon in New York
CLIENT_ID = "2141029472.691202649728"
CLIENT_SECRET = "e1b9e11dfcd19c1982d5de12921e17e8c"
TEAM = "T0NORTHWIND"
EXECUTIVE = SlackUser("U0JORDAN", TEAM, "Jordan Lee", "jordan.lee@northwind.example")
DELEGATE = SlackUser("U0SAMCOS", TEAM, "Sam Rivera", "sam.rivera@northwind.example")
STRANGER = SlackUser("U0ALEXKIM", TEAM, "Alex Kim", "alex.kim@northwind.example")
PUBLIC_TITLE = "Infrastructure Leadership Team"
PRIVATE_TITLE = "1:1 Jordan / Priya"
KEY = b"k" * 32


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(NOW)


@pytest.fixture
def slack(clock: SimulatedClock) -> Iterator[OpenIdProvider]:
    with OpenIdProvider(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, clock=clock, slow_seconds=3
    ) as provider:
        yield provider


def settings_for(slack: OpenIdProvider, **more: Any) -> SlackOpenIdSettings:
    values: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": "http://testserver" + CALLBACK_PATH,
        "executive_user_id": EXECUTIVE.user_id,
        "team_id": TEAM,
        "delegates": (DELEGATE.user_id,),
        "authorize_url": slack.authorize_url,
        "token_url": slack.token_url,
        "jwks_url": slack.jwks_url,
    } | more
    return SlackOpenIdSettings(**values)


@pytest.fixture
def browser_for(slack: OpenIdProvider, clock: SimulatedClock) -> Iterator[Any]:
    """A browser on a fresh app whose sign-in is configured with `more`."""
    opened: list[httpx.Client] = []

    def make(**more: Any) -> TestClient:
        site = replace(web_site(now=NOW), clock=clock)
        site.meetings.put(stored_meeting(PUBLIC_TITLE, start=NOW + timedelta(days=1)))
        site.meetings.put(
            stored_meeting(
                PRIVATE_TITLE, start=NOW + timedelta(days=1, hours=3), meeting_type="one_on_one"
            )
        )
        cookies = SessionCookies(KEY)
        client = httpx.Client(timeout=httpx.Timeout(1.0, connect=1.0))
        opened.append(client)
        sign_in = SlackSignIn(
            settings_for(slack, **more), client=client, clock=clock, cookies=cookies
        )
        app = build_web_app(site, sign_in, cookies, WebServing())
        return TestClient(app, follow_redirects=False)

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def browser(browser_for: Any) -> TestClient:
    return browser_for()


def at_slack(browser: TestClient, next_path: str | None = None) -> httpx.Response:
    """The click on *Sign in with Slack*: the app's redirect, followed to Slack's page."""
    started = browser.get("/sign-in/slack", params={"next": next_path} if next_path else None)
    assert started.status_code == 303, started.text
    answer = httpx.get(started.headers["location"], follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer


def sign_in(
    browser: TestClient, slack: OpenIdProvider, user: SlackUser, next_path: str | None = None
) -> httpx.Response:
    """The whole round trip as `user`: the callback's answer."""
    slack.sign_in_as(user)
    back = at_slack(browser, next_path).headers["location"]
    return browser.get(back)


def session_viewer(browser: TestClient, clock: SimulatedClock) -> Viewer | None:
    session = SessionCookies(KEY).read(browser.cookies.get(SESSION_COOKIE), clock.now())
    return session.viewer if session else None


def test_the_executive_signs_in_with_slack_and_sees_the_whole_fortnight(
    browser: TestClient, slack: OpenIdProvider, clock: SimulatedClock
) -> None:
    assert browser.get("/").headers["location"] == "/sign-in"
    page = browser.get("/sign-in")
    assert page.status_code == 200
    assert 'href="/sign-in/slack"' in page.text and "Sign in with Slack" in page.text

    answer = sign_in(browser, slack, EXECUTIVE)

    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert session_viewer(browser, clock) == Viewer(
        "U0JORDAN", "Jordan Lee", Role.EXECUTIVE, sees_private=True
    )
    fortnight = browser.get("/")
    assert fortnight.status_code == 200
    assert PUBLIC_TITLE in fortnight.text and PRIVATE_TITLE in fortnight.text
    assert "Signed in as Jordan Lee." in fortnight.text


def test_slack_is_asked_as_its_openid_flow_wants(
    browser: TestClient, slack: OpenIdProvider
) -> None:
    sign_in(browser, slack, EXECUTIVE)

    [asked] = slack.authorizations
    assert asked["response_type"] == "code"
    assert asked["scope"] == "openid profile email"
    assert asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == "http://testserver" + CALLBACK_PATH
    assert asked["team"] == TEAM
    assert len(asked["state"]) >= 43 and len(asked["nonce"]) >= 43
    assert asked["state"] != asked["nonce"]
    [form] = slack.token_requests
    assert form == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": form["code"],
        "redirect_uri": "http://testserver" + CALLBACK_PATH,
        "grant_type": "authorization_code",
    }


def test_the_page_asked_for_is_where_the_sign_in_ends(
    browser: TestClient, slack: OpenIdProvider
) -> None:
    asked = browser.get("/decisions?q=budget")
    assert asked.headers["location"] == "/sign-in?next=/decisions%3Fq%3Dbudget"
    page = browser.get(asked.headers["location"])
    assert 'href="/sign-in/slack?next=%2Fdecisions%3Fq%3Dbudget"' in page.text

    answer = sign_in(browser, slack, EXECUTIVE, next_path="/decisions?q=budget")

    assert answer.status_code == 303 and answer.headers["location"] == "/decisions?q=budget"


def test_a_next_address_on_another_site_ends_on_the_fortnight(
    browser: TestClient, slack: OpenIdProvider
) -> None:
    answer = sign_in(browser, slack, EXECUTIVE, next_path="//evil.example/phish")
    assert answer.headers["location"] == "/"


def test_a_delegate_signs_in_and_never_sees_a_private_meeting(
    browser: TestClient, slack: OpenIdProvider, clock: SimulatedClock
) -> None:
    answer = sign_in(browser, slack, DELEGATE)

    assert answer.status_code == 303
    assert session_viewer(browser, clock) == Viewer(
        "U0SAMCOS", "Sam Rivera", Role.DELEGATE, sees_private=False
    )
    fortnight = browser.get("/")
    assert PUBLIC_TITLE in fortnight.text
    assert PRIVATE_TITLE not in fortnight.text
    assert "Signed in as Sam Rivera (delegate)." in fortnight.text


def test_delegates_see_private_meetings_when_the_configuration_grants_it(
    browser_for: Any, slack: OpenIdProvider, clock: SimulatedClock
) -> None:
    browser = browser_for(delegates_see_private=True)

    sign_in(browser, slack, DELEGATE)

    viewer = session_viewer(browser, clock)
    assert viewer is not None and viewer.role == Role.DELEGATE and viewer.sees_private
    assert PRIVATE_TITLE in browser.get("/").text


def test_someone_not_on_the_list_is_refused_and_told_who_they_are(
    browser: TestClient, slack: OpenIdProvider, clock: SimulatedClock
) -> None:
    answer = sign_in(browser, slack, STRANGER)

    assert answer.status_code == 403
    text = " ".join(answer.text.split())
    assert (
        "You are signed in to Slack as Alex Kim (alex.kim@northwind.example, member ID U0ALEXKIM)"
        in text
    )
    assert "not on this assistant&#39;s list" in text
    assert PUBLIC_TITLE not in text
    assert session_viewer(browser, clock) is None
    assert browser.get("/").status_code == 303


def test_the_executive_of_another_workspace_is_refused(
    browser: TestClient, slack: OpenIdProvider, clock: SimulatedClock
) -> None:
    elsewhere = SlackUser(EXECUTIVE.user_id, "T0OTHERCO", "Jordan Lee", "jordan@other.example")

    answer = sign_in(browser, slack, elsewhere)

    assert answer.status_code == 403
    assert "in another workspace" in answer.text
    assert session_viewer(browser, clock) is None


def test_any_workspace_will_do_when_none_is_configured(
    browser_for: Any, slack: OpenIdProvider
) -> None:
    browser = browser_for(team_id=None)
    elsewhere = SlackUser(EXECUTIVE.user_id, "T0OTHERCO", "Jordan Lee", "jordan@other.example")

    assert sign_in(browser, slack, elsewhere).status_code == 303
    assert "team" not in slack.authorizations[0]


def test_a_name_from_slack_is_shown_as_text(browser: TestClient, slack: OpenIdProvider) -> None:
    hostile = SlackUser(
        "U0HOSTILE", TEAM, "<script>alert(1)</script>{{ 7*7 }}\u202e", "x@y.example"
    )

    answer = sign_in(browser, slack, hostile)

    assert answer.status_code == 403
    assert "<script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}\\u202e" in answer.text


def callback_of(browser: TestClient, slack: OpenIdProvider, user: SlackUser) -> str:
    slack.sign_in_as(user)
    return at_slack(browser).headers["location"]


def assert_refused_before_slack(
    answer: httpx.Response, said: str, slack: OpenIdProvider, browser: TestClient
) -> None:
    """A 400 page that says `said`, Slack never asked for the code, and no session."""
    assert answer.status_code == 400
    assert said in answer.text
    assert slack.token_requests == []
    assert browser.cookies.get(SESSION_COOKIE) is None


def test_the_state_cookie_is_short_lived_httponly_lax_and_for_the_sign_in_only(
    browser: TestClient,
) -> None:
    started = browser.get("/sign-in/slack")
    cookie = started.headers["set-cookie"]
    assert cookie.startswith(STATE_COOKIE + "=")
    parts = {p.strip().split("=")[0].lower(): p.strip() for p in cookie.split(";")}
    assert parts["max-age"] == "Max-Age=600"
    assert parts["path"] == "Path=/sign-in/slack"
    assert "httponly" in parts
    assert parts["samesite"].lower() == "samesite=lax"
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    assert state not in cookie.split(";")[0].split(".")[-1]


def test_the_state_cookie_is_secure_when_the_site_is_https(browser_for: Any) -> None:
    browser = browser_for(redirect_uri="https://assistant.example" + CALLBACK_PATH)

    cookie = browser.get("/sign-in/slack").headers["set-cookie"]

    assert "secure" in [part.strip().lower() for part in cookie.split(";")]


def test_a_callback_in_another_browser_is_refused(
    browser: TestClient, browser_for: Any, slack: OpenIdProvider
) -> None:
    back = callback_of(browser, slack, EXECUTIVE)
    other = browser_for()

    answer = other.get(back)

    assert_refused_before_slack(answer, "started in another browser", slack, other)


def test_a_callback_without_a_state_is_refused(browser: TestClient, slack: OpenIdProvider) -> None:
    back = callback_of(browser, slack, EXECUTIVE)
    code = parse_qs(urlsplit(back).query)["code"][0]

    answer = browser.get(CALLBACK_PATH, params={"code": code})

    assert_refused_before_slack(
        answer, "not the end of a sign-in this site started", slack, browser
    )


def test_a_callback_whose_state_is_not_this_browsers_is_refused(
    browser: TestClient, slack: OpenIdProvider
) -> None:
    back = callback_of(browser, slack, EXECUTIVE)
    query = parse_qs(urlsplit(back).query)
    forged = query["state"][0][:-4] + ("AAAA" if not query["state"][0].endswith("AAAA") else "BBBB")

    answer = browser.get(CALLBACK_PATH, params={"code": query["code"][0], "state": forged})

    assert_refused_before_slack(answer, "not the one this browser started", slack, browser)


def test_a_sign_in_completes_once(browser: TestClient, slack: OpenIdProvider) -> None:
    back = callback_of(browser, slack, EXECUTIVE)
    kept = browser.cookies.get(STATE_COOKIE)
    assert browser.get(back).status_code == 303
    assert browser.cookies.get(STATE_COOKIE) is None  # spent in this browser

    browser.cookies.set(STATE_COOKIE, kept, path="/sign-in/slack")  # a copy kept elsewhere
    browser.cookies.delete(SESSION_COOKIE)
    again = browser.get(back)

    assert again.status_code == 400
    assert "completed already" in again.text
    assert len(slack.token_requests) == 1


def test_a_sign_in_left_for_more_than_ten_minutes_is_refused(
    browser: TestClient, slack: OpenIdProvider, clock: SimulatedClock
) -> None:
    back = callback_of(browser, slack, EXECUTIVE)
    clock.advance_to(NOW + timedelta(minutes=11))
    kept = browser.cookies.get(STATE_COOKIE)
    assert kept is not None  # the browser still sends it: the server judges its time

    answer = browser.get(back)

    assert_refused_before_slack(answer, "more than 10 minutes ago", slack, browser)


def test_an_altered_state_cookie_is_refused(browser: TestClient, slack: OpenIdProvider) -> None:
    back = callback_of(browser, slack, EXECUTIVE)
    kept = browser.cookies.get(STATE_COOKIE)
    assert kept is not None
    payload, signature = kept.split(".")
    browser.cookies.delete(STATE_COOKIE)
    browser.cookies.set(STATE_COOKIE, payload + "." + signature[::-1], path="/sign-in/slack")

    assert_refused_before_slack(browser.get(back), "started in another browser", slack, browser)


def test_a_sign_in_cancelled_at_slack_says_so(
    browser: TestClient, slack: OpenIdProvider, clock: SimulatedClock
) -> None:
    slack.sign_in_as(EXECUTIVE)
    slack.cancel()
    back = at_slack(browser).headers["location"]

    answer = browser.get(back)

    assert answer.status_code == 400
    assert "cancelled at Slack" in answer.text
    assert "Sign in with Slack again" in answer.text
    assert session_viewer(browser, clock) is None


@pytest.mark.parametrize(
    ("misbehaviour", "status", "said"),
    [
        (Misbehaviour.WRONG_AUDIENCE, 502, "its identity token was made for another app"),
        (Misbehaviour.WRONG_ISSUER, 502, "its identity token was not issued by Slack"),
        (Misbehaviour.EXPIRED, 502, "its identity token has expired"),
        (Misbehaviour.FROM_THE_FUTURE, 502, "its identity token is dated in the future"),
        (Misbehaviour.WRONG_NONCE, 502, "its identity token was made for another sign-in"),
        (Misbehaviour.BAD_SIGNATURE, 502, "its identity token is not signed with Slack&#39;s key"),
        (Misbehaviour.UNKNOWN_KEY, 502, "signed with a key Slack does not publish"),
        (Misbehaviour.HS256, 502, "its identity token is not signed as Slack signs"),
        (Misbehaviour.NO_ID_TOKEN, 502, "sent no identity token"),
        (Misbehaviour.SERVER_ERROR, 502, "Slack answered with an error (HTTP 500)"),
        (Misbehaviour.SLOW, 502, "Slack did not answer in time"),
        (Misbehaviour.GARBAGE, 502, "with something other than Slack&#39;s JSON"),
        (Misbehaviour.RATE_LIMITED, 502, "Sign in again in 3 s."),
        (Misbehaviour.NOT_OK, 400, "Slack no longer accepts this sign-in"),
        (Misbehaviour.BAD_CLIENT, 503, "Slack refused this assistant&#39;s Slack app"),
        (
            Misbehaviour.KEYS_DOWN,
            502,
            "Slack answered with an error (HTTP 500) for its signing keys",
        ),
    ],
)
def test_a_provider_that_misbehaves_gets_a_clear_page_and_no_session(
    browser: TestClient,
    slack: OpenIdProvider,
    clock: SimulatedClock,
    misbehaviour: Misbehaviour,
    status: int,
    said: str,
) -> None:
    slack.misbehave(misbehaviour)

    answer = sign_in(browser, slack, EXECUTIVE)

    assert answer.status_code == status
    assert said in " ".join(answer.text.split())
    assert "no session was started" in answer.text
    assert "Traceback" not in answer.text
    assert 'href="/sign-in/slack"' in answer.text
    assert session_viewer(browser, clock) is None
    assert browser.cookies.get(STATE_COOKIE) is None


def test_the_next_sign_in_works_after_slack_misbehaved(
    browser: TestClient, slack: OpenIdProvider
) -> None:
    slack.misbehave(Misbehaviour.KEYS_DOWN)
    assert sign_in(browser, slack, EXECUTIVE).status_code == 502

    assert sign_in(browser, slack, EXECUTIVE).status_code == 303


def test_slack_s_keys_are_fetched_once_and_again_when_it_rotates_them(
    browser: TestClient, slack: OpenIdProvider, clock: SimulatedClock
) -> None:
    sign_in(browser, slack, EXECUTIVE)
    browser.cookies.delete(SESSION_COOKIE)
    sign_in(browser, slack, EXECUTIVE)
    assert slack.key_requests == 1

    slack.rotate_keys()
    clock.advance_to(NOW + timedelta(minutes=2))
    browser.cookies.delete(SESSION_COOKIE)

    assert sign_in(browser, slack, EXECUTIVE).status_code == 303
    assert slack.key_requests == 2


def test_a_signed_in_viewer_who_opens_the_sign_in_page_goes_on(
    browser: TestClient, slack: OpenIdProvider
) -> None:
    sign_in(browser, slack, EXECUTIVE)

    answer = browser.get("/sign-in", params={"next": "/decisions"})

    assert answer.status_code == 303 and answer.headers["location"] == "/decisions"
