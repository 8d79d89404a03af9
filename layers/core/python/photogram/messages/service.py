"""Direct messages: starting conversations (1:1 and groups), their members, sending,
reading history, read marks, message requests and removing a message.

Every route starts from the caller's own member item, read strongly: a conversation
I am not in, one I was removed from, and a 1:1 across a block do not exist for me
(404). Messages commit in id order per conversation (`repository.append`), so
`GET .../messages?after=<id>` catches up on everything once; the send pushes the
message to every member's live connections (at least once) and the stream consumer
keeps inbox entries and unread counts (`messages.consumer`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from photogram import clock, db, ids, metrics
from photogram.adapters import cdn_signing, storage
from photogram.errors import BadRequest, Conflict, Forbidden, NotFound
from photogram.limits import service as limits
from photogram.live import service as live
from photogram.media import keys as media_keys
from photogram.media import repository as media_repo
from photogram.media import service as media_service
from photogram.media.models import VariantOut
from photogram.media.repository import MESSAGE_HOLDER
from photogram.messages import keys, repository
from photogram.messages.models import (
    MAX_MEMBERS,
    AddMembersIn,
    ConversationOut,
    ConversationPage,
    ConversationSummaryOut,
    CreateConversationIn,
    LastMessageOut,
    MemberOut,
    MessageMediaOut,
    MessageOut,
    MessagePage,
    ReadOut,
    SendMessageIn,
    SharedPostOut,
    UpdateConversationIn,
)
from photogram.messages.repository import ConversationRow, EntryRow, MemberRow, MessageRow
from photogram.pagination import PageRequest, cursors, invalid_cursor
from photogram.posts import service as posts
from photogram.posts.service import author_out
from photogram.settings import settings
from photogram.social import repository as social_repo
from photogram.social import service as social
from photogram.social.repository import State
from photogram.users import repository as users_repo
from photogram.users.errors import profile_required, user_not_found

logger = logging.getLogger(__name__)
IDEMPOTENCY_SECONDS = 24 * 3600
# Members shown on an inbox entry besides me ("alice, bob and 12 others").
SHOWN_MEMBERS = 3
SNIPPET_CHARS = 100


def conversation_not_found() -> NotFound:
    return NotFound("conversation_not_found", "No such conversation.")


def message_not_found() -> NotFound:
    return NotFound("message_not_found", "No such message in this conversation.")


# --- who is in it --------------------------------------------------------------------------


def membership(viewer_id: str, conversation_id: str) -> MemberRow:
    """My member item of a conversation I may read. Raises NotFound(conversation_not_found)
    for an id we never made, a conversation I am not (or no longer) in, and a 1:1 whose
    two members are blocked either way."""
    if not ids.is_id(conversation_id):
        raise conversation_not_found()
    member = repository.get_member(conversation_id, viewer_id)
    if member is None:
        raise conversation_not_found()
    if member.peer_id and _blocked_with(viewer_id, [str(member.peer_id)]):
        raise conversation_not_found()
    return member


def _conversation(
    viewer_id: str, conversation_id: str
) -> tuple[ConversationRow, list[MemberRow], MemberRow]:
    """The conversation, its members and mine (one Query), for a member; `membership`'s
    rule and errors."""
    if not ids.is_id(conversation_id):
        raise conversation_not_found()
    meta, members = repository.conversation(conversation_id)
    mine = next((m for m in members if m.user_id == viewer_id), None)
    if meta is None or mine is None:
        raise conversation_not_found()
    if mine.peer_id and _blocked_with(viewer_id, [str(mine.peer_id)]):
        raise conversation_not_found()
    return meta, members, mine


def _resolve(viewer_id: str, handles: list[str]) -> dict[str, State]:
    """The users behind `handles` as the viewer may reach them (the State with each, in
    two reads). Raises NotFound(user_not_found) for a handle naming nobody, or someone
    blocked either way with the viewer; BadRequest(cannot_target_self)."""
    found = users_repo.user_ids_for([h.lower() for h in handles])
    for handle in handles:
        if handle.lower() not in found:
            raise NotFound("user_not_found", f"No such user: {handle}.", {"handle": handle})
    user_ids = list(dict.fromkeys(found[h.lower()] for h in handles))
    if viewer_id in user_ids:
        raise BadRequest("cannot_target_self", "That is you: you are in it already.")
    states = social.relations_among(viewer_id, user_ids)
    for handle in handles:
        if found[handle.lower()] not in states:
            raise NotFound("user_not_found", f"No such user: {handle}.", {"handle": handle})
    return {found[h.lower()]: states[found[h.lower()]] for h in handles}


def _no_blocks_among(
    new_ids: Iterable[str], all_ids: Iterable[str], states: dict[str, State]
) -> None:
    """Nobody added is blocked either way with another member. Raises
    Conflict(member_unavailable) naming the one who cannot be added."""
    pairs = social.blocked_pairs(new_ids, all_ids)
    if pairs:
        pair = min(sorted(p) for p in pairs)
        user_id = next(u for u in pair if u in states)
        target = states[user_id].target
        handle = target.handle if target is not None else ""
        raise Conflict(
            "member_unavailable",
            f"{handle} can't be added to this conversation.",
            {"handle": handle},
        )


def _folder(state: State) -> str:
    """Where a conversation started by the viewer lands for the other user: their inbox
    if they follow the viewer, else their message requests (as on Instagram)."""
    return "inbox" if state.follows_viewer else "requests"


# --- conversations ---------------------------------------------------------------------------


def start_conversation(
    creator_id: str, request: CreateConversationIn
) -> tuple[ConversationOut, bool]:
    """The 1:1 conversation with one user (the existing one, whoever started it), or a
    new group (more users, or a title); and whether it is new. Raises
    Forbidden(profile_required), NotFound(user_not_found), BadRequest(cannot_target_self),
    Conflict(member_unavailable), RateLimited(rate_limited)."""
    if users_repo.get_profile(creator_id) is None:
        raise profile_required()
    states = _resolve(creator_id, list(request.member_handles))
    others = list(states)
    is_group = len(others) > 1 or request.title is not None
    peer = others[0] if not is_group else None
    if peer is not None:
        existing = repository.pair_conversation(creator_id, peer)
        if existing is not None:
            return get_conversation(creator_id, existing), False
    else:
        _no_blocks_among(others, others, states)
    conversation_id = ids.new_id()
    meta = repository.new_meta(
        conversation_id,
        creator_id,
        is_group=is_group,
        title=request.title if is_group else None,
        member_ids=[creator_id, *others],
    )
    members = [
        repository.new_member(
            conversation_id,
            creator_id,
            role="admin" if is_group else "member",
            folder="inbox",
            peer_id=peer,
        )
    ] + [
        repository.new_member(
            conversation_id,
            user_id,
            folder=_folder(state),
            peer_id=creator_id if peer is not None else None,
        )
        for user_id, state in states.items()
    ]
    pair = (creator_id, peer) if peer is not None else None

    def write(tx: db.TransactWrite) -> None:
        repository.create(tx, meta, members, pair)
        if peer is not None:
            # Started across a block made a moment ago: refused like the block's 404.
            social_repo.expect_no_block(tx, creator_id, peer)

    try:
        limits.transact(creator_id, "conversation", write)
    except db.TransactWriteError:
        # The two started theirs at the same moment: one conversation, the other's.
        existing = repository.pair_conversation(creator_id, peer) if peer else None
        if existing is None:
            if peer is not None:
                raise user_not_found() from None
            raise
        return get_conversation(creator_id, existing), False
    metrics.count("ConversationsStarted")
    return get_conversation(creator_id, conversation_id), True


def get_conversation(viewer_id: str, conversation_id: str) -> ConversationOut:
    """A conversation I am in, with its members and their read marks. Raises NotFound."""
    meta, members, mine = _conversation(viewer_id, conversation_id)
    return _conversation_out(meta, members, mine)


def _conversation_out(
    meta: ConversationRow, members: list[MemberRow], mine: MemberRow
) -> ConversationOut:
    profiles = users_repo.get_profiles([m.user_id for m in members])
    order = {user_id: n for n, user_id in enumerate(meta.member_ids or [])}
    shown = sorted(
        (m for m in members if m.user_id in profiles), key=lambda m: order.get(m.user_id, 99)
    )
    return ConversationOut(
        conversation_id=meta.conversation_id,
        is_group=bool(meta.is_group),
        title=meta.title,
        members=[
            MemberOut(
                user=author_out(profiles[m.user_id]),
                role=m.role,
                joined_at=m.joined_at,
                # A request shows no read receipt until it is accepted.
                read_up_to=(m.read_up_to or None) if m.folder == "inbox" else None,
            )
            for m in shown
        ],
        folder=mine.folder,
        is_admin=mine.role == "admin",
        created_at=meta.created_at,
        updated_at=meta.updated_at,
    )


def _admin_of_group(
    viewer_id: str, conversation_id: str
) -> tuple[ConversationRow, list[MemberRow], MemberRow]:
    meta, members, mine = _conversation(viewer_id, conversation_id)
    if not meta.is_group:
        raise BadRequest("not_a_group", "A 1:1 conversation has no title or members to change.")
    if mine.role != "admin":
        raise Forbidden("not_admin", "Only the group's admins can do that.")
    return meta, members, mine


def rename(viewer_id: str, conversation_id: str, change: UpdateConversationIn) -> ConversationOut:
    """Change a group's title (admins). Raises NotFound, BadRequest(not_a_group),
    Forbidden(not_admin)."""

    def attempt() -> None:
        meta, _, _ = _admin_of_group(viewer_id, conversation_id)
        db.transact(
            lambda tx: repository.change_members(
                tx, meta, list(meta.member_ids or []), title=change.title
            )
        )

    db.optimistic(attempt)
    return get_conversation(viewer_id, conversation_id)


def add_members(viewer_id: str, conversation_id: str, request: AddMembersIn) -> ConversationOut:
    """Add people to a group (admins); those already in it are left as they are. They
    read the messages sent from now on. Raises NotFound(conversation_not_found,
    user_not_found), BadRequest(not_a_group), Forbidden(not_admin),
    Conflict(group_full, member_unavailable)."""

    def attempt() -> None:
        meta, _members, _ = _admin_of_group(viewer_id, conversation_id)
        current = list(meta.member_ids or [])
        states = {
            u: s
            for u, s in _resolve(viewer_id, list(request.member_handles)).items()
            if u not in current
        }
        if not states:
            return
        if len(current) + len(states) > MAX_MEMBERS:
            raise Conflict(
                "group_full",
                f"A group has at most {MAX_MEMBERS} members.",
                {"max": MAX_MEMBERS},
            )
        _no_blocks_among(states, current + list(states), states)
        added = [
            repository.new_member(
                conversation_id,
                user_id,
                folder=_folder(state),
                history_from=meta.last_message_id or "",
            )
            for user_id, state in states.items()
        ]
        db.transact(
            lambda tx: repository.change_members(tx, meta, current + list(states), added=added)
        )

    db.optimistic(attempt)
    return get_conversation(viewer_id, conversation_id)


def remove_member(viewer_id: str, conversation_id: str, handle: str) -> None:
    """Remove someone from a group (admins); they can no longer read it. Raises
    NotFound(conversation_not_found, member_not_found), BadRequest(not_a_group,
    cannot_target_self: leave instead), Forbidden(not_admin)."""
    user_id = users_repo.user_id_for(handle.lower())
    if user_id == viewer_id:
        raise BadRequest("cannot_target_self", "To leave a group, use its leave route.")

    def attempt() -> None:
        meta, _members, _ = _admin_of_group(viewer_id, conversation_id)
        current = list(meta.member_ids or [])
        if user_id is None or user_id not in current:
            raise NotFound("member_not_found", "That user is not in this conversation.")
        db.transact(
            lambda tx: repository.change_members(
                tx, meta, [u for u in current if u != user_id], removed=[user_id]
            )
        )

    db.optimistic(attempt)


def leave(viewer_id: str, conversation_id: str) -> None:
    """Leave a group: it is gone from my inbox and I can no longer read it. The last
    admin to leave hands the role to the longest-standing member. Raises NotFound,
    BadRequest(not_a_group)."""

    def attempt() -> None:
        meta, members, mine = _conversation(viewer_id, conversation_id)
        if not meta.is_group:
            raise BadRequest("not_a_group", "A 1:1 conversation cannot be left.")
        rest = [u for u in meta.member_ids or [] if u != viewer_id]
        admins = {m.user_id for m in members if m.role == "admin" and m.user_id != viewer_id}
        heir = rest[0] if rest and mine.role == "admin" and not admins else None

        def write(tx: db.TransactWrite) -> None:
            repository.change_members(tx, meta, rest, removed=[viewer_id])
            if heir is not None:
                repository.set_role(tx, conversation_id, heir, "admin")

        db.transact(write)

    db.optimistic(attempt)


def accept(viewer_id: str, conversation_id: str) -> ConversationOut:
    """Move a message request to my inbox: my read receipts show from now on. Raises
    NotFound."""
    membership(viewer_id, conversation_id)
    if not repository.accept(conversation_id, viewer_id):
        raise conversation_not_found()
    return get_conversation(viewer_id, conversation_id)


# --- messages --------------------------------------------------------------------------------


def _request_hash(conversation_id: str, request: SendMessageIn) -> str:
    body = f"{conversation_id}\n{request.model_dump_json()}"
    return hashlib.sha256(body.encode()).hexdigest()


def _blocked_with(user_id: str, others: Iterable[str]) -> set[str]:
    """Those among `others` blocked either way with `user_id` (one read)."""
    others = set(others) - {user_id}
    if not others:
        return set()
    return {u for pair in social.blocked_pairs([user_id], others) for u in pair} - {user_id}


def _hidden_from(meta: ConversationRow, user_id: str, others: Iterable[str]) -> set[str]:
    """Those among `others` whose messages `user_id` does not see, nor they theirs: in
    a group, members blocked either way with them (in a 1:1 a block hides everything)."""
    return _blocked_with(user_id, others) if meta.is_group else set()


def send(
    sender_id: str,
    conversation_id: str,
    request: SendMessageIn,
    idempotency_key: str | None = None,
) -> MessageOut:
    """Send a message to a conversation I am in, and push it to every member's
    connections. With an Idempotency-Key, a retried send returns the message the first
    one sent. Replying to a request accepts it.

    Raises NotFound(conversation_not_found, media_not_found, post_not_found),
    Conflict(media_not_ready, media_in_use, idempotency_key_reused),
    PhotogramError(media_wrong_purpose), RateLimited(rate_limited)."""
    request_hash = _request_hash(conversation_id, request)

    def earlier() -> MessageRow | None:
        if idempotency_key is None:
            return None
        record = repository.send_record(sender_id, idempotency_key)
        if record is None or record.expires_at <= clock.epoch():
            return None
        if record.request_hash != request_hash:
            raise Conflict(
                "idempotency_key_reused", "This Idempotency-Key was used for a different request."
            )
        return repository.get_message(conversation_id, str(record.message_id))

    def attempt() -> tuple[MessageRow, ConversationRow, bool]:
        # The conversation and my member item (one read); the 1:1's block check is the
        # transaction's condition, and so is my membership.
        if not ids.is_id(conversation_id):
            raise conversation_not_found()
        meta, mine = repository.meta_and_member(conversation_id, sender_id)
        if meta is None or mine is None:
            raise conversation_not_found()
        done = earlier()
        if done is not None:
            return done, meta, False
        # A post I may see (404 otherwise, as for any post I may not).
        shared = posts.visible_post(sender_id, request.post_id)[0] if request.post_id else None
        media = (
            media_service.usable_media(sender_id, [request.media_id], "message")
            if request.media_id
            else []
        )
        message = MessageRow(
            *keys.message_key(conversation_id, ids.after(str(meta.last_message_id or ""))),
            conversation_id=conversation_id,
            sender_id=sender_id,
            message_kind="media" if media else "post" if shared else "text",
            text=request.text,
            media=_media_snapshot(media[0]) if media else None,
            post_id=shared.post_id if shared else None,
            post_author_id=shared.author_id if shared else None,
            created_at=clock.iso(),
        )
        message.message_id = message.SK.removeprefix(keys.MESSAGE_PREFIX)

        def write(tx: db.TransactWrite) -> None:
            repository.append(tx, message, sender_accepts=mine.folder == "requests")
            if mine.peer_id:
                # A block made since we read: refused, and the retry answers 404.
                social_repo.expect_no_block(tx, sender_id, str(mine.peer_id))
            for row in media:
                media_repo.claim(
                    tx, row, sender_id, f"{MESSAGE_HOLDER}{conversation_id}/{message.message_id}"
                )
            if idempotency_key is not None:
                repository.remember_send(
                    tx, sender_id, idempotency_key, message, request_hash, IDEMPOTENCY_SECONDS
                )

        try:
            limits.transact(sender_id, "message", write)
        except db.TransactWriteError:
            if mine.peer_id and _blocked_with(sender_id, [str(mine.peer_id)]):
                raise conversation_not_found() from None
            raise
        return message, meta, True

    message, meta, is_new = db.optimistic(attempt, tries=16)
    if is_new:
        metrics.count("MessagesSent")
        _deliver(meta, message)
    return render(sender_id, [message])[0]


def _media_snapshot(row: media_repo.MediaRow) -> dict[str, Any]:
    return {
        "media_id": row.media_id,
        "width": int(row.width or 0),
        "height": int(row.height or 0),
        "variants": row.variants or {},
        "blur_placeholder": row.blur_placeholder or "",
        "dominant_color": row.dominant_color or "",
    }


def _deliver(meta: ConversationRow, message: MessageRow) -> None:
    """Push a message to the live connections of every member who may read it (the
    sender's other devices too). A shared post is rendered for each reader."""
    member_ids = list(meta.member_ids or [])
    hidden = _hidden_from(meta, str(message.sender_id), member_ids)
    readers = [u for u in member_ids if u not in hidden]
    if message.post_id:
        for reader in readers:
            live.push([reader], _event("message", render(reader, [message])[0]))
    else:
        live.push(readers, _event("message", render(str(message.sender_id), [message])[0]))


def _event(kind: str, message: MessageOut) -> dict[str, Any]:
    return {"type": kind, "message": message.model_dump()}


def render(viewer_id: str, rows: list[MessageRow]) -> list[MessageOut]:
    """Messages as the viewer sees them: a shared post as its card if the viewer may
    see it, else unavailable; a photo with signed URLs (members only). One read for the
    page's shared posts."""
    refs = [(str(r.post_id), str(r.post_author_id)) for r in rows if r.post_id and not r.removed_at]
    cards = {p.post_id: p for p in posts.render_refs(viewer_id, refs)} if refs else {}
    out = []
    for row in rows:
        removed = row.removed_at is not None
        media = None
        if row.media and not removed:
            m = row.media
            media = MessageMediaOut(
                media_id=m["media_id"],
                width=m["width"],
                height=m["height"],
                variants=_signed(m["variants"]),
                blur_placeholder=m["blur_placeholder"],
                dominant_color=m["dominant_color"],
            )
        shared = None
        if row.post_id and not removed:
            card = cards.get(str(row.post_id))
            shared = SharedPostOut(
                post_id=str(row.post_id), post=card, is_available=card is not None
            )
        out.append(
            MessageOut(
                message_id=row.message_id,
                conversation_id=row.conversation_id,
                sender_id=row.sender_id,
                kind="removed" if removed else row.message_kind,
                text=None if removed else row.text,
                media=media,
                shared_post=shared,
                created_at=row.created_at,
                is_removed=removed,
            )
        )
    return out


def _signed(variants: dict[str, Any]) -> dict[str, VariantOut]:
    """A message photo's variants with signed URLs; none (and a warning) on a stack
    whose deployer has not stored the signing key yet, so the words still load."""
    try:
        return media_service.variants_out(variants)
    except cdn_signing.SigningKeyMissing:
        logger.warning("message media unsigned: no CDN signing key stored (docs/deploy.md)")
        return {}


def _message_id(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not ids.is_id(value):
        raise BadRequest("invalid_message_id", f"{name} must be a message id.", {"field": name})
    return value


def history(
    viewer_id: str,
    conversation_id: str,
    page: PageRequest,
    *,
    before: str | None = None,
    after: str | None = None,
) -> MessagePage:
    """Messages I may read, newest first, between `after` and `before` (ids, both
    exclusive): history, and catching up after being offline (`after` = the newest
    id I have). Raises NotFound, BadRequest(invalid_message_id, invalid_cursor)."""
    before, after = _message_id(before, "before"), _message_id(after, "after")
    member = membership(viewer_id, conversation_id)
    low = max(after or "", str(member.history_from or ""))
    scope = f"messages:{conversation_id}:{viewer_id}:{low}:{before or ''}"
    start = cursors().open(page.cursor, scope)
    if start is not None and not str(start.get("SK", {}).get("S", "")).startswith(
        keys.MESSAGE_PREFIX
    ):
        raise invalid_cursor()
    rows, position = repository.messages(
        conversation_id, after=low, before=before, limit=page.limit, start=start
    )
    if member.peer_id is None:
        hidden = _blocked_with(viewer_id, {r.sender_id for r in rows})
        rows = [r for r in rows if r.sender_id not in hidden]
    return MessagePage(items=render(viewer_id, rows), next_cursor=cursors().seal(position, scope))


def _readable(
    viewer_id: str, conversation_id: str, message_id: str
) -> tuple[MemberRow, MessageRow]:
    member = membership(viewer_id, conversation_id)
    if not ids.is_id(message_id):
        raise message_not_found()
    row = repository.get_message(conversation_id, message_id)
    if row is None or row.message_id <= str(member.history_from or ""):
        raise message_not_found()
    if member.peer_id is None and _blocked_with(viewer_id, [row.sender_id]):
        raise message_not_found()
    return member, row


def remove_message(viewer_id: str, conversation_id: str, message_id: str) -> None:
    """Remove my message for everyone: it shows as removed, its words, photo and post
    gone. Raises NotFound(conversation_not_found, message_not_found), Forbidden(not_sender)."""
    _, row = _readable(viewer_id, conversation_id, message_id)
    if row.sender_id != viewer_id:
        raise Forbidden("not_sender", "Only its sender can remove a message.")
    if row.removed_at is not None or not repository.remove_message(
        conversation_id, message_id, viewer_id
    ):
        return
    if row.media:
        for prefix in media_keys.variant_prefixes(str(row.media["media_id"])):
            storage.delete_prefix(settings().media_bucket, prefix)
    meta, members = repository.conversation(conversation_id)
    removed = repository.get_message(conversation_id, message_id)
    if meta is not None and removed is not None:
        hidden = _hidden_from(meta, viewer_id, [m.user_id for m in members])
        readers = [m.user_id for m in members if m.user_id not in hidden]
        live.push(readers, _event("message_removed", render(viewer_id, [removed])[0]))


def mark_read(viewer_id: str, conversation_id: str, up_to_message_id: str) -> ReadOut:
    """I have read up to this message (a mark never moves back). The other members see
    it, unless the conversation is still in my requests. Raises NotFound."""
    member, row = _readable(viewer_id, conversation_id, up_to_message_id)
    mark = repository.mark_read(conversation_id, viewer_id, row.message_id)
    if mark is None:
        raise conversation_not_found()
    if member.folder == "inbox" and mark == row.message_id:
        meta, members = repository.conversation(conversation_id)
        if meta is not None:
            others = [m.user_id for m in members if m.user_id != viewer_id]
            hidden = _hidden_from(meta, viewer_id, others)
            live.push(
                [u for u in others if u not in hidden] + [viewer_id],
                {
                    "type": "read",
                    "conversation_id": conversation_id,
                    "user_id": viewer_id,
                    "read_up_to": mark,
                },
            )
    return ReadOut(conversation_id=conversation_id, read_up_to=mark)


def typing(viewer_id: str, conversation_id: str) -> None:
    """Tell the other members' connections I am typing (nothing is stored). Raises
    NotFound."""
    meta, members, _ = _conversation(viewer_id, conversation_id)
    others = [m.user_id for m in members if m.user_id != viewer_id]
    hidden = _hidden_from(meta, viewer_id, others)
    live.push(
        [u for u in others if u not in hidden],
        {
            "type": "typing",
            "conversation_id": conversation_id,
            "user_id": viewer_id,
            "at": clock.iso(),
        },
    )


# --- my inbox ------------------------------------------------------------------------------------


def list_conversations(viewer_id: str, folder: str, page: PageRequest) -> ConversationPage:
    """My conversations in `folder` ("inbox" or "requests"), newest activity first, each
    with its last message, my unread count and the first few other members: two reads
    (the entries; the members' profiles with any block between us)."""
    scope = f"conversations:{viewer_id}:{folder}"
    start = cursors().open(page.cursor, scope)
    found, position = repository.folder_page(viewer_id, folder, page.limit, start)
    entries = [r for r in found if isinstance(r, EntryRow)]
    shown = {
        e.conversation_id: [u for u in e.member_ids or [] if u != viewer_id][:SHOWN_MEMBERS]
        for e in entries
    }
    wanted = social_repo.visibility_keys(viewer_id, {u for us in shown.values() for u in us})
    states = social_repo.states_among(viewer_id, wanted, db.batch_get(wanted))
    items = []
    for entry in entries:
        others = [states[u] for u in shown[entry.conversation_id] if u in states]
        if not entry.is_group and (not others or others[0].is_blocked):
            continue
        cards = [author_out(s.target) for s in others if s.target is not None and not s.is_blocked]
        last = entry.last_message
        items.append(
            ConversationSummaryOut(
                conversation_id=entry.conversation_id,
                is_group=bool(entry.is_group),
                title=entry.title,
                members=cards,
                member_count=len(entry.member_ids or []),
                last_message=LastMessageOut(**last) if last else None,
                unread_count=int(entry.unread_count or 0),
                folder=entry.folder,
                updated_at=entry.updated_at,
            )
        )
    return ConversationPage(items=items, next_cursor=cursors().seal(position, scope))


def snippet(row: MessageRow) -> dict[str, Any]:
    """A message as an inbox entry shows it."""
    kind = "removed" if row.removed_at else row.message_kind
    return {
        "message_id": row.message_id,
        "sender_id": row.sender_id,
        "kind": kind,
        "snippet": (row.text or "")[:SNIPPET_CHARS] if kind == "text" else "",
        "created_at": row.created_at,
    }
