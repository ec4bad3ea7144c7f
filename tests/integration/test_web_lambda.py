"""The web page's function through its handler, as API Gateway invokes it behind CloudFront
(HTTP API payload 2.0, the Host the API's own name, the browser's Origin the site's): the
deployment's tables and documents bucket, and the web secret, on moto's server (127.0.0.1).

Sign in with Slack is another way in to the same session cookie; here the cookie is issued
with the key the function stored in the web secret, as a signed-in browser holds it."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from exec_assistant.adapters.aws.tables import CHAT_SESSIONS, FOLLOW_UPS, MEETINGS, STATE
from exec_assistant.adapters.aws.web_session_key import SecretsManagerSessionKey
from exec_assistant.aws_bootstrap import AwsApp, build_aws
from exec_assistant.aws_clients import AwsClients
from exec_assistant.deployment_settings import DeploymentSettings
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.identity import prep_id_for, session_id_for
from exec_assistant.domain.models import ChatSession, MeetingStatus
from exec_assistant.handlers.runtime import BadEvent, Handler
from exec_assistant.handlers.web import KEY, make_handler, web_function
from exec_assistant.settings import Settings
from exec_assistant.web.cookies import SESSION_COOKIE, SessionCookies
from exec_assistant.web.guard import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from exec_assistant.web.sign_in import LinkSignIn
from exec_assistant.web.viewer import LOCAL_VIEWER, Role, Viewer

from dynamo_tables import deployment_on
from factories import EXEC, stored_meeting
from lambda_front import InvocationContext
from moto_server import ACCOUNT_ID, AwsEndpoint
from operation_log import MotoTargets, OperationLog, refused_calls
from prep_fakes import FixedClock
from web_pages import memory_links

SITE = "https://d111abcdef8.cloudfront.net"
API_HOST = "api1.execute-api.us-east-1.amazonaws.com"
NOW = datetime.fromisoformat("2026-12-01T14:00:00+00:00")
STATE_MACHINE = f"arn:aws:states:us-east-1:{ACCOUNT_ID}:stateMachine:exec-assistant-prep"


def context() -> InvocationContext:
    return InvocationContext("exec-assistant-web", timeout_seconds=30)


def api_event(
    method: str,
    path: str,
    *,
    cookies: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """What API Gateway's HTTP API hands the function for a browser's request that came
    through CloudFront (which passes every header but Host: the Host is the API's)."""
    parts = urlsplit(path)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} /" if parts.path == "/" else f"{method} /{{proxy+}}",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": {
            "host": API_HOST,
            "user-agent": "Mozilla/5.0",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
            **(headers or {}),
        },
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "api1",
            "domainName": API_HOST,
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "Mozilla/5.0",
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{method} /{{proxy+}}",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = [f"{name}={value}" for name, value in cookies.items()]
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode()
        event["isBase64Encoded"] = True
    return event


def html(response: Mapping[str, Any]) -> str:
    body = str(response.get("body", ""))
    return base64.b64decode(body).decode() if response.get("isBase64Encoded") else body


@dataclass
class Deployment:
    aws: AwsEndpoint
    settings: DeploymentSettings
    secret: str
    log: OperationLog
    scope: str
    clock: FixedClock

    def app(self, tmp_path: Path) -> AwsApp:
        session = self.log.session_for(KEY, self.aws, self.scope)
        return build_aws(
            Settings(home=tmp_path, user_email=EXEC, timezone="America/New_York"),
            self.settings,
            AwsClients(session, endpoint_url=self.aws.url),
            clock=self.clock,
        )

    def session_key(self) -> bytes:
        value = self.aws.client("secretsmanager").get_secret_value(SecretId=self.secret)
        return base64.urlsafe_b64decode(json.loads(value["SecretString"])["session_key"])

    def cookie(self, viewer: Viewer = LOCAL_VIEWER) -> tuple[str, str]:
        """A signed-in browser's session cookie, and its forms' CSRF token."""
        cookies = SessionCookies(self.session_key())
        value, session = cookies.issue(viewer, self.clock.now())
        return value, cookies.csrf_token(session)

    def refused(self) -> list[str]:
        targets = MotoTargets(
            {
                MEETINGS.environment_variable: self.settings.meetings_table,
                CHAT_SESSIONS.environment_variable: self.settings.sessions_table,
                FOLLOW_UPS.environment_variable: self.settings.follow_ups_table,
                STATE.environment_variable: self.settings.state_table,
            },
            self.settings.documents_s3_bucket,
            STATE_MACHINE,
            "exec-assistant-reminders",
            f"arn:aws:iam::{ACCOUNT_ID}:role/scheduler",
            secrets={"web": self.secret, "slack": "slack-secret"},
        )
        return refused_calls(self.log, targets, self.scope)


