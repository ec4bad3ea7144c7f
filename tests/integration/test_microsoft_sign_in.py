"""`calendars add microsoft`: msal's device-code sign-in against the fake identity platform,
the authorization stored in the shape the syncs and the secret rotation read, and the
account's calendars listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from exec_assistant.adapters.memory import InMemoryCredentialStore
from exec_assistant.calendars.microsoft.device_sign_in import (
    ConnectedAccount,
    DeviceCode,
    connect_microsoft_account,
)
from exec_assistant.domain.errors import ConfigError, Interrupted, SignInFailed, UsageError

from graph_calendar_api import CLIENT_ID, OWNER, FakeEvent, GraphCalendarApi
from graph_world import NOW, WINDOW, GraphWorld


@pytest.fixture
def graph() -> Iterator[GraphCalendarApi]:
    with GraphCalendarApi() as api:
        api.calendar("AAMkTeam=", name="Team <b>[bold]x[/bold]</b>")
        yield api


@pytest.fixture
def world(graph: GraphCalendarApi) -> GraphWorld:
    return GraphWorld(graph, connected=False)


def sign_in(world: GraphWorld, **options: object) -> tuple[ConnectedAccount, list[DeviceCode]]:
    shown: list[DeviceCode] = []
    account = connect_microsoft_account(
        world.settings,
        world.credentials,
        show_code=shown.append,
        http_client=world.http_client,
        abort=world.abort,
        **options,  # type: ignore[arg-type]
    )
    return account, shown


def test_signing_in_stores_the_authorization_and_lists_the_calendars(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.device_flow("approve", pending=3)

    account, shown = sign_in(world)

    [code] = shown
    assert code.verification_uri == "https://microsoft.com/devicelogin"
    assert len(code.user_code) == 9 and code.expires_in == 900
    assert account.account == OWNER[1]
    assert [(c.location, c.name, c.default) for c in account.calendars] == [
        ("microsoft:AAMkAGI2TGuLAAA=", "Calendar", True),
        ("microsoft:AAMkTeam=", "Team <b>[bold]x[/bold]</b>", False),
    ]
    stored = world.stored()
    assert set(stored) == {
        "provider",
        "token",
        "refresh_token",
        "token_uri",
        "client_id",
        "scopes",
        "expiry",
        "account",
    }
    assert stored["provider"] == "microsoft" and stored["client_id"] == CLIENT_ID
    assert stored["token_uri"] == graph.token_uri
    assert stored["scopes"] == ["Calendars.Read", "offline_access"]
    assert datetime.fromisoformat(stored["expiry"]) > datetime.now(UTC) + timedelta(minutes=50)
    polls = [r for r in graph.identity_requests() if r.path.endswith("/token")]
    assert len(polls) == 4  # pending three times, then the tokens
    assert [r.path.removeprefix("/v1.0") for r in graph.graph_requests()] == ["/me/calendars"]


def test_the_device_code_asks_for_reading_calendars_and_offline_access_only(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    sign_in(world)

    [asked] = [r for r in graph.identity_requests() if r.path.endswith("/devicecode")]
    assert set(asked.form["scope"].split()) == {
        "Calendars.Read",
        "offline_access",
        "openid",
        "profile",
    }


def test_the_stored_authorization_reads_the_calendar(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.add_event(
        FakeEvent("e1", "Board prep", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    )
    sign_in(world)

    assert [e.title for e in world.source().fetch(*WINDOW).events] == ["Board prep"]


@pytest.mark.parametrize(
    "outcome, message",
    [
        ("decline", "the sign-in was declined on Microsoft's page"),
        ("expire", "the code expired before the sign-in was completed (it lasts 15 minutes)"),
    ],
)
def test_a_sign_in_that_does_not_complete_stores_nothing(
    graph: GraphCalendarApi, world: GraphWorld, outcome: str, message: str
) -> None:
    graph.device_flow(outcome, pending=1)

    with pytest.raises(SignInFailed) as caught:
        sign_in(world)

    assert caught.value.message == message
    assert "exec-assistant calendars add microsoft" in str(caught.value.hint)
    assert world.credentials.load("microsoft") is None


def test_a_stop_while_waiting_for_the_sign_in_stores_nothing(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.device_flow("approve", pending=100, interval=1)
    stop_when_shown = world.abort

    with pytest.raises(Interrupted) as caught:
        connect_microsoft_account(
            world.settings,
            world.credentials,
            show_code=lambda code: stop_when_shown.set(),
            http_client=world.http_client,
            abort=world.abort,
        )

    assert caught.value.message == "stopped waiting for the sign-in; nothing was stored"
    assert world.credentials.load("microsoft") is None


def test_no_client_id_says_how_to_get_one(world: GraphWorld) -> None:
    world.settings_overrides["microsoft_client_id"] = None

    with pytest.raises(UsageError) as caught:
        sign_in(world)

    assert "--client-id" in str(caught.value.hint)
    assert "Calendars.Read" in str(caught.value.hint)


def test_a_client_id_microsoft_does_not_know_is_named(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    with pytest.raises(SignInFailed) as caught:
        sign_in(world, client_id="00000000-aaaa-bbbb-cccc-000000000000")

    assert caught.value.message == (
        "Microsoft does not accept this app registration for a device sign-in "
        "(unauthorized_client, AADSTS700016)"
    )
    assert "public client" in str(caught.value.hint)


def test_an_authority_that_is_not_https_is_refused_before_any_request(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    world.settings_overrides["microsoft_authority"] = graph.authority.replace("https:", "http:")

    with pytest.raises(ConfigError):
        sign_in(world)
    assert graph.requests == []


def test_an_authority_that_cannot_be_reached_is_one_line(world: GraphWorld) -> None:
    world.settings_overrides["microsoft_authority"] = "https://127.0.0.1:9/common"

    with pytest.raises(SignInFailed) as caught:
        sign_in(world)

    assert caught.value.message == (
        "the Microsoft identity platform at https://127.0.0.1:9/common cannot be used: "
        "it cannot be reached"
    )


def test_calendars_that_cannot_be_listed_leave_the_sign_in_stored(
    graph: GraphCalendarApi, world: GraphWorld
) -> None:
    graph.fail(403, code="ErrorAccessDenied", path_contains="/me/calendars")

    account, _ = sign_in(world)

    assert account.calendars == []
    assert account.listing_problem == (
        "Microsoft Graph refused to show this calendar (HTTP 403 ErrorAccessDenied)"
    )
    assert world.credentials.load("microsoft") is not None


def test_a_second_sign_in_replaces_the_first(graph: GraphCalendarApi, world: GraphWorld) -> None:
    sign_in(world)
    first = world.stored()
    sign_in(world)

    assert world.stored()["refresh_token"] != first["refresh_token"]
    assert isinstance(world.credentials, InMemoryCredentialStore)
