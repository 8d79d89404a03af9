"""What the stories API speaks: requests, and responses built from items (never the
items themselves)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from photogram.posts.models import AuthorOut, VariantOut
from photogram.users.models import UserSummary

Audience = Literal["followers", "close_friends"]
MAX_HIGHLIGHT_STORIES = 40
ItemId = Annotated[str, Field(min_length=1, max_length=64)]
Title = Annotated[str, Field(min_length=1, max_length=40)]


class CreateStoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    media_id: ItemId
    audience: Audience = "followers"


class StoryMediaOut(BaseModel):
    width: int
    height: int
    variants: dict[str, VariantOut]
    blur_placeholder: str
    dominant_color: str


class StoryOut(BaseModel):
    story_id: str
    author: AuthorOut
    media: StoryMediaOut
    audience: Audience
    created_at: str
    # Epoch seconds: the story is gone from every read at this moment.
    expires_at: int
    has_seen: bool
    # The author's alone: null for everyone else.
    view_count: int | None = None


class StoryList(BaseModel):
    """A user's live stories, oldest first (the order they play in)."""

    items: list[StoryOut]


class TrayEntryOut(BaseModel):
    user: UserSummary
    latest_story_at: str
    all_seen: bool
    is_self: bool


class TrayOut(BaseModel):
    """My ring first, then unseen rings, then seen ones, each group newest first."""

    items: list[TrayEntryOut]
    next_cursor: str | None


class ViewOut(BaseModel):
    story_id: str
    has_seen: bool


class StoryViewerOut(BaseModel):
    user: UserSummary
    viewed_at: str


class ViewerPage(BaseModel):
    view_count: int
    items: list[StoryViewerOut]
    next_cursor: str | None


def _distinct(story_ids: list[str] | None) -> None:
    if story_ids is not None and len(set(story_ids)) != len(story_ids):
        raise ValueError("story_ids must be distinct")


class CreateHighlightIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Title
    story_ids: Annotated[list[ItemId], Field(min_length=1, max_length=MAX_HIGHLIGHT_STORIES)]

    @model_validator(mode="after")
    def _check(self) -> CreateHighlightIn:
        _distinct(self.story_ids)
        return self


class UpdateHighlightIn(BaseModel):
    """A new title, a new list of stories (kept ones and live ones to add), or both."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Title | None = None
    story_ids: (
        Annotated[list[ItemId], Field(min_length=1, max_length=MAX_HIGHLIGHT_STORIES)] | None
    ) = None

    @model_validator(mode="after")
    def _check(self) -> UpdateHighlightIn:
        if self.title is None and self.story_ids is None:
            raise ValueError("give a title, story_ids or both")
        _distinct(self.story_ids)
        return self


class HighlightStoryOut(BaseModel):
    story_id: str
    media: StoryMediaOut
    created_at: str


class HighlightOut(BaseModel):
    highlight_id: str
    title: str
    stories: list[HighlightStoryOut]
    created_at: str
    updated_at: str


class HighlightPage(BaseModel):
    items: list[HighlightOut]
    next_cursor: str | None
