"""The stream consumer that writes inboxes: each batch's likes, comments, replies,
mentions, follows and follow requests become activities; activities nobody should
hear of are dropped (my own, across a block, from someone I muted, a kind I turned
off or limited to people I follow, a post I may not see); the rest are folded into
one write per inbox entry per batch, then each written entry is pushed to its
recipient's live connections, and each new one is recorded in the outbox.

Idempotent: single notifications are keyed by what caused them; a group holds a set
of actors (likes and comments count from the post's exact counters) and a follow
group's count advances only past the stream position it already folded in (follows
of one user share a partition, so their sequence numbers are ordered).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from photogram import changes, clock
from photogram import metrics as business
from photogram.live import service as live
from photogram.notifications import keys, repository, service
from photogram.notifications.models import GROUPED
from photogram.notifications.repository import EntryRow
from photogram.posts import repository as posts_repo
from photogram.social import service as social
from photogram.social.repository import State

GROUP_WINDOW = timedelta(hours=12)
# A post with this many likes (comments) is hot: its like (comment) group is rewritten,
# and pushed, at most once per HOT_REWRITE, however many stream batches bring more.
HOT_COUNT = 100
HOT_REWRITE = timedelta(seconds=60)
# Actors an entry remembers, newest first (a few are shown).
MAX_ACTORS = 20
TEXT_CHARS = 100
FOLLOW_SUBJECT = "all"


@dataclass(frozen=True)
class Activity:
    recipient_id: str
    actor_id: str
    kind: str
    # Groups: the post (likes, comments) or FOLLOW_SUBJECT; singles: what caused it.
    subject: str
    at: str
    sequence: str = ""
    removed: bool = False
    post_id: str | None = None
    comment_id: str | None = None
    text: str | None = None
    # The post's author, when the recipient must still be allowed to see the post
    # (mentions and replies: a private account's follower may have left).
    post_author_id: str | None = None


def _mentioned(value: Any) -> set[str]:
    try:
        mentions = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return set()
    return {str(m["user_id"]) for m in mentions or [] if isinstance(m, dict) and "user_id" in m}


def _snippet(text: Any) -> str:
    return str(text or "")[:TEXT_CHARS]


# --- from changes to activities --------------------------------------------------------


def _activities(batch: list[changes.Change]) -> Iterator[Activity]:
    posts = posts_repo.get_many(
        sorted({str(c.item["post_id"]) for c in batch if c.item_type in ("like", "comment")})
    )
    for change in batch:
        item, removed = change.item, change.event == "REMOVE"
        if change.item_type == "like" and change.event != "MODIFY":
            post = posts.get(str(item["post_id"]))
            if post is not None:
                yield Activity(
                    post.author_id,
                    str(item["user_id"]),
                    "like",
                    post.post_id,
                    str(item["created_at"]),
                    change.sequence,
                    removed,
                    post_id=post.post_id,
                )
        elif change.item_type == "comment" and change.event != "MODIFY":
            post = posts.get(str(item["post_id"]))
            if post is not None:
                yield from _comment_activities(change, post.author_id)
        elif change.item_type == "post":
            yield from _caption_mentions(change)
        elif change.item_type == "follower" and change.event != "MODIFY":
            owner, other = str(item["owner_id"]), str(item["other_id"])
            if item.get("approved"):
                # The owner approved: the requester hears it; the owner did it.
                yield Activity(
                    other,
                    owner,
                    "follow_accepted",
                    owner,
                    str(item["created_at"]),
                    change.sequence,
                    removed,
                )
            else:
                yield Activity(
                    owner,
                    other,
                    "follow",
                    FOLLOW_SUBJECT,
                    str(item["created_at"]),
                    change.sequence,
                    removed,
                )
        elif change.item_type == "follow_request" and change.event != "MODIFY":
            owner, other = str(item["owner_id"]), str(item["other_id"])
            # Removed: approved, denied or withdrawn; either way nothing is pending.
            yield Activity(
                owner,
                other,
                "follow_request",
                other,
                str(item["created_at"]),
                change.sequence,
                removed,
            )


def _comment_activities(change: changes.Change, post_author_id: str) -> Iterator[Activity]:
    """A comment notifies the post's author (grouped), the author of the comment it
    replies to, and the people it mentions: each recipient once, the most specific."""
    item, removed = change.item, change.event == "REMOVE"
    post_id, comment_id = str(item["post_id"]), str(item["comment_id"])
    base = Activity(
        recipient_id="",
        actor_id=str(item["author_id"]),
        kind="",
        subject=comment_id,
        at=str(item["created_at"]),
        sequence=change.sequence,
        removed=removed,
        post_id=post_id,
        comment_id=comment_id,
        text=_snippet(item.get("text")),
        post_author_id=post_author_id,
    )
    notified: set[str] = set()
    if item.get("reply_to"):
        # Stored with the reply, so its deletion finds the recipient after the parent's.
        parent_author = item.get("reply_to_author_id")
        if not parent_author:
            parent = posts_repo.get_comment(post_id, str(item["reply_to"]))
            parent_author = parent.author_id if parent is not None else None
        if parent_author:
            notified.add(str(parent_author))
            yield replace(base, recipient_id=str(parent_author), kind="reply")
    for user_id in sorted(_mentioned(item.get("mentions")) - notified):
        notified.add(user_id)
        yield replace(base, recipient_id=user_id, kind="mention", subject=f"comment:{comment_id}")
    if post_author_id not in notified:
        yield replace(base, recipient_id=post_author_id, kind="comment", subject=post_id)


def _caption_mentions(change: changes.Change) -> Iterator[Activity]:
    """A caption's mentions: new ones notify, ones edited out (or a deleted post's)
    take theirs back."""
    new = _mentioned((change.new or {}).get("mentions"))
    old = _mentioned((change.old or {}).get("mentions"))
    item = change.item
    post_id, author_id = str(item["post_id"]), str(item["author_id"])
    at = str(item.get("updated_at") or item["created_at"])
    for user_id, removed in [(u, False) for u in sorted(new - old)] + [
        (u, True) for u in sorted(old - new)
    ]:
        yield Activity(
            user_id,
            author_id,
            "mention",
            f"post:{post_id}",
            at,
            change.sequence,
            removed,
            post_id=post_id,
            text=_snippet(item.get("caption")),
            post_author_id=author_id,
        )


# --- who hears what ---------------------------------------------------------------------


def _heard(activities: list[Activity]) -> tuple[list[Activity], dict[str, dict[str, State]]]:
    """The activities their recipients hear, and each recipient's State with the
    actors (read once per recipient per batch). Retractions always pass: taking back
    what is not there writes nothing."""
    by_recipient: dict[str, list[Activity]] = {}
    for a in activities:
        if a.actor_id != a.recipient_id:
            by_recipient.setdefault(a.recipient_id, []).append(a)
    audiences = repository.settings_of(by_recipient)
    kept: list[Activity] = []
    states: dict[str, dict[str, State]] = {}
    for recipient, mine in by_recipient.items():
        wanted = {a.actor_id for a in mine} | {a.post_author_id for a in mine if a.post_author_id}
        states[recipient] = relations = social.relations_among(recipient, wanted)
        for a in mine:
            if a.removed or _hears(recipient, a, relations, audiences[recipient]):
                kept.append(a)
    return kept, states


def _hears(
    recipient: str, a: Activity, relations: dict[str, State], audiences: dict[str, str]
) -> bool:
    state = relations.get(a.actor_id)
    audience = audiences.get(a.kind, "everyone")
    if state is None or not social.hears_from(state) or audience == "off":
        return False
    if audience == "following" and not state.viewer_follows:
        return False
    if a.post_author_id is None or a.post_author_id == recipient:
        return True
    author = relations.get(a.post_author_id)
    return author is not None and social.can_see(recipient, author.target, author)


# --- folding into entries ---------------------------------------------------------------


def _fold(
    row: EntryRow | None, key: tuple[str, str], acts: list[Activity], *, hot: bool = False
) -> tuple[EntryRow | None, bool]:
    """The entry after `acts` (in stream order; None: nothing left in it), and whether
    it should be written: it differs from `row`, and, for a `hot` group (a post with
    HOT_COUNT likes or comments), its last write is older than HOT_REWRITE."""
    adding = [a for a in acts if not a.removed]
    if row is None:
        if not adding:
            return None, False
        first = adding[0]
        row = repository.new_entry(
            key,
            recipient_id=first.recipient_id,
            notification_kind=first.kind,
            post_id=first.post_id,
            comment_id=first.comment_id,
            text=first.text,
            actor_ids=[],
            actor_count=0,
            last_sequence="",
            started_at=min(a.at for a in adding),
            updated_at=first.at,
        )
        before: tuple[Any, ...] = ()
    else:
        before = (
            list(row.actor_ids or []),
            int(row.actor_count),
            row.updated_at,
            row.text,
            row.comment_id,
        )
    actors, count = list(row.actor_ids or []), int(row.actor_count or 0)
    last, updated_at = str(row.last_sequence or ""), str(row.updated_at)
    text: str | None = row.text
    comment_id: str | None = row.comment_id
    for a in acts:
        # Only a follow group keeps a count (likes and comments count from the post's
        # counters), moved only past the stream position it already folded in: follows
        # of one user share a partition, so their sequence numbers are ordered, and an
        # unfollow comes to the group its follow went to (the follow's own time).
        fresh = a.kind == "follow" and a.sequence > last
        if a.kind == "follow":
            last = max(last, a.sequence)
        if a.removed:
            if a.actor_id in actors:
                actors.remove(a.actor_id)
            count -= 1 if fresh else 0
            if a.comment_id is not None and a.comment_id == comment_id:
                # The comment shown is gone: show none rather than deleted words.
                text = comment_id = None
            continue
        count += 1 if fresh else 0
        actors = [a.actor_id] + [x for x in actors if x != a.actor_id]
        updated_at = max(updated_at, a.at)
        if a.text is not None:
            text, comment_id = a.text, a.comment_id
    if not actors or (row.notification_kind == "follow" and count <= 0):
        return None, True
    after = (actors[:MAX_ACTORS], max(count, 0), updated_at, text, comment_id)
    # A viral post's group: its count is the post's exact counter whatever we write, so
    # its names and time move on at most once per HOT_REWRITE.
    recent = bool(before) and clock.parse(updated_at) - clock.parse(str(before[2])) < HOT_REWRITE
    if hot and recent and not any(a.removed for a in acts):
        return row, False
    row.actor_ids, row.actor_count, row.updated_at, row.text, row.comment_id = after
    row.last_sequence = last
    return row, after != before


def bucket(at: str) -> str:
    """The window an activity's group is: the 12-hour slice of UTC time it falls in.
    Deterministic, so two stream shards folding likes of one post at once (each like
    is its own partition) write one group, not two, and an unlike or unfollow finds
    the group its like or follow went to from its own time."""
    span = int(GROUP_WINDOW.total_seconds())
    start = clock.epoch(clock.parse(at)) // span * span
    return clock.iso(datetime.fromtimestamp(start, UTC))


def _entries(activities: list[Activity]) -> dict[tuple[str, str], list[Activity]]:
    """Each entry's key and the activities folded into it, in stream order."""
    entries: dict[tuple[str, str], list[Activity]] = {}
    for a in sorted(activities, key=lambda x: (x.at, x.sequence)):
        if a.kind in GROUPED:
            key = keys.group_key(a.recipient_id, a.kind, a.subject, bucket(a.at))
        else:
            key = keys.single_key(a.recipient_id, a.kind, a.subject)
        entries.setdefault(key, []).append(a)
    for acts in entries.values():
        if acts[0].kind == "follow":
            # One partition's records, in stream order: an unfollow carries its follow's
            # time, so by time it could come before a later follow it followed.
            acts.sort(key=lambda x: x.sequence)
    return entries


