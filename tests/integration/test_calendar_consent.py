"""The calendar consent function through its handler: API Gateway's events (payload 2.0) for
its two routes and an operator's direct invocation, the pending steps in a state table on
moto's DynamoDB (127.0.0.1), and a local fake of Google's and Microsoft's consent page and
token endpoint (oauth_token_server) that the test's "browser" follows as a browser would.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from exec_assistant.adapters.aws.tables import STATE
from exec_assistant.adapters.credentials.form_post import FormPoster
from exec_assistant.adapters.memory import InMemoryCredentialStore
from exec_assistant.aws_clients import AwsClients
from exec_assistant.domain.errors import ConsentNotConfigured, SecretUnavailable
from exec_assistant.handlers.calendar_oauth import KEY, consent_app, make_handler
from exec_assistant.handlers.runtime import BadEvent, Handler
from exec_assistant.ports import CredentialStore

from dynamo_tables import dynamodb_tables
from lambda_front import InvocationContext
from moto_server import AwsEndpoint
from oauth_token_server import OAuthTokenServer
from operation_log import MotoTargets, OperationLog, refused_calls

WEB = "https://d111abcdef8.cloudfront.net"
CALLBACK = f"{WEB}/oauth/calendar/callback"
CLIENT_ID = "1234-fake.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-client-secret"
COOKIE = "__Host-calendar-consent"


def context() -> InvocationContext:
    """The runtime's context of one invocation: 30 s, as API Gateway allows."""
    return InvocationContext("exec-assistant-calendar-oauth", timeout_seconds=30)


@dataclass
class Browser:
    """What the executive's browser keeps between the pages: its cookie jar."""

    cookies: dict[str, str] = field(default_factory=dict)

    def keep(self, response: Mapping[str, Any]) -> None:
        for cookie in response.get("cookies") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


@dataclass
class Rig:
    handler: Handler
    oauth: OAuthTokenServer
    credentials: CredentialStore
    dynamodb: Any
    table: str

    def connect_link(self, provider: str = "google") -> str:
        answer = self.handler({"connect": provider}, context())
        return str(answer["start_url"])

    def get(self, url: str, browser: Browser, **event: Any) -> dict[str, Any]:
        """The browser's GET of one of the function's pages, as API Gateway hands it over."""
        parts = urlsplit(url)
        response: dict[str, Any] = self.handler(
            api_event(parts.path, parts.query, browser.cookies, **event), context()
        )
        browser.keep(response)
        return response

    def consent_page(self, location: str) -> str:
        """The provider's consent page, clicked through: where it sends the browser back."""
        parts = urlsplit(location)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        try:
            connection.request("GET", f"{parts.path}?{parts.query}")
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 302, answer.status
            return str(answer.getheader("Location"))
        finally:
            connection.close()

    def connect(self, browser: Browser | None = None) -> dict[str, Any]:
        """The whole connection: link, start, consent page, callback."""
        browser = browser or Browser()
        start = self.get(self.connect_link(), browser)
        assert start["statusCode"] == 302, start["body"]
        return self.get(self.consent_page(start["headers"]["Location"]), browser)

    def items(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.dynamodb.scan(TableName=self.table)["Items"]
        return found


def api_event(
    path: str, query: str, cookies: Mapping[str, str], *, method: str = "GET"
) -> dict[str, Any]:
    """API Gateway's HTTP API event (payload format 2.0) for a browser's request."""
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": [f"{name}={value}" for name, value in cookies.items()],
        "headers": {"host": urlsplit(WEB).hostname, "user-agent": "Mozilla/5.0"},
        "queryStringParameters": {k: ",".join(v) for k, v in parse_qs(query).items()},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api1",
            "domainName": "api1.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1"},
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{method} {path}",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


@pytest.fixture(scope="module")
def consent_operations() -> OperationLog:
    return OperationLog()


@dataclass(frozen=True)
class StateTable:
    client: Any
    name: str


@pytest.fixture(scope="module")
def state_table(aws: AwsEndpoint) -> Iterator[StateTable]:
    """One state table for the module's tests (each spends only the steps it made)."""
    with dynamodb_tables(aws, STATE) as (client, (table,)):
        yield StateTable(client, table)


