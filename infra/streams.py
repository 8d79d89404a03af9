"""The table stream's consumers: one event source mapping per function whose spec has a
`stream_batch_size`, each with its own queue for the batches it gave up on.

The consumer's handler returns a partial batch response (Powertools' BatchProcessor),
so Lambda retries from the first failed record only; a batch that still fails is
bisected to isolate the bad record, then, after the retries below, its place in the
stream (not its records) is sent to the failure queue. docs/deploy.md says how to
replay it.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.functions import pascal_case
from infra.queues import dead_letter_queue
from infra.routes import FunctionSpec

# TRIM_HORIZON, not LATEST: a mapping starts reading when it is created (first deploy,
# or a replacement), and TRIM_HORIZON starts at the oldest record still in the stream
# (24 hours), so no write made before then is skipped (a post created while the
# mapping was being created still reaches its followers' feeds). Re-reading those
# records is harmless: delivery is at least once anyway (retries, bisection), so the
# consumers are idempotent.
STARTING_POSITION = lambda_.StartingPosition.TRIM_HORIZON
# Invocations of one failing batch (bisections do not count) before it is given up.
RETRY_ATTEMPTS = 5
# Below the stream's 24-hour retention on purpose: a record the consumer could not
# reach in time is sent to the failure queue while it can still be read from the
# stream (18 hours left to replay it), instead of being trimmed without a trace.
MAX_RECORD_AGE = Duration.hours(6)
# Batches processed at once per shard; records with the same partition key (PK) still
# reach the function in order.
PARALLELIZATION_FACTOR = 2
# A failure message is a pointer into the stream, useless after its 24 hours; kept
# longer than that only so that it is noticed.


class Streams(Construct):
    """The mappings' failure queues, found by function name: `streams.dead_letters["streams"]`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: tuple[FunctionSpec, ...],
        functions: dict[str, lambda_.Function],
        table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters: dict[str, sqs.Queue] = {}
        for spec in specs:
            if spec.stream_batch_size:
                self.dead_letters[spec.name] = self._consumer(
                    spec, function=functions[spec.name], table=table
                )

    def _consumer(
        self, spec: FunctionSpec, *, function: lambda_.Function, table: dynamodb.ITable
    ) -> sqs.Queue:
        scope = Construct(self, pascal_case(spec.name))
        dead_letters = dead_letter_queue(
            scope,
            "Failures",
            holds=f"the table stream's event source mapping for {spec.name} sends here the "
            "place in the stream of each batch it gave up on after its retries "
            "(docs/deploy.md says how to replay it).",
        )
        # Grants the function's role the stream reads (DescribeStream, GetRecords and
        # GetShardIterator on the stream's ARN, ListStreams on '*': see
        # infra/functions.py) and SendMessage to the queue. The mapping keeps every
        # record: the consumer dispatches by item type and ignores the others.
        function.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=STARTING_POSITION,
                batch_size=spec.stream_batch_size,
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                retry_attempts=RETRY_ATTEMPTS,
                max_record_age=MAX_RECORD_AGE,
                parallelization_factor=PARALLELIZATION_FACTOR,
                on_failure=sources.SqsDlq(dead_letters),
            )
        )
        return dead_letters
