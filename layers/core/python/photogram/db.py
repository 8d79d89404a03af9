"""The single table, as pynamodb sees it.

Every item type is a subclass of `Row` (pynamodb's discriminator picks the class
when an item is read back), so one query or batch read can return several item
types. Keys are built only by each domain's `keys.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute
from pynamodb.connection import TableConnection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from photogram.errors import PhotogramError
from photogram.settings import required

T = TypeVar("T")
Key = tuple[str, str]
# DynamoDB's BatchGetItem limit.
BATCH_GET_MAX = 100
# How DynamoDB names a failed condition: the error of a single-item write, and the
# cancellation reason of one item in a transaction.
CONDITION_FAILED_ERROR = "ConditionalCheckFailedException"
CONDITION_FAILED_REASON = "ConditionalCheckFailed"


class Gsi1(GlobalSecondaryIndex["Row"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class Row(Model):
    """Base of every item type in the table."""

    class Meta:
        # Bound from settings on first use, so importing a domain needs no settings.
        table_name: str | None = None

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute(attr_name="type")
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)

    gsi1 = Gsi1()

    @classmethod
    def _get_connection(cls) -> TableConnection:
        if Row.Meta.table_name is None:
            Row.Meta.table_name = required("table_name")
        return super()._get_connection()


def batch_get(keys: Iterable[Key], *, consistent: bool = False) -> dict[Key, Row]:
    """Read many items of any types by key; missing items are simply absent. A stream
    consumer that copies items elsewhere reads them `consistent`ly."""
    unique = list(dict.fromkeys(keys))
    found: dict[Key, Row] = {}
    for start in range(0, len(unique), BATCH_GET_MAX):
        chunk = unique[start : start + BATCH_GET_MAX]
        for row in Row.batch_get(chunk, consistent_read=consistent or None):
            found[(row.PK, row.SK)] = row
    return found


def exists(key: Key) -> bool:
    """Whether an item is there now (a strongly consistent read): for stream consumers,
    which decide from the state right after the write that triggered them."""
    try:
        Row.get(*key, consistent_read=True, attributes_to_get=["PK"])
    except Row.DoesNotExist:
        return False
    return True


class Contention(PhotogramError):
    status = 409

    def __init__(self) -> None:
        super().__init__("conflict", "Too many concurrent changes; try again.")


def condition_failed(error: PynamoDBException) -> bool:
    """Whether a single-item write (save, update, delete) was refused by its condition,
    rather than failing for any other reason. For a transaction, `failed_conditions`."""
    return error.cause_response_code == CONDITION_FAILED_ERROR


def is_retryable(error: TransactWriteError) -> bool:
    """A cancelled transaction worth re-reading and retrying: a condition we built from
    a read that is now stale, or a conflict with a concurrent transaction."""
    if error.cause_response_code != "TransactionCanceledException":
        return error.cause_response_code == "TransactionConflictException"
    codes = {r.code for r in error.cancellation_reasons if r is not None}
    return bool(codes) and codes <= {CONDITION_FAILED_REASON, "TransactionConflict"}


def failed_conditions(error: TransactWriteError) -> set[int]:
    """The positions (in the order written) of the transaction's items whose condition
    failed; empty when it was cancelled for a conflict only."""
    return {
        n
        for n, reason in enumerate(error.cancellation_reasons or [])
        if reason is not None and reason.code == CONDITION_FAILED_REASON
    }


def optimistic(attempt: Callable[[], T], *, tries: int = 8) -> T:
    """Run `attempt` (read, decide, write one transaction) until its transaction commits.

    Each attempt re-reads the state it builds its conditions from, so a concurrent
    change makes the transaction fail its condition instead of writing over it.
    """
    for n in range(tries):
        try:
            return attempt()
        except TransactWriteError as error:
            if not is_retryable(error):
                raise
            time.sleep(min(0.002 * 2**n, 0.1))
    raise Contention()


def transact(build: Callable[[TransactWrite], Any]) -> None:
    """Collect writes with `build(tx)` and commit them as one DynamoDB transaction."""
    with TransactWrite(connection=Row._get_connection().connection) as tx:
        build(tx)


def transact_through_conflicts(build: Callable[[TransactWrite], Any], *, tries: int = 8) -> None:
    """`transact`, tried again while DynamoDB cancels it for a conflict with another
    transaction on the same items only (a popular story's view count, say); a failed
    condition is raised at once for the caller to answer."""
    for n in range(tries):
        try:
            transact(build)
            return
        except TransactWriteError as error:
            if failed_conditions(error) or not is_retryable(error):
                raise
            time.sleep(min(0.002 * 2**n, 0.1))
    raise Contention()


def query_page(
    partition: str, limit: int, start: dict[str, Any] | None, *, on_index: bool
) -> tuple[list[Row], dict[str, Any] | None]:
    """One page of a partition (GSI1's or the table's), newest first, and the position
    after it (None at the end). Reads one item more than asked, so the last page never
    promises a next one."""
    source = Row.gsi1 if on_index else Row
    rows = list(
        source.query(partition, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start)
    )
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    names = ("PK", "SK", "GSI1PK", "GSI1SK") if on_index else ("PK", "SK")
    return rows[:limit], {name: {"S": getattr(last, name)} for name in names}


def keys_of(rows: Sequence[Row]) -> list[Key]:
    return [(r.PK, r.SK) for r in rows]


def scan(kinds: Sequence[type[Row]], *, segment: int = 0, total_segments: int = 1) -> Iterable[Row]:
    """Every item of the given types, in no order: one segment of a parallel Scan of
    the whole table (for rebuilding what is derived from it; never on a request)."""
    return Row.scan(
        Row.kind.is_in(*kinds),
        segment=segment if total_segments > 1 else None,
        total_segments=total_segments if total_segments > 1 else None,
    )
