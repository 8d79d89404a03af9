"""Posts, their hashtag entries and idempotency records; the only posts code that
touches the table."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

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


def idempotency_record(caller_id: str, key: str) -> IdempotencyRow | None:
    pk, sk = keys.idempotency_key(caller_id, key)
    try:
        return IdempotencyRow.get(pk, sk, consistent_read=True)
    except IdempotencyRow.DoesNotExist:
        return None


def hashtag_row(tag: str, post: PostRow) -> HashtagRow:
    pk, sk = keys.hashtag_key(tag, post.created_at, post.post_id)
    return HashtagRow(pk, sk, post_id=post.post_id, author_id=post.author_id)


def query_page(
    pk: str, limit: int, start: dict[str, Any] | None, *, on_index: bool
) -> tuple[list[Row], dict[str, Any] | None]:
    """A newest-first page of a partition (GSI1 or the table) and the position after it."""
    source = Row.gsi1 if on_index else Row
    rows = list(
        source.query(pk, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start)
    )
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    names = ("PK", "SK", "GSI1PK", "GSI1SK") if on_index else ("PK", "SK")
    return rows[:limit], {name: {"S": getattr(last, name)} for name in names}
