"""What each Lambda function may do, function by function: the tables (and indexes) with
which DynamoDB actions, the documents' prefixes with which S3 actions, the secrets, the
state machine's actions, the schedules, the models. Nothing else.

The table is checked against the AWS calls each handler really makes while the integration
tests run it on moto (tests/operation_log.py, used by the state machine's and the hostile
integration tests): a call no grant allows fails there, and so does a function of
`lambda_functions.FUNCTIONS` without an entry here.

`statements` renders one function's grants as IAM statements over the deployment's ARNs.
The only `*` resources are the actions AWS authorises on nothing narrower, each named in
`WILDCARD_ONLY_ACTIONS` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi

from exec_assistant.adapters.aws.tables import (
    CHAT_SESSIONS,
    FOLLOW_UPS,
    IDEMPOTENCY,
    MEETINGS,
    STATE,
)
from exec_assistant_infra.policy_documents import Statement, allow

ModelRole = Literal["pack", "summary"]
"""The pack model (`modelId`) or the model of summaries and notes (`contextModelId`)."""
SecretKey = Literal["slack", "calendar", "integrations", "web"]

GET, QUERY, PUT, UPDATE, DELETE = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)
BATCH_GET, CONDITION_CHECK = "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem"
GET_OBJECT, PUT_OBJECT, DELETE_OBJECT = "s3:GetObject", "s3:PutObject", "s3:DeleteObject"
GET_SECRET, PUT_SECRET = "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"

TASK_TOKEN_ACTIONS = (
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
)
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
COST_EXPLORER_ACTIONS = ("ce:GetCostAndUsage", "ce:GetCostForecast")
VIEW_BUDGETS = "budgets:ViewBudget"
ENI_DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
ENI_MANAGE_ACTIONS = (
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
WILDCARD_ONLY_ACTIONS: Mapping[str, str] = {
    **dict.fromkeys(
        TASK_TOKEN_ACTIONS,
        "the task token names no resource: Step Functions authorises it on `*` only",
    ),
    **dict.fromkeys(XRAY_ACTIONS, "X-Ray has no resource-level permissions"),
    **dict.fromkeys(
        COST_EXPLORER_ACTIONS,
        "Cost Explorer's cost and forecast reads have no resource-level permissions: they "
        "read the account's bill",
    ),
    **dict.fromkeys(
        ENI_DESCRIBE_ACTIONS,
        "EC2 Describe* actions have no resource-level permissions; Lambda calls them for the "
        "function's network interfaces in the VPC",
    ),
}
"""The actions that may have a `*` resource, and why; every other statement names its ARNs."""


@dataclass(frozen=True)
class TableGrant:
    table: str
    """The table's environment variable (MEETINGS_TABLE, …): which table."""
    actions: tuple[str, ...]
    indexes: tuple[str, ...] = ()
    """Indexes it queries (`dynamodb:Query` on those only)."""


@dataclass(frozen=True)
class ObjectGrant:
    prefix: str
    """A folder of the documents bucket (`config/`, `meetings/`, `temp/`)."""
    actions: tuple[str, ...]


CONFIG = ObjectGrant("config/", (GET_OBJECT,))
"""Every function reads its configuration (meeting types, rules, prices, the context files)
from the documents bucket when it starts."""


