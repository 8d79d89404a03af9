"""The stream consumer that keeps each member's inbox entry of a conversation: its
folder, title, members, last message and unread count.

Each batch's messages, member changes and conversation changes name the
conversations touched; each is recomputed from the table as it now is (the
conversation and its members: one Query; the messages after the oldest read mark,
up to UNREAD_CAP: one Query), and only the entries that differ are written. So a
re-delivered or reordered record changes nothing, and counts stay exact.
"""

from __future__ import annotations

from typing import Any

from photogram import changes
from photogram import metrics as business
from photogram.messages import repository, service
from photogram.messages.repository import MemberRow, MessageRow
from photogram.social import service as social

# Unread counts read no further: the badge says "99+".
UNREAD_CAP = 100
_FIELDS = (
    "folder",
    "is_group",
    "title",
    "member_ids",
    "last_message",
    "unread_count",
    "updated_at",
)


def _touched(batch: list[changes.Change]) -> tuple[set[str], set[tuple[str, str]]]:
    """The conversations whose entries may have changed, and the (member,
    conversation) pairs whose membership ended."""
    touched: set[str] = set()
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
        touched.add(conversation_id)
    return touched, left


def _entry_values(
    member: MemberRow,
    meta: repository.ConversationRow,
    messages: list[MessageRow],
    hidden: set[frozenset[str]],
) -> dict[str, Any]:
    readable = [
        m
        for m in messages
        if m.message_id > str(member.history_from or "")
        and frozenset((member.user_id, m.sender_id)) not in hidden
    ]
    last = readable[0] if readable else None
    unread = sum(
        1
        for m in readable
        if m.sender_id != member.user_id
        and m.removed_at is None
        and m.message_id > str(member.read_up_to or "")
    )
    return {
        "folder": member.folder,
        "is_group": bool(meta.is_group),
        "title": meta.title,
        "member_ids": list(meta.member_ids or []),
        "last_message": service.snippet(last) if last else None,
        "unread_count": min(unread, UNREAD_CAP),
        "updated_at": last.created_at if last else member.joined_at,
    }


def refresh(conversation_id: str) -> int:
    """Rewrite the members' entries of one conversation that differ from what the
    table now says; how many were written."""
    meta, members = repository.conversation(conversation_id)
    if meta is None or not members:
        return 0
    oldest_mark = min(str(m.read_up_to or "") for m in members)
    messages, _ = repository.messages(
        conversation_id, after=oldest_mark, before=None, limit=UNREAD_CAP
    )
    if not messages:
        # Everyone read everything: the newest message is still what the entry shows.
        messages = repository.newest_messages(conversation_id, 1)
    senders = {m.sender_id for m in messages}
    member_ids = [m.user_id for m in members]
    hidden = social.blocked_pairs(senders, member_ids) if meta.is_group and senders else set()
    existing = repository.entries_of((u, conversation_id) for u in member_ids)
    written = 0
    for member in members:
        values = _entry_values(member, meta, messages, hidden)
        entry = existing.get((member.user_id, conversation_id))
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
    writes = sum(refresh(c) for c in sorted(touched))
    business.count("ConversationEntryWrites", writes)
