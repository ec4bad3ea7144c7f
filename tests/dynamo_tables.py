"""Fresh DynamoDB tables on the tests' moto server, made from the deployment's definitions,
and a whole deployment's tables and documents bucket."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import moto.dynamodb.models as moto_dynamodb
from moto.dynamodb.models import DynamoDBBackend

from exec_assistant.adapters.aws.tables import (
    CHAT_SESSIONS,
    FOLLOW_UPS,
    IDEMPOTENCY,
    MEETINGS,
    STATE,
    TableDefinition,
    create_table,
)
from exec_assistant.deployment_settings import DeploymentSettings

from moto_server import AwsEndpoint

_writes = threading.RLock()
_fixed = False


def _one_at_a_time(method: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _writes:
            return method(*args, **kwargs)

    return locked


class _CopyOncePerTransaction:
    """`copy` as moto's transactions see it: each table deep-copied once per transaction."""

    def __init__(self) -> None:
        self._copies: dict[int, tuple[Any, Any]] = {}

    def deepcopy(self, value: Any) -> Any:
        kept = self._copies.get(id(value))
        if kept is None or kept[0] is not value:
            kept = self._copies[id(value)] = (value, copy.deepcopy(value))
        return kept[1]


def _transact_copying_once(method: Callable[..., Any]) -> Callable[..., Any]:
    def transact(*args: Any, **kwargs: Any) -> Any:
        with _writes:
            moto_dynamodb.copy = _CopyOncePerTransaction()  # type: ignore[assignment]
            try:
                return method(*args, **kwargs)
            finally:
                moto_dynamodb.copy = copy

    return transact


def fix_moto_transactions() -> None:
    """Two differences of moto 5's DynamoDB from AWS that the tests must not see:
    `transact_write_items` deep-copies the whole table once per action for its rollback (a
    100-action transaction on a table of 1,200 items took 3 s), and a transaction is not
    isolated from single-item writes served on other threads meanwhile. Here each table is
    copied once per transaction, and writes are served one at a time, as DynamoDB
    serialises writes to an item."""
    global _fixed
    if _fixed:
        return
    backend: Any = DynamoDBBackend
    backend.transact_write_items = _transact_copying_once(backend.transact_write_items)
    for name in ("put_item", "update_item", "delete_item"):
        setattr(backend, name, _one_at_a_time(getattr(backend, name)))
    _fixed = True


@contextmanager
def dynamodb_tables(aws: AwsEndpoint, *tables: TableDefinition) -> Iterator[tuple[Any, list[str]]]:
    """A client on the server and a table of each definition, named for this test alone and
    dropped after it."""
    fix_moto_transactions()
    client = aws.client("dynamodb")
    names = [create_table(client, table, aws.unique(table.default_name)) for table in tables]
    try:
        yield client, names
    finally:
        for name in names:
            client.delete_table(TableName=name)


def deployment_on(aws: AwsEndpoint, **settings: Any) -> DeploymentSettings:
    """The deployment's five tables and its documents bucket, named for this test alone, as
    the functions' settings name them (with `settings` besides)."""
    dynamodb = aws.client("dynamodb")
    tables = (MEETINGS, CHAT_SESSIONS, FOLLOW_UPS, STATE, IDEMPOTENCY)
    meetings, sessions, follow_ups, state, idempotency = (
        create_table(dynamodb, table, aws.unique(table.default_name)) for table in tables
    )
    bucket = aws.unique("documents")
    aws.client("s3").create_bucket(Bucket=bucket)
    return DeploymentSettings(
        documents_s3_bucket=bucket,
        meetings_table=meetings,
        sessions_table=sessions,
        follow_ups_table=follow_ups,
        state_table=state,
        idempotency_table=idempotency,
        **settings,
    )
