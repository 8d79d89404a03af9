"""Social-graph use cases: viewing profiles, follows, follow requests, blocks, mutes.

Every write reads the relation state first and commits one transaction whose
conditions restate what it read (`db.optimistic`), so counters stay exact and a
concurrent block, follow or privacy switch makes the loser re-read and decide
again instead of writing over it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from photogram import db, metrics
from photogram.errors import BadRequest, Forbidden, NotFound
from photogram.limits import service as limits
from photogram.pagination import PageRequest, cursors
from photogram.social import repository as repo
from photogram.social.models import (
    BlockOut,
    CloseFriendOut,
    FollowOut,
    FollowStatus,
    MuteOut,
    UserListItem,
    UserPage,
)
from photogram.social.repository import EdgeRow, State
from photogram.users import repository as users_repo
from photogram.users import service as users
from photogram.users.errors import profile_required, user_not_found
from photogram.users.models import Relationship, UserProfileOut
from photogram.users.repository import ProfileRow


def find_user(viewer_id: str, handle: str) -> tuple[ProfileRow, State]:
    """The user behind `handle` and the state between us. A user who blocked me, or
    whom I blocked, does not exist for me (404, so a block cannot be detected)."""
    user_id = users_repo.user_id_for(handle.lower())
    if user_id is None:
        raise user_not_found()
    state = repo.read_state(viewer_id, user_id)
    if state.target is None or (user_id != viewer_id and state.is_blocked):
        raise user_not_found()
    return state.target, state


def can_see(viewer_id: str, author: ProfileRow | None, state: State | None) -> bool:
    """The one rule for a user's posts, stories, highlights and lists: the owner sees
    everything; nobody sees across a block; a private account's are for approved
    followers."""
    if author is None:
        return False
    if author.user_id == viewer_id:
        return True
    if state is None or state.is_blocked:
        return False
    return not author.is_private or state.viewer_follows


def visible_among(
    viewer_id: str, author_ids: Iterable[str], found: dict[Any, Any] | None = None
) -> dict[str, ProfileRow]:
    """The authors among `author_ids` whose content the viewer may see (`can_see`, for
    a whole list), in one read; with `found`, from a read of `repo.visibility_keys`
    the caller already made together with its own items."""
    wanted = repo.visibility_keys(viewer_id, author_ids)
    if found is None:
        found = db.batch_get(wanted)
    states = repo.states_among(viewer_id, wanted, found)
    return {
        author: state.target
        for author, state in states.items()
        if state.target is not None and can_see(viewer_id, state.target, state)
    }


def find_visible_user(viewer_id: str, handle: str, what: str) -> tuple[ProfileRow, State]:
    """`find_user`, for reading what the user shows (`what`: "posts", "stories", ...).
    Raises NotFound(user_not_found), Forbidden(private_account)."""
    target, state = find_user(viewer_id, handle)
    if not can_see(viewer_id, target, state):
        raise Forbidden("private_account", f"This account is private: follow it to see its {what}.")
    return target, state


def _other(viewer_id: str, handle: str) -> tuple[ProfileRow, State]:
    target, state = find_user(viewer_id, handle)
    if target.user_id == viewer_id:
        raise BadRequest("cannot_target_self", "That is you.")
    if state.viewer is None:
        raise profile_required()
    return target, state


def _status(state: State) -> FollowStatus:
    if state.viewer_follows:
        return "following"
    return "requested" if state.viewer_requested else "none"


def relationship(viewer_id: str, target_id: str, state: State) -> Relationship:
    """How the viewer relates to a user, as profiles and search results show it."""
    return Relationship(
        is_self=target_id == viewer_id,
        is_following=state.viewer_follows,
        is_requested=state.viewer_requested,
        follows_you=state.follows_viewer,
        is_muted=state.viewer_mutes,
    )


def relations_among(viewer_id: str, user_ids: Iterable[str]) -> dict[str, State]:
    """The State with each of `user_ids` that exists for the viewer: users gone, and
    users blocked either way, are left out (to the viewer they do not exist)."""
    states = repo.relations_among(viewer_id, user_ids)
    return {
        user_id: state
        for user_id, state in states.items()
        if state.target is not None and (user_id == viewer_id or not state.is_blocked)
    }


def blocked_pairs(user_ids: Iterable[str], other_ids: Iterable[str]) -> set[frozenset[str]]:
    """The one rule for who may not reach whom in a shared space (a group conversation):
    each pair of one of `user_ids` and one of `other_ids` blocked either way, in one
    read. Such a pair do not see each other's messages and are not put in a new group
    together."""
    return repo.blocked_pairs(user_ids, other_ids)


def hears_from(state: State) -> bool:
    """The one rule for whose activity reaches a user (notifications), given the State
    `relations_among` read (which already leaves out users blocked either way): not
    someone the user muted."""
    return not state.viewer_mutes


def view_profile(viewer_id: str, handle: str) -> UserProfileOut:
    """A user's profile with counts and how I relate to them. Raises NotFound."""
    target, state = find_user(viewer_id, handle)
    base = users.to_out(target)
    return UserProfileOut(
        **base.model_dump(), relationship=relationship(viewer_id, target.user_id, state)
    )