@dataclass(frozen=True)
class FunctionGrants:
    tables: tuple[TableGrant, ...] = ()
    documents: tuple[ObjectGrant, ...] = (CONFIG,)
    secrets: tuple[SecretKey, ...] = ()
    secret_actions: tuple[str, ...] = (GET_SECRET,)
    """What it does with `secrets` (a rotation also describes, puts and moves stages)."""
    writes_secrets: tuple[SecretKey, ...] = ()
    """Among `secrets`, those it also puts a new value in (PutSecretValue): a calendar
    authorization stored or renewed."""
    executions: tuple[str, ...] = ()
    """states: actions: StartExecution on the machine, the others on its executions."""
    task_tokens: bool = False
    publishes_prep_events: bool = False
    """events:PutEvents (MeetingPrepRequired) on the bus."""
    schedules: tuple[str, ...] = ()
    """scheduler: actions on the reminder group's schedules (with iam:PassRole of the
    scheduler's role for the ones that create or update one)."""
    models: tuple[ModelRole, ...] = ()
    reads_costs: bool = False
    """Cost Explorer's costs and forecast, and the account's budgets (AWS Budgets)."""
    invokes_itself: bool = False
    """lambda:InvokeFunction on its own `live` alias (the Slack webhook's lazy listeners)."""
    posts_to_slack: bool = True
    """With the Slack secret: it posts (and may add to the day's digest); the rotation
    function only renews the secret."""

    @property
    def uses_state_machine(self) -> bool:
        """It is given STATE_MACHINE_ARN: it starts, stops or inspects executions, or
        completes a wait (the engine sends the task token)."""
        return bool(self.executions) or self.task_tokens

    @property
    def uses_scheduler(self) -> bool:
        return bool(self.schedules)


def _t(table: str, *actions: str, indexes: Sequence[str] = ()) -> TableGrant:
    return TableGrant(table, tuple(actions), tuple(indexes))


_M, _S, _F, _X, _I = (
    MEETINGS.environment_variable,
    CHAT_SESSIONS.environment_variable,
    FOLLOW_UPS.environment_variable,
    STATE.environment_variable,
    IDEMPOTENCY.environment_variable,
)
_IDEMPOTENT = _t(_I, GET, PUT, UPDATE, DELETE)
"""powertools' idempotency records: put (in progress), update (done), get (a repeat that
comes while the first runs), delete (a run that raised)."""
_CONTEXT_BRANCH = FunctionGrants(
    tables=(_t(_M, QUERY),),
    documents=(CONFIG, ObjectGrant("temp/", (PUT_OBJECT,))),
)
"""A context branch reads the meeting and its files under config/context/ and writes its
facts to the prep's temp/ folder."""
_FROM_SYSTEMS_OF_RECORD = FunctionGrants(
    tables=_CONTEXT_BRANCH.tables,
    documents=_CONTEXT_BRANCH.documents,
    secrets=("integrations",),
)
"""A context branch that may read an API (PagerDuty, Opsgenie, Jira, Greenhouse) with the
tokens of the integrations secret, as context.yaml configures it."""
CALENDAR_SNAPSHOTS = ObjectGrant("sessions/calendars/", (GET_OBJECT, PUT_OBJECT, DELETE_OBJECT))
"""What each API calendar's last sync held (adapters/calendar_snapshots.py): read and
replaced at every sync, deleted when the calendar is no longer configured."""
_TO_SLACK: tuple[SecretKey, ...] = ("slack",)
_MEETING_WRITE = (QUERY, PUT, DELETE, BATCH_GET, CONDITION_CHECK)
"""A meeting is read by its id (a query on its hash key), written with a condition on its
version (a meeting that moved to another calendar: its old item deleted in the same
transaction); several at once go through a transaction or a batch read."""
SLACK_DIGEST = ObjectGrant("sessions/slack/", (GET_OBJECT, PUT_OBJECT))
"""The day's Slack digest (one message, updated as meetings join it): every function that
talks to Slack may add to it."""

