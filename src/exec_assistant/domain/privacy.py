"""Which model providers may read a private meeting's content."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

REMOTE_SUFFIX = "+remote"
DEFAULT_PRIVATE_PROVIDERS = ("bedrock", "offline", "ollama", "llamacpp", "openai")
"""Who may read a private meeting by default; openai, ollama and llamacpp only on this
machine."""
SERVER_PROVIDERS = frozenset({"openai", "ollama", "llamacpp"})
"""Providers that talk to a server at a base URL: on this machine, or not."""


@dataclass(frozen=True)
class ModelDestination:
    """Where a model's prompts go: the provider and, for a server, its base URL."""

    provider: str
    base_url: str | None = None

    @property
    def on_this_machine(self) -> bool:
        """True for offline, and for a server on a loopback address."""
        if self.provider == "offline":
            return True
        if not self.base_url:
            return False
        host = (urlsplit(self.base_url).hostname or "").lower()
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def describe(self) -> str:
        return f"{self.provider} at {self.base_url}" if self.base_url else self.provider


def private_refusal(destination: ModelDestination, allowed: Iterable[str]) -> str | None:
    """Why a private meeting's content may not go to `destination`; None when it may.

    `allowed` names providers; openai, ollama and llamacpp count only on this machine unless
    named with '+remote'.
    """
    names = {name.strip().lower() for name in allowed}
    provider = destination.provider
    if provider in SERVER_PROVIDERS:
        if provider + REMOTE_SUFFIX in names:
            return None
        if provider in names and destination.on_this_machine:
            return None
        if provider in names:
            return (
                f"private meetings go to {provider} only on this machine, and "
                f"{destination.base_url} is not (allow it with '{provider}{REMOTE_SUFFIX}' "
                "in private_providers)"
            )
    elif provider in names:
        return None
    listed = ", ".join(sorted(names)) or "none"
    return f"private meetings may not go to {provider} (private_providers: {listed})"
