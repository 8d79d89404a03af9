"""What the notifications domain speaks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from photogram.media.models import VariantOut
from photogram.posts.models import AuthorOut

Kind = Literal["like", "comment", "reply", "mention", "follow", "follow_request", "follow_accepted"]
KINDS: tuple[Kind, ...] = (
    "like",
    "comment",
    "reply",
    "mention",
    "follow",
    "follow_request",
    "follow_accepted",
)
# Kinds whose notifications group (one entry per post, or one for all follows, while
# the group is younger than the window); the rest are one entry each.
GROUPED: frozenset[str] = frozenset({"like", "comment", "follow"})
# From whom a kind of notification reaches me.
Audience = Literal["everyone", "following", "off"]


class NotificationSettings(BaseModel):
    """From whom each kind of notification reaches me: everyone, only people I follow,
    or nobody."""

    like: Audience = "everyone"
    comment: Audience = "everyone"
    reply: Audience = "everyone"
    mention: Audience = "everyone"
    follow: Audience = "everyone"
    follow_request: Audience = "everyone"
    follow_accepted: Audience = "everyone"


class NotificationSettingsIn(BaseModel):
    """The kinds to change; those left out keep their setting."""

    model_config = ConfigDict(extra="forbid")

    like: Audience | None = None
    comment: Audience | None = None
    reply: Audience | None = None
    mention: Audience | None = None
    follow: Audience | None = None
    follow_request: Audience | None = None
    follow_accepted: Audience | None = None


class NotificationPost(BaseModel):
    post_id: str
    thumbnail: VariantOut | None


class NotificationComment(BaseModel):
    comment_id: str
    text: str


class NotificationOut(BaseModel):
    notification_id: str
    kind: Kind
    # The latest few, newest first ("alice, bob and 1,204 others liked your photo").
    actors: list[AuthorOut]
    # Beyond `actors`: from the post's exact counters for likes and comments, from the
    # group's own count for follows.
    others_count: int = Field(ge=0)
    post: NotificationPost | None
    comment: NotificationComment | None
    # When the group started (or the single notification happened), and its latest
    # activity (what the inbox is sorted by).
    created_at: str
    updated_at: str
    is_unread: bool


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCount(BaseModel):
    count: int = Field(ge=0, description="Unread notifications, at most 100.")
    # What the badge shows: the count, or "99+" above 99.
    display: str


class SeenOut(BaseModel):
    seen_at: str
