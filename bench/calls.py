"""Counting the DynamoDB calls (and items written) one thread makes, with a botocore
hook: what the call-count targets of the feed and stories benchmarks are measured
with."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import botocore.client


class Calls:
    """DynamoDB API calls (and written items) made by the calling thread."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.written = 0
        self.waited_ms = 0.0
        self._thread = threading.get_ident()
        original = botocore.client.BaseClient._make_api_call
        calls = self

        def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name == "dynamodb" and (
                threading.get_ident() == calls._thread
            ):
                calls.calls.append(operation)
                if operation == "BatchWriteItem":
                    calls.written += sum(len(v) for v in params["RequestItems"].values())
                elif operation == "TransactWriteItems":
                    calls.written += len(params["TransactItems"])
                elif operation in {"PutItem", "UpdateItem", "DeleteItem"}:
                    calls.written += 1
                started = time.perf_counter()
                try:
                    return original(client, operation, params)
                finally:
                    calls.waited_ms += (time.perf_counter() - started) * 1000
            return original(client, operation, params)

        botocore.client.BaseClient._make_api_call = counting

    def during(self, action: Callable[[], Any]) -> tuple[Any, int, float]:
        self.calls.clear()
        self.written = 0
        self.waited_ms = 0.0
        started = time.perf_counter()
        result = action()
        return result, len(self.calls), (time.perf_counter() - started) * 1000
