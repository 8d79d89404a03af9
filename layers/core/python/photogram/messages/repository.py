"""Conversations, their members and messages, 1:1 pairs, inbox entries and send
idempotency records; the only messages code that touches the table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError

from photogram import clock, db
from photogram.db import Row, TransactWrite
from photogram.messages import keys


class ConversationRow(Row, discriminator="conversation"):
    conversation_id = UnicodeAttribute()
    is_group = BooleanAttribute(default=False)
    title = UnicodeAttribute(null=True)
    # Every member, in the order they joined (at most MAX_MEMBERS).
    member_ids = JSONAttribute(default=list)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # The newest message's id: each send moves it forward in its transaction, on the
    # condition that its own id is greater, so messages commit in id order.
    last_message_id = UnicodeAttribute(default="")
    # Moved by every change of members or title, the condition of the next one.
    version = NumberAttribute(default=0)


class MemberRow(Row, discriminator="conversation_member"):
    conversation_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    role = UnicodeAttribute(default="member")
    joined_at = UnicodeAttribute()
    # "inbox", or "requests" until the member accepts (or replies).
    folder = UnicodeAttribute(default="inbox")
    read_up_to = UnicodeAttribute(default="")
    # Messages before this id were sent before the member joined: not theirs to read.
    history_from = UnicodeAttribute(default="")
    # The other member of a 1:1 conversation (fixed for its life).
    peer_id = UnicodeAttribute(null=True)


class MessageRow(Row, discriminator="message"):
    conversation_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    sender_id = UnicodeAttribute()
    message_kind = UnicodeAttribute()
    text = UnicodeAttribute(null=True)
    # The photo as published: {media_id, width, height, variants, ...}.
    media = JSONAttribute(null=True)
    post_id = UnicodeAttribute(null=True)
    post_author_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    removed_at = UnicodeAttribute(null=True)


class PairRow(Row, discriminator="conversation_pair"):
    """The 1:1 conversation of two users, whoever started it."""

    conversation_id = UnicodeAttribute()


class EntryRow(Row, discriminator="conversation_entry"):
    """A conversation in one member's inbox (or requests), kept by the stream consumer."""

    user_id = UnicodeAttribute()
    conversation_id = UnicodeAttribute()
    folder = UnicodeAttribute()
    is_group = BooleanAttribute(default=False)
    title = UnicodeAttribute(null=True)
    member_ids = JSONAttribute(default=list)
    # The newest message this member may read: {message_id, sender_id, kind, snippet,
    # created_at}, or null.
    last_message = JSONAttribute(null=True)
    unread_count = NumberAttribute(default=0)
    # What the count was made from: the newest message counted and the member's read
    # mark then, so the next batch counts only newer messages (each once).
    counted_to = UnicodeAttribute(default="")
    read_mark = UnicodeAttribute(default="")
    updated_at = UnicodeAttribute()


class SendRecordRow(Row, discriminator="message_idempotency"):
    """A client's Idempotency-Key for a send, written with the message it sent."""

    conversation_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    request_hash = UnicodeAttribute()
    expires_at = NumberAttribute()


# --- reads --------------------------------------------------------------------------------


def get_member(conversation_id: str, user_id: str) -> MemberRow | None:
    """A member's item, read strongly: a member removed a moment ago is not one."""
    try:
        return MemberRow.get(*keys.member_key(conversation_id, user_id), consistent_read=True)
    except MemberRow.DoesNotExist:
        return None


def get_meta(conversation_id: str) -> ConversationRow | None:
    try:
        return ConversationRow.get(*keys.meta_key(conversation_id), consistent_read=True)
    except ConversationRow.DoesNotExist:
        return None


def get_message(conversation_id: str, message_id: str) -> MessageRow | None:
    try:
        return MessageRow.get(*keys.message_key(conversation_id, message_id), consistent_read=True)
    except MessageRow.DoesNotExist:
        return None


def meta_and_member(
    conversation_id: str, user_id: str
) -> tuple[ConversationRow | None, MemberRow | None]:
    """The conversation and my member item, in one strong read."""
    found = db.batch_get(
        [keys.meta_key(conversation_id), keys.member_key(conversation_id, user_id)],
        consistent=True,
    )
    meta = found.get(keys.meta_key(conversation_id))
    member = found.get(keys.member_key(conversation_id, user_id))
    return (
        meta if isinstance(meta, ConversationRow) else None,
        member if isinstance(member, MemberRow) else None,
    )


def conversation(conversation_id: str) -> tuple[ConversationRow | None, list[MemberRow]]:
    """The conversation and its members: one Query (META and MEMBER# sort before MSG#)."""
    rows = Row.query(
        keys.conversation_pk(conversation_id),
        Row.SK < keys.MESSAGE_PREFIX,
        consistent_read=True,
    )
    meta, members = None, []
    for row in rows:
        if isinstance(row, ConversationRow):
            meta = row
        elif isinstance(row, MemberRow):
            members.append(row)
    return meta, members


