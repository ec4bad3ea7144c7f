"""Connecting the executive's calendar account on AWS, in three steps (see
`domain.calendar_consent`):

1. `invite`: an operator asks for a connect link (a direct invocation of the function, which
   needs AWS credentials); it is valid an hour and names the provider.
2. `start`: the executive opens it; the browser is sent to the provider's consent page with
   the read-only scope, offline access, PKCE and a fresh state, and given a cookie.
3. `finish`: the provider sends the browser back with a code; the state is spent (once, by
   the first callback that shows it), the code exchanged, and the authorization stored in the
   credential store: on AWS the `exec-assistant/calendar` secret.

The OAuth client (`client_id`, `client_secret`, and optionally `auth_uri` and `token_uri`)
is what the credential store holds for the provider: put there before the first connection,
and kept in the authorization stored, so that connecting again needs nothing new.

Nothing is stored unless every step holds; an error is a `ConsentFailed` whose message and
hint are fit for the page the executive sees.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from exec_assistant.domain.authorized_user import expiry_text
from exec_assistant.domain.calendar_consent import (
    CALLBACK_PATH,
    CONSENT_LIFETIME,
    INVITATION_LIFETIME,
    START_PATH,
    ConsentProvider,
    ConsentStage,
    PendingConsent,
    code_challenge,
    digest,
    error_code,
    is_authorization_code,
    is_secure_endpoint,
    is_token,
    missing_scopes,
    new_code_verifier,
    new_token,
)
from exec_assistant.domain.errors import (
    ConsentDeclined,
    ConsentExchangeFailed,
    ConsentLinkInvalid,
    ConsentNotConfigured,
)
from exec_assistant.ports import (
    AuthorizationCodeExchange,
    Clock,
    ConsentRepository,
    CredentialStore,
)

log = logging.getLogger(__name__)

ASK_FOR_A_LINK = "Ask whoever runs the deployment for a new connect link."
OPEN_AGAIN = "Open the connect link again (it works for an hour after it was made)."


@dataclass(frozen=True)
class Invitation:
    provider: str
    start_url: str
    """Secret: whoever opens it may connect a calendar account, once."""
    expires_at: datetime


@dataclass(frozen=True)
class ConsentRedirect:
    location: str
    """The provider's consent page, with the request's parameters."""
    browser_key: str
    """The cookie's value; the callback must bring it back."""
    max_age_seconds: int


@dataclass(frozen=True)
class ConsentCallback:
    """The callback's query parameters (None: absent)."""

    state: str | None
    code: str | None
    error: str | None


@dataclass(frozen=True)
class CalendarConnected:
    provider: str
    display_name: str


@dataclass(frozen=True)
class ClientRegistration:
    client_id: str
    client_secret: str | None
    authorization_endpoint: str
    token_endpoint: str
    auth_uri: str | None
    """The consent page the registration names itself (kept in the authorization)."""


