"""The Slack Web API client the product uses: rate limits and dropped connections retried."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2


def slack_client(token: str, *, base_url: str | None = None, timeout: float = 10.0) -> WebClient:
    """A WebClient on `token`. A `ratelimited` answer (HTTP 429) is tried again after the
    `Retry-After` seconds Slack gives, up to 3 times; a dropped connection twice. `base_url`
    None is Slack's own (https://slack.com/api/); a URL without the final slash gets one."""
    handlers = [
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
    ]
    if base_url is None:
        return WebClient(token=token, timeout=max(1, round(timeout)), retry_handlers=handlers)
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token, base_url=base_url, timeout=max(1, round(timeout)), retry_handlers=handlers
    )
