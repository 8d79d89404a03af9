"""Profile use cases: create or change my profile, read profiles."""

from __future__ import annotations

from typing import Any

from photogram import clock, db
from photogram.adapters import storage
from photogram.errors import PhotogramError
from photogram.limits import service as limits
from photogram.media import keys as media_keys
from photogram.media import repository as media_repo
from photogram.media import service as media_service
from photogram.media.repository import PROFILE_HOLDER, MediaRow
from photogram.settings import settings
from photogram.users import repository as repo
from photogram.users.errors import handle_taken, profile_not_found, user_not_found
from photogram.users.models import AvatarOut, Counts, ProfileIn, ProfileOut, UserSummary
from photogram.users.repository import ProfileRow


class HandleRequired(PhotogramError):
    status = 422

    def __init__(self) -> None:
        super().__init__(
            "handle_required",
            "Choose a handle to create your profile.",
            details=[{"field": "handle", "message": "required when creating a profile"}],
        )


def is_large_account(profile: ProfileRow) -> bool:
    """The one rule for "very many followers" (settings `fanout_max_followers`): such an
    author's posts are merged into feeds at read time and its stories into trays, one
    write per post or story instead of one per follower."""
    return int(profile.follower_count) >= settings().fanout_max_followers


def avatar_out(row: ProfileRow) -> AvatarOut | None:
    return avatar_from(row.avatar)


def avatar_from(avatar: dict[str, Any] | None) -> AvatarOut | None:
    """A stored avatar snapshot (a profile's, or a copy of it) as CDN URLs."""
    if not avatar:
        return None
    base = settings().cdn_base_url
    return AvatarOut(
        thumbnail=storage.cdn_url(base, avatar["thumbnail"]),
        small=storage.cdn_url(base, avatar["small"]),
        blur_placeholder=avatar["blur_placeholder"],
    )


def to_out(row: ProfileRow) -> ProfileOut:
    return ProfileOut(
        user_id=row.user_id,
        handle=row.handle,
        display_name=row.display_name,
        bio=row.bio,
        is_private=row.is_private,
        avatar=avatar_out(row),
        counts=Counts(
            followers=int(row.follower_count),
            following=int(row.following_count),
            posts=int(row.post_count),
        ),
        created_at=row.created_at,
    )


def to_summary(row: ProfileRow) -> UserSummary:
    return UserSummary(
        user_id=row.user_id,
        handle=row.handle,
        display_name=row.display_name,
        is_private=row.is_private,
        avatar=avatar_out(row),
    )


def get_me(user_id: str) -> ProfileOut:
    """My profile. Raises NotFound(profile_not_found) before I have created one."""
    row = repo.get_profile(user_id)
    if row is None:
        raise profile_not_found()
    return to_out(row)


def require_profile(user_id: str) -> ProfileRow:
    row = repo.get_profile(user_id)
    if row is None:
        raise profile_not_found()
    return row


def find_by_handle(handle: str) -> ProfileRow:
    """The profile holding `handle`. Raises NotFound(user_not_found)."""
    user_id = repo.user_id_for(handle.lower())
    row = repo.get_profile(user_id) if user_id else None
    if row is None:
        raise user_not_found()
    return row


def put_me(user_id: str, change: ProfileIn) -> ProfileOut:
    """Create my profile (handle required) or change the fields given.

    Raises HandleRequired, Conflict(handle_taken), RateLimited(rate_limited) when a
    handle change is over my limit, and for `avatar_media_id` what
    media_service.usable_media raises. A handle is claimed in the same transaction
    that writes the profile, so two users racing for one handle get exactly one
    winner; a new avatar's media item is claimed and the old one's deleted in it too.
    """

    def attempt() -> tuple[ProfileRow, str | None]:
        current = repo.get_profile(user_id)
        if current is None:
            return _create(user_id, change)
        return _update(current, change)

    row, replaced = db.optimistic(attempt)
    if replaced:
        # Its item went with the profile's change; now its files.
        for prefix in media_keys.variant_prefixes(replaced):
            storage.delete_prefix(settings().media_bucket, prefix)
    return to_out(row)


