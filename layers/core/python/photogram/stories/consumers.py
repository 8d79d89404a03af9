"""Stream consumers that keep trays and story media right:

- a story posted or deleted: the author's rings are rewritten from their live
  stories (each follower's ring, or one star row for a very large account; close
  friends' rings may show a newer close-friends story); a story removed, by its
  author or by TTL, releases its media, which goes once no highlight keeps it;
- a follow made or undone (unfollow, block): that ring appears or goes;
- a mute or close friend added or removed: the tray's copy of it follows;
- a highlight changed or deleted: stories it no longer keeps release their media.

Every consumer recomputes from the current state, so re-delivery and reordering
change nothing."""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger

from photogram import changes, db
from photogram.adapters import storage
from photogram.db import batch_get
from photogram.media import repository as media_repo
from photogram.media.keys import variant_prefixes
from photogram.media.repository import HIGHLIGHT_HOLDER, STORY_HOLDER
from photogram.settings import settings
from photogram.social import keys as social_keys
from photogram.social import repository as social_repo
from photogram.stories import repository
from photogram.stories.repository import StoryRow
from photogram.users import repository as users_repo
from photogram.users import service as users
from photogram.users.repository import ProfileRow

logger = Logger(child=True)


def release(media_id: str, holder: str, guard: Any = None) -> None:
    """Drop one hold on a story's media; once nothing holds it, its files go."""
    if media_repo.release(media_id, holder, guard):
        # Both prefixes: a private account's story media may be private one day (§43).
        for prefix in variant_prefixes(media_id):
            storage.delete_prefix(settings().media_bucket, prefix)
        logger.info("story media deleted", extra={"media_id": media_id})


def _latest(live: list[StoryRow], *, close_friend: bool) -> StoryRow | None:
    visible = [s for s in live if close_friend or s.audience == "followers"]
    return visible[-1] if visible else None


def _following_friends(author_id: str) -> list[str]:
    """The author's close friends who follow them (who see close-friends stories)."""
    friends = social_repo.close_friends_of(author_id)
    if not friends:
        return []
    found = batch_get(social_keys.follower_key(author_id, f) for f in friends)
    return [f for f in friends if social_keys.follower_key(author_id, f) in found]


def _set_rings(viewer_ids: list[str], profile: ProfileRow, latest: StoryRow | None) -> None:
    if not viewer_ids:
        return
    if latest is None:
        repository.delete_rings(viewer_ids, profile.user_id)
    else:
        repository.put_rings(viewer_ids, repository.ring_fields(profile, latest))


def _story_of(image: dict[str, Any]) -> StoryRow:
    return StoryRow(
        story_id=str(image["story_id"]),
        author_id=str(image["author_id"]),
        audience=str(image["audience"]),
        created_at=str(image["created_at"]),
        expires_at=int(image["expires_at"]),
    )


def refresh_rings(
    author_id: str,
    *,
    followers: bool = True,
    added: StoryRow | None = None,
    removed: str | None = None,
) -> None:
    """Rewrite the author's rings from their live stories. `followers=False` when only
    a close-friends story changed: followers' rings cannot have moved. The story the
    change is about is `added` to, or `removed` from, what the index (eventually
    consistent) returns."""
    profile = users_repo.get_profile(author_id)
    if profile is None:
        return
    live = [s for s in repository.live_stories(author_id) if s.story_id != removed]
    fresh = added is not None and repository.is_live(added.expires_at)
    if added is not None and fresh and all(s.story_id != added.story_id for s in live):
        live = sorted([*live, added], key=lambda s: s.created_at)
    public = _latest(live, close_friend=False)
    newest = _latest(live, close_friend=True)
    star = users.is_large_account(profile)
    if followers:
        if star:
            if public is None:
                repository.delete_star(author_id)
            else:
                repository.put_star(repository.ring_fields(profile, public))
        else:
            # An author who was large until now leaves no star row behind.
            repository.delete_star(author_id)
            for page in social_repo.followers_of(author_id):
                _set_rings(page, profile, public)
    friends = _following_friends(author_id)
    if newest is not public:
        _set_rings(friends, profile, newest)
    elif star or not followers:
        # No close-friends story is newer: their rings show what followers see (the
        # star row does for a large account).
        _set_rings(friends, profile, None if star else public)
    _set_rings([author_id], profile, newest)


