import pytest

from tests.api.test_feed import publish, scroll, wait_for_timeline
from tests.api.test_stories import post_story, ring_of
from tests.support import error_code, eventually


def test_following_a_private_account_makes_a_request(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")

    response = bob.post(f"/users/{carol.handle}/follow")

    assert response.json()["status"] == "requested"
    assert carol.me()["counts"]["followers"] == 0
    requests_page = carol.get("/me/follow-requests").json()
    assert [i["user"]["handle"] for i in requests_page["items"]] == [bob.handle]


def test_approving_a_request_makes_a_follow(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")
    bob.post(f"/users/{carol.handle}/follow")

    response = carol.post(f"/me/follow-requests/{bob.handle}/approve")

    assert response.json()["status"] == "following"
    assert carol.me()["counts"]["followers"] == 1
    assert bob.get(f"/users/{carol.handle}").json()["relationship"]["is_following"] is True
    assert carol.get("/me/follow-requests").json()["items"] == []


def test_denying_a_request_leaves_no_follow(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")
    bob.post(f"/users/{carol.handle}/follow")

    carol.post(f"/me/follow-requests/{bob.handle}/deny")

    relationship = bob.get(f"/users/{carol.handle}").json()["relationship"]
    assert (relationship["is_following"], relationship["is_requested"]) == (False, False)


def test_approving_a_request_that_was_never_made_is_404(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")

    response = carol.post(f"/me/follow-requests/{bob.handle}/approve")

    assert response.status_code == 404
    assert error_code(response) == "request_not_found"


def test_unfollow_withdraws_a_pending_request(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")
    bob.post(f"/users/{carol.handle}/follow")

    bob.delete(f"/users/{carol.handle}/follow")

    assert carol.get("/me/follow-requests").json()["items"] == []


def test_a_private_accounts_lists_are_hidden_from_strangers(make_user):
    carol, stranger = make_user("carol", is_private=True), make_user("stranger")

    for path in (f"/users/{carol.handle}/followers", f"/users/{carol.handle}/following"):
        response = stranger.get(path)
        assert response.status_code == 403
        assert error_code(response) == "private_account"


def test_a_private_accounts_lists_are_visible_to_approved_followers_and_itself(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")
    bob.post(f"/users/{carol.handle}/follow")
    carol.post(f"/me/follow-requests/{bob.handle}/approve")

    assert bob.get(f"/users/{carol.handle}/followers").status_code == 200
    assert carol.get(f"/users/{carol.handle}/followers").status_code == 200


def test_a_pending_request_does_not_open_the_lists(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")
    bob.post(f"/users/{carol.handle}/follow")

    assert bob.get(f"/users/{carol.handle}/followers").status_code == 403


def test_follow_requests_are_mine_alone(make_user):
    carol, bob, mallory = (
        make_user("carol", is_private=True),
        make_user("bob"),
        make_user("mallory"),
    )
    bob.post(f"/users/{carol.handle}/follow")

    assert mallory.get("/me/follow-requests").json()["items"] == []
    assert mallory.post(f"/me/follow-requests/{bob.handle}/approve").status_code == 404
    assert carol.me()["counts"]["followers"] == 0


def test_a_request_made_while_private_becomes_a_follow_after_going_public(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")
    bob.post(f"/users/{carol.handle}/follow")
    carol.put("/me", json={"is_private": False})

    response = bob.post(f"/users/{carol.handle}/follow")

    assert response.json()["status"] == "following"
    assert carol.get("/me/follow-requests").json()["items"] == []
    assert carol.me()["counts"]["followers"] == 1


# --- removing a follower (DELETE /me/followers/{handle}) -------------------------------


@pytest.fixture
def carol_followed_by_bob(make_user):
    carol, bob = make_user("carol", is_private=True), make_user("bob")
    bob.post(f"/users/{carol.handle}/follow")
    assert carol.post(f"/me/follow-requests/{bob.handle}/approve").status_code == 200
    return carol, bob


def test_removing_a_follower_ends_their_follow_and_both_counts(carol_followed_by_bob):
    carol, bob = carol_followed_by_bob

    response = carol.delete(f"/me/followers/{bob.handle}")

    assert response.status_code == 204
    assert carol.me()["counts"]["followers"] == 0
    assert bob.me()["counts"]["following"] == 0
    assert carol.get(f"/users/{carol.handle}/followers").json()["items"] == []
    relationship = bob.get(f"/users/{carol.handle}").json()["relationship"]
    assert (relationship["is_following"], relationship["is_requested"]) == (False, False)
    assert error_code(bob.get(f"/users/{carol.handle}/posts")) == "private_account"


def test_removing_a_follower_twice_or_a_non_follower_is_harmless(carol_followed_by_bob, make_user):
    carol, bob = carol_followed_by_bob
    carol.delete(f"/me/followers/{bob.handle}")

    again = carol.delete(f"/me/followers/{bob.handle}")
    stranger = carol.delete(f"/me/followers/{make_user('stranger').handle}")

    assert (again.status_code, stranger.status_code) == (204, 204)
    assert carol.me()["counts"]["followers"] == 0
    assert bob.me()["counts"]["following"] == 0


def test_removing_leaves_my_own_follow_of_them(carol_followed_by_bob):
    carol, bob = carol_followed_by_bob
    carol.post(f"/users/{bob.handle}/follow")

    carol.delete(f"/me/followers/{bob.handle}")

    assert carol.get(f"/users/{bob.handle}").json()["relationship"]["is_following"] is True
    assert carol.me()["counts"]["following"] == 1


def test_removing_an_unknown_user_or_myself_is_refused(make_user):
    carol = make_user("carol", is_private=True)

    unknown = carol.delete("/me/followers/nobody_at_all_here")
    myself = carol.delete(f"/me/followers/{carol.handle}")

    assert (unknown.status_code, error_code(unknown)) == (404, "user_not_found")
    assert (myself.status_code, error_code(myself)) == (400, "cannot_target_self")


def test_a_removed_follower_must_ask_again(carol_followed_by_bob):
    carol, bob = carol_followed_by_bob
    carol.delete(f"/me/followers/{bob.handle}")

    response = bob.post(f"/users/{carol.handle}/follow")

    assert response.json()["status"] == "requested"
    assert carol.me()["counts"]["followers"] == 0


def test_a_removed_follower_loses_my_private_posts_and_stories(runtime, carol_followed_by_bob):
    carol, bob = carol_followed_by_bob
    post_id = publish(carol)
    post_story(carol)
    wait_for_timeline(runtime, bob.user_id, [post_id])
    assert post_id in scroll(bob)[0]
    assert eventually(lambda: ring_of(bob, carol.handle))

    carol.delete(f"/me/followers/{bob.handle}")

    assert post_id not in scroll(bob)[0]
    assert eventually(lambda: ring_of(bob, carol.handle) is None)
    assert error_code(bob.get(f"/users/{carol.handle}/stories")) == "private_account"
    assert error_code(bob.get(f"/posts/{post_id}")) == "post_not_found"
