"""A source's `doctor` as steps in order, each within what is left of the deadline: the first
that fails is reported with its fix, and the ones after it are not tried (no credentials, no
point asking for permissions)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from exec_assistant.context.deadlines import all_within
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck

Step = tuple[str, Callable[[], list[IntegrationCheck]]]
"""The check's name ("credentials", "permissions"…) and what finds its outcome."""


def run_steps(
    integration: str,
    steps: Sequence[Step],
    deadline_seconds: float,
    *,
    default_fix: Callable[[str], str],
) -> list[IntegrationCheck]:
    """Every step's checks; a step raising ContextSourceUnavailable (or out of time) becomes
    one failed check, with the error's fix or `default_fix(reason)`, and the rest are
    skipped."""
    started = time.monotonic()
    checks: list[IntegrationCheck] = []
    for index, (check, step) in enumerate(steps):
        left = max(deadline_seconds - (time.monotonic() - started), 0.0)
        try:
            checks.extend(
                all_within(
                    {check: step},
                    left,
                    too_slow=lambda _c: f"no answer within {deadline_seconds:g} s",
                )[check]
            )
        except ContextSourceUnavailable as exc:
            checks.append(
                IntegrationCheck(
                    integration,
                    check,
                    CheckStatus.FAILED,
                    exc.reason,
                    fix=exc.fix or default_fix(exc.reason),
                )
            )
            checks.extend(
                IntegrationCheck(integration, later, CheckStatus.SKIPPED, "not checked")
                for later, _step in steps[index + 1 :]
            )
            break
    return checks


def usual_fix(reason: str) -> str:
    """What to do about a failure that carries no fix of its own."""
    if "throttling" in reason or "rate-limiting" in reason:
        return "Run doctor again in a minute; preps try again on their own."
    if "no answer" in reason or "cannot be reached" in reason:
        return "Check the network and proxy settings, or give doctor more time with --timeout."
    return "Packs say this context is unavailable until it is fixed."