GRANTS: dict[str, FunctionGrants] = {
    "calendar_monitor": FunctionGrants(
        tables=(
            _t(
                _M,
                *_MEETING_WRITE,
                UPDATE,
                indexes=("status-start_time-index", "kind-start_time-index"),
            ),
            _t(_S, GET, QUERY, indexes=("user_id-created_at-index",)),
            _t(_X, GET, QUERY, PUT, UPDATE, indexes=("kind-pk-index",)),
            _IDEMPOTENT,
        ),
        documents=(CONFIG, CALENDAR_SNAPSHOTS),
        # The calendar's authorization (a renewed access token is saved back), and the
        # tracker's tokens for the action items' sync.
        secrets=("slack", "calendar", "integrations"),
        writes_secrets=("calendar",),
        executions=("states:DescribeExecution", "states:StopExecution"),
        publishes_prep_events=True,
        schedules=("scheduler:DeleteSchedule",),
    ),
    "prep_trigger": FunctionGrants(
        tables=(_IDEMPOTENT,),
        executions=("states:StartExecution",),
    ),
    "meeting_classifier": FunctionGrants(tables=(_t(_M, *_MEETING_WRITE),)),
    "slack_webhook": FunctionGrants(
        tables=(
            _t(_M, *_MEETING_WRITE),
            _t(_S, GET, QUERY, PUT, indexes=("user_id-created_at-index",)),
            _t(_X, GET, QUERY, PUT, indexes=("thread_channel-thread_ts-index",)),
        ),
        # Notes given in Slack are stored; a review of notes reads the follow-up.
        documents=(CONFIG, ObjectGrant("meetings/", (GET_OBJECT, PUT_OBJECT))),
        secrets=_TO_SLACK,
        executions=("states:StopExecution",),
        task_tokens=True,
        publishes_prep_events=True,
        schedules=("scheduler:DeleteSchedule",),
        invokes_itself=True,
    ),
    "slack_send_notification": FunctionGrants(
        tables=(
            _t(_M, *_MEETING_WRITE),
            _t(_S, GET, QUERY, PUT, indexes=("user_id-created_at-index",)),
            _t(_X, GET, PUT),
        ),
        secrets=_TO_SLACK,
    ),
    "chat_session_manager": FunctionGrants(
        tables=(_t(_S, GET, PUT),),
        task_tokens=True,
    ),
    "handle_timeout": FunctionGrants(
        tables=(_t(_M, *_MEETING_WRITE), _t(_S, GET, PUT), _t(_X, GET, PUT)),
        secrets=_TO_SLACK,
    ),
    "budget_context": FunctionGrants(
        tables=_CONTEXT_BRANCH.tables, documents=_CONTEXT_BRANCH.documents, reads_costs=True
    ),
    "big_rocks_context": _FROM_SYSTEMS_OF_RECORD,
    "incidents_context": _FROM_SYSTEMS_OF_RECORD,
    "staffing_context": _FROM_SYSTEMS_OF_RECORD,
    "decisions_context": FunctionGrants(
        tables=(
            _t(_M, QUERY),
            _t(_F, QUERY, indexes=("open_kind-created_at-index", "series_key-created_at-index")),
        ),
        documents=_CONTEXT_BRANCH.documents,
    ),
    "history_context": FunctionGrants(
        tables=(
            _t(_M, QUERY, BATCH_GET, indexes=("series_id-start_time-index",)),
            _t(_F, QUERY, indexes=("owner_key-created_at-index", "series_key-created_at-index")),
        ),
        documents=(*_CONTEXT_BRANCH.documents, ObjectGrant("meetings/", (GET_OBJECT,))),
    ),
    "meeting_prep_agent": FunctionGrants(
        tables=(
            _t(_M, *_MEETING_WRITE),
            _t(_S, GET),
            _t(_F, QUERY, indexes=("series_key-created_at-index",)),
        ),
        documents=(
            CONFIG,
            ObjectGrant("temp/", (GET_OBJECT,)),
            # The pack, and the series' last notes (the agent's last_notes tool).
            ObjectGrant("meetings/", (GET_OBJECT, PUT_OBJECT)),
        ),
        models=("pack", "summary"),
    ),
    "slack_send_materials": FunctionGrants(
        tables=(_t(_M, *_MEETING_WRITE), _t(_X, GET, PUT)),
        documents=(CONFIG, ObjectGrant("meetings/", (GET_OBJECT,))),
        secrets=_TO_SLACK,
    ),
    "schedule_reminder": FunctionGrants(
        tables=(_t(_M, QUERY), _t(_X, GET)),
        schedules=("scheduler:CreateSchedule", "scheduler:UpdateSchedule"),
    ),
    "reminder": FunctionGrants(
        tables=(
            _t(_M, *_MEETING_WRITE, indexes=("kind-meeting_id-index",)),
            _t(_X, GET, PUT),
            _IDEMPOTENT,
        ),
        documents=(CONFIG, ObjectGrant("meetings/", (GET_OBJECT,))),
        secrets=_TO_SLACK,
    ),
    "record_prep_failure": FunctionGrants(tables=(_t(_M, *_MEETING_WRITE),)),
    "post_meeting": FunctionGrants(
        tables=(
            _t(_M, *_MEETING_WRITE),
            _t(_F, QUERY, PUT, DELETE, CONDITION_CHECK),
            _t(_X, GET, PUT),
            _IDEMPOTENT,
        ),
        documents=(CONFIG, ObjectGrant("meetings/", (GET_OBJECT, PUT_OBJECT))),
        secrets=_TO_SLACK,
        models=("summary",),
    ),
    "calendar_oauth": FunctionGrants(
        # The connect links and consents in flight: written, read, spent (a conditional
        # delete).
        tables=(_t(_X, GET, PUT, DELETE),),
        documents=(),
        secrets=("calendar",),
        writes_secrets=("calendar",),
        posts_to_slack=False,
    ),
    "web": FunctionGrants(
        # The pages read what the Slack listeners read and change what they change: answers
        # given (and the wait completed), a meeting reclassified for its series or skipped
        # (its prep stopped, its reminder dropped, a new prep started), notes given and
        # accepted, an action item marked done. Nothing is posted to Slack from a page.
        tables=(
            _t(
                _M,
                *_MEETING_WRITE,
                indexes=(
                    "kind-start_time-index",
                    "kind-meeting_id-index",
                    "series_id-start_time-index",
                ),
            ),
            _t(_S, GET, QUERY, PUT, indexes=("meeting_id-created_at-index",)),
            _t(
                _F,
                QUERY,
                PUT,
                DELETE,
                CONDITION_CHECK,
                indexes=(
                    "record_key-index",
                    "kind-created_at-index",
                    "open_kind-created_at-index",
                    "series_key-created_at-index",
                    "owner_key-created_at-index",
                ),
            ),
            _t(_X, GET, QUERY, PUT, DELETE, indexes=("kind-pk-index",)),
        ),
        # The packs and the notes templates read, the notes given stored.
        documents=(CONFIG, ObjectGrant("meetings/", (GET_OBJECT, PUT_OBJECT))),
        # The Slack app's client id and secret (sign in with Slack), and the web secret's
        # session key, which the deployment's first request makes.
        secrets=("slack", "web"),
        writes_secrets=("web",),
        executions=("states:StopExecution",),
        task_tokens=True,
        publishes_prep_events=True,
        schedules=("scheduler:DeleteSchedule",),
        posts_to_slack=False,
    ),
    "secret_rotation": FunctionGrants(
        # Both secrets: the Slack one is rotated only on stacks with slackTokenRotation, and
        # Secrets Manager invokes the function only for a secret whose rotation is on.
        documents=(),
        secrets=("slack", "calendar"),
        posts_to_slack=False,
        secret_actions=(
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecretVersionStage",
        ),
    ),
}
"""Every function's grants, by its key in `lambda_functions.FUNCTIONS`."""


