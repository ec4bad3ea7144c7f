"""Which model each provider setting calls, and what start-up says when one cannot be used."""

from __future__ import annotations

import subprocess
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.agents.models import (
    LOCAL_SERVER_API_KEY,
    ModelChoice,
    api_key,
    check_model_usable,
    check_provider_installed,
    choose_models,
    supports_prompt_cache,
)
from exec_assistant.domain.errors import ModelUnavailable
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.settings import Settings

SRC = Path(__file__).resolve().parents[2] / "src"


def settings(**values: Any) -> Settings:
    return Settings(**values)


def choice(provider: str, base_url: str | None = None) -> ModelChoice:
    return ModelChoice(provider, "m", base_url, None, 30.0, 1000)


def test_offline_calls_no_model() -> None:
    assert choose_models(settings()) is None


def test_bedrock_uses_the_bedrock_model_and_region() -> None:
    pack, summary = choose_models(  # type: ignore[misc]
        settings(model_provider="bedrock", bedrock_region="eu-west-1", model_timeout_seconds=45)
    )
    assert pack == ModelChoice(
        "bedrock", "global.anthropic.claude-sonnet-4-6", None, "eu-west-1", 45.0, 4000
    )
    assert summary == pack
    assert pack.label == "bedrock:global.anthropic.claude-sonnet-4-6"
    assert pack.destination == ModelDestination("bedrock", None)


def test_bedrock_summaries_go_to_the_summary_model() -> None:
    pack, summary = choose_models(  # type: ignore[misc]
        settings(
            model_provider="bedrock",
            bedrock_model_id="global.anthropic.claude-opus-4-6",
            summary_model_id="global.anthropic.claude-haiku-4-5",
        )
    )
    assert pack.model_id == "global.anthropic.claude-opus-4-6"
    assert summary.model_id == "global.anthropic.claude-haiku-4-5"
    assert summary.provider == "bedrock" and summary.region == pack.region


def test_anthropic_without_a_model_id_uses_claude_sonnet() -> None:
    pack, summary = choose_models(settings(model_provider="anthropic"))  # type: ignore[misc]
    assert pack.label == "anthropic:claude-sonnet-4-6"
    assert pack.base_url == "https://api.anthropic.com"
    assert summary == pack


def test_anthropic_with_a_cheaper_summary_model() -> None:
    pack, summary = choose_models(  # type: ignore[misc]
        settings(
            model_provider="anthropic",
            model_id="claude-opus-4-6",
            summary_model_id="claude-haiku-4-5",
            model_max_tokens=8000,
        )
    )
    assert (pack.model_id, summary.model_id) == ("claude-opus-4-6", "claude-haiku-4-5")
    assert summary.max_tokens == pack.max_tokens == 8000


