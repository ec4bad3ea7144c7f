"""`doctor` for a kind of context read from its exported file: present, and readable by the
same code a prep uses."""

from __future__ import annotations

from datetime import timedelta

from exec_assistant.context.files import ContextFileMissing
from exec_assistant.domain.context import ContextRequest
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck
from exec_assistant.ports import Clock, ContextProvider


class FileContextDoctor:
    """Reads the export the way a prep would, for an organisation-wide meeting tomorrow."""

    def __init__(self, kind: str, provider: ContextProvider, clock: Clock) -> None:
        self._kind = kind
        self._provider = provider
        self._clock = clock

    @property
    def name(self) -> str:
        return self._kind

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        now = self._clock.now()
        request = ContextRequest(
            meeting_id="doctor",
            series_id="doctor",
            meeting_type="doctor",
            title="doctor",
            start=now + timedelta(days=1),
            now=now,
        )
        try:
            result = self._provider.gather(request)
        except ContextFileMissing as exc:
            return [
                IntegrationCheck(
                    self.name,
                    "file",
                    CheckStatus.WARNING,
                    f"not set up: {exc}",
                    fix="Export it there, or name its system in context.yaml (until then "
                    "packs say it is unavailable).",
                )
            ]
        except Exception as exc:  # what a prep would report as unavailable
            return [
                IntegrationCheck(
                    self.name,
                    "file",
                    CheckStatus.FAILED,
                    str(exc)[:300] or type(exc).__name__,
                    fix="Fix the file as the message says; packs report it unavailable meanwhile.",
                )
            ]
        return [
            IntegrationCheck(self.name, "file", CheckStatus.OK, f"read: {len(result.facts)} facts")
        ]