@dataclass(frozen=True)
class AccessTargets:
    """The ARNs the grants name: plain strings (known in advance) or Outputs."""

    region: str
    account_id: str
    partition: str
    tables: Mapping[str, pulumi.Input[str]]
    """Table ARNs by environment variable."""
    documents_bucket: pulumi.Input[str]
    """The bucket's ARN."""
    secrets: Mapping[str, pulumi.Input[str]]
    """Secret ARNs by SecretKey."""
    key: pulumi.Input[str]
    """The KMS key's ARN."""
    secrets_key: pulumi.Input[str]
    """The key the secrets are encrypted with: the stack's own, or in the DR stack the
    production replicas' key there."""
    state_machine: str
    schedule_group: str
    scheduler_role: str
    event_bus: str
    model_ids: Mapping[str, str]
    """Model id by ModelRole."""
    own_alias: str
    own_log_group: pulumi.Input[str]
    dead_letter_queue: pulumi.Input[str] | None = None
    vpc: VpcTargets | None = None


@dataclass(frozen=True)
class VpcTargets:
    vpc: pulumi.Input[str]
    """The VPC's ARN."""
    subnets: Sequence[pulumi.Input[str]]
    """The private subnets' ARNs."""
    security_group: pulumi.Input[str]
    """The Lambda security group's ARN."""


