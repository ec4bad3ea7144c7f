"""The composition of the SlackWebhookHandler Lambda's App: only what its cold start can
afford (Slack's packages, the settings, the listeners); the stores, the engine and the
services behind the listeners are built on the first request that reaches one."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from slack_bolt import App

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.errors import ConfigError
from exec_assistant.slack.app import build_slack_app
from exec_assistant.slack.client import slack_client
from exec_assistant.slack.secrets import SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET

if TYPE_CHECKING:
    from exec_assistant.ports import Clock, SecretStore
    from exec_assistant.settings import Settings
    from exec_assistant.slack.turns import SlackDependencies


def build_slack_webhook_app(
    settings: Settings, *, secrets: SecretStore | None = None, clock: Clock | None = None
) -> App:
    """The App with process_before_response (lazy listeners for slow work). A missing token,
    signing secret or user id is a ConfigError naming each.

    The events already handled are remembered by this instance only: a retry that reaches
    another instance of the function is handled again.
    """
    from exec_assistant.adapters.memory import InMemorySeenEventRepository
    from exec_assistant.slack.listeners import register_listeners

    store = secrets or EnvSecretStore(os.environ)
    token, signing_secret = store.get(SLACK_BOT_TOKEN), store.get(SLACK_SIGNING_SECRET)
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
    the_clock = clock or SystemClock()

    def dependencies() -> SlackDependencies:
        from exec_assistant.bootstrap import slack_webhook_dependencies

        return slack_webhook_dependencies(settings, store, the_clock)

    return build_slack_app(
        client=slack_client(
            token, base_url=settings.slack_api_url, timeout=settings.http_timeout_seconds
        ),
        signing_secret=signing_secret,
        executive_user_id=settings.slack_user_id,
        allowed_users=settings.slack_allowed_users,
        seen_events=InMemorySeenEventRepository(the_clock),
        register=register_listeners(dependencies),
        process_before_response=True,
        clock=the_clock,
    )
