"""What every DynamoDB repository shares: attribute values, paged queries, reads in parallel,
conditional writes retried on a lost race, transactions within DynamoDB's limits, and the
typed errors a refused write becomes.

A record is stored whole as JSON in `body` (a series override, two strings, as attributes),
beside the attributes its keys and indexes need; meetings and chat sessions also carry a
`version` that changes on every write: an update reads the record, changes it,
and writes it only if `version` is still the one it read (else it reads again).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from botocore.exceptions import ClientError
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from exec_assistant.domain.errors import ConfigError, RecordNotStored, UpdateConflict

log = logging.getLogger(__name__)

DynamoClient = Any
"""A boto3 DynamoDB client (`boto3.client("dynamodb")`)."""
Item = dict[str, dict[str, Any]]
T = TypeVar("T")
R = TypeVar("R")

ITEM_BYTES = 400 * 1024
"""DynamoDB's limit on one item: attribute names and values together."""
TRANSACTION_ITEMS = 100
TRANSACTION_BYTES = 4 * 1024 * 1024
PARTITION_KEY_BYTES = 2048
SORT_KEY_BYTES = 1024
BATCH_GET_KEYS = 100
UPDATE_ATTEMPTS = 40
READ_THREADS = 8
"""Reads by key run this many at a time (the meetings table's keys need one query each)."""

_SIZE_HINT = "Shorten its longest texts (a description, notes, answers) and try again."


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def text(item: Item, name: str) -> str | None:
    value = item.get(name)
    return str(value["S"]) if value is not None and "S" in value else None


def number(item: Item, name: str) -> int | None:
    value = item.get(name)
    return int(value["N"]) if value is not None and "N" in value else None


def iso_key(value: datetime) -> str:
    """A fixed-width UTC timestamp, to the microsecond, that sorts as text."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_version() -> str:
    return uuid.uuid4().hex


def shown(value: str, width: int = 60) -> str:
    """An id as a message can show it: control characters escaped, cut to `width`."""
    quoted = repr(value)[1:-1]
    return quoted if len(quoted) <= width else quoted[: width - 1] + "…"


def key_fits(value: str, limit: int = PARTITION_KEY_BYTES) -> bool:
    """Whether DynamoDB can key an item by `value`: not empty, valid Unicode, short enough."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    return 0 < size <= limit


def require_key(record: str, value: str, limit: int = PARTITION_KEY_BYTES) -> None:
    if not key_fits(value, limit):
        raise RecordNotStored(
            record,
            f"its id must be 1 to {limit:,} bytes of valid Unicode text",
            hint="Records with such ids cannot be kept; this is a bug of whatever made the id.",
        )


def body_of(record: str, model: BaseModel) -> str:
    try:
        return model.model_dump_json()
    except PydanticSerializationError:
        raise RecordNotStored(
            record,
            "it holds text that is not valid Unicode (a lone surrogate)",
            hint="The text came from a malformed source; nothing of it was stored.",
        ) from None


def item_size(item: Item) -> int:
    """The item's size as DynamoDB counts it (numbers at their longest)."""
    total = 0
    for name, value in item.items():
        total += len(name.encode("utf-8"))
        if "S" in value:
            total += len(str(value["S"]).encode("utf-8"))
        elif "N" in value:
            total += len(str(value["N"])) // 2 + 2
        else:
            total += len(repr(value))
    return total


def check_size(record: str, item: Item, hint: str = _SIZE_HINT) -> int:
    size = item_size(item)
    if size > ITEM_BYTES:
        raise RecordNotStored(
            record,
            f"it is {size:,} bytes, over DynamoDB's limit of {ITEM_BYTES:,} bytes for one"
            " record; nothing of the write was stored",
            hint=hint,
        )
    return size


class LostRace(Exception):
    """The record changed between the read and the conditional write."""


def retry_lost_races(record: str, attempt: Callable[[], T], attempts: int = UPDATE_ATTEMPTS) -> T:
    """`attempt()` until it does not lose a race, with jittered backoff; `UpdateConflict`
    after `attempts` lost races in a row."""
    for number_ in range(attempts):
        try:
            return attempt()
        except LostRace:
            if number_ < attempts - 1:
                pause(number_)
    log.warning("update gave up after %d lost races", attempts)
    raise UpdateConflict(record, attempts)


def pause(lost: int) -> None:
    """Wait a random while, longer after each lost race, so racing writers drift apart."""
    time.sleep(random.uniform(0, min(0.25, 0.002 * 2**lost)))


def fits_one_transaction(writes: Sequence[Write]) -> bool:
    return len(writes) <= TRANSACTION_ITEMS and sum(w.size for w in writes) <= TRANSACTION_BYTES


@dataclass(frozen=True)
class Write:
    """One action of a transaction, and the record it writes (for messages)."""

    record: str
    action: dict[str, Any]
    """{"Put": {...}} or {"Delete": {...}}, without the table name."""
    size: int = 0


def chunks(writes: Sequence[Write]) -> list[list[Write]]:
    """The writes in transactions of at most 100 actions and 4 MB, in order."""
    groups: list[list[Write]] = []
    current: list[Write] = []
    current_bytes = 0
    for write in writes:
        if current and (
            len(current) == TRANSACTION_ITEMS or current_bytes + write.size > TRANSACTION_BYTES
        ):
            groups.append(current)
            current, current_bytes = [], 0
        current.append(write)
        current_bytes += write.size
    if current:
        groups.append(current)
    return groups


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _refusal(record: str, error: ClientError) -> RecordNotStored | None:
    """The typed error of a write DynamoDB refused for its size; None for other errors."""
    message = str(error.response.get("Error", {}).get("Message", ""))
    if _code(error) == "ValidationException" and "size" in message.lower():
        return RecordNotStored(
            record,
            f"it is over DynamoDB's limit of {ITEM_BYTES:,} bytes for one record",
            hint=_SIZE_HINT,
        )
    return None