# --- follows -------------------------------------------------------------------------


def follow(viewer_id: str, handle: str) -> FollowOut:
    """Follow a public account, or ask to follow a private one (idempotent). A new
    follow or request spends one use of my follow limit; a repeat spends none.

    Raises NotFound(user_not_found), BadRequest(cannot_target_self),
    Forbidden(profile_required), RateLimited(rate_limited).
    """

    def attempt() -> FollowStatus:
        target, state = _other(viewer_id, handle)
        if state.viewer_follows:
            return "following"
        if target.is_private:
            if not state.viewer_requested:
                limits.transact(
                    viewer_id, "follow", lambda tx: repo.new_request(tx, viewer_id, target.user_id)
                )
            return "requested"
        limits.transact(
            viewer_id,
            "follow",
            lambda tx: repo.new_follow(
                tx, viewer_id, target.user_id, had_requested=state.viewer_requested
            ),
        )
        metrics.count("Follows")
        return "following"

    return FollowOut(handle=handle.lower(), status=db.optimistic(attempt))


def _end_follow(follower_id: str, followee_id: str) -> None:
    """Delete a follow and its two counts in one transaction: an unfollow and a
    follower's removal are this same write, so the stream consumers (rings, feed)
    see the same REMOVE of the following edge either way."""
    db.transact(lambda tx: repo.end_follow(tx, follower_id, followee_id))


def unfollow(viewer_id: str, handle: str) -> FollowOut:
    """Stop following, or withdraw a pending request (idempotent). Raises NotFound."""

    def attempt() -> None:
        target, state = find_user(viewer_id, handle)
        if state.viewer_follows:
            _end_follow(viewer_id, target.user_id)
        elif state.viewer_requested:
            db.transact(lambda tx: repo.drop_request(tx, target.user_id, viewer_id))

    db.optimistic(attempt)
    return FollowOut(handle=handle.lower(), status="none")


def remove_follower(viewer_id: str, handle: str) -> None:
    """Make a user stop following me, without blocking them (idempotent: someone who
    does not follow me is left as they are). They may follow again, or ask to if I am
    private. Raises NotFound(user_not_found), BadRequest(cannot_target_self)."""

    def attempt() -> None:
        follower, state = _other(viewer_id, handle)
        if state.follows_viewer:
            _end_follow(follower.user_id, viewer_id)

    db.optimistic(attempt)


# --- follow requests -------------------------------------------------------------------


def _pending_request(viewer_id: str, handle: str) -> tuple[ProfileRow, State]:
    requester, state = _other(viewer_id, handle)
    if not state.requested_viewer:
        raise NotFound("request_not_found", "That user has not asked to follow you.")
    return requester, state


def approve_request(viewer_id: str, handle: str) -> FollowOut:
    """Let a user who asked follow me. Raises NotFound(request_not_found)."""

    def attempt() -> None:
        requester, _ = _pending_request(viewer_id, handle)
        db.transact(lambda tx: repo.approved_follow(tx, viewer_id, requester.user_id))
        # An approved request is a new follow, as a direct follow of a public account is.
        metrics.count("Follows")

    db.optimistic(attempt)
    return FollowOut(handle=handle.lower(), status="following")


def deny_request(viewer_id: str, handle: str) -> FollowOut:
    """Refuse a follow request. Raises NotFound(request_not_found)."""

    def attempt() -> None:
        requester, _ = _pending_request(viewer_id, handle)
        db.transact(lambda tx: repo.drop_request(tx, viewer_id, requester.user_id))

    db.optimistic(attempt)
    return FollowOut(handle=handle.lower(), status="none")


# --- blocks and mutes ------------------------------------------------------------------


def block(viewer_id: str, handle: str) -> BlockOut:
    """Block a user: follows both ways and pending requests go, and each of us stops
    existing for the other. Idempotent. Raises NotFound, BadRequest(cannot_target_self)."""

    def attempt() -> None:
        other = users_repo.user_id_for(handle.lower())
        state = repo.read_state(viewer_id, other) if other else None
        if state is not None and state.viewer_blocks:
            return  # already blocked: the target is hidden from me, but the call is harmless
        target, state = _other(viewer_id, handle)
        other = target.user_id
        counts: dict[str, dict[str, int]] = {viewer_id: {}, other: {}}

        def write(tx: db.TransactWrite) -> None:
            repo.new_block(tx, viewer_id, other)
            for follower, followee, follows in (
                (viewer_id, other, state.viewer_follows),
                (other, viewer_id, state.follows_viewer),
            ):
                if follows:
                    repo.delete_follow(tx, follower, followee)
                    counts[follower]["following"] = -1
                    counts[followee]["followers"] = -1
                else:
                    repo.expect_no_follow(tx, follower, followee)
            for asked, asker, pending in (
                (other, viewer_id, state.viewer_requested),
                (viewer_id, other, state.requested_viewer),
            ):
                if pending:
                    repo.drop_request(tx, asked, asker)
                else:
                    repo.expect_no_request(tx, asked, asker)
            for user_id, change in counts.items():
                repo.add_count(tx, user_id, **change)

        db.transact(write)

    db.optimistic(attempt)
    return BlockOut(handle=handle.lower(), is_blocked=True)


