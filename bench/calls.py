"""Counting the DynamoDB calls (and items written) one thread makes, with a botocore
hook: what the call-count targets of the feed and stories benchmarks are measured
with."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import botocore.client

from bench.stats import Timing


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

    @property
    def write_calls(self) -> int:
        """How many of the calls wrote (the items they wrote are `written`)."""
        writes = ("BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")
        return sum(self.calls.count(op) for op in writes)

    def during(self, action: Callable[[], Any]) -> tuple[Any, int, float]:
        self.calls.clear()
        self.written = 0
        self.waited_ms = 0.0
        started = time.perf_counter()
        result = action()
        return result, len(self.calls), (time.perf_counter() - started) * 1000


class Figures:
    """DynamoDB calls and wall time per named measurement, printed against a baseline
    measured in the same run."""

    def __init__(self) -> None:
        self.runs: dict[str, tuple[list[int], list[float]]] = {}

    def record(self, name: str, outcome: tuple[Any, int, float]) -> Any:
        """Keep one `Calls.during` outcome under `name`; returns its result."""
        result, n, ms = outcome
        calls, times = self.runs.setdefault(name, ([], []))
        calls.append(n)
        times.append(ms)
        return result

    def print(self, baseline: str) -> None:
        base_calls = statistics.median(self.runs[baseline][0])
        base_ms = Timing(self.runs[baseline][1]).p50
        for name, (ns, ms) in self.runs.items():
            median_calls, timing = statistics.median(ns), Timing(ms)
            line = (
                f"  {name}: {median_calls:.0f} DynamoDB calls (max {max(ns)}), "
                f"p50 {timing.p50:.1f} ms, p95 {timing.percentile(95):.1f} ms"
            )
            if name != baseline:
                line += (
                    f"; {base_calls / max(median_calls, 1):.0f}x fewer calls and "
                    f"{base_ms / timing.p50:.0f}x less time than the baseline"
                )
            print(line)