class _AvatarChange:
    """What `avatar_media_id` asks: the new avatar's snapshot (None: remove it), the
    media item to claim, and the old avatar's media id to delete."""

    def __init__(self, user_id: str, current: dict[str, Any] | None, media_id: str) -> None:
        self.old = current["media_id"] if current else None
        self.media: MediaRow | None = None
        self.snapshot: dict[str, Any] | None = None
        if media_id == "" or media_id == self.old:
            self.snapshot = None if media_id == "" else current
            if media_id == self.old:
                self.old = None
            return
        (self.media,) = media_service.usable_media(user_id, [media_id], "avatar")
        variants = self.media.variants or {}
        self.snapshot = {
            "media_id": media_id,
            "thumbnail": variants["thumbnail"]["key"],
            "small": variants["small"]["key"],
            "blur_placeholder": self.media.blur_placeholder or "",
        }

    def write(self, tx: db.TransactWrite, user_id: str) -> None:
        if self.media is not None:
            media_repo.claim(tx, self.media, user_id, PROFILE_HOLDER + user_id)
        if self.old:
            media_repo.forget(tx, self.old)


def _fields(change: ProfileIn) -> dict[str, Any]:
    """The plain profile fields the change sets (the ones left out keep their value)."""
    return {
        name: getattr(change, name)
        for name in ("display_name", "bio", "is_private")
        if getattr(change, name) is not None
    }


def _apply(row: ProfileRow, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(row, name, value)


def _create(user_id: str, change: ProfileIn) -> tuple[ProfileRow, str | None]:
    if change.handle is None:
        raise HandleRequired()
    holder = repo.user_id_for(change.handle)
    if holder is not None and holder != user_id:
        raise handle_taken()
    row = repo.new_profile(user_id, change.handle)
    _apply(row, _fields(change))
    avatar = None
    if change.avatar_media_id is not None:
        avatar = _AvatarChange(user_id, None, change.avatar_media_id)
        row.avatar = avatar.snapshot

    def write(tx: db.TransactWrite) -> None:
        repo.put_profile(tx, row)
        repo.claim_handle(tx, user_id, change.handle)  # type: ignore[arg-type]
        if avatar is not None:
            avatar.write(tx, user_id)

    db.transact(write)
    return row, None


def _update(current: ProfileRow, change: ProfileIn) -> tuple[ProfileRow, str | None]:
    new_handle = change.handle if change.handle not in (None, current.handle) else None
    if new_handle is not None:
        holder = repo.user_id_for(new_handle)
        if holder is not None and holder != current.user_id:
            raise handle_taken()
    now = clock.iso()
    fields = _fields(change)
    avatar = None
    if change.avatar_media_id is not None:
        avatar = _AvatarChange(current.user_id, current.avatar, change.avatar_media_id)

    def write(tx: db.TransactWrite) -> None:
        # A concurrent change of handle or avatar makes this attempt retry.
        repo.change_profile(
            tx,
            current,
            updated_at=now,
            fields=fields,
            handle=new_handle,
            avatar=None if avatar is None else (avatar.snapshot,),
        )
        if new_handle is not None:
            repo.claim_handle(tx, current.user_id, new_handle)
            repo.release_handle(tx, current.user_id, current.handle)
        if avatar is not None:
            avatar.write(tx, current.user_id)

    if new_handle is None:
        db.transact(write)
    else:
        # A change of handle (not the first one, with the profile) is rate limited.
        limits.transact(current.user_id, "handle_change", write)
    _apply(current, fields)
    current.updated_at = now
    if new_handle is not None:
        current.handle = new_handle
    if avatar is not None:
        current.avatar = avatar.snapshot
    return current, avatar.old if avatar is not None else None
