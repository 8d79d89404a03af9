"""Relation items (follows, requests, blocks, mutes, close friends); the only social
code that touches the table.

The writes are named for what they do in the social graph. Those that take `tx` add
their items, each with the condition that keeps the graph and its counters exact, to
a transaction the service opened, so several compose into one commit; the rest are
single-item writes that are idempotent by themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from photogram import clock
from photogram.db import Row, batch_get, condition_failed
from photogram.keys import time_sk
from photogram.social import keys
from photogram.users.keys import profile_key
from photogram.users.repository import ProfileRow, bumped


class EdgeRow(Row):
    """A relation from `owner_id` to `other_id`, listed on GSI1 newest first."""

    owner_id = UnicodeAttribute()
    other_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # A follow (its follower item) that began as a request the owner approved: what
    # tells the notifications consumer "accepted your request" from "followed you".
    approved = BooleanAttribute(null=True)


class FollowingRow(EdgeRow, discriminator="following"):
    pass


class FollowerRow(EdgeRow, discriminator="follower"):
    pass


class RequestRow(EdgeRow, discriminator="follow_request"):
    """owner_id = the private account asked, other_id = who asked."""


class BlockRow(EdgeRow, discriminator="block"):
    pass


class MuteRow(EdgeRow, discriminator="mute"):
    pass


class CloseFriendRow(EdgeRow, discriminator="close_friend"):
    """owner_id's close-friends list holds other_id (private to the owner)."""


_LIST_OF = {
    FollowingRow: "FOLLOWING",
    FollowerRow: "FOLLOWERS",
    RequestRow: "REQUESTS",
    BlockRow: "BLOCKS",
    MuteRow: "MUTES",
    CloseFriendRow: "CLOSE_FRIENDS",
}
_KEY_OF = {
    FollowingRow: keys.following_key,
    FollowerRow: keys.follower_key,
    RequestRow: keys.request_key,
    BlockRow: keys.block_key,
    MuteRow: keys.mute_key,
    CloseFriendRow: keys.close_friend_key,
}


def edge(cls: type[EdgeRow], owner_id: str, other_id: str, created_at: str | None = None) -> Any:
    """A full edge row, ready to save, with its GSI1 list keys."""
    created_at = created_at or clock.iso()
    pk, sk = _KEY_OF[cls](owner_id, other_id)
    return cls(
        pk,
        sk,
        owner_id=owner_id,
        other_id=other_id,
        created_at=created_at,
        GSI1PK=keys.list_pk(_LIST_OF[cls], owner_id),
        GSI1SK=time_sk(created_at, other_id),
    )


def edge_ref(cls: type[EdgeRow], owner_id: str, other_id: str) -> Any:
    """A key-only edge row, for deletes and condition checks."""
    pk, sk = _KEY_OF[cls](owner_id, other_id)
    return cls(pk, sk)


@dataclass(frozen=True)
class State:
    """Everything between a viewer and another user, read in one BatchGetItem."""

    viewer: ProfileRow | None
    target: ProfileRow | None
    viewer_follows: bool
    follows_viewer: bool
    viewer_requested: bool
    requested_viewer: bool
    viewer_blocks: bool
    blocks_viewer: bool
    viewer_mutes: bool

    @property
    def is_blocked(self) -> bool:
        return self.viewer_blocks or self.blocks_viewer


def _relation_keys(viewer_id: str, target_id: str) -> dict[str, tuple[str, str]]:
    """The items that make up a State besides the profiles, by State field."""
    return {
        "viewer_follows": keys.following_key(viewer_id, target_id),
        "follows_viewer": keys.following_key(target_id, viewer_id),
        "viewer_requested": keys.request_key(target_id, viewer_id),
        "requested_viewer": keys.request_key(viewer_id, target_id),
        "viewer_blocks": keys.block_key(viewer_id, target_id),
        "blocks_viewer": keys.block_key(target_id, viewer_id),
        "viewer_mutes": keys.mute_key(viewer_id, target_id),
    }