@changes.consumes("story")
def on_story(change: changes.Change) -> None:
    story = change.item
    followers = story.get("audience") == "followers"
    if change.event == "REMOVE":
        release(str(story["media_id"]), STORY_HOLDER + str(story["story_id"]))
        if not change.by_ttl:
            # Deleted by its author: rings may point at it. An expired story's rings
            # expire with it (their TTL is their latest story's).
            refresh_rings(
                str(story["author_id"]), followers=followers, removed=str(story["story_id"])
            )
    elif change.event == "INSERT":
        refresh_rings(str(story["author_id"]), followers=followers, added=_story_of(story))


def _refresh_one(author_id: str, viewer_id: str) -> None:
    """One viewer's ring of one author, from the current follow and close-friend state."""
    profile = users_repo.get_profile(author_id)
    if profile is None:
        return
    if not db.exists(social_keys.following_key(viewer_id, author_id)):
        repository.forget_author(viewer_id, author_id)
        return
    close = db.exists(social_keys.close_friend_key(author_id, viewer_id))
    latest = _latest(repository.live_stories(author_id), close_friend=close)
    public = latest if latest is None or latest.audience == "followers" else None
    if users.is_large_account(profile) and public is not None:
        latest = None  # the star row shows it
    _set_rings([viewer_id], profile, latest)


@changes.consumes("following")
def on_following(change: changes.Change) -> None:
    edge = change.item
    if change.event in ("INSERT", "REMOVE"):
        # From the follow as it is now: a late REMOVE of an undone unfollow is harmless.
        _refresh_one(str(edge["other_id"]), str(edge["owner_id"]))


@changes.consumes("close_friend")
def on_close_friend(change: changes.Change) -> None:
    edge = change.item
    if change.event in ("INSERT", "REMOVE"):
        _refresh_one(str(edge["owner_id"]), str(edge["other_id"]))


@changes.consumes("mute")
def on_mute(change: changes.Change) -> None:
    edge = change.item
    if change.event in ("INSERT", "REMOVE"):
        muted = db.exists(social_keys.mute_key(str(edge["owner_id"]), str(edge["other_id"])))
        repository.set_tray_mute(str(edge["owner_id"]), str(edge["other_id"]), muted)


def _kept(image: dict[str, Any] | None) -> dict[str, str]:
    """story_id -> media_id of the stories a highlight image keeps."""
    if not image:
        return {}
    stories = image.get("stories") or "[]"
    entries = json.loads(stories) if isinstance(stories, str) else stories
    return {str(e["story_id"]): str(e["media_id"]) for e in entries}


@changes.consumes("highlight")
def on_highlight(change: changes.Change) -> None:
    """Release the media of stories the highlight no longer keeps. Decided from the
    highlight as it is now (an edit may have put a story back since this change), and
    each release is guarded by the version read, so a concurrent edit re-decides."""
    before = _kept(change.old)
    if not before:
        return
    highlight_id = str(change.item["highlight_id"])
    for attempt in range(8):
        current = repository.get_highlight(highlight_id)
        kept = {s["story_id"] for s in current.stories} if current else set()
        guard = partial(repository.highlight_unchanged, highlight_id=highlight_id, read=current)
        try:
            for story_id, media_id in before.items():
                if story_id not in kept:
                    release(media_id, HIGHLIGHT_HOLDER + highlight_id, guard)
            return
        except media_repo.HolderChanged:
            time.sleep(0.01 * 2**attempt)
    raise media_repo.HolderChanged()
