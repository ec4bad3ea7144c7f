"""The wait an HTTP server asks for in `Retry-After`: a number of seconds or an HTTP date."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After: 120` → 120.0; `Retry-After: Wed, 02 Dec 2026 10:00:05 GMT` at 10:00:00
    → 5.0 (a date already past → 0.0); None when there is no header or it cannot be read.
    `now` is the wall clock the date is measured from (the present by default)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
        when = parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
    return None
