"""Slack's Web API errors, as messages a person can act on."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError, SlackClientError

from exec_assistant.domain.errors import ExecAssistantError

_REINSTALL = (
    "the bot token is no longer valid: reinstall the Slack app to the workspace "
    "(Slack app settings → Install App) and set SLACK_BOT_TOKEN to the new Bot User OAuth Token"
)
_CAUSES = {
    "token_revoked": _REINSTALL,
    "token_expired": _REINSTALL,
    "invalid_auth": _REINSTALL,
    "account_inactive": _REINSTALL,
    "not_authed": "no bot token was sent: set SLACK_BOT_TOKEN to the Bot User OAuth Token",
    "not_allowed_token_type": (
        "the token is of the wrong kind: SLACK_BOT_TOKEN takes the bot token (xoxb-…), "
        "SLACK_APP_TOKEN the app-level token (xapp-…) with the connections:write scope"
    ),
    "channel_not_found": (
        "Slack does not know that conversation: check EXEC_ASSISTANT_SLACK_USER_ID is the "
        "executive's member id (U…, in their Slack profile) and that the app may message them"
    ),
    "not_in_channel": (
        "the app is not in that conversation: check EXEC_ASSISTANT_SLACK_USER_ID and that "
        "the executive has not removed the app from their direct messages"
    ),
    "user_not_found": (
        "Slack has no such user: set EXEC_ASSISTANT_SLACK_USER_ID to the executive's "
        "member id (U…, in their Slack profile)"
    ),
    "cannot_dm_bot": "the configured user is a bot: set EXEC_ASSISTANT_SLACK_USER_ID to a person",
    "user_disabled": "the executive's Slack account is deactivated",
    "thread_not_found": "the thread was deleted in Slack; a new one is started next time",
    "message_not_found": "the message was deleted in Slack; a new one is posted next time",
    "ratelimited": "Slack is rate-limiting the app; it is tried again later",
    "invalid_blocks": "Slack refused the message's layout (this is a bug: please report it)",
    "invalid_arguments": "Slack refused the request's arguments (this is a bug: please report it)",
    "msg_too_long": "the message was too long for Slack (this is a bug: please report it)",
}


_PERMANENT = frozenset(
    {
        "token_revoked",
        "token_expired",
        "invalid_auth",
        "account_inactive",
        "not_authed",
        "not_allowed_token_type",
        "missing_scope",
        "channel_not_found",
        "not_in_channel",
        "user_not_found",
        "cannot_dm_bot",
        "user_disabled",
    }
)
"""Refusals that the same request, tried again in a few seconds, gets again."""


class SlackUnavailable(ExecAssistantError):
    """Slack refused or could not be reached. The message names Slack's error code, what it
    means and what to do; it never holds a token."""

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code

    @classmethod
    def from_api_error(cls, exc: SlackClientError | OSError, doing: str) -> SlackUnavailable:
        """`doing` says what was being done ("sending the prep questions for mtg_…")."""
        if isinstance(exc, SlackApiError):
            code = _code_of(exc)
            if code == "missing_scope":
                needed = _header_or_field(exc, "needed") or "the scope the method needs"
                cause = (
                    f"the app lacks the {needed} scope: add it under OAuth & Permissions "
                    "(the manifest from `exec-assistant slack manifest` has every scope), "
                    "reinstall the app, and set SLACK_BOT_TOKEN to the new token"
                )
            else:
                cause = _CAUSES.get(code, "see https://api.slack.com/methods for what it means")
            kind = ChannelRefused if code in _PERMANENT else cls
            return kind(f"Slack refused {doing}: {code}: {cause}", code=code)
        # A connection error, a time-out, a malformed answer: never the request itself, which
        # can carry the token in its headers.
        return cls(
            f"Slack could not be reached while {doing} ({type(exc).__name__}); "
            "it is tried again later",
            code=None,
        )


def _code_of(exc: SlackApiError) -> str:
    response = exc.response
    error = None
    try:
        error = response.get("error") if response is not None else None
    except Exception:  # an answer that was not JSON
        error = None
    if isinstance(error, str) and error.replace("_", "").isalnum() and len(error) <= 64:
        return error
    status = getattr(response, "status_code", None)
    return f"http_{status}" if status else "unknown_error"


def _header_or_field(exc: SlackApiError, name: str) -> str | None:
    response = exc.response
    try:
        value = response.get(name) if response is not None else None
    except Exception:
        value = None
    if isinstance(value, str) and all(
        part.replace(":", "").replace(".", "").isalnum() for part in value.split(",")
    ):
        return value
    return None


class ChannelRefused(SlackUnavailable):
    """Slack refused for a reason a retry in seconds does not fix (a revoked token, a user
    the app may not message): the workflow spec's CHANNEL_REFUSED error, by this class's
    name, so the state is not retried at once and the prep fails over to a later attempt."""
