"""What one month of the AWS deployment uses, per meeting and per month, from the product.

Counted from the code where the code decides it: the states one prep execution passes
(`workflows.spec.MEETING_PREP`), the function that answers each (`lambda_functions`), their
memory, the calendar poll every 2 hours, the prep questions of the meeting types (each answer
is a Slack request). Assumed where only a deployment would tell (how long a function runs,
how many tokens a call takes, how many bytes go where): each such figure is a field of
`UsageAssumptions` with the reason for its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import fmean
from typing import Literal

from exec_assistant.domain.meeting_types import MeetingTypeCatalog
from exec_assistant.lambda_functions import BY_KEY, function_for_state
from exec_assistant.workflows.spec import (
    CHECK_REMINDER,
    DONE,
    MEETING_PREP,
    State,
    StateKind,
    WorkflowSpec,
)

ModelRole = Literal["pack", "context"]
"""`pack`: the stack's `modelId`; `context`: its `contextModelId` (the summary model of the
agents: context summaries, the answer review, the notes)."""

CALENDAR_TICKS_PER_MONTH = 360
"""The calendar monitor's rule, cron(0 */2 * * ? *): 12 a day, 30 days."""


@dataclass(frozen=True)
class ModelCallProfile:
    """One kind of model call, as a meeting makes it."""

    purpose: str
    model: ModelRole
    calls_per_meeting: float
    input_tokens: int
    """Per call, the cached prefix included."""
    output_tokens: int
    cached_prefix_tokens: int = 0
    """The stable start of the prompt (tool definitions, rules, the type's template) that a
    provider with prompt caching writes on the first round and reads on each later one."""
    rounds: int = 1
    """Model round trips of the agent loop within the call (a tool use adds one)."""


PRODUCT_MODEL_CALLS = (
    # The spec's figure for a prep; three rounds: the draft, one tool call (a source's facts
    # or the series' last notes), the answer. The prefix is the DraftPack and research tool
    # definitions, the rules and the template (agents/pack_prompt.py, about 1,200 tokens).
    ModelCallProfile("pack", "pack", 1, 10_000, 5_000, cached_prefix_tokens=1_200, rounds=3),
    # A source with many facts and no highlights is condensed (agents/context_digest.py): its
    # facts are capped at 12,000 characters (about 3,000 tokens), the answer is 4 facts.
    ModelCallProfile("context summary", "context", 2, 3_300, 200),
    # The review of the answers for a vague one (agents/answer_review.py): short answers in,
    # a verdict out.
    ModelCallProfile("answer review", "context", 1, 1_500, 150),
    # The spec's post-meeting figure; the notes agent runs on the summary model.
    ModelCallProfile("notes", "context", 1, 8_000, 3_000),
)

SPEC_MODEL_CALLS = (
    # The specification's Bedrock section: prep 10K/5K, context 5K/2K ten times, post-meeting
    # 8K/3K, all on Claude 3.5 Sonnet, no caching.
    ModelCallProfile("pack", "pack", 1, 10_000, 5_000),
    ModelCallProfile("context query", "context", 10, 5_000, 2_000),
    ModelCallProfile("notes", "context", 1, 8_000, 3_000),
)

DEFAULT_DURATIONS_MS: Mapping[str, int] = {
    # A function waiting on DynamoDB, S3 or Slack: a few hundred milliseconds warm.
    "prep_trigger": 200,
    "meeting_classifier": 300,
    "slack_webhook": 400,
    "slack_send_notification": 800,
    "chat_session_manager": 200,
    "handle_timeout": 600,
    "budget_context": 500,
    "big_rocks_context": 500,
    "incidents_context": 500,
    "staffing_context": 500,
    "decisions_context": 500,
    "history_context": 500,
    "slack_send_materials": 800,
    "schedule_reminder": 300,
    "reminder": 600,
    "record_prep_failure": 200,
    # Reading 14 days of calendars and the stored fingerprints.
    "calendar_monitor": 4_000,
    # The pack: 5,000 output tokens at about 60 a second on a Sonnet-class model, most of
    # the time spent waiting for Bedrock.
    "meeting_prep_agent": 90_000,
    # The notes: 3,000 output tokens and the parser.
    "post_meeting": 45_000,
}


