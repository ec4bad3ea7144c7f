"""Benchmark: what the Meeting Coordinator's pack prompt costs, meeting by meeting.

What it measures
----------------
It plays the example fortnight (the demo's calendar, context and answers, from the demo's
start) through the real code path up to the pack: settings, `build_local` on a fresh data
folder, `sync_calendars`, then for every meeting that gets a prep the workflow's states as
the engine runs them (ClassifyMeeting, SendPrepNotification with the example answers, each
GatherContext branch) and `PrepSteps.pack_inputs`, which is what GenerateMaterials hands the
agent. For each it builds the agent's first request exactly as the coordinator does: the
system blocks (rules, the type's template, a cache point), the meeting prompt (context
digested to facts), and the tool specs (the three research tools and the DraftPack output
tool).

Tokens. No Claude tokenizer runs offline, so the count is Strands' documented estimate
(`Model.count_tokens` of the base class: characters / 4 for text, characters / 2 for JSON
such as tool specs), which errs high on JSON. Expected output: the offline pack of the same
meeting written as a DraftPack tool call, counted the same way (JSON, characters / 2): a
model's pack is about as long.

Cost at the configured prices of the model (default `claude-sonnet-4-6`, the shipped
table): "uncached" pays every input token at the input price; "cached" pays the stable part
(rules, template, tool specs) at the cache-read price for every meeting of a type after the
first in the run (which pays the cache-write price), as the provider's prompt cache does
within its lifetime. One request per prep: a tool round trip or a correction adds one more.

Target, per prep: under 4,000 input tokens and under $0.04 (the specification estimates
10K input + 5K output, $0.11 a meeting). Exit status 0 when every prep meets it, 1 if not.

Run:  .venv/bin/python bench/prompt_budget.py [--model-id claude-sonnet-4-6]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from strands.models.model import Model
from strands.tools.structured_output.structured_output_utils import (
    convert_pydantic_to_tool_spec,
)

from exec_assistant.agents.context_digest import default_digests
from exec_assistant.agents.coordinator import DraftPack, PackResearch
from exec_assistant.agents.pack_prompt import meeting_prompt, system_blocks
from exec_assistant.bootstrap import build_local, build_prep_dependencies
from exec_assistant.channels.answering import AnsweringChannel
from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.channels.outbox import OutboxChannel
from exec_assistant.cli.demo_command import load_plan, shipped_examples
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.models import MeetingStatus
from exec_assistant.domain.prep_pack import PackInputs, build_offline_pack
from exec_assistant.domain.prep_steps import ContextSourceRequest, MaterialsRequest
from exec_assistant.services.prep import PrepSteps
from exec_assistant.services.preps import prep_request
from exec_assistant.services.sync_calendars import sync_calendars
from exec_assistant.settings import load_settings
from exec_assistant.workflows.spec import CONTEXT_BRANCHES

INPUT_TARGET = 4_000
COST_TARGET = 0.04


class _Estimator(Model):
    """Strands' base-class token estimate, with nothing to call."""

    def update_config(self, **model_config: Any) -> None:
        pass

    def get_config(self) -> Any:
        return {}

    def structured_output(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def _count(system: list[Any], prompt: str | None, tool_specs: list[Any]) -> int:
    messages: list[Any] = [{"role": "user", "content": [{"text": prompt}]}] if prompt else []
    return asyncio.run(
        _Estimator().count_tokens(messages, tool_specs or None, system_prompt_content=system)
    )


def _draft_of(inputs: PackInputs) -> str:
    pack = build_offline_pack(inputs)
    draft = DraftPack.model_validate(
        {
            "agenda": [
                {"title": a.title, "minutes": a.minutes, "purpose": a.purpose, "notes": a.notes}
                for a in pack.agenda
            ],
            "questions": list(pack.questions),
            "decisions_needed": list(pack.decisions_needed),
        }
    )
    return draft.model_dump_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-id", default="claude-sonnet-4-6")
    args = parser.parse_args()

    examples = shipped_examples()
    plan = load_plan(examples)
    now = datetime.fromisoformat(plan.now)
    with tempfile.TemporaryDirectory(prefix="prompt-budget-") as home:
        settings, _ = load_settings(
            {
                "home": Path(home),
                "user_email": plan.executive,
                "timezone": plan.timezone,
                "calendars": [str(plan.calendar)],
                "context_dir": plan.context,
            }
        )
        local = build_local(settings, command="bench", exclusive=True)
        try:
            return _measure(local, plan, now, args.model_id)
        finally:
            local.close()


def _measure(local: Any, plan: Any, now: datetime, model_id: str) -> int:
    clock = FixedClock(now)
    sync_calendars(
        local.calendar_sources(),
        local.meetings,
        local.overrides,
        local.config.catalog,
        local.config.rules,
        local.executive,
        now,
        local.settings.lookahead_days,
        calendar_states=local.calendar_states,
    )
    outbox = OutboxChannel(local.data.path / "outbox.jsonl", clock)
    channel = AnsweringChannel(outbox, AnswersFile(plan.answers))
    deps = build_prep_dependencies(local, channel, clock)
    steps = PrepSteps(deps)
    price = local.config.prices.price_of(model_id)
    if price is None:
        print(f"no price for {model_id} in the price table", file=sys.stderr)
        return 2
    read = price.input if price.cache_read is None else price.cache_read
    write = price.input if price.cache_write is None else price.cache_write

    meetings = local.meetings.list_between(now, now.replace(year=now.year + 1))
    rows = []
    cached_types: set[str] = set()
    for meeting in meetings:
        if meeting.status in (MeetingStatus.SKIPPED, MeetingStatus.CANCELLED):
            continue
        request = prep_request(meeting)
        if not steps.classify_meeting(request).proceed:
            continue
        steps.send_prep_notification(request)
        refs = [
            steps.gather_context_source(ContextSourceRequest(**request.model_dump(), provider=p))
            for p in CONTEXT_BRANCHES
        ]
        inputs = steps.pack_inputs(MaterialsRequest(**request.model_dump(), context=refs))
        if isinstance(inputs, str):
            continue
        research = PackResearch(inputs, local.meetings, local.action_items, local.documents)
        tools = [
            research.context_facts.tool_spec,
            research.last_notes.tool_spec,
            research.open_items_of.tool_spec,
            convert_pydantic_to_tool_spec(DraftPack),
        ]
        system = system_blocks(inputs.meeting_type, cache=True)
        prompt = meeting_prompt(inputs, default_digests(inputs.context))
        total = _count(system, prompt, tools)
        stable = _count(system, None, tools)
        output = _json_tokens(_draft_of(inputs))
        uncached = (total * price.input + output * price.output) / 1e6
        first = inputs.meeting_type.id not in cached_types
        cached_types.add(inputs.meeting_type.id)
        stable_price = write if first else read
        cached = (total - stable) * price.input + stable * stable_price + output * price.output
        rows.append(
            (
                meeting.start.astimezone(local.settings.zone),
                meeting.title,
                inputs.meeting_type.id,
                total,
                stable,
                output,
                uncached,
                cached / 1e6,
            )
        )
    return _report(rows, model_id)


def _json_tokens(text: str) -> int:
    return -(-len(text) // 2)


def _report(rows: list[tuple[Any, ...]], model_id: str) -> int:
    print(f"Pack prompt per meeting of the example fortnight, at {model_id} prices")
    print("(tokens: Strands' estimate; see the docstring)\n")
    print(
        f"{'when':<12} {'meeting':<28} {'input':>6} {'stable':>6} {'output':>6} "
        f"{'cost':>8} {'cached':>8}"
    )
    for when, title, _type, total, stable, output, uncached, cached in rows:
        short = title if len(title) <= 28 else title[:27] + "…"
        print(
            f"{when:%a %d %H:%M} {short:<28} {total:>6,} {stable:>6,} {output:>6,} "
            f"${uncached:>7.4f} ${cached:>7.4f}"
        )
    count = len(rows)
    if not count:
        print("no meeting to prepare")
        return 1
    inputs = sum(r[3] for r in rows)
    outputs = sum(r[5] for r in rows)
    uncached_total = sum(r[6] for r in rows)
    cached_total = sum(r[7] for r in rows)
    print(
        f"\n{count} preps: {inputs:,} input and {outputs:,} output tokens; "
        f"${uncached_total:.4f} uncached, ${cached_total:.4f} with the prompt cache"
    )
    print(
        f"per prep: {inputs / count:,.0f} input, {outputs / count:,.0f} output tokens, "
        f"${uncached_total / count:.4f} (${cached_total / count:.4f} cached)"
    )
    worst_input = max(r[3] for r in rows)
    worst_cost = max(r[6] for r in rows)
    spec = 0.11
    print(
        f"largest prep: {worst_input:,} input tokens, ${worst_cost:.4f}; "
        f"targets {INPUT_TARGET:,} and ${COST_TARGET:.2f}; the specification's estimate "
        f"${spec:.2f} is {spec / (uncached_total / count):.1f}x the average"
    )
    met = worst_input < INPUT_TARGET and worst_cost < COST_TARGET
    print("target met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
