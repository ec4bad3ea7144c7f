"""The real Strands providers, built by `build_model`, against scripted servers on 127.0.0.1:
structured output, throttling and server errors retried by ThrottleRetry, a stream that never
ends, and the token usage that reaches the agent's metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from strands import Agent
from strands.agent import AgentResult

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.agents.models import LOCAL_SERVER_API_KEY, ModelChoice, build_model
from exec_assistant.agents.throttling import ThrottleRetry

from model_servers import (
    AnthropicServer,
    Hang,
    HttpError,
    OpenAIServer,
    Reply,
    Text,
    ToolCall,
    Usage,
)

# llama.cpp's provider warns that it cannot force a tool; Strands then asks again in words.
pytestmark = pytest.mark.filterwarnings("ignore:A ToolChoice was provided:UserWarning")

TIMEOUT = 1.0
SECRETS = EnvSecretStore({"ANTHROPIC_API_KEY": "sk-ant-test"})


class Pack(BaseModel):
    """A prep pack's title and its agenda."""

    title: str
    agenda: list[str]


PACK = {"title": "Q3 budget review", "agenda": ["Numbers", "Risks"]}


@dataclass
class Provider:
    name: str
    server: OpenAIServer | AnthropicServer
    choice: ModelChoice
    waits: list[float]

    def agent(self, system_prompt: Any = "You prepare meetings.") -> tuple[Agent, ThrottleRetry]:
        async def sleep(seconds: float) -> None:
            self.waits.append(seconds)

        retry = ThrottleRetry(
            base_delay=0.01, max_delay=5.0, deadline=time.monotonic() + 30, sleep=sleep
        )
        agent = Agent(
            model=build_model(self.choice, SECRETS),
            system_prompt=system_prompt,
            callback_handler=None,
            retry_strategy=None,
            hooks=[retry],
        )
        return agent, retry

    def ask(self, *replies: Reply) -> tuple[AgentResult, ThrottleRetry]:
        self.server.push(*replies)
        agent, retry = self.agent()
        return agent("Prepare the Q3 budget review.", structured_output_model=Pack), retry


@pytest.fixture(params=["openai", "anthropic", "llamacpp"])
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    name = request.param
    server: OpenAIServer | AnthropicServer = (
        AnthropicServer() if name == "anthropic" else OpenAIServer()
    )
    with server:
        # llama.cpp's provider adds /v1/chat/completions itself.
        base_url = (
            server.root_url
            if isinstance(server, OpenAIServer) and name == "llamacpp"
            else server.base_url
        )
        choice = ModelChoice(name, f"{name}-model", base_url, None, TIMEOUT, 1500)
        yield Provider(name, server, choice, [])


def test_structured_output_comes_back_through_a_tool_call(provider: Provider) -> None:
    result, _ = provider.ask(ToolCall("Pack", PACK))
    assert result.structured_output == Pack(**PACK)
    [request] = provider.server.requests
    offered = [_tool_name(tool) for tool in request.body["tools"]]
    assert offered == ["Pack"]
    assert request.body["model"] == f"{provider.name}-model"
    assert request.body["max_tokens"] == 1500
    assert request.body["stream"] is True


def test_plain_text_is_followed_by_a_forced_tool_call(provider: Provider) -> None:
    result, _ = provider.ask(Text("Here is your pack."), ToolCall("Pack", PACK))
    assert result.structured_output == Pack(**PACK)
    assert len(provider.server.requests) == 2


def test_a_429_with_retry_after_is_waited_for_then_retried(provider: Provider) -> None:
    result, retry = provider.ask(HttpError(429, retry_after="0.2"), ToolCall("Pack", PACK))
    assert result.structured_output == Pack(**PACK)
    assert len(provider.server.requests) == 2
    assert provider.waits == [0.2]
    assert retry.retries == 1 and retry.reasons == ["throttled"]


def test_a_500_is_retried(provider: Provider) -> None:
    result, retry = provider.ask(HttpError(500), ToolCall("Pack", PACK))
    assert result.structured_output == Pack(**PACK)
    assert len(provider.server.requests) == 2
    assert retry.retries == 1


def test_the_sdk_does_not_retry_on_its_own(provider: Provider) -> None:
    """Only ThrottleRetry retries: without it, one request and the error."""
    provider.server.push(HttpError(500), ToolCall("Pack", PACK))
    agent = Agent(
        model=build_model(provider.choice, SECRETS), callback_handler=None, retry_strategy=None
    )
    with pytest.raises(Exception, match=r"500|Internal Server Error"):
        agent("Prepare.", structured_output_model=Pack)
    assert len(provider.server.requests) == 1


def test_repeated_throttling_ends_in_the_error(provider: Provider) -> None:
    with pytest.raises(Exception, match=r"429|rate|Too Many"):
        provider.ask(*[HttpError(429, retry_after="0")] * 4)
    assert len(provider.server.requests) == 4


def test_a_stream_that_never_ends_times_out(provider: Provider) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        provider.ask(Hang())
    elapsed = time.monotonic() - started
    assert TIMEOUT <= elapsed < TIMEOUT + 2
    assert len(provider.server.requests) == 1  # a timeout is not retried


