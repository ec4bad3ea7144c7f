"""Model calls retried when the provider is throttling or overloaded, within the call's deadline.

A Strands hook: give the agent `retry_strategy=None` (Strands' own retry off) and
`hooks=[ThrottleRetry(deadline=...)]`. What is retried: Strands' ModelThrottledException
(Anthropic and OpenAI 429s, Bedrock ThrottlingException, llama.cpp 503), and the provider
errors that say the service is overloaded or failed on its side: HTTP 500, 502, 503, 504 and
Anthropic's 529, Bedrock's ServiceUnavailable, InternalServer and ModelNotReady. Timeouts are
not retried: the call already took its whole timeout.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random as random_module
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from strands.hooks.events import AfterInvocationEvent, AfterModelCallEvent
    from strands.hooks.registry import HookRegistry

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({500, 502, 503, 504, 529})
_RETRYABLE_AWS_CODES = frozenset(
    code.lower()
    for code in (
        "ThrottlingException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
        "ModelStreamErrorException",
    )
)


class ThrottleRetry:
    """Retries a model call that was throttled or hit an overloaded server.

    The n-th retry waits a random time in [0, min(max_delay, base_delay * 2**(n-1))] (full
    jitter), or exactly the `retry-after` the provider sent. It gives up, and the error goes
    to the caller, after `max_attempts` attempts of one model call, when the provider asks
    for a wait longer than `max_delay`, or when the wait would end at or after `deadline`
    (a `monotonic()` time).
    """

    def __init__(
        self,
        *,
        max_attempts: int = 4,
        base_delay: float = 1.0,
        max_delay: float = 20.0,
        deadline: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = random_module.random,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.deadline = deadline
        self._sleep = sleep
        self._random = random
        self._monotonic = monotonic
        self._attempt = 1
        self.retries = 0
        """Retries made, over every model call of the invocations this hook saw."""
        self.waited_seconds = 0.0
        self.reasons: list[str] = []
        """Why each retry was made ('throttled', 'HTTP 529', ...), in order."""

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        from strands.hooks.events import AfterInvocationEvent, AfterModelCallEvent

        registry.add_callback(AfterModelCallEvent, self._after_model_call)
        registry.add_callback(AfterInvocationEvent, self._after_invocation)

    async def _after_invocation(self, event: AfterInvocationEvent) -> None:
        self._attempt = 1

    async def _after_model_call(self, event: AfterModelCallEvent) -> None:
        if event.retry:  # another hook retries this call already
            return
        if event.exception is None:
            self._attempt = 1
            return
        reason = retry_reason(event.exception)
        if reason is None:
            return
        delay = self._delay(event.exception)
        if delay is None or self._attempt >= self.max_attempts:
            logger.info("model call not retried: reason=%s attempt=%d", reason, self._attempt)
            return
        if self.deadline is not None and self._monotonic() + delay >= self.deadline:
            logger.info("model call not retried: reason=%s, the deadline is too near", reason)
            return
        logger.info("model call retried: reason=%s delay=%.2fs", reason, delay)
        await self._sleep(delay)
        self._attempt += 1
        self.retries += 1
        self.waited_seconds += delay
        self.reasons.append(reason)
        event.retry = True

    def _delay(self, error: BaseException) -> float | None:
        """The wait before the next attempt; None when the provider asks for too long."""
        asked = retry_after_seconds(error)
        if asked is not None:
            return asked if asked <= self.max_delay else None
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (self._attempt - 1))
        return self._random() * ceiling


def retry_reason(error: BaseException) -> str | None:
    """Why `error` is worth another attempt ('throttled', 'HTTP 503', 'ServiceUnavailable...'),
    or None when it is not."""
    from strands.types.exceptions import ModelThrottledException

    for link in _chain(error):
        if isinstance(link, ModelThrottledException):
            return "throttled"
        status = _status_code(link)
        if status == 429:
            return "throttled"
        if status in RETRYABLE_STATUS:
            return f"HTTP {status}"
        code = _aws_error_code(link)
        if code and code.lower() in _RETRYABLE_AWS_CODES:
            return code
    return None


def retry_after_seconds(error: BaseException) -> float | None:
    """The wait the provider asked for in a `retry-after-ms` or `retry-after` header (seconds
    or an HTTP date) of the response behind `error`; None when it sent none we can read."""
    for link in _chain(error):
        headers = _response_headers(link)
        if headers is None:
            continue
        millis = _number(headers.get("retry-after-ms"))
        if millis is not None:
            return millis / 1000
        value = headers.get("retry-after")
        seconds = _number(value)
        if seconds is not None:
            return seconds
        if value:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                continue
            return max(0.0, when.timestamp() - time.time())
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, then what caused it (Strands wraps the SDK's error), at most a few deep."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen and len(seen) < 8:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _status_code(error: BaseException) -> int | None:
    """The HTTP status of the SDK errors that carry one (anthropic, openai, ollama, httpx)."""
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        return status
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _aws_error_code(error: BaseException) -> str | None:
    """The error code of a botocore ClientError (also a stream's EventStreamError)."""
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return None
    details = response.get("Error")
    code = details.get("Code") if isinstance(details, Mapping) else None
    return code if isinstance(code, str) else None


def _response_headers(error: BaseException) -> Mapping[str, str] | None:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):  # botocore
        metadata = response.get("ResponseMetadata")
        headers = metadata.get("HTTPHeaders") if isinstance(metadata, Mapping) else None
        return headers if isinstance(headers, Mapping) else None
    headers = getattr(response, "headers", None)  # httpx, used by the anthropic and openai SDKs
    return headers if isinstance(headers, Mapping) else None


def _number(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
