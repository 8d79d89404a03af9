"""The aggregates the feed's features read, kept up to date by stream consumers:

- a post's stats item: its counter shards' latest values (one item to read, not
  eight), written once per post per stream batch however many likes it got;
- the discovery list: recent posts of public authors with the most engagement;
- each user's affinity events: their recent likes, comments and saves, with the
  author and hashtags of each post, and their recent story views (features.Interests
  folds them).

Every consumer is idempotent: a re-delivered batch writes the same values again or
nothing (events are keyed by the item that caused them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from photogram import changes, clock
from photogram.feed import features, keys, repository
from photogram.feed.repository import AffinityRow, DiscoveryRow, Ref
from photogram.posts import repository as posts_repo
from photogram.posts.repository import COUNTERS, PostStatsRow
from photogram.settings import settings

DISCOVERY_SIZE = 100
EVENT_DAYS = 30


# --- a post's engagement --------------------------------------------------------------


def window_start() -> str:
    """The oldest created_at the feed considers (`feed_days` ago), as an ISO time."""
    return clock.iso(clock.now() - timedelta(days=settings().feed_days))


def author_engagement(author_id: str, before: str) -> float:
    """The mean engagement of the author's posts before `before` (the latest few)."""
    rows = posts_repo.author_post_ids(author_id, before, features.AUTHOR_POSTS)
    if not rows:
        return 0.0
    found = repository.stats(rows)
    return sum(features.engagement(s.totals()) for s in found.values()) / len(rows)


@changes.consumes_batch("post_counter")
def on_counters(batch: list[changes.Change]) -> None:
    latest: dict[str, dict[str, list[int]]] = {}
    for change in batch:
        if change.new is None:
            continue  # the post was deleted with its shards
        _, post_id, shard = str(change.new["PK"]).split("#")
        latest.setdefault(post_id, {})[shard] = [int(change.new.get(n, 0)) for n in COUNTERS]
    updated = [posts_repo.set_stat_shards(post_id, shards) for post_id, shards in latest.items()]
    merge_discovery([row for row in updated if row is not None and row.author_public])


# --- discovery ------------------------------------------------------------------------


def discovery_score(entry: dict[str, Any], now: datetime) -> float:
    """Engagement, discounted by age (as a news site ranks its front page)."""
    return float(entry["engagement"]) / (features.age_hours(entry["created_at"], now) + 2) ** 1.5


def merge_discovery(rows: list[PostStatsRow]) -> None:
    if not rows:
        return
    now, since = clock.now(), window_start()

    def change(top: DiscoveryRow) -> bool:
        entries = {e["post_id"]: dict(e) for e in top.entries or []}
        for row in rows:
            entry = entries.get(row.post_id) or {
                "post_id": row.post_id,
                "author_id": row.author_id,
                "created_at": row.created_at,
                "hashtags": list(row.hashtags or [])[:5],
            }
            entry["engagement"] = features.engagement(row.totals())
            entries[row.post_id] = entry
        kept = sorted(
            (e for e in entries.values() if e["created_at"] >= since and e["engagement"] > 0),
            key=lambda e: -discovery_score(e, now),
        )[:DISCOVERY_SIZE]
        for entry in kept:
            if "author_engagement" not in entry:
                entry["author_engagement"] = author_engagement(
                    entry["author_id"], entry["created_at"]
                )
        if kept == (top.entries or []):
            return False
        top.entries = kept
        return True

    repository.rewrite(DiscoveryRow, keys.DISCOVERY_KEY, change)


def forget_in_discovery(post_id: str) -> None:
    repository.forget_ref(DiscoveryRow, keys.DISCOVERY_KEY, "entries", post_id)


def discovery() -> list[Ref]:
    found = repository.read_many([keys.DISCOVERY_KEY])
    row = found.get(keys.DISCOVERY_KEY)
    return list(row.entries or []) if isinstance(row, DiscoveryRow) else []


# --- affinity -------------------------------------------------------------------------


def _actor(item: dict[str, Any]) -> str:
    return str(item["author_id"] if item["type"] == "comment" else item["user_id"])


def _epoch(iso: str) -> float:
    return clock.parse(iso).timestamp()


@changes.consumes_batch("like", "save", "comment")
def on_engagement(batch: list[changes.Change]) -> None:
    inserted = {str(c.item["post_id"]) for c in batch if c.event == "INSERT"}
    posts = posts_repo.get_many(sorted(inserted)) if inserted else {}
    by_user: dict[str, list[changes.Change]] = {}
    for change in batch:
        if change.event != "MODIFY":
            by_user.setdefault(_actor(change.item), []).append(change)
    for user_id, mine in by_user.items():
        removed: set[str] = set()
        added: list[dict[str, Any]] = []
        # In stream order: a like then an unlike in one batch leaves no like.
        for c in mine:
            ref = f"{c.item['PK']}|{c.item['SK']}"
            removed.add(ref)
            added = [e for e in added if e["ref"] != ref]
            post = posts.get(str(c.item["post_id"]))
            if c.event == "INSERT" and post is not None and post.author_id != user_id:
                added.append(
                    {
                        "ref": ref,
                        "kind": c.item["type"],
                        "author_id": post.author_id,
                        "hashtags": list(post.hashtags or [])[:10],
                        "at": _epoch(str(c.item["created_at"])),
                    }
                )
        _record(user_id, removed, added)


@changes.consumes_batch("story_view")
def on_story_views(batch: list[changes.Change]) -> None:
    """A story view is a (small) sign of interest in its author. A view's REMOVE (the
    story's TTL) takes nothing back: the interest decays on its own."""
    by_viewer: dict[str, list[dict[str, Any]]] = {}
    for c in batch:
        if c.event == "INSERT" and c.new is not None and c.new.get("author_id"):
            by_viewer.setdefault(str(c.new["viewer_id"]), []).append(
                {
                    "ref": f"{c.new['PK']}|{c.new['SK']}",
                    "kind": "story_view",
                    "author_id": str(c.new["author_id"]),
                    "hashtags": [],
                    "at": _epoch(str(c.new["viewed_at"])),
                }
            )
    for viewer_id, added in by_viewer.items():
        _record(viewer_id, {e["ref"] for e in added}, added)


def _record(user_id: str, removed: set[str], added: list[dict[str, Any]]) -> None:
    """Replace the events keyed `removed` by `added` in the user's affinity item, keeping
    what `features.kept` keeps of the last EVENT_DAYS (a replayed change rewrites the
    same)."""
    oldest = clock.epoch() - EVENT_DAYS * 86400

    def edit(row: AffinityRow) -> bool:
        events = [e for e in row.events or [] if e["ref"] not in removed] + added
        events = features.kept(e for e in events if e["at"] >= oldest)
        if events == (row.events or []):
            return False
        row.events = events
        return True

    repository.rewrite(AffinityRow, keys.affinity_key(user_id), edit)


def interests(row: Any) -> features.Interests:
    events = row.events if isinstance(row, AffinityRow) else []
    return features.Interests.from_events(events or [], clock.now())
