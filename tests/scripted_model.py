"""A Strands `Model` that plays a script: the model side of an agent, offline and exact.

Each turn is what the model "says" next: text, a tool call (a tool of the agent, or the
structured-output tool named after the pydantic class), an exception, or a hang. Every
request is recorded: the messages, the tools offered and the system prompt's blocks.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from strands.models.model import Model


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Call:
    """A tool call: `name` is an agent's tool, or the output class's name to answer."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Raise:
    error: Exception


@dataclass(frozen=True)
class Hang:
    """Start answering, then never finish."""


Turn = Say | Call | Raise | Hang


def answer(output: BaseModel) -> Call:
    """The structured answer: the output tool called with the model's fields."""
    return Call(type(output).__name__, output.model_dump(mode="json"))


@dataclass
class Request:
    messages: list[dict[str, Any]]
    tools: list[str]
    system: list[dict[str, Any]]

    def text(self) -> str:
        """Everything the model was sent, as one string."""
        return json.dumps({"system": self.system, "messages": self.messages}, default=str)


@dataclass
class Usage:
    input_tokens: int = 1000
    output_tokens: int = 200
    cache_read_tokens: int = 0


class ScriptedModel(Model):
    def __init__(self, turns: Sequence[Turn], usage: Usage | None = None) -> None:
        self.turns = list(turns)
        self.usage = usage or Usage()
        self.requests: list[Request] = []

    def update_config(self, **model_config: Any) -> None:
        pass

    def get_config(self) -> Any:
        return {}

    async def structured_output(
        self, output_model: Any, prompt: Any, system_prompt: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[dict[str, Any], None]:
        raise NotImplementedError("agents ask through structured_output_model=")
        yield {}  # pragma: no cover

    async def stream(  # type: ignore[override]
        self,
        messages: Any,
        tool_specs: Any = None,
        system_prompt: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterable[Any]:
        self.requests.append(
            Request(
                messages=json.loads(json.dumps(messages, default=str)),
                tools=[spec["name"] for spec in tool_specs or []],
                system=list(kwargs.get("system_prompt_content") or []),
            )
        )
        if not self.turns:
            raise AssertionError("the script has no more turns")
        turn = self.turns.pop(0)
        if isinstance(turn, Raise):
            raise turn.error
        yield {"messageStart": {"role": "assistant"}}
        if isinstance(turn, Hang):
            yield {"contentBlockDelta": {"delta": {"text": "Let me think"}}}
            await asyncio.sleep(3600)
        if isinstance(turn, Call):
            use = {"toolUseId": f"call-{len(self.requests)}", "name": turn.name}
            yield {"contentBlockStart": {"start": {"toolUse": use}}}
            yield {
                "contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps(turn.arguments)}}}
            }
            yield {"contentBlockStop": {}}
            stop = "tool_use"
        else:
            assert isinstance(turn, Say)
            yield {"contentBlockDelta": {"delta": {"text": turn.text}}}
            yield {"contentBlockStop": {}}
            stop = "end_turn"
        yield {"messageStop": {"stopReason": stop}}
        usage = self.usage
        yield {
            "metadata": {
                "usage": {
                    "inputTokens": usage.input_tokens,
                    "outputTokens": usage.output_tokens,
                    "totalTokens": usage.input_tokens + usage.output_tokens,
                    "cacheReadInputTokens": usage.cache_read_tokens,
                },
                "metrics": {"latencyMs": 1},
            }
        }
