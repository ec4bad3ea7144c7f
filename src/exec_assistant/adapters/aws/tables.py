"""Every DynamoDB table of the deployment, as plain data: keys, indexes, time to live.

The tests create their tables from these definitions, and the infrastructure program is to
do the same: one description of each table, whoever creates it. `create_table_args` gives boto3's
`create_table` keyword arguments (on-demand billing); the time to live and point-in-time
recovery are separate calls on DynamoDB (`create_table` does both here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

AttributeType = Literal["S", "N", "B"]
Projection = Literal["ALL", "KEYS_ONLY"]


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: AttributeType = "S"


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    projection: Projection = "ALL"
    purpose: str = ""
    """Which port method's query it answers."""


@dataclass(frozen=True)
class TableDefinition:
    default_name: str
    environment_variable: str
    """Where the functions find the table's name (set by the infrastructure)."""
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    indexes: tuple[GlobalIndex, ...] = ()
    ttl_attribute: str | None = None
    point_in_time_recovery: bool = True
    holds: str = ""
    extra_tags: dict[str, str] = field(default_factory=dict)

    def index(self, name: str) -> GlobalIndex:
        for index in self.indexes:
            if index.name == name:
                return index
        raise KeyError(name)


MEETINGS = TableDefinition(
    default_name="exec-assistant-meetings",
    environment_variable="MEETINGS_TABLE",
    hash_key=KeyAttribute("meeting_id"),
    range_key=KeyAttribute("calendar_id"),
    indexes=(
        GlobalIndex(
            "status-start_time-index",
            KeyAttribute("status"),
            KeyAttribute("start_time"),
            purpose="list_by_status",
        ),
        GlobalIndex(
            "kind-start_time-index",
            KeyAttribute("kind"),
            KeyAttribute("start_time"),
            purpose="list_between, statuses_between",
        ),
        GlobalIndex(
            "kind-meeting_id-index",
            KeyAttribute("kind"),
            KeyAttribute("meeting_id"),
            projection="KEYS_ONLY",
            purpose="ids_with_prefix",
        ),
        GlobalIndex(
            "series_id-start_time-index",
            KeyAttribute("series_id"),
            KeyAttribute("start_time"),
            purpose="list_series",
        ),
    ),
    holds="meetings: hash meeting_id, range calendar_id (the spec's)",
)

CHAT_SESSIONS = TableDefinition(
    default_name="exec-assistant-chat-sessions",
    environment_variable="SESSIONS_TABLE",
    hash_key=KeyAttribute("session_id"),
    indexes=(
        GlobalIndex(
            "user_id-created_at-index",
            KeyAttribute("user_id"),
            KeyAttribute("created_at", "N"),
            purpose="list_for_user",
        ),
        GlobalIndex(
            "meeting_id-created_at-index",
            KeyAttribute("meeting_id"),
            KeyAttribute("created_at", "N"),
            purpose="find_for_meeting",
        ),
    ),
    ttl_attribute="expires_at",
    holds="chat sessions (the spec's), gone after their expires_at",
)

FOLLOW_UPS = TableDefinition(
    default_name="exec-assistant-follow-ups",
    environment_variable="FOLLOW_UPS_TABLE",
    hash_key=KeyAttribute("meeting_id"),
    range_key=KeyAttribute("record_key"),
    indexes=(
        GlobalIndex(
            "record_key-index",
            KeyAttribute("record_key"),
            projection="KEYS_ONLY",
            purpose="get (finds the meeting of an item id)",
        ),
        GlobalIndex(
            "kind-created_at-index",
            KeyAttribute("kind"),
            KeyAttribute("created_at"),
            purpose="list() with no filter",
        ),
        GlobalIndex(
            "open_kind-created_at-index",
            KeyAttribute("open_kind"),
            KeyAttribute("created_at"),
            purpose="list(open_only=True): only open items and pending decisions are in it",
        ),
        GlobalIndex(
            "series_key-created_at-index",
            KeyAttribute("series_key"),
            KeyAttribute("created_at"),
            purpose="list(series_id=...)",
        ),
        GlobalIndex(
            "owner_key-created_at-index",
            KeyAttribute("owner_key"),
            KeyAttribute("created_at"),
            purpose="list(owner=...): the owner in lower case",
        ),
    ),
    holds=(
        "action items (record_key action#<item id>) and decisions (decision#<decision id>),"
        " one partition per meeting"
    ),
)

