"""Posts, their hashtag entries and idempotency records; the only posts code that
touches the table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from photogram import clock, db
from photogram.db import Row, batch_get
from photogram.keys import shard_for, time_sk
from photogram.posts import keys


class PostRow(Row, discriminator="post"):
    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    caption = UnicodeAttribute(default="")
    hashtags = JSONAttribute(default=list)
    # Handles as written, resolved to existing users when the post was written.
    mentions = JSONAttribute(default=list)
    location = JSONAttribute(null=True)
    # {place_id, name, lat, lng} of the place it was posted at (PlaceRow.snapshot).
    place = JSONAttribute(null=True)
    # A snapshot of each media item (variant keys, sizes, placeholder, alt text), so
    # a post renders from one read.
    media = JSONAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class HashtagRow(Row, discriminator="hashtag_post"):
    """One post under one hashtag, newest first in the tag's partition."""

    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()


class HashtagStatsRow(Row, discriminator="hashtag_stats"):
    """How much a hashtag is used, kept by the stream consumer (photogram.posts.hashtags)."""

    tag = UnicodeAttribute()
    post_count = NumberAttribute(default=0)
    # A forward-decayed sum of uses (photogram.posts.hashtags.decayed_weight).
    recent = NumberAttribute(default=0)
    # The stream sequence number (40 digits, zero-padded) of the last change applied.
    last_sequence = UnicodeAttribute(null=True)
    revision = NumberAttribute(default=0)


class PlaceRow(Row, discriminator="place"):
    """A place posts are tagged with: a name at a position, and how much it is used
    (kept as a hashtag's stats are, by photogram.posts.hashtags)."""

    place_id = UnicodeAttribute()
    name = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    created_at = UnicodeAttribute()
    post_count = NumberAttribute(default=0)
    recent = NumberAttribute(default=0)
    last_sequence = UnicodeAttribute(null=True)
    revision = NumberAttribute(default=0)

    def snapshot(self) -> dict[str, Any]:
        """What a post keeps of its place."""
        return {
            "place_id": self.place_id,
            "name": self.name,
            "lat": float(self.lat),
            "lng": float(self.lng),
        }


class PlacePostRow(Row, discriminator="place_post"):
    """One post at one place, newest first in the place's partition."""

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


def new_post(
    post_id: str,
    author_id: str,
    *,
    caption: str,
    hashtags: list[str],
    mentions: list[dict[str, str]],
    location: dict[str, Any] | None,
    place: dict[str, Any] | None = None,
    media: list[dict[str, Any]],
) -> PostRow:
    """A post written now, listed newest first on its author's GSI1 partition."""
    now = clock.iso()
    return PostRow(
        *keys.post_key(post_id),
        post_id=post_id,
        author_id=author_id,
        caption=caption,
        hashtags=hashtags,
        mentions=mentions,
        location=location,
        place=place,
        media=media,
        created_at=now,
        updated_at=now,
        GSI1PK=keys.author_posts_pk(author_id),
        GSI1SK=time_sk(now, post_id),
    )


def put_post(tx: TransactWrite, post: PostRow, *, author_public: bool) -> None:
    """In `tx`: a new post with its stats item, its hashtag entries and its place's
    entry (the place must be written in `tx` too: `put_place`)."""
    tx.save(post, condition=PostRow.PK.does_not_exist())
    tx.save(stats_row(post, author_public=author_public))
    for tag in post.hashtags:
        tx.save(hashtag_row(str(tag), post))
    if post.place:
        tx.save(place_post_row(post))


def get_place(place_id: str) -> PlaceRow | None:
    try:
        return PlaceRow.get(*keys.place_key(place_id))
    except PlaceRow.DoesNotExist:
        return None


def put_place(tx: TransactWrite, place: dict[str, Any]) -> None:
    """In `tx`: the place of a `snapshot`, created unless it exists (a place is
    never changed by a post: the first name written stays)."""
    row = PlaceRow(*keys.place_key(place["place_id"]))
    tx.update(
        row,
        [
            Row.kind.set(PlaceRow),
            PlaceRow.place_id.set(place["place_id"]),
            PlaceRow.name.set(PlaceRow.name | place["name"]),
            PlaceRow.lat.set(PlaceRow.lat | place["lat"]),
            PlaceRow.lng.set(PlaceRow.lng | place["lng"]),
            PlaceRow.created_at.set(PlaceRow.created_at | clock.iso()),
        ],
    )


