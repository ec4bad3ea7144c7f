"""One agent turn: a structured answer, what it used and cost, and a deadline it keeps."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel
from strands import tool

from exec_assistant.agents.runner import MAX_CALL_TOKENS, AgentRunner, ModelCallFailed, ModelSlot
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.usage import ModelPrice, PriceTable

from scripted_model import Call, Hang, Raise, ScriptedModel, Usage, answer

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
PRICES = PriceTable({"claude-sonnet-4-6": ModelPrice(input=3, output=15, cache_read=0.3)})


class Verdict(BaseModel):
    summary: str
    count: int


def _runner(model: ScriptedModel, model_id: str = "claude-sonnet-4-6") -> AgentRunner:
    return AgentRunner(ModelSlot("anthropic", model_id, lambda: model), PRICES, FixedClock(NOW))


def test_a_turn_with_a_tool_round_trip_gives_the_answer_and_its_cost() -> None:
    @tool
    def budget_facts() -> str:
        """The budget's facts."""
        return "Opex is 4% over plan"

    model = ScriptedModel(
        [Call("budget_facts", {}), answer(Verdict(summary="over plan", count=4))],
        Usage(input_tokens=1000, output_tokens=200, cache_read_tokens=500),
    )
    runner = _runner(model)
    agent = runner.agent(
        [{"text": "You prepare meetings."}], tools=[budget_facts], deadline=time.monotonic() + 10
    )
    got = runner.ask(agent, "Prepare", Verdict, purpose="pack", deadline=time.monotonic() + 10)

    assert got.output == Verdict(summary="over plan", count=4)
    assert "Opex is 4% over plan" in model.requests[1].text()
    call = got.call
    assert (call.input_tokens, call.output_tokens, call.cache_read_tokens) == (2000, 400, 1000)
    # 2000 × $3 + 400 × $15 + 1000 × $0.30, per million
    assert call.cost_usd == pytest.approx(0.0123)
    assert (call.purpose, call.provider, call.model_id, call.outcome) == (
        "pack",
        "anthropic",
        "claude-sonnet-4-6",
        "ok",
    )
    assert call.at == NOW


def test_a_model_without_a_price_has_no_cost() -> None:
    model = ScriptedModel([answer(Verdict(summary="s", count=1))])
    runner = _runner(model, model_id="llama3.1:8b")
    agent = runner.agent([{"text": "s"}], deadline=time.monotonic() + 10)
    got = runner.ask(agent, "go", Verdict, purpose="notes", deadline=time.monotonic() + 10)
    assert got.call.cost_usd is None
    assert got.call.input_tokens == 1000


def test_a_hung_model_is_given_up_at_the_deadline() -> None:
    model = ScriptedModel([Hang()])
    runner = _runner(model)
    agent = runner.agent([{"text": "s"}], deadline=time.monotonic() + 0.5)
    started = time.monotonic()
    with pytest.raises(ModelCallFailed) as failed:
        runner.ask(agent, "go", Verdict, purpose="pack", deadline=time.monotonic() + 0.5)
    assert time.monotonic() - started < 2
    assert "gave no answer within" in failed.value.reason
    assert failed.value.call.outcome == "failed"


def test_a_model_error_is_reported_with_what_the_call_used() -> None:
    model = ScriptedModel([Raise(ConnectionError("connection refused"))])
    runner = _runner(model)
    agent = runner.agent([{"text": "s"}], deadline=time.monotonic() + 10)
    with pytest.raises(ModelCallFailed) as failed:
        runner.ask(agent, "go", Verdict, purpose="pack", deadline=time.monotonic() + 10)
    assert "connection refused" in failed.value.reason
    assert failed.value.call.outcome == "failed"


def test_no_time_left_makes_no_call() -> None:
    model = ScriptedModel([answer(Verdict(summary="s", count=1))])
    runner = _runner(model)
    agent = runner.agent([{"text": "s"}], deadline=time.monotonic())
    with pytest.raises(ModelCallFailed):
        runner.ask(agent, "go", Verdict, purpose="pack", deadline=time.monotonic() - 1)
    assert model.requests == []


@pytest.mark.parametrize(
    ("reported", "counted"),
    [
        (10**400, MAX_CALL_TOKENS),  # too large for a float: the cost would not be computable
        (10**30, MAX_CALL_TOKENS),  # no call reads a nonillion tokens
        (-5000, 0),  # a negative count would take from the month's cost
    ],
    ids=["beyond-a-float", "a-nonillion", "negative"],
)
def test_a_token_count_no_call_can_have_is_counted_within_bounds(
    reported: int, counted: int
) -> None:
    model = ScriptedModel(
        [answer(Verdict(summary="ok", count=1))],
        Usage(input_tokens=reported, output_tokens=reported, cache_read_tokens=reported),
    )
    runner = _runner(model)
    agent = runner.agent([{"text": "You prepare."}], deadline=time.monotonic() + 10)
    got = runner.ask(agent, "Prepare", Verdict, purpose="pack", deadline=time.monotonic() + 10)

    call = got.call
    assert (call.input_tokens, call.output_tokens, call.cache_read_tokens) == (counted,) * 3
    assert call.cost_usd is not None and 0 <= call.cost_usd < 1e6
