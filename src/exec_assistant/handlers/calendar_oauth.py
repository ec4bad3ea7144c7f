"""The calendar consent function: connects the executive's calendar account to the deployment.

Three ways in (see services/calendar_authorization.py):

- a direct invocation by an operator, `{"connect": "google"}` (or `"microsoft"`): answers
  `{"provider", "start_url", "expires_at"}`, the connect link to give the executive;
- `GET /oauth/calendar/start?ticket=…` (API Gateway): a redirect to the provider's consent
  page, with a cookie that ties the sign-in to this browser;
- `GET /oauth/calendar/callback?state=…&code=…` (API Gateway): the authorization stored in
  the calendar secret, and a page that says so.

Every page is a small HTML page that is never cached, runs no script and echoes nothing of
the request: no code, no state, no token. A request the function refuses gets a plain page
with the reason and what to do, and stores nothing.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict

from exec_assistant.aws_clients import AwsClients
from exec_assistant.domain.calendar_consent import (
    BROWSER_COOKIE,
    CALLBACK_PATH,
    GOOGLE,
    START_PATH,
    ConsentProvider,
    microsoft,
)
from exec_assistant.domain.errors import (
    ConfigError,
    ConsentFailed,
    ConsentLinkInvalid,
    ExecAssistantError,
)
from exec_assistant.handlers.runtime import (
    Handler,
    LambdaEvent,
    first_invocation_handler,
    function_handler,
    logger,
    parse_event,
    quiet_request_bodies,
)
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant.ports import Clock, CredentialStore
from exec_assistant.services.calendar_authorization import (
    CalendarConsent,
    ConsentCallback,
    ConsentRedirect,
)

if TYPE_CHECKING:
    from exec_assistant.adapters.credentials.form_post import FormPoster

KEY = "calendar_oauth"
EXCHANGE_SECONDS = 20.0
"""The token endpoint's time at most: API Gateway gives up on the function after 30 s."""
ANSWER_MARGIN_SECONDS = 3.0
"""Kept from the invocation's remaining time for storing the authorization and answering."""
MAX_QUERY_BYTES = 8 * 1024
MAX_QUERY_FIELDS = 10
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The pages need nothing: no script, no style sheet, no image, no form."""
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The callback's address holds the code and the state: no page may pass it on.
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}
_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body>
<h1>{title}</h1>
<p>{message}</p>
{hint}</body>
</html>
"""


class ConnectRequest(BaseModel):
    """An operator's direct invocation."""

    model_config = ConfigDict(extra="forbid")

    connect: Literal["google", "microsoft"]


@dataclass(frozen=True)
class ConsentApp:
    consent: CalendarConsent


def consent_app(
    credentials: CredentialStore,
    clients: AwsClients,
    *,
    state_table: str,
    web_url: str,
    microsoft_authority: str,
    clock: Clock | None = None,
    poster: FormPoster | None = None,
) -> ConsentApp:
    """The consent over `credentials` (the calendar secret), the pending steps in
    `state_table`, and the providers' token endpoints (through `poster`: by default 3 s to
    connect, 10 s without a byte, 429 and 5xx tried again)."""
    from exec_assistant.adapters.aws.dynamodb_state import DynamoConsentRepository
    from exec_assistant.adapters.credentials.authorization_code import FormPostCodeExchange
    from exec_assistant.adapters.credentials.form_post import FormPoster
    from exec_assistant.clocks import SystemClock

    quiet_request_bodies()
    providers: dict[str, ConsentProvider] = {
        "google": GOOGLE,
        "microsoft": microsoft(microsoft_authority),
    }
    consent = CalendarConsent(
        credentials,
        DynamoConsentRepository(clients.client("dynamodb"), state_table),
        FormPostCodeExchange(poster or FormPoster()),
        clock or SystemClock(),
        web_url=web_url,
        providers=providers,
    )
    return ConsentApp(consent)


def make_handler(app: Callable[[], ConsentApp]) -> Handler:
    function = BY_KEY[KEY]

    def body(the_app: ConsentApp, event: LambdaEvent, context: Any) -> dict[str, Any]:
        if isinstance(event, Mapping) and "requestContext" in event:
            return _http(the_app.consent, event, context)
        request = parse_event(ConnectRequest, event, function.name)
        invitation = the_app.consent.invite(request.connect)
        return {
            "provider": invitation.provider,
            "start_url": invitation.start_url,
            "expires_at": invitation.expires_at.isoformat(),
        }

    return function_handler(KEY, app, body)