@pytest.mark.parametrize(
    ("provider", "base_url", "expected_url"),
    [
        ("openai", None, "https://api.openai.com/v1"),
        ("openai", "http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("ollama", None, "http://127.0.0.1:11434"),
        ("llamacpp", None, "http://127.0.0.1:8080"),
        ("llamacpp", "http://gpu-box:8080/", "http://gpu-box:8080"),
    ],
)
def test_servers_are_called_at_their_base_url(
    provider: str, base_url: str | None, expected_url: str
) -> None:
    pack, _ = choose_models(  # type: ignore[misc]
        settings(model_provider=provider, model_id="qwen3", model_base_url=base_url)
    )
    assert (pack.provider, pack.model_id, pack.base_url, pack.region) == (
        provider,
        "qwen3",
        expected_url,
        None,
    )
    assert pack.destination == ModelDestination(provider, expected_url)


def test_a_missing_extra_is_reported_with_its_pip_command() -> None:
    def without(missing: str) -> Any:
        def find(name: str) -> ModuleSpec | None:
            return None if name == missing else ModuleSpec(name, None)

        return find

    with pytest.raises(ModelUnavailable) as caught:
        check_provider_installed("anthropic", without("anthropic"))
    assert str(caught.value) == (
        "the anthropic provider needs the anthropic package: "
        "pip install 'exec-assistant[anthropic]'"
    )
    with pytest.raises(ModelUnavailable, match=r"needs the strands-agents package: pip install "):
        check_provider_installed("bedrock", without("strands"))
    with pytest.raises(ModelUnavailable, match=r"the ollama package: .*exec-assistant\[ollama\]"):
        check_provider_installed("ollama", without("ollama"))
    with pytest.raises(ModelUnavailable, match=r"the openai package: .*exec-assistant\[openai\]"):
        check_provider_installed("openai", without("openai"))


def test_installed_providers_pass_the_check() -> None:
    for provider in ("offline", "bedrock", "anthropic", "openai", "ollama", "llamacpp"):
        check_provider_installed(provider)


def test_the_check_imports_no_sdk() -> None:
    looked_up: list[str] = []

    def find(name: str) -> ModuleSpec | None:
        looked_up.append(name)
        return ModuleSpec(name, None)

    check_provider_installed("anthropic", find)
    assert looked_up == ["strands", "anthropic"]


@pytest.mark.parametrize(("provider", "variable"), [("anthropic", "ANTHROPIC_API_KEY")])
def test_a_missing_api_key_names_its_variable(provider: str, variable: str) -> None:
    with pytest.raises(ModelUnavailable) as caught:
        check_model_usable(choice(provider, "https://api.anthropic.com"), EnvSecretStore({}))
    assert caught.value.message == (
        f"the {provider} provider at https://api.anthropic.com needs an API key: set {variable}"
    )


def test_openai_needs_a_key_unless_its_server_is_on_this_machine() -> None:
    remote = choice("openai", "https://api.openai.com/v1")
    with pytest.raises(ModelUnavailable, match="set OPENAI_API_KEY"):
        api_key(remote, EnvSecretStore({}))
    assert api_key(remote, EnvSecretStore({"OPENAI_API_KEY": "sk-1"})) == "sk-1"
    local = choice("openai", "http://localhost:8000/v1")
    assert api_key(local, EnvSecretStore({})) == LOCAL_SERVER_API_KEY
    assert api_key(local, EnvSecretStore({"OPENAI_API_KEY": "sk-1"})) == "sk-1"


def test_an_empty_or_blank_key_is_no_key() -> None:
    for value in ("", "   ", "\n"):
        with pytest.raises(ModelUnavailable, match="ANTHROPIC_API_KEY"):
            api_key(choice("anthropic"), EnvSecretStore({"ANTHROPIC_API_KEY": value}))
    assert EnvSecretStore({"ANTHROPIC_API_KEY": " sk-ant-1\n"}).get("ANTHROPIC_API_KEY") == (
        "sk-ant-1"
    )


def test_keyless_providers_need_no_secret() -> None:
    for provider in ("bedrock", "ollama", "llamacpp"):
        assert api_key(choice(provider, "http://10.0.0.5:8080"), EnvSecretStore({})) is None


def test_prompt_caching_is_offered_by_bedrock_and_anthropic_only() -> None:
    providers = ("bedrock", "anthropic", "openai", "ollama", "llamacpp")
    assert {p for p in providers if supports_prompt_cache(choice(p))} == {"bedrock", "anthropic"}


def test_choosing_a_model_does_not_load_strands() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import exec_assistant.agents.models, exec_assistant.agents.throttling, sys; "
            "print('strands' in sys.modules, 'anthropic' in sys.modules, 'boto3' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )
    assert loaded.stdout.split() == ["False", "False", "False"]


@pytest.mark.parametrize(
    "url",
    [
        "garbage",
        "file:///etc/passwd",
        "http://",
        "http://exa mple.com/v1",  # a space: no server has that name
        "http://127.0.0.1:8000\n/v1",  # a line break inside
        "http://[::1",  # an unclosed IPv6 address
        "http://127.0.0.1:99999/v1",  # no such port
    ],
)
def test_a_base_url_that_is_not_a_server_address_is_refused_by_name(url: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        settings(model_provider="openai", model_id="m", model_base_url=url)
    message = str(caught.value)
    assert "is not an http(s) URL" in message
    assert "Invalid IPv6" not in message and "Port out of range" not in message
