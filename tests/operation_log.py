"""The AWS API calls each Lambda function really makes, recorded while the integration tests
run its handler against moto, and the IAM action and resource each call needs.

Each function is given its own boto3 session (as each function runs in its own process on
AWS), and botocore's `before-parameter-build` event on that session records every call with
the parameters it was made with. `required_access` turns a call into what IAM authorises:
`ListObjectsV2` is `s3:ListBucket` on the bucket, `TransactWriteItems` is one `PutItem`,
`UpdateItem`, `DeleteItem` or `ConditionCheckItem` per item on its table, a schedule's
`RoleArn` is an `iam:PassRole`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

import boto3

from exec_assistant.aws_bootstrap import AwsApp
from exec_assistant.aws_clients import AwsClients
from exec_assistant.lambda_functions import BY_KEY

from moto_server import ACCOUNT_ID, REGION, AwsEndpoint


@dataclass(frozen=True)
class Call:
    """One API call: botocore's service name, the operation, its parameters."""

    service: str
    operation: str
    params: Mapping[str, Any]
    scope: str = ""
    """The deployment (one test's) it was made in."""


@dataclass(frozen=True)
class Access:
    """What IAM authorises for a call: an action on a resource, with the request's context
    keys a statement's condition may read (`s3:prefix`)."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


@dataclass
class OperationLog:
    """The calls of every function, by function key."""

    calls: dict[str, list[Call]] = field(default_factory=lambda: defaultdict(list))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def session_for(self, key: str, aws: AwsEndpoint, scope: str = "") -> boto3.Session:
        """A session on `aws` whose every call is recorded as the function `key`'s, in the
        deployment `scope`."""
        session = aws.session()

        def record(params: Mapping[str, Any], model: Any, **_: Any) -> None:
            service = model.service_model.service_name
            call = Call(service, model.name, dict(params), scope)
            with self._lock:
                self.calls[key].append(call)

        session.events.register("before-parameter-build", record)
        return session

    def of(self, key: str) -> list[Call]:
        with self._lock:
            return list(self.calls.get(key, ()))

    def functions(self) -> list[str]:
        with self._lock:
            return sorted(self.calls)


def _table_arn(name: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"


def _function_arn(name: str, qualifier: str | None) -> str:
    arn = (
        name if name.startswith("arn:") else f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    )
    return f"{arn}:{qualifier}" if qualifier and arn.count(":") == 6 else arn


_TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def required_access(call: Call) -> Iterator[Access]:
    """What IAM checks for `call` (raises KeyError for a service this does not know: a new
    kind of call must be taught here before it can pass)."""
    params = call.params
    if call.service == "dynamodb":
        yield from _dynamodb(call.operation, params)
    elif call.service == "s3":
        yield from _s3(call.operation, params)
    elif call.service == "stepfunctions":
        if call.operation == "StartExecution":
            yield Access("states:StartExecution", params["stateMachineArn"])
        elif call.operation in ("StopExecution", "DescribeExecution"):
            yield Access(f"states:{call.operation}", params["executionArn"])
        else:  # SendTaskSuccess/Failure/Heartbeat: authorised on no resource but the token
            yield Access(f"states:{call.operation}", "*")
    elif call.service == "scheduler":
        group = params.get("GroupName", "default")
        arn = f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/{group}/{params['Name']}"
        yield Access(f"scheduler:{call.operation}", arn)
        role = params.get("Target", {}).get("RoleArn")
        if role:
            yield Access("iam:PassRole", role)
    elif call.service == "events":
        for entry in params["Entries"]:
            bus = entry.get("EventBusName", "default")
            arn = (
                bus
                if bus.startswith("arn:")
                else f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{bus}"
            )
            yield Access("events:PutEvents", arn)
    elif call.service == "lambda":
        arn = _function_arn(params["FunctionName"], params.get("Qualifier"))
        yield Access("lambda:InvokeFunction", arn)
    elif call.service == "secretsmanager":
        yield Access(f"secretsmanager:{call.operation}", params["SecretId"])
    else:
        raise KeyError(f"{call.service}:{call.operation} is not mapped to IAM actions")


def _dynamodb(operation: str, params: Mapping[str, Any]) -> Iterator[Access]:
    if operation == "TransactWriteItems":
        for item in params["TransactItems"]:
            ((kind, request),) = item.items()
            yield Access(_TRANSACT_ACTIONS[kind], _table_arn(request["TableName"]))
    elif operation == "BatchGetItem":
        for table in params["RequestItems"]:
            yield Access("dynamodb:BatchGetItem", _table_arn(table))
    elif operation == "Query" and params.get("IndexName"):
        arn = f"{_table_arn(params['TableName'])}/index/{params['IndexName']}"
        yield Access("dynamodb:Query", arn)
    else:
        yield Access(f"dynamodb:{operation}", _table_arn(params["TableName"]))


def _s3(operation: str, params: Mapping[str, Any]) -> Iterator[Access]:
    bucket = params["Bucket"]
    if operation in ("ListObjectsV2", "ListObjects"):
        prefix = params.get("Prefix", "")
        yield Access("s3:ListBucket", f"arn:aws:s3:::{bucket}", (("s3:prefix", prefix),))
    elif operation == "HeadObject":
        yield Access("s3:GetObject", f"arn:aws:s3:::{bucket}/{params['Key']}")
    else:
        yield Access(f"s3:{operation}", f"arn:aws:s3:::{bucket}/{params['Key']}")


def function_apps(
    log: OperationLog, aws: AwsEndpoint, build: Callable[[AwsClients], AwsApp], scope: str
) -> Callable[[str], Callable[[], AwsApp]]:
    """`app_of(key)`: the app factory of the function `key`, built by `build` on its first
    invocation over clients of its own recorded session (one app per function, as each
    function has its own on AWS; they share the stores on the moto server)."""
    built: dict[str, AwsApp] = {}
    lock = threading.Lock()

    def app_of(key: str) -> Callable[[], AwsApp]:
        def app() -> AwsApp:
            with lock:
                if key not in built:
                    session = log.session_for(key, aws, scope)
                    built[key] = build(AwsClients(session, endpoint_url=aws.url))
                return built[key]

        return app

    return app_of


@dataclass(frozen=True)
class MotoTargets:
    """The names of one test's deployment on moto, as the grants' ARNs."""

    tables: Mapping[str, str]
    """Table names by environment variable."""
    bucket: str
    state_machine_arn: str
    schedule_group: str
    scheduler_role_arn: str
    event_bus: str = "default"
    function_names: Mapping[str, str] = field(default_factory=dict)
    """The functions' names by key, when the test names them its own way."""
    secrets: Mapping[str, str] = field(
        default_factory=lambda: {
            "slack": "slack-secret",
            "calendar": "calendar-secret",
            "integrations": "integrations-secret",
        }
    )
    """The secrets' ids (as the calls name them) by the grants' SecretKey."""


