"""The local stand-in for a DynamoDB stream event source mapping: a thread reads the
table's stream from moto (GetShardIterator/GetRecords), shapes each batch exactly as
Lambda does for a DynamoDB stream event, and invokes the consumer function. Records
the function reports in `batchItemFailures` are delivered again from the first
failed one, as Lambda does with ReportBatchItemFailures."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import boto3

from local.lambdas import FunctionPool

logger = logging.getLogger("photogram.local")
RETRY_PAUSE_S = 0.2


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record in the shape Lambda delivers it."""
    shaped = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": {
            k: v for k, v in record["dynamodb"].items() if k != "ApproximateCreationDateTime"
        },
        "eventSourceARN": stream_arn,
    }
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    if created is not None:
        shaped["dynamodb"]["ApproximateCreationDateTime"] = int(
            created.timestamp() if hasattr(created, "timestamp") else created
        )
    if "userIdentity" in record:
        identity = record["userIdentity"]
        shaped["userIdentity"] = {
            "type": identity.get("Type"),
            "principalId": identity.get("PrincipalId"),
        }
    return shaped


class StreamPoller:
    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        stream_arn: str,
        consumers: list[tuple[FunctionPool, int]],
    ) -> None:
        self.endpoint, self.region, self.stream_arn = endpoint, region, stream_arn
        self.consumers = consumers
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stream-poller", daemon=True)
        self.delivered = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def wait_idle(self, timeout: float = 30) -> bool:
        """Block until the poller has delivered everything written so far (for tests)."""
        self._idle.clear()
        return self._idle.wait(timeout)

    def _run(self) -> None:
        client = boto3.client(
            "dynamodbstreams", endpoint_url=self.endpoint, region_name=self.region
        )
        shards = client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        iterators = {
            s["ShardId"]: client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for s in shards
        }
        pending: dict[str, list[dict[str, Any]]] = {shard: [] for shard in iterators}
        while not self._stop.is_set():
            busy = False
            for shard, iterator in list(iterators.items()):
                try:
                    if not pending[shard]:
                        response = client.get_records(ShardIterator=iterator, Limit=1000)
                        iterators[shard] = response["NextShardIterator"]
                        pending[shard] = [
                            lambda_record(r, self.stream_arn, self.region)
                            for r in response["Records"]
                        ]
                    if pending[shard]:
                        busy = True
                        pending[shard] = self._deliver(pending[shard])
                except Exception:
                    if self._stop.is_set():
                        return
                    logger.exception("stream delivery failed")
                    time.sleep(RETRY_PAUSE_S)
            if not busy:
                self._idle.set()
                time.sleep(0.05)

    def _deliver(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Deliver up to one batch to every consumer; returns what is left to deliver."""
        batch_size = min(size for _, size in self.consumers)
        batch, rest = records[:batch_size], records[batch_size:]
        retry_from: int | None = None
        for pool, _ in self.consumers:
            result = pool.invoke({"Records": batch}) or {}
            failed = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            if failed:
                sequence = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(batch)}
                first = min(sequence.get(s, 0) for s in failed)
                retry_from = first if retry_from is None else min(retry_from, first)
        self.delivered += len(batch) if retry_from is None else retry_from
        if retry_from is not None:
            time.sleep(RETRY_PAUSE_S)
            return batch[retry_from:] + rest
        return rest