def pair_conversation(user_a: str, user_b: str) -> str | None:
    try:
        return str(
            PairRow.get(*keys.pair_key(user_a, user_b), consistent_read=True).conversation_id
        )
    except PairRow.DoesNotExist:
        return None


def messages(
    conversation_id: str,
    *,
    after: str,
    before: str | None,
    limit: int,
    start: dict[str, Any] | None = None,
) -> tuple[list[MessageRow], dict[str, Any] | None]:
    """Messages with `after` < id < `before`, newest first, one page (one Query), and
    the position after it (None at the end)."""
    low = keys.message_sk(after) + "~" if after else keys.MESSAGE_PREFIX
    high = keys.message_sk(before) if before else keys.MESSAGE_PREFIX + "~"
    rows = list(
        MessageRow.query(
            keys.conversation_pk(conversation_id),
            MessageRow.SK.between(low, high),
            scan_index_forward=False,
            limit=limit + 2,
            last_evaluated_key=start,
            consistent_read=True,
        )
    )
    # `between` is inclusive: the bounds themselves are not in the range asked.
    rows = [r for r in rows if isinstance(r, MessageRow) and r.SK not in (low, high)]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], {"PK": {"S": last.PK}, "SK": {"S": last.SK}}


def newest_messages(conversation_id: str, limit: int) -> list[MessageRow]:
    """The conversation's newest `limit` messages, newest first: one Query."""
    rows = MessageRow.query(
        keys.conversation_pk(conversation_id),
        MessageRow.SK.startswith(keys.MESSAGE_PREFIX),
        scan_index_forward=False,
        limit=limit,
        consistent_read=True,
    )
    return [r for r in rows if isinstance(r, MessageRow)]


def send_record(caller_id: str, key: str) -> SendRecordRow | None:
    try:
        return SendRecordRow.get(*keys.idempotency_key(caller_id, key), consistent_read=True)
    except SendRecordRow.DoesNotExist:
        return None


def entries(user_id: str, conversation_ids: Iterable[str]) -> dict[str, EntryRow]:
    found = db.batch_get(keys.entry_key(user_id, c) for c in conversation_ids)
    return {r.conversation_id: r for r in found.values() if isinstance(r, EntryRow)}


def entries_of(members: Iterable[tuple[str, str]]) -> dict[tuple[str, str], EntryRow]:
    """The inbox entries of (user_id, conversation_id) pairs, in one read."""
    found = db.batch_get(keys.entry_key(u, c) for u, c in members)
    return {(r.user_id, r.conversation_id): r for r in found.values() if isinstance(r, EntryRow)}


def folder_page(
    user_id: str, folder: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[Row], dict[str, Any] | None]:
    """One page of my entries in `folder`, newest activity first: one Query (GSI1)."""
    return db.query_page(keys.folder_pk(user_id, folder), limit, start, on_index=True)


# --- writes -------------------------------------------------------------------------------


def new_meta(conversation_id: str, creator_id: str, **values: Any) -> ConversationRow:
    now = clock.iso()
    return ConversationRow(
        *keys.meta_key(conversation_id),
        conversation_id=conversation_id,
        created_by=creator_id,
        created_at=now,
        updated_at=now,
        **values,
    )


def new_member(conversation_id: str, user_id: str, **values: Any) -> MemberRow:
    return MemberRow(
        *keys.member_key(conversation_id, user_id),
        conversation_id=conversation_id,
        user_id=user_id,
        joined_at=clock.iso(),
        **values,
    )


def create(
    tx: TransactWrite,
    meta: ConversationRow,
    members: list[MemberRow],
    pair: tuple[str, str] | None,
) -> None:
    """In `tx`: a new conversation with its members (and its pair, for a 1:1: the
    transaction fails if the two already have one)."""
    tx.save(meta, condition=ConversationRow.PK.does_not_exist())
    for member in members:
        tx.save(member, condition=MemberRow.PK.does_not_exist())
    if pair is not None:
        row = PairRow(*keys.pair_key(*pair), conversation_id=meta.conversation_id)
        tx.save(row, condition=PairRow.PK.does_not_exist())


def change_members(
    tx: TransactWrite,
    meta: ConversationRow,
    member_ids: list[str],
    *,
    added: list[MemberRow] = (),  # type: ignore[assignment]
    removed: list[str] = (),  # type: ignore[assignment]
    title: str | None = None,
) -> None:
    """In `tx`: the conversation's new member list (and title), on the condition that
    nobody changed it since `meta` was read; the members added and removed."""
    version = int(meta.version)
    actions = [
        ConversationRow.member_ids.set(member_ids),
        ConversationRow.version.set(version + 1),
        ConversationRow.updated_at.set(clock.iso()),
    ]
    if title is not None:
        actions.append(ConversationRow.title.set(title))
    tx.update(
        ConversationRow(*keys.meta_key(meta.conversation_id)),
        actions,
        condition=ConversationRow.version == version,
    )
    for member in added:
        tx.save(member, condition=MemberRow.PK.does_not_exist())
    for user_id in removed:
        tx.delete(
            MemberRow(*keys.member_key(meta.conversation_id, user_id)),
            condition=MemberRow.PK.exists(),
        )