def read_state(viewer_id: str, target_id: str) -> State:
    return relations_among(viewer_id, [target_id], with_viewer=True)[target_id]


def relations_among(
    viewer_id: str, target_ids: Iterable[str], *, with_viewer: bool = False
) -> dict[str, State]:
    """The State between the viewer and each target, in one read (BatchGetItem calls
    of 100 keys); `viewer` is read only `with_viewer`."""
    targets = list(dict.fromkeys(target_ids))
    wanted = {t: _relation_keys(viewer_id, t) for t in targets}
    profile_keys = {t: profile_key(t) for t in targets}
    viewer_key = profile_key(viewer_id)
    everything = [*profile_keys.values(), *(k for r in wanted.values() for k in r.values())]
    found = batch_get([viewer_key, *everything] if with_viewer else everything)
    viewer = found.get(viewer_key) if with_viewer else None
    return {
        t: State(
            viewer=viewer,  # type: ignore[arg-type]
            target=found.get(profile_keys[t]),  # type: ignore[arg-type]
            **{name: key in found for name, key in wanted[t].items()},
        )
        for t in targets
    }


# What a batch visibility read asks per author: (what, author_id) by key.
VisibilityKeys = dict[tuple[str, str], tuple[str, str]]


def visibility_keys(viewer_id: str, author_ids: Iterable[str]) -> VisibilityKeys:
    """The items that decide whether the viewer may see each author's content: the
    profile, my follow, a block either way. Callers may read them in the same
    BatchGetItem as their own items (`states_among`)."""
    wanted: VisibilityKeys = {}
    for author in set(author_ids):
        wanted[profile_key(author)] = ("profile", author)
        wanted[keys.following_key(viewer_id, author)] = ("follows", author)
        wanted[keys.block_key(viewer_id, author)] = ("blocks", author)
        wanted[keys.block_key(author, viewer_id)] = ("blocked_by", author)
    return wanted


def states_among(viewer_id: str, wanted: VisibilityKeys, found: dict[Any, Any]) -> dict[str, State]:
    """Each author's State from a read of `visibility_keys` (`found`), for authors that
    exist. Only what visibility needs is read: requests and mutes read as False."""
    seen: dict[str, dict[str, Any]] = {}
    for key, (what, author) in wanted.items():
        if key in found:
            seen.setdefault(author, {})[what] = found[key]
    states = {}
    for author, items in seen.items():
        profile = items.get("profile")
        if not isinstance(profile, ProfileRow):
            continue
        states[author] = State(
            viewer=None,
            target=profile,
            viewer_follows="follows" in items,
            follows_viewer=False,
            viewer_requested=False,
            requested_viewer=False,
            viewer_blocks="blocks" in items,
            blocks_viewer="blocked_by" in items,
            viewer_mutes=False,
        )
    return states


def followers_of(author_id: str, page_size: int = 1000) -> Iterator[list[str]]:
    """The author's followers, a page at a time (one partition, any order): what the
    feed's fan-out and the story rings write to."""
    pk, prefix = keys.follower_key(author_id, "")
    rows = FollowerRow.query(pk, FollowerRow.SK.startswith(prefix), page_size=page_size)
    page: list[str] = []
    for row in rows:
        page.append(row.other_id)
        if len(page) == page_size:
            yield page
            page = []
    if page:
        yield page


def mutes_of(viewer_id: str) -> set[str]:
    """Everyone the viewer muted (one partition query)."""
    pk, prefix = keys.mute_key(viewer_id, "")
    rows = MuteRow.query(pk, MuteRow.SK.startswith(prefix))
    return {r.other_id for r in rows if isinstance(r, MuteRow)}


def close_friends_of(owner_id: str) -> list[str]:
    """Everyone on the owner's close-friends list (one partition query)."""
    pk, prefix = keys.close_friend_key(owner_id, "")
    rows = CloseFriendRow.query(pk, CloseFriendRow.SK.startswith(prefix))
    return [r.other_id for r in rows if isinstance(r, CloseFriendRow)]


