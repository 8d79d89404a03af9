"""Timeline entries and the celebrity registry; the only feed code that touches the table."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from photogram import clock
from photogram.db import Row
from photogram.feed import keys
from photogram.social.repository import FollowerRow
from photogram.users.keys import user_pk


class TimelineRow(Row, discriminator="timeline_entry"):
    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # TTL: a timeline holds the last few days only (reads filter on it too).
    expires_at = NumberAttribute()


class CelebrityRow(Row, discriminator="celebrity"):
    author_id = UnicodeAttribute()
    since = UnicodeAttribute()


def followers_of(author_id: str, page_size: int = 1000) -> Iterator[list[str]]:
    """The author's followers, a page at a time (one partition, any order)."""
    rows = FollowerRow.query(
        user_pk(author_id), FollowerRow.SK.startswith("FOLLOWER#"), page_size=page_size
    )
    page: list[str] = []
    for row in rows:
        page.append(row.other_id)
        if len(page) == page_size:
            yield page
            page = []
    if page:
        yield page


def write_timeline_entries(
    follower_ids: list[str], post_id: str, author_id: str, created_at: str, expires_at: int
) -> int:
    """Put one entry per follower (a batch write; re-writing the same entry is harmless)."""
    sk = keys.timeline_sk(created_at, post_id)
    with TimelineRow.batch_write() as batch:
        for follower in follower_ids:
            batch.save(
                TimelineRow(
                    keys.timeline_pk(follower),
                    sk,
                    post_id=post_id,
                    author_id=author_id,
                    created_at=created_at,
                    expires_at=expires_at,
                )
            )
    return len(follower_ids)


def delete_timeline_entries(follower_ids: list[str], post_id: str, created_at: str) -> None:
    sk = keys.timeline_sk(created_at, post_id)
    with TimelineRow.batch_write() as batch:
        for follower in follower_ids:
            batch.delete(TimelineRow(keys.timeline_pk(follower), sk))


def register_celebrity(author_id: str) -> None:
    CelebrityRow(
        keys.CELEBRITIES_PK, keys.celebrity_sk(author_id), author_id=author_id, since=clock.iso()
    ).save()


def timeline(user_id: str, limit: int, since: str | None = None) -> list[TimelineRow]:
    """My timeline's entries (newer than `since`, an ISO time), newest first, live only."""
    now = clock.epoch()
    rows = TimelineRow.query(
        keys.timeline_pk(user_id),
        None if since is None else since < TimelineRow.SK,
        scan_index_forward=False,
        limit=limit,
    )
    return [r for r in rows if isinstance(r, TimelineRow) and r.expires_at > now]


def celebrities() -> list[str]:
    return [
        r.author_id for r in CelebrityRow.query(keys.CELEBRITIES_PK) if isinstance(r, CelebrityRow)
    ]


class SnapshotRow(Row, discriminator="feed_snapshot"):
    snapshot_id = UnicodeAttribute()
    # [[post_id, author_id], ...] per page, ranked and diversified.
    pages = JSONAttribute()
    # The newest candidate's created_at: a newer timeline entry makes this stale.
    newest = UnicodeAttribute()
    expires_at = NumberAttribute()


def snapshot(viewer_id: str) -> SnapshotRow | None:
    try:
        row = SnapshotRow.get(*keys.snapshot_key(viewer_id))
    except SnapshotRow.DoesNotExist:
        return None
    return row if row.expires_at > clock.epoch() else None


def save_snapshot(
    viewer_id: str, snapshot_id: str, pages: list[list[list[str]]], newest: str, ttl_s: int
) -> None:
    SnapshotRow(
        *keys.snapshot_key(viewer_id),
        snapshot_id=snapshot_id,
        pages=pages,
        newest=newest,
        expires_at=clock.epoch() + ttl_s,
    ).save()
