"""A stack's monthly bill, line by line, and what each change of its config would save.

The stack's settings decide the fixed costs (NAT gateways, interface endpoints in two zones,
keys and secrets with their DR replicas, alarms, dashboard); `cost_usage` the usage; the
price lists the unit prices. Nothing is looked up anywhere: the same inputs give the same
figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from exec_assistant.costing.usage import MonthlyUsage, UsageAssumptions, monthly_usage
from exec_assistant.domain.cost import (
    AwsPriceList,
    CostEstimate,
    CostLine,
    per_million_tokens,
    priced,
    without_empty,
)
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.usage import ModelPrice, PriceTable
from exec_assistant.lambda_functions import BY_KEY, FUNCTIONS
from exec_assistant.stack_settings import INTERFACE_ENDPOINTS, PROJECT, StackSettings

SPEC_TOTAL = 176.0
"""The specification's "Estimated Monthly Costs" total."""
TARGET = 60.0
"""What a production stack of 100 meetings a month should cost at most."""
ZONES = 2
"""The network's availability zones: an interface endpoint is billed in each."""
OTHER_ALARMS = 3
"""The workflow's failures (the spec's), the dead-letter queue, the API's 5xx."""
COMPOSITE_ALARMS = 1
"""Any function's duration alarm (the spec's one duration alarm)."""
"""Workflow failures and Lambda duration."""
SECRETS = 4
"""exec-assistant/slack, exec-assistant/calendar and exec-assistant/integrations
(adapters/aws/secrets_manager.py), and exec-assistant/web (adapters/aws/web_session_key.py)."""
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
KB_PER_GB = 1024 * 1024


@dataclass(frozen=True)
class Prices:
    aws: AwsPriceList
    models: PriceTable

    def model(self, model_id: str) -> ModelPrice:
        price = self.models.price_of(model_id, "bedrock")
        if price is None:
            raise ConfigError(
                f"the model {model_id[:120]} (the stack's modelId or contextModelId) has no price",
                key="model_prices",
                hint="Check the model id in Pulumi.<stack>.yaml; if it is right, add it to "
                "model_prices.yaml in your config folder (input and output, US dollars per "
                "million tokens).",
            )
        return price


def estimate(
    settings: StackSettings,
    prices: Prices,
    answers_per_meeting: float,
    assumptions: UsageAssumptions | None = None,
) -> CostEstimate:
    """The month of `settings.meetings_per_month` meetings on this stack."""
    assumed = assumptions or UsageAssumptions()
    usage = monthly_usage(settings.meetings_per_month, answers_per_meeting, assumed)
    lines = [
        *_lambda(usage, assumed, prices.aws),
        *_dynamodb(usage, assumed, prices.aws),
        *_s3(settings, usage, assumed, prices.aws),
        *_step_functions(usage, prices.aws),
        *_events(usage, prices.aws),
        *_bedrock(settings, usage, assumed, prices),
        *_keys_and_secrets(settings, usage, assumed, prices.aws),
        *_network(settings, usage, assumed, prices.aws),
        *_edge(usage, assumed, prices.aws),
        *_monitoring(settings, usage, assumed, prices.aws),
        *_recovery(settings, usage, assumed, prices.aws),
    ]
    return CostEstimate(without_empty(lines))


def _gb(kb: float) -> float:
    return kb / KB_PER_GB


def _lambda(usage: MonthlyUsage, assumed: UsageAssumptions, aws: AwsPriceList) -> list[CostLine]:
    gb_seconds = 0.0
    for key, count in usage.invocations.items():
        memory = assumed.memory_mb.get(key, BY_KEY[key].memory_mb)
        gb_seconds += count * memory / 1024 * assumed.duration_ms[key] / 1000
    compute = aws["lambda_arm64_compute" if assumed.arm64 else "lambda_x86_compute"]
    architecture = "arm64" if assumed.arm64 else "x86_64"
    return [
        priced("Lambda", "requests", usage.total_invocations, aws["lambda_requests"]),
        priced("Lambda", f"compute ({architecture})", gb_seconds, compute),
    ]


def _table_requests(usage: MonthlyUsage, assumed: UsageAssumptions) -> tuple[float, float]:
    reads = usage.meetings * assumed.dynamodb_reads_per_meeting
    writes = usage.meetings * assumed.dynamodb_writes_per_meeting
    return (
        reads + usage.ticks * assumed.dynamodb_reads_per_tick,
        writes + usage.ticks * assumed.dynamodb_writes_per_tick,
    )


