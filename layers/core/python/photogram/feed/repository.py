"""Timeline entries, the celebrity registry, the ranked snapshot and the aggregates
the feed's features read; the only feed code that touches the table."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition

from photogram import clock, db
from photogram.db import Contention, Row, batch_get
from photogram.feed import keys
from photogram.posts import keys as post_keys
from photogram.posts.repository import PostStatsRow

# Recent-post references, as kept in timelines, celebrity rows and the discovery
# list: {"post_id", "author_id", "created_at", "hashtags", "author_engagement"}.
Ref = dict[str, Any]


class TimelineRow(Row, discriminator="timeline_entry"):
    post_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # What ranking needs without reading the post: copied when the post fanned out.
    hashtags = JSONAttribute(default=list)
    author_engagement = NumberAttribute(default=0)
    # TTL: a timeline holds the last few days only (reads filter on it too).
    expires_at = NumberAttribute()

    def ref(self) -> Ref:
        return {
            "post_id": self.post_id,
            "author_id": self.author_id,
            "created_at": self.created_at,
            "hashtags": list(self.hashtags or []),
            "author_engagement": float(self.author_engagement or 0),
        }


class Versioned(Row):
    """An item rewritten whole by read-modify-write, guarded by its version."""

    version = NumberAttribute(default=0)


class CelebrityRow(Versioned, discriminator="celebrity"):
    author_id = UnicodeAttribute()
    since = UnicodeAttribute()
    # The author's recent posts (refs, newest first), merged into followers' feeds.
    recent = JSONAttribute(default=list)


class AffinityRow(Versioned, discriminator="affinity"):
    # [{"ref", "kind", "author_id", "hashtags", "at"}], newest last, capped.
    events = JSONAttribute(default=list)


class DiscoveryRow(Versioned, discriminator="discovery"):
    # Refs with "engagement" (likes + 2 comments + 3 saves), best first, capped.
    entries = JSONAttribute(default=list)


class SnapshotRow(Row, discriminator="feed_snapshot"):
    snapshot_id = UnicodeAttribute()
    # [[post_id, author_id], ...] per page, ranked and diversified.
    pages = JSONAttribute()
    # The newest candidate's created_at: a newer timeline entry makes this stale.
    newest = UnicodeAttribute()
    # How many pages were served: those posts count as shown at the next ranking.
    served = NumberAttribute(default=0)
    # Fingerprints of posts shown by earlier snapshots (capped), pushed down again.
    shown = JSONAttribute(default=list)
    expires_at = NumberAttribute()


# --- fan-out ------------------------------------------------------------------------------


def write_timeline_entries(user_ids: list[str], ref: Ref, expires_at: int) -> int:
    """Put one entry per user (a batch write; re-writing the same entry is harmless)."""
    sk = keys.timeline_sk(ref["created_at"], ref["post_id"])
    with TimelineRow.batch_write() as batch:
        for user_id in user_ids:
            batch.save(
                TimelineRow(
                    keys.timeline_pk(user_id),
                    sk,
                    post_id=ref["post_id"],
                    author_id=ref["author_id"],
                    created_at=ref["created_at"],
                    hashtags=ref["hashtags"],
                    author_engagement=ref["author_engagement"],
                    expires_at=expires_at,
                )
            )
    return len(user_ids)


def delete_timeline_entries(user_ids: list[str], post_id: str, created_at: str) -> None:
    sk = keys.timeline_sk(created_at, post_id)
    with TimelineRow.batch_write() as batch:
        for user_id in user_ids:
            batch.delete(TimelineRow(keys.timeline_pk(user_id), sk))


# --- read-modify-write aggregates ---------------------------------------------------------

V = TypeVar("V", bound=Versioned)


def rewrite(
    row_cls: type[V],
    key: tuple[str, str],
    change: Callable[[V], bool],
    *,
    tries: int = 10,
) -> None:
    """Read the item (a new one if absent), let `change` edit it (returning whether it
    changed anything) and write it back only if nobody wrote it in between; retry
    otherwise. Concurrent consumers never lose each other's changes."""
    for n in range(tries):
        try:
            row = row_cls.get(*key, consistent_read=True)
            version = int(row.version)
            condition: Condition = row_cls.version == version
        except row_cls.DoesNotExist:
            row = row_cls(*key)
            version = 0
            condition = row_cls.PK.does_not_exist()
        if not change(row):
            return
        row.version = version + 1
        try:
            row.save(condition=condition)
            return
        except PutError as error:
            if not db.condition_failed(error):
                raise
            time.sleep(min(0.002 * 2**n, 0.1))
    raise Contention()


def forget_ref(row_cls: type[V], key: tuple[str, str], attr: str, post_id: str) -> None:
    """Take the post out of a versioned item's list of refs (no write if absent)."""

    def change(row: V) -> bool:
        refs = list(getattr(row, attr) or [])
        kept = [r for r in refs if r["post_id"] != post_id]
        if len(kept) == len(refs):
            return False
        setattr(row, attr, kept)
        return True

    rewrite(row_cls, key, change)


def celebrities() -> list[CelebrityRow]:
    """Every author above the fan-out threshold, with their recent posts (one query)."""
    return [r for r in CelebrityRow.query(keys.CELEBRITIES_PK) if isinstance(r, CelebrityRow)]


# --- the feed's reads ---------------------------------------------------------------------


def head(viewer_id: str, entries: int) -> tuple[SnapshotRow | None, list[TimelineRow]]:
    """The viewer's snapshot (even if expired) and newest live timeline entries, in
    one query: the snapshot's sort key sorts after every entry's."""
    now = clock.epoch()
    snapshot: SnapshotRow | None = None
    timeline: list[TimelineRow] = []
    for row in Row.query(keys.timeline_pk(viewer_id), scan_index_forward=False, limit=entries + 1):
        if isinstance(row, SnapshotRow):
            snapshot = row
        elif isinstance(row, TimelineRow) and row.expires_at > now:
            timeline.append(row)
    return snapshot, timeline


def timeline(user_id: str, limit: int) -> list[TimelineRow]:
    """My timeline's live entries, newest first."""
    return head(user_id, limit)[1][:limit]


def snapshot(viewer_id: str) -> SnapshotRow | None:
    """The viewer's snapshot while it lives (one read)."""
    try:
        row = SnapshotRow.get(*keys.snapshot_key(viewer_id))
    except SnapshotRow.DoesNotExist:
        return None
    return row if row.expires_at > clock.epoch() else None


def save_snapshot(row: SnapshotRow) -> None:
    row.save()


def mark_served(viewer_id: str, snapshot_id: str, pages: int) -> None:
    """Record that the first `pages` pages of this snapshot were shown (one write; a
    newer snapshot in the meantime is left alone)."""
    try:
        SnapshotRow(*keys.snapshot_key(viewer_id)).update(
            actions=[SnapshotRow.served.set(pages)],
            condition=(SnapshotRow.snapshot_id == snapshot_id) & (SnapshotRow.served < pages),
        )
    except UpdateError as error:
        if not db.condition_failed(error):
            raise


def read_many(keys_: list[tuple[str, str]]) -> dict[tuple[str, str], Row]:
    return batch_get(keys_)


def stats(post_ids: list[str]) -> dict[str, PostStatsRow]:
    found = batch_get(post_keys.stats_key(p) for p in post_ids)
    return {r.post_id: r for r in found.values() if isinstance(r, PostStatsRow)}
