"""Big rocks (strategic initiatives): at-risk work, and unfinished work due soon, need attention.

The same rules for any source of initiatives (a planning export, Jira).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules.formatting import (
    day,
    iso,
    number,
    relative_days,
    status_text,
)
from exec_assistant.domain.context_rules.results import context_result, nothing_to_report, scoped
from exec_assistant.domain.context_rules.rows import SourceRow, Text
from exec_assistant.domain.meeting_types import ContextProviderName
from exec_assistant.domain.text import plural

PROVIDER: ContextProviderName = "big_rocks"

RockStatus = Literal["not_started", "on_track", "at_risk", "off_track", "done"]
ROCK_STATUSES: tuple[RockStatus, ...] = ("not_started", "on_track", "at_risk", "off_track", "done")
"""In the order the status counts are told."""


class BigRock(SourceRow):
    name: Text
    owner: Text
    status: RockStatus
    progress_percent: Annotated[float, Field(strict=True, ge=0, le=100)]
    due: date
    id: str | None = None
    risk: str | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _normalise_status(cls, value: object) -> object:
        # Owners type "At risk" or "off-track" by hand; a typo must fail, not go unhighlighted.
        return re.sub(r"[\s-]+", "_", value.strip().lower()) if isinstance(value, str) else value

    @property
    def label(self) -> str:
        """The id and the name (BR-1 Payments failover), or the name alone without an id."""
        return f"{self.id} {self.name}" if self.id else self.name


class BigRocksHeader(SourceRow):
    as_of: date | None = None
    """When the statuses were last updated."""


@dataclass(frozen=True)
class BigRockRules:
    """When a big rock needs the meeting's attention."""

    due_soon_days: int = 14
    """Unfinished rocks due within this many days (or overdue)..."""
    due_soon_min_progress: float = 80.0
    """...need attention when they are less than this percent complete."""
    risky_statuses: frozenset[RockStatus] = frozenset({"at_risk", "off_track"})

    def is_risky(self, rock: BigRock) -> bool:
        return rock.status in self.risky_statuses

    def is_due_soon(self, rock: BigRock, today: date) -> bool:
        """Unfinished, due within `due_soon_days` (or late), short of `due_soon_min_progress`:
        60% done and due in 10 days is; 90% done, or done, is not."""
        return (
            rock.status != "done"
            and (rock.due - today).days <= self.due_soon_days
            and rock.progress_percent < self.due_soon_min_progress
        )

    def needs_attention(self, rock: BigRock, today: date) -> bool:
        return self.is_risky(rock) or self.is_due_soon(rock, today)


BIG_ROCK_RULES = BigRockRules()


def big_rocks_result(
    header: BigRocksHeader,
    rocks: Sequence[BigRock],
    request: ContextRequest,
    *,
    source: str,
    rules: BigRockRules = BIG_ROCK_RULES,
) -> ContextResult:
    """Status counts and one fact per rock; those needing attention as highlights and questions.

    `source` names where the rows came from, for "big_rocks.yaml lists no big rocks.".
    """
    scope = scoped(rocks, lambda rock: rock.owner, request)
    today = request.now.date()
    data = big_rocks_data(header, scope, today)
    if not scope:
        return nothing_to_report(
            PROVIDER,
            request,
            data,
            owned="None of the big rocks is owned by the attendees.",
            listed=f"{source} lists no big rocks.",
        )
    flagged = [rock for rock in scope if rules.needs_attention(rock, today)]
    return context_result(
        PROVIDER,
        facts=(
            status_counts_fact(scope, header.as_of, today),
            *(rock_fact(rock, today) for rock in scope),
        ),
        highlights=(rock_highlight(rock, today, rules) for rock in flagged),
        questions=(rock_question(rock, today, rules) for rock in flagged),
        data=data,
    )


def big_rocks_data(header: BigRocksHeader, rocks: Sequence[BigRock], today: date) -> dict[str, Any]:
    counts = Counter(rock.status for rock in rocks)
    return {
        "as_of": iso(header.as_of),
        "total": len(rocks),
        "by_status": {status: counts[status] for status in ROCK_STATUSES if counts[status]},
        "initiatives": [
            {
                **rock.model_dump(mode="json"),
                "progress_percent": number(rock.progress_percent),
                "days_to_due": (rock.due - today).days,
            }
            for rock in rocks
        ],
    }


def status_counts_fact(rocks: Sequence[BigRock], as_of: date | None, today: date) -> str:
    """Counts by status: 5 big rocks (updated 27 Nov): 2 on track, 1 at risk, 1 done."""
    counts = Counter(rock.status for rock in rocks)
    parts = [f"{counts[s]} {status_text(s)}" for s in ROCK_STATUSES if counts[s]]
    updated = f" (updated {day(as_of, today)})" if as_of else ""
    return f"{plural(len(rocks), 'big rock')}{updated}: {', '.join(parts)}"


def rock_fact(rock: BigRock, today: date) -> str:
    """R-1 Alpha: at risk, 50% complete, due 9 Jan 2027 (in 40 days); owner ana@example.com."""
    # Owner last: names like "Observability cost reduction (-25%)" carry their own brackets.
    return (
        f"{rock.label}: {status_text(rock.status)}, "
        f"{number(rock.progress_percent)}% complete, due {day(rock.due, today)} "
        f"({relative_days((rock.due - today).days)}); owner {rock.owner}"
    )


def rock_highlight(rock: BigRock, today: date, rules: BigRockRules = BIG_ROCK_RULES) -> str:
    """Why the rock needs attention: its status, its date, or both."""
    due = f"due {day(rock.due, today)} ({relative_days((rock.due - today).days)})"
    progress = f"{number(rock.progress_percent)}% complete"
    if not rules.is_risky(rock):
        return f"{rock.label} is {due} and only {progress}"
    if rules.is_due_soon(rock, today):
        return f"{rock.label} is {status_text(rock.status)} and {due} at {progress}"
    return f"{rock.label} is {status_text(rock.status)}: {progress}, {due}"


def rock_question(rock: BigRock, today: date, rules: BigRockRules = BIG_ROCK_RULES) -> str:
    """Whether the date holds for a rock due soon; the risk and the plan for a risky one."""
    due = day(rock.due, today)
    if not rules.is_risky(rock):
        return (
            f"Will {rock.label} land by {due} at {number(rock.progress_percent)}% complete, "
            "or should the date move?"
        )
    status = status_text(rock.status)
    if not rock.risk:
        return f"{rock.label} is {status} with no risk recorded: what is the risk and the plan?"
    return f'{rock.label} is {status}: "{rock.risk}" What would get it back on track by {due}?'
