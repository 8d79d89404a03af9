"""Posts, their hashtag entries and idempotency records; the only posts code that
touches the table."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import UpdateError

from photogram import db
from photogram.db import Row, batch_get
from photogram.posts import keys


class PostRow(Row, discriminator="post"):
    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    caption = UnicodeAttribute(default="")
    hashtags = JSONAttribute(default=list)
    # Handles as written, resolved to existing users when the post was written.
    mentions = JSONAttribute(default=list)
    location = JSONAttribute(null=True)
    # A snapshot of each media item (variant keys, sizes, placeholder, alt text), so
    # a post renders from one read.
    media = JSONAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class HashtagRow(Row, discriminator="hashtag_post"):
    """One post under one hashtag, newest first in the tag's partition."""

    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()


class IdempotencyRow(Row, discriminator="idempotency"):
    """A client's Idempotency-Key for a create, written with what it created."""

    post_id = UnicodeAttribute()
    request_hash = UnicodeAttribute()
    expires_at = NumberAttribute()


def get(post_id: str) -> PostRow | None:
    pk, sk = keys.post_key(post_id)
    try:
        return PostRow.get(pk, sk)
    except PostRow.DoesNotExist:
        return None


def get_many(post_ids: list[str]) -> dict[str, PostRow]:
    rows = batch_get(keys.post_key(p) for p in post_ids)
    return {r.post_id: r for r in rows.values() if isinstance(r, PostRow)}


def author_post_ids(author_id: str, before: str, limit: int) -> list[str]:
    """The author's latest posts created before `before` (an ISO time), newest first."""
    rows = PostRow.gsi1.query(
        keys.author_posts_pk(author_id),
        before > PostRow.GSI1SK,
        scan_index_forward=False,
        limit=limit,
    )
    return [r.post_id for r in rows if isinstance(r, PostRow)]


def idempotency_record(caller_id: str, key: str) -> IdempotencyRow | None:
    pk, sk = keys.idempotency_key(caller_id, key)
    try:
        return IdempotencyRow.get(pk, sk, consistent_read=True)
    except IdempotencyRow.DoesNotExist:
        return None


def hashtag_row(tag: str, post: PostRow) -> HashtagRow:
    pk, sk = keys.hashtag_key(tag, post.created_at, post.post_id)
    return HashtagRow(pk, sk, post_id=post.post_id, author_id=post.author_id)


class CounterRow(Row, discriminator="post_counter"):
    """One shard of a post's counters."""

    likes = NumberAttribute(default=0)
    comments = NumberAttribute(default=0)
    saves = NumberAttribute(default=0)


COUNTERS = ("likes", "comments", "saves")


class PostStatsRow(Row, discriminator="post_stats"):
    """A post's engagement in one item, for the feed: each counter shard's latest
    values, copied from the shards' stream records by a consumer (decisions 22). It
    trails the exact shards by the stream's delay; reads that must be exact sum the
    shards instead. Written with the post, so the consumer never creates one for a
    deleted post."""

    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    hashtags = JSONAttribute(default=list)
    author_public = BooleanAttribute(default=True)
    # The author's typical engagement per post when this post was fanned out.
    author_engagement = NumberAttribute(default=0)
    # {"<shard>": [likes, comments, saves]}
    shards: MapAttribute[str, Any] = MapAttribute(default=dict)

    def totals(self) -> dict[str, int]:
        totals = dict.fromkeys(COUNTERS, 0)
        for values in (self.shards.as_dict() if self.shards else {}).values():
            for name, value in zip(COUNTERS, values, strict=False):
                totals[name] += int(value)
        return totals


def set_stat_shards(post_id: str, shards: dict[str, list[int]]) -> PostStatsRow | None:
    """Copy shards' latest values into the post's stats item (absolute values, so a
    re-delivered stream record changes nothing). None if the post is gone."""
    row = PostStatsRow(*keys.stats_key(post_id))
    try:
        row.update(
            actions=[PostStatsRow.shards[shard].set(values) for shard, values in shards.items()],
            condition=PostStatsRow.PK.exists(),
        )
    except UpdateError as error:
        if db.condition_failed(error):
            return None
        raise
    return row


def stats_row(post: PostRow, author_public: bool) -> PostStatsRow:
    return PostStatsRow(
        *keys.stats_key(post.post_id),
        post_id=post.post_id,
        author_id=post.author_id,
        created_at=post.created_at,
        hashtags=list(post.hashtags or []),
        author_public=author_public,
        shards={},
    )


class LikeRow(Row, discriminator="like"):
    post_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class SaveRow(Row, discriminator="save"):
    post_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class CommentRow(Row, discriminator="comment"):
    comment_id = UnicodeAttribute()
    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    text = UnicodeAttribute()
    mentions = JSONAttribute(default=list)
    # One level of replies: the top-level comment this one answers.
    reply_to = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


def counts(post_ids: list[str]) -> dict[str, dict[str, int]]:
    """Each post's likes, comments and saves: the sum of its shards, in one read."""
    wanted = {k: post_id for post_id in post_ids for k in keys.counter_keys(post_id)}
    found = batch_get(wanted)
    totals = {p: {"likes": 0, "comments": 0, "saves": 0} for p in post_ids}
    for key, row in found.items():
        if isinstance(row, CounterRow):
            total = totals[wanted[key]]
            total["likes"] += int(row.likes)
            total["comments"] += int(row.comments)
            total["saves"] += int(row.saves)
    return totals


def viewer_flags(viewer_id: str, post_ids: list[str]) -> dict[str, dict[str, bool]]:
    """Whether the viewer liked and saved each post, in one read."""
    wanted: dict[tuple[str, str], tuple[str, str]] = {}
    for post_id in post_ids:
        wanted[keys.like_key(post_id, viewer_id)] = ("liked", post_id)
        wanted[keys.save_key(viewer_id, post_id)] = ("saved", post_id)
    found = batch_get(wanted)
    flags = {p: {"liked": False, "saved": False} for p in post_ids}
    for key in found:
        flag, post_id = wanted[key]
        flags[post_id][flag] = True
    return flags


def add_count(tx: Any, post_id: str, actor_id: str, counter: str, delta: int) -> None:
    pk, sk = keys.counter_key(post_id, keys.shard_for(actor_id))
    # An update may create the shard: it must carry its item type like any other item.
    tx.update(
        CounterRow(pk, sk), [getattr(CounterRow, counter).add(delta), Row.kind.set(CounterRow)]
    )


def delete_engagement(post_id: str) -> int:
    """Delete a post's likes and comments (idempotent); returns how many went."""
    likes = LikeRow.gsi1.query(keys.likers_pk(post_id))
    comments = Row.query(keys.comments_pk(post_id))
    gone = 0
    with Row.batch_write() as batch:
        for row in [*likes, *comments]:
            if isinstance(row, LikeRow | CommentRow):
                batch.delete(row)
                gone += 1
    return gone
