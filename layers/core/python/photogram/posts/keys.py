"""Every key string of the posts domain."""

from __future__ import annotations

import hashlib

from photogram.keys import COUNTER_SHARDS, Key, time_sk, user_pk

POST_SK = "POST"


def post_key(post_id: str) -> Key:
    return f"POST#{post_id}", POST_SK


def stats_key(post_id: str) -> Key:
    """The post's engagement as the feed reads it (one item, kept by a stream consumer)."""
    return f"POST#{post_id}", "STATS"


def author_posts_pk(author_id: str) -> str:
    """GSI1 partition: an author's posts, newest first (the profile grid)."""
    return f"POSTS#{author_id}"


def hashtag_key(tag: str, created_at: str, post_id: str) -> Key:
    return f"TAG#{tag}", time_sk(created_at, post_id)


def hashtag_pk(tag: str) -> str:
    return f"TAG#{tag}"


# In the tag's own partition, so its entries and its stats share one stream shard
# (whose sequence numbers order them); "#" sorts before every "<ts>#<post_id>", so
# the newest-first list meets it last.
HASHTAG_STATS_SK = "#STATS"


def hashtag_stats_key(tag: str) -> Key:
    return hashtag_pk(tag), HASHTAG_STATS_SK


def tag_of(hashtag_pk_: str) -> str:
    return hashtag_pk_.removeprefix("TAG#")


def place_pk(place_id: str) -> str:
    return f"PLACE#{place_id}"


# The place itself (its name, position and use counts) in its entries' partition, as
# a hashtag's stats are; "#PLACE" sorts before every "<ts>#<post_id>".
PLACE_SK = "#PLACE"


def place_key(place_id: str) -> Key:
    return place_pk(place_id), PLACE_SK


def place_post_key(place_id: str, created_at: str, post_id: str) -> Key:
    return place_pk(place_id), time_sk(created_at, post_id)


def place_of(place_pk_: str) -> str:
    return place_pk_.removeprefix("PLACE#")


def idempotency_key(caller_id: str, key: str) -> Key:
    # Hashed: the client's key is free text and must not shape our partition keys.
    digest = hashlib.sha256(f"{caller_id}\n{key}".encode()).hexdigest()
    return f"IDEMPOTENCY#{digest}", "CREATE_POST"


# --- engagement ------------------------------------------------------------------------


def counter_key(post_id: str, shard: int) -> Key:
    return f"COUNTER#{post_id}#{shard}", "COUNTS"


def counter_keys(post_id: str) -> list[Key]:
    return [counter_key(post_id, shard) for shard in range(COUNTER_SHARDS)]


def like_key(post_id: str, user_id: str) -> Key:
    # One partition per like: a viral post's likes do not share one partition.
    return f"LIKE#{post_id}#{user_id}", "LIKE"


def likers_pk(post_id: str) -> str:
    """GSI1 partition: who liked a post, newest first."""
    return f"LIKES#{post_id}"


def save_key(user_id: str, post_id: str) -> Key:
    return user_pk(user_id), f"SAVED#{post_id}"


def saved_pk(user_id: str) -> str:
    """GSI1 partition: what I saved, newest first."""
    return f"SAVED#{user_id}"


def comments_pk(post_id: str) -> str:
    return f"COMMENTS#{post_id}"


def comment_key(post_id: str, comment_id: str) -> Key:
    # Comment ids are ULIDs: the sort key orders a post's comments oldest first.
    return comments_pk(post_id), f"COMMENT#{comment_id}"