def remember_request(
    tx: TransactWrite, caller_id: str, key: str, post_id: str, request_hash: str, seconds: int
) -> None:
    """In `tx`: the caller's Idempotency-Key, naming the post it created, for `seconds`
    (an expired record with the same key is written over)."""
    now = clock.epoch()
    record = IdempotencyRow(
        *keys.idempotency_key(caller_id, key),
        post_id=post_id,
        request_hash=request_hash,
        expires_at=now + seconds,
    )
    tx.save(
        record, condition=IdempotencyRow.PK.does_not_exist() | (IdempotencyRow.expires_at <= now)
    )


def change_post(
    tx: TransactWrite,
    post: PostRow,
    *,
    caption: str | None = None,
    hashtags: list[str] | None = None,
    mentions: list[dict[str, str]] | None = None,
    media: list[dict[str, Any]] | None = None,
) -> None:
    """In `tx`: change what is given of an existing post (and its update time); new
    hashtags get entries, dropped ones lose theirs."""
    actions: list[Action] = [PostRow.updated_at.set(clock.iso())]
    if caption is not None:
        actions.append(PostRow.caption.set(caption))
    if hashtags is not None:
        actions.append(PostRow.hashtags.set(hashtags))
    if mentions is not None:
        actions.append(PostRow.mentions.set(mentions))
    if media is not None:
        actions.append(PostRow.media.set(media))
    tx.update(post, actions, condition=PostRow.PK.exists())
    if hashtags is not None:
        old = {str(t) for t in post.hashtags or []}
        for tag in old - set(hashtags):
            tx.delete(hashtag_row(tag, post))
        for tag in set(hashtags) - old:
            tx.save(hashtag_row(tag, post))


def delete_post(tx: TransactWrite, post: PostRow) -> None:
    """In `tx`: the post, its hashtag entries, counter shards and stats item (its
    likes and comments go after, by the stream: `delete_engagement`)."""
    tx.delete(post, condition=PostRow.PK.exists())
    for tag in post.hashtags or []:
        tx.delete(hashtag_row(str(tag), post))
    if post.place:
        tx.delete(place_post_row(post))
    for pk, sk in keys.counter_keys(post.post_id):
        tx.delete(CounterRow(pk, sk))
    tx.delete(PostStatsRow(*keys.stats_key(post.post_id)))


def require_post(tx: TransactWrite, post_id: str) -> None:
    """In `tx`: the post must still exist when it commits."""
    tx.condition_check(PostRow, *keys.post_key(post_id), condition=PostRow.PK.exists())


def hashtag_row(tag: str, post: PostRow) -> HashtagRow:
    pk, sk = keys.hashtag_key(tag, post.created_at, post.post_id)
    return HashtagRow(pk, sk, post_id=post.post_id, author_id=post.author_id)


def place_post_row(post: PostRow) -> PlacePostRow:
    pk, sk = keys.place_post_key(post.place["place_id"], post.created_at, post.post_id)
    return PlacePostRow(pk, sk, post_id=post.post_id, author_id=post.author_id)


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
    # One level of replies: the top-level comment this one answers, and its author
    # (whom a reply notifies, and whose notification its deletion takes back).
    reply_to = UnicodeAttribute(null=True)
    reply_to_author_id = UnicodeAttribute(null=True)
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


def add_count(tx: TransactWrite, post_id: str, actor_id: str, counter: str, delta: int) -> None:
    pk, sk = keys.counter_key(post_id, shard_for(actor_id))
    # An update may create the shard: it must carry its item type like any other item.
    tx.update(
        CounterRow(pk, sk), [getattr(CounterRow, counter).add(delta), Row.kind.set(CounterRow)]
    )


Marker = type[LikeRow] | type[SaveRow]


def put_mark(
    tx: TransactWrite,
    row_cls: Marker,
    key: db.Key,
    post_id: str,
    user_id: str,
    listed: tuple[str, str],
) -> None:
    """In `tx`: the user's like or save of a post, once, listed on GSI1 newest first
    (`listed`: the list's partition and the id after the time in its sort key)."""
    now = clock.iso()
    list_pk, list_id = listed
    row = row_cls(
        *key,
        post_id=post_id,
        user_id=user_id,
        created_at=now,
        GSI1PK=list_pk,
        GSI1SK=time_sk(now, list_id),
    )
    tx.save(row, condition=row_cls.PK.does_not_exist())


