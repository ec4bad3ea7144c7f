"""Connecting a calendar account on AWS, the service on in-memory fakes: the connect link, the
consent page's request, the callback's checks and what is stored (or, far more often in this
file, that nothing is)."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from exec_assistant.adapters.memory import InMemoryConsentRepository, InMemoryCredentialStore
from exec_assistant.clocks import SimulatedClock
from exec_assistant.domain.calendar_consent import GOOGLE, microsoft
from exec_assistant.domain.errors import (
    ConsentDeclined,
    ConsentExchangeFailed,
    ConsentFailed,
    ConsentLinkInvalid,
    ConsentNotConfigured,
    SecretUnavailable,
)
from exec_assistant.ports import IssuedTokens
from exec_assistant.services.calendar_authorization import (
    CalendarConsent,
    ConsentCallback,
    ConsentRedirect,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WEB = "https://d111.cloudfront.net"
CALLBACK = f"{WEB}/oauth/calendar/callback"
GOOGLE_CLIENT = {
    "client_id": "1234.apps.googleusercontent.com",
    "client_secret": "GOCSPX-client-secret",
}
READ_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"


@dataclass
class ScriptedExchange:
    """The token endpoint as the service sees it: every grant recorded, answered by `answer`
    (or raising `failure`)."""

    answer: IssuedTokens = field(
        default_factory=lambda: IssuedTokens("ya29.access", 3599, "1//refresh", READ_SCOPE)
    )
    failure: ConsentFailed | None = None
    grants: list[dict[str, str]] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)

    def exchange(
        self, provider: str, token_endpoint: str, fields: Mapping[str, str], deadline: float
    ) -> IssuedTokens:
        self.grants.append(dict(fields))
        self.endpoints.append(token_endpoint)
        if self.failure is not None:
            raise self.failure
        return self.answer


@dataclass
class Rig:
    consent: CalendarConsent
    credentials: InMemoryCredentialStore
    exchange: ScriptedExchange
    clock: SimulatedClock

    def link(self, provider: str = "google") -> str:
        url = self.consent.invite(provider).start_url
        return parse_qs(urlsplit(url).query)["ticket"][0]

    def finish(
        self,
        redirect: ConsentRedirect,
        *,
        code: str | None = "4/0AX4XfW-code",
        error: str | None = None,
        browser: str | None = None,
    ) -> Any:
        state = query_of(redirect.location)["state"]
        callback = ConsentCallback(state=state, code=code, error=error)
        key = redirect.browser_key if browser is None else browser
        return self.consent.finish(callback, key, deadline=1e12)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def rig() -> Rig:
    credentials = InMemoryCredentialStore()
    credentials.save("google", GOOGLE_CLIENT)
    exchange = ScriptedExchange()
    clock = SimulatedClock(T0)
    consent = CalendarConsent(
        credentials,
        InMemoryConsentRepository(),
        exchange,
        clock,
        web_url=WEB + "/",
        providers={
            "google": GOOGLE,
            "microsoft": microsoft("https://login.microsoftonline.com/common"),
        },
    )
    return Rig(consent, credentials, exchange, clock)


def test_the_consent_page_is_asked_for_read_only_offline_access_with_pkce(rig: Rig) -> None:
    redirect = rig.consent.start(rig.link())
    assert redirect.location.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    query = query_of(redirect.location)
    assert query["response_type"] == "code"
    assert query["client_id"] == GOOGLE_CLIENT["client_id"]
    assert query["redirect_uri"] == CALLBACK
    assert query["scope"] == READ_SCOPE
    assert (query["access_type"], query["prompt"]) == ("offline", "consent")
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) == 43 and len(query["code_challenge"]) == 43
    # The client secret and the verifier stay in the function.
    assert GOOGLE_CLIENT["client_secret"] not in redirect.location
    assert "code_verifier" not in query
    assert redirect.max_age_seconds == 600


def test_the_callback_stores_the_authorized_user_json_of_the_granted_code(rig: Rig) -> None:
    redirect = rig.consent.start(rig.link())
    connected = rig.finish(redirect)
    assert (connected.provider, connected.display_name) == ("google", "Google")
    (grant,) = rig.exchange.grants
    assert grant["grant_type"] == "authorization_code"
    assert grant["code"] == "4/0AX4XfW-code"
    assert grant["redirect_uri"] == CALLBACK
    assert (grant["client_id"], grant["client_secret"]) == (
        GOOGLE_CLIENT["client_id"],
        GOOGLE_CLIENT["client_secret"],
    )
    challenge = base64.urlsafe_b64encode(hashlib.sha256(grant["code_verifier"].encode()).digest())
    assert challenge.rstrip(b"=").decode() == query_of(redirect.location)["code_challenge"]
    assert rig.exchange.endpoints == ["https://oauth2.googleapis.com/token"]
    assert rig.credentials.load("google") == {
        "provider": "google",
        "token": "ya29.access",
        "refresh_token": "1//refresh",
        "token_uri": "https://oauth2.googleapis.com/token",
        "client_id": GOOGLE_CLIENT["client_id"],
        "client_secret": GOOGLE_CLIENT["client_secret"],
        "scopes": [READ_SCOPE],
        "expiry": "2026-12-01T09:59:59Z",
    }


def test_a_state_is_spent_by_the_first_callback(rig: Rig) -> None:
    redirect = rig.consent.start(rig.link())
    rig.finish(redirect)
    stored = rig.credentials.load("google")
    with pytest.raises(ConsentLinkInvalid, match="completed already") as refused:
        rig.finish(redirect, code="4/0another-code")
    assert refused.value.reason == "unknown_state"
    assert len(rig.exchange.grants) == 1
    assert rig.credentials.load("google") == stored


def test_two_callbacks_with_the_same_state_at_once_store_one_authorization(rig: Rig) -> None:
    redirect = rig.consent.start(rig.link())
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def callback(n: int) -> None:
        barrier.wait()
        try:
            rig.finish(redirect, code=f"4/0code-{n}")
            outcomes.append("connected")
        except ConsentLinkInvalid:
            outcomes.append("refused")

    threads = [threading.Thread(target=callback, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["connected"] + ["refused"] * 7
    assert len(rig.exchange.grants) == 1


def test_a_consent_left_more_than_ten_minutes_is_refused_and_nothing_stored(rig: Rig) -> None:
    redirect = rig.consent.start(rig.link())
    rig.clock.advance_to(T0 + timedelta(minutes=10, seconds=1))
    with pytest.raises(ConsentLinkInvalid, match="expired"):
        rig.finish(redirect)
    assert rig.exchange.grants == []
    assert rig.credentials.load("google") == GOOGLE_CLIENT


@pytest.mark.parametrize(
    "state",
    [
        None,
        "",
        "x" * 100_000,
        "\x1b[31mAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "A" * 42 + "\u202e",
        "<script>alert(1)</script>AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "A" * 43,  # the right form, never given out
    ],
)
def test_a_state_this_assistant_did_not_give_is_refused_without_echoing_it(
    rig: Rig, state: str | None
) -> None:
    rig.consent.start(rig.link())
    with pytest.raises(ConsentLinkInvalid) as refused:
        rig.consent.finish(ConsentCallback(state=state, code="4/0code", error=None), "k", 1e12)
    assert rig.exchange.grants == []
    shown = str(refused.value)
    assert "4/0code" not in shown and (not state or state[:20] not in shown)


def test_a_callback_in_another_browser_is_refused_and_spends_the_state(rig: Rig) -> None:
    redirect = rig.consent.start(rig.link())
    other = rig.consent.start(rig.link()).browser_key
    for browser in (other, "", "x" * 5000):
        with pytest.raises(ConsentLinkInvalid):
            rig.finish(redirect, browser=browser)
        # The first refusal spent the state: the right browser cannot use it either now.
    with pytest.raises(ConsentLinkInvalid, match="completed already"):
        rig.finish(redirect)
    assert rig.exchange.grants == []


def test_a_declined_consent_stores_nothing_and_says_so(rig: Rig) -> None:
    redirect = rig.consent.start(rig.link())
    with pytest.raises(ConsentDeclined, match="access was declined at Google") as declined:
        rig.finish(redirect, code=None, error="access_denied")
    assert declined.value.reason == "access_denied"
    assert rig.exchange.grants == []
    assert rig.credentials.load("google") == GOOGLE_CLIENT


@pytest.mark.parametrize("error", ["<b>pwned</b>", "a" * 41, "server_error"])
def test_a_provider_error_is_named_only_when_it_is_an_error_code(rig: Rig, error: str) -> None:
    redirect = rig.consent.start(rig.link())
    with pytest.raises(ConsentDeclined) as declined:
        rig.finish(redirect, code="4/0code", error=error)
    shown = str(declined.value)
    assert ("(server_error)" in shown) == (error == "server_error")
    assert "pwned" not in shown and "a" * 41 not in shown
    assert rig.exchange.grants == []


@pytest.mark.parametrize("code", [None, "", "4/0 with spaces", "4/0\x00nul", "c" * 4097])
def test_a_callback_without_a_usable_code_is_refused_before_the_token_endpoint(
    rig: Rig, code: str | None
) -> None:
    redirect = rig.consent.start(rig.link())
    with pytest.raises(ConsentLinkInvalid, match="no authorization code"):
        rig.finish(redirect, code=code)
    assert rig.exchange.grants == []


def test_a_failed_exchange_stores_nothing_and_the_link_still_works(rig: Rig) -> None:
    rig.exchange.failure = ConsentExchangeFailed(
        "Google's sign-in service gave no answer", reason="token_endpoint_unavailable"
    )
    ticket = rig.link()
    with pytest.raises(ConsentExchangeFailed):
        rig.finish(rig.consent.start(ticket))
    assert rig.credentials.load("google") == GOOGLE_CLIENT
    rig.exchange.failure = None
    rig.finish(rig.consent.start(ticket))
    assert rig.credentials.load("google")["refresh_token"] == "1//refresh"  # type: ignore[index]


def test_a_link_connects_one_calendar_account_once(rig: Rig) -> None:
    ticket = rig.link()
    first, second = rig.consent.start(ticket), rig.consent.start(ticket)
    rig.finish(first)
    with pytest.raises(ConsentLinkInvalid, match="has connected a calendar account already"):
        rig.finish(second)
    with pytest.raises(ConsentLinkInvalid, match="expired or has been used"):
        rig.consent.start(ticket)
    assert len(rig.exchange.grants) == 2
    assert rig.credentials.load("google")["token"] == "ya29.access"  # type: ignore[index]


def test_a_link_opened_after_an_hour_is_refused(rig: Rig) -> None:
    ticket = rig.link()
    rig.clock.advance_to(T0 + timedelta(hours=1, seconds=1))
    with pytest.raises(ConsentLinkInvalid, match="expired"):
        rig.consent.start(ticket)


def test_a_consent_begun_within_the_hour_may_end_after_it(rig: Rig) -> None:
    ticket = rig.link()
    rig.clock.advance_to(T0 + timedelta(minutes=59))
    redirect = rig.consent.start(ticket)
    rig.clock.advance_to(T0 + timedelta(minutes=65))
    assert rig.finish(redirect).provider == "google"


@pytest.mark.parametrize("ticket", [None, "", "t" * 10_000, "\x07" * 43])
def test_a_link_that_is_not_one_is_refused(rig: Rig, ticket: str | None) -> None:
    with pytest.raises(ConsentLinkInvalid, match="not a connect link"):
        rig.consent.start(ticket)


def test_an_answer_without_a_refresh_token_stores_nothing(rig: Rig) -> None:
    rig.exchange.answer = IssuedTokens("ya29.access", 3599, None, READ_SCOPE)
    with pytest.raises(ConsentExchangeFailed, match="no refresh token"):
        rig.finish(rig.consent.start(rig.link()))
    assert rig.credentials.load("google") == GOOGLE_CLIENT


def test_an_unticked_calendar_box_stores_nothing(rig: Rig) -> None:
    rig.exchange.answer = IssuedTokens("ya29.access", 3599, "1//r", "openid")
    with pytest.raises(ConsentDeclined, match="did not grant reading the calendar"):
        rig.finish(rig.consent.start(rig.link()))
    assert rig.credentials.load("google") == GOOGLE_CLIENT


def test_no_oauth_client_is_said_before_any_link_is_made(rig: Rig) -> None:
    rig.credentials.delete("google")
    with pytest.raises(ConsentNotConfigured, match="no OAuth client for Google") as refused:
        rig.consent.invite("google")
    assert "client_id and client_secret" in str(refused.value)
    assert "memory" in str(refused.value)  # where to put it


@pytest.mark.parametrize(
    ("client", "problem"),
    [
        ({"client_id": "c"}, "has no client_secret"),
        ({"client_id": " ", "client_secret": "s"}, "no OAuth client"),
        ({**GOOGLE_CLIENT, "token_uri": "http://tokens.example.com/token"}, "not an https"),
        ({**GOOGLE_CLIENT, "auth_uri": "javascript:alert(1)"}, "not an https"),
    ],
)
def test_an_oauth_client_that_cannot_work_is_refused_naming_the_problem(
    rig: Rig, client: dict[str, str], problem: str
) -> None:
    rig.credentials.save("google", client)
    with pytest.raises(ConsentNotConfigured, match=problem):
        rig.consent.invite("google")


def test_the_client_may_name_its_own_endpoints_which_are_kept(rig: Rig) -> None:
    rig.credentials.save(
        "google",
        {
            **GOOGLE_CLIENT,
            "auth_uri": "https://accounts.example.com/auth",
            "token_uri": "https://tokens.example.com/token",
        },
    )
    redirect = rig.consent.start(rig.link())
    assert redirect.location.startswith("https://accounts.example.com/auth?")
    rig.finish(redirect)
    stored = rig.credentials.load("google") or {}
    assert rig.exchange.endpoints == ["https://tokens.example.com/token"]
    assert (stored["auth_uri"], stored["token_uri"]) == (
        "https://accounts.example.com/auth",
        "https://tokens.example.com/token",
    )


def test_connecting_again_reuses_the_client_of_the_stored_authorization(rig: Rig) -> None:
    rig.finish(rig.consent.start(rig.link()))
    rig.exchange.answer = IssuedTokens("ya29.second", 3599, "1//second", READ_SCOPE)
    rig.finish(rig.consent.start(rig.link()))
    stored = rig.credentials.load("google") or {}
    assert (stored["token"], stored["refresh_token"]) == ("ya29.second", "1//second")
    assert stored["client_secret"] == GOOGLE_CLIENT["client_secret"]


def test_a_microsoft_account_connects_as_a_public_client(rig: Rig) -> None:
    rig.credentials.save("microsoft", {"client_id": "00000000-app"})
    rig.exchange.answer = IssuedTokens(
        "eyJ.access", 3600, "M.refresh", "https://graph.microsoft.com/Calendars.Read"
    )
    redirect = rig.consent.start(rig.link("microsoft"))
    assert redirect.location.startswith(
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?"
    )
    query = query_of(redirect.location)
    assert query["scope"] == "Calendars.Read offline_access"
    assert (query["prompt"], query["response_mode"]) == ("consent", "query")
    assert "access_type" not in query
    rig.finish(redirect)
    (grant,) = rig.exchange.grants
    assert "client_secret" not in grant
    stored = rig.credentials.load("microsoft") or {}
    assert stored["provider"] == "microsoft"
    assert stored["token_uri"] == "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    assert stored["scopes"] == ["Calendars.Read", "offline_access"]
    assert "client_secret" not in stored


def test_a_microsoft_client_with_a_secret_is_refused_it_could_not_renew(rig: Rig) -> None:
    rig.credentials.save("microsoft", {"client_id": "app", "client_secret": "s"})
    with pytest.raises(ConsentNotConfigured, match="public client"):
        rig.consent.invite("microsoft")


def test_an_unknown_provider_is_refused_naming_those_that_can_connect(rig: Rig) -> None:
    with pytest.raises(ConsentNotConfigured, match="google or microsoft"):
        rig.consent.invite("yahoo")


class RefusingStore(InMemoryCredentialStore):
    """A credential store that refuses the next save (the secret's key, say)."""

    refusals = 0

    def save(self, provider: str, authorization: Mapping[str, Any]) -> None:
        if self.refusals:
            self.refusals -= 1
            raise SecretUnavailable("exec-assistant/calendar", "access denied")
        super().save(provider, authorization)


def test_a_store_that_refuses_leaves_the_link_usable(rig: Rig) -> None:
    store = RefusingStore()
    store.save("google", GOOGLE_CLIENT)
    store.refusals = 1
    consent = CalendarConsent(
        store,
        InMemoryConsentRepository(),
        rig.exchange,
        rig.clock,
        web_url=WEB,
        providers={"google": GOOGLE},
    )
    ticket = parse_qs(urlsplit(consent.invite("google").start_url).query)["ticket"][0]
    first = consent.start(ticket)
    state = query_of(first.location)["state"]
    with pytest.raises(SecretUnavailable):
        consent.finish(ConsentCallback(state, "4/0code", None), first.browser_key, 1e12)
    assert store.load("google") == GOOGLE_CLIENT
    second = consent.start(ticket)
    state = query_of(second.location)["state"]
    consent.finish(ConsentCallback(state, "4/0code", None), second.browser_key, 1e12)
    assert (store.load("google") or {})["refresh_token"] == "1//refresh"
