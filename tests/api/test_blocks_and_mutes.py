import pytest

from tests.support import error_code

# Every route through which one user could learn something about another.
READS = ["/users/{h}", "/users/{h}/followers", "/users/{h}/following"]
WRITES = [("POST", "/users/{h}/follow"), ("POST", "/users/{h}/mute"), ("DELETE", "/users/{h}/mute")]


@pytest.fixture
def blocked_pair(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    alice.post(f"/users/{bob.handle}/follow")
    bob.post(f"/users/{alice.handle}/follow")
    assert alice.post(f"/users/{bob.handle}/block").status_code == 200
    return alice, bob


def test_block_removes_follows_both_ways_and_their_counts(blocked_pair):
    alice, bob = blocked_pair

    assert alice.me()["counts"] == {"followers": 0, "following": 0, "posts": 0}
    assert bob.me()["counts"] == {"followers": 0, "following": 0, "posts": 0}


def test_block_removes_pending_requests_both_ways(make_user):
    alice, carol = make_user("alice"), make_user("carol", is_private=True)
    alice.post(f"/users/{carol.handle}/follow")

    carol.post(f"/users/{alice.handle}/block")

    assert carol.get("/me/follow-requests").json()["items"] == []


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("who", ["blocker", "blocked"])
def test_blocked_users_do_not_exist_for_each_other(blocked_pair, path, who):
    alice, bob = blocked_pair
    viewer, other = (alice, bob) if who == "blocker" else (bob, alice)

    response = viewer.get(path.format(h=other.handle))

    assert response.status_code == 404
    assert error_code(response) == "user_not_found"


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_the_blocked_user_cannot_act_on_the_blocker(blocked_pair, method, path):
    alice, bob = blocked_pair

    response = bob.request(method, path.format(h=alice.handle))

    assert response.status_code == 404
    assert alice.me()["counts"]["followers"] == 0


def test_blocked_users_are_left_out_of_third_party_lists(blocked_pair, make_user):
    alice, bob = blocked_pair
    carol = make_user("carol")
    alice.post(f"/users/{carol.handle}/follow")
    bob.post(f"/users/{carol.handle}/follow")

    as_bob = bob.get(f"/users/{carol.handle}/followers").json()
    as_carol = carol.get(f"/users/{carol.handle}/followers").json()

    assert [i["user"]["handle"] for i in as_bob["items"]] == [bob.handle]
    assert {i["user"]["handle"] for i in as_carol["items"]} == {alice.handle, bob.handle}


def test_unblock_lets_them_see_each_other_but_does_not_restore_follows(blocked_pair):
    alice, bob = blocked_pair

    assert alice.delete(f"/users/{bob.handle}/block").json() == {
        "handle": bob.handle,
        "is_blocked": False,
    }

    body = bob.get(f"/users/{alice.handle}").json()
    assert body["relationship"]["is_following"] is False


def test_my_block_list_is_mine(blocked_pair):
    alice, bob = blocked_pair

    assert [i["user"]["handle"] for i in alice.get("/me/blocks").json()["items"]] == [bob.handle]
    assert bob.get("/me/blocks").json()["items"] == []


def test_blocking_twice_is_harmless(blocked_pair):
    alice, bob = blocked_pair

    assert alice.post(f"/users/{bob.handle}/block").status_code == 200
    assert len(alice.get("/me/blocks").json()["items"]) == 1


def test_mute_keeps_the_follow_and_shows_in_the_relationship(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    alice.post(f"/users/{bob.handle}/follow")

    alice.post(f"/users/{bob.handle}/mute")

    relationship = alice.get(f"/users/{bob.handle}").json()["relationship"]
    assert (relationship["is_following"], relationship["is_muted"]) == (True, True)
    assert [i["user"]["handle"] for i in alice.get("/me/mutes").json()["items"]] == [bob.handle]
    assert bob.get(f"/users/{alice.handle}").json()["relationship"]["follows_you"] is True


def test_unmute(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    alice.post(f"/users/{bob.handle}/mute")

    alice.delete(f"/users/{bob.handle}/mute")

    assert alice.get(f"/users/{bob.handle}").json()["relationship"]["is_muted"] is False
    assert alice.get("/me/mutes").json()["items"] == []


def test_a_mute_is_invisible_to_the_muted_user(make_user):
    alice, bob = make_user("alice"), make_user("bob")

    alice.post(f"/users/{bob.handle}/mute")

    assert bob.get(f"/users/{alice.handle}").status_code == 200
    assert bob.get(f"/users/{alice.handle}").json()["relationship"]["is_muted"] is False