def _http(consent: CalendarConsent, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    path = str(event.get("rawPath") or "")
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method") or "")
    logger.append_keys(route=path[:64])
    if method != "GET" or path not in (START_PATH, CALLBACK_PATH):
        return _page(404, "Not found", "There is no page here.", None)
    try:
        query = _query(event.get("rawQueryString"))
        if path == START_PATH:
            return _redirect(consent.start(query.get("ticket")))
        callback = ConsentCallback(
            state=query.get("state"), code=query.get("code"), error=query.get("error")
        )
        connected = consent.finish(
            callback, _cookie(event.get("cookies")), _deadline(context, EXCHANGE_SECONDS)
        )
    except ConsentFailed as exc:
        logger.info("consent refused", reason=exc.reason, error=exc.__class__.__name__)
        cookies = [_expired_cookie()] if path == CALLBACK_PATH else []
        return _page(exc.status, "Calendar not connected", exc.message, exc.hint, cookies)
    except ExecAssistantError as exc:
        # The secret or the table refused (a grant, the key): the operator's to fix.
        logger.warning("consent failed", error=exc.__class__.__name__)
        return _page(
            503,
            "Calendar not connected",
            "The assistant could not reach its own records; nothing was stored.",
            "Tell whoever runs the deployment: its log names the cause.",
        )
    return _page(
        200,
        f"{connected.display_name} calendar connected",
        f"Your {connected.display_name} calendar is connected: the assistant reads your "
        "meetings from its next calendar check on.",
        "You can close this page.",
        [_expired_cookie()],
    )


def _query(raw: object) -> dict[str, str]:
    """The query's fields; a field given twice, too many fields or too long a query is
    refused (API Gateway joins repeated fields with commas in `queryStringParameters`, so the
    raw query is read)."""
    text = raw if isinstance(raw, str) else ""
    refused = ConsentLinkInvalid(
        "This address is not one this assistant gave out.",
        reason="bad_query",
        hint="Open the connect link exactly as you were given it.",
    )
    if len(text.encode("utf-8", "replace")) > MAX_QUERY_BYTES:
        raise refused
    try:
        fields = parse_qs(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_QUERY_FIELDS,
            errors="strict",
        )
    except (ValueError, UnicodeDecodeError):
        raise refused from None
    if any(len(values) != 1 for values in fields.values()):
        raise refused
    return {name: values[0] for name, values in fields.items()}


def _cookie(cookies: object) -> str | None:
    """The browser key, when the request has exactly one."""
    if not isinstance(cookies, Sequence) or isinstance(cookies, str):
        return None
    found = [
        value
        for item in cookies
        if isinstance(item, str)
        for name, _, value in [item.strip().partition("=")]
        if name == BROWSER_COOKIE
    ]
    return found[0] if len(found) == 1 else None


def _redirect(redirect: ConsentRedirect) -> dict[str, Any]:
    cookie = (
        f"{BROWSER_COOKIE}={redirect.browser_key}; Max-Age={redirect.max_age_seconds}; "
        "Path=/; Secure; HttpOnly; SameSite=Lax"
    )
    headers = {key: value for key, value in PAGE_HEADERS.items() if key != "Content-Type"}
    return {
        "statusCode": 302,
        "headers": {**headers, "Location": redirect.location},
        "cookies": [cookie],
        "body": "",
    }


def _expired_cookie() -> str:
    return f"{BROWSER_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax"


def _page(
    status: int,
    title: str,
    message: str,
    hint: str | None,
    cookies: Sequence[str] = (),
) -> dict[str, Any]:
    body = _PAGE.format(
        title=html.escape(title),
        message=html.escape(message),
        hint=f"<p>{html.escape(hint)}</p>\n" if hint else "",
    )
    return {
        "statusCode": status,
        "headers": dict(PAGE_HEADERS),
        "cookies": list(cookies),
        "body": body,
    }


def _deadline(context: Any, limit_seconds: float) -> float:
    """When the token endpoint must have answered (time.monotonic)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    seconds = limit_seconds
    if callable(remaining):
        seconds = min(seconds, remaining() / 1000 - ANSWER_MARGIN_SECONDS)
    return time.monotonic() + max(seconds, 0.0)


def environment_consent_app() -> ConsentApp:
    """The app of the deployed function: the calendar secret, the state table and the public
    address from its environment."""
    from exec_assistant.adapters.aws.secrets_manager_credentials import (
        SecretsManagerCredentialStore,
    )
    from exec_assistant.deployment_settings import load_deployment_settings
    from exec_assistant.settings import load_settings

    settings, _ = load_settings()
    deployment = load_deployment_settings()
    secret_id = deployment.calendar_oauth_secret_arn
    if secret_id is None or deployment.web_url is None:
        missing = "CALENDAR_OAUTH_SECRET_ARN" if secret_id is None else "WEB_URL"
        raise ConfigError(
            f"{missing} is not set",
            key="deployment environment",
            hint="The infrastructure sets it on the calendar consent function.",
        )
    clients = AwsClients()
    return consent_app(
        SecretsManagerCredentialStore(clients.client("secretsmanager"), secret_id),
        clients,
        state_table=deployment.state_table,
        web_url=deployment.web_url,
        microsoft_authority=settings.microsoft_authority,
    )


lambda_handler = first_invocation_handler(lambda: make_handler(environment_consent_app))
