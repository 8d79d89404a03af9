"""Highlights keep chosen stories on a profile past their 24 hours: only live stories
of mine go in, only I may change them, and everyone else sees them as they may see
my profile (close-friends stories for close friends only)."""

import json
import time
from datetime import timedelta

import pytest

from photogram import changes, clock
from photogram.media import repository as media_repo
from photogram.stories import consumers
from photogram.stories import repository as stories_repo
from tests.api.test_stories import post_story
from tests.support import error_code, must_exist


@pytest.fixture
def owner_with_stories(make_user):
    owner = make_user("owner")
    return owner, [post_story(owner) for _ in range(3)]


def ids(highlight):
    return [s["story_id"] for s in highlight["stories"]]


def test_a_highlight_keeps_stories_in_the_order_given(owner_with_stories, make_user):
    owner, stories = owner_with_stories
    visitor = make_user("visitor")
    chosen = [stories[2]["story_id"], stories[0]["story_id"]]

    created = owner.post("/highlights", json={"title": "Best", "story_ids": chosen})

    assert created.status_code == 201 and ids(created.json()) == chosen
    listed = visitor.get(f"/users/{owner.handle}/highlights").json()["items"]
    assert [h["title"] for h in listed] == ["Best"] and ids(listed[0]) == chosen
    assert listed[0]["stories"][0]["media"]["variants"]["small"]["url"].startswith("http")


def test_highlights_outlive_their_stories(owner_with_stories, make_user):
    owner, stories = owner_with_stories
    owner.post("/highlights", json={"title": "Kept", "story_ids": [stories[0]["story_id"]]})

    with clock.FrozenClock(clock.now() + timedelta(days=3)):
        listed = make_user("later").get(f"/users/{owner.handle}/highlights").json()["items"]

    assert ids(listed[0]) == [stories[0]["story_id"]]


def test_expired_or_foreign_stories_cannot_be_added(owner_with_stories, make_user):
    owner, stories = owner_with_stories
    other = make_user("other")
    foreign = post_story(other)

    refused = owner.post("/highlights", json={"title": "x", "story_ids": [foreign["story_id"]]})
    with clock.FrozenClock(clock.now() + timedelta(hours=25)):
        expired = owner.post(
            "/highlights", json={"title": "x", "story_ids": [stories[0]["story_id"]]}
        )

    assert refused.status_code == 404 and error_code(refused) == "story_not_found"
    assert expired.status_code == 404 and error_code(expired) == "story_not_found"


def test_edit_renames_reorders_adds_and_drops(owner_with_stories):
    owner, stories = owner_with_stories
    a, b, c = (s["story_id"] for s in stories)
    highlight = owner.post("/highlights", json={"title": "Old", "story_ids": [a, b]}).json()

    edited = owner.patch(
        f"/highlights/{highlight['highlight_id']}", json={"title": "New", "story_ids": [c, a]}
    )

    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "New" and ids(edited.json()) == [c, a]


def test_kept_stories_stay_in_an_edit_after_they_expired(owner_with_stories):
    owner, stories = owner_with_stories
    a, b, _ = (s["story_id"] for s in stories)
    highlight = owner.post("/highlights", json={"title": "T", "story_ids": [a, b]}).json()

    with clock.FrozenClock(clock.now() + timedelta(days=2)):
        edited = owner.patch(f"/highlights/{highlight['highlight_id']}", json={"story_ids": [b]})

    assert edited.status_code == 200 and ids(edited.json()) == [b]


@pytest.mark.parametrize(
    "body", [{}, {"title": ""}, {"story_ids": []}, {"story_ids": ["a", "a"]}, {"title": "x" * 41}]
)
def test_bad_edits_are_refused(owner_with_stories, body):
    owner, stories = owner_with_stories
    highlight = owner.post(
        "/highlights", json={"title": "T", "story_ids": [stories[0]["story_id"]]}
    ).json()

    response = owner.patch(f"/highlights/{highlight['highlight_id']}", json=body)

    assert response.status_code == 422 and error_code(response) == "invalid_request"


def test_only_the_owner_may_change_or_delete(owner_with_stories, make_user):
    owner, stories = owner_with_stories
    other = make_user("other")
    highlight = owner.post(
        "/highlights", json={"title": "T", "story_ids": [stories[0]["story_id"]]}
    ).json()
    path = f"/highlights/{highlight['highlight_id']}"

    assert error_code(other.patch(path, json={"title": "Mine"})) == "not_your_highlight"
    assert error_code(other.delete(path)) == "not_your_highlight"
    assert owner.delete(path).status_code == 204
    assert owner.delete(path).status_code == 404
    assert owner.get(f"/users/{owner.handle}/highlights").json()["items"] == []


def _highlight_path(owner, story):
    response = owner.post("/highlights", json={"title": "T", "story_ids": [story["story_id"]]})
    assert response.status_code == 201, response.text
    return f"/highlights/{response.json()['highlight_id']}"