@dataclass(frozen=True)
class UsageAssumptions:
    """The figures a deployment would measure, at values a small organisation's would have."""

    model_calls: tuple[ModelCallProfile, ...] = PRODUCT_MODEL_CALLS
    prompt_cache: bool = True
    """The pack's prompt carries a cache point (Bedrock and Anthropic honour it)."""
    arm64: bool = True
    """The functions are packaged for arm64 (tools/package_lambdas.py)."""
    memory_mb: Mapping[str, int] = field(default_factory=dict)
    """A function's memory instead of the one in lambda_functions.py (right-sizing)."""
    duration_ms: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_DURATIONS_MS))
    slack_invocations_per_request: int = 2
    """A Slack request acks at once and runs its lazy listener in a second invocation."""
    dynamodb_reads_per_meeting: int = 40
    """Each of the ~15 functions a prep runs reads the meeting and its session or delivery
    record; the notes read the series' open items."""
    dynamodb_writes_per_meeting: int = 30
    """Status moves, the session, one delivery record per message, idempotency records (two
    writes per event handled once), the notes' action items and decisions."""
    dynamodb_reads_per_tick: int = 12
    """The 14-day window's fingerprints and the calendars' sync states."""
    dynamodb_writes_per_tick: int = 2
    s3_writes_per_meeting: int = 12
    """agenda.json/.md, questions.json, context.json, notes_template.md, notes.md,
    followup.json, and the agents' session files."""
    s3_reads_per_meeting: int = 30
    """The meeting types and notification rules per function start, the pack documents."""
    s3_reads_per_tick: int = 3
    document_kb_per_meeting: int = 80
    months_kept: int = 12
    """Documents and table items are kept a year (versioned; Glacier after 90 days is not
    counted, so storage is slightly overstated)."""
    table_kb_per_meeting: int = 8
    log_kb_per_invocation: float = 3
    """Powertools JSON lines at INFO plus Lambda's START/END/REPORT lines."""
    state_machine_log_kb_per_transition: float = 1
    aws_api_kb_per_invocation: float = 40
    """Requests to AWS services that have an interface endpoint (Bedrock, Secrets Manager,
    KMS, Logs, SNS, SQS, Step Functions, Scheduler), shared evenly between them."""
    internet_kb_per_meeting: float = 300
    """Slack's Web API (questions, pack, reminder) and the calendar providers."""
    calendar_kb_per_tick: float = 200
    web_requests_per_meeting: float = 5
    """Pages of the pack opened through CloudFront."""
    web_kb_per_request: float = 60
    failed_async_share: float = 0.01
    """Asynchronous invocations that end in a dead-letter queue."""
    backups_kept: int = 4
    """On-demand table backups before deploys, kept about a month."""


@dataclass(frozen=True)
class MonthlyUsage:
    """What the deployment does in a month."""

    meetings: int
    invocations: Mapping[str, float]
    """Per function key."""
    transitions: float
    slack_requests: float
    ticks: int = CALENDAR_TICKS_PER_MONTH

    @property
    def total_invocations(self) -> float:
        return sum(self.invocations.values())


def prep_path(spec: WorkflowSpec = MEETING_PREP) -> list[State]:
    """The states of a prep that goes the usual way on AWS: asked, answered in time, pack
    written and sent, the final reminder left to EventBridge Scheduler."""

    def decide(state: State) -> str:
        if state.name == CHECK_REMINDER:
            return DONE  # ReminderScheduled.scheduled: the Scheduler sends it, not the workflow
        if state.kind is StateKind.CHOICE and state.default is not None:
            return state.default
        if state.next is None:
            raise ValueError(f"{state.name} has no usual next state")
        return state.next

    return [spec[name] for name in spec.walk(decide)]


def transitions_per_prep(path: list[State]) -> int:
    """Step Functions bills each state entered, each parallel branch's states included: 19
    for the usual path (13 states, 6 context branches)."""
    return len(path) + sum(len(state.branches) for state in path)


def prep_invocations(path: list[State]) -> dict[str, int]:
    """The functions one prep execution invokes, by key."""
    counts: dict[str, int] = {}
    for state in path:
        for task in (state, *state.branches):
            if task.service is not None:
                key = function_for_state(task.name).key
                counts[key] = counts.get(key, 0) + 1
    return counts


def answers_per_meeting(catalog: MeetingTypeCatalog) -> float:
    """The prep questions of a meeting type, on average over the types: one Slack answer
    each."""
    return fmean(len(meeting_type.prep_questions) for meeting_type in catalog)


def monthly_usage(meetings: int, answers: float, assumptions: UsageAssumptions) -> MonthlyUsage:
    path = prep_path()
    per_prep = prep_invocations(path)
    # Outside the state machine: the event that starts it, the Scheduler's reminder, the
    # notes upload, and Slack's requests (the answers, and the pack's "done" button).
    per_prep.update({"prep_trigger": 1, "reminder": 1, "post_meeting": 1})
    slack_requests = meetings * (answers + 1)
    invocations: dict[str, float] = {key: meetings * count for key, count in per_prep.items()}
    invocations["slack_webhook"] = slack_requests * assumptions.slack_invocations_per_request
    invocations["calendar_monitor"] = CALENDAR_TICKS_PER_MONTH
    unknown = sorted(set(invocations) - set(BY_KEY))
    if unknown:
        raise ValueError(f"not functions of the deployment: {', '.join(unknown)}")
    return MonthlyUsage(
        meetings=meetings,
        invocations=invocations,
        transitions=meetings * transitions_per_prep(path),
        slack_requests=slack_requests,
    )
