"""The Slack secrets by name, and what `config check` says about them (never their values)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the ports module imports the whole domain: not on a cold start
    from exec_assistant.ports import SecretStore

SLACK_BOT_TOKEN = "SLACK_BOT_TOKEN"
"""The bot token (xoxb-…) the Web API client uses."""
SLACK_SIGNING_SECRET = "SLACK_SIGNING_SECRET"
"""Verifies each HTTP request (the endpoint and the Lambda)."""
SLACK_APP_TOKEN = "SLACK_APP_TOKEN"
"""The app-level token (xapp-…, connections:write) for Socket Mode only."""
SLACK_SECRET_NAMES = (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN)
SLACK_CLIENT_ID = "SLACK_CLIENT_ID"
"""The Slack app's Client ID: the web page's sign-in with Slack (OpenID Connect) on AWS."""
SLACK_CLIENT_SECRET = "SLACK_CLIENT_SECRET"
"""The Slack app's Client Secret, for the same."""


def slack_secrets_present(secrets: SecretStore) -> dict[str, bool]:
    """Which Slack secrets are set, by name."""
    return {name: secrets.get(name) is not None for name in SLACK_SECRET_NAMES}


def slack_setup_notes(user_id: str | None, present: dict[str, bool]) -> list[str]:
    """What is missing for Slack, as notes for `config check`; none when Slack is unused
    (nothing set) or ready for HTTP (bot token, signing secret, user id)."""
    if not user_id and not any(present.values()):
        return []
    notes = []
    if not user_id:
        notes.append(
            "Slack: EXEC_ASSISTANT_SLACK_USER_ID is not set: the assistant would answer nobody "
            "(copy your member ID from your Slack profile)."
        )
    if not present[SLACK_BOT_TOKEN]:
        notes.append(
            "Slack: SLACK_BOT_TOKEN is not set (OAuth & Permissions → Bot User OAuth Token)."
        )
    if not present[SLACK_SIGNING_SECRET] and not present[SLACK_APP_TOKEN]:
        notes.append(
            "Slack: set SLACK_SIGNING_SECRET (Basic Information → App Credentials) for "
            "`serve --http-port`, or SLACK_APP_TOKEN for `serve --socket-mode`."
        )
    return notes