def _refusals(client, path):
    answers = [client.patch(path, json={"title": "Mine"}), client.delete(path)]
    return [(r.status_code, error_code(r)) for r in answers]


NOT_FOUND = [(404, "highlight_not_found")] * 2
NOT_YOURS = [(403, "not_your_highlight")] * 2


def test_a_private_accounts_highlight_is_not_found_by_strangers(make_user):
    owner, stranger = make_user("owner", is_private=True), make_user("stranger")
    path = _highlight_path(owner, post_story(owner))

    assert _refusals(stranger, path) == NOT_FOUND


@pytest.mark.parametrize("who_blocks", ["owner", "other"])
def test_a_highlight_is_not_found_across_a_block(make_user, who_blocks):
    owner, other = make_user("owner"), make_user("other")
    path = _highlight_path(owner, post_story(owner))
    blocker, blocked = (owner, other) if who_blocks == "owner" else (other, owner)
    blocker.post(f"/users/{blocked.handle}/block")

    assert _refusals(other, path) == NOT_FOUND


def test_a_close_friends_highlight_is_found_by_close_friends_only(make_user):
    owner, friend, follower = make_user("owner"), make_user("friend"), make_user("follower")
    for user in (friend, follower):
        user.post(f"/users/{owner.handle}/follow")
    owner.put(f"/me/close-friends/{friend.handle}")
    path = _highlight_path(owner, post_story(owner, audience="close_friends"))

    assert _refusals(follower, path) == NOT_FOUND
    assert _refusals(friend, path) == NOT_YOURS
    assert owner.patch(path, json={"title": "Still mine"}).status_code == 200


def test_private_highlights_are_for_followers(make_user):
    owner, stranger = make_user("owner", is_private=True), make_user("stranger")
    story = post_story(owner)
    owner.post("/highlights", json={"title": "T", "story_ids": [story["story_id"]]})

    response = stranger.get(f"/users/{owner.handle}/highlights")

    assert response.status_code == 403 and error_code(response) == "private_account"


def test_close_friends_stories_in_highlights_are_for_close_friends(make_user):
    owner, friend, follower = make_user("owner"), make_user("friend"), make_user("follower")
    for user in (friend, follower):
        user.post(f"/users/{owner.handle}/follow")
    owner.put(f"/me/close-friends/{friend.handle}")
    public, close = post_story(owner), post_story(owner, audience="close_friends")
    owner.post(
        "/highlights", json={"title": "T", "story_ids": [public["story_id"], close["story_id"]]}
    )

    seen_by_friend = friend.get(f"/users/{owner.handle}/highlights").json()["items"][0]
    seen_by_follower = follower.get(f"/users/{owner.handle}/highlights").json()["items"][0]

    assert ids(seen_by_friend) == [public["story_id"], close["story_id"]]
    assert ids(seen_by_follower) == [public["story_id"]]


def _image(row):
    """A highlight item as its stream record carries it (JSON attributes as text)."""
    return {
        "highlight_id": row.highlight_id,
        "type": "highlight",
        "stories": json.dumps(row.stories),
    }


def test_a_late_release_spares_a_story_put_back_since(runtime, make_user):
    owner = make_user("owner")
    a, b = post_story(owner), post_story(owner)
    created = owner.post(
        "/highlights", json={"title": "T", "story_ids": [a["story_id"], b["story_id"]]}
    )
    highlight_id = created.json()["highlight_id"]
    b_media = must_exist(stories_repo.get_story(b["story_id"])).media_id
    both = _image(stories_repo.get_highlight(highlight_id))
    owner.patch(f"/highlights/{highlight_id}", json={"story_ids": [a["story_id"]]})
    dropped = _image(stories_repo.get_highlight(highlight_id))
    owner.patch(f"/highlights/{highlight_id}", json={"story_ids": [a["story_id"], b["story_id"]]})

    # The drop's change delivered (again) after b was put back.
    consumers.on_highlight(changes.Change("MODIFY", "highlight", new=dropped, old=both))

    assert "highlight:" + highlight_id in (must_exist(media_repo.get(b_media)).holders or set())
    with clock.FrozenClock(clock.now() + timedelta(hours=25)):
        runtime.ttl.sweep()
        time.sleep(1)
        assert media_repo.get(b_media) is not None


def test_ids_no_key_could_hold_are_not_found(make_user):
    user = make_user("user")
    huge = "x" * 3000

    for method, path in [
        ("post", f"/stories/{huge}/view"),
        ("delete", f"/stories/{huge}"),
        ("get", f"/stories/{huge}/viewers"),
        ("delete", f"/highlights/{huge}"),
        ("get", f"/users/{huge}/stories"),
        ("put", f"/me/close-friends/{huge}"),
    ]:
        response = getattr(user, method)(path)
        assert response.status_code == 404, (method, path, response.text)