def delete_mark(tx: TransactWrite, row_cls: Marker, key: db.Key) -> None:
    """In `tx`: remove a like or save that must be there."""
    tx.delete(row_cls(*key), condition=row_cls.PK.exists())


def new_comment(
    post_id: str,
    comment_id: str,
    author_id: str,
    text: str,
    mentions: list[dict[str, str]],
    reply_to: str | None,
    reply_to_author_id: str | None = None,
) -> CommentRow:
    return CommentRow(
        *keys.comment_key(post_id, comment_id),
        comment_id=comment_id,
        post_id=post_id,
        author_id=author_id,
        text=text,
        mentions=mentions,
        reply_to=reply_to,
        reply_to_author_id=reply_to_author_id,
        created_at=clock.iso(),
    )


def put_comment(tx: TransactWrite, comment: CommentRow) -> None:
    tx.save(comment, condition=CommentRow.PK.does_not_exist())


def delete_comment(tx: TransactWrite, comment: CommentRow) -> None:
    tx.delete(comment, condition=CommentRow.PK.exists())


def get_comment(post_id: str, comment_id: str) -> CommentRow | None:
    try:
        return CommentRow.get(*keys.comment_key(post_id, comment_id))
    except CommentRow.DoesNotExist:
        return None


def comments_page(
    post_id: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[CommentRow], dict[str, Any] | None]:
    """Up to `limit` of a post's comments, oldest first, from `start`; and where the
    next page starts (None at the end)."""
    rows = list(
        CommentRow.query(keys.comments_pk(post_id), limit=limit + 1, last_evaluated_key=start)
    )
    position = None
    if len(rows) > limit:
        rows = rows[:limit]
        position = {"PK": {"S": rows[-1].PK}, "SK": {"S": rows[-1].SK}}
    return rows, position


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


def _add_uses(
    row: HashtagStatsRow | PlaceRow,
    first: Sequence[Action],
    uses: tuple[int, float, str],
    *,
    must_exist: bool,
) -> bool:
    """Add uses (posts, their decayed weight) to a tag's stats or a place, unless
    changes up to the stream `sequence` were applied already (a re-delivered batch),
    or the item is missing and `must_exist`: False then."""
    posts, recent, sequence = uses
    cls = type(row)
    condition = cls.last_sequence.does_not_exist() | (cls.last_sequence < sequence)
    if must_exist:
        condition = cls.PK.exists() & condition
    try:
        row.update(
            actions=[
                *first,
                cls.post_count.add(posts),
                cls.recent.add(recent),
                cls.revision.add(1),
                cls.last_sequence.set(sequence),
            ],
            condition=condition,
        )
    except UpdateError as error:
        if db.condition_failed(error):
            return False
        raise
    return True


def add_tag_uses(tag: str, posts: int, recent: float, sequence: str) -> bool:
    """Add `posts` uses (and their decayed weight) to a tag's stats, unless changes up
    to `sequence` were applied already (a re-delivered batch): False then."""
    row = HashtagStatsRow(*keys.hashtag_stats_key(tag))
    first = [Row.kind.set(HashtagStatsRow), HashtagStatsRow.tag.set(tag)]
    return _add_uses(row, first, (posts, recent, sequence), must_exist=False)


def add_place_uses(place_id: str, posts: int, recent: float, sequence: str) -> bool:
    """As `add_tag_uses`, for a place (which a post creates: never here)."""
    row = PlaceRow(*keys.place_key(place_id))
    return _add_uses(row, [], (posts, recent, sequence), must_exist=True)


def places(place_ids: list[str], *, consistent: bool = False) -> dict[str, PlaceRow]:
    rows = db.batch_get((keys.place_key(p) for p in place_ids), consistent=consistent)
    return {r.place_id: r for r in rows.values() if isinstance(r, PlaceRow)}


def tag_stats(tags: list[str], *, consistent: bool = False) -> dict[str, HashtagStatsRow]:
    rows = db.batch_get((keys.hashtag_stats_key(t) for t in tags), consistent=consistent)
    return {r.tag: r for r in rows.values() if isinstance(r, HashtagStatsRow)}
