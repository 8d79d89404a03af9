"""The limit counter items; the only limits code that touches the table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action as UpdateAction

from photogram import clock, db
from photogram.db import Row
from photogram.limits import keys
from photogram.limits.models import Limit

DISCRIMINATOR = "rate_limit"


class LimitRow(Row, discriminator=DISCRIMINATOR):
    """One account's uses of one action on one UTC day: `uses` (the day's count) and
    a counter per recent minute with uses, `m<HHMM>` (not declared: named by time)."""

    uses = NumberAttribute(default=0)
    # TTL: a day after the day ends; nothing reads the item after its day.
    expires_at = NumberAttribute()


def charge(tx: db.TransactWrite, user_id: str, limit: Limit, now: datetime) -> None:
    """Count one use in `tx`, on the condition that the day and the minute are both
    under their limits. One UpdateItem: no read, whatever the window."""
    row = LimitRow(*keys.limit_key(user_id, limit.action, keys.day_of(now)))
    minute = Path(keys.minute_attribute(now))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    actions: list[UpdateAction] = [
        LimitRow.uses.add(1),
        minute.add(1),
        LimitRow.expires_at.set(clock.epoch(midnight) + 86400),
        Row.kind.set(LimitRow),
    ]
    actions += [Path(name).remove() for name in keys.swept_attributes(now)]
    condition = (LimitRow.uses.does_not_exist() | (LimitRow.uses < limit.per_day)) & (
        minute.does_not_exist() | (minute < limit.per_minute)
    )
    # ALL_OLD: a refusal comes back with the counts, so it can say which window is full.
    tx.update(row, actions, condition=condition, return_values="ALL_OLD")


def refusal(error: TransactWriteError) -> dict[str, Any] | None:
    """The counter item (as it was) if its condition alone cancelled the transaction:
    the account is over a limit and everything else would have been written. None if
    anything else failed too (the caller re-reads and decides as before)."""
    reasons = error.cancellation_reasons
    failed = [r for r in reasons if r is not None and r.code == db.CONDITION_FAILED_REASON]
    if len(failed) != 1 or not failed[0].raw_item:
        return None
    item = failed[0].raw_item
    return item if item.get("type", {}).get("S") == DISCRIMINATOR else None


def count_in(item: dict[str, Any], attribute: str) -> int:
    """A counter of a raw (DynamoDB JSON) item: 0 if absent."""
    return int(item.get(attribute, {}).get("N", 0))