def _table_gb(usage: MonthlyUsage, assumed: UsageAssumptions) -> float:
    return _gb(usage.meetings * assumed.months_kept * assumed.table_kb_per_meeting)


def _dynamodb(usage: MonthlyUsage, assumed: UsageAssumptions, aws: AwsPriceList) -> list[CostLine]:
    reads, writes = _table_requests(usage, assumed)
    stored = _table_gb(usage, assumed)
    return [
        priced("DynamoDB", "reads (on demand)", reads, aws["dynamodb_reads"]),
        priced("DynamoDB", "writes (on demand)", writes, aws["dynamodb_writes"]),
        priced("DynamoDB", "storage", stored, aws["dynamodb_storage"]),
        priced("DynamoDB", "point-in-time recovery", stored, aws["dynamodb_pitr"]),
    ]


def _s3_requests(usage: MonthlyUsage, assumed: UsageAssumptions) -> tuple[float, float]:
    writes = usage.meetings * assumed.s3_writes_per_meeting
    reads = usage.meetings * assumed.s3_reads_per_meeting + usage.ticks * assumed.s3_reads_per_tick
    return writes, reads


def _document_gb(usage: MonthlyUsage, assumed: UsageAssumptions) -> float:
    return _gb(usage.meetings * assumed.months_kept * assumed.document_kb_per_meeting)


def _s3(
    settings: StackSettings, usage: MonthlyUsage, assumed: UsageAssumptions, aws: AwsPriceList
) -> list[CostLine]:
    writes, reads = _s3_requests(usage, assumed)
    stored = _document_gb(usage, assumed)
    # The audit trail's log files: about 1 KB per data event and per invocation's API calls.
    trail_gb = _gb(_data_events(usage, assumed))
    return [
        priced("S3", "documents storage", stored, aws["s3_storage"]),
        priced("S3", "audit log storage", trail_gb * assumed.months_kept, aws["s3_storage"]),
        priced("S3", "PUT requests", writes, aws["s3_writes"]),
        priced("S3", "GET requests", reads, aws["s3_reads"]),
    ]


def _step_functions(usage: MonthlyUsage, aws: AwsPriceList) -> list[CostLine]:
    return [
        priced(
            "Step Functions",
            "state transitions",
            usage.transitions,
            aws["step_functions_transitions"],
        )
    ]


def _events(usage: MonthlyUsage, aws: AwsPriceList) -> list[CostLine]:
    # The poll's rule is a scheduled rule (free); MeetingPrepRequired is a custom event.
    return [
        priced("EventBridge", "prep events", usage.meetings, aws["eventbridge_events"]),
        priced("EventBridge", "Scheduler reminders", usage.meetings, aws["scheduler_invocations"]),
    ]


def _model_tokens(
    settings: StackSettings, usage: MonthlyUsage, assumed: UsageAssumptions
) -> dict[str, list[float]]:
    """Per model id: input, output, cache-read and cache-write tokens in the month."""
    tokens: dict[str, list[float]] = {}
    for call in assumed.model_calls:
        model_id = settings.model_id if call.model == "pack" else settings.agent_context_model_id
        calls = usage.meetings * call.calls_per_meeting
        cached = assumed.prompt_cache and call.rounds > 1 and call.cached_prefix_tokens > 0
        write = call.cached_prefix_tokens if cached else 0
        read = call.cached_prefix_tokens * (call.rounds - 1) if cached else 0
        counts = tokens.setdefault(model_id, [0.0, 0.0, 0.0, 0.0])
        counts[0] += calls * (call.input_tokens - write - read)
        counts[1] += calls * call.output_tokens
        counts[2] += calls * read
        counts[3] += calls * write
    return tokens


def short_model_name(model_id: str) -> str:
    """'anthropic.claude-3-5-sonnet-20241022-v2:0' as 'claude-3-5-sonnet'."""
    name = model_id.rpartition("/")[2].split(".")[-1] if "." in model_id else model_id
    parts = name.split(":")[0].split("-")
    kept = [p for p in parts if not (p.isdigit() and len(p) == 8) and not p.startswith("v")]
    return "-".join(kept) or model_id


def _bedrock(
    settings: StackSettings, usage: MonthlyUsage, assumed: UsageAssumptions, prices: Prices
) -> list[CostLine]:
    lines = []
    for model_id, (fresh, output, read, write) in _model_tokens(settings, usage, assumed).items():
        price = prices.model(model_id)
        name = short_model_name(model_id)
        lines += [
            per_million_tokens("Bedrock", f"{name} input", fresh, price.input),
            per_million_tokens("Bedrock", f"{name} output", output, price.output),
            per_million_tokens(
                "Bedrock",
                f"{name} cache read",
                read,
                price.input if price.cache_read is None else price.cache_read,
            ),
            per_million_tokens(
                "Bedrock",
                f"{name} cache write",
                write,
                price.input if price.cache_write is None else price.cache_write,
            ),
        ]
    return lines


