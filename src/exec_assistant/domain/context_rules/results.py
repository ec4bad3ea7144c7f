"""What every source's rules share: scoping rows to a 1:1's attendees, and the result itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.context_rules.formatting import one_line

_Row = TypeVar("_Row")


def scoped(
    rows: Sequence[_Row], owner: Callable[[_Row], str], request: ContextRequest
) -> list[_Row]:
    """All rows for the organisation; for people (a 1:1) only those they own, by email in any
    case ("Ana@Example.com" owns what "ana@example.com" owns)."""
    if request.scope == "organisation":
        return list(rows)
    people = {email.casefold() for email in request.people}
    return [row for row in rows if owner(row).casefold() in people]


def nothing_to_report(
    provider: str, request: ContextRequest, data: dict[str, Any], *, owned: str, listed: str
) -> ContextResult:
    """An available result: "nothing to report" is itself worth saying in the prep pack.

    `owned` is said for a 1:1 ("None of the teams is managed by the attendees."), `listed` for
    the organisation ("staffing.yaml lists no teams.").
    """
    fact = owned if request.scope == "people" else listed
    return context_result(provider, facts=(fact,), data=data)


def context_result(
    provider: str,
    *,
    facts: Iterable[str],
    highlights: Iterable[str] = (),
    questions: Iterable[str] = (),
    data: dict[str, Any],
) -> ContextResult:
    """The result, every sentence on one line whatever the rows' text held."""
    return ContextResult(
        provider=provider,
        facts=tuple(one_line(fact) for fact in facts),
        highlights=tuple(one_line(highlight) for highlight in highlights),
        questions=tuple(one_line(question) for question in questions),
        data=data,
    )


def extended(
    result: ContextResult,
    *,
    facts: Iterable[str] = (),
    highlights: Iterable[str] = (),
    questions: Iterable[str] = (),
    data: dict[str, Any] | None = None,
) -> ContextResult:
    """`result` with more sentences after its own (one line each) and more figures in its data:
    what an API adds to the rows it shares with a file (a cloud account's spend beside its
    budgets)."""
    return result.model_copy(
        update={
            "facts": (*result.facts, *(one_line(fact) for fact in facts)),
            "highlights": (*result.highlights, *(one_line(h) for h in highlights)),
            "questions": (*result.questions, *(one_line(q) for q in questions)),
            "data": {**result.data, **(data or {})},
        }
    )
