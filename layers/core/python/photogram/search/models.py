"""What search answers."""

from __future__ import annotations

from pydantic import BaseModel

from photogram.posts.models import PlaceOut
from photogram.users.models import AvatarOut, Relationship


class UserCard(BaseModel):
    """A user as search shows them: the public profile card and how I relate to them.
    Private accounts are found too; what they post is not."""

    user_id: str
    handle: str
    display_name: str
    is_private: bool
    avatar: AvatarOut | None
    follower_count: int
    relationship: Relationship


class UserResults(BaseModel):
    items: list[UserCard]
    next_cursor: str | None


class HashtagResult(BaseModel):
    tag: str
    post_count: int


class HashtagResults(BaseModel):
    items: list[HashtagResult]
    next_cursor: str | None


class PlaceResult(PlaceOut):
    post_count: int
    # From the position searched near, when one was given.
    distance_km: float | None


class PlaceResults(BaseModel):
    items: list[PlaceResult]
    next_cursor: str | None


class SearchTop(BaseModel):
    """The first few of each kind, for the search box."""

    users: list[UserCard]
    hashtags: list[HashtagResult]
    places: list[PlaceResult]
