"""The monthly estimate of a stack: each line's arithmetic, the spec's configuration, the
production stack and what the cheaper one gives up."""

from __future__ import annotations

from pathlib import Path

import pytest

from exec_assistant.configuration import load_aws_prices, load_meeting_types, load_model_prices
from exec_assistant.costing.estimate import (
    HAIKU,
    SPEC_TOTAL,
    TARGET,
    Prices,
    cost_report,
    estimate,
    savings,
)
from exec_assistant.costing.usage import (
    CALENDAR_TICKS_PER_MONTH,
    SPEC_MODEL_CALLS,
    UsageAssumptions,
    answers_per_meeting,
    monthly_usage,
    prep_path,
    transitions_per_prep,
)
from exec_assistant.stack_settings import StackSettings, settings_of_stack_file

INFRA = Path(__file__).resolve().parents[2] / "infra"
PRICES = Prices(load_aws_prices(), load_model_prices(None)[0])
ANSWERS = answers_per_meeting(load_meeting_types(None)[0])
SPEC_SHAPE = StackSettings(
    interface_endpoints=(), deployment_config="all-at-once", replicate_to_dr=False
)
"""The spec's cost table: two NAT gateways and no interface endpoints, Sonnet throughout."""
SPEC_USAGE = UsageAssumptions(model_calls=SPEC_MODEL_CALLS, prompt_cache=False, arm64=False)


def prod() -> StackSettings:
    return settings_of_stack_file(INFRA / "Pulumi.prod.yaml")


def test_the_specification_shape_lands_near_its_own_estimate() -> None:
    bill = estimate(SPEC_SHAPE, PRICES, ANSWERS, SPEC_USAGE)
    # The spec's two big lines at list prices: two NAT gateways all month, and 100 meetings
    # of prep 10K/5K, ten context queries 5K/2K and notes 8K/3K on Claude 3.5 Sonnet.
    assert bill.of_service("VPC") == pytest.approx(2 * 730 * 0.045, abs=0.05)
    assert bill.of_service("Bedrock") == pytest.approx(
        100
        * (10_000 * 3 + 5_000 * 15 + 10 * (5_000 * 3 + 2_000 * 15) + 8_000 * 3 + 3_000 * 15)
        / 1_000_000
    )
    # Lower than ~$176: the spec's table puts $90 on two NAT gateways and $4 on 100 GB-s of
    # Lambda, more than the list prices give.
    assert 0.7 * SPEC_TOTAL < bill.total < SPEC_TOTAL


def test_every_line_is_its_quantity_at_its_unit_price() -> None:
    bill = estimate(prod(), PRICES, ANSWERS)
    for line in bill.lines:
        assert line.monthly == pytest.approx(line.quantity * line.unit_price / line.per)
    assert bill.total == pytest.approx(sum(line.monthly for line in bill.lines))
    nat = bill.line("VPC", "NAT gateways (2)")
    assert (nat.quantity, nat.unit_price) == (1460, 0.045)
    assert nat.monthly == pytest.approx(65.70)
    endpoints = bill.line("VPC", "endpoints (8 x 2 AZ)")
    assert endpoints.monthly == pytest.approx(8 * 2 * 730 * 0.01)


def test_a_prep_is_billed_for_the_states_it_passes_and_the_branches_it_runs() -> None:
    path = prep_path()
    assert transitions_per_prep(path) == 19
    usage = monthly_usage(100, ANSWERS, UsageAssumptions())
    assert usage.transitions == 1900
    assert usage.invocations["calendar_monitor"] == CALENDAR_TICKS_PER_MONTH
    assert usage.invocations["meeting_prep_agent"] == 100
    assert usage.invocations["budget_context"] == 100
    bill = estimate(prod(), PRICES, ANSWERS)
    assert bill.line("Step Functions", "state transitions").monthly == pytest.approx(0.0475)


def test_the_production_stack_as_specified_costs_more_than_the_target() -> None:
    bill = estimate(prod(), PRICES, ANSWERS)
    assert bill.of_service("VPC") > TARGET * 3
    assert bill.total > SPEC_TOTAL


def test_production_for_100_meetings_gets_under_60_with_the_sensible_set() -> None:
    report = cost_report("prod", prod(), PRICES, ANSWERS)
    assert report.sensible.total < TARGET
    assert report.vpc_kept is not None and report.vpc_kept.total < TARGET
    marked = [s.change for s in report.savings if s.in_sensible_set]
    assert "exec-assistant:vpc false" in marked
    every = {s.change: s for s in report.savings}
    assert every["exec-assistant:natGateways 1"].monthly_saving == pytest.approx(32.85)
    assert all(s.trade_off for s in report.savings)


def test_a_haiku_context_model_is_offered_where_the_context_runs_on_the_main_model() -> None:
    sonnet_only = prod().model_copy(update={"context_model_id": None})
    offered = {s.change: s for s in savings(sonnet_only, PRICES, ANSWERS)}
    haiku = offered[f"exec-assistant:contextModelId {HAIKU}"]
    # The notes (8K/3K) and the context summaries move from $3/$15 to $0.25/$1.25.
    assert haiku.monthly_saving > 3
    assert f"exec-assistant:contextModelId {HAIKU}" not in {
        s.change for s in savings(prod(), PRICES, ANSWERS)
    }


def test_arm64_and_prompt_caching_are_counted_as_already_saving() -> None:
    report = cost_report("prod", prod(), PRICES, ANSWERS)
    saved = {b.what: b.monthly_saving for b in report.built_in}
    assert saved["arm64 functions (Graviton)"] > 0
    assert saved["prompt caching of the pack's prompt"] > 0


def test_a_stack_without_a_vpc_pays_for_no_nat_or_endpoints() -> None:
    bill = estimate(prod().model_copy(update={"vpc": False}), PRICES, ANSWERS)
    assert bill.of_service("VPC") == 0
    assert bill.of_service("Data transfer") > 0


def test_the_stacks_model_ids_are_priced() -> None:
    for stack in ("dev", "stage", "prod", "dr"):
        settings = settings_of_stack_file(INFRA / f"Pulumi.{stack}.yaml")
        for model_id in (settings.model_id, settings.agent_context_model_id):
            assert PRICES.models.price_of(model_id) is not None, (stack, model_id)


def test_more_meetings_cost_more_and_the_fixed_costs_stay() -> None:
    few = estimate(prod(), PRICES, ANSWERS)
    many = estimate(prod().model_copy(update={"meetings_per_month": 1000}), PRICES, ANSWERS)
    assert many.of_service("Bedrock") == pytest.approx(10 * few.of_service("Bedrock"))
    assert many.of_service("VPC") == pytest.approx(few.of_service("VPC"), rel=0.01)
