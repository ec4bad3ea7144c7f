"""Connecting a Google account: the installed-app OAuth flow of google-auth-oauthlib (a
consent page in the browser, its answer caught by a one-request server on localhost), the
authorization stored in the credential store, and the account's calendars listed.

Read-only access is asked for (`calendar.readonly`), with offline access so that Google
gives a refresh token, and `prompt=consent` so that it gives one again to an account that
was connected before. A consent page where the calendar box was left unticked grants less:
that is refused, and nothing is stored.
"""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
from oauthlib.oauth2.rfc6749.errors import AccessDeniedError, InsecureTransportError, OAuth2Error
from requests.exceptions import RequestException

from exec_assistant.calendars.event_fields import NAME_LIMIT, clean_text
from exec_assistant.calendars.google.authorization import (
    PROVIDER,
    READ_SCOPE,
    READING_SCOPES,
    GoogleAuthorization,
)
from exec_assistant.calendars.google.client import GoogleCalendarApi
from exec_assistant.calendars.google.transport import BoundedHttp
from exec_assistant.calendars.locations import google_identity
from exec_assistant.domain.errors import (
    CalendarUnavailable,
    ExecAssistantError,
    Interrupted,
    UsageError,
)
from exec_assistant.ports import CredentialStore

log = logging.getLogger(__name__)

MAX_SECRETS_BYTES = 64 * 1024
CONSENT_TIMEOUT_SECONDS = 300.0
_CREATE_CLIENT = (
    "Create an OAuth client of type 'Desktop app' in the Google Cloud console (APIs & "
    "Services → Credentials), enable the Google Calendar API, and download its JSON."
)


class ConnectionRefused(ExecAssistantError):
    """The account could not be connected (consent denied, a scope not granted, a port in
    use, the token endpoint refused): nothing was stored."""


@dataclass(frozen=True)
class ConsentOptions:
    client_secrets: Path
    """The OAuth client's JSON (client_secret_….json) of a Desktop app."""
    port: int = 0
    """The port of the local server the browser comes back to; 0: any free one."""
    open_browser: bool = True
    timeout_seconds: float = CONSENT_TIMEOUT_SECONDS
    """How long to wait for the browser to come back."""
    show_url: Callable[[str], None] = print
    """Told the consent page's address, to show it."""


@dataclass(frozen=True)
class AccountCalendar:
    calendar_id: str
    summary: str
    primary: bool
    access_role: str

    @property
    def location(self) -> str:
        """What to put in EXEC_ASSISTANT_CALENDARS to sync it."""
        return google_identity(self.calendar_id)


@dataclass(frozen=True)
class ConnectedAccount:
    stored_in: str
    """Where the authorization is kept (the store's location, never a value)."""
    calendars: list[AccountCalendar]
    listing_problem: str | None = None
    """Set when the calendars could not be listed (the account is connected all the same)."""

    @property
    def address(self) -> str | None:
        """The account's address: its primary calendar's id."""
        return next((c.calendar_id for c in self.calendars if c.primary), None)


def connect_google_account(
    options: ConsentOptions,
    store: CredentialStore,
    *,
    api_endpoint: str | None,
    http_timeout_seconds: float,
    max_bytes: int,
) -> ConnectedAccount:
    """Run the consent flow, store the authorization, and list the account's calendars."""
    config = read_client_secrets(options.client_secrets)
    flow = _ConsentFlow.from_client_config(config, scopes=[READ_SCOPE])
    credentials = _consent(flow, options, config["installed"])
    if not credentials.refresh_token:
        raise ConnectionRefused(
            "Google gave no refresh token, so the access would end within the hour",
            hint="Remove exec-assistant's access at https://myaccount.google.com/permissions "
            "and connect again.",
        )
    stored = json.loads(credentials.to_json())  # type: ignore[no-untyped-call]
    authorization = {**stored, "provider": PROVIDER}
    store.save(PROVIDER, authorization)
    log.info("google account connected", extra={"store": store.location})
    return _listed(store, api_endpoint, http_timeout_seconds, max_bytes)


def read_client_secrets(path: Path) -> dict[str, Any]:
    """The client secrets JSON of an installed app; UsageError naming what is wrong."""
    shown = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SECRETS_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"no client secrets file {shown}", hint=_CREATE_CLIENT) from None
    except IsADirectoryError:
        raise UsageError(f"{shown} is a folder, not a client secrets file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {shown}: {(exc.strerror or 'error').lower()}") from None
    if len(data) > MAX_SECRETS_BYTES:
        raise UsageError(f"{shown} is larger than a client secrets file", hint=_CREATE_CLIENT)
    try:
        config = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise UsageError(f"{shown} is not JSON", hint=_CREATE_CLIENT) from None
    client = config.get("installed") if isinstance(config, dict) else None
    if isinstance(config, dict) and "web" in config and client is None:
        raise UsageError(
            f"{shown} is the client of a web application; a Desktop app's is needed "
            "(its consent answer comes back to this machine)",
            hint=_CREATE_CLIENT,
        )
    needed = ("client_id", "client_secret", "auth_uri", "token_uri")
    if not isinstance(client, dict) or not all(
        isinstance(client.get(k), str) and client[k] for k in needed
    ):
        raise UsageError(
            f"{shown} is not the client secrets file of an OAuth client "
            "(an 'installed' object with client_id, client_secret, auth_uri and token_uri)",
            hint=_CREATE_CLIENT,
        )
    return {"installed": client}


