"""The SlackWebhookHandler Lambda: Slack's requests through API Gateway (HTTP API, payload
format 2.0; 1.0 works too) into the App.

The App is built on the first invocation, from settings and the deployment's resources read
once (`webhook_bootstrap.aws_slack_webhook_app`): its stores, engine and secrets are the
deployment's, the events seen are kept in the state table. Slow work runs in lazy
listeners: Bolt acks, then this function is invoked again asynchronously (through the
injected Lambda client) to run only the lazy part. Nothing here imports strands or dbos.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger
from slack_bolt import App
from slack_bolt.adapter.aws_lambda.handler import to_aws_response
from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

from exec_assistant.slack.incoming import MalformedSlackRequest, parse_slack_request
from exec_assistant.slack.middleware import request_kind

if TYPE_CHECKING:
    from exec_assistant.aws_bootstrap import AwsApp

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

LambdaEvent = dict[str, Any]
LambdaResponse = dict[str, Any]

logger = Logger(service="exec-assistant-slack-webhook")


def _plain(status: int, text: str) -> LambdaResponse:
    return {"statusCode": status, "body": text, "headers": {"content-type": "text/plain"}}


class SlackWebhookHandler:
    """One API Gateway event → one Lambda response.

    413 for a body over `max_body_bytes` (checked before base64 is decoded), 400 for one that
    is not a form or a JSON object, 404 for anything but POST; the rest is Bolt's answer (401
    for a bad or stale signature). `lambda_client` re-invokes the function for lazy listeners
    (a boto3 Lambda client; None: one is made on first use).
    """

    def __init__(
        self,
        app: App,
        *,
        lambda_client: Any | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        app.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(
            app.logger, lambda_client=lambda_client
        )

    def __call__(self, event: LambdaEvent, context: Any) -> LambdaResponse:
        started = time.perf_counter()
        method = _method(event)
        if method not in ("POST", "NONE"):  # NONE: Bolt's mark on a lazy re-invocation
            return _plain(404, "Not Found")
        try:
            body = self._body(event)
        except _TooLarge:
            logger.info("slack request refused: too large")
            return _plain(413, f"the body is larger than {self.max_body_bytes // 1024} KB")
        except MalformedSlackRequest as exc:
            return _plain(400, f"not a Slack request: {exc}")
        headers = _headers(event)
        query = {k: [v] for k, v in (event.get("queryStringParameters") or {}).items()}
        try:
            request = parse_slack_request(body, headers, query)
        except MalformedSlackRequest as exc:
            return _plain(400, f"not a Slack request: {exc}")
        # Bolt's Lambda runner re-invokes with this event (its headers marked lazy-only).
        event["headers"] = headers
        request.context["aws_lambda_function_name"] = getattr(context, "function_name", None)
        request.context["aws_lambda_invoked_function_arn"] = getattr(
            context, "invoked_function_arn", None
        )
        request.context["lambda_request"] = event
        response = self.app.dispatch(request)
        logger.info(
            "slack request",
            kind=request_kind(request.body),
            lazy=request.lazy_only,
            status=response.status,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return to_aws_response(response)

    def _body(self, event: LambdaEvent) -> bytes:
        raw = event.get("body") or ""
        if not isinstance(raw, str):
            raise MalformedSlackRequest("the body is not text")
        if event.get("isBase64Encoded"):
            if len(raw) > (self.max_body_bytes + 2) // 3 * 4:
                raise _TooLarge
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise MalformedSlackRequest("the body is not valid base64") from None
        else:
            if len(raw) > self.max_body_bytes:  # characters ≤ bytes: a cheap first look
                raise _TooLarge
            body = raw.encode("utf-8", "surrogatepass")
        if len(body) > self.max_body_bytes:
            raise _TooLarge
        return body


class _TooLarge(Exception):
    pass


def _method(event: LambdaEvent) -> str | None:
    if event.get("method") == "NONE":
        return "NONE"
    context = event.get("requestContext") or {}
    method = (context.get("http") or {}).get("method") or context.get("httpMethod")
    return str(method).upper() if method else None


def _headers(event: LambdaEvent) -> dict[str, str]:
    """Lower-case names; v1's multiValueHeaders joined as v2 joins repeated headers."""
    headers: dict[str, str] = {}
    for name, value in (event.get("headers") or {}).items():
        headers[str(name).lower()] = str(value)
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if isinstance(values, list) and str(name).lower() not in headers:
            headers[str(name).lower()] = ",".join(map(str, values))
    return headers


def make_handler(
    build_app: Callable[[], App],
    lambda_client: Any | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Callable[[LambdaEvent, Any], LambdaResponse]:
    """A Lambda handler that builds its App on the first invocation (once, even when two
    threads call it at once) and hands every event to a SlackWebhookHandler."""
    built: list[SlackWebhookHandler] = []
    lock = threading.Lock()

    def handler(event: LambdaEvent, context: Any) -> LambdaResponse:
        if not built:
            with lock:
                if not built:
                    built.append(
                        SlackWebhookHandler(
                            build_app(), lambda_client=lambda_client, max_body_bytes=max_body_bytes
                        )
                    )
        request_id = getattr(context, "aws_request_id", None)
        if request_id:
            logger.append_keys(request_id=request_id)
        return built[0](event, context)

    return handler


def make_aws_handler(
    app: Callable[[], AwsApp],
    lambda_client: Any | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Callable[[LambdaEvent, Any], LambdaResponse]:
    """The webhook over an app of the deployment (`build_aws`): its stores, engine, secrets
    and events seen."""
    from exec_assistant.aws_bootstrap import slack_webhook_app_of

    return make_handler(
        lambda: slack_webhook_app_of(app()), lambda_client, max_body_bytes=max_body_bytes
    )


_from_settings: list[Callable[[LambdaEvent, Any], LambdaResponse]] = []


def lambda_handler(event: LambdaEvent, context: Any) -> LambdaResponse:
    """The function's entry point: the settings and the deployment's resources read once
    from the environment (a ConfigError names what is missing), the App built from them."""
    if not _from_settings:
        from exec_assistant.aws_clients import AwsClients
        from exec_assistant.deployment_settings import load_deployment_settings
        from exec_assistant.settings import load_settings
        from exec_assistant.slack.webhook_bootstrap import aws_slack_webhook_app

        settings, _ = load_settings()
        deployment = load_deployment_settings()
        clients = AwsClients()
        _from_settings.append(
            make_handler(
                lambda: aws_slack_webhook_app(settings, deployment, clients),
                max_body_bytes=settings.slack_max_body_kb * 1024,
            )
        )
    return _from_settings[0](event, context)
