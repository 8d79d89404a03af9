"""What the users domain speaks: profile input and output shapes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from photogram import text
from photogram.users.handles import normalize_handle

Handle = Annotated[str, AfterValidator(normalize_handle)]


class ProfileIn(BaseModel):
    """`PUT /me`: fields left out keep their value; `handle` is required the first time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    handle: Handle | None = None
    display_name: Annotated[str, Field(max_length=64), AfterValidator(text.name_text)] | None = None
    bio: Annotated[str, Field(max_length=150), AfterValidator(text.bio_text)] | None = None
    is_private: bool | None = None
    avatar_media_id: (
        Annotated[
            str,
            Field(
                max_length=64,
                description='My READY media uploaded for an "avatar"; "" removes it.',
            ),
        ]
        | None
    ) = None


class AvatarOut(BaseModel):
    """A profile picture in the sizes lists and profiles show."""

    thumbnail: str
    small: str
    blur_placeholder: str


class Counts(BaseModel):
    followers: int
    following: int
    posts: int


class Relationship(BaseModel):
    """How the caller relates to a profile they look at."""

    is_self: bool
    is_following: bool
    is_requested: bool
    follows_you: bool
    is_muted: bool


class UserSummary(BaseModel):
    """A user as shown in lists."""

    user_id: str
    handle: str
    display_name: str
    is_private: bool
    avatar: AvatarOut | None = None


class ProfileOut(BaseModel):
    user_id: str
    handle: str
    display_name: str
    bio: str
    is_private: bool
    avatar: AvatarOut | None = None
    counts: Counts
    created_at: str


class UserProfileOut(ProfileOut):
    """Another user's profile, with how I relate to them."""

    relationship: Relationship