def _kms_keys(settings: StackSettings) -> int:
    return 2 if settings.replicate_to_dr else 1


def _secret_count(settings: StackSettings) -> int:
    return SECRETS * (2 if settings.replicate_to_dr else 1)


def _keys_and_secrets(
    settings: StackSettings, usage: MonthlyUsage, assumed: UsageAssumptions, aws: AwsPriceList
) -> list[CostLine]:
    s3_writes, s3_reads = _s3_requests(usage, assumed)
    # SSE-KMS: an object written or read asks KMS for its data key; DynamoDB caches its own
    # keys, and every function start decrypts its secrets once.
    secret_reads = usage.total_invocations
    kms_requests = s3_writes + s3_reads + secret_reads
    return [
        priced(
            "KMS",
            "keys (and DR replica)" if settings.replicate_to_dr else "key",
            _kms_keys(settings),
            aws["kms_keys"],
        ),
        priced("KMS", "requests", kms_requests, aws["kms_requests"]),
        priced(
            "Secrets Manager",
            "secrets (and DR replicas)" if settings.replicate_to_dr else "secrets",
            _secret_count(settings),
            aws["secrets"],
        ),
        priced("Secrets Manager", "GetSecretValue calls", secret_reads, aws["secrets_requests"]),
    ]


def _traffic_gb(usage: MonthlyUsage, assumed: UsageAssumptions) -> tuple[float, float]:
    """(to AWS services that have an interface endpoint, to the internet) in a month."""
    aws_api = _gb(usage.total_invocations * assumed.aws_api_kb_per_invocation)
    internet = _gb(
        usage.meetings * assumed.internet_kb_per_meeting
        + usage.ticks * assumed.calendar_kb_per_tick
    )
    return aws_api, internet


def _network(
    settings: StackSettings, usage: MonthlyUsage, assumed: UsageAssumptions, aws: AwsPriceList
) -> list[CostLine]:
    aws_api, internet = _traffic_gb(usage, assumed)
    lines = [priced("Data transfer", "out to the internet", internet, aws["data_transfer_out"])]
    if not settings.vpc:
        return lines
    hours = aws.hours_per_month
    covered = len(settings.interface_endpoints) / len(INTERFACE_ENDPOINTS)
    through_endpoints = aws_api * covered
    through_nat = internet + aws_api - through_endpoints
    endpoint_hours = len(settings.interface_endpoints) * ZONES * hours
    return [
        priced(
            "VPC",
            f"NAT gateways ({settings.nat_gateways})",
            settings.nat_gateways * hours,
            aws["nat_gateway_hours"],
        ),
        priced("VPC", "NAT data", through_nat, aws["nat_gateway_data"]),
        priced(
            "VPC",
            f"endpoints ({len(settings.interface_endpoints)} x {ZONES} AZ)",
            endpoint_hours,
            aws["interface_endpoint_hours"],
        ),
        priced("VPC", "endpoint data", through_endpoints, aws["interface_endpoint_data"]),
        *lines,
    ]


def _edge(usage: MonthlyUsage, assumed: UsageAssumptions, aws: AwsPriceList) -> list[CostLine]:
    web_requests = usage.meetings * assumed.web_requests_per_meeting
    return [
        priced("API Gateway", "HTTP API requests", usage.slack_requests, aws["http_api_requests"]),
        priced("CloudFront", "requests", web_requests, aws["cloudfront_requests"]),
        priced(
            "CloudFront",
            "data out",
            _gb(web_requests * assumed.web_kb_per_request),
            aws["cloudfront_data"],
        ),
    ]


def metric_alarm_count(settings: StackSettings) -> int:
    """The metric alarms the stack declares: per function its errors (what a release rolls
    back on) and its duration (the spec's duration alarm, made per function), the workflow's
    failures, the dead-letter queue and the API's 5xx."""
    return 2 * len(FUNCTIONS) + OTHER_ALARMS


def _data_events(usage: MonthlyUsage, assumed: UsageAssumptions) -> float:
    table_reads, table_writes = _table_requests(usage, assumed)
    s3_writes, s3_reads = _s3_requests(usage, assumed)
    return table_reads + table_writes + s3_writes + s3_reads


