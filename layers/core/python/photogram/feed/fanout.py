"""Fan-out on write: a new post is referenced in each follower's timeline, unless its
author has so many followers that the post is merged at read time instead (one
write for a celebrity, not millions)."""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from photogram import changes
from photogram.feed import repository
from photogram.posts import repository as posts_repo
from photogram.settings import settings
from photogram.users import repository as users_repo

logger = Logger(child=True)


def _expires(created_at: str) -> int:
    created = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    return int((created + timedelta(days=settings().feed_days)).timestamp())


@changes.consumes("post")
def on_post(change: changes.Change) -> None:
    post = change.item
    author_id, post_id, created_at = post["author_id"], post["post_id"], post["created_at"]
    if change.event == "REMOVE":
        for page in repository.followers_of(author_id):
            repository.delete_timeline_entries(page, post_id, created_at)
        return
    if change.event != "INSERT":
        return  # an edit changes nothing in timelines (they hold references)
    # A replayed INSERT may arrive after the post's REMOVE: fan out only live posts.
    if posts_repo.get(post_id) is None:
        return
    author = users_repo.get_profile(author_id)
    if author is None:
        return
    if int(author.follower_count) >= settings().fanout_max_followers:
        # Idempotent: re-registering rewrites the same item.
        repository.register_celebrity(author_id)
        logger.info("celebrity post: merged at read time", extra={"post_id": post_id})
        return
    written = 0
    for page in repository.followers_of(author_id):
        written += repository.write_timeline_entries(
            page, post_id, author_id, created_at, _expires(created_at)
        )
    logger.info("fanned out", extra={"post_id": post_id, "timelines": written})