class _ConsentFlow(InstalledAppFlow):  # type: ignore[misc]
    """The installed-app flow, telling `show_url` the consent page's address (the library
    would print it to stdout itself)."""

    show_url: Callable[[str], None] = print

    def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
        url, state = super().authorization_url(**kwargs)
        self.show_url(url)
        return str(url), str(state)


def _consent(flow: _ConsentFlow, options: ConsentOptions, client: Mapping[str, Any]) -> Credentials:
    flow.show_url = options.show_url
    try:
        credentials = flow.run_local_server(
            host="localhost",
            port=options.port,
            open_browser=options.open_browser,
            authorization_prompt_message=None,
            success_message="exec-assistant may now read your calendars. "
            "You can close this window.",
            timeout_seconds=options.timeout_seconds,
            access_type="offline",
            prompt="consent",
        )
    except KeyboardInterrupt:
        raise Interrupted("stopped before the account was connected; nothing was stored") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConnectionRefused(
                f"port {options.port} on this machine is in use",
                hint="Pass --port with another port, or --port 0 for any free one.",
            ) from None
        raise ConnectionRefused(f"cannot listen for the browser's answer: {exc}") from None
    except WSGITimeoutError:
        raise ConnectionRefused(
            f"the browser did not come back within {options.timeout_seconds:g} s",
            hint="Run the command again and finish the consent page in time.",
        ) from None
    except AccessDeniedError:
        raise ConnectionRefused(
            "you did not allow exec-assistant to read your calendars on Google's consent page",
            hint="Run the command again and choose Allow.",
        ) from None
    except InsecureTransportError:
        raise ConnectionRefused(
            "the client secrets' token_uri is not an https address; the client secret "
            "would travel in the clear",
            hint=_CREATE_CLIENT,
        ) from None
    except OAuth2Error as exc:
        raise ConnectionRefused(
            f"Google refused the authorization ({clean_text(str(exc.error), 80)})",
            hint="Run the command again; if it keeps failing, download the client secrets "
            "file again.",
        ) from None
    except RequestException:
        raise ConnectionRefused(
            "Google's token endpoint could not be reached to finish the authorization",
            hint="Check the network and run the command again.",
        ) from None
    except Warning as narrowed:  # oauthlib's word for "other scopes than asked were granted"
        token = getattr(narrowed, "token", None)
        if not isinstance(token, Mapping) or not token.get("access_token"):
            raise
        scope = token.get("scope") or ()
        expires_at = token.get("expires_at")
        credentials = Credentials(  # type: ignore[no-untyped-call]
            str(token["access_token"]),
            refresh_token=token.get("refresh_token"),
            token_uri=client["token_uri"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            scopes=[READ_SCOPE],
            granted_scopes=scope.split() if isinstance(scope, str) else [str(s) for s in scope],
            expiry=datetime.fromtimestamp(float(expires_at), UTC).replace(tzinfo=None)
            if isinstance(expires_at, int | float)
            else None,
        )
    return _granted(credentials)


def _granted(credentials: Credentials) -> Credentials:
    granted = set(credentials.granted_scopes or credentials.scopes or ())
    if not granted & READING_SCOPES:
        raise ConnectionRefused(
            "Google's consent page did not grant access to your calendars",
            hint="Run the command again and tick 'See and download any calendar you can "
            "access using your Google Calendar' on the consent page.",
        )
    return credentials


def _listed(
    store: CredentialStore, api_endpoint: str | None, timeout: float, max_bytes: int
) -> ConnectedAccount:
    http = BoundedHttp(max_bytes=max_bytes)
    http.start(timeout)
    api = GoogleCalendarApi(
        location="your Google account",
        authorization=GoogleAuthorization(store, "your Google account"),
        http=http,
        endpoint=api_endpoint,
    )
    calendars: list[AccountCalendar] = []
    token: str | None = None
    try:
        for _ in range(100):
            page = api.calendar_list_page(token)
            calendars.extend(_entries(page.get("items")))
            next_token = page.get("nextPageToken")
            if not isinstance(next_token, str) or not next_token:
                break
            token = next_token
    except CalendarUnavailable as exc:
        return ConnectedAccount(store.location, calendars, listing_problem=exc.reason)
    calendars.sort(key=lambda c: (not c.primary, c.summary.lower(), c.calendar_id))
    return ConnectedAccount(store.location, calendars)


def _entries(items: object) -> list[AccountCalendar]:
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        calendar_id = item.get("id")
        if not isinstance(calendar_id, str) or clean_text(calendar_id, 1024) != calendar_id:
            continue  # an id that cannot be written in a setting is no use to list
        summary = item.get("summaryOverride") or item.get("summary")
        found.append(
            AccountCalendar(
                calendar_id,
                clean_text(summary if isinstance(summary, str) else "", NAME_LIMIT),
                item.get("primary") is True,
                str(item.get("accessRole") or ""),
            )
        )
    return found
