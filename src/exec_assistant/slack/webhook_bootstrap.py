"""The composition of the SlackWebhookHandler Lambda's App: only what its cold start can
afford (Slack's packages, the settings, the seen-events record), none of the calendars,
agents, workflows or services that `exec_assistant.bootstrap` imports."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.errors import ConfigError
from exec_assistant.slack.app import build_slack_app
from exec_assistant.slack.secrets import SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET

if TYPE_CHECKING:
    from exec_assistant.settings import Settings


def build_slack_webhook_app(settings: Settings) -> App:
    """The App with process_before_response (lazy listeners for slow work), its secrets from
    the environment. A missing token, signing secret or user id is a ConfigError naming each.

    Still to wire: the DynamoDB seen-events table (the in-memory record dedupes only the
    retries that reach the same instance) and the listeners.
    """
    from exec_assistant.adapters.memory import InMemorySeenEventRepository

    secrets = EnvSecretStore(os.environ)
    token, signing_secret = secrets.get(SLACK_BOT_TOKEN), secrets.get(SLACK_SIGNING_SECRET)
    missing = [
        name
        for name, value in (
            (SLACK_BOT_TOKEN, token),
            (SLACK_SIGNING_SECRET, signing_secret),
            ("EXEC_ASSISTANT_SLACK_USER_ID", settings.slack_user_id),
        )
        if not value
    ]
    if missing or not token or not signing_secret or not settings.slack_user_id:
        raise ConfigError(
            f"Slack is not configured: {', '.join(missing)} not set",
            hint="Set them in the function's environment (or its secret).",
        )
    client = WebClient(token=token)
    if settings.slack_api_url:
        client = WebClient(token=token, base_url=settings.slack_api_url + "/")
    clock = SystemClock()
    return build_slack_app(
        client=client,
        signing_secret=signing_secret,
        executive_user_id=settings.slack_user_id,
        allowed_users=settings.slack_allowed_users,
        seen_events=InMemorySeenEventRepository(clock),
        register=lambda app: None,
        process_before_response=True,
        clock=clock,
    )