def unblock(viewer_id: str, handle: str) -> BlockOut:
    """Lift my block (idempotent); follows removed by the block do not come back."""
    blocked_id = users_repo.user_id_for(handle.lower())
    if blocked_id is None:
        raise user_not_found()
    repo.lift_block(viewer_id, blocked_id)
    return BlockOut(handle=handle.lower(), is_blocked=False)


def mute(viewer_id: str, handle: str) -> MuteOut:
    """Hide a user's content from my feed without unfollowing (idempotent)."""
    target, state = _other(viewer_id, handle)
    if not state.viewer_mutes:
        repo.new_mute(viewer_id, target.user_id)
    return MuteOut(handle=handle.lower(), is_muted=True)


def unmute(viewer_id: str, handle: str) -> MuteOut:
    """Stop muting a user (idempotent). Raises NotFound."""
    target, _ = find_user(viewer_id, handle)
    repo.lift_mute(viewer_id, target.user_id)
    return MuteOut(handle=handle.lower(), is_muted=False)


# --- close friends ---------------------------------------------------------------------


def add_close_friend(viewer_id: str, handle: str) -> CloseFriendOut:
    """Put a user on my close-friends list, who then sees my close-friends stories if
    they follow me (idempotent). The list is mine alone to see.
    Raises NotFound, BadRequest(cannot_target_self), Forbidden(profile_required)."""
    target, _ = _other(viewer_id, handle)
    repo.add_close_friend(viewer_id, target.user_id)
    return CloseFriendOut(handle=target.handle, is_close_friend=True)


def remove_close_friend(viewer_id: str, handle: str) -> CloseFriendOut:
    """Take a user off my close-friends list (idempotent), even one who blocked me
    since. Raises NotFound."""
    friend_id = users_repo.user_id_for(handle.lower())
    if friend_id is None:
        raise user_not_found()
    repo.remove_close_friend(viewer_id, friend_id)
    return CloseFriendOut(handle=handle.lower(), is_close_friend=False)


def list_close_friends(viewer_id: str, page: PageRequest) -> UserPage:
    """My close friends, newest first."""
    return _page("CLOSE_FRIENDS", viewer_id, viewer_id, page)


# --- lists -----------------------------------------------------------------------------


def _page(list_name: str, owner_id: str, viewer_id: str, page: PageRequest) -> UserPage:
    """One page of `owner_id`'s list, as `viewer_id` may see it: users blocked either
    way between the viewer and them are left out."""
    scope = f"{list_name}:{owner_id}:{viewer_id}"
    start = cursors().open(page.cursor, scope)
    found, position = db.query_page(
        repo.keys.list_pk(list_name, owner_id), page.limit, start, on_index=True
    )
    rows = [r for r in found if isinstance(r, EdgeRow)]
    other_ids = [r.other_id for r in rows]
    profiles = users_repo.get_profiles(other_ids)
    hidden = repo.blocked_between(viewer_id, other_ids) if list_name not in ("BLOCKS",) else set()
    items = [
        UserListItem(user=users.to_summary(profiles[r.other_id]), since=r.created_at)
        for r in rows
        if r.other_id in profiles and r.other_id not in hidden
    ]
    return UserPage(items=items, next_cursor=cursors().seal(position, scope))


def _visible_list(viewer_id: str, handle: str, list_name: str, page: PageRequest) -> UserPage:
    target, _ = find_visible_user(viewer_id, handle, "lists")
    return _page(list_name, target.user_id, viewer_id, page)


def list_followers(viewer_id: str, handle: str, page: PageRequest) -> UserPage:
    """A user's followers, newest first. Raises NotFound, Forbidden(private_account)."""
    return _visible_list(viewer_id, handle, "FOLLOWERS", page)


def list_following(viewer_id: str, handle: str, page: PageRequest) -> UserPage:
    """Who a user follows, newest first. Raises NotFound, Forbidden(private_account)."""
    return _visible_list(viewer_id, handle, "FOLLOWING", page)


def list_requests(viewer_id: str, page: PageRequest) -> UserPage:
    """Who asked to follow me, newest first."""
    return _page("REQUESTS", viewer_id, viewer_id, page)


def list_blocks(viewer_id: str, page: PageRequest) -> UserPage:
    """Whom I blocked, newest first."""
    return _page("BLOCKS", viewer_id, viewer_id, page)


def list_mutes(viewer_id: str, page: PageRequest) -> UserPage:
    """Whom I muted, newest first."""
    return _page("MUTES", viewer_id, viewer_id, page)
