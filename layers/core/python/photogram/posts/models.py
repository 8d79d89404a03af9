"""What the posts domain speaks."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from photogram.media.models import VariantOut
from photogram.text import free_text
from photogram.users.models import AvatarOut

HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})", re.UNICODE)
MENTION = re.compile(r"(?<![\w@])@([a-z0-9._]{3,30})", re.IGNORECASE)
MAX_HASHTAGS = 30
MAX_MENTIONS = 20


def parse_hashtags(caption: str) -> list[str]:
    """Distinct lower-cased hashtags in order of appearance."""
    return list(dict.fromkeys(tag.lower() for tag in HASHTAG.findall(caption)))


def parse_mentions(caption: str) -> list[str]:
    return list(dict.fromkeys(handle.lower().rstrip(".") for handle in MENTION.findall(caption)))


Caption = Annotated[str, Field(max_length=2200), AfterValidator(free_text)]
AltText = Annotated[str, Field(max_length=1000)]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=100)]
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None


class PlaceOut(BaseModel):
    """Where a post was posted: a place search finds (`GET /search/places`)."""

    place_id: str
    name: str
    lat: float
    lng: float


class CreatePostIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    media_ids: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]], Field(min_length=1, max_length=10)
    ]
    caption: Caption = ""
    # One per media item, in the same order (missing ones are empty).
    alt_texts: Annotated[list[AltText], Field(max_length=10)] = []
    # Where it was posted: a place from `GET /search/places`, or a new one from a
    # location with a name and both coordinates (a location without a position is
    # shown as written and makes no place).
    location: Location | None = None
    place_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _check(self) -> CreatePostIn:
        if self.place_id is not None and self.location is not None:
            raise ValueError("give place_id or location, not both")
        if len(set(self.media_ids)) != len(self.media_ids):
            raise ValueError("media_ids must be distinct")
        if len(self.alt_texts) > len(self.media_ids):
            raise ValueError("at most one alt text per media item")
        if len(parse_hashtags(self.caption)) > MAX_HASHTAGS:
            raise ValueError(f"at most {MAX_HASHTAGS} hashtags")
        return self


class UpdatePostIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    caption: Caption | None = None
    alt_texts: Annotated[list[AltText], Field(max_length=10)] | None = None

    @model_validator(mode="after")
    def _check(self) -> UpdatePostIn:
        if self.caption is not None and len(parse_hashtags(self.caption)) > MAX_HASHTAGS:
            raise ValueError(f"at most {MAX_HASHTAGS} hashtags")
        return self


class AuthorOut(BaseModel):
    user_id: str
    handle: str
    display_name: str
    avatar: AvatarOut | None = None


class PostMediaOut(BaseModel):
    media_id: str
    width: int
    height: int
    variants: dict[str, VariantOut]
    blur_placeholder: str
    dominant_color: str
    alt_text: str


class PostCounts(BaseModel):
    likes: int
    comments: int
    saves: int


class ViewerState(BaseModel):
    """How I relate to a post."""

    liked: bool
    saved: bool


class PostOut(BaseModel):
    post_id: str
    author: AuthorOut
    caption: str
    hashtags: list[str]
    mentions: list[str]
    location: Location | None
    place: PlaceOut | None = None
    media: list[PostMediaOut]
    counts: PostCounts
    viewer: ViewerState
    created_at: str
    updated_at: str


class PostPage(BaseModel):
    items: list[PostOut]
    next_cursor: str | None


class HashtagOut(BaseModel):
    """A hashtag's page: how many posts use it and the most engaged recent ones I may
    see (`GET /hashtags/{tag}/posts` lists them all, newest first)."""

    tag: str
    post_count: int
    top_posts: list[PostOut]


class PlaceDetailOut(PlaceOut):
    """A place's page, as a hashtag's."""

    post_count: int
    top_posts: list[PostOut]


class LikeOut(BaseModel):
    post_id: str
    liked: bool
    likes: int


class SaveOut(BaseModel):
    post_id: str
    saved: bool


class CreateCommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: Annotated[str, Field(min_length=1, max_length=2200), AfterValidator(free_text)]
    reply_to: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class CommentOut(BaseModel):
    comment_id: str
    post_id: str
    author: AuthorOut
    text: str
    mentions: list[str]
    reply_to: str | None
    created_at: str


class CommentPage(BaseModel):
    items: list[CommentOut]
    next_cursor: str | None
