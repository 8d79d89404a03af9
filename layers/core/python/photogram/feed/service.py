"""The home feed: candidates (my timeline, the celebrities I follow, about 10%
discovery), features from the stream-kept aggregates, the ranker, diversification,
and a ranked snapshot served page by page with signed cursors, so scrolling is
stable and never repeats a post.

DynamoDB calls (docs/decisions.md 22): a page from the current snapshot takes at
most three (the snapshot, one batch read for everything the page shows, one write
recording what was shown); ranking anew takes about ten whatever the number of
followees.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from pydantic import BaseModel

from photogram import clock, ids, metrics
from photogram.feed import aggregates, features, keys, ranking, repository
from photogram.feed.repository import DiscoveryRow, Ref, SnapshotRow, TimelineRow
from photogram.pagination import cursors
from photogram.posts import service as posts
from photogram.posts.models import PostOut
from photogram.posts.repository import COUNTERS
from photogram.social import keys as social_keys
from photogram.social import repository as social_repo

PAGE_SIZE = 10
PER_AUTHOR = 3
MAX_TIMELINE = 300
MAX_SCORED = 200
DISCOVERY_SHARE = 0.1
MIN_DISCOVERY = 3
SNAPSHOT_SECONDS = 300
MAX_SEEN = 300
MAX_SHOWN = 500


class FeedPage(BaseModel):
    items: list[PostOut]
    next_cursor: str | None


def fingerprint(post_id: str) -> str:
    return hashlib.sha256(post_id.encode()).hexdigest()[:8]


def _shown(snapshot: SnapshotRow | None) -> list[str]:
    """Fingerprints of what the viewer was shown: earlier snapshots' and the served
    pages of this one."""
    if snapshot is None:
        return []
    served = [fingerprint(p) for page in snapshot.pages[: int(snapshot.served)] for p, _ in page]
    return [*(snapshot.shown or []), *served][-MAX_SHOWN:]


# --- candidates ---------------------------------------------------------------------------


def _discovery(viewer_id: str, entries: list[Ref], exclude: set[str], want: int) -> list[Ref]:
    """Up to `want` of the discovery list's posts, minus authors blocked either way (one
    read). Authors I follow are known from my candidates; one I followed after the
    post fanned out can still appear here, which is harmless."""
    pool = [e for e in entries if e["post_id"] not in exclude and e["author_id"] not in exclude]
    pool = pool[: want + want // 4 + 1]
    if not pool:
        return []
    blocked = social_repo.blocked_between(viewer_id, list({e["author_id"] for e in pool}))
    return [e for e in pool if e["author_id"] not in blocked][:want]


def _candidates(viewer_id: str, timeline: list[TimelineRow]) -> tuple[list[Ref], Any]:
    """The refs to rank and my affinity item."""
    since = aggregates.window_start()
    refs: dict[str, Ref] = {t.post_id: t.ref() for t in timeline if t.created_at >= since}
    celebrities = repository.celebrities()
    wanted = [keys.affinity_key(viewer_id), keys.DISCOVERY_KEY] + [
        social_keys.following_key(viewer_id, c.author_id)
        for c in celebrities
        if c.author_id != viewer_id
    ]
    found = repository.read_many(wanted)
    for celebrity in celebrities:
        follows = social_keys.following_key(viewer_id, celebrity.author_id) in found
        if follows or celebrity.author_id == viewer_id:
            for ref in celebrity.recent or []:
                if ref["created_at"] >= since:
                    refs.setdefault(ref["post_id"], ref)
    top = found.get(keys.DISCOVERY_KEY)
    entries = [e for e in (top.entries if isinstance(top, DiscoveryRow) else []) or []]
    entries = [e for e in entries if e["created_at"] >= since]
    followed = {r["author_id"] for r in refs.values()} | {viewer_id}
    want = max(MIN_DISCOVERY, math.ceil(len(refs) * DISCOVERY_SHARE / (1 - DISCOVERY_SHARE)))
    discovered = _discovery(viewer_id, entries, set(refs) | followed, want)
    for ref in discovered:
        refs[ref["post_id"]] = ref
    muted = social_repo.mutes_of(viewer_id)
    kept = [r for r in refs.values() if r["author_id"] not in muted]
    return kept, found.get(keys.affinity_key(viewer_id))


# --- ranking ----------------------------------------------------------------------------------


def _build(
    viewer_id: str, previous: SnapshotRow | None, timeline: list[TimelineRow], seen: set[str]
) -> SnapshotRow | None:
    refs, affinity = _candidates(viewer_id, timeline)
    refs = [r for r in refs if fingerprint(r["post_id"]) not in seen]
    if not refs:
        return None
    now = clock.now()
    interests = aggregates.interests(affinity)
    zero = dict.fromkeys(COUNTERS, 0)

    def row(ref: Ref, totals: dict[str, int]) -> ranking.Features:
        return features.candidate_features(interests, ref, totals, now)

    # A first pass without the posts' engagement picks which candidates are worth
    # reading stats for (at most MAX_SCORED: two batch reads).
    if len(refs) > MAX_SCORED:
        first = ranking.HeuristicRanker().score([row(r, zero) for r in refs])
        order = sorted(range(len(refs)), key=lambda i: -first[i])
        refs = [refs[i] for i in order[:MAX_SCORED]]
    stats = repository.stats([r["post_id"] for r in refs])
    rows = [row(r, stats[r["post_id"]].totals() if r["post_id"] in stats else zero) for r in refs]
    scores = ranking.ranker().score(rows)
    shown = _shown(previous)
    shown_set = set(shown)
    # Best first; posts already shown go after the rest, in their own ranked order.
    order = sorted(
        range(len(refs)),
        key=lambda i: (fingerprint(refs[i]["post_id"]) in shown_set, -scores[i]),
    )
    pages = ranking.diversify(
        [(refs[i]["post_id"], refs[i]["author_id"]) for i in order],
        per_author=PER_AUTHOR,
        page_size=PAGE_SIZE,
    )
    snapshot = SnapshotRow(
        *keys.snapshot_key(viewer_id),
        snapshot_id=ids.new_id(),
        pages=[[list(x) for x in page] for page in pages],
        newest=max((t.created_at for t in timeline), default=""),
        # Page one is served as soon as this is written.
        served=1,
        shown=shown,
        expires_at=clock.epoch() + SNAPSHOT_SECONDS,
    )
    repository.save_snapshot(snapshot)
    return snapshot


def _fresh(snapshot: SnapshotRow | None, newest: list[TimelineRow]) -> bool:
    """Alive, and nothing in my timeline is newer than what it ranked."""
    if snapshot is None or snapshot.expires_at <= clock.epoch():
        return False
    return not newest or newest[0].created_at <= snapshot.newest


# --- serving ------------------------------------------------------------------------------


def get_feed(viewer_id: str, cursor: str | None) -> FeedPage:
    """A page of my ranked feed. The first page (no cursor) re-ranks when someone I
    follow posted since the last ranking; later pages come from the same ranking;
    a cursor whose ranking has expired continues from a fresh one without repeating
    what it already served. Raises BadRequest(invalid_cursor)."""
    scope = f"FEED:{viewer_id}"
    position = cursors().open(cursor, scope)
    seen_order: list[str] = list(position.get("seen", [])) if position else []
    seen = set(seen_order)
    page_index, built = 0, False
    snapshot: SnapshotRow | None
    if position is None:
        snapshot, newest = repository.head(viewer_id, 1)
        if not _fresh(snapshot, newest):
            previous, timeline = repository.head(viewer_id, MAX_TIMELINE)
            snapshot, built = _build(viewer_id, previous, timeline, set()), True
    else:
        snapshot = repository.snapshot(viewer_id)
        if snapshot is not None and snapshot.snapshot_id == position.get("sid"):
            page_index = int(position.get("page", 0))
        else:
            previous, timeline = repository.head(viewer_id, MAX_TIMELINE)
            snapshot, built = _build(viewer_id, previous, timeline, seen), True
    # Served from a stored ranking, or ranked anew (which is when the ranker is asked).
    metrics.count("FeedPages", source="rank" if built else "cache")
    if snapshot is None or page_index >= len(snapshot.pages):
        return FeedPage(items=[], next_cursor=None)
    page = [(p, a) for p, a in snapshot.pages[page_index] if fingerprint(p) not in seen]
    items = posts.render_refs(viewer_id, page)
    if not built and int(snapshot.served) < page_index + 1:
        repository.mark_served(viewer_id, snapshot.snapshot_id, page_index + 1)
    seen_order += [fingerprint(p) for p, _ in page]
    more = page_index + 1 < len(snapshot.pages)
    # What this scroll has shown (the latest MAX_SEEN): a fresh ranking skips it.
    state = {"sid": snapshot.snapshot_id, "page": page_index + 1, "seen": seen_order[-MAX_SEEN:]}
    next_cursor = cursors().seal(state, scope) if more else None
    return FeedPage(items=items, next_cursor=next_cursor)