def set_role(tx: TransactWrite, conversation_id: str, user_id: str, role: str) -> None:
    tx.update(
        MemberRow(*keys.member_key(conversation_id, user_id)),
        [MemberRow.role.set(role)],
        condition=MemberRow.PK.exists(),
    )


def append(
    tx: TransactWrite,
    message: MessageRow,
    *,
    sender_accepts: bool,
) -> None:
    """In `tx`: the message, after every message committed so far (the conversation's
    last id must be below its own: a concurrent send with a greater id makes this one
    retry with a new id), from a member (and, `sender_accepts`, moving the sender's
    copy out of their requests: replying accepts)."""
    conversation_id, message_id = message.conversation_id, message.message_id
    tx.update(
        ConversationRow(*keys.meta_key(conversation_id)),
        [ConversationRow.last_message_id.set(message_id)],
        condition=ConversationRow.PK.exists() & (ConversationRow.last_message_id < message_id),
    )
    tx.save(message, condition=MessageRow.PK.does_not_exist())
    member = MemberRow(*keys.member_key(conversation_id, message.sender_id))
    if sender_accepts:
        tx.update(member, [MemberRow.folder.set("inbox")], condition=MemberRow.PK.exists())
    else:
        tx.condition_check(MemberRow, member.PK, member.SK, condition=MemberRow.PK.exists())


def remember_send(
    tx: TransactWrite,
    caller_id: str,
    key: str,
    message: MessageRow,
    request_hash: str,
    seconds: int,
) -> None:
    """In `tx`: the caller's Idempotency-Key, naming the message it sent, for `seconds`
    (an expired record with the same key is written over)."""
    now = clock.epoch()
    record = SendRecordRow(
        *keys.idempotency_key(caller_id, key),
        conversation_id=message.conversation_id,
        message_id=message.message_id,
        request_hash=request_hash,
        expires_at=now + seconds,
    )
    tx.save(record, condition=SendRecordRow.PK.does_not_exist() | (SendRecordRow.expires_at <= now))


def remove_message(conversation_id: str, message_id: str, sender_id: str) -> bool:
    """Blank my message (its words, photo and post go; the message stays, as removed).
    Whether it was mine and not removed already."""
    try:
        MessageRow(*keys.message_key(conversation_id, message_id)).update(
            actions=[
                MessageRow.removed_at.set(clock.iso()),
                MessageRow.text.remove(),
                MessageRow.media.remove(),
                MessageRow.post_id.remove(),
                MessageRow.post_author_id.remove(),
            ],
            condition=(MessageRow.sender_id == sender_id) & MessageRow.removed_at.does_not_exist(),
        )
    except UpdateError as error:
        if db.condition_failed(error):
            return False
        raise
    return True


def mark_read(conversation_id: str, user_id: str, message_id: str) -> str | None:
    """Move my read mark forward to `message_id` (never back: two devices may race);
    the mark as it now is, or None if I am not a member."""
    member = MemberRow(*keys.member_key(conversation_id, user_id))
    try:
        member.update(
            actions=[MemberRow.read_up_to.set(message_id)],
            condition=MemberRow.PK.exists() & (MemberRow.read_up_to < message_id),
        )
    except UpdateError as error:
        if not db.condition_failed(error):
            raise
        current = get_member(conversation_id, user_id)
        return str(current.read_up_to) if current is not None else None
    return message_id


def accept(conversation_id: str, user_id: str) -> bool:
    """Move a conversation out of my requests; whether I am a member."""
    try:
        MemberRow(*keys.member_key(conversation_id, user_id)).update(
            actions=[MemberRow.folder.set("inbox")], condition=MemberRow.PK.exists()
        )
    except UpdateError as error:
        if db.condition_failed(error):
            return False
        raise
    return True


def save_entry(entry: EntryRow) -> None:
    entry.GSI1PK = keys.folder_pk(entry.user_id, entry.folder)
    entry.GSI1SK = keys.folder_sk(entry.updated_at, entry.conversation_id)
    entry.save()


def new_entry(user_id: str, conversation_id: str, **values: Any) -> EntryRow:
    return EntryRow(
        *keys.entry_key(user_id, conversation_id),
        user_id=user_id,
        conversation_id=conversation_id,
        **values,
    )


def delete_entry(user_id: str, conversation_id: str) -> None:
    EntryRow(*keys.entry_key(user_id, conversation_id)).delete()