def test_token_usage_reaches_the_agent_metrics(provider: Provider) -> None:
    result, _ = provider.ask(ToolCall("Pack", PACK, Usage(1200, 300, cache_read_tokens=800)))
    usage = result.metrics.accumulated_usage
    assert (usage["inputTokens"], usage["outputTokens"]) == (1200, 300)
    assert usage.get("cacheReadInputTokens") == 800


def test_usage_of_a_retried_call_counts_only_the_answer(provider: Provider) -> None:
    result, _ = provider.ask(HttpError(429, retry_after="0"), ToolCall("Pack", PACK, Usage(50, 5)))
    usage = result.metrics.accumulated_usage
    assert (usage["inputTokens"], usage["outputTokens"]) == (50, 5)


def test_anthropic_overloaded_529_is_retried() -> None:
    with AnthropicServer() as server:
        choice = ModelChoice("anthropic", "claude-sonnet-4-6", server.base_url, None, TIMEOUT, 500)
        provider = Provider("anthropic", server, choice, [])
        result, retry = provider.ask(HttpError(529), ToolCall("Pack", PACK))
        assert result.structured_output == Pack(**PACK)
        assert retry.reasons == ["HTTP 529"]
        assert server.requests[0].headers["x-api-key"] == "sk-ant-test"


def test_anthropic_caches_the_system_prompt_up_to_the_cache_point() -> None:
    with AnthropicServer([ToolCall("Pack", PACK)]) as server:
        choice = ModelChoice("anthropic", "claude-sonnet-4-6", server.base_url, None, TIMEOUT, 500)
        agent, _ = Provider("anthropic", server, choice, []).agent(
            [{"text": "Stable rules."}, {"cachePoint": {"type": "default"}}, {"text": "Today."}]
        )
        agent("Prepare.", structured_output_model=Pack)
        assert server.requests[0].body["system"] == [
            {"type": "text", "text": "Stable rules.", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "Today."},
        ]


def test_openai_gets_the_system_prompt_whole_without_cache_points() -> None:
    with OpenAIServer([ToolCall("Pack", PACK)]) as server:
        choice = ModelChoice("openai", "qwen3", server.base_url, None, TIMEOUT, 500)
        agent, _ = Provider("openai", server, choice, []).agent(
            [{"text": "Stable rules."}, {"cachePoint": {"type": "default"}}, {"text": "Today."}]
        )
        agent("Prepare.", structured_output_model=Pack)
        request = server.requests[0]
        assert request.body["messages"][0] == {
            "role": "system",
            "content": "Stable rules.\nToday.",
        }
        # A server on this machine needs no key; the client still sends a placeholder.
        assert request.headers["authorization"] == f"Bearer {LOCAL_SERVER_API_KEY}"
        assert request.body["stream_options"] == {"include_usage": True}


def _tool_name(tool: dict[str, Any]) -> str:
    return str(tool["function"]["name"] if "function" in tool else tool["name"])


def test_bedrock_calls_once_within_the_timeout() -> None:
    choice = ModelChoice(
        "bedrock", "global.anthropic.claude-sonnet-4-6", None, "eu-west-1", 45, 900
    )
    model = build_model(choice, SECRETS)
    config = model.client.meta.config  # type: ignore[attr-defined]
    assert (config.read_timeout, config.connect_timeout) == (45, 10)
    assert config.retries["total_max_attempts"] == 1
    assert model.client.meta.region_name == "eu-west-1"  # type: ignore[attr-defined]
    assert model.get_config()["max_tokens"] == 900  # type: ignore[typeddict-item]


def test_ollama_gets_the_timeout_and_the_token_limit() -> None:
    choice = ModelChoice("ollama", "llama3.1:8b", "http://127.0.0.1:11434", None, 30, 700)
    model = build_model(choice, SECRETS)
    assert model.client_args == {"timeout": 30}  # type: ignore[attr-defined]
    assert model.get_config()["max_tokens"] == 700  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("code", "raised", "reason"),
    [
        ("ThrottlingException", "ModelThrottledException", "throttled"),
        ("ServiceUnavailableException", "ClientError", "ServiceUnavailableException"),
    ],
)
def test_bedrock_throttling_and_unavailability_are_retried(
    code: str, raised: str, reason: str
) -> None:
    """Bedrock's answers come from botocore's stubber: the provider's own error mapping runs."""
    from botocore.stub import Stubber

    choice = ModelChoice("bedrock", "global.anthropic.claude-sonnet-4-6", None, "us-east-1", 5, 500)
    model = build_model(choice, SECRETS)
    retry = ThrottleRetry(max_attempts=2, base_delay=0.001, deadline=time.monotonic() + 30)
    agent = Agent(model=model, callback_handler=None, retry_strategy=None, hooks=[retry])
    with Stubber(model.client) as stubber:  # type: ignore[attr-defined]
        for _ in range(2):
            stubber.add_client_error("converse_stream", code, "slow down", 503)
        with pytest.raises(Exception) as caught:
            agent("Prepare.")
    assert raised in [kind.__name__ for kind in type(caught.value).__mro__]
    assert retry.reasons == [reason]
