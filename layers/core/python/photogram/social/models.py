"""What the social graph speaks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from photogram.users.models import UserSummary

FollowStatus = Literal["following", "requested", "none"]


class FollowOut(BaseModel):
    """Where I stand with a user after a follow or unfollow."""

    handle: str
    status: FollowStatus


class BlockOut(BaseModel):
    handle: str
    is_blocked: bool


class MuteOut(BaseModel):
    handle: str
    is_muted: bool


class CloseFriendOut(BaseModel):
    handle: str
    is_close_friend: bool


class UserListItem(BaseModel):
    user: UserSummary
    since: str


class UserPage(BaseModel):
    items: list[UserListItem]
    next_cursor: str | None