def policy_of(key: str, targets: MotoTargets) -> list[dict[str, Any]]:
    """The IAM statements the infrastructure gives the function `key`, over `targets`."""
    from exec_assistant_infra.access import GRANTS, AccessTargets, statements

    name = targets.function_names.get(key, BY_KEY[key].name)
    events = targets.event_bus
    access = AccessTargets(
        region=REGION,
        account_id=ACCOUNT_ID,
        partition="aws",
        tables={variable: _table_arn(table) for variable, table in targets.tables.items()},
        documents_bucket=f"arn:aws:s3:::{targets.bucket}",
        secrets=dict(targets.secrets),
        key="key",
        secrets_key="key",
        state_machine=targets.state_machine_arn,
        schedule_group=targets.schedule_group,
        scheduler_role=targets.scheduler_role_arn,
        event_bus=events
        if events.startswith("arn:")
        else f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{events}",
        model_ids={"pack": "pack-model", "summary": "summary-model"},
        own_alias=_function_arn(name, "live"),
        own_log_group=f"log-group:/aws/lambda/{name}",
    )
    return statements(key, GRANTS[key], access)


def allowed(access: Access, policy: list[dict[str, Any]]) -> bool:
    """Whether an Allow statement of `policy` covers `access` (actions and resources matched
    as IAM matches them: `*` and `?` wildcards; `s3:prefix` conditions read from the call)."""
    for statement in policy:
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatchcase(access.action, pattern) for pattern in statement["Action"]):
            continue
        if not any(fnmatchcase(access.resource, str(r)) for r in statement["Resource"]):
            continue
        condition = statement.get("Condition", {})
        prefixes = condition.get("StringLike", {}).get("s3:prefix")
        if prefixes is not None:
            given = dict(access.context).get("s3:prefix", "")
            if not any(fnmatchcase(given, p) for p in prefixes):
                continue
        return True
    return False


def refused_calls(log: OperationLog, targets: MotoTargets, scope: str) -> list[str]:
    """Every call of the deployment `scope` that the function's policy does not allow."""
    refused = []
    for key in log.functions():
        policy = policy_of(key, targets)
        for call in (c for c in log.of(key) if c.scope == scope):
            for access in required_access(call):
                if not allowed(access, policy):
                    refused.append(f"{key}: {access.action} on {access.resource}")
    return sorted(set(refused))
