"""The home feed: candidates (my timeline, the followed celebrities' recent posts,
my own), features, the ranker, diversification, and a ranked snapshot served page
by page with signed cursors, so scrolling is stable and never repeats a post.

Left for later (issue 5): discovery candidates and the affinity / content /
author aggregates kept by stream consumers (those features are 0 for now).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from photogram import clock, db, ids
from photogram.feed import ranking, repository
from photogram.pagination import cursors
from photogram.posts import keys as post_keys
from photogram.posts import repository as posts_repo
from photogram.posts import service as posts
from photogram.posts.models import PostOut
from photogram.posts.repository import PostRow
from photogram.settings import settings
from photogram.social import keys as social_keys
from photogram.social.repository import MuteRow

PAGE_SIZE = 10
PER_AUTHOR = 3
MAX_CANDIDATES = 300
CELEBRITY_POSTS = 20
SNAPSHOT_SECONDS = 300
MAX_SEEN = 300


class FeedPage(BaseModel):
    items: list[PostOut]
    next_cursor: str | None


def _fingerprint(post_id: str) -> str:
    return hashlib.sha256(post_id.encode()).hexdigest()[:8]


def _candidates(viewer_id: str) -> list[PostRow]:
    since = (clock.now() - timedelta(days=settings().feed_days)).astimezone(UTC).isoformat()
    ids_: list[str] = [t.post_id for t in repository.timeline(viewer_id, MAX_CANDIDATES)]
    celebrities = repository.celebrities()
    if celebrities:
        follows = db.batch_get(social_keys.following_key(viewer_id, c) for c in celebrities)
        for celebrity in celebrities:
            if social_keys.following_key(viewer_id, celebrity) in follows:
                rows, _ = db.query_page(
                    post_keys.author_posts_pk(celebrity), CELEBRITY_POSTS, None, on_index=True
                )
                ids_ += [r.post_id for r in rows if isinstance(r, PostRow)]
    own, _ = db.query_page(
        post_keys.author_posts_pk(viewer_id), CELEBRITY_POSTS, None, on_index=True
    )
    ids_ += [r.post_id for r in own if isinstance(r, PostRow)]
    muted = {
        r.other_id
        for r in db.query_page(social_keys.list_pk("MUTES", viewer_id), 1000, None, on_index=True)[
            0
        ]
        if isinstance(r, MuteRow)
    }
    found = posts_repo.get_many(list(dict.fromkeys(ids_))[:MAX_CANDIDATES])
    return [p for p in found.values() if p.author_id not in muted and p.created_at >= since[:19]]


def _features(candidates: list[PostRow]) -> list[ranking.Features]:
    totals = posts_repo.counts([p.post_id for p in candidates])
    now = clock.now()
    out = []
    for post in candidates:
        age_h = max(
            0.0,
            (now - datetime.fromisoformat(post.created_at.replace("Z", "+00:00"))).total_seconds()
            / 3600,
        )
        t = totals[post.post_id]
        engagement = (t["likes"] + 2 * t["comments"] + 3 * t["saves"]) / max(age_h, 1.0)
        out.append(ranking.Features(0.0, engagement, age_h, 0.0, 0.0))
    return out


def _build(viewer_id: str, seen: set[str]) -> repository.SnapshotRow | None:
    candidates = [p for p in _candidates(viewer_id) if _fingerprint(p.post_id) not in seen]
    if not candidates:
        return None
    scores = ranking.ranker().score(_features(candidates))
    ranked = [p for _, p in sorted(zip(scores, candidates, strict=True), key=lambda sp: -sp[0])]
    pages = ranking.diversify(
        [(p.post_id, p.author_id) for p in ranked], per_author=PER_AUTHOR, page_size=PAGE_SIZE
    )
    snapshot_id = ids.new_id()
    newest = max(p.created_at for p in candidates)
    repository.save_snapshot(
        viewer_id,
        snapshot_id,
        [[list(x) for x in page] for page in pages],
        newest,
        SNAPSHOT_SECONDS,
    )
    return repository.snapshot(viewer_id)


def _stale(viewer_id: str, snapshot: repository.SnapshotRow) -> bool:
    newest = repository.timeline(viewer_id, 1)
    return bool(newest) and newest[0].created_at > snapshot.newest


def get_feed(viewer_id: str, cursor: str | None) -> FeedPage:
    """A page of my ranked feed. The first page (no cursor) re-ranks when someone I
    follow posted since the last ranking; later pages come from the same ranking;
    a cursor whose ranking has expired continues from a fresh one without repeating
    what it already served. Raises BadRequest(invalid_cursor)."""
    scope = f"FEED:{viewer_id}"
    position = cursors().open(cursor, scope)
    seen_order: list[str] = list(position.get("seen", [])) if position else []
    seen = set(seen_order)
    snapshot = repository.snapshot(viewer_id)
    page_index = 0
    if position is None:
        if snapshot is None or _stale(viewer_id, snapshot):
            snapshot = _build(viewer_id, set())
    elif snapshot is not None and snapshot.snapshot_id == position.get("sid"):
        page_index = int(position.get("page", 0))
    else:
        snapshot = _build(viewer_id, seen)
    if snapshot is None or page_index >= len(snapshot.pages):
        return FeedPage(items=[], next_cursor=None)
    page = [
        (post_id, author_id)
        for post_id, author_id in snapshot.pages[page_index]
        if _fingerprint(post_id) not in seen
    ]
    rows = posts_repo.get_many([p for p, _ in page])
    authors = posts.visible_authors(viewer_id, {a for _, a in page})
    visible = [(rows[p], authors[a]) for p, a in page if p in rows and a in authors]
    seen_order += [_fingerprint(p) for p, _ in page]
    more = page_index + 1 < len(snapshot.pages)
    # What this scroll has shown (the latest MAX_SEEN): a fresh ranking skips it.
    state = {"sid": snapshot.snapshot_id, "page": page_index + 1, "seen": seen_order[-MAX_SEEN:]}
    next_cursor = cursors().seal(state, scope) if more else None
    return FeedPage(items=posts.render(viewer_id, visible), next_cursor=next_cursor)