def _monitoring(
    settings: StackSettings, usage: MonthlyUsage, assumed: UsageAssumptions, aws: AwsPriceList
) -> list[CostLine]:
    ingested = _gb(
        usage.total_invocations * assumed.log_kb_per_invocation
        + usage.transitions * assumed.state_machine_log_kb_per_transition
        + usage.slack_requests * assumed.log_kb_per_invocation  # API access logs
    )
    stored = ingested * settings.log_retention_days / 30
    async_invocations = usage.meetings * 2  # the reminder and the notes upload
    alarm_mails = metric_alarm_count(settings)  # about one alarm a month each, as an upper bound
    return [
        priced("CloudWatch", "log ingestion", ingested, aws["log_ingestion"]),
        priced(
            "CloudWatch",
            f"log storage ({settings.log_retention_days} days)",
            stored,
            aws["log_storage"],
        ),
        priced("CloudWatch", "alarms", metric_alarm_count(settings), aws["alarms"]),
        priced("CloudWatch", "composite alarms", COMPOSITE_ALARMS, aws["composite_alarms"]),
        priced("CloudWatch", "dashboard", 1, aws["dashboards"]),
        priced("X-Ray", "traces", usage.total_invocations, aws["xray_traces"]),
        priced(
            "CloudTrail", "data events", _data_events(usage, assumed), aws["cloudtrail_data_events"]
        ),
        priced("SNS", "alarm notifications", alarm_mails, aws["sns_requests"]),
        priced("SNS", "alarm emails", alarm_mails if settings.alarm_email else 0, aws["sns_email"]),
        priced(
            "SQS",
            "dead-letter messages",
            async_invocations * assumed.failed_async_share,
            aws["sqs_requests"],
        ),
    ]


def _recovery(
    settings: StackSettings, usage: MonthlyUsage, assumed: UsageAssumptions, aws: AwsPriceList
) -> list[CostLine]:
    tables = _table_gb(usage, assumed)
    lines = [
        priced("Backup", "table backups", tables * assumed.backups_kept, aws["backup_dynamodb"]),
        priced("Backup", "monthly table export", tables, aws["backup_export"]),
        priced("Backup", "exports kept in S3", tables * assumed.months_kept, aws["s3_storage"]),
    ]
    if settings.replicate_to_dr:
        written = _gb(usage.meetings * assumed.document_kb_per_meeting)
        s3_writes, _ = _s3_requests(usage, assumed)
        lines += [
            priced("Backup", "replication transfer", written, aws["replication_transfer"]),
            priced("Backup", "replica storage", _document_gb(usage, assumed), aws["s3_storage"]),
            priced("Backup", "replica PUT requests", s3_writes, aws["s3_writes"]),
        ]
    return lines


@dataclass(frozen=True)
class Saving:
    """One change and what it saves a month, from the stack as configured."""

    change: str
    """`exec-assistant:natGateways 1`, or what to change where there is no config key."""
    config_key: str | None
    value: str | None
    monthly_saving: float
    trade_off: str
    in_sensible_set: bool


@dataclass(frozen=True)
class _Change:
    key: str
    value: object
    trade_off: str
    sensible: bool

    @property
    def shown(self) -> str:
        text = json.dumps(list(self.value)) if isinstance(self.value, tuple) else self.value
        return f"{PROJECT}:{self.key} " + (
            str(text).lower() if isinstance(text, bool) else str(text)
        )


def _changes(settings: StackSettings) -> list[_Change]:
    """The spec's optimisations that this stack's config can still make."""
    changes = []
    if settings.vpc:
        changes.append(
            _Change(
                "vpc",
                False,
                "functions run outside a VPC and reach AWS over its public endpoints (still TLS "
                "and IAM); no private network path, no fixed egress address",
                sensible=True,
            )
        )
        if settings.interface_endpoints:
            changes.append(
                _Change(
                    "interfaceEndpoints",
                    (),
                    "AWS API calls go out through the NAT gateway instead of staying on the "
                    "AWS network; each endpoint costs more than the NAT traffic it saves here",
                    sensible=False,
                )
            )
        if settings.nat_gateways > 1:
            changes.append(
                _Change(
                    "natGateways",
                    1,
                    "one zone's outage cuts the functions off from Slack, calendars and Bedrock",
                    sensible=False,
                )
            )
    if settings.agent_context_model_id == settings.model_id:
        changes.append(
            _Change(
                "contextModelId",
                HAIKU,
                "context summaries, the answer review and the notes on a smaller model; the "
                "pack stays on the main model",
                sensible=True,
            )
        )
    return changes


