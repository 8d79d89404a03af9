"""Fan-out on write: a new post is referenced in each follower's timeline (and the
author's own), unless its author has so many followers that the post is merged at
read time instead: one write to the author's celebrity row, not millions."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger

from photogram import changes, clock
from photogram.feed import aggregates, keys, repository
from photogram.feed.repository import CelebrityRow, Ref
from photogram.posts import repository as posts_repo
from photogram.settings import settings
from photogram.social import repository as social_repo
from photogram.users import repository as users_repo
from photogram.users import service as users

logger = Logger(child=True)
CELEBRITY_RECENT = 20


def _expires(created_at: str) -> int:
    created = clock.parse(created_at)
    return int((created + timedelta(days=settings().feed_days)).timestamp())


def _remember(author_id: str, ref: Ref) -> None:
    """Add the post to its celebrity author's recent list (one write)."""

    def change(row: CelebrityRow) -> bool:
        recent = [r for r in row.recent or [] if r["post_id"] != ref["post_id"]]
        recent = sorted([*recent, ref], key=lambda r: r["created_at"], reverse=True)
        since = aggregates.window_start()
        recent = [r for r in recent if r["created_at"] >= since][:CELEBRITY_RECENT]
        if recent == (row.recent or []) and row.author_id:
            return False
        row.author_id, row.since = author_id, row.since or clock.iso()
        row.recent = recent
        return True

    repository.rewrite(CelebrityRow, keys.celebrity_key(author_id), change)


@changes.consumes("post")
def on_post(change: changes.Change) -> None:
    post = change.item
    author_id, post_id, created_at = post["author_id"], post["post_id"], post["created_at"]
    if change.event == "REMOVE":
        for page in social_repo.followers_of(author_id):
            repository.delete_timeline_entries(page, post_id, created_at)
        repository.delete_timeline_entries([author_id], post_id, created_at)
        repository.forget_ref(CelebrityRow, keys.celebrity_key(author_id), "recent", post_id)
        aggregates.forget_in_discovery(post_id)
        return
    if change.event != "INSERT":
        return  # an edit changes nothing in timelines (they hold references)
    # A replayed INSERT may arrive after the post's REMOVE: fan out only live posts.
    live = posts_repo.get(post_id)
    if live is None:
        return
    author = users_repo.get_profile(author_id)
    if author is None:
        return
    ref: Ref = {
        "post_id": post_id,
        "author_id": author_id,
        "created_at": created_at,
        "hashtags": [str(t) for t in live.hashtags or []],
        "author_engagement": aggregates.author_engagement(author_id, created_at),
    }
    if users.is_large_account(author):
        _remember(author_id, ref)
        logger.info("celebrity post: merged at read time", extra={"post_id": post_id})
        return
    written = 0
    for page in social_repo.followers_of(author_id):
        written += repository.write_timeline_entries(page, ref, _expires(created_at))
    # The author's own timeline too, so my posts are in my feed without another read.
    repository.write_timeline_entries([author_id], ref, _expires(created_at))
    logger.info("fanned out", extra={"post_id": post_id, "timelines": written + 1})
