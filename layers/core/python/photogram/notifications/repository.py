"""Inbox entries, the seen mark, settings and the outbox; the only notifications code
that touches the table."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError

from photogram import clock, db
from photogram.db import Row
from photogram.notifications import keys

# DynamoDB deletes entries 90 days after their latest activity (reads filter too).
ENTRY_DAYS = 90
OUTBOX_DAYS = 7


class EntryRow(Row, discriminator="notification"):
    recipient_id = UnicodeAttribute()
    notification_kind = UnicodeAttribute()
    post_id = UnicodeAttribute(null=True)
    comment_id = UnicodeAttribute(null=True)
    # A comment's (or caption's) first characters, for comments, replies and mentions.
    text = UnicodeAttribute(null=True)
    # Newest first, at most MAX_ACTORS.
    actor_ids = JSONAttribute(default=list)
    # A follow group's exact count of follows (likes and comments count from the post's
    # counters); with `last_sequence`, the stream position already folded in.
    actor_count = NumberAttribute(default=0)
    last_sequence = UnicodeAttribute(default="")
    started_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = NumberAttribute()
    version = NumberAttribute(default=0)


class SeenRow(Row, discriminator="notification_seen"):
    recipient_id = UnicodeAttribute()
    seen_at = UnicodeAttribute()


class SettingsRow(Row, discriminator="notification_settings"):
    user_id = UnicodeAttribute()
    # {kind: "everyone" | "following" | "off"}, only the kinds changed from "everyone".
    audiences = JSONAttribute(default=dict)


class OutboxRow(Row, discriminator="notification_outbox"):
    """What would be sent as a mobile push (SNS platform endpoints are out of scope):
    one per new notification, so a growing group pushes once."""

    recipient_id = UnicodeAttribute()
    entry_sk = UnicodeAttribute()
    title = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()


def expiry(updated_at: str) -> int:
    return clock.epoch(clock.parse(updated_at)) + ENTRY_DAYS * 86400


def get_entry(key: db.Key) -> EntryRow | None:
    try:
        return EntryRow.get(*key, consistent_read=True)
    except EntryRow.DoesNotExist:
        return None


def new_entry(key: db.Key, **values: Any) -> EntryRow:
    return EntryRow(*key, **values)


def rewrite(
    key: db.Key,
    existing: EntryRow | None,
    change: Callable[[EntryRow | None], tuple[EntryRow | None, bool]],
) -> tuple[EntryRow | None, bool]:
    """Apply `change` to the entry (None: absent), which answers the entry it should be
    (None: none) and whether that differs; write that (delete for None) only if nobody
    wrote the entry in between, re-reading and retrying otherwise. Returns the entry
    as it now is and whether anything was written."""
    row = existing
    for n in range(10):
        version = int(row.version) if row is not None else 0
        edited, changed = change(row)
        if not changed or (edited is None and row is None):
            return edited, False
        try:
            if edited is None:
                assert row is not None
                EntryRow(*key).delete(condition=EntryRow.version == version)
            else:
                edited.version = version + 1
                edited.GSI1PK = keys.inbox_pk(edited.recipient_id)
                # Listed by when it was written, not by its activity's time: an entry
                # written after I marked the inbox seen is unread, even if the like it
                # carries happened a moment before.
                edited.GSI1SK = keys.listed_sk(max(edited.updated_at, clock.iso()), edited.SK)
                edited.expires_at = expiry(edited.updated_at)
                condition = (
                    EntryRow.PK.does_not_exist() if row is None else EntryRow.version == version
                )
                edited.save(condition=condition)
            return edited, True
        except (PutError, DeleteError) as error:
            if not db.condition_failed(error):
                raise
            time.sleep(min(0.002 * 2**n, 0.1))
            row = get_entry(key)
    raise db.Contention()


def delete_groups(recipient_id: str, kinds: tuple[str, ...], subject: str) -> int:
    """Delete every group of these kinds about `subject` (a deleted post's); how many."""
    deleted = 0
    for kind in kinds:
        rows = EntryRow.query(
            keys.inbox_pk(recipient_id), EntryRow.SK.startswith(keys.group_prefix(kind, subject))
        )
        for row in rows:
            row.delete()
            deleted += 1
    return deleted


def delete_entry(key: db.Key) -> bool:
    """Delete an entry if it is there; whether it was."""
    try:
        EntryRow(*key).delete(condition=EntryRow.PK.exists())
    except DeleteError as error:
        if db.condition_failed(error):
            return False
        raise
    return True


def put_outbox(recipient_id: str, entry_sk: str, title: str, created_at: str) -> None:
    pk, sk = keys.outbox_key(recipient_id, created_at, entry_sk)
    OutboxRow(
        pk,
        sk,
        recipient_id=recipient_id,
        entry_sk=entry_sk,
        title=title,
        created_at=created_at,
        expires_at=clock.epoch() + OUTBOX_DAYS * 86400,
    ).save()


def outbox(recipient_id: str, limit: int = 100) -> list[OutboxRow]:
    rows = OutboxRow.query(keys.outbox_pk(recipient_id), scan_index_forward=False, limit=limit)
    return [r for r in rows if isinstance(r, OutboxRow)]


def settings_of(user_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Each user's changed audiences ({} for defaults), in one read."""
    wanted = {keys.settings_key(u): u for u in user_ids}
    found = db.batch_get(wanted)
    return {
        user_id: dict(row.audiences or {}) if isinstance(row, SettingsRow) else {}
        for key, user_id in wanted.items()
        for row in [found.get(key)]
    }


def save_settings(user_id: str, audiences: dict[str, str]) -> None:
    SettingsRow(*keys.settings_key(user_id), user_id=user_id, audiences=audiences).save()


def listed(
    recipient_id: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[Row], dict[str, Any] | None]:
    """One page of the inbox (entries and the seen mark), newest activity first."""
    return db.query_page(keys.inbox_pk(recipient_id), limit, start, on_index=True)


def newest(recipient_id: str, limit: int) -> list[Row]:
    """The inbox's newest `limit` items on GSI1 (entries and the seen mark): one Query."""
    return list(Row.gsi1.query(keys.inbox_pk(recipient_id), scan_index_forward=False, limit=limit))


def seen(recipient_id: str) -> SeenRow | None:
    try:
        return SeenRow.get(*keys.seen_key(recipient_id))
    except SeenRow.DoesNotExist:
        return None


def mark_seen(recipient_id: str, seen_at: str) -> str:
    """Move the seen mark to `seen_at`, never back (two devices may race); the mark
    as it now is."""
    pk, sk = keys.seen_key(recipient_id)
    try:
        SeenRow(
            pk,
            sk,
            recipient_id=recipient_id,
            seen_at=seen_at,
            GSI1PK=keys.inbox_pk(recipient_id),
            GSI1SK=keys.seen_listed_sk(seen_at),
        ).save(condition=SeenRow.seen_at.does_not_exist() | (SeenRow.seen_at < seen_at))
    except PutError as error:
        if not db.condition_failed(error):
            raise
        current = seen(recipient_id)
        return current.seen_at if current is not None else seen_at
    return seen_at