def blocked_between(viewer_id: str, other_ids: list[str]) -> set[str]:
    """The users in `other_ids` who blocked the viewer or whom the viewer blocked."""
    return blocked_with_any([viewer_id], other_ids)


def blocked_pairs(user_ids: Iterable[str], other_ids: Iterable[str]) -> set[frozenset[str]]:
    """Each pair (one of `user_ids`, one of `other_ids`) blocked either way, in one
    read (BatchGetItem calls of 100 keys)."""
    wanted: dict[tuple[str, str], frozenset[str]] = {}
    for user_id in set(user_ids):
        for other in set(other_ids) - {user_id}:
            pair = frozenset((user_id, other))
            wanted[keys.block_key(user_id, other)] = pair
            wanted[keys.block_key(other, user_id)] = pair
    found = batch_get(wanted) if wanted else {}
    return {wanted[key] for key in found}


def blocked_with_any(user_ids: Iterable[str], other_ids: list[str]) -> set[str]:
    """The users in `other_ids` blocked either way with any of `user_ids`, in one read
    (for what hangs on someone else's content: a like on a post is hidden across a
    block with the viewer and across one with the post's author)."""
    wanted: dict[tuple[str, str], str] = {}
    for user_id in set(user_ids):
        for other in other_ids:
            wanted[keys.block_key(user_id, other)] = other
            wanted[keys.block_key(other, user_id)] = other
    found = batch_get(wanted)
    return {wanted[key] for key in found}


def add_count(
    tx: TransactWrite,
    user_id: str,
    *,
    followers: int = 0,
    following: int = 0,
    condition: Any = None,
) -> None:
    """Change a profile's counters inside the transaction that causes the change
    (one update per profile: a transaction may touch an item only once)."""
    actions: list[Action] = []
    if followers:
        actions.append(ProfileRow.follower_count.add(followers))
    if following:
        actions.append(ProfileRow.following_count.add(following))
    if actions:
        actions.append(bumped())
        pk, sk = profile_key(user_id)
        guard = ProfileRow.PK.exists()
        tx.update(
            ProfileRow(pk, sk), actions, condition=guard if condition is None else guard & condition
        )


# --- writes --------------------------------------------------------------------------
# The order of the items in each transaction is the order written here.


def _save_new(tx: TransactWrite, row: EdgeRow) -> None:
    tx.save(row, condition=EdgeRow.PK.does_not_exist())


def _delete_existing(tx: TransactWrite, ref: EdgeRow) -> None:
    tx.delete(ref, condition=EdgeRow.PK.exists())


def _expect_absent(tx: TransactWrite, cls: type[EdgeRow], owner_id: str, other_id: str) -> None:
    pk, sk = _KEY_OF[cls](owner_id, other_id)
    tx.condition_check(cls, pk, sk, condition=EdgeRow.PK.does_not_exist())


def _no_block_between(tx: TransactWrite, a: str, b: str) -> None:
    _expect_absent(tx, BlockRow, a, b)
    _expect_absent(tx, BlockRow, b, a)


def expect_no_block(tx: TransactWrite, a: str, b: str) -> None:
    """In `tx`: a condition that neither user blocks the other, so a write between two
    users (a direct message) cannot land across a block made after it was checked."""
    _no_block_between(tx, a, b)


def new_follow(
    tx: TransactWrite, follower_id: str, followee_id: str, *, had_requested: bool
) -> None:
    """A direct follow of a public account: both edges, both counts, the request the
    follower made while the account was private (`had_requested`) gone. Holds only
    while the followee is still public and no block stands either way."""
    _save_new(tx, edge(FollowingRow, follower_id, followee_id))
    _save_new(tx, edge(FollowerRow, followee_id, follower_id))
    # The followee must still be public when this commits.
    add_count(tx, followee_id, followers=1, condition=ProfileRow.is_private == False)  # noqa: E712
    add_count(tx, follower_id, following=1)
    if had_requested:
        # Asked while the account was private; it has since gone public.
        tx.delete(edge_ref(RequestRow, followee_id, follower_id))
    _no_block_between(tx, follower_id, followee_id)


