"""The few places where moto's server mode must behave more like AWS for Photogram.

1. Atomicity. DynamoDB serializes writes to an item and runs a transaction's
   condition checks and writes as one step. moto's backend holds no lock while the
   threaded server runs requests concurrently: measured on moto 5.2.5, concurrent
   transactions lost writes and failed with HTTP 500, and two racing conditional
   puts both won. One lock around each DynamoDB (and Streams) request restores the
   guarantee that conditional writes, transactions and exact counters rely on.

2. Transaction cost. moto's TransactWriteItems deep-copies every table it touches
   before running, as a rollback snapshot: 55 ms per transaction at 1,000 items and
   290 ms at 5,000, growing without bound in a long `make dev`. Under the lock the
   state cannot change while a transaction runs, so this version checks every
   condition first (as DynamoDB does: against the state before the transaction) and
   writes only when all pass, snapshotting just the items it touches in case a
   write itself fails. The outcome and errors are moto's own.

3. Queries look only at the partition asked for (below), and in a base-table
   partition only at the items within the sort key's condition.

4. Key sizes on reads. DynamoDB refuses a partition key over 2,048 bytes or a sort
   key over 1,024 bytes (ValidationException) on every request that names a key:
   GetItem, BatchGetItem, DeleteItem, UpdateItem, the transactions and Query. moto
   checks only the items it stores, so a client's 5 KB path segment looked up
   locally was simply not found, and on AWS answered 500. Checked here as DynamoDB
   does, so the local runtime fails where AWS would (with moto's own errors).

5. Long update expressions. moto parses `SET a, b REMOVE c, ...` into a chain of
   nested UpdateExpression nodes, and two of its validators (overlapping paths, one
   clause of each kind) run at every node of the chain, each searching the whole
   subtree below it: quadratic in the number of actions. The rate-limit charge
   (photogram.limits: 63 actions, 59 of them REMOVEs of past minutes) measured 21 ms
   of moto time per write on moto 5.2.5, against 4 ms for a transaction of one put;
   every like, comment, post and message pays it. Both checks hold for a chain exactly
   when they hold for its root (a subtree's actions and clauses are a subset of the
   root's), so they run once, at the root, with moto's own errors.
"""

from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Iterator
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    HashKeyTooLong,
    MultipleTransactionsException,
    RangeKeyTooLong,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.limits import HASH_KEY_MAX_LENGTH, RANGE_KEY_MAX_LENGTH
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import UpdateExpression
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

DYNAMODB_LOCK = threading.RLock()
_applied = False


def _locked(cls: Any) -> None:
    original = cls.call_action

    def call_action(self: Any) -> Any:
        with DYNAMODB_LOCK:
            return original(self)

    cls.call_action = call_action


def _key_of(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]
    attrs = op["Item"]
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    ops: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        key = _key_of(self, op_type, op)
        unique = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if unique in seen:
            raise MultipleTransactionsException()
        seen.add(unique)
        ops.append((op_type, op, key))

    # Phase 1: every condition against the state before the transaction.
    errors: list[tuple[Any, Any, Any]] = []
    for _, op, key in ops:
        current = self.get_item(op["TableName"], key)
        expression = op.get("ConditionExpression")
        if expression is not None and not get_filter_expression(
            expression, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current):
            old = None
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            errors.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, old))
        else:
            errors.append((None, None, None))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    # Phase 2: the writes, with a snapshot of just the touched items.
    snapshot = []
    for op_type, op, key in ops:
        if op_type != "ConditionCheck":
            current = self.get_item(op["TableName"], key)
            snapshot.append((op["TableName"], key, copy.deepcopy(current)))
    streams = {
        name: len(table.stream_shard.items)
        for name, table in self.tables.items()
        if table.stream_shard is not None and name in {op["TableName"] for _, op, _ in ops}
    }
    try:
        for op_type, op, key in ops:
            names = op.get("ExpressionAttributeNames") or {}
            values = op.get("ExpressionAttributeValues") or {}
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"])
            elif op_type == "Delete":
                self.delete_item(op["TableName"], key)
            elif op_type == "Update":
                self.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except Exception:
        for table_name, key, old in snapshot:
            if old is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, old.to_json()["Attributes"])
        for table_name, length in streams.items():
            shard = self.tables[table_name].stream_shard
            if shard is not None:
                del shard.items[length:]
        raise


# --- 3. queries look at candidates only ------------------------------------------------

IndexRecord = dict[Any, set[tuple[Any, Any]]]


def _hash_attr(table: Table, index_name: str) -> str | None:
    for index in table.all_indexes():
        if index.name == index_name:
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            return hashes[0] if len(hashes) == 1 else None
    return None


def _records(table: Table) -> dict[str, IndexRecord]:
    records: dict[str, IndexRecord] | None = getattr(table, "_photogram_index_records", None)
    if records is None:
        records = {}
        table._photogram_index_records = records  # type: ignore[attr-defined]
    return records


