"""The rotation function of the calendar and Slack secrets: Secrets Manager invokes it for
each of a rotation's four steps (`{"SecretId", "ClientRequestToken", "Step"}`).

It needs none of the deployment's tables or buckets: only Secrets Manager and the providers'
token endpoints. Its errors name the secret and the step, never a value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from exec_assistant.aws_clients import AwsClients
from exec_assistant.domain.secret_rotation import RotationEvent
from exec_assistant.handlers.runtime import (
    Handler,
    LambdaEvent,
    first_invocation_handler,
    function_handler,
    logger,
    parse_event,
    quiet_request_bodies,
)
from exec_assistant.lambda_functions import BY_KEY
from exec_assistant.ports import Clock
from exec_assistant.services.secret_rotation import SecretRotation

KEY = "secret_rotation"
ANSWER_MARGIN_SECONDS = 5.0
"""Kept from the function's remaining time for Secrets Manager's own calls after the
provider's answer, and for the error to get out before the runtime ends the invocation."""


@dataclass(frozen=True)
class RotationApp:
    rotation: SecretRotation


def rotation_app(
    clients: AwsClients,
    *,
    slack_api_url: str | None = None,
    clock: Clock | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> RotationApp:
    """The rotation over the clients' Secrets Manager, renewing the calendar's OAuth tokens
    at the token endpoint its secret names and Slack's bot token at `slack_api_url` (None:
    Slack's own)."""
    from exec_assistant.adapters.aws.secret_versions import SecretsManagerSecretVersions
    from exec_assistant.adapters.credentials.form_post import (
        CONNECT_TIMEOUT_SECONDS,
        READ_TIMEOUT_SECONDS,
        FormPoster,
    )
    from exec_assistant.adapters.credentials.oauth_refresh import OAuthRefreshRenewal
    from exec_assistant.adapters.credentials.slack_tokens import SLACK_API_URL, SlackTokenRenewal
    from exec_assistant.clocks import SystemClock

    quiet_request_bodies()
    poster = FormPoster(
        connect_timeout=connect_timeout or CONNECT_TIMEOUT_SECONDS,
        read_timeout=read_timeout or READ_TIMEOUT_SECONDS,
    )
    renewals = (
        SlackTokenRenewal(poster, slack_api_url or SLACK_API_URL),
        OAuthRefreshRenewal(poster, clock or SystemClock()),
    )
    versions = SecretsManagerSecretVersions(clients.client("secretsmanager"))
    return RotationApp(SecretRotation(versions, renewals))


def make_handler(app: Callable[[], RotationApp]) -> Handler:
    function = BY_KEY[KEY]

    def body(the_app: RotationApp, event: LambdaEvent, context: Any) -> None:
        request = parse_event(RotationEvent, event, function.name)
        logger.append_keys(
            secret_id=request.secret_id, step=request.step.value, version_id=request.token
        )
        the_app.rotation.run(request, _deadline(context, function.timeout_seconds))

    return function_handler(KEY, app, body)


def _deadline(context: Any, timeout_seconds: int) -> float:
    """When the step must have answered (time.monotonic): the invocation's remaining time,
    less the margin."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    seconds = remaining() / 1000 if callable(remaining) else float(timeout_seconds)
    return time.monotonic() + max(seconds - ANSWER_MARGIN_SECONDS, 0.0)


lambda_handler = first_invocation_handler(lambda: make_handler(lambda: rotation_app(AwsClients())))
