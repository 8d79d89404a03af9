"""Every key and attribute name of the limits domain."""

from __future__ import annotations

from datetime import datetime, timedelta

from photogram.keys import Key, user_pk

# Each use also removes the minute counters of this many minutes before it, so the
# item keeps at most one counter per hour of activity (≤ 25): its size stays bounded.
SWEPT_MINUTES = 59


def limit_key(user_id: str, action: str, day: str) -> Key:
    """The counter item of one account's uses of `action` on one UTC day (yyyy-mm-dd)."""
    return user_pk(user_id), f"LIMIT#{action}#{day}"


def day_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def minute_attribute(moment: datetime) -> str:
    """The attribute counting the uses in `moment`'s UTC minute: "m0742" for 07:42.
    Unique within the day's item, so a counter is never reused for a later minute."""
    return f"m{moment:%H%M}"


def swept_attributes(moment: datetime) -> list[str]:
    """The minute counters of the SWEPT_MINUTES minutes before `moment`, that day."""
    earlier = (moment - timedelta(minutes=n) for n in range(1, SWEPT_MINUTES + 1))
    return [minute_attribute(t) for t in earlier if t.date() == moment.date()]
