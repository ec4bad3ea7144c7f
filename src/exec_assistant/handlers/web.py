"""The web page's function: the site's ASGI app (web/app.py) behind API Gateway, through
Mangum, for the executive and the delegates signed in with Slack.

API Gateway hands it every page's request (`GET /`, `GET` and `POST /{proxy+}`, and `HEAD`
of the pages; Slack's events and the calendar consent keep routes of their own), in its HTTP
API payload 2.0.
CloudFront serves `/assets/*` from the assets bucket, so the app here serves no asset.

The app is built on an instance's first request: the deployment's stores and Step Functions
engine (`build_aws`: the same ports the pages use on one machine), the session key from the
web secret (made there by the deployment's first request, see
adapters/aws/web_session_key.py), and the sign-in with Slack.

Behind CloudFront the request's Host is the API's own name (CloudFront passes every viewer
header but Host): the app is shown the site's public host (WEB_URL) instead, so the Origin a
browser sends with a form is checked against the address the person is on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from exec_assistant.domain.errors import ConfigError
from exec_assistant.handlers.runtime import (
    BadEvent,
    Handler,
    LambdaEvent,
    first_invocation_handler,
    function_handler,
    logger,
)
from exec_assistant.lambda_functions import BY_KEY

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from exec_assistant.aws_bootstrap import AwsApp
    from exec_assistant.web.cookies import SessionCookies
    from exec_assistant.web.sign_in import SignIn

KEY = "web"
PAYLOAD_VERSION = "2.0"
HTTPS_PORT = 443

SignInFactory = Callable[["AwsApp", "SessionCookies"], "SignIn"]
"""How people sign in, made once the session cookies' key is known."""


@dataclass(frozen=True)
class WebFunction:
    """The site, as the function answers API Gateway: an event in, a response out."""

    answer: Callable[[LambdaEvent, Any], dict[str, Any]]


def slack_sign_in(app: AwsApp, cookies: SessionCookies) -> SignIn:
    """Sign in with Slack (OpenID Connect) for the configured executive and delegates: the
    Slack app's client id and secret from the Slack secret, the callback at WEB_URL."""
    from exec_assistant.web.slack_openid import slack_http_client
    from exec_assistant.web.slack_sign_in import SlackSignIn, slack_open_id_settings

    settings = slack_open_id_settings(app.settings, app.secrets, web_url=app.deployment.web_url)
    # States spent in the state table: a replayed callback is refused by every instance.
    sign_in: SignIn = SlackSignIn(
        settings,
        client=slack_http_client(),
        clock=app.clock,
        cookies=cookies,
        spent_states=app.seen_events,
    )
    return sign_in


def web_function(app: AwsApp, sign_in: SignInFactory = slack_sign_in) -> WebFunction:
    """The site over `app` (`build_aws`'s): every page, the cookies signed with the web
    secret's session key, `sign_in` the way in. ConfigError naming what the function's
    environment lacks."""
    from mangum import Mangum

    from exec_assistant import composition
    from exec_assistant.adapters.aws.web_session_key import SecretsManagerSessionKey
    from exec_assistant.web.app import WebServing, build_web_app, freeze_startup_objects
    from exec_assistant.web.cookies import SessionCookies

    deployment = app.deployment
    secret_id, web_url = deployment.web_secret_arn, deployment.web_url
    if secret_id is None or web_url is None or app.clients is None:
        missing = [
            name
            for name, value in (("WEB_SECRET_ARN", secret_id), ("WEB_URL", web_url))
            if value is None
        ]
        raise ConfigError(
            f"{' and '.join(missing or ['AWS clients'])} "
            f"{'are' if len(missing) > 1 else 'is'} not set",
            key="deployment environment",
            hint="The infrastructure sets them on the web function (build the app with "
            "build_aws, which gives it its AWS clients).",
        )
    key = SecretsManagerSessionKey(app.clients.client("secretsmanager"), secret_id).key()
    cookies = SessionCookies(key)
    site = composition.web_site(
        app,
        app.prep_engine(),
        app.clock,
        calendars_configured=deployment.calendars_configured,
        notes_reader=app.notes_reader,
        deployment="aws",
    )
    asgi = build_web_app(
        site,
        sign_in(app, cookies),
        cookies,
        WebServing(secure=True, allowed_hosts=None, serve_assets=False),
    )
    public_host = urlsplit(web_url).netloc
    adapter = Mangum(HeadWithoutBody(AtPublicHost(asgi, public_host)), lifespan="off")
    freeze_startup_objects()  # the instance's objects out of the collector's walks
    return WebFunction(adapter)


class AtPublicHost:
    """The request as the browser made it: the site's public host in place of the name
    API Gateway was reached by."""

    def __init__(self, app: ASGIApp, host: str) -> None:
        self._app = app
        self._host = host.lower().encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(name, value) for name, value in scope["headers"] if name != b"host"]
            headers.append((b"host", self._host))
            scope = {**scope, "headers": headers, "server": (self._host.decode(), HTTPS_PORT)}
        await self._app(scope, receive, send)


class HeadWithoutBody:
    """A HEAD request answered as its GET is, without the body: an HTTP server drops the
    body the app sends for HEAD, and Mangum, which is none, would pass it on."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self._app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self._app(scope, receive, headers_only)


def make_handler(app: Callable[[], WebFunction]) -> Handler:
    function = BY_KEY[KEY]

    def body(the_app: WebFunction, event: LambdaEvent, context: Any) -> dict[str, Any]:
        if not (
            isinstance(event, Mapping)
            and event.get("version") == PAYLOAD_VERSION
            and isinstance(event.get("requestContext"), Mapping)
        ):
            raise BadEvent(
                f"{function.name}: the event is not an API Gateway HTTP API request "
                f"(payload format {PAYLOAD_VERSION})",
                hint="The function answers the web page's routes of the HTTP API only.",
            )
        http = event["requestContext"].get("http") or {}
        logger.append_keys(route=f"{http.get('method', '')} {str(http.get('path', ''))[:64]}")
        return the_app.answer(event, context)

    return function_handler(KEY, app, body)


def environment_web_function() -> WebFunction:
    """The site of the deployed function: settings and deployment from its environment."""
    from exec_assistant.aws_bootstrap import environment_app

    return web_function(environment_app()())


lambda_handler = first_invocation_handler(lambda: make_handler(environment_web_function))
