"""What the users domain speaks: profile input and output shapes."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

HANDLE_PATTERN = re.compile(r"^[a-z0-9._]{3,30}$")
# Words a handle may not be, so that no account can pass itself off as the service.
RESERVED_HANDLES = frozenset(
    {"admin", "administrator", "api", "help", "me", "photogram", "root", "security", "support"}
)


def normalize_handle(value: str) -> str:
    """Lower-case and check a handle: 3 to 30 of a-z 0-9 . _, no leading, trailing or
    doubled dot, not reserved. Raises ValueError (a 422 at the edge)."""
    handle = value.strip().lower()
    if not HANDLE_PATTERN.fullmatch(handle):
        raise ValueError("a handle is 3 to 30 characters of a-z, 0-9, '.' and '_'")
    if handle.startswith(".") or handle.endswith(".") or ".." in handle:
        raise ValueError("a handle cannot start or end with '.' or contain '..'")
    if handle in RESERVED_HANDLES:
        raise ValueError("that handle is reserved")
    return handle


Handle = Annotated[str, AfterValidator(normalize_handle)]


class ProfileIn(BaseModel):
    """`PUT /me`: fields left out keep their value; `handle` is required the first time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    handle: Handle | None = None
    display_name: Annotated[str, Field(max_length=64)] | None = None
    bio: Annotated[str, Field(max_length=150)] | None = None
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