def _concat(*parts: pulumi.Input[str]) -> pulumi.Input[str]:
    """The parts joined: a plain string when all are (known in advance, or a test's
    names), else an Output."""
    if all(isinstance(part, str) for part in parts):
        return "".join(str(part) for part in parts)
    return pulumi.Output.concat(*parts)


def model_arns(region: str, partition: str, account_id: str, model_id: str) -> list[str]:
    """The ARNs a call to `model_id` is authorised on: the foundation model; for a
    cross-region inference profile (`us.…`, `global.…`) the profile and the model in every
    region it may route to (`*` region: the profile decides, not the caller)."""
    scope, _, base = model_id.partition(".")
    if scope in ("us", "eu", "apac", "global", "us-gov", "ca", "jp", "au") and base:
        return [
            f"arn:{partition}:bedrock:{region}:{account_id}:inference-profile/{model_id}",
            f"arn:{partition}:bedrock:*::foundation-model/{base}",
        ]
    return [f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}"]


def statements(key: str, grants: FunctionGrants, targets: AccessTargets) -> list[Statement]:
    """The IAM statements of the function `key`'s role."""
    found: list[Statement] = [
        allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [_concat(targets.own_log_group, ":*")],
            sid="OwnLogGroup",
        ),
        allow(XRAY_ACTIONS, ["*"], sid="Traces"),
    ]
    found += _table_statements(grants, targets)
    found += _document_statements(grants, targets)
    found += _service_statements(key, grants, targets)
    found += _kms_statements(grants, targets)
    if targets.vpc is not None:
        found += eni_statements(targets, targets.vpc)
    return found


def _table_statements(grants: FunctionGrants, targets: AccessTargets) -> list[Statement]:
    found: list[Statement] = []
    for number, grant in enumerate(grants.tables):
        arn = targets.tables[grant.table]
        found.append(allow(grant.actions, [arn], sid=f"Table{number}"))
        if grant.indexes:
            indexes = [_concat(arn, "/index/", name) for name in grant.indexes]
            found.append(allow([QUERY], indexes, sid=f"Table{number}Indexes"))
    return found


def _document_statements(grants: FunctionGrants, targets: AccessTargets) -> list[Statement]:
    documents = list(grants.documents)
    if "slack" in grants.secrets and grants.posts_to_slack:
        documents.append(SLACK_DIGEST)
    if not documents:
        return []
    by_action: dict[str, list[str]] = {}
    for grant in documents:
        for action in grant.actions:
            by_action.setdefault(action, []).append(grant.prefix)
    return [
        allow(
            [action],
            [_concat(targets.documents_bucket, "/", p, "*") for p in prefixes],
            sid=f"Documents{action.split(':')[1]}",
        )
        for action, prefixes in sorted(by_action.items())
    ] + [
        # Without it an absent document answers 403, not 404: every optional read (a
        # series' first follow-up, the day's first digest) would fail as refused.
        allow(["s3:ListBucket"], [targets.documents_bucket], sid="DocumentsListBucket")
    ]


