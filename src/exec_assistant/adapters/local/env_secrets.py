"""API keys and tokens from the environment (the SecretStore of a run on one machine)."""

from __future__ import annotations

from collections.abc import Mapping


class EnvSecretStore:
    """Secrets by variable name, read from `environ` (usually `os.environ`).

    An empty or blank variable counts as unset: `ANTHROPIC_API_KEY=` is no key. A key pasted
    with a trailing newline or spaces is read without them.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def get(self, name: str) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or None
