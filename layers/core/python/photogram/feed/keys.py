"""Every key string of the feed domain."""

from __future__ import annotations


def timeline_pk(user_id: str) -> str:
    """A follower's timeline: references to followees' recent posts, newest first."""
    return f"TIMELINE#{user_id}"


def timeline_sk(created_at: str, post_id: str) -> str:
    return f"{created_at}#{post_id}"


CELEBRITIES_PK = "CELEBRITIES"


def celebrity_sk(author_id: str) -> str:
    """An author whose posts are merged at read time instead of fanned out."""
    return f"AUTHOR#{author_id}"


def snapshot_key(viewer_id: str) -> tuple[str, str]:
    """The viewer's ranked feed, cut into pages, kept a few minutes."""
    return f"FEED#{viewer_id}", "SNAPSHOT"