def partition_items(table: Table, partition: Any) -> list[Any]:
    """The items of one stored partition (a dict by range key, or the item itself)."""
    return list(partition.values()) if table.range_key_attr else [partition]


def stored_items(table: Table) -> Iterator[Any]:
    """Every item as stored, unsorted (moto's all_items() sorts the whole table)."""
    for partition in table.items.values():
        yield from partition_items(table, partition)


def _note(record: IndexRecord, attr: str, item: Any) -> None:
    value = item.attrs.get(attr)
    if value is not None:
        record.setdefault(value, set()).add((item.hash_key, item.range_key))


def _record(table: Table, item: Any) -> None:
    """Note `item` under each built index's key value it now has."""
    for index_name, record in _records(table).items():
        attr = _hash_attr(table, index_name)
        if attr:
            _note(record, attr, item)


def _index_record(table: Table, index_name: str, attr: str) -> IndexRecord:
    records = _records(table)
    if index_name not in records:
        record: IndexRecord = {}
        for item in stored_items(table):
            _note(record, attr, item)
        records[index_name] = record
    return records[index_name]


def _lookup(table: Table, hash_key: Any, range_key: Any) -> Any:
    partition = table.items.get(hash_key)
    if partition is None:
        return None
    return partition.get(range_key) if table.range_key_attr else partition


def _candidates(table: Table, hash_key: Any, index_name: str | None, conditions: Any) -> Any:
    if index_name is None:
        partition = table.items.get(hash_key)
        return [] if partition is None else partition_items(table, partition)
    attr = _hash_attr(table, index_name)
    if attr is None or (conditions and len(conditions) != 1):
        return None
    value = conditions[0][1] if conditions else hash_key
    keys = _index_record(table, index_name, attr).get(value, set())
    found = (_lookup(table, h, r) for h, r in keys)
    return [item for item in found if item is not None]


_original_query = Table.query
_original_get = Table.get_item
_original_put = Table.put_item
_original_update = DynamoDBBackend.update_item


_QUERY_SIGNATURE = inspect.signature(_original_query)


# --- 4. key sizes on reads ---------------------------------------------------------------


def _check_key_sizes(hash_key: Any, range_keys: Any = ()) -> None:
    if hash_key is not None and hash_key.size() > HASH_KEY_MAX_LENGTH:
        raise HashKeyTooLong
    if any(value is not None and value.size() > RANGE_KEY_MAX_LENGTH for value in range_keys):
        raise RangeKeyTooLong


def get_item(self: Table, hash_key: Any, range_key: Any = None, *args: Any, **kwargs: Any) -> Any:
    # Every request naming one item's key comes through here: GetItem, BatchGetItem,
    # DeleteItem, UpdateItem and both transactions (the one above reads each key first).
    _check_key_sizes(hash_key, (range_key,))
    return _original_get(self, hash_key, range_key, *args, **kwargs)


def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    given = _QUERY_SIGNATURE.bind(self, hash_key, *args, **kwargs).arguments
    _check_key_sizes(hash_key, given.get("range_objs") or ())
    candidates = _candidates(
        self, hash_key, given.get("index_name"), given.get("hash_key_conditions")
    )
    if candidates is None:
        return _original_query(self, hash_key, *args, **kwargs)
    comparison, objects = given.get("range_comparison"), given.get("range_objs") or []
    conditions = given.get("range_key_conditions") or []
    if len(conditions) == 1 and conditions[0][0] == self.range_key_attr:
        _, comparison, objects = conditions[0]
    if comparison and given.get("index_name") is None and len(conditions) <= 1:
        # The sort key's condition first: moto sorts, sizes and walks every candidate
        # (a conversation's whole history for "its members"), where DynamoDB reads the
        # key range alone. moto then applies the same condition again.
        candidates = [
            item
            for item in candidates
            if item.range_key is not None and item.range_key.compare(comparison, objects)
        ]
    self.all_items = lambda: candidates  # type: ignore[method-assign]
    try:
        return _original_query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def put_item(self: Table, *args: Any, **kwargs: Any) -> Any:
    item = _original_put(self, *args, **kwargs)
    _record(self, item)
    return item


def update_item(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Any:
    item = _original_update(self, table_name, *args, **kwargs)
    _record(self.get_table(table_name), item)
    return item


# --- 5. long update expressions ----------------------------------------------------------


def _at_root_only(cls: Any) -> None:
    original = cls.traverse

    def traverse(self: Any, node: Any) -> Any:
        if isinstance(node, UpdateExpression):
            return self.process(node)
        return original(self, node)

    cls.traverse = traverse


def apply() -> None:
    global _applied
    if _applied:
        return
    Table.query = query  # type: ignore[method-assign]
    Table.get_item = get_item  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    _locked(DynamoHandler)
    _locked(DynamoDBStreamsHandler)
    _at_root_only(validators.OverlappingPathsValidator)
    _at_root_only(validators.ActionCountValidator)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _applied = True