def _service_statements(
    key: str, grants: FunctionGrants, targets: AccessTargets
) -> list[Statement]:
    found: list[Statement] = []
    if grants.secrets:
        found.append(
            allow(
                grants.secret_actions,
                [targets.secrets[name] for name in grants.secrets],
                sid="Secrets",
            )
        )
    if grants.writes_secrets:
        found.append(
            allow(
                [PUT_SECRET],
                [targets.secrets[name] for name in grants.writes_secrets],
                sid="SecretWrites",
            )
        )
    machine = targets.state_machine
    starts = [a for a in grants.executions if a == "states:StartExecution"]
    on_executions = [a for a in grants.executions if a != "states:StartExecution"]
    if starts:
        found.append(allow(starts, [machine], sid="StartPreps"))
    if on_executions:
        executions = machine.replace(":stateMachine:", ":execution:") + ":*"
        found.append(allow(on_executions, [executions], sid="PrepExecutions"))
    if grants.task_tokens:
        found.append(allow(TASK_TOKEN_ACTIONS, ["*"], sid="TaskTokens"))
    if grants.publishes_prep_events:
        found.append(allow(["events:PutEvents"], [targets.event_bus], sid="PrepEvents"))
    if grants.schedules:
        schedules = (
            f"arn:{targets.partition}:scheduler:{targets.region}:{targets.account_id}:"
            f"schedule/{targets.schedule_group}/*"
        )
        found.append(allow(grants.schedules, [schedules], sid="Reminders"))
        if {"scheduler:CreateSchedule", "scheduler:UpdateSchedule"} & set(grants.schedules):
            found.append(
                allow(
                    ["iam:PassRole"],
                    [targets.scheduler_role],
                    sid="PassSchedulerRole",
                    condition={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
                )
            )
    if grants.models:
        ids = dict.fromkeys(targets.model_ids[role] for role in grants.models)
        arns = [
            arn
            for model_id in ids
            for arn in model_arns(targets.region, targets.partition, targets.account_id, model_id)
        ]
        found.append(
            allow(
                ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], arns, sid="Models"
            )
        )
    if grants.reads_costs:
        found.append(allow(COST_EXPLORER_ACTIONS, ["*"], sid="CostExplorer"))
        budgets = f"arn:{targets.partition}:budgets::{targets.account_id}:budget/*"
        found.append(allow([VIEW_BUDGETS], [budgets], sid="Budgets"))
    if grants.invokes_itself:
        found.append(allow(["lambda:InvokeFunction"], [targets.own_alias], sid="InvokeItself"))
    if targets.dead_letter_queue is not None:
        found.append(allow(["sqs:SendMessage"], [targets.dead_letter_queue], sid="DeadLetters"))
    return found


def _kms_statements(grants: FunctionGrants, targets: AccessTargets) -> list[Statement]:
    """The key, through the services that use it on the function's behalf only: S3 (the
    documents are SSE-KMS), Secrets Manager, SQS (the dead-letter queue is encrypted)."""
    region = targets.region
    found: list[Statement] = []
    by_service: dict[str, set[str]] = {}
    actions = {a for grant in grants.documents for a in grant.actions}
    if GET_OBJECT in actions:
        by_service.setdefault("s3", set()).add("kms:Decrypt")
    if PUT_OBJECT in actions:
        by_service.setdefault("s3", set()).add("kms:GenerateDataKey")
    if grants.secrets:
        by_service.setdefault("secretsmanager", set()).add("kms:Decrypt")
        if PUT_SECRET in grants.secret_actions or grants.writes_secrets:
            by_service["secretsmanager"].add("kms:GenerateDataKey")
    if targets.dead_letter_queue is not None:
        by_service.setdefault("sqs", set()).update({"kms:GenerateDataKey", "kms:Decrypt"})
    for service, kms_actions in sorted(by_service.items()):
        key = targets.secrets_key if service == "secretsmanager" else targets.key
        found.append(
            allow(
                sorted(kms_actions),
                [key],
                sid=f"KeyVia{service.capitalize()}",
                condition={"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com"}},
            )
        )
    return found


def eni_statements(targets: AccessTargets, vpc: VpcTargets) -> list[Statement]:
    """What Lambda needs of the role to put the function in the VPC, instead of the managed
    AWSLambdaVPCAccessExecutionRole (whose statements are all on `*`): interfaces created in
    the private subnets with the Lambda security group only, and managed in this VPC only.
    The two Describe actions have no resource-level permissions."""
    interfaces = (
        f"arn:{targets.partition}:ec2:{targets.region}:{targets.account_id}:network-interface/*"
    )
    in_vpc = {"ArnEquals": {"ec2:Vpc": vpc.vpc}}
    return [
        allow(
            ["ec2:CreateNetworkInterface"],
            [interfaces, *vpc.subnets, vpc.security_group],
            sid="InterfacesInPrivateSubnets",
        ),
        allow(ENI_MANAGE_ACTIONS, [interfaces], sid="InterfacesOfTheVpc", condition=in_vpc),
        allow(ENI_DESCRIBE_ACTIONS, ["*"], sid="DescribeInterfaces"),
    ]