def _rig(
    aws: AwsEndpoint,
    table: StateTable,
    log: OperationLog,
    oauth: OAuthTokenServer,
    registration: dict[str, Any],
    provider: str,
) -> Iterator[Rig]:
    credentials = InMemoryCredentialStore()
    credentials.save(provider, registration)
    scope = uuid.uuid4().hex
    clients = AwsClients(log.session_for(KEY, aws, scope), endpoint_url=aws.url)
    app = consent_app(
        credentials,
        clients,
        state_table=table.name,
        web_url=WEB,
        microsoft_authority="https://login.microsoftonline.com/common",
        poster=FormPoster(connect_timeout=0.5, read_timeout=0.3, first_backoff=0.01),
    )
    yield Rig(make_handler(lambda: app), oauth, credentials, table.client, table.name)
    # What the function did, its role allows (infra's access.GRANTS).
    targets = MotoTargets({STATE.environment_variable: table.name}, "no-bucket", "", "", "")
    assert refused_calls(log, targets, scope) == []


@pytest.fixture
def oauth() -> Iterator[OAuthTokenServer]:
    with OAuthTokenServer(
        refresh_token="1//unused", client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    ) as server:
        yield server


@pytest.fixture
def rig(
    aws: AwsEndpoint,
    state_table: StateTable,
    consent_operations: OperationLog,
    oauth: OAuthTokenServer,
) -> Iterator[Rig]:
    registration = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "auth_uri": oauth.authorize_uri,
        "token_uri": oauth.token_uri,
    }
    yield from _rig(aws, state_table, consent_operations, oauth, registration, "google")


def _secrets_in(response: Mapping[str, Any], *values: str) -> list[str]:
    shown = json.dumps({k: v for k, v in response.items() if k != "cookies"})
    return [value for value in values if value and value in shown]


