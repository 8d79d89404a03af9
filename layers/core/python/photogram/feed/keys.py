"""Every key string of the feed domain."""

from __future__ import annotations

from photogram.keys import Key, time_sk, user_pk


def timeline_pk(user_id: str) -> str:
    """A follower's timeline: references to followees' recent posts, newest first,
    and (sorting after every entry) the viewer's ranked snapshot."""
    return f"TIMELINE#{user_id}"


# A timeline entry's sort key: time_sk(created_at, post_id).
timeline_sk = time_sk

# "~" sorts after the ISO times that start every entry's sort key, so one query,
# newest first, reads the snapshot and the newest entries together.
SNAPSHOT_SK = "~SNAPSHOT"


def snapshot_key(viewer_id: str) -> Key:
    """The viewer's ranked feed, cut into pages, kept a few minutes."""
    return timeline_pk(viewer_id), SNAPSHOT_SK


CELEBRITIES_PK = "CELEBRITIES"


def celebrity_key(author_id: str) -> Key:
    """An author whose posts are merged at read time instead of fanned out, with
    references to those recent posts."""
    return CELEBRITIES_PK, f"AUTHOR#{author_id}"


def affinity_key(user_id: str) -> Key:
    """A user's recent interactions (likes, comments, saves), for affinity features."""
    return user_pk(user_id), "AFFINITY"


# Recent public posts with the most engagement: discovery candidates for everyone.
DISCOVERY_KEY = ("DISCOVERY", "TOP")
