"""The table's stream consumer: each record becomes a domain `Change`, dispatched to
the consumers registered for its item type (feed fan-out, story rings and
media cleanup, search indexing, notifications). Batch consumers (aggregates that fold many changes
into one write) see the whole batch first; a failure there fails the batch. Then
each record goes to its per-record consumers, whose failures are reported one by
one (partial batch response), so only they are retried."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import changes, tracing
from photogram import metrics as business
from photogram.feed import aggregates, fanout  # noqa: F401 - register their consumers
from photogram.messages import consumer as messages_consumer  # noqa: F401 - registers it
from photogram.notifications import consumer  # noqa: F401 - registers its consumer
from photogram.posts import cleanup, hashtags  # noqa: F401 - register their consumers
from photogram.search import indexer  # noqa: F401 - registers its consumer
from photogram.stories import consumers  # noqa: F401 - registers its consumers

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


def to_change(record: DynamoDBRecord) -> changes.Change | None:
    stream = record.dynamodb
    if stream is None or record.event_name is None:
        return None
    new = stream.new_image or None
    old = stream.old_image or None
    item_type = str((new or old or {}).get("type", ""))
    identity = record.user_identity or {}
    return changes.Change(
        event=record.event_name.name,
        item_type=item_type,
        new=new,
        old=old,
        by_ttl=identity.get("type") == "Service" and identity.get("principalId") == TTL_PRINCIPAL,
        sequence=(stream.sequence_number or "").zfill(40),
    )


def record_handler(record: DynamoDBRecord) -> None:
    change = to_change(record)
    if change is not None:
        changes.dispatch(change)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    business.count("StreamBatches")
    business.count("StreamRecords", len(records))
    batch = [to_change(DynamoDBRecord(r)) for r in records]
    try:
        changes.dispatch_batch([c for c in batch if c is not None])
    except Exception:
        # Whatever it was, the whole batch goes back to Lambda to be retried or bisected.
        business.count("StreamBatchesFailed")
        raise
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    business.count("StreamRecordsFailed", len(response.get("batchItemFailures", [])))
    return dict(response)
