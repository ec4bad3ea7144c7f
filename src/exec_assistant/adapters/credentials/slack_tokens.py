"""The Slack secret's bot token renewed through Slack's token rotation.

With token rotation on in the Slack app, a bot token (`xoxe.xoxb-…`) lives 12 hours and comes
with a refresh token that `oauth.v2.access` (`grant_type=refresh_token`) exchanges, once, for
a new pair. The secret then holds `refresh_token`, `client_id` and `client_secret` beside
`bot_token`, `app_token`, `signing_secret` and `user_id`; only the bot token and the refresh
token change.

Without token rotation the bot token never expires and no API replaces it, and the signing
secret is regenerated in the app's settings only: such a secret is refused, saying so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exec_assistant.adapters.credentials.form_post import FormPoster, JsonAnswer, PostFailed
from exec_assistant.domain.errors import CredentialsRejected, ProviderUnavailable, RotationRefused
from exec_assistant.domain.secret_rotation import RotationScope

SLACK_API_URL = "https://slack.com/api/"
ROTATION_KEYS = ("refresh_token", "client_id", "client_secret")
ROTATING_BOT_TOKEN_PREFIX = "xoxe.xoxb-"
_STATIC = (
    "it holds a bot token without Slack's token rotation (no {missing}): Slack cannot rotate "
    "such a token by API, and the signing secret is regenerated in the Slack app's settings"
)
_TURN_ON = (
    "Turn on token rotation in the Slack app (OAuth & Permissions), exchange the bot token "
    "with oauth.v2.exchange, and store refresh_token, client_id and client_secret in the "
    "secret beside bot_token; or leave rotation off for the Slack secret."
)
_REJECTED_HINTS = {
    "invalid_refresh_token": "The refresh token was used already or revoked: reinstall the app "
    "in the workspace and store its new bot token and refresh token; the current value is "
    "unchanged.",
    "invalid_client_id": "Check client_id against the Slack app's Basic Information.",
    "bad_client_secret": "Check client_secret against the Slack app's Basic Information.",
    "token_rotation_not_enabled": _TURN_ON,
}


class SlackTokenRenewal:
    """A new bot token and refresh token from Slack, tested with `auth.test`."""

    kind = "Slack's rotating bot token"

    def __init__(self, poster: FormPoster, api_url: str = SLACK_API_URL) -> None:
        self._poster = poster
        self._api_url = api_url if api_url.endswith("/") else api_url + "/"

    def holds(self, value: Mapping[str, Any]) -> bool:
        return "bot_token" in value

    def renew(self, current: Mapping[str, Any], scope: RotationScope) -> dict[str, Any]:
        missing = [key for key in ROTATION_KEYS if not _text(current.get(key))]
        if missing:
            raise RotationRefused(
                scope.secret, scope.step, _STATIC.format(missing=", ".join(missing)), hint=_TURN_ON
            )
        answer = self._call(
            "oauth.v2.access",
            {
                "grant_type": "refresh_token",
                "refresh_token": str(current["refresh_token"]),
                "client_id": str(current["client_id"]),
                "client_secret": str(current["client_secret"]),
            },
            scope,
        )
        error = _error(answer)
        if error is not None:
            raise CredentialsRejected(
                scope.secret,
                scope.step,
                f"Slack refused the refresh ({error})",
                hint=_REJECTED_HINTS.get(error, "The current value is unchanged."),
            )
        bot_token = answer.body.get("access_token")
        refresh_token = answer.body.get("refresh_token")
        if not _text(bot_token) or not str(bot_token).startswith(ROTATING_BOT_TOKEN_PREFIX):
            raise CredentialsRejected(
                scope.secret,
                scope.step,
                "Slack answered without a rotating bot token (xoxe.xoxb-…)",
                hint="The refresh token must be the bot's, not a user's: store the one that came "
                "with the bot token.",
            )
        if not _text(refresh_token):
            raise CredentialsRejected(
                scope.secret, scope.step, "Slack answered without a new refresh token"
            )
        renewed = dict(current)
        renewed["bot_token"] = str(bot_token)
        renewed["refresh_token"] = str(refresh_token)
        return renewed

    def check(
        self, pending: Mapping[str, Any], current: Mapping[str, Any], scope: RotationScope
    ) -> None:
        token = pending.get("bot_token")
        if not _text(token):
            raise CredentialsRejected(
                scope.secret, scope.step, "the pending value has no bot_token"
            )
        answer = self._call("auth.test", {}, scope, bearer=str(token))
        error = _error(answer)
        if error is not None:
            raise CredentialsRejected(
                scope.secret,
                scope.step,
                f"Slack refused the new bot token at auth.test ({error})",
                hint="The current value is unchanged; start a new rotation.",
            )

    def _call(
        self,
        method: str,
        fields: Mapping[str, str],
        scope: RotationScope,
        *,
        bearer: str | None = None,
    ) -> JsonAnswer:
        try:
            return self._poster.post(
                self._api_url + method, fields, deadline=scope.deadline, bearer=bearer
            )
        except PostFailed as exc:
            raise ProviderUnavailable(
                scope.secret,
                scope.step,
                f"Slack's {method} gave no answer: {exc.reason}",
                hint="The next rotation tries again; the current value is unchanged.",
            ) from None


def _error(answer: JsonAnswer) -> str | None:
    """Slack's error code; None for an `ok` answer."""
    if answer.status == 200 and answer.body.get("ok") is True:
        return None
    error = answer.body.get("error")
    return error if isinstance(error, str) and error else f"HTTP {answer.status}"


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