@pytest.fixture(scope="module")
def stores(aws: AwsEndpoint) -> DeploymentSettings:
    """The module's tables and documents bucket (only the fortnight's test stores meetings)."""
    return deployment_on(
        aws, state_machine_arn=STATE_MACHINE, web_url=SITE, calendars_configured=True
    )


def deployment_over(aws: AwsEndpoint, stores: DeploymentSettings) -> Deployment:
    secret = aws.unique("exec-assistant-web")
    # As the infrastructure makes it: a secret with no value yet.
    aws.client("secretsmanager").create_secret(Name=secret)
    settings = stores.model_copy(update={"web_secret_arn": secret})
    return Deployment(aws, settings, secret, OperationLog(), uuid.uuid4().hex, FixedClock(NOW))


@pytest.fixture
def deployment(aws: AwsEndpoint, stores: DeploymentSettings) -> Iterator[Deployment]:
    made = deployment_over(aws, stores)
    yield made
    # What the function did, its role allows (infra's access.GRANTS["web"]).
    assert made.refused() == []


def handler_over(deployment: Deployment, tmp_path: Path) -> Handler:
    """The function as one instance of it: the app built on its first request."""
    links = memory_links()
    app = deployment.app(tmp_path)
    return make_handler(lambda: web_function(app, lambda _app, _cookies: LinkSignIn(links)))


@pytest.fixture
def web(deployment: Deployment, tmp_path: Path) -> Handler:
    return handler_over(deployment, tmp_path)


def test_a_browser_without_a_session_is_sent_to_sign_in(web: Handler) -> None:
    response = web(api_event("GET", "/"), context())
    assert response["statusCode"] == 303
    assert response["headers"]["location"] == "/sign-in"
    deeper = web(api_event("GET", "/meetings/mtg_1?tab=pack"), context())
    assert deeper["statusCode"] == 303
    assert deeper["headers"]["location"] == "/sign-in?next=/meetings/mtg_1%3Ftab%3Dpack"


def test_a_signed_in_browser_sees_the_fortnight_from_the_tables(
    deployment: Deployment, web: Handler, tmp_path: Path
) -> None:
    app = deployment.app(tmp_path)
    waiting = stored_meeting(
        "Infrastructure <b>leadership</b>",
        start=NOW + timedelta(days=1),
        status=MeetingStatus.NOTIFIED,
    )
    app.meetings.put(waiting)
    app.meetings.put(stored_meeting("Priya / Jordan 1:1", start=NOW + timedelta(days=3)))
    app.meetings.put(stored_meeting("Next quarter planning", start=NOW + timedelta(days=20)))
    app.chat_sessions.put(
        ChatSession(
            session_id=session_id_for(prep_id_for(waiting.meeting_id, waiting.start)),
            user_id="UEXEC0001",
            meeting_id=waiting.meeting_id,
            channel="slack",
            questions=("What outcome do you want?", "Which risks?", "Who decides?"),
            created_at=int(NOW.timestamp()),
            expires_at=int((NOW + timedelta(days=2)).timestamp()),
        )
    )
    web(api_event("GET", "/"), context())  # the first request makes the session key
    cookie, _ = deployment.cookie()

    response = web(api_event("GET", "/", cookies={SESSION_COOKIE: cookie}), context())

    assert response["statusCode"] == 200
    page = html(response)
    assert "Infrastructure &lt;b&gt;leadership&lt;/b&gt;" in page
    assert "Priya / Jordan 1:1" in page
    assert "Answer 3 prep questions" in page
    assert "Next quarter planning" not in page  # beyond the two weeks
    assert "2 meetings" in page and "1 waiting on you" in page
    # The meeting's time in the executive's zone, the zone named.
    assert "Wednesday 02 December 2026" in page and "09:00" in page