def test_the_executive_connects_google_and_the_authorization_is_stored(rig: Rig) -> None:
    browser = Browser()
    link = rig.connect_link()
    assert link.startswith(f"{WEB}/oauth/calendar/start?ticket=")
    start = rig.get(link, browser)
    assert start["statusCode"] == 302
    assert start["headers"]["Cache-Control"] == "no-store"
    assert start["headers"]["Referrer-Policy"] == "no-referrer"
    (cookie,) = start["cookies"]
    assert cookie.startswith(f"{COOKIE}=")
    assert all(a in cookie for a in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"))
    asked = parse_qs(urlsplit(start["headers"]["Location"]).query)
    assert asked["redirect_uri"] == [CALLBACK]
    assert asked["access_type"] == ["offline"] and asked["prompt"] == ["consent"]

    back = rig.consent_page(start["headers"]["Location"])
    assert back.startswith(CALLBACK + "?")
    done = rig.get(back, browser)
    assert done["statusCode"] == 200, done["body"]
    assert "Google calendar connected" in done["body"]
    assert done["headers"]["Content-Type"] == "text/html; charset=utf-8"
    csp = done["headers"]["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script" not in csp
    assert done["headers"]["Cache-Control"] == "no-store"
    assert COOKIE not in browser.cookies  # cleared

    stored = rig.credentials.load("google") or {}
    access, refresh = rig.oauth.issued
    assert (stored["token"], stored["refresh_token"]) == (access, refresh)
    assert (stored["client_id"], stored["client_secret"]) == (CLIENT_ID, CLIENT_SECRET)
    assert stored["token_uri"] == rig.oauth.token_uri
    assert stored["scopes"] == ["https://www.googleapis.com/auth/calendar.readonly"]
    code = parse_qs(urlsplit(back).query)["code"][0]
    state = parse_qs(urlsplit(back).query)["state"][0]
    assert _secrets_in(done, access, refresh, code, state, CLIENT_SECRET) == []
    (grant,) = rig.oauth.grants
    assert grant["redirect_uri"] == CALLBACK and grant["code_verifier"]


def test_the_table_holds_digests_never_a_ticket_or_a_state(rig: Rig) -> None:
    browser = Browser()
    link = rig.connect_link()
    start = rig.get(link, browser)
    ticket = parse_qs(urlsplit(link).query)["ticket"][0]
    state = parse_qs(urlsplit(start["headers"]["Location"]).query)["state"][0]
    stored = json.dumps(rig.items())
    assert ticket not in stored and state not in stored
    assert browser.cookies[COOKIE] not in stored
    assert all("expires_at" in item for item in rig.items())  # purged by the table's TTL


def test_the_same_callback_twice_stores_once_and_the_second_gets_a_plain_400(rig: Rig) -> None:
    browser = Browser()
    start = rig.get(rig.connect_link(), browser)
    back = rig.consent_page(start["headers"]["Location"])
    cookies = dict(browser.cookies)
    assert rig.get(back, browser)["statusCode"] == 200
    again = rig.get(back, Browser(cookies))
    assert again["statusCode"] == 400
    assert "completed already" in again["body"]
    assert len(rig.oauth.grants) == 1


def test_two_callbacks_with_one_state_at_once_one_wins(rig: Rig) -> None:
    browser = Browser()
    start = rig.get(rig.connect_link(), browser)
    back = rig.consent_page(start["headers"]["Location"])
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def callback() -> None:
        barrier.wait()
        statuses.append(rig.get(back, Browser(dict(browser.cookies)))["statusCode"])

    threads = [threading.Thread(target=callback) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 400, 400, 400]
    assert len(rig.oauth.grants) == 1


def test_a_declined_consent_stores_nothing(rig: Rig) -> None:
    rig.oauth.consent("deny")
    done = rig.connect()
    assert done["statusCode"] == 400
    assert "declined" in done["body"]
    assert rig.oauth.grants == []
    assert "refresh_token" not in (rig.credentials.load("google") or {})


def test_an_unticked_calendar_box_stores_nothing(rig: Rig) -> None:
    rig.oauth.consent("grant", scopes=())
    done = rig.connect()
    assert done["statusCode"] == 400
    assert "did not grant reading the calendar" in done["body"]
    assert "refresh_token" not in (rig.credentials.load("google") or {})


@pytest.mark.parametrize(
    ("script", "words"),
    [
        ("hang", "no answer within"),
        ("garble", "without an access token"),
        ("down", "no answer"),
        ("503", "no answer"),
        ("refuse", "refused the authorization code (invalid_grant)"),
    ],
)
def test_a_token_endpoint_that_fails_stores_nothing_and_says_what_happened(
    rig: Rig, script: str, words: str
) -> None:
    browser = Browser()
    start = rig.get(rig.connect_link(), browser)
    back = rig.consent_page(start["headers"]["Location"])
    if script == "hang":
        rig.oauth.hang()
    elif script == "garble":
        rig.oauth.garble()
    elif script == "503":
        rig.oauth.fail(503, times=10)
    elif script == "refuse":
        query = parse_qs(urlsplit(back).query)
        back = f"{CALLBACK}?" + urlencode({"state": query["state"][0], "code": "4/0spent"})
    else:
        rig.oauth.__exit__(None, None, None)
    started = time.monotonic()
    done = rig.get(back, browser)
    assert time.monotonic() - started < 2
    assert done["statusCode"] in (400, 502)
    assert words in done["body"], done["body"]
    assert "nothing was stored" in done["body"]
    assert "refresh_token" not in (rig.credentials.load("google") or {})


def test_a_token_endpoint_that_recovers_within_the_deadline_connects(rig: Rig) -> None:
    browser = Browser()
    start = rig.get(rig.connect_link(), browser)
    back = rig.consent_page(start["headers"]["Location"])
    rig.oauth.fail(503)
    assert rig.get(back, browser)["statusCode"] == 200
    assert len(rig.oauth.grants) == 2


def test_after_a_failed_exchange_the_same_link_connects(rig: Rig) -> None:
    link = rig.connect_link()
    browser = Browser()
    start = rig.get(link, browser)
    back = rig.consent_page(start["headers"]["Location"])
    rig.oauth.garble()
    assert rig.get(back, browser)["statusCode"] == 502
    start = rig.get(link, browser)
    assert rig.get(rig.consent_page(start["headers"]["Location"]), browser)["statusCode"] == 200


def test_a_callback_in_another_browser_is_refused(rig: Rig) -> None:
    start = rig.get(rig.connect_link(), Browser())
    back = rig.consent_page(start["headers"]["Location"])
    done = rig.get(back, Browser())
    assert done["statusCode"] == 400
    assert "another browser" in done["body"]
    assert rig.oauth.grants == []


HOSTILE_QUERIES = [
    "",
    "ticket=",
    "ticket=a&ticket=b",
    "state=x" + "A" * 20_000,
    "state=%1B%5B31mAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&code=c",
    "state=%E2%80%AEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&code=c",
    "state=%3Cscript%3Ealert(1)%3C%2Fscript%3E&code=%3Cb%3E",
    "&".join(f"f{n}=1" for n in range(50)),
    "state=%FF%FE&code=%C3%28",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
@pytest.mark.parametrize("path", ["/oauth/calendar/start", "/oauth/calendar/callback"])
def test_a_hostile_query_gets_a_plain_400_page_that_echoes_nothing(
    rig: Rig, path: str, query: str
) -> None:
    before = len(rig.items())
    response = rig.handler(api_event(path, query, {}), context())
    assert response["statusCode"] == 400
    body = response["body"]
    assert "<script" not in body and "alert" not in body and "AAAAAAAAAA" not in body
    assert "\x1b" not in body and "\u202e" not in body
    assert len(body) < 2000
    assert response["headers"]["Cache-Control"] == "no-store"
    assert len(rig.items()) == before
    assert rig.oauth.grants == []


def test_a_duplicated_state_or_code_is_refused(rig: Rig) -> None:
    browser = Browser()
    start = rig.get(rig.connect_link(), browser)
    back = rig.consent_page(start["headers"]["Location"])
    for field_name in ("state", "code"):
        value = parse_qs(urlsplit(back).query)[field_name][0]
        doubled = f"{back}&{urlencode({field_name: value})}"
        assert rig.get(doubled, Browser(dict(browser.cookies)))["statusCode"] == 400
    assert rig.oauth.grants == []
    assert rig.get(back, browser)["statusCode"] == 200  # the state was not spent by them


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/oauth/calendar/callback"), ("GET", "/oauth/other")]
)
def test_another_method_or_path_is_not_found(rig: Rig, method: str, path: str) -> None:
    response = rig.handler(api_event(path, "", {}, method=method), context())
    assert response["statusCode"] == 404


def test_an_operator_asking_for_an_unknown_provider_is_refused_naming_the_field(
    rig: Rig,
) -> None:
    with pytest.raises(BadEvent, match="connect"):
        rig.handler({"connect": "yahoo"}, context())
    with pytest.raises(BadEvent):
        rig.handler({"connect": "google", "extra": 1}, context())


def test_a_link_for_a_provider_without_an_oauth_client_is_refused_with_the_fix(
    rig: Rig,
) -> None:
    with pytest.raises(ConsentNotConfigured) as refused:
        rig.handler({"connect": "microsoft"}, context())
    assert "client_id" in str(refused.value)


@pytest.fixture
def microsoft_oauth() -> Iterator[OAuthTokenServer]:
    with OAuthTokenServer(
        refresh_token="unused",
        client_id="00000000-0000-0000-0000-00000000app",
        client_secret=None,
        granted_scopes=("https://graph.microsoft.com/Calendars.Read",),
    ) as server:
        yield server


def test_a_microsoft_account_connects_as_a_public_client(
    aws: AwsEndpoint,
    state_table: StateTable,
    consent_operations: OperationLog,
    microsoft_oauth: OAuthTokenServer,
) -> None:
    registration = {
        "client_id": microsoft_oauth.client_id,
        "auth_uri": microsoft_oauth.authorize_uri,
        "token_uri": microsoft_oauth.token_uri,
    }
    for rig in _rig(
        aws, state_table, consent_operations, microsoft_oauth, registration, "microsoft"
    ):
        browser = Browser()
        start = rig.get(rig.connect_link("microsoft"), browser)
        asked = parse_qs(urlsplit(start["headers"]["Location"]).query)
        assert asked["scope"] == ["Calendars.Read offline_access"]
        done = rig.get(rig.consent_page(start["headers"]["Location"]), browser)
        assert done["statusCode"] == 200, done["body"]
        assert "Microsoft 365 calendar connected" in done["body"]
        (grant,) = microsoft_oauth.grants
        assert "client_secret" not in grant
        stored = rig.credentials.load("microsoft") or {}
        assert stored["provider"] == "microsoft" and "client_secret" not in stored


# --- the deployed function: its environment, the calendar secret on moto -----------------


@pytest.fixture
def calendar_secret(aws: AwsEndpoint, oauth: OAuthTokenServer) -> Iterator[str]:
    """The calendar secret as an operator leaves it before the first connection: the OAuth
    client's registration (here naming the local consent page and token endpoint)."""
    client = aws.client("secretsmanager")
    name = f"exec-assistant/calendar-{uuid.uuid4().hex[:8]}"
    registration = {
        "provider": "google",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "auth_uri": oauth.authorize_uri,
        "token_uri": oauth.token_uri,
    }
    client.create_secret(Name=name, SecretString=json.dumps(registration))
    yield name
    client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def _deployed(
    aws: AwsEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    table: str,
    secret: str | None,
    web_url: str | None = WEB,
) -> Handler:
    """The handler as the deployed function makes it, from the environment the
    infrastructure gives it (function_environment.py)."""
    from exec_assistant.handlers.calendar_oauth import environment_consent_app

    for name, value in aws.sdk_environment("secrets_manager", "dynamodb").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws.region)
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "exec-assistant-documents-123456789012")
    monkeypatch.setenv("STATE_TABLE", table)
    for name, value in (("CALENDAR_OAUTH_SECRET_ARN", secret), ("WEB_URL", web_url)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return make_handler(environment_consent_app)


def test_the_deployed_function_stores_the_authorization_in_the_calendar_secret(
    aws: AwsEndpoint,
    state_table: StateTable,
    calendar_secret: str,
    oauth: OAuthTokenServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from exec_assistant.adapters.credentials.oauth_refresh import OAuthRefreshRenewal
    from exec_assistant.clocks import SystemClock

    handler = _deployed(aws, monkeypatch, state_table.name, calendar_secret)
    rig = Rig(handler, oauth, InMemoryCredentialStore(), state_table.client, state_table.name)
    done = rig.connect()
    assert done["statusCode"] == 200, done["body"]
    value = aws.client("secretsmanager").get_secret_value(SecretId=calendar_secret)
    stored = json.loads(value["SecretString"])
    access, refresh = oauth.issued
    assert stored["provider"] == "google"
    assert (stored["token"], stored["refresh_token"]) == (access, refresh)
    assert (stored["client_id"], stored["client_secret"]) == (CLIENT_ID, CLIENT_SECRET)
    assert stored["auth_uri"] == oauth.authorize_uri  # the operator's key, kept
    assert stored["expiry"].endswith("Z")
    # What the calendar monitor and the secret's rotation renew.
    assert OAuthRefreshRenewal(FormPoster(), SystemClock()).holds(stored)


def test_the_deployed_functions_calls_are_the_ones_its_role_allows(
    aws: AwsEndpoint,
    state_table: StateTable,
    calendar_secret: str,
    oauth: OAuthTokenServer,
    consent_operations: OperationLog,
) -> None:
    from exec_assistant.adapters.aws.secrets_manager_credentials import (
        SecretsManagerCredentialStore,
    )

    scope = uuid.uuid4().hex
    clients = AwsClients(consent_operations.session_for(KEY, aws, scope), endpoint_url=aws.url)
    store = SecretsManagerCredentialStore(clients.client("secretsmanager"), calendar_secret)
    app = consent_app(
        store,
        clients,
        state_table=state_table.name,
        web_url=WEB,
        microsoft_authority="https://login.microsoftonline.com/common",
    )
    rig = Rig(make_handler(lambda: app), oauth, store, state_table.client, state_table.name)
    assert rig.connect()["statusCode"] == 200
    targets = MotoTargets(
        {STATE.environment_variable: state_table.name},
        "no-bucket",
        "",
        "",
        "",
        secrets={"calendar": calendar_secret},
    )
    calls = {call.operation for call in consent_operations.of(KEY) if call.scope == scope}
    assert {"GetSecretValue", "PutSecretValue", "PutItem", "GetItem", "DeleteItem"} <= calls
    assert refused_calls(consent_operations, targets, scope) == []


@pytest.mark.parametrize("missing", ["CALENDAR_OAUTH_SECRET_ARN", "WEB_URL"])
def test_a_function_without_its_secret_or_address_says_which(
    aws: AwsEndpoint,
    state_table: StateTable,
    monkeypatch: pytest.MonkeyPatch,
    missing: str,
) -> None:
    from exec_assistant.domain.errors import ConfigError

    handler = _deployed(
        aws,
        monkeypatch,
        state_table.name,
        None if missing == "CALENDAR_OAUTH_SECRET_ARN" else "exec-assistant/calendar",
        None if missing == "WEB_URL" else WEB,
    )
    with pytest.raises(ConfigError, match=missing):
        handler({"connect": "google"}, context())


class RefusingStore(InMemoryCredentialStore):
    """The calendar secret refusing the write (a grant or the key missing)."""

    def save(self, provider: str, authorization: Mapping[str, Any]) -> None:
        raise SecretUnavailable("exec-assistant/calendar", "access denied")


def test_a_secret_that_refuses_the_write_gets_a_503_page_and_the_log_the_cause(
    aws: AwsEndpoint, state_table: StateTable, oauth: OAuthTokenServer
) -> None:
    store = RefusingStore()
    InMemoryCredentialStore.save(
        store,
        "google",
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "auth_uri": oauth.authorize_uri,
            "token_uri": oauth.token_uri,
        },
    )
    app = consent_app(
        store,
        AwsClients(aws.session(), endpoint_url=aws.url),
        state_table=state_table.name,
        web_url=WEB,
        microsoft_authority="https://login.microsoftonline.com/common",
    )
    rig = Rig(make_handler(lambda: app), oauth, store, state_table.client, state_table.name)
    done = rig.connect()
    assert done["statusCode"] == 503
    assert "could not reach its own records; nothing was stored" in done["body"]
    assert "exec-assistant/calendar" not in done["body"] and "access denied" not in done["body"]
