"""The composition of the SlackWebhookHandler Lambda's App: only what its cold start can
afford (Slack's packages, the settings, the listeners); the stores, the engine and the
services behind the listeners (`dependencies`) are built on the first request that reaches
one."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.clocks import SystemClock
from exec_assistant.domain.errors import ConfigError
from exec_assistant.slack.app import build_slack_app
from exec_assistant.slack.client import slack_client
from exec_assistant.slack.secrets import SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET

if TYPE_CHECKING:
    from exec_assistant.aws_clients import AwsClients
    from exec_assistant.deployment_settings import DeploymentSettings
    from exec_assistant.ports import Clock, SecretStore, SeenEventRepository
    from exec_assistant.settings import Settings
    from exec_assistant.slack.turns import SlackDependencies


def build_slack_webhook_app(
    settings: Settings,
    dependencies: Callable[[SecretStore, Clock], SlackDependencies],
    *,
    secrets: SecretStore | None = None,
    clock: Clock | None = None,
    seen_events: SeenEventRepository | None = None,
) -> App:
    """The App with process_before_response (lazy listeners for slow work); `dependencies`
    builds what the listeners call, from the secrets and the clock, on the first request
    that reaches one. A missing token, signing secret or user id is a ConfigError naming
    each.

    `seen_events`: the events already handled (on AWS, a table every instance shares);
    without, this instance's memory, and a retry that reaches another instance is handled
    again.
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

    return build_slack_app(
        client=slack_client(
            token, base_url=settings.slack_api_url, timeout=settings.http_timeout_seconds
        ),
        signing_secret=signing_secret,
        executive_user_id=settings.slack_user_id,
        allowed_users=settings.slack_allowed_users,
        seen_events=seen_events or InMemorySeenEventRepository(the_clock),
        register=register_listeners(lambda: dependencies(store, the_clock)),
        process_before_response=True,
        clock=the_clock,
    )


def aws_slack_webhook_app(
    settings: Settings,
    deployment: DeploymentSettings,
    clients: AwsClients,
    *,
    clock: Clock | None = None,
) -> App:
    """The Slack webhook's App on AWS: its secrets from Secrets Manager and the events seen
    in the state table at once (the cold start); the stores and the engine (`build_aws`) on
    the first request that reaches a listener."""
    from exec_assistant.aws_clients import aws_secrets, seen_events

    the_clock = clock or SystemClock()
    secrets = aws_secrets(deployment, clients, the_clock)

    def dependencies(store: SecretStore, at: Clock) -> SlackDependencies:
        from exec_assistant.aws_bootstrap import build_aws

        app = build_aws(settings, deployment, clients, clock=at, secrets=store)
        return app.slack_dependencies()

    return build_slack_webhook_app(
        settings,
        dependencies,
        secrets=secrets,
        clock=the_clock,
        seen_events=seen_events(deployment, clients, the_clock),
    )
