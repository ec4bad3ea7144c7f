"""An authorization code exchanged at a token endpoint (RFC 6749 §4.1.3, with PKCE's
`code_verifier`), as Google's and Microsoft's answer it: 200 with `access_token`,
`expires_in`, `refresh_token`, `scope`, `token_type`; 400 with `{"error": "invalid_grant"}`
for a code that is spent, expired, or was given to another redirect URI or verifier.

The POST is `FormPoster`'s: a 429 or 5xx is tried again within the deadline, a request sent
and left unanswered is not (the code may have been spent). Nothing of the answer but its
error code reaches a message.
"""

from __future__ import annotations

from collections.abc import Mapping

from exec_assistant.adapters.credentials.form_post import FormPoster, PostFailed
from exec_assistant.adapters.credentials.oauth_refresh import bearer_token
from exec_assistant.domain.calendar_consent import error_code
from exec_assistant.domain.errors import ConsentExchangeFailed
from exec_assistant.ports import IssuedTokens
from exec_assistant.services.calendar_authorization import OPEN_AGAIN


class FormPostCodeExchange:
    """`AuthorizationCodeExchange` over a FormPoster."""

    def __init__(self, poster: FormPoster) -> None:
        self._poster = poster

    def exchange(
        self, provider: str, token_endpoint: str, fields: Mapping[str, str], deadline: float
    ) -> IssuedTokens:
        try:
            answer = self._poster.post(token_endpoint, fields, deadline=deadline)
        except PostFailed as exc:
            raise ConsentExchangeFailed(
                f"{provider}'s sign-in service gave no answer ({exc.reason}); nothing was stored.",
                reason="token_endpoint_unavailable",
                hint=OPEN_AGAIN,
            ) from None
        body = answer.body
        if answer.status != 200:
            error = body.get("error")
            code = error_code(error) if isinstance(error, str) else None
            raise ConsentExchangeFailed(
                f"{provider} refused the authorization code "
                f"({code or f'HTTP {answer.status}'}); nothing was stored.",
                reason=code or f"http_{answer.status}",
                hint=OPEN_AGAIN,
            )
        issued = bearer_token(body)
        if issued is None:
            raise ConsentExchangeFailed(
                f"{provider}'s sign-in service answered without an access token; nothing was "
                "stored.",
                reason="no_access_token",
                hint=OPEN_AGAIN,
            )
        access_token, expires_in = issued
        refresh_token = body.get("refresh_token")
        scope = body.get("scope")
        return IssuedTokens(
            access_token=access_token,
            expires_in=expires_in,
            refresh_token=refresh_token
            if isinstance(refresh_token, str) and refresh_token
            else None,
            scope=scope if isinstance(scope, str) else None,
        )
