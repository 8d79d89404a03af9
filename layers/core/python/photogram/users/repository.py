"""Profile and handle items; the only code of this domain that touches the table."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from photogram import clock
from photogram.db import Row, batch_get
from photogram.users import keys


class ProfileRow(Row, discriminator="profile"):
    user_id = UnicodeAttribute()
    handle = UnicodeAttribute()
    display_name = UnicodeAttribute(default="")
    bio = UnicodeAttribute(default="")
    is_private = BooleanAttribute(default=False)
    follower_count = NumberAttribute(default=0)
    following_count = NumberAttribute(default=0)
    post_count = NumberAttribute(default=0)
    # The avatar's media id, variant keys and placeholder, so a profile renders from
    # one read: {"media_id", "thumbnail", "small", "blur_placeholder"}.
    avatar = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # +1 on every write to the item, so copies of it (the search index) can tell a
    # newer image from an older one (`bumped`).
    revision = NumberAttribute(default=0)


def bumped() -> Action:
    """The update action every write to a profile includes."""
    return ProfileRow.revision.add(1)


class HandleRow(Row, discriminator="handle"):
    """Claims a handle for one user: the key makes handles unique."""

    user_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


def get_profile(user_id: str) -> ProfileRow | None:
    pk, sk = keys.profile_key(user_id)
    try:
        return ProfileRow.get(pk, sk)
    except ProfileRow.DoesNotExist:
        return None


def get_profiles(user_ids: list[str]) -> dict[str, ProfileRow]:
    rows = batch_get(keys.profile_key(u) for u in user_ids)
    return {r.user_id: r for r in rows.values() if isinstance(r, ProfileRow)}


# Handles are at most 30 characters; older ones no longer valid may still resolve.
MAX_HANDLE_LOOKUP = 64


def user_id_for(handle: str) -> str | None:
    if len(handle) > MAX_HANDLE_LOOKUP:
        return None  # no handle is that long; never a key DynamoDB would refuse
    pk, sk = keys.handle_key(handle)
    try:
        return HandleRow.get(pk, sk).user_id
    except HandleRow.DoesNotExist:
        return None


def user_ids_for(handles: list[str]) -> dict[str, str]:
    """The user behind each handle that names one, in one read: {handle: user_id}."""
    wanted = {keys.handle_key(h): h for h in handles if len(h) <= MAX_HANDLE_LOOKUP}
    found = batch_get(wanted)
    return {wanted[key]: row.user_id for key, row in found.items() if isinstance(row, HandleRow)}


def new_profile(user_id: str, handle: str) -> ProfileRow:
    now = clock.iso()
    pk, sk = keys.profile_key(user_id)
    return ProfileRow(
        pk, sk, user_id=user_id, handle=handle, created_at=now, updated_at=now, revision=1
    )


def put_profile(tx: TransactWrite, row: ProfileRow) -> None:
    """In `tx`: a new profile (its handle is claimed in the same transaction)."""
    tx.save(row, condition=ProfileRow.PK.does_not_exist())


def change_profile(
    tx: TransactWrite,
    current: ProfileRow,
    *,
    updated_at: str,
    fields: dict[str, Any],
    handle: str | None = None,
    avatar: tuple[dict[str, Any] | None] | None = None,
) -> None:
    """In `tx`: set `fields` (and a new `handle`; with `avatar`, the one-tuple of the
    new avatar snapshot, None to remove it), on the condition that the handle and
    avatar are still as `current` read them, so a concurrent change makes the caller
    re-read."""
    actions: list[Action] = [ProfileRow.updated_at.set(updated_at), bumped()]
    actions += [getattr(ProfileRow, name).set(value) for name, value in fields.items()]
    if handle is not None:
        actions.append(ProfileRow.handle.set(handle))
    if avatar is not None:
        (snapshot,) = avatar
        actions.append(
            ProfileRow.avatar.set(snapshot) if snapshot is not None else ProfileRow.avatar.remove()
        )
    condition = ProfileRow.handle == current.handle
    condition &= (
        ProfileRow.avatar == current.avatar
        if current.avatar is not None
        else ProfileRow.avatar.does_not_exist()
    )
    tx.update(current, actions, condition=condition)


def claim_handle(tx: TransactWrite, user_id: str, handle: str) -> None:
    pk, sk = keys.handle_key(handle)
    row = HandleRow(pk, sk, user_id=user_id, created_at=clock.iso())
    tx.save(row, condition=HandleRow.PK.does_not_exist())


def release_handle(tx: TransactWrite, user_id: str, handle: str) -> None:
    pk, sk = keys.handle_key(handle)
    tx.delete(HandleRow(pk, sk), condition=HandleRow.user_id == user_id)


def profile_ref(user_id: str) -> ProfileRow:
    """A key-only profile row, for transaction updates and condition checks."""
    pk, sk = keys.profile_key(user_id)
    return ProfileRow(pk, sk)


def add_post_count(tx: TransactWrite, user_id: str, delta: int) -> None:
    """In `tx`: change the profile's post count, which must exist, by `delta`."""
    tx.update(
        profile_ref(user_id),
        [ProfileRow.post_count.add(delta), bumped()],
        condition=ProfileRow.PK.exists(),
    )
