"""Rate-limited writes: a use case commits through `transact`, which counts one use
of its action in the same transaction, or refuses with 429 `rate_limited`.

Only a write that commits spends a use: a request refused for any other reason (404,
409, 422), a no-op (liking twice, following again, a repeated story view) and an
Idempotency-Key replay never reach the transaction, and a cancelled one counts
nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from photogram import clock, db, metrics
from photogram.errors import RateLimited
from photogram.limits import repository
from photogram.limits.models import Action, Limit
from photogram.settings import Settings, settings


def limits(config: Settings) -> dict[Action, Limit]:
    """Every limited action with its limits, from the settings."""
    table: list[tuple[Action, str, int, int]] = [
        ("follow", "follows", config.follows_per_minute, config.follows_per_day),
        ("like", "likes", config.likes_per_minute, config.likes_per_day),
        ("comment", "comments", config.comments_per_minute, config.comments_per_day),
        ("post", "posts", config.posts_per_minute, config.posts_per_day),
        ("story", "stories", config.stories_per_minute, config.stories_per_day),
        ("story_view", "story_views", config.story_views_per_minute, config.story_views_per_day),
        (
            "handle_change",
            "handle_changes",
            config.handle_changes_per_minute,
            config.handle_changes_per_day,
        ),
        ("upload", "uploads", config.uploads_per_minute, config.daily_upload_cap),
        ("message", "messages", config.messages_per_minute, config.messages_per_day),
        (
            "conversation",
            "conversations",
            config.conversations_per_minute,
            config.conversations_per_day,
        ),
    ]
    return {action: Limit(action, noun, minute, day) for action, noun, minute, day in table}


def limit_of(action: Action) -> Limit:
    return limits(settings())[action]


def seconds_to_next_minute(now: datetime) -> int:
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return max(1, math.ceil((start - now).total_seconds()))


def seconds_to_midnight(now: datetime) -> int:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return max(1, math.ceil((start - now).total_seconds()))


def transact(user_id: str, action: Action, build: Callable[[db.TransactWrite], Any]) -> None:
    """Commit `build`'s writes and one use of `action` by `user_id` as one transaction.

    Raises RateLimited(rate_limited) when the account is over its per-minute or
    per-day limit for `action` (details: limit, action, window, max, retry_after;
    nothing is written), and the transaction's own TransactWriteError when any other
    condition failed. A cancellation for a conflict alone is tried again."""
    limit = limit_of(action)
    now = clock.now().astimezone(UTC)

    def write(tx: db.TransactWrite) -> None:
        build(tx)
        # Last, so a refusal it reports alone means every other condition held.
        repository.charge(tx, user_id, limit, now)

    try:
        db.transact_through_conflicts(write)
    except db.TransactWriteError as error:
        counts = repository.refusal(error)
        if counts is None:
            raise
        raise rate_limited(limit, counts, now) from error


def rate_limited(limit: Limit, counts: dict[str, Any], now: datetime) -> RateLimited:
    """The refusal for an account whose counter item read `counts`: the day's limit if
    it is used up (retry at midnight UTC), else the minute's (retry at the next minute)."""
    if repository.count_in(counts, "uses") >= limit.per_day:
        name, window, most = f"daily_{limit.noun}", "day", limit.per_day
        retry_after = seconds_to_midnight(now)
    else:
        name, window, most = f"per_minute_{limit.noun}", "minute", limit.per_minute
        retry_after = seconds_to_next_minute(now)
    metrics.count("RateLimited", action=limit.action, limit=name)
    noun = limit.noun.replace("_", " ")
    return RateLimited(
        "rate_limited",
        f"At most {most} {noun} a {window}; try again in {retry_after} s.",
        {
            "limit": name,
            "action": limit.action,
            "window": window,
            "max": most,
            "retry_after": retry_after,
        },
    )