def _not_in_config(assumed: UsageAssumptions) -> list[tuple[str, UsageAssumptions, str]]:
    """Changes of the code, not of the stack's config: right-sized memory."""
    agent = BY_KEY["meeting_prep_agent"]
    if assumed.memory_mb.get(agent.key, agent.memory_mb) <= 1024:
        return []
    return [
        (
            f"memory_mb=1024 for {agent.key} (lambda_functions.py)",
            replace(assumed, memory_mb={**assumed.memory_mb, agent.key: 1024}),
            "the agent waits on Bedrock, so less memory costs little time; its 3008 MB is for "
            "large context files",
        )
    ]


def savings(
    settings: StackSettings,
    prices: Prices,
    answers: float,
    assumptions: UsageAssumptions | None = None,
) -> list[Saving]:
    """Each change alone, largest saving first."""
    assumed = assumptions or UsageAssumptions()
    now = estimate(settings, prices, answers, assumed).total
    found = []
    for change in _changes(settings):
        changed = settings.model_copy(update={_field(change.key): change.value})
        saved = now - estimate(changed, prices, answers, assumed).total
        value = change.shown.partition(" ")[2]
        found.append(
            Saving(
                change.shown,
                f"{PROJECT}:{change.key}",
                value,
                saved,
                change.trade_off,
                change.sensible,
            )
        )
    for text, changed_usage, trade_off in _not_in_config(assumed):
        saved = now - estimate(settings, prices, answers, changed_usage).total
        found.append(Saving(text, None, None, saved, trade_off, True))
    return sorted((s for s in found if s.monthly_saving > 0.005), key=lambda s: -s.monthly_saving)


def _field(config_key: str) -> str:
    return next(
        name
        for name, info in StackSettings.model_fields.items()
        if (info.alias or name) == config_key
    )


def sensible_settings(settings: StackSettings, *, keep_vpc: bool = False) -> StackSettings:
    """The stack with every change of the sensible set applied; with `keep_vpc`, the
    network's other changes instead (one NAT gateway, no interface endpoints)."""
    chosen = [c for c in _changes(settings) if (c.key != "vpc" if keep_vpc else c.sensible)]
    return settings.model_copy(update={_field(c.key): c.value for c in chosen})


def sensible_assumptions(assumed: UsageAssumptions) -> UsageAssumptions:
    for _, changed, _ in _not_in_config(assumed):
        assumed = changed
    return assumed


@dataclass(frozen=True)
class BuiltIn:
    """An optimisation of the spec's list that the product makes already, and its worth."""

    what: str
    monthly_saving: float


def built_in(
    settings: StackSettings, prices: Prices, answers: float, assumed: UsageAssumptions
) -> list[BuiltIn]:
    """What arm64 and prompt caching save on this stack (against x86_64 and no cache)."""
    now = estimate(settings, prices, answers, assumed).total

    def without(what: str, change: Callable[[UsageAssumptions], UsageAssumptions]) -> BuiltIn:
        return BuiltIn(what, estimate(settings, prices, answers, change(assumed)).total - now)

    found = []
    if assumed.arm64:
        found.append(without("arm64 functions (Graviton)", lambda a: replace(a, arm64=False)))
    if assumed.prompt_cache:
        found.append(
            without("prompt caching of the pack's prompt", lambda a: replace(a, prompt_cache=False))
        )
    return found


@dataclass(frozen=True)
class CostReport:
    stack: str
    settings: StackSettings
    estimate: CostEstimate
    savings: Sequence[Saving]
    sensible: CostEstimate
    vpc_kept: CostEstimate | None
    """The sensible set's total for a stack that keeps its VPC; None without one."""
    built_in: Sequence[BuiltIn]
    prices: Prices
    answers_per_meeting: float
    assumptions: UsageAssumptions


def cost_report(
    stack: str,
    settings: StackSettings,
    prices: Prices,
    answers: float,
    assumptions: UsageAssumptions | None = None,
) -> CostReport:
    assumed = assumptions or UsageAssumptions()
    return CostReport(
        stack=stack,
        settings=settings,
        estimate=estimate(settings, prices, answers, assumed),
        savings=savings(settings, prices, answers, assumed),
        sensible=estimate(
            sensible_settings(settings), prices, answers, sensible_assumptions(assumed)
        ),
        vpc_kept=estimate(
            sensible_settings(settings, keep_vpc=True),
            prices,
            answers,
            sensible_assumptions(assumed),
        )
        if settings.vpc
        else None,
        built_in=built_in(settings, prices, answers, assumed),
        prices=prices,
        answers_per_meeting=answers,
        assumptions=assumed,
    )
