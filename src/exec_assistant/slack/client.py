"""The Slack Web API client the product uses: rate limits and dropped connections retried."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
LONGEST_RATE_LIMIT_WAIT = 5
"""Seconds: a longer Retry-After is not slept through (a Lambda function would run out of
time asleep): the `ratelimited` error is raised, and the caller's retry comes later."""


class _ShortRateLimitWaits(RateLimitErrorRetryHandler):
    """slack_sdk's handler sleeps whatever Retry-After says; this one only a short wait."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        for name, values in response.headers.items():
            if name.lower() == "retry-after":
                try:
                    return int(values[0]) <= LONGEST_RATE_LIMIT_WAIT
                except (ValueError, IndexError):
                    return False
        return True


def slack_client(token: str, *, base_url: str | None = None, timeout: float = 10.0) -> WebClient:
    """A WebClient on `token`. A `ratelimited` answer (HTTP 429) is tried again after the
    `Retry-After` seconds Slack gives when they are 5 or fewer, up to 3 times; a dropped
    connection twice. `base_url`
    None is Slack's own (https://slack.com/api/); a URL without the final slash gets one."""
    handlers = [
        _ShortRateLimitWaits(max_retry_count=RATE_LIMIT_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
    ]
    if base_url is None:
        return WebClient(token=token, timeout=max(1, round(timeout)), retry_handlers=handlers)
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token, base_url=base_url, timeout=max(1, round(timeout)), retry_handlers=handlers
    )
