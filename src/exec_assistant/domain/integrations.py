"""What `exec-assistant doctor` reports of one integration: a check, its outcome, the fix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CheckStatus(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not checked: an earlier check of the same integration failed (no credentials, say)."""


@dataclass(frozen=True)
class IntegrationCheck:
    integration: str
    """What is checked, as the user configured it: "google:primary", "pagerduty", "slack"."""
    check: str
    """Which check: credentials, reachable, scopes, clock, permissions."""
    status: CheckStatus
    detail: str
    """What was found, in a sentence; never a secret's value."""
    fix: str | None = None
    """What to do about a warning or a failure."""
