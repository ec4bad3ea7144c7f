"""What `exec-assistant doctor` reports of one integration: a check, its outcome, the fix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
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


CLOCK_SKEW_WARNING = timedelta(minutes=2)
"""More than this between the server's clock and ours: tokens may read as expired or not yet
valid, and "meetings in the next two hours" come out wrong."""


def clock_check(integration: str, date_header: str | None, now: datetime) -> IntegrationCheck:
    """The skew between our clock and the server's, from its answer's `Date` header."""
    if not date_header:
        return IntegrationCheck(
            integration, "clock", CheckStatus.SKIPPED, "the server sent no Date header"
        )
    try:
        theirs = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return IntegrationCheck(
            integration, "clock", CheckStatus.SKIPPED, "the server's Date header is unreadable"
        )
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=UTC)
    skew = (now - theirs).total_seconds()
    shown = f"{abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the server"
    if abs(skew) <= CLOCK_SKEW_WARNING.total_seconds():
        return IntegrationCheck(
            integration,
            "clock",
            CheckStatus.OK,
            f"this machine's clock is {shown}, close enough"
            if abs(skew) >= 1
            else "this machine's clock agrees with the server's",
        )
    return IntegrationCheck(
        integration,
        "clock",
        CheckStatus.WARNING,
        f"this machine's clock is {shown}",
        fix="Turn on time synchronisation (NTP), e.g. `timedatectl set-ntp true`.",
    )
