"""Context summarised to facts on the cheaper model before it reaches the pack prompt."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from exec_assistant.agents.context_digest import ContextDigester, SourceSummary
from exec_assistant.agents.runner import AgentRunner, ModelSlot
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.context import ContextResult
from exec_assistant.domain.usage import ModelPrice, PriceTable

from scripted_model import ScriptedModel, answer

PRICES = PriceTable({"claude-haiku-4-5": ModelPrice(input=1, output=5)})
STAFFING = ContextResult(
    provider="staffing",
    facts=tuple(f"Team {n} has {n + 3} engineers and {n} open roles." for n in range(1, 11)),
)


def _digester(model: ScriptedModel) -> ContextDigester:
    slot = ModelSlot("anthropic", "claude-haiku-4-5", lambda: model)
    clock = FixedClock(datetime(2026, 12, 1, tzinfo=UTC))
    return ContextDigester(AgentRunner(slot, PRICES, clock))


def test_a_long_source_without_highlights_is_condensed_by_the_summary_model() -> None:
    summary = SourceSummary(facts=["Team 10 has 13 engineers and 10 open roles."])
    model = ScriptedModel([answer(summary)])
    got = _digester(model).digest([STAFFING], deadline=time.monotonic() + 5)

    assert got.digests["staffing"][0] == "Team 10 has 13 engineers and 10 open roles."
    assert "context_facts('staffing')" in got.digests["staffing"][-1]
    assert [(c.purpose, c.model_id, c.outcome) for c in got.calls] == [
        ("context_summary", "claude-haiku-4-5", "ok")
    ]
    assert "Team 7 has 10 engineers" in model.requests[0].text()


def test_a_summary_with_a_figure_the_source_lacks_is_not_used() -> None:
    model = ScriptedModel([answer(SourceSummary(facts=["Team 10 has 40 open roles."]))])
    got = _digester(model).digest([STAFFING], deadline=time.monotonic() + 5)
    assert "staffing" not in got.digests
    assert [c.outcome for c in got.calls] == ["rejected"]


def test_short_sources_and_those_with_highlights_cost_no_call() -> None:
    model = ScriptedModel([])
    short = ContextResult(provider="budget", facts=("Compute is 12% over.",))
    flagged = STAFFING.model_copy(update={"highlights": ("Team 10 has 10 open roles.",)})
    got = _digester(model).digest([short, flagged], deadline=time.monotonic() + 5)
    assert got.digests == {} and got.calls == () and model.requests == []
