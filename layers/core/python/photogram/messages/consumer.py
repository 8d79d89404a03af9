"""The stream consumer that keeps each member's inbox entry of a conversation: its
folder, title, members, last message and unread count.

Each batch's messages, member changes and conversation changes name the
conversations touched; each is brought up to date from the table as it now is (the
conversation and its members: one Query; the messages not yet counted: one Query),
and only the entries that differ are written. Messages commit in id order (the send's
fence, decisions §44), so an entry remembers the newest message it counted and the
read mark it counted from, and the next batch counts only what is newer: each
message once, however often a record is delivered. A moved read mark, a removed
message or a new entry is counted again from the read mark (up to UNREAD_CAP).
"""

from __future__ import annotations

from typing import Any

from photogram import changes
from photogram import metrics as business
from photogram.messages import repository, service
from photogram.messages.repository import ConversationRow, EntryRow, MemberRow, MessageRow
from photogram.social import service as social

# Unread counts read no further: the badge says "99+".
UNREAD_CAP = 100


def _touched(batch: list[changes.Change]) -> tuple[dict[str, bool], set[tuple[str, str]]]:
    """The conversations whose entries may have changed (each: whether a message in
    it changed, so every count is made again), and the (member, conversation) pairs
    whose membership ended."""
    touched: dict[str, bool] = {}
    left: set[tuple[str, str]] = set()
    for change in batch:
        item = change.item
        conversation_id = str(item.get("conversation_id", ""))
        if not conversation_id:
            continue
        if change.item_type == "conversation" and change.event == "MODIFY":
            old, new = change.old or {}, change.new or {}
            # Every send moves the last message id: only the title and members matter.
            if (old.get("title"), old.get("member_ids")) == (
                new.get("title"),
                new.get("member_ids"),
            ):
                continue
        if change.item_type == "conversation_member" and change.event == "REMOVE":
            left.add((str(item["user_id"]), conversation_id))
        recount = change.item_type == "message" and change.event != "INSERT"
        touched[conversation_id] = touched.get(conversation_id, False) or recount
    return touched, left


def _readable(
    member: MemberRow, messages: list[MessageRow], hidden: set[frozenset[str]]
) -> list[MessageRow]:
    return [
        m
        for m in messages
        if m.message_id > str(member.history_from or "")
        and frozenset((member.user_id, m.sender_id)) not in hidden
    ]


def _unread(member: MemberRow, messages: list[MessageRow]) -> int:
    return sum(
        1
        for m in messages
        if m.sender_id != member.user_id
        and m.removed_at is None
        and m.message_id > str(member.read_up_to or "")
    )


def _entry_values(
    member: MemberRow,
    meta: ConversationRow,
    entry: EntryRow | None,
    messages: list[MessageRow],
    hidden: set[frozenset[str]],
    *,
    recount: bool,
) -> dict[str, Any]:
    """The member's entry from `messages` (newest first: every message after the
    point read from). Counted on from the entry where it can be, else again."""
    newest = messages[0].message_id if messages else ""
    if recount:
        readable = _readable(member, messages, hidden)
        unread = _unread(member, readable)
        last = service.snippet(readable[0]) if readable else None
    else:
        assert entry is not None
        fresh = [m for m in messages if m.message_id > str(entry.counted_to)]
        readable = _readable(member, fresh, hidden)
        unread = int(entry.unread_count) + _unread(member, readable)
        last = service.snippet(readable[0]) if readable else entry.last_message
    counted_to = max(newest, str(entry.counted_to) if entry is not None else "")
    return {
        "folder": member.folder,
        "is_group": bool(meta.is_group),
        "title": meta.title,
        "member_ids": list(meta.member_ids or []),
        "last_message": last,
        "unread_count": min(unread, UNREAD_CAP),
        "counted_to": counted_to,
        "read_mark": str(member.read_up_to or ""),
        "updated_at": last["created_at"] if last else member.joined_at,
    }


def refresh(conversation_id: str, *, recount: bool = False) -> int:
    """Rewrite the members' entries of one conversation that differ from what the
    table now says (`recount`: every count made again); how many were written."""
    meta, members = repository.conversation(conversation_id)
    if meta is None or not members:
        return 0
    member_ids = [m.user_id for m in members]
    existing = repository.entries_of((u, conversation_id) for u in member_ids)

    def counted_on(member: MemberRow) -> EntryRow | None:
        entry = existing.get((member.user_id, conversation_id))
        if recount or entry is None or entry.read_mark != str(member.read_up_to or ""):
            return None
        return entry

    bases = {m.user_id: counted_on(m) for m in members}
    # Read from the oldest point any member counts from: its entry's newest counted
    # message, or (counted again) its read mark.
    oldest = min(
        str(base.counted_to) if base is not None else str(m.read_up_to or "")
        for m in members
        for base in [bases[m.user_id]]
    )
    messages, _ = repository.messages(conversation_id, after=oldest, before=None, limit=UNREAD_CAP)
    if not messages and any(b is None for b in bases.values()):
        # Everyone read everything: the newest message is still what an entry shows.
        messages = repository.newest_messages(conversation_id, 1)
    senders = {m.sender_id for m in messages}
    hidden = social.blocked_pairs(senders, member_ids) if meta.is_group and senders else set()
    written = 0
    for member in members:
        entry = existing.get((member.user_id, conversation_id))
        base = bases[member.user_id]
        values = _entry_values(member, meta, base, messages, hidden, recount=base is None)
        if entry is not None and all(getattr(entry, k) == v for k, v in values.items()):
            continue
        repository.save_entry(repository.new_entry(member.user_id, conversation_id, **values))
        written += 1
    return written


@changes.consumes_batch("message", "conversation", "conversation_member")
def on_conversation(batch: list[changes.Change]) -> None:
    touched, left = _touched(batch)
    for user_id, conversation_id in left:
        if repository.get_member(conversation_id, user_id) is None:
            repository.delete_entry(user_id, conversation_id)
    writes = sum(refresh(c, recount=touched[c]) for c in sorted(touched))
    business.count("ConversationEntryWrites", writes)