def test_a_deployment_without_a_calendar_says_what_its_operator_sets(
    aws: AwsEndpoint, tmp_path: Path
) -> None:
    empty = deployment_over(aws, deployment_on(aws, state_machine_arn=STATE_MACHINE, web_url=SITE))
    web = handler_over(empty, tmp_path)
    web(api_event("GET", "/"), context())
    cookie, _ = empty.cookie()

    page = html(web(api_event("GET", "/", cookies={SESSION_COOKIE: cookie}), context()))

    assert "No calendar connected yet" in page and "calendarApiType" in page
    # Nobody runs the CLI against a deployment's stores.
    assert "exec-assistant calendars add" not in page and "serve" not in page
    assert empty.refused() == []


def test_every_page_carries_the_security_headers_and_is_never_stored(
    deployment: Deployment, web: Handler
) -> None:
    web(api_event("GET", "/"), context())
    cookie, _ = deployment.cookie()
    for response in (
        web(api_event("GET", "/"), context()),
        web(api_event("GET", "/", cookies={SESSION_COOKIE: cookie}), context()),
        web(api_event("GET", "/no-such-page", cookies={SESSION_COOKIE: cookie}), context()),
    ):
        headers = response["headers"]
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        # No address of a page (a meeting's id, a query) is passed to another site.
        assert headers["referrer-policy"] in ("no-referrer", "same-origin")
        assert headers == {**headers, **SECURITY_HEADERS}
        assert headers["x-content-type-options"] == "nosniff"
        # A page holds meetings: neither CloudFront nor the browser keeps a copy.
        assert headers["cache-control"] == "no-store"


def test_a_head_request_is_answered_as_its_get_without_the_body(
    deployment: Deployment, web: Handler
) -> None:
    web(api_event("GET", "/"), context())
    cookie, _ = deployment.cookie()
    assert web(api_event("HEAD", "/"), context())["statusCode"] == 303
    for path in ("/", "/commitments"):
        get = web(api_event("GET", path, cookies={SESSION_COOKIE: cookie}), context())
        head = web(api_event("HEAD", path, cookies={SESSION_COOKIE: cookie}), context())
        assert head["statusCode"] == get["statusCode"] == 200
        assert not head.get("body")
        assert head["headers"]["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert head["headers"]["content-type"] == get["headers"]["content-type"]


def test_a_form_without_its_csrf_token_or_from_another_site_is_refused(
    deployment: Deployment, web: Handler
) -> None:
    web(api_event("GET", "/"), context())
    cookie, csrf = deployment.cookie()
    form = {"content-type": "application/x-www-form-urlencoded"}

    # No Origin (a script, not a browser) and no token: the token is what is missing.
    no_token = web(
        api_event("POST", "/sign-out", cookies={SESSION_COOKIE: cookie}, headers=form, body=""),
        context(),
    )
    assert no_token["statusCode"] == 403
    assert not no_token.get("cookies")  # still signed in
    elsewhere = web(
        api_event(
            "POST",
            "/sign-out",
            cookies={SESSION_COOKIE: cookie},
            headers={**form, "origin": "https://attacker.example", "sec-fetch-site": "cross-site"},
            body=urlencode({"csrf": csrf}),
        ),
        context(),
    )
    assert elsewhere["statusCode"] == 403
    # The API's own name is not the site's: a form is of the site the browser was on.
    direct = web(
        api_event(
            "POST",
            "/sign-out",
            cookies={SESSION_COOKIE: cookie},
            headers={**form, "origin": f"https://{API_HOST}"},
            body=urlencode({"csrf": csrf}),
        ),
        context(),
    )
    assert direct["statusCode"] == 403


def test_a_form_from_the_site_through_cloudfront_is_taken(
    deployment: Deployment, web: Handler
) -> None:
    web(api_event("GET", "/"), context())
    cookie, csrf = deployment.cookie()
    response = web(
        api_event(
            "POST",
            "/sign-out",
            cookies={SESSION_COOKIE: cookie},
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "origin": SITE,
                "sec-fetch-site": "same-origin",
            },
            body=urlencode({"csrf": csrf}),
        ),
        context(),
    )
    assert response["statusCode"] == 303
    assert response["headers"]["location"] == "/sign-in"
    (cleared,) = response["cookies"]
    assert SimpleCookie(cleared)[SESSION_COOKIE].value == ""