class CalendarConsent:
    """The three steps over the credential store, the pending steps' records and the token
    endpoint; `web_url` is the deployment's public address (`https://…`, no path)."""

    def __init__(
        self,
        credentials: CredentialStore,
        pending: ConsentRepository,
        exchange: AuthorizationCodeExchange,
        clock: Clock,
        *,
        web_url: str,
        providers: Mapping[str, ConsentProvider],
    ) -> None:
        self._credentials = credentials
        self._pending = pending
        self._exchange = exchange
        self._clock = clock
        self._web_url = web_url.rstrip("/")
        self._providers = dict(providers)

    @property
    def redirect_uri(self) -> str:
        """The callback's address, as registered with the provider."""
        return self._web_url + CALLBACK_PATH

    def invite(self, provider_name: str) -> Invitation:
        """A connect link for `provider_name`; ConsentNotConfigured when its OAuth client is
        not in the credential store yet."""
        provider = self._provider(provider_name)
        self._registration(provider)
        ticket = new_token()
        now = self._clock.now()
        expires_at = now + INVITATION_LIFETIME
        self._pending.add(
            PendingConsent(
                stage=ConsentStage.INVITED,
                digest=digest(ticket),
                provider=provider.name,
                created_at=now,
                expires_at=expires_at,
            )
        )
        log.info("connect link made", extra={"provider": provider.name})
        start_url = f"{self._web_url}{START_PATH}?{urlencode({'ticket': ticket})}"
        return Invitation(provider.name, start_url, expires_at)

    def start(self, ticket: str | None) -> ConsentRedirect:
        """Where to send the browser that opened the connect link."""
        if ticket is None or not is_token(ticket):
            raise ConsentLinkInvalid(
                "This is not a connect link of this assistant.",
                reason="malformed_ticket",
                hint=ASK_FOR_A_LINK,
            )
        now = self._clock.now()
        invitation = self._pending.get(ConsentStage.INVITED, digest(ticket), now)
        if invitation is None:
            raise ConsentLinkInvalid(
                "This connect link has expired or has been used already.",
                reason="unknown_ticket",
                hint=ASK_FOR_A_LINK,
            )
        provider = self._provider(invitation.provider)
        registration = self._registration(provider)
        state, browser_key, verifier = new_token(), new_token(), new_code_verifier()
        self._pending.add(
            PendingConsent(
                stage=ConsentStage.REDIRECTED,
                digest=digest(state),
                provider=provider.name,
                created_at=now,
                expires_at=now + CONSENT_LIFETIME,
                invitation=invitation.digest,
                code_verifier=verifier,
                redirect_uri=self.redirect_uri,
                browser_digest=digest(browser_key),
            )
        )
        query = {
            "response_type": "code",
            "client_id": registration.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(provider.scopes),
            "state": state,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
            **dict(provider.parameters),
        }
        endpoint = registration.authorization_endpoint
        separator = "&" if "?" in endpoint else "?"
        log.info("sent to the consent page", extra={"provider": provider.name})
        return ConsentRedirect(
            f"{endpoint}{separator}{urlencode(query)}",
            browser_key,
            int(CONSENT_LIFETIME.total_seconds()),
        )

    def finish(
        self, callback: ConsentCallback, browser_key: str | None, deadline: float
    ) -> CalendarConnected:
        """Store the authorization the callback brings; the token endpoint must answer by
        `deadline` (time.monotonic)."""
        consent = self._spend_state(callback.state, browser_key)
        provider = self._provider(consent.provider)
        if callback.error is not None:
            raise _declined(provider, callback.error)
        code = callback.code
        if code is None or not is_authorization_code(code):
            raise ConsentLinkInvalid(
                f"{provider.display_name}'s answer has no authorization code.",
                reason="no_code",
                hint=OPEN_AGAIN,
            )
        registration = self._registration(provider)
        fields = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": consent.redirect_uri or self.redirect_uri,
            "client_id": registration.client_id,
            "code_verifier": consent.code_verifier or "",
        }
        if registration.client_secret:
            fields["client_secret"] = registration.client_secret
        tokens = self._exchange.exchange(
            provider.display_name, registration.token_endpoint, fields, deadline
        )
        issued_at = self._clock.now()
        if not tokens.refresh_token:
            raise ConsentExchangeFailed(
                f"{provider.display_name} gave no refresh token, so the calendar could not be "
                "read for long; nothing was stored.",
                reason="no_refresh_token",
                hint=OPEN_AGAIN,
            )
        missing = missing_scopes(provider, tokens.scope)
        if missing:
            raise ConsentDeclined(
                f"{provider.display_name} did not grant reading the calendar (its box on the "
                "consent page was left unticked); nothing was stored.",
                reason="scope_not_granted",
                hint=OPEN_AGAIN + " Tick the calendar box this time.",
            )
        invitation = self._spend_invitation(consent)
        authorization: dict[str, Any] = {
            "provider": provider.name,
            "token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "token_uri": registration.token_endpoint,
            "client_id": registration.client_id,
            "scopes": list(provider.scopes),
            "expiry": expiry_text(issued_at + timedelta(seconds=tokens.expires_in)),
        }
        if registration.client_secret:
            authorization["client_secret"] = registration.client_secret
        if registration.auth_uri:
            authorization["auth_uri"] = registration.auth_uri
        try:
            self._credentials.save(provider.name, authorization)
        except Exception:
            # Not connected after all: the link works again, for its hour.
            self._pending.add(invitation)
            raise
        log.info("calendar account connected", extra={"provider": provider.name})
        return CalendarConnected(provider.name, provider.display_name)

    def _spend_state(self, state: str | None, browser_key: str | None) -> PendingConsent:
        if state is None or not is_token(state):
            raise ConsentLinkInvalid(
                "This is not a sign-in this assistant started.",
                reason="malformed_state",
                hint=ASK_FOR_A_LINK,
            )
        consent = self._pending.take(ConsentStage.REDIRECTED, digest(state), self._clock.now())
        if consent is None:
            raise ConsentLinkInvalid(
                "This sign-in has expired or has been completed already.",
                reason="unknown_state",
                hint=OPEN_AGAIN,
            )
        expected = consent.browser_digest or ""
        given = digest(browser_key) if browser_key is not None and is_token(browser_key) else ""
        if not given or not hmac.compare_digest(given, expected):
            raise ConsentLinkInvalid(
                "This sign-in was started in another browser, or another one has been "
                "started since.",
                reason="other_browser",
                hint="Open the connect link again in the browser you sign in with.",
            )
        return consent

    def _spend_invitation(self, consent: PendingConsent) -> PendingConsent:
        """The connect link, spent by the first consent that completes: it was valid when
        this consent began."""
        taken = (
            self._pending.take(ConsentStage.INVITED, consent.invitation, consent.created_at)
            if consent.invitation
            else None
        )
        if taken is None:
            raise ConsentLinkInvalid(
                "This connect link has connected a calendar account already; nothing more "
                "was stored.",
                reason="ticket_spent",
                hint=ASK_FOR_A_LINK,
            )
        return taken

    def _provider(self, name: str) -> ConsentProvider:
        provider = self._providers.get(name)
        if provider is None:
            known = " or ".join(sorted(self._providers))
            raise ConsentNotConfigured(
                f"calendar accounts of {name[:40]!r} cannot be connected here; {known} can",
                reason="unknown_provider",
            )
        return provider

    def _registration(self, provider: ConsentProvider) -> ClientRegistration:
        """The OAuth client the credential store holds for `provider`."""
        stored = self._credentials.load(provider.name) or {}
        where = self._credentials.location
        keys = "client_id and client_secret" if provider.client_secret_required else "client_id"
        hint = (
            f"Store the OAuth client's {keys} for {provider.name} in {where} "
            "(docs/runbook.md, Connect a calendar)."
        )
        client_id = stored.get("client_id")
        if not isinstance(client_id, str) or not client_id.strip():
            raise ConsentNotConfigured(
                f"This assistant has no OAuth client for {provider.display_name} yet.",
                reason="no_client",
                hint=hint,
            )
        secret = stored.get("client_secret")
        client_secret = secret.strip() if isinstance(secret, str) and secret.strip() else None
        if provider.client_secret_required and client_secret is None:
            raise ConsentNotConfigured(
                f"The OAuth client for {provider.display_name} has no client_secret.",
                reason="no_client_secret",
                hint=hint,
            )
        if not provider.client_secret_required and client_secret is not None:
            raise ConsentNotConfigured(
                f"The OAuth client for {provider.display_name} has a client_secret; its "
                "calendars renew their tokens as a public client, which sends none.",
                reason="client_secret_given",
                hint="Register the callback address under 'Mobile and desktop applications' "
                f"and remove client_secret from {where}.",
            )
        auth_uri = _endpoint(stored.get("auth_uri"), provider, "auth_uri")
        token_uri = _endpoint(stored.get("token_uri"), provider, "token_uri")
        return ClientRegistration(
            client_id=client_id.strip(),
            client_secret=client_secret,
            authorization_endpoint=auth_uri or provider.authorization_endpoint,
            token_endpoint=token_uri or provider.token_endpoint,
            auth_uri=auth_uri,
        )


def _endpoint(value: object, provider: ConsentProvider, key: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not is_secure_endpoint(value.strip()):
        raise ConsentNotConfigured(
            f"The OAuth client for {provider.display_name} names a {key} that is not an https URL.",
            reason=f"bad_{key}",
            hint=f"Leave {key} out (the provider's own is used) or give an https URL.",
        )
    return value.strip()


def _declined(provider: ConsentProvider, error: str) -> ConsentDeclined:
    code = error_code(error)
    if code == "access_denied":
        return ConsentDeclined(
            f"The calendar was not connected: access was declined at {provider.display_name}; "
            "nothing was stored.",
            reason="access_denied",
            hint=OPEN_AGAIN,
        )
    return ConsentDeclined(
        f"{provider.display_name} answered the consent with an error"
        f"{f' ({code})' if code else ''}; nothing was stored.",
        reason=code or "provider_error",
        hint=OPEN_AGAIN,
    )
