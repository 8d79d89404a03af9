"""Every key string of the social graph.

Each relation is an item in its owner's partition (`USER#<owner>`), keyed by the
other user so "does A follow B" is one GetItem, and indexed on GSI1 by time so
lists read newest first. A follow is two items: one in the follower's partition
(FOLLOWING#) and one in the followee's (FOLLOWER#), so both lists and the fan-out
("all followers of B") are single-partition queries.
"""

from __future__ import annotations

from photogram.keys import Key, user_pk


def following_key(follower_id: str, followee_id: str) -> Key:
    return user_pk(follower_id), f"FOLLOWING#{followee_id}"


def follower_key(followee_id: str, follower_id: str) -> Key:
    return user_pk(followee_id), f"FOLLOWER#{follower_id}"


def request_key(target_id: str, requester_id: str) -> Key:
    return user_pk(target_id), f"REQUEST#{requester_id}"


def block_key(blocker_id: str, blocked_id: str) -> Key:
    return user_pk(blocker_id), f"BLOCK#{blocked_id}"


def mute_key(muter_id: str, muted_id: str) -> Key:
    return user_pk(muter_id), f"MUTE#{muted_id}"


def close_friend_key(owner_id: str, friend_id: str) -> Key:
    return user_pk(owner_id), f"CLOSE#{friend_id}"


# GSI1 partitions: one list per owner, sorted by GSI1SK = "<created_at>#<other_id>".
LISTS = ("FOLLOWING", "FOLLOWERS", "REQUESTS", "BLOCKS", "MUTES", "CLOSE_FRIENDS")


def list_pk(list_name: str, owner_id: str) -> str:
    if list_name not in LISTS:
        raise ValueError(list_name)
    return f"{list_name}#{owner_id}"
