"""Media items and upload quotas; the only media code that touches the table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DeleteError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from photogram import clock, db
from photogram.db import Row
from photogram.keys import time_sk
from photogram.media import keys


class MediaRow(Row, discriminator="media"):
    media_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    status = UnicodeAttribute()
    purpose = UnicodeAttribute()
    content_type = UnicodeAttribute()
    declared_size = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # TTL while waiting for the upload; removed once the file arrives.
    expires_at = NumberAttribute(null=True)
    # The workflow's deadline: PROCESSING past it is reported as FAILED.
    processing_deadline = NumberAttribute(null=True)
    # The S3 version of the raw upload Validate claimed: every later step reads exactly
    # it, and any other version posted to the key is discarded (decisions §29).
    source_version = UnicodeAttribute(null=True)
    format = UnicodeAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    # {name: {key, width, height, content_type}}
    variants = JSONAttribute(null=True)
    blur_placeholder = UnicodeAttribute(null=True)
    dominant_color = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    # Camera, time and location: the owner's alone, never in a public response.
    private_metadata = JSONAttribute(null=True)
    # The post (or story) that published it; a media item is used once.
    attached_to = UnicodeAttribute(null=True)
    # What keeps a story's media alive: "story:<id>" while the story lives,
    # "highlight:<id>" for each highlight that kept it. The last one released
    # deletes the media (`release`).
    holders = UnicodeSetAttribute(null=True)


def get(media_id: str) -> MediaRow | None:
    pk, sk = keys.media_key(media_id)
    try:
        return MediaRow.get(pk, sk, consistent_read=True)
    except MediaRow.DoesNotExist:
        return None


def new_upload(
    media_id: str,
    owner_id: str,
    *,
    purpose: str,
    content_type: str,
    size_bytes: int,
    created: datetime,
    expires_at: int,
) -> MediaRow:
    """A media item waiting for its upload (removed by TTL at `expires_at` if none
    comes), listed on the owner's GSI1 partition of pending uploads."""
    at = clock.iso(created)
    return MediaRow(
        *keys.media_key(media_id),
        media_id=media_id,
        owner_id=owner_id,
        status="PENDING_UPLOAD",
        purpose=purpose,
        content_type=content_type,
        declared_size=size_bytes,
        created_at=at,
        updated_at=at,
        expires_at=expires_at,
        GSI1PK=keys.pending_pk(owner_id),
        GSI1SK=time_sk(at, media_id),
    )


def put_upload(tx: TransactWrite, row: MediaRow) -> None:
    tx.save(row, condition=MediaRow.PK.does_not_exist())


# What a READY media item is attached to (`attached_to`): a post's id as it is (the
# first format, kept for the items stored with it), or a prefixed holder.
POST_HOLDER = ""
PROFILE_HOLDER = "profile:"
STORY_HOLDER = "story:"
HIGHLIGHT_HOLDER = "highlight:"
MESSAGE_HOLDER = "message:"


def claim(tx: TransactWrite, media: MediaRow, owner_id: str, holder: str) -> None:
    """In `tx`: attach the owner's READY, unattached media item to `holder` (a prefix
    above + the id). A story's media also counts the story among its `holders`, which
    keep its files alive (`release`)."""
    actions: list[Action] = [MediaRow.attached_to.set(holder)]
    if holder.startswith(STORY_HOLDER):
        actions.append(MediaRow.holders.add({holder}))
    tx.update(
        media,
        actions,
        condition=MediaRow.attached_to.does_not_exist()
        & (MediaRow.status == "READY")
        & (MediaRow.owner_id == owner_id),
    )


def hold(tx: TransactWrite, media_id: str, holder: str) -> None:
    """In `tx`: count one more holder (a highlight) among the media item's `holders`."""
    tx.update(
        MediaRow(*keys.media_key(media_id)),
        [MediaRow.holders.add({holder})],
        condition=MediaRow.PK.exists(),
    )


def forget(tx: TransactWrite, media_id: str) -> None:
    """In `tx`: delete the media item (its files are the caller's to delete after)."""
    tx.delete(MediaRow(*keys.media_key(media_id)))


class HolderChanged(Exception):
    """A release's guard failed: what it was decided from changed; decide again."""


def release(
    media_id: str, holder: str, guard: Callable[[TransactWrite], None] | None = None
) -> bool:
    """Drop one holder of a story's media; when none is left, delete the item. Returns
    whether the item is gone (now or before), when the caller deletes the files (again
    is harmless, so a failure after this is retried by the stream safely).

    With `guard`, the holder is dropped in one transaction with the guard's condition
    checks, and HolderChanged is raised if they fail. Releasing the same holder twice
    changes nothing."""
    pk, sk = keys.media_key(media_id)
    row = MediaRow(pk, sk)

    def write(tx: TransactWrite) -> None:
        tx.update(
            row,
            [MediaRow.holders.delete({holder})],
            condition=MediaRow.PK.exists() & MediaRow.holders.contains(holder),
        )
        if guard is not None:
            guard(tx)

    try:
        db.transact(write)
    except TransactWriteError as error:
        failed = db.failed_conditions(error)
        if failed - {0}:
            raise HolderChanged() from error
        if not failed:
            raise  # a conflict: the stream delivers the change again
    try:
        # DynamoDB removes a set attribute when its last element goes.
        row.delete(
            condition=MediaRow.holders.does_not_exist()
            & MediaRow.attached_to.startswith(STORY_HOLDER)
        )
    except DeleteError as error:
        if not db.condition_failed(error):
            raise
        return get(media_id) is None
    return True


def pending_of(owner_id: str, limit: int) -> list[MediaRow]:
    rows = Row.gsi1.query(keys.pending_pk(owner_id), limit=limit)
    return [r for r in rows if isinstance(r, MediaRow)]


def transition(
    media_id: str,
    *,
    allowed_from: tuple[str, ...],
    to: str,
    for_version: str | None = None,
    **fields: Any,
) -> bool:
    """Move an item to status `to` if its status is one of `allowed_from`, setting
    `fields` (None removes an attribute). With `for_version`, only if the item was
    claimed for that upload version (`source_version`) or for none yet. False if the
    item was not in such a state."""
    pk, sk = keys.media_key(media_id)
    actions: list[Action] = [MediaRow.status.set(to), MediaRow.updated_at.set(clock.iso())]
    for name, value in fields.items():
        attribute = getattr(MediaRow, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    condition = MediaRow.status.is_in(*allowed_from)
    if for_version is not None:
        condition &= MediaRow.source_version.does_not_exist() | (
            MediaRow.source_version == for_version
        )
    try:
        MediaRow(pk, sk).update(actions=actions, condition=condition)
    except UpdateError as error:
        if db.condition_failed(error):
            return False
        raise
    return True


class BlockedHashRow(Row, discriminator="blocked_hash"):
    """A perceptual hash on the moderation blocklist (the local Moderator's list)."""

    added_at = UnicodeAttribute()
    note = UnicodeAttribute(default="")


BLOCKLIST_PK = "MODERATION#BLOCKLIST"


def blocklist() -> list[int]:
    from photogram.adapters import phash

    return [phash.from_hex(row.SK.removeprefix("PHASH#")) for row in Row.query(BLOCKLIST_PK)]


def add_to_blocklist(hash_hex: str, note: str = "") -> None:
    BlockedHashRow(BLOCKLIST_PK, f"PHASH#{hash_hex}", added_at=clock.iso(), note=note).save()
