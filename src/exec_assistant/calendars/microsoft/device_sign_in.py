"""`calendars add microsoft`: the device-code sign-in with msal, the authorization stored,
and the account's calendars listed with the `microsoft:<id>` lines that name them.

The device-code flow needs no browser on this machine: the executive opens Microsoft's page
anywhere, enters the code shown, and signs in; meanwhile msal polls the token endpoint. The
app registration must be a public client ("Allow public client flows") with the delegated
permission Calendars.Read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import msal
from msal.exceptions import MsalError

from exec_assistant.calendars.event_fields import NAME_LIMIT, clean_text
from exec_assistant.calendars.locations import microsoft_identity
from exec_assistant.calendars.microsoft.authorization import (
    CALENDAR_SCOPE,
    PROVIDER,
    MicrosoftAuthorization,
    authorization_value,
    error_code,
    grants_calendars,
)
from exec_assistant.calendars.microsoft.graph_client import GraphClient, GraphGarbage
from exec_assistant.calendars.microsoft.graph_http import GraphHttp
from exec_assistant.calendars.microsoft.source import (
    PROBLEMS,
    HttpClientFactory,
    default_http_client,
)
from exec_assistant.calendars.microsoft.wording import ADD_COMMAND, unavailable
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.errors import ConfigError, Interrupted, SignInFailed, UsageError
from exec_assistant.ports import Clock, CredentialStore
from exec_assistant.settings import Settings

MAX_CALENDAR_PAGES = 50
_NO_CLIENT_ID_HINT = (
    "Register an app in Microsoft Entra (App registrations → New registration), allow public "
    "client flows, add the delegated permission Calendars.Read, then give its Application "
    "(client) ID with --client-id or EXEC_ASSISTANT_MICROSOFT_CLIENT_ID."
)


@dataclass(frozen=True)
class DeviceCode:
    """What the executive is shown: where to go and the code to enter there."""

    verification_uri: str
    user_code: str
    expires_in: int
    """Seconds the code stays valid."""


@dataclass(frozen=True)
class AccountCalendar:
    location: str
    """`microsoft:<id>`: what to configure in EXEC_ASSISTANT_CALENDARS."""
    name: str
    default: bool
    owner: str


@dataclass(frozen=True)
class ConnectedAccount:
    account: str
    stored_in: str
    """Where the authorization is kept (never a value)."""
    calendars: list[AccountCalendar] = field(default_factory=list)
    listing_problem: str | None = None
    """Why the calendars could not be listed (the authorization is stored all the same)."""


def connect_microsoft_account(
    settings: Settings,
    credentials: CredentialStore,
    *,
    show_code: Callable[[DeviceCode], None],
    client_id: str | None = None,
    http_client: HttpClientFactory = default_http_client,
    abort: threading.Event | None = None,
    clock: Clock | None = None,
) -> ConnectedAccount:
    """Sign in with a device code, store the authorization, and list the calendars.

    msal talks to the authority through `http_client` too, so one HTTP setup (proxies,
    certificates, time limits) serves both. Raises UsageError (no client id), ConfigError
    (an authority that is not an https URL), SignInFailed, or Interrupted (Ctrl-C,
    `abort`); nothing is stored then."""
    client = (client_id or settings.microsoft_client_id or "").strip()
    if not client:
        raise UsageError("no client id for signing in to Microsoft 365", hint=_NO_CLIENT_ID_HINT)
    if not client.isprintable() or len(client) > 200:
        raise UsageError("the client id holds characters no client id has", hint=_NO_CLIENT_ID_HINT)
    with http_client() as identity_client:
        app = _application(settings, client, _MsalHttp(identity_client, settings))
        result = _device_flow(app, show_code, abort)
    access_token, refresh_token, expires_in = _tokens(result)
    claims = result.get("id_token_claims")
    account = ""
    if isinstance(claims, dict):
        username = claims.get("preferred_username") or claims.get("email")
        account = clean_text(username, NAME_LIMIT) if isinstance(username, str) else ""
    now = (clock or SystemClock()).now()
    credentials.save(
        PROVIDER,
        authorization_value(
            access_token=access_token,
            refresh_token=refresh_token,
            token_uri=str(app.authority.token_endpoint),
            client_id=client,
            expiry=now + timedelta(seconds=expires_in),
            account=account or None,
        ),
    )
    calendars, problem = _list_calendars(settings, credentials, http_client, abort, clock)
    if not account:
        owners = [c.owner for c in calendars if c.default and c.owner]
        account = owners[0] if owners else "the Microsoft 365 account"
    return ConnectedAccount(account, credentials.location, calendars, problem)


class _MsalHttp:
    """msal's HttpClient on httpx: `post` and `get` as requests has them (httpx's answers
    have the `status_code`, `text` and `headers` msal reads). msal's own default, a requests
    Session, would take its certificates from REQUESTS_CA_BUNDLE whatever it is told."""

    def __init__(self, client: httpx.Client, settings: Settings) -> None:
        self._client = client
        self._timeout = httpx.Timeout(settings.http_timeout_seconds)

    def post(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        **_: Any,
    ) -> httpx.Response:
        if isinstance(data, dict):
            return self._client.post(
                url, params=params, data=data, headers=headers, timeout=self._timeout
            )
        return self._client.post(
            url, params=params, content=data, headers=headers, timeout=self._timeout
        )

    def get(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **_: Any,
    ) -> httpx.Response:
        return self._client.get(url, params=params, headers=headers, timeout=self._timeout)

    def close(self) -> None:
        """The client is the caller's to close."""


