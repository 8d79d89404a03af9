"""The key shapes every domain shares. Each domain's keys.py builds its own strings
from these; this module imports nothing, so any domain may import it."""

from __future__ import annotations

import hashlib

# A table item's (PK, SK).
Key = tuple[str, str]


def user_pk(user_id: str) -> str:
    """A user's partition: the profile and every relation the user owns."""
    return f"USER#{user_id}"


def time_sk(created_at: str, item_id: str) -> str:
    """A sort key ordering a list by time, then id ("<created_at>#<item_id>"): the
    GSI1SK of every newest-first list, and the sort key of timeline entries."""
    return f"{created_at}#{item_id}"


# A hot counter (a post's likes, a story's views) is spread over this many items, each
# in its own partition, so a viral post or story spreads its writes (decisions 19).
# Reads sum them.
COUNTER_SHARDS = 8


def shard_for(actor_id: str) -> int:
    """The counter shard an actor's changes go to: stable per actor, so one user's like
    and unlike (or view) touch the same shard."""
    return int(hashlib.sha256(actor_id.encode()).hexdigest(), 16) % COUNTER_SHARDS
