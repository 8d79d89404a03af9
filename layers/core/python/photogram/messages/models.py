"""What direct messages speak."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from photogram import text
from photogram.media.models import VariantOut
from photogram.posts.models import AuthorOut, PostOut
from photogram.users.models import Handle

# A group's members, its creator included.
MAX_MEMBERS = 32
MAX_TEXT = 1000
Folder = Literal["inbox", "requests"]
Role = Literal["admin", "member"]
MessageKind = Literal["text", "media", "post", "removed"]
MessageText = Annotated[
    str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(text.free_text)
]
GroupTitle = Annotated[str, Field(max_length=100), AfterValidator(text.name_text)]
ItemId = Annotated[str, Field(min_length=1, max_length=64)]
Handles = Annotated[list[Handle], Field(min_length=1, max_length=MAX_MEMBERS - 1)]


class CreateConversationIn(BaseModel):
    """One handle: the 1:1 conversation with them (the existing one, if any). More, or
    a title: a new group."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member_handles: Handles
    title: GroupTitle | None = None

    @model_validator(mode="after")
    def _check(self) -> CreateConversationIn:
        if len(set(self.member_handles)) != len(self.member_handles):
            raise ValueError("member_handles must be distinct")
        return self


class UpdateConversationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: GroupTitle


class AddMembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member_handles: Handles

    @model_validator(mode="after")
    def _check(self) -> AddMembersIn:
        if len(set(self.member_handles)) != len(self.member_handles):
            raise ValueError("member_handles must be distinct")
        return self


class SendMessageIn(BaseModel):
    """Exactly one of: words, a photo of mine uploaded for a message, a post I may see."""

    model_config = ConfigDict(extra="forbid")

    text: MessageText | None = None
    media_id: ItemId | None = None
    post_id: ItemId | None = None

    @model_validator(mode="after")
    def _check(self) -> SendMessageIn:
        given = [v for v in (self.text, self.media_id, self.post_id) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of text, media_id, post_id")
        if self.text is not None and not self.text.strip():
            raise ValueError("text must not be blank")
        return self


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    up_to_message_id: ItemId


class MemberOut(BaseModel):
    user: AuthorOut
    role: Role
    joined_at: str
    # The newest message this member has read; null until they read one, and for a
    # member who has not accepted the conversation (a request shows no receipts).
    read_up_to: str | None


class ConversationOut(BaseModel):
    conversation_id: str
    is_group: bool
    title: str | None
    members: list[MemberOut]
    # Where this conversation is for me: my inbox, or my message requests.
    folder: Folder
    is_admin: bool
    created_at: str
    updated_at: str


class MessageMediaOut(BaseModel):
    media_id: str
    width: int
    height: int
    # Signed, short-lived URLs: message media is served to members only.
    variants: dict[str, VariantOut]
    blur_placeholder: str
    dominant_color: str


class SharedPostOut(BaseModel):
    post_id: str
    # The post card, or null when the reader may not see the post (a private author
    # they do not follow, a block either way) or it is gone.
    post: PostOut | None
    is_available: bool


class MessageOut(BaseModel):
    message_id: str
    conversation_id: str
    sender_id: str
    kind: MessageKind
    text: str | None
    media: MessageMediaOut | None
    shared_post: SharedPostOut | None
    created_at: str
    # Removed by its sender: shown as removed, its content gone.
    is_removed: bool


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


class LastMessageOut(BaseModel):
    message_id: str
    sender_id: str
    kind: MessageKind
    # The first characters of a text message; empty for the other kinds.
    snippet: str
    created_at: str


class ConversationSummaryOut(BaseModel):
    conversation_id: str
    is_group: bool
    title: str | None
    # The other members, the first few ("alice, bob and 12 others").
    members: list[AuthorOut]
    member_count: int
    last_message: LastMessageOut | None
    unread_count: int = Field(ge=0)
    folder: Folder
    updated_at: str


class ConversationPage(BaseModel):
    items: list[ConversationSummaryOut]
    next_cursor: str | None


class ReadOut(BaseModel):
    conversation_id: str
    read_up_to: str