def _title(row: EntryRow, actor: str) -> str:
    return {
        "like": f"{actor} liked your post.",
        "comment": f"{actor} commented: {row.text or ''}",
        "reply": f"{actor} replied to your comment: {row.text or ''}",
        "mention": f"{actor} mentioned you: {row.text or ''}",
        "follow": f"{actor} started following you.",
        "follow_request": f"{actor} asked to follow you.",
        "follow_accepted": f"{actor} accepted your follow request.",
    }[str(row.notification_kind)]


@changes.consumes_batch("like", "comment", "post", "follower", "follow_request")
def on_activity(batch: list[changes.Change]) -> None:
    for change in batch:
        if change.item_type == "post" and change.event == "REMOVE":
            # A deleted post's likes and comments groups go with it (its likes' own
            # REMOVEs find no post to name their recipient).
            item = change.item
            repository.delete_groups(
                str(item["author_id"]), ("like", "comment"), str(item["post_id"])
            )
    activities, states = _heard(list(_activities(batch)))
    written: dict[str, list[EntryRow]] = {}
    created: set[str] = set()
    writes = 0
    grouped = {str(a.post_id) for a in activities if a.kind in service.COUNTER_OF and a.post_id}
    totals = posts_repo.counts(sorted(grouped)) if grouped else {}
    for key, acts in _entries(activities).items():
        existing = repository.get_entry(key)
        if existing is not None and existing.expires_at <= clock.epoch():
            existing = None
        first = acts[0]
        counter = service.COUNTER_OF.get(first.kind)
        hot = bool(counter) and totals.get(str(first.post_id), {}).get(str(counter), 0) >= HOT_COUNT
        fold = partial(_fold, key=key, acts=acts, hot=hot)
        row, changed = repository.rewrite(key, existing, fold)
        writes += changed
        if row is None or not changed:
            continue
        written.setdefault(row.recipient_id, []).append(row)
        if existing is None or existing.started_at != row.started_at:
            created.add(row.SK)
            # The push names who started the group: the first of this batch's actors
            # still in it (a batch may fold several likes at once), whatever the
            # batching, so a phone's toast reads the same as the timeline it joins.
            starter = next(
                (a.actor_id for a in acts if not a.removed and a.actor_id in row.actor_ids),
                row.actor_ids[0],
            )
            state = states.get(row.recipient_id, {}).get(starter)
            handle = state.target.handle if state is not None and state.target else "Someone"
            repository.put_outbox(row.recipient_id, row.SK, _title(row, handle), row.started_at)
    business.count("NotificationWrites", writes)
    for recipient, rows in written.items():
        ids = {service.notification_id(r): r.SK in created for r in rows}
        # is_new: a new entry (a toast, a sound); else one already listed changed. One
        # push per recipient per batch: their connections are read once.
        payloads = [
            {"type": "notification", "is_new": ids[out.notification_id]}
            | {"notification": out.model_dump()}
            for out in service.render(recipient, rows, totals=totals)
        ]
        live.push([recipient], *payloads)