def new_request(tx: TransactWrite, requester_id: str, target_id: str) -> None:
    """A request to follow a private account. Holds only while the requester does not
    follow it yet, the target is still private and no block stands either way."""
    _save_new(tx, edge(RequestRow, target_id, requester_id))
    _expect_absent(tx, FollowingRow, requester_id, target_id)
    target_pk, target_sk = profile_key(target_id)
    tx.condition_check(ProfileRow, target_pk, target_sk, condition=ProfileRow.is_private == True)  # noqa: E712
    _no_block_between(tx, requester_id, target_id)


def approved_follow(tx: TransactWrite, owner_id: str, requester_id: str) -> None:
    """The owner's approval of a pending request: the request becomes a follow of the
    owner by the requester, with both counts."""
    drop_request(tx, owner_id, requester_id)
    _save_new(tx, edge(FollowingRow, requester_id, owner_id))
    follower = edge(FollowerRow, owner_id, requester_id)
    follower.approved = True
    _save_new(tx, follower)
    add_count(tx, owner_id, followers=1)
    add_count(tx, requester_id, following=1)


def delete_follow(tx: TransactWrite, follower_id: str, followee_id: str) -> None:
    """Both edges of an existing follow, counts left to the caller (a block changes
    each profile's counts in one update)."""
    _delete_existing(tx, edge_ref(FollowingRow, follower_id, followee_id))
    _delete_existing(tx, edge_ref(FollowerRow, followee_id, follower_id))


def end_follow(tx: TransactWrite, follower_id: str, followee_id: str) -> None:
    """An existing follow deleted with its two counts."""
    delete_follow(tx, follower_id, followee_id)
    add_count(tx, followee_id, followers=-1)
    add_count(tx, follower_id, following=-1)


def expect_no_follow(tx: TransactWrite, follower_id: str, followee_id: str) -> None:
    """Hold the transaction to there being no follow from `follower_id`."""
    _expect_absent(tx, FollowingRow, follower_id, followee_id)


def drop_request(tx: TransactWrite, target_id: str, requester_id: str) -> None:
    """A pending request to follow `target_id`, withdrawn, denied or made moot."""
    _delete_existing(tx, edge_ref(RequestRow, target_id, requester_id))


def expect_no_request(tx: TransactWrite, target_id: str, requester_id: str) -> None:
    """Hold the transaction to there being no request from `requester_id`."""
    _expect_absent(tx, RequestRow, target_id, requester_id)


def new_block(tx: TransactWrite, blocker_id: str, blocked_id: str) -> None:
    """The block item (not there yet); what else it ends is the service's to add."""
    _save_new(tx, edge(BlockRow, blocker_id, blocked_id))


def lift_block(blocker_id: str, blocked_id: str) -> None:
    """Delete a block, if there is one."""
    edge_ref(BlockRow, blocker_id, blocked_id).delete()


def new_mute(muter_id: str, muted_id: str) -> None:
    """Save a mute (over one that is there, if any)."""
    edge(MuteRow, muter_id, muted_id).save()


def lift_mute(muter_id: str, muted_id: str) -> None:
    """Delete a mute, if there is one."""
    edge_ref(MuteRow, muter_id, muted_id).delete()


def add_close_friend(owner_id: str, friend_id: str) -> bool:
    """Put `friend_id` on the owner's list; False if they were on it already (the
    first `created_at` is kept)."""
    try:
        edge(CloseFriendRow, owner_id, friend_id).save(condition=EdgeRow.PK.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        return False
    return True


def remove_close_friend(owner_id: str, friend_id: str) -> None:
    """Take `friend_id` off the owner's list, if they are on it."""
    edge_ref(CloseFriendRow, owner_id, friend_id).delete()
