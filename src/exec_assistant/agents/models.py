"""Which model writes the packs and reads the notes, and the Strands model object for it.

Nothing here imports Strands or a provider's SDK when the module is imported: `build_model`
imports them when it is called, so commands that never call a model start fast and run
without the extras installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from typing import TYPE_CHECKING

from exec_assistant.domain.errors import ModelUnavailable
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.ports import SecretStore
from exec_assistant.settings import Settings

if TYPE_CHECKING:
    from strands.models.model import Model

DEFAULT_ANTHROPIC_MODEL_ID = "claude-sonnet-4-6"
CONNECT_TIMEOUT_SECONDS = 10.0
"""Bedrock's connection timeout, at most the call's whole timeout."""

_PACKAGES: dict[str, tuple[tuple[str, str], ...]] = {
    # (module to find, package to name in the message), in the order they are checked.
    "bedrock": (("strands", "strands-agents"), ("boto3", "boto3")),
    "anthropic": (("strands", "strands-agents"), ("anthropic", "anthropic")),
    "openai": (("strands", "strands-agents"), ("openai", "openai")),
    "ollama": (("strands", "strands-agents"), ("ollama", "ollama")),
    "llamacpp": (("strands", "strands-agents"), ("httpx", "httpx")),
}
_API_KEY_VARIABLES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
LOCAL_SERVER_API_KEY = "no-key-needed"
"""What the OpenAI client sends to a server on this machine, which asks for no key (llama.cpp's
server, vLLM, LM Studio); the client refuses to start without one."""

Finder = Callable[[str], ModuleSpec | None]


@dataclass(frozen=True)
class ModelChoice:
    """One model to call: who serves it, which model, where, and the limits of one call."""

    provider: str
    model_id: str
    base_url: str | None
    region: str | None
    timeout_seconds: float
    max_tokens: int

    @property
    def destination(self) -> ModelDestination:
        return ModelDestination(self.provider, self.base_url)

    @property
    def label(self) -> str:
        """'anthropic:claude-sonnet-4-6', 'bedrock:global.anthropic.claude-sonnet-4-6'."""
        return f"{self.provider}:{self.model_id}"


def choose_models(settings: Settings) -> tuple[ModelChoice, ModelChoice] | None:
    """(the pack model, the summary model) of the settings; None for `offline`.

    The summary model (context summaries, notes) is `summary_model_id` on the same provider,
    or the pack model when that is unset. On Bedrock the pack model is `bedrock_model_id`.
    """
    provider = settings.model_provider
    if provider == "offline":
        return None
    if provider == "bedrock":
        model_id = settings.bedrock_model_id
    elif provider == "anthropic":
        model_id = settings.model_id or DEFAULT_ANTHROPIC_MODEL_ID
    elif settings.model_id:
        model_id = settings.model_id
    else:  # the settings refuse this already; kept so a bad caller gets a message, not None
        raise ModelUnavailable(
            f"model provider '{provider}' needs a model",
            hint="Set EXEC_ASSISTANT_MODEL_ID.",
        )
    pack = ModelChoice(
        provider=provider,
        model_id=model_id,
        base_url=settings.model_server,
        region=settings.bedrock_region if provider == "bedrock" else None,
        timeout_seconds=settings.model_timeout_seconds,
        max_tokens=settings.model_max_tokens,
    )
    summary_id = settings.summary_model_id or model_id
    summary = pack if summary_id == model_id else _replace_model(pack, summary_id)
    return pack, summary


def _replace_model(choice: ModelChoice, model_id: str) -> ModelChoice:
    return ModelChoice(
        provider=choice.provider,
        model_id=model_id,
        base_url=choice.base_url,
        region=choice.region,
        timeout_seconds=choice.timeout_seconds,
        max_tokens=choice.max_tokens,
    )


def check_provider_installed(provider: str, find_spec: Finder = importlib.util.find_spec) -> None:
    """Raise ModelUnavailable, with the pip command that fixes it, when a package the
    provider needs is not installed. Looks the packages up without importing them."""
    if provider == "offline":
        return
    if provider not in _PACKAGES:
        raise ModelUnavailable(
            f"'{provider}' is not a model provider",
            hint=f"Use one of offline, {', '.join(_PACKAGES)}.",
        )
    for module, package in _PACKAGES[provider]:
        if find_spec(module) is None:
            raise ModelUnavailable(
                f"the {provider} provider needs the {package} package: "
                f"pip install 'exec-assistant[{provider}]'"
            )


def api_key(choice: ModelChoice, secrets: SecretStore) -> str | None:
    """The API key a call to `choice` sends; None for providers that take none.

    Raises ModelUnavailable, naming the variable, when the provider needs one and it is unset.
    An OpenAI-compatible server on this machine needs none: it gets a placeholder.
    """
    variable = _API_KEY_VARIABLES.get(choice.provider)
    if variable is None:
        return None
    key = secrets.get(variable)
    if key:
        return key
    if choice.provider == "openai" and choice.destination.on_this_machine:
        return LOCAL_SERVER_API_KEY
    where = f" at {choice.base_url}" if choice.base_url else ""
    raise ModelUnavailable(
        f"the {choice.provider} provider{where} needs an API key: set {variable}",
        hint=f"export {variable}=... in the environment the assistant runs in "
        "(keys are never read from settings files).",
    )


def check_model_usable(
    choice: ModelChoice, secrets: SecretStore, find_spec: Finder = importlib.util.find_spec
) -> None:
    """At start-up: the provider's packages are installed and its API key is set."""
    check_provider_installed(choice.provider, find_spec)
    api_key(choice, secrets)