STATE = TableDefinition(
    default_name="exec-assistant-state",
    environment_variable="STATE_TABLE",
    hash_key=KeyAttribute("pk"),
    indexes=(
        GlobalIndex(
            "kind-pk-index",
            KeyAttribute("kind"),
            KeyAttribute("pk"),
            purpose="SeriesOverrideRepository.all (only overrides carry kind)",
        ),
        GlobalIndex(
            "thread_channel-thread_ts-index",
            KeyAttribute("thread_channel"),
            KeyAttribute("thread_ts"),
            purpose="ChatThreadRepository.find",
        ),
    ),
    ttl_attribute="expires_at",
    holds=(
        "series overrides (pk override#<series id>), deliveries (delivery#<key>), chat"
        " threads (thread#<topic>), calendar states (calendar#<calendar id>), seen chat"
        " events (seen#<event id>) and pending calendar consents (consent#<stage>#<digest>),"
        " the last two gone after their expires_at"
    ),
)

IDEMPOTENCY = TableDefinition(
    default_name="exec-assistant-idempotency",
    environment_variable="IDEMPOTENCY_TABLE",
    hash_key=KeyAttribute("id"),
    ttl_attribute="expiration",
    holds="the Lambda functions' idempotency records (powertools' layout)",
)

TABLES: tuple[TableDefinition, ...] = (MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE, IDEMPOTENCY)


def _key_schema(hash_key: KeyAttribute, range_key: KeyAttribute | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema


def key_attributes(table: TableDefinition) -> dict[str, AttributeType]:
    """Every attribute a key of the table or of one of its indexes uses, with its type."""
    found: dict[str, AttributeType] = {}
    keys = [table.hash_key, table.range_key]
    for index in table.indexes:
        keys += [index.hash_key, index.range_key]
    for key in keys:
        if key is None:
            continue
        if found.setdefault(key.name, key.type) != key.type:
            raise ValueError(f"{table.default_name}: {key.name} is keyed with two types")
    return found


def create_table_args(
    table: TableDefinition, name: str | None = None, *, kms_key_id: str | None = None
) -> dict[str, Any]:
    """boto3 `create_table` keyword arguments: on-demand, encrypted at rest (with the given
    KMS key, else DynamoDB's own)."""
    args: dict[str, Any] = {
        "TableName": name or table.default_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": _key_schema(table.hash_key, table.range_key),
        "AttributeDefinitions": [
            {"AttributeName": attribute, "AttributeType": kind}
            for attribute, kind in key_attributes(table).items()
        ],
        "SSESpecification": (
            {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key_id}
            if kms_key_id
            else {"Enabled": True}
        ),
        "Tags": [{"Key": "Service", "Value": "exec-assistant"}]
        + [{"Key": k, "Value": v} for k, v in table.extra_tags.items()],
    }
    if table.indexes:
        args["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.hash_key, index.range_key),
                "Projection": {"ProjectionType": index.projection},
            }
            for index in table.indexes
        ]
    return args


def create_table(client: Any, table: TableDefinition, name: str | None = None) -> str:
    """Create the table (waiting until it is active), with its time to live and point-in-time
    recovery; its name."""
    args = create_table_args(table, name)
    client.create_table(**args)
    client.get_waiter("table_exists").wait(
        TableName=args["TableName"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    if table.ttl_attribute:
        client.update_time_to_live(
            TableName=args["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )
    if table.point_in_time_recovery:
        client.update_continuous_backups(
            TableName=args["TableName"],
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    return str(args["TableName"])
