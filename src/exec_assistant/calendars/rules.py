"""Recurrence rules the expanders cannot be trusted with."""

from __future__ import annotations

from typing import Any


def rule_problem(rule: Any) -> str | None:
    """What the expander would choke on rather than report: INTERVAL=0 never ends, and a
    meeting every second or minute floods two weeks with up to a million instances."""
    for frequency in rule.get("FREQ", []):
        if str(frequency).upper() in ("SECONDLY", "MINUTELY"):
            return f"FREQ={str(frequency).upper()} is not a meeting schedule"
    for interval in rule.get("INTERVAL", []):
        try:
            if int(interval) < 1:
                return f"INTERVAL must be 1 or more, not {interval}"
        except (TypeError, ValueError):
            return f"INTERVAL must be a whole number, not {interval!r}"
    return None
