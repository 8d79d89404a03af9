"""Counting what one operation bills, across every thread of the local runtime.

`bench/calls.py` counts one thread's DynamoDB calls; an upload's work happens on
other threads too (the API server's, moto's Step Functions calling the pipeline
steps, the stream poller calling the stream consumer). So the meter attributes by
Lambda invocation instead: `FunctionPool.invoke` (the one way every local function
runs) is wrapped to time each invocation and to mark its thread, and the botocore
`_make_api_call` hook counts only calls made inside an invocation. What runs outside
one -- the benchmark itself, the TTL sweeper, the local stand-ins for EventBridge,
the event source mapping and Step Functions' Lambda calls -- is not counted: on AWS
those are AWS's own calls, billed as the executions and invocations counted here.

DynamoDB request units come from item sizes, not from ConsumedCapacity: moto 5
answers ReturnConsumedCapacity with a constant per operation (moto/dynamodb/
responses.py, `include_consumed_capacity(val=...)`), not the item's size. For a
write the meter reads the item before (and, for an update, after) with uncounted
consistent GetItems, so it bills the larger image and the GSI writes as DynamoDB
does; the time those take is subtracted from the invocation's duration.

Measure in quiet periods: everything running between `take()` calls is counted.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import botocore.client

from bench import billing
from infra.resources import TABLE

# S3 request classes (aws.amazon.com/s3/pricing): DELETE and abort are free.
S3_TIER1 = {
    "PutObject",
    "CopyObject",
    "PostObject",
    "ListObjects",
    "ListObjectsV2",
    "ListObjectVersions",
    "CreateMultipartUpload",
    "UploadPart",
    "UploadPartCopy",
    "CompleteMultipartUpload",
    "PutObjectTagging",
}
S3_FREE = {"DeleteObject", "DeleteObjects", "AbortMultipartUpload"}


@dataclass
class Usage:
    """What one measured window billed."""

    api_requests: int = 0
    # function name -> duration of each invocation (ms)
    invocations: dict[str, list[float]] = field(default_factory=dict)
    dynamodb_calls: Counter[str] = field(default_factory=Counter)
    # function name -> [RRU, WRU]
    units: dict[str, list[float]] = field(default_factory=dict)
    items_read: int = 0
    items_written: int = 0
    bytes_read: int = 0
    bytes_written: int = 0
    s3: Counter[str] = field(default_factory=Counter)
    s3_ops: Counter[str] = field(default_factory=Counter)
    executions: list[str] = field(default_factory=list)
    moderations: int = 0
    inference_ms: list[float] = field(default_factory=list)
    inference_bytes: int = 0
    secret_reads: int = 0
    other: Counter[str] = field(default_factory=Counter)

    @property
    def rru(self) -> float:
        return sum(r for r, _ in self.units.values())

    @property
    def wru(self) -> float:
        return sum(w for _, w in self.units.values())


def _key(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in (TABLE.partition_key, TABLE.sort_key)}


class Meter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self.usage = Usage()
        self._indexes = [(i.partition_key, i.sort_key) for i in TABLE.indexes]

    def take(self) -> Usage:
        """What was counted since the last `take()`; starts a new window."""
        with self._lock:
            usage, self.usage = self.usage, Usage()
        return usage

    # --- installation -------------------------------------------------------------

    def install(self) -> Meter:
        from local import s3_post
        from local.lambdas import FunctionPool
        from local.workflows import Workflows
        from photogram.adapters.moderation import BlocklistModerator

        meter = self
        invoke = FunctionPool.invoke

        def timed_invoke(self: FunctionPool, event: dict[str, Any]) -> Any:
            pool = self
            previous = getattr(meter._local, "function", None)
            meter._local.function, meter._local.overhead_ms = pool.spec.name, 0.0
            started = time.perf_counter()
            try:
                return invoke(pool, event)
            finally:
                ms = (time.perf_counter() - started) * 1000 - meter._local.overhead_ms
                meter._local.function = previous
                with meter._lock:
                    meter.usage.invocations.setdefault(pool.spec.name, []).append(ms)
                    if "httpMethod" in event:
                        meter.usage.api_requests += 1

        FunctionPool.invoke = timed_invoke  # type: ignore[method-assign]

        gate = s3_post.PostPolicyGate.__call__

        def counted_gate(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("REQUEST_METHOD") == "POST" and environ.get(
                "CONTENT_TYPE", ""
            ).startswith("multipart/form-data"):
                # The app's presigned POST, straight to S3: no Lambda is involved.
                with meter._lock:
                    meter.usage.s3["PUT/COPY/POST/LIST"] += 1
                    meter.usage.s3_ops["PostObject (presigned, from the app)"] += 1
            return gate(self, environ, start_response)

        s3_post.PostPolicyGate.__call__ = counted_gate  # type: ignore[method-assign]

        start_execution = Workflows.start_execution

        def counted_start(
            self: Workflows, sfn: Any, state_machine_arn: str, event_json: str
        ) -> str:
            execution_arn = start_execution(self, sfn, state_machine_arn, event_json)
            with meter._lock:
                meter.usage.executions.append(execution_arn)
            return execution_arn

        Workflows.start_execution = counted_start  # type: ignore[method-assign]

        check = BlocklistModerator.check

        def counted_check(self: Any, image: Any) -> Any:
            # Locally the blocklist stands in for one Rekognition DetectModerationLabels.
            with meter._lock:
                meter.usage.moderations += 1
            return check(self, image)

        BlocklistModerator.check = counted_check  # type: ignore[method-assign]

        original = botocore.client.BaseClient._make_api_call

        def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
            function = getattr(meter._local, "function", None)
            if function is None:
                return original(client, operation, params)
            service = client.meta.service_model.service_name
            if service == "dynamodb":
                return meter._dynamodb(original, client, operation, params, function)
            started = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                meter._other(service, operation, params, (time.perf_counter() - started) * 1000)

        botocore.client.BaseClient._make_api_call = counting
        return self

    # --- counting -----------------------------------------------------------------

    def _other(self, service: str, operation: str, params: dict[str, Any], ms: float) -> None:
        with self._lock:
            usage = self.usage
            if service == "s3":
                kind = (
                    "free (DELETE)"
                    if operation in S3_FREE
                    else "PUT/COPY/POST/LIST"
                    if operation in S3_TIER1
                    else "GET/HEAD"
                )
                usage.s3[kind] += 1
                usage.s3_ops[operation] += 1
            elif service == "rekognition" and operation == "DetectModerationLabels":
                usage.moderations += 1
            elif service == "sagemaker-runtime" and operation == "InvokeEndpoint":
                usage.inference_ms.append(ms)
                body = params.get("Body", b"")
                usage.inference_bytes += len(body.encode() if isinstance(body, str) else body)
            elif service == "secretsmanager" and operation == "GetSecretValue":
                usage.secret_reads += 1
            else:
                usage.other[f"{service}.{operation}"] += 1

    def _image(self, original: Any, client: Any, table: str, key: dict[str, Any]) -> Any:
        """The item as it is now, read without being counted."""
        started = time.perf_counter()
        try:
            response = original(
                client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True}
            )
            return response.get("Item")
        finally:
            self._local.overhead_ms += (time.perf_counter() - started) * 1000

    def _writes(self, operation: str, params: dict[str, Any]) -> list[tuple[str, Any, Any, str]]:
        """(table, key, new item or the action, action) for each item a write touches."""
        if operation == "PutItem":
            return [(params["TableName"], _key(params["Item"]), params["Item"], "put")]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(params["TableName"], params["Key"], None, operation)]
        if operation == "BatchWriteItem":
            out = []
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        item = request["PutRequest"]["Item"]
                        out.append((table, _key(item), item, "put"))
                    else:
                        out.append((table, request["DeleteRequest"]["Key"], None, "DeleteItem"))
            return out
        if operation == "TransactWriteItems":
            out = []
            for entry in params["TransactItems"]:
                ((action, body),) = entry.items()
                if action == "Put":
                    out.append((body["TableName"], _key(body["Item"]), body["Item"], "put"))
                else:
                    key = body["Key"]
                    kind = {"Update": "UpdateItem", "Delete": "DeleteItem"}.get(action, action)
                    out.append((body["TableName"], key, None, kind))
            return out
        return []

    def _dynamodb(
        self, original: Any, client: Any, operation: str, params: dict[str, Any], function: str
    ) -> Any:
        writes = self._writes(operation, params)
        before = [self._image(original, client, table, key) for table, key, _, _ in writes]
        response: dict[str, Any] = {}
        try:
            response = original(client, operation, params)
            return response
        finally:
            # A failed condition still consumes the write's units; a failed read none.
            rru, wru = self._read_units(operation, params, response), 0.0
            transactional = operation == "TransactWriteItems"
            items = written = 0
            for (table, key, new, action), old in zip(writes, before, strict=True):
                if action == "UpdateItem":
                    new = self._image(original, client, table, key)
                elif action == "DeleteItem":
                    new = None
                elif action == "ConditionCheck":
                    # Assumed billed like a transactional write of the item it checks.
                    wru += billing.write_units(billing.item_size(old), transactional=True)
                    continue
                size = max(billing.item_size(old), billing.item_size(new))
                wru += billing.write_units(size, transactional=transactional)
                wru += sum(billing.index_write_units(old, new, names) for names in self._indexes)
                items += 1
                written += size
            read_items, read_bytes = self._read_volume(operation, response)
            with self._lock:
                usage = self.usage
                usage.dynamodb_calls[operation] += 1
                units = usage.units.setdefault(function, [0.0, 0.0])
                units[0] += rru
                units[1] += wru
                usage.items_written += items
                usage.bytes_written += written
                usage.items_read += read_items
                usage.bytes_read += read_bytes

    @staticmethod
    def _read_volume(operation: str, response: dict[str, Any]) -> tuple[int, int]:
        if operation == "GetItem":
            item = response.get("Item")
            return (1 if item else 0), billing.item_size(item)
        if operation in ("Query", "Scan"):
            items = response.get("Items", [])
            return len(items), sum(billing.item_size(i) for i in items)
        if operation == "BatchGetItem":
            items = [i for found in response.get("Responses", {}).values() for i in found]
            return len(items), sum(billing.item_size(i) for i in items)
        if operation == "TransactGetItems":
            items = [r["Item"] for r in response.get("Responses", []) if r.get("Item")]
            return len(items), sum(billing.item_size(i) for i in items)
        return 0, 0

    @staticmethod
    def _read_units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
        if not response:
            return 0.0
        if operation == "GetItem":
            return billing.read_units(
                billing.item_size(response.get("Item")),
                consistent=bool(params.get("ConsistentRead")),
            )
        if operation in ("Query", "Scan"):
            items = response.get("Items", [])
            size = sum(billing.item_size(i) for i in items)
            # A filter drops items after they are read (and billed): scale by what was
            # scanned. A projection is not seen here (it would read as smaller items).
            count, scanned = response.get("Count", len(items)), response.get("ScannedCount", 0)
            if count and scanned > count:
                size = size * scanned / count
            return billing.read_units(int(size), consistent=bool(params.get("ConsistentRead")))
        if operation == "BatchGetItem":
            units = 0.0
            for table, found in response.get("Responses", {}).items():
                request = params["RequestItems"][table]
                consistent = bool(request.get("ConsistentRead"))
                units += sum(
                    billing.read_units(billing.item_size(i), consistent=consistent) for i in found
                )
                unprocessed = len(
                    response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
                )
                missing = len(request["Keys"]) - len(found) - unprocessed
                units += missing * billing.read_units(0, consistent=consistent)
            return units
        if operation == "TransactGetItems":
            return sum(
                billing.read_units(billing.item_size(r.get("Item")), transactional=True)
                for r in response.get("Responses", [])
            )
        return 0.0
