"""Rate limits without the table: the documented defaults, the windows' arithmetic,
which window a refusal names, and the minute counters a use sweeps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from photogram.limits import keys
from photogram.limits.service import (
    limit_of,
    limits,
    rate_limited,
    seconds_to_midnight,
    seconds_to_next_minute,
)
from photogram.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
DEFAULTS = Settings(table_name="photogram-unit", cursor_secret_id="photogram/cursor-key")


def documented() -> dict[str, tuple[int, int]]:
    """README's rate-limit table: action -> (per minute, per day)."""
    rows = re.findall(
        r"^\| `(\w+)` \|[^|]*\| ([\d,]+) \| ([\d,]+) \|", README.read_text(), re.MULTILINE
    )
    return {action: (int(m.replace(",", "")), int(d.replace(",", ""))) for action, m, d in rows}


def test_the_defaults_are_the_documented_limits():
    defaults = {a: (lim.per_minute, lim.per_day) for a, lim in limits(DEFAULTS).items()}

    assert documented() == defaults


def test_every_limit_lets_a_minute_spend_less_than_a_day():
    assert all(lim.per_minute < lim.per_day for lim in limits(DEFAULTS).values())


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2026, 12, 1, 12, 0, 10, tzinfo=UTC), 50),
        (datetime(2026, 12, 1, 12, 0, 10, 500_000, tzinfo=UTC), 50),
        (datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC), 60),
        (datetime(2026, 12, 1, 12, 0, 59, 999_000, tzinfo=UTC), 1),
    ],
)
def test_retry_after_a_minute_counts_up_to_the_next_minute(now, seconds):
    assert seconds_to_next_minute(now) == seconds


def test_retry_after_a_day_counts_up_to_midnight_utc():
    assert seconds_to_midnight(datetime(2026, 12, 1, 23, 59, 30, tzinfo=UTC)) == 30


def test_a_full_day_is_named_before_a_full_minute(fresh_settings):
    now = datetime(2026, 12, 1, 23, 0, 0, tzinfo=UTC)
    limit = limit_of("follow")
    counts = {"uses": {"N": str(limit.per_day)}, keys.minute_attribute(now): {"N": "99"}}

    error = rate_limited(limit, counts, now)

    assert error.status == 429 and error.code == "rate_limited"
    assert error.details == {
        "limit": "daily_follows",
        "action": "follow",
        "window": "day",
        "max": limit.per_day,
        "retry_after": 3600,
    }


def test_a_full_minute_is_named_while_the_day_has_room(fresh_settings):
    now = datetime(2026, 12, 1, 23, 0, 45, tzinfo=UTC)
    limit = limit_of("story_view")
    counts = {"uses": {"N": "7"}, keys.minute_attribute(now): {"N": str(limit.per_minute)}}

    details = rate_limited(limit, counts, now).details

    assert details["limit"] == "per_minute_story_views"
    assert details["window"] == "minute"
    assert details["retry_after"] == 15


def test_a_use_sweeps_the_59_minutes_before_it():
    swept = keys.swept_attributes(datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC))

    assert swept[0] == "m1159" and swept[-1] == "m1101" and len(swept) == 59


def test_the_sweep_stays_within_the_day():
    swept = keys.swept_attributes(datetime(2026, 12, 1, 0, 3, tzinfo=UTC))

    assert swept == ["m0002", "m0001", "m0000"]