def test_every_instance_reads_the_cookies_another_signed(
    deployment: Deployment, web: Handler, tmp_path: Path
) -> None:
    web(api_event("GET", "/"), context())
    cookie, _ = deployment.cookie(Viewer("U0DELEGATE", "Sam", Role.DELEGATE, sees_private=False))
    other = handler_over(deployment, tmp_path)  # a second instance, after a deploy say
    response = other(api_event("GET", "/", cookies={SESSION_COOKIE: cookie}), context())
    assert response["statusCode"] == 200
    assert "Signed in as Sam (delegate)" in html(response)
    forged = SessionCookies(b"k" * 32).issue(LOCAL_VIEWER, NOW)[0]
    refused = other(api_event("GET", "/", cookies={SESSION_COOKIE: forged}), context())
    assert refused["statusCode"] == 303


def test_an_event_that_is_not_an_http_request_is_refused_naming_the_function(
    web: Handler,
) -> None:
    with pytest.raises(BadEvent, match="exec-assistant-web"):
        web({"source": "aws.events", "detail-type": "Scheduled Event"}, context())


def test_without_its_secret_the_function_names_what_to_set(
    deployment: Deployment, tmp_path: Path
) -> None:
    app = deployment.app(tmp_path)
    app.deployment = deployment.settings.model_copy(update={"web_secret_arn": None})
    with pytest.raises(ConfigError, match="WEB_SECRET_ARN is not set"):
        web_function(app, lambda _app, _cookies: LinkSignIn(memory_links()))


# The session key ---------------------------------------------------------------------------


def test_the_first_request_of_a_deployment_makes_the_key_the_next_ones_keep(
    deployment: Deployment,
) -> None:
    client = deployment.aws.client("secretsmanager")
    first = SecretsManagerSessionKey(client, deployment.secret).key()
    assert len(first) == 32
    assert SecretsManagerSessionKey(client, deployment.secret).key() == first
    assert deployment.session_key() == first
    versions = client.list_secret_version_ids(SecretId=deployment.secret)["Versions"]
    assert len(versions) == 1


def test_two_instances_starting_at_once_agree_on_the_first_ones_key(
    deployment: Deployment,
) -> None:
    client = deployment.aws.client("secretsmanager")
    winner = SecretsManagerSessionKey(client, deployment.secret, make_key=lambda: b"w" * 32)

    def made_while_the_other_stored_its_own() -> bytes:
        # The other instance found no key either, and stored its own first.
        assert winner.key() == b"w" * 32
        return b"l" * 32

    loser = SecretsManagerSessionKey(
        client, deployment.secret, make_key=made_while_the_other_stored_its_own
    )
    assert loser.key() == b"w" * 32
    assert deployment.session_key() == b"w" * 32


def test_a_value_that_is_not_a_key_is_replaced_and_other_fields_are_kept(
    deployment: Deployment,
) -> None:
    client = deployment.aws.client("secretsmanager")
    client.put_secret_value(
        SecretId=deployment.secret, SecretString=json.dumps({"session_key": "c2hvcnQ", "x": 1})
    )
    key = SecretsManagerSessionKey(client, deployment.secret).key()
    assert len(key) == 32
    stored = json.loads(client.get_secret_value(SecretId=deployment.secret)["SecretString"])
    assert stored["x"] == 1


def test_a_secret_that_is_not_json_is_refused_naming_it_not_its_value(
    deployment: Deployment,
) -> None:
    from exec_assistant.domain.errors import SecretUnavailable

    client = deployment.aws.client("secretsmanager")
    client.put_secret_value(SecretId=deployment.secret, SecretString="hunter2-not-json")
    with pytest.raises(SecretUnavailable) as refused:
        SecretsManagerSessionKey(client, deployment.secret).key()
    assert deployment.secret in str(refused.value)
    assert "hunter2" not in str(refused.value)
