"""One agent turn on a model: structured output, a deadline, and what it used and cost.

Strands is imported by the modules that build agents, never by this package's `__init__`:
with the `offline` provider nothing imports it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from strands import Agent
from strands.hooks import HookProvider
from strands.models.model import Model
from strands.session.session_manager import SessionManager
from strands.types.content import SystemContentBlock

from exec_assistant.domain.errors import ModelCallFailed
from exec_assistant.domain.models import ModelCall
from exec_assistant.domain.usage import PriceTable
from exec_assistant.ports import Clock

__all__ = ["AgentRunner", "Answered", "ModelCallFailed", "ModelSlot"]

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

MAX_TURNS = 8
"""Model calls in one agent turn (tool round trips and the structured answer included)."""


MAX_CALL_TOKENS = 100_000_000
"""More tokens of one kind than any model call reads or writes: a count the provider reports
beyond it is taken as this, so that a broken server cannot make a cost that overflows."""


INPUT_INCLUDES_CACHE = frozenset({"openai", "llamacpp", "ollama"})
"""Providers whose input count includes the tokens read from the cache (OpenAI's
prompt_tokens); Anthropic and Bedrock count them apart."""


@dataclass(frozen=True)
class ModelSlot:
    """A model as the agents use it: how to build a fresh client, and how to account for it."""

    provider: str
    model_id: str
    build: Callable[[], Model]
    prompt_cache: bool = False
    """The provider honours a cache point after the stable part of the system prompt."""

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model_id}"


RetryHooks = Callable[[float], Sequence[HookProvider]]
"""The hooks that retry throttling within a deadline (monotonic seconds)."""


@dataclass(frozen=True)
class Answered(Generic[T]):
    output: T
    call: ModelCall


class AgentRunner:
    """Runs agents on one model slot and turns each run into a `ModelCall`."""

    def __init__(
        self,
        slot: ModelSlot,
        prices: PriceTable,
        clock: Clock,
        *,
        retry_hooks: RetryHooks | None = None,
        max_turns: int = MAX_TURNS,
        call_timeout: float | None = None,
    ) -> None:
        self.slot = slot
        self._call_timeout = call_timeout
        self._prices = prices
        self._clock = clock
        self._retry_hooks = retry_hooks
        self._max_turns = max_turns

    def agent(
        self,
        system: Sequence[SystemContentBlock],
        *,
        tools: Sequence[Any] = (),
        deadline: float,
        session_manager: SessionManager | None = None,
        name: str | None = None,
    ) -> Agent:
        """A fresh agent (its own client and conversation) whose throttling retries end by
        `deadline` (time.monotonic())."""
        extra: dict[str, Any] = {}
        if self._retry_hooks is not None:
            extra["hooks"] = list(self._retry_hooks(deadline))
            extra["retry_strategy"] = None
        if session_manager is not None:
            extra["session_manager"] = session_manager
        return Agent(
            model=self.slot.build(),
            system_prompt=list(system),
            tools=list(tools),
            callback_handler=None,
            name=name,
            **extra,
        )

    def ask(
        self,
        agent: Agent,
        prompt: str,
        output: type[T],
        *,
        purpose: str,
        deadline: float,
    ) -> Answered[T]:
        """One agent turn ending in `output`; ModelCallFailed on an error, or past `deadline`
        or the runner's time limit for one call, whichever comes first."""
        started = time.monotonic()
        if self._call_timeout is not None:
            deadline = min(deadline, started + self._call_timeout)
        remaining = deadline - started
        at = self._clock.now()
        if remaining <= 0:
            raise ModelCallFailed("no time left for the model", self._call(purpose, {}, 0, at))

        async def turn() -> Any:
            return await asyncio.wait_for(
                agent.invoke_async(
                    prompt,
                    structured_output_model=output,
                    limits={"turns": self._max_turns},
                ),
                timeout=remaining,
            )

        try:
            result = asyncio.run(turn())
        except TimeoutError:
            usage = _latest_usage(agent)
            call = self._call(purpose, usage, time.monotonic() - started, at, "failed")
            raise ModelCallFailed(
                f"{self.slot.label} gave no answer within {remaining:.0f} s", call
            ) from None
        except Exception as exc:
            usage = _latest_usage(agent)
            call = self._call(purpose, usage, time.monotonic() - started, at, "failed")
            if _is_timeout(exc):  # a stalled stream: httpx's ReadTimeout has no message
                reason = f"{self.slot.label} stopped answering (read time-out)"
            else:
                reason = f"{self.slot.label} failed: {_short(exc)}"
            raise ModelCallFailed(reason, call) from exc
        seconds = time.monotonic() - started
        usage = _latest_usage(agent)
        call = self._call(purpose, usage, seconds, at)
        answer = result.structured_output
        if not isinstance(answer, output):
            raise ModelCallFailed(
                f"{self.slot.label} ended without the {output.__name__} it was asked for "
                f"({result.stop_reason})",
                call.model_copy(update={"outcome": "failed"}),
            )
        log.info(
            "model call",
            extra={
                "purpose": purpose,
                "model": self.slot.label,
                "input_tokens": call.input_tokens,
                "output_tokens": call.output_tokens,
                "seconds": round(seconds, 2),
            },
        )
        return Answered(answer, call)

    def _call(
        self,
        purpose: str,
        usage: dict[str, Any],
        seconds: float,
        at: Any,
        outcome: str = "ok",
    ) -> ModelCall:
        cache_read = _count(usage.get("cacheReadInputTokens"))
        input_tokens = _count(usage.get("inputTokens"))
        if self.slot.provider in INPUT_INCLUDES_CACHE:
            input_tokens = max(0, input_tokens - cache_read)
        counts = {
            "input_tokens": input_tokens,
            "output_tokens": _count(usage.get("outputTokens")),
            "cache_read_tokens": cache_read,
            "cache_write_tokens": _count(usage.get("cacheWriteInputTokens")),
        }
        return ModelCall(
            purpose=purpose,
            provider=self.slot.provider,
            model_id=self.slot.model_id,
            cost_usd=self._prices.cost(self.slot.model_id, **counts, provider=self.slot.provider),
            seconds=round(max(0.0, seconds), 3),
            at=at,
            outcome=outcome,
            **counts,
        )


def _count(value: Any) -> int:
    """A token count as the provider reported it, within 0 and MAX_CALL_TOKENS; 0 when it is
    not a number."""
    try:
        number = int(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0
    return min(max(number, 0), MAX_CALL_TOKENS)


def _latest_usage(agent: Agent) -> dict[str, Any]:
    """What the interrupted turn had used so far (the cycles that completed)."""
    invocation = agent.event_loop_metrics.latest_agent_invocation
    return dict(invocation.usage) if invocation is not None else {}


def _is_timeout(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError) or type(seen).__name__.endswith("Timeout"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = f"{type(exc).__name__}: {text}" if not text.startswith(type(exc).__name__) else text
    return text if len(text) <= limit else text[: limit - 1] + "…"