def _application(settings: Settings, client_id: str, http: _MsalHttp) -> Any:
    authority = settings.microsoft_authority.strip().rstrip("/")
    parts = urlsplit(authority)
    if parts.scheme != "https" or not parts.hostname or parts.path.strip("/") == "":
        raise ConfigError(
            f"{authority!r} is not an authority msal can use",
            key="EXEC_ASSISTANT_MICROSOFT_AUTHORITY",
            hint="Give https://login.microsoftonline.com/ followed by common, organizations, "
            "consumers or your tenant's id.",
        )
    try:
        # instance_discovery=False: the authority is the one configured, asked for its OpenID
        # configuration only (a request to login.microsoftonline.com would leave a tenant's
        # own or a sovereign cloud's authority).
        return msal.PublicClientApplication(
            client_id, authority=authority, instance_discovery=False, http_client=http
        )
    except (ValueError, httpx.HTTPError, MsalError) as exc:
        raise SignInFailed(
            f"the Microsoft identity platform at {authority} cannot be used: "
            f"{_request_problem(exc)}",
            hint="Check your network and EXEC_ASSISTANT_MICROSOFT_AUTHORITY (the tenant in "
            "it must exist).",
        ) from None


def _device_flow(
    app: Any, show_code: Callable[[DeviceCode], None], abort: threading.Event | None
) -> dict[str, Any]:
    try:
        flow = app.initiate_device_flow(scopes=[CALENDAR_SCOPE])
        if not isinstance(flow, dict) or "user_code" not in flow:
            raise _refused(flow if isinstance(flow, dict) else {}, starting=True)
        expires_in = int(flow.get("expires_in") or 900)
        show_code(
            DeviceCode(
                verification_uri=_printable(flow.get("verification_uri"))
                or "https://microsoft.com/devicelogin",
                user_code=_printable(flow.get("user_code")),
                expires_in=expires_in,
            )
        )

        def stop(current: dict[str, Any]) -> bool:
            stopped = abort is not None and abort.is_set()
            return stopped or float(current.get("expires_at", 0)) < time.time()

        result = app.acquire_token_by_device_flow(flow, exit_condition=stop)
    except KeyboardInterrupt:
        raise Interrupted("stopped waiting for the sign-in; nothing was stored") from None
    except (httpx.HTTPError, MsalError) as exc:
        raise SignInFailed(
            f"the Microsoft identity platform cannot be reached: {_request_problem(exc)}",
            hint=f"Check your network and run '{ADD_COMMAND}' again; nothing was stored.",
        ) from None
    except (ValueError, KeyError, TypeError):  # msal reads every answer as JSON of its shape
        raise SignInFailed(
            "the Microsoft identity platform answered something that is not JSON",
            hint=f"Check EXEC_ASSISTANT_MICROSOFT_AUTHORITY and run '{ADD_COMMAND}' again.",
        ) from None
    if abort is not None and abort.is_set():
        raise Interrupted("stopped waiting for the sign-in; nothing was stored")
    if not isinstance(result, dict):
        raise SignInFailed("the sign-in gave no answer", hint=f"Run '{ADD_COMMAND}' again.")
    if "access_token" not in result:
        raise _refused(result, starting=False, minutes=max(expires_in // 60, 1))
    return result


def _tokens(result: dict[str, Any]) -> tuple[str, str, float]:
    access_token = result.get("access_token")
    refresh_token = result.get("refresh_token")
    expires_in = result.get("expires_in")
    if not isinstance(access_token, str) or not access_token:
        raise SignInFailed("Microsoft answered without an access token")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise SignInFailed(
            "Microsoft answered without a refresh token: offline access was not granted",
            hint="Grant the app offline access (it is asked for with Calendars.Read) and run "
            f"'{ADD_COMMAND}' again; nothing was stored.",
        )
    scope = result.get("scope")
    if isinstance(scope, str) and not grants_calendars(scope):
        raise SignInFailed(
            f"the sign-in did not grant {CALENDAR_SCOPE}",
            hint=f"Add the delegated permission {CALENDAR_SCOPE} to the app registration (an "
            f"administrator may need to consent) and run '{ADD_COMMAND}' again.",
        )
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 0
    return access_token, refresh_token, lifetime


def _refused(body: dict[str, Any], *, starting: bool, minutes: int = 15) -> SignInFailed:
    error = body.get("error")
    code = error_code(body) or "no answer"
    again = f"Run '{ADD_COMMAND}' again; nothing was stored."
    if error == "authorization_declined":
        return SignInFailed(
            "the sign-in was declined on Microsoft's page",
            hint=f"{again} Accept the request to read your calendars to connect the account.",
        )
    if error in ("expired_token", "authorization_pending", "code_expired"):
        return SignInFailed(
            f"the code expired before the sign-in was completed (it lasts {minutes} minutes)",
            hint=f"{again} Enter the new code before it expires.",
        )
    if error in ("invalid_client", "unauthorized_client"):
        return SignInFailed(
            f"Microsoft does not accept this app registration for a device sign-in ({code})",
            hint="Check the client id, and that the app registration allows public client "
            f"flows and has the delegated permission {CALENDAR_SCOPE}. {again}",
        )
    what = "would not start the sign-in" if starting else "refused the sign-in"
    return SignInFailed(f"Microsoft {what} ({code})", hint=again)


def _list_calendars(
    settings: Settings,
    credentials: CredentialStore,
    http_client: HttpClientFactory,
    abort: threading.Event | None,
    clock: Clock | None,
) -> tuple[list[AccountCalendar], str | None]:
    with http_client() as client:
        http = GraphHttp(
            client,
            request_seconds=settings.http_timeout_seconds,
            wait_budget_seconds=settings.http_timeout_seconds,
            max_bytes=int(settings.calendar_max_mb * 1024 * 1024),
            abort=abort,
            stopped="stopped listing the calendars (the sign-in is stored)",
        )
        authorization = MicrosoftAuthorization(credentials, http, clock or SystemClock())
        try:
            graph = GraphClient(http, authorization, settings.microsoft_graph_endpoint)
            found: list[AccountCalendar] = []
            url: str | None = graph.url("/me/calendars")
            for _ in range(MAX_CALENDAR_PAGES):
                if url is None:
                    return found, None
                body = graph.get(url).body
                found.extend(_calendars_of(body))
                next_link = body.get("@odata.nextLink")
                url = next_link if isinstance(next_link, str) and next_link else None
            raise GraphGarbage(f"it kept sending pages of calendars, past {MAX_CALENDAR_PAGES}")
        except PROBLEMS as exc:
            problem = unavailable("microsoft:primary", exc, None)
            return [], problem.reason


def _calendars_of(body: dict[str, Any]) -> list[AccountCalendar]:
    value = body.get("value")
    if not isinstance(value, list):
        raise GraphGarbage("the list of calendars is not a list")
    found = []
    for item in value:
        if not isinstance(item, dict):
            continue
        calendar_id = item.get("id")
        if not isinstance(calendar_id, str) or not calendar_id or not calendar_id.isprintable():
            continue
        name = item.get("name")
        owner = item.get("owner")
        address = owner.get("address") if isinstance(owner, dict) else None
        found.append(
            AccountCalendar(
                location=microsoft_identity(calendar_id),
                name=clean_text(name if isinstance(name, str) else "", NAME_LIMIT) or "(no name)",
                default=item.get("isDefaultCalendar") is True,
                owner=clean_text(address, NAME_LIMIT).lower() if isinstance(address, str) else "",
            )
        )
    return found


def _printable(value: object) -> str:
    return clean_text(value, 300) if isinstance(value, str) else ""


def _request_problem(exc: Exception) -> str:
    """What went wrong, without a traceback: msal's ValueError says it in a sentence."""
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "its certificate is not trusted" if _untrusted(exc) else "it cannot be reached"
    if isinstance(exc, httpx.HTTPError | MsalError):
        return "it did not answer as the identity platform does"
    text = str(exc).split(". ")[0]
    return clean_text(text, 300) or type(exc).__name__


def _untrusted(exc: Exception) -> bool:
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)
