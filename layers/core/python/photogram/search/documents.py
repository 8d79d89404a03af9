"""Search documents, made from table items. Each carries a version from its item:
the profile's revision; for a follow, the following item's creation time (doubled, so
the removal of that follow, one more, outranks it and a later follow outranks both);
for a hashtag, its stats item's revision; for a place, the place item's."""

from __future__ import annotations

from typing import Any

from photogram import clock
from photogram.adapters.search import Put, Remove
from photogram.posts.repository import HashtagStatsRow, PlaceRow
from photogram.social.repository import FollowingRow
from photogram.users.repository import ProfileRow


def user_document(profile: ProfileRow) -> Put:
    return Put(
        "users",
        profile.user_id,
        int(profile.revision or 0),
        {
            "handle": profile.handle,
            "name": profile.display_name or "",
            "follower_count": int(profile.follower_count or 0),
            "is_private": bool(profile.is_private),
        },
    )


def user_removed(user_id: str, last_image: dict[str, Any] | None) -> Remove:
    """The removal of a user whose profile is gone, after its last known revision."""
    revision = int((last_image or {}).get("revision") or 0)
    return Remove("users", user_id, revision + 1)


def follow_id(follower_id: str, followee_id: str) -> str:
    return f"{follower_id}:{followee_id}"


def _millis(iso: str) -> int:
    return int(clock.parse(iso).timestamp() * 1000)


def follow_document(row: FollowingRow) -> Put:
    return Put(
        "follows",
        follow_id(row.owner_id, row.other_id),
        _millis(row.created_at) * 2,
        {"follower": row.owner_id, "followee": row.other_id},
    )


def follow_removed(follower_id: str, followee_id: str, last_image: dict[str, Any]) -> Remove:
    created = str(last_image.get("created_at") or "1970-01-01T00:00:00+00:00")
    return Remove("follows", follow_id(follower_id, followee_id), _millis(created) * 2 + 1)


def hashtag_document(stats: HashtagStatsRow) -> Put | Remove:
    """A tag's document; a tag no post uses any more leaves the index."""
    revision = int(stats.revision or 0)
    if int(stats.post_count or 0) <= 0:
        return Remove("hashtags", stats.tag, revision)
    doc = {"tag": stats.tag, "post_count": int(stats.post_count), "recent": float(stats.recent)}
    return Put("hashtags", stats.tag, revision, doc)


def place_document(place: PlaceRow) -> Put | Remove:
    """A place's document; a place no post is at any more leaves the index (as does
    one just created, until the stream counts its first post)."""
    revision = int(place.revision or 0)
    if int(place.post_count or 0) <= 0:
        return Remove("places", place.place_id, revision)
    doc = {
        "name": place.name,
        "lat": float(place.lat),
        "lng": float(place.lng),
        "post_count": int(place.post_count),
        "recent": float(place.recent),
    }
    return Put("places", place.place_id, revision, doc)
