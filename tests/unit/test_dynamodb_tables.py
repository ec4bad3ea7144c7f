"""The DynamoDB table definitions: the spec's two tables exactly, and every key typed once."""

from __future__ import annotations

from exec_assistant.adapters.aws.tables import (
    CHAT_SESSIONS,
    IDEMPOTENCY,
    MEETINGS,
    TABLES,
    create_table_args,
)


def _indexes(args: dict[str, object]) -> dict[str, object]:
    return {i["IndexName"]: i for i in args.get("GlobalSecondaryIndexes", [])}  # type: ignore[attr-defined]


def test_the_meetings_table_is_keyed_as_the_spec_gives_it() -> None:
    args = create_table_args(MEETINGS)

    assert args["TableName"] == "exec-assistant-meetings"
    assert args["BillingMode"] == "PAY_PER_REQUEST"
    assert args["KeySchema"] == [
        {"AttributeName": "meeting_id", "KeyType": "HASH"},
        {"AttributeName": "calendar_id", "KeyType": "RANGE"},
    ]
    assert _indexes(args)["status-start_time-index"] == {
        "IndexName": "status-start_time-index",
        "KeySchema": [
            {"AttributeName": "status", "KeyType": "HASH"},
            {"AttributeName": "start_time", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    types = {a["AttributeName"]: a["AttributeType"] for a in args["AttributeDefinitions"]}
    assert {k: types[k] for k in ("meeting_id", "calendar_id", "status", "start_time")} == {
        "meeting_id": "S",
        "calendar_id": "S",
        "status": "S",
        "start_time": "S",
    }
    assert args["SSESpecification"] == {"Enabled": True}
    assert MEETINGS.point_in_time_recovery


def test_the_chat_sessions_table_is_keyed_as_the_spec_gives_it() -> None:
    args = create_table_args(CHAT_SESSIONS, "sessions", kms_key_id="alias/exec")

    assert args["TableName"] == "sessions"
    assert args["KeySchema"] == [{"AttributeName": "session_id", "KeyType": "HASH"}]
    index = _indexes(args)["user_id-created_at-index"]
    assert index["KeySchema"] == [  # type: ignore[index]
        {"AttributeName": "user_id", "KeyType": "HASH"},
        {"AttributeName": "created_at", "KeyType": "RANGE"},
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in args["AttributeDefinitions"]}
    assert types["created_at"] == "N"
    assert CHAT_SESSIONS.ttl_attribute == "expires_at"
    assert args["SSESpecification"] == {
        "Enabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": "alias/exec",
    }


def test_the_idempotency_table_has_powertools_layout() -> None:
    args = create_table_args(IDEMPOTENCY)
    assert args["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert IDEMPOTENCY.ttl_attribute == "expiration"
    assert "GlobalSecondaryIndexes" not in args


def test_every_table_defines_exactly_the_attributes_its_keys_use() -> None:
    for table in TABLES:
        args = create_table_args(table)
        keyed = {k["AttributeName"] for k in args["KeySchema"]} | {
            k["AttributeName"]
            for i in args.get("GlobalSecondaryIndexes", [])
            for k in i["KeySchema"]
        }
        assert {a["AttributeName"] for a in args["AttributeDefinitions"]} == keyed
        assert all(i.purpose for i in table.indexes), table.default_name
        assert table.environment_variable.endswith("_TABLE")
