"""The social graph's rules, asked of the service directly (no HTTP) against the local
runtime's table: counts stay exact, a block ends what it must, and a write built
from a stale read is re-read and decided again rather than committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from photogram.errors import NotFound
from photogram.pagination import PageRequest
from photogram.social import repository as social_repo
from photogram.social import service
from photogram.users import repository as users_repo
from photogram.users import service as users
from photogram.users.models import ProfileIn
from tests.service.conftest import Person

Change = Callable[[], Any]


@pytest.fixture
def after_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int, Change], None]]:
    """`after_read(n, change)`: run `change` right after the service's n-th read of the
    relation state, so the write that follows is built from a read that is now stale."""
    real = social_repo.read_state
    plan: dict[int, Change] = {}
    reads = 0

    def read_state(viewer_id: str, target_id: str) -> social_repo.State:
        nonlocal reads
        state = real(viewer_id, target_id)
        reads += 1
        change = plan.pop(reads, None)
        if change is not None:
            monkeypatch.setattr(social_repo, "read_state", real)  # the change reads for real
            change()
            monkeypatch.setattr(social_repo, "read_state", read_state)
        return state

    monkeypatch.setattr(social_repo, "read_state", read_state)
    yield lambda n, change: plan.__setitem__(n, change)


def counts(user: Person) -> tuple[int, int]:
    """(followers, following) as stored on the profile."""
    profile = users_repo.get_profile(user.user_id)
    assert profile is not None
    return int(profile.follower_count), int(profile.following_count)


def between(viewer: Person, target: Person) -> social_repo.State:
    return social_repo.read_state(viewer.user_id, target.user_id)


def test_following_twice_counts_once(person):
    alice, bob = person("alice"), person("bob")
    service.follow(alice.user_id, bob.handle)

    service.follow(alice.user_id, bob.handle)

    assert (counts(bob), counts(alice)) == ((1, 0), (0, 1))


def test_following_a_private_account_asks_and_counts_nothing(person):
    alice, bob = person("alice"), person("bob", is_private=True)

    out = service.follow(alice.user_id, bob.handle)

    state = between(alice, bob)
    assert out.status == "requested" and state.viewer_requested and not state.viewer_follows
    assert (counts(bob), counts(alice)) == ((0, 0), (0, 0))


def test_approving_a_request_makes_a_follow_and_counts(person):
    alice, bob = person("alice"), person("bob", is_private=True)
    service.follow(alice.user_id, bob.handle)

    service.approve_request(bob.user_id, alice.handle)

    state = between(alice, bob)
    assert state.viewer_follows and not state.viewer_requested
    assert (counts(bob), counts(alice)) == ((1, 0), (0, 1))


def test_denying_a_request_leaves_no_request_and_no_follow(person):
    alice, bob = person("alice"), person("bob", is_private=True)
    service.follow(alice.user_id, bob.handle)

    service.deny_request(bob.user_id, alice.handle)

    state = between(alice, bob)
    assert not state.viewer_requested and not state.viewer_follows
    assert counts(bob) == (0, 0)


def test_removing_a_follower_takes_back_both_counts(person):
    alice, bob = person("alice"), person("bob")
    service.follow(alice.user_id, bob.handle)

    service.remove_follower(bob.user_id, alice.handle)

    assert not between(alice, bob).viewer_follows
    assert (counts(bob), counts(alice)) == ((0, 0), (0, 0))


def test_a_block_removes_both_follows_and_all_four_counts(person):
    alice, bob = person("alice"), person("bob")
    service.follow(alice.user_id, bob.handle)
    service.follow(bob.user_id, alice.handle)

    service.block(alice.user_id, bob.handle)

    state = between(alice, bob)
    assert state.viewer_blocks and not state.viewer_follows and not state.follows_viewer
    assert (counts(alice), counts(bob)) == ((0, 0), (0, 0))


def test_a_block_drops_pending_requests_both_ways(person):
    alice, bob = person("alice", is_private=True), person("bob", is_private=True)
    service.follow(alice.user_id, bob.handle)
    service.follow(bob.user_id, alice.handle)

    service.block(alice.user_id, bob.handle)

    state = between(alice, bob)
    assert not state.viewer_requested and not state.requested_viewer


def test_a_follow_racing_a_switch_to_private_becomes_a_request(person, after_read):
    alice, bob = person("alice"), person("bob")
    after_read(1, lambda: users.put_me(bob.user_id, ProfileIn(is_private=True)))

    out = service.follow(alice.user_id, bob.handle)

    assert out.status == "requested" and between(alice, bob).viewer_requested
    assert (counts(bob), counts(alice)) == ((0, 0), (0, 0))


def test_a_follow_cannot_commit_across_a_block_made_meanwhile(person, after_read):
    alice, bob = person("alice"), person("bob")
    after_read(1, lambda: service.block(bob.user_id, alice.handle))

    with pytest.raises(NotFound):
        service.follow(alice.user_id, bob.handle)

    assert not between(alice, bob).viewer_follows and counts(bob) == (0, 0)


def test_a_follow_made_while_blocking_is_removed_by_the_block(person, after_read):
    alice, bob = person("alice"), person("bob")
    # block() reads the state twice; the second read is the one it writes from.
    after_read(2, lambda: service.follow(bob.user_id, alice.handle))

    service.block(alice.user_id, bob.handle)

    assert not between(alice, bob).follows_viewer
    assert (counts(alice), counts(bob)) == ((0, 0), (0, 0))


def test_adding_a_close_friend_again_keeps_them_since_the_first_time(person):
    alice, bob = person("alice"), person("bob")
    service.add_close_friend(alice.user_id, bob.handle)
    [first] = service.list_close_friends(alice.user_id, PageRequest(limit=10)).items

    service.add_close_friend(alice.user_id, bob.handle)

    [again] = service.list_close_friends(alice.user_id, PageRequest(limit=10)).items
    assert (again.user.handle, again.since) == (bob.handle, first.since)