class _NamedTableCalls:
    """The client's calls, a table that does not exist raised as a ConfigError that names it
    and the setting that named it: not a transient error to be retried for hours."""

    def __init__(self, client: DynamoClient, name: str, setting: str) -> None:
        self._client = client
        self._name = name
        self._setting = setting

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        call = getattr(self._client, operation)

        def named(**args: Any) -> Any:
            try:
                return call(**args)
            except ClientError as error:
                if _code(error) != "ResourceNotFoundException":
                    raise
                raise ConfigError(
                    f"the DynamoDB table {self._name} does not exist in this account and region",
                    key=self._setting,
                    hint=f"Set {self._setting} to the name of the deployment's table (the "
                    "stack's outputs give it), in the region the deployment is in.",
                ) from None

        return named


class DynamoTable:
    """One table through a boto3 client: the calls the repositories make, errors typed.
    `setting` is the environment variable that names the table, for the message when it
    does not exist."""

    def __init__(self, client: DynamoClient, name: str, setting: str = "its table setting") -> None:
        self.client = _NamedTableCalls(client, name, setting)
        self.name = name

    def get(self, key: Item, projection: str | None = None) -> Item | None:
        args: dict[str, Any] = {"TableName": self.name, "Key": key, "ConsistentRead": True}
        if projection:
            args["ProjectionExpression"] = projection
        found = self.client.get_item(**args).get("Item")
        return dict(found) if found else None

    def query(self, **args: Any) -> Iterator[Item]:
        """Every item the query matches, page after page."""
        args["TableName"] = self.name
        while True:
            page = self.client.query(**args)
            yield from page.get("Items", [])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            args["ExclusiveStartKey"] = last

    def put(self, record: str, item: Item, condition: dict[str, Any] | None = None) -> None:
        """Write the item; with a condition (ConditionExpression and its values), a failed
        condition is a `LostRace`."""
        try:
            self.client.put_item(TableName=self.name, Item=item, **(condition or {}))
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                raise LostRace(record) from None
            refusal = _refusal(record, error)
            if refusal is None:
                raise
            raise refusal from error

    def take(self, key: Item, condition: dict[str, Any]) -> Item | None:
        """Delete the item if the condition (ConditionExpression and its values) holds, and
        return it as it was: of callers taking the same item at once, one gets it; None
        when the condition fails."""
        try:
            answer = self.client.delete_item(
                TableName=self.name, Key=key, ReturnValues="ALL_OLD", **condition
            )
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                return None
            raise
        found = answer.get("Attributes")
        return dict(found) if found else None

    def transact(self, writes: Sequence[Write]) -> None:
        """The writes in one transaction per chunk of DynamoDB's limits (100 actions, 4 MB):
        each chunk is stored whole or not at all, but a failure in a later chunk leaves the
        earlier ones stored. A failed condition or a conflicting transaction is a
        `LostRace` (of that chunk: the chunks before it are stored)."""
        for group in chunks(writes):
            self.transact_one(group)

    def transact_one(self, writes: Sequence[Write]) -> None:
        if not writes:
            return
        items = [
            {kind: {**body, "TableName": self.name}}
            for write in writes
            for kind, body in write.action.items()
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if _code(error) != "TransactionCanceledException":
                refusal = _refusal(writes[0].record, error)
                if refusal is None:
                    raise
                raise refusal from error
            reasons = [str(r.get("Code")) for r in error.response.get("CancellationReasons", [])]
            if any(r in ("ConditionalCheckFailed", "TransactionConflict") for r in reasons):
                raise LostRace(writes[0].record) from None
            for write, reason in zip(writes, reasons, strict=False):
                if reason == "ValidationError":
                    raise RecordNotStored(
                        write.record,
                        "DynamoDB refused it (over the item size limit, or a key it cannot"
                        " hold); nothing of this batch was stored",
                        hint=_SIZE_HINT,
                    ) from error
            raise

    def batch_get(self, keys: Sequence[Item], projection: str | None = None) -> list[Item]:
        """The stored items among `keys` (strongly consistent), 100 keys a call, in no order."""
        found: list[Item] = []
        for offset in range(0, len(keys), BATCH_GET_KEYS):
            request: dict[str, Any] = {
                "Keys": list(keys[offset : offset + BATCH_GET_KEYS]),
                "ConsistentRead": True,
            }
            if projection:
                request["ProjectionExpression"] = projection
            for lost in range(UPDATE_ATTEMPTS):
                page = self.client.batch_get_item(RequestItems={self.name: request})
                found += page.get("Responses", {}).get(self.name, [])
                # Keys left unread (throttling, a response over 16 MB) are asked for again.
                unread = page.get("UnprocessedKeys", {}).get(self.name)
                if not unread:
                    break
                request = unread
                pause(lost)
            else:
                raise ClientError(
                    {"Error": {"Code": "Throttled", "Message": "keys left unread"}},
                    "BatchGetItem",
                )
        return found

    def each(self, read: Callable[[T], R], values: Sequence[T]) -> list[R]:
        """`read` of every value, a few at a time (the client is thread-safe), in order."""
        if len(values) <= 1:
            return [read(v) for v in values]
        with ThreadPoolExecutor(max_workers=min(READ_THREADS, len(values))) as pool:
            return list(pool.map(read, values))