def supports_prompt_cache(choice: ModelChoice) -> bool:
    """Whether a cache point in the system prompt (a `{"cachePoint": {"type": "default"}}`
    block after its stable part) makes the provider cache that part: Bedrock and Anthropic.
    The other providers drop the cache point and send the text whole."""
    return choice.provider in ("bedrock", "anthropic")


def build_model(choice: ModelChoice, secrets: SecretStore) -> Model:
    """The Strands model for `choice`, with the SDK's own retries off (ThrottleRetry retries
    throttling) and `choice.timeout_seconds` as its connect and read timeout.

    The read timeout bounds each wait for the next bytes, not the whole call: a server that
    keeps sending slowly is stopped by the caller's deadline, not here.
    """
    check_provider_installed(choice.provider)
    key = api_key(choice, secrets)
    timeout = choice.timeout_seconds
    if choice.provider == "bedrock":
        from botocore.config import Config
        from strands.models.bedrock import BedrockModel

        return BedrockModel(
            model_id=choice.model_id,
            region_name=choice.region,
            max_tokens=choice.max_tokens,
            boto_client_config=Config(
                read_timeout=timeout,
                connect_timeout=min(timeout, CONNECT_TIMEOUT_SECONDS),
                # total_max_attempts counts the first call; botocore's max_attempts counts
                # retries only, so {"max_attempts": 1} would still retry once.
                retries={"total_max_attempts": 1, "mode": "standard"},
            ),
        )
    if choice.provider == "anthropic":
        from strands.models.anthropic import AnthropicModel

        return AnthropicModel(
            client_args={
                "api_key": key,
                "base_url": choice.base_url,
                "timeout": timeout,
                "max_retries": 0,
            },
            model_id=choice.model_id,
            max_tokens=choice.max_tokens,
        )
    if choice.provider == "openai":
        from strands.models.openai import OpenAIModel

        return OpenAIModel(
            client_args={
                "api_key": key,
                "base_url": choice.base_url,
                "timeout": timeout,
                "max_retries": 0,
            },
            model_id=choice.model_id,
            params={"max_tokens": choice.max_tokens},
        )
    if choice.provider == "ollama":
        from strands.models.ollama import OllamaModel

        # The client args go to httpx.AsyncClient; Ollama sets no timeout of its own.
        return OllamaModel(
            choice.base_url,
            ollama_client_args={"timeout": timeout},
            model_id=choice.model_id,
            max_tokens=choice.max_tokens,
        )
    if choice.provider == "llamacpp":
        from strands.models.llamacpp import LlamaCppModel

        return LlamaCppModel(
            base_url=choice.base_url or "http://127.0.0.1:8080",
            timeout=timeout,
            model_id=choice.model_id,
            params={"max_tokens": choice.max_tokens},
        )
    raise ModelUnavailable(f"'{choice.provider}' is not a model provider")
