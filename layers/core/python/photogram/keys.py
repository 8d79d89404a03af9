"""The key shapes every domain shares. Each domain's keys.py builds its own strings
from these; this module imports nothing, so any domain may import it."""

from __future__ import annotations

# A table item's (PK, SK).
Key = tuple[str, str]


def user_pk(user_id: str) -> str:
    """A user's partition: the profile and every relation the user owns."""
    return f"USER#{user_id}"


def time_sk(created_at: str, item_id: str) -> str:
    """A sort key ordering a list by time, then id ("<created_at>#<item_id>"): the
    GSI1SK of every newest-first list, and the sort key of timeline entries."""
    return f"{created_at}#{item_id}"
