"""Table changes as the domain sees them, whatever delivered them (a DynamoDB stream
batch on AWS, the local stream poller). Stream consumers register per item type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Event = Literal["INSERT", "MODIFY", "REMOVE"]


@dataclass(frozen=True)
class Change:
    event: Event
    item_type: str
    new: dict[str, Any] | None
    old: dict[str, Any] | None
    # DynamoDB's TTL deleted the item (a REMOVE by the service principal).
    by_ttl: bool = False
    # The stream's sequence number, zero-padded to 40 digits so that text order is
    # stream order (within a partition key); "" where no stream delivered it.
    sequence: str = ""

    @property
    def item(self) -> dict[str, Any]:
        return self.new or self.old or {}


Consumer = Callable[[Change], None]
_CONSUMERS: dict[str, list[Consumer]] = {}


def consumes(*item_types: str) -> Callable[[Consumer], Consumer]:
    """Register a function to receive changes of these item types."""

    def register(consumer: Consumer) -> Consumer:
        for item_type in item_types:
            _CONSUMERS.setdefault(item_type, []).append(consumer)
        return consumer

    return register


BatchConsumer = Callable[[list[Change]], None]
_BATCH_CONSUMERS: dict[str, list[BatchConsumer]] = {}


def consumes_batch(*item_types: str) -> Callable[[BatchConsumer], BatchConsumer]:
    """Register a function to receive a whole batch's changes of these item types at
    once (in stream order), for consumers that fold many changes into one write."""

    def register(consumer: BatchConsumer) -> BatchConsumer:
        for item_type in item_types:
            _BATCH_CONSUMERS.setdefault(item_type, []).append(consumer)
        return consumer

    return register


def dispatch_batch(batch: list[Change]) -> None:
    """Hand every batch consumer the changes of its types. A failure fails the whole
    batch, which the stream delivers again: batch consumers must be idempotent too."""
    wanted: dict[BatchConsumer, list[Change]] = {}
    for change in batch:
        for consumer in _BATCH_CONSUMERS.get(change.item_type, []):
            wanted.setdefault(consumer, []).append(change)
    for consumer, mine in wanted.items():
        consumer(mine)


def dispatch(change: Change) -> None:
    """Hand a change to every consumer of its type (none: ignored). Consumers must be
    idempotent: a stream delivers at least once."""
    for consumer in _CONSUMERS.get(change.item_type, []):
        consumer(change)
