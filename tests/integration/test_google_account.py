"""Connecting a Google account: the installed-app consent flow against the fake Google's
consent page and token endpoint, driven by an HTTP client in the browser's place."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from exec_assistant.adapters.memory import InMemoryCredentialStore
from exec_assistant.calendars.google.account import (
    ConnectedAccount,
    ConnectionRefused,
    ConsentOptions,
    connect_google_account,
)
from exec_assistant.domain.errors import UsageError

from google_calendar_api import READ_SCOPE, GoogleCalendarServer

EXEC = "exec@northwind.example"
TEAM = "team-7f3a@group.calendar.google.com"


class Browser:
    """Opens the consent page it is shown, follows Google's redirect back to the local
    server, and keeps the page the local server answered."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.pages: list[str] = []
        self.done = threading.Event()

    def show(self, url: str) -> None:
        self.urls.append(url)
        threading.Thread(target=self._open, args=(url,), daemon=True).start()

    def _open(self, url: str) -> None:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                self.pages.append(answer.read().decode())
        finally:
            self.done.set()


@pytest.fixture(autouse=True)
def _loopback_token_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib's own switch: the fake token endpoint is http on 127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def google() -> Iterator[GoogleCalendarServer]:
    with GoogleCalendarServer(user=EXEC) as server:
        server.add_calendar(TEAM, summary="Leadership team", time_zone="Europe/London")
        server.add_calendar(
            "en.usa#holiday@group.v.calendar.google.com",
            summary="Holidays",
            time_zone="America/New_York",
        )
        yield server


@pytest.fixture
def secrets_file(google: GoogleCalendarServer, tmp_path: Path) -> Path:
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps(google.client_secrets()))
    return path


def connect(
    google: GoogleCalendarServer,
    secrets_file: Path,
    store: InMemoryCredentialStore,
    browser: Browser,
    **options: object,
) -> ConnectedAccount:
    return connect_google_account(
        ConsentOptions(
            client_secrets=secrets_file,
            open_browser=False,
            show_url=browser.show,
            **options,  # type: ignore[arg-type]
        ),
        store,
        api_endpoint=google.url,
        http_timeout_seconds=5,
        max_bytes=1_000_000,
    )


def test_the_consent_flow_stores_a_refreshable_authorization_and_lists_the_calendars(
    google: GoogleCalendarServer, secrets_file: Path
) -> None:
    store, browser = InMemoryCredentialStore(), Browser()
    account = connect(google, secrets_file, store, browser)

    (url,) = browser.urls
    consent = google.requests("auth")[0].query
    assert consent["scope"] == [READ_SCOPE]
    assert consent["access_type"] == ["offline"] and consent["prompt"] == ["consent"]
    assert consent["code_challenge_method"] == ["S256"]
    assert url.startswith(google.auth_uri)
    browser.done.wait(5)
    assert "exec-assistant may now read your calendars" in browser.pages[0]

    stored = store.load("google")
    assert stored is not None
    assert stored["provider"] == "google" and stored["refresh_token"].startswith("1//")
    assert stored["token_uri"] == google.token_uri and stored["scopes"] == [READ_SCOPE]
    assert account.address == EXEC
    assert [(c.location, c.summary, c.primary) for c in account.calendars] == [
        (f"google:{EXEC}", EXEC, True),
        ("google:en.usa#holiday@group.v.calendar.google.com", "Holidays", False),
        (f"google:{TEAM}", "Leadership team", False),
    ]
    assert account.listing_problem is None


def test_a_denied_consent_stores_nothing(google: GoogleCalendarServer, secrets_file: Path) -> None:
    google.denied = True
    store = InMemoryCredentialStore()
    with pytest.raises(ConnectionRefused, match="did not allow"):
        connect(google, secrets_file, store, Browser())
    assert store.load("google") is None


def test_a_consent_without_the_calendar_box_ticked_stores_nothing(
    google: GoogleCalendarServer, secrets_file: Path
) -> None:
    google.granted_scopes = ("openid",)
    store = InMemoryCredentialStore()
    with pytest.raises(ConnectionRefused) as caught:
        connect(google, secrets_file, store, Browser())
    assert "did not grant access to your calendars" in caught.value.message
    assert "tick" in (caught.value.hint or "")
    assert store.load("google") is None


def test_more_scopes_than_asked_are_taken(google: GoogleCalendarServer, secrets_file: Path) -> None:
    google.granted_scopes = (READ_SCOPE, "openid")
    store = InMemoryCredentialStore()
    connect(google, secrets_file, store, Browser())
    stored = store.load("google")
    assert stored is not None and stored["refresh_token"]


def test_a_port_in_use_is_named(google: GoogleCalendarServer, secrets_file: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConnectionRefused, match=f"port {port} on this machine is in use"):
            connect(google, secrets_file, InMemoryCredentialStore(), Browser(), port=port)


def test_a_browser_that_never_comes_back_is_given_up(
    google: GoogleCalendarServer, secrets_file: Path
) -> None:
    shown: list[str] = []
    with pytest.raises(ConnectionRefused, match=r"did not come back within 0\.3 s"):
        connect_google_account(
            ConsentOptions(
                client_secrets=secrets_file,
                open_browser=False,
                show_url=shown.append,
                timeout_seconds=0.3,
            ),
            InMemoryCredentialStore(),
            api_endpoint=google.url,
            http_timeout_seconds=5,
            max_bytes=1_000_000,
        )
    assert len(shown) == 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no client secrets file"),
        (b"not json at all", "is not JSON"),
        (b'{"web": {"client_id": "x"}}', "client of a web application"),
        (b'{"installed": {"client_id": "x"}}', "not the client secrets file of an OAuth"),
        (b"[1, 2]", "not the client secrets file"),
        (b" " * (70 * 1024), "larger than a client secrets file"),
    ],
)
def test_a_bad_client_secrets_file_is_named(
    google: GoogleCalendarServer, tmp_path: Path, content: bytes | None, problem: str
) -> None:
    path = tmp_path / "client_secret.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError, match=problem):
        connect(google, path, InMemoryCredentialStore(), Browser())
    assert google.seen == []


def test_the_calendars_are_listed_page_by_page(
    google: GoogleCalendarServer, secrets_file: Path
) -> None:
    for n in range(260):  # calendarList pages hold 250
        google.add_calendar(
            f"c{n:03}@group.calendar.google.com", summary=f"C{n:03}", time_zone="UTC"
        )
    account = connect(google, secrets_file, InMemoryCredentialStore(), Browser())
    assert len(account.calendars) == 263
    assert google.count("calendarList") == 2


def test_an_account_whose_calendars_cannot_be_listed_is_connected_all_the_same(
    google: GoogleCalendarServer, secrets_file: Path
) -> None:
    google.fail(403, reason="forbidden")
    store = InMemoryCredentialStore()
    account = connect(google, secrets_file, store, Browser())
    assert store.load("google") is not None
    assert account.calendars == [] and "refused" in (account.listing_problem or "")
