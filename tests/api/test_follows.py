from concurrent.futures import ThreadPoolExecutor

from tests.support import error_code


def handles(page):
    return [item["user"]["handle"] for item in page["items"]]


def test_follow_a_public_account_updates_both_counts(make_user):
    alice, bob = make_user("alice"), make_user("bob")

    response = bob.post(f"/users/{alice.handle}/follow")

    assert response.json() == {"handle": alice.handle, "status": "following"}
    assert alice.me()["counts"]["followers"] == 1
    assert bob.me()["counts"]["following"] == 1


def test_following_twice_counts_once(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    bob.post(f"/users/{alice.handle}/follow")

    bob.post(f"/users/{alice.handle}/follow")

    assert alice.me()["counts"]["followers"] == 1


def test_unfollow_is_idempotent_and_counts_follow(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    bob.post(f"/users/{alice.handle}/follow")

    first = bob.delete(f"/users/{alice.handle}/follow")
    second = bob.delete(f"/users/{alice.handle}/follow")

    assert first.json()["status"] == second.json()["status"] == "none"
    assert alice.me()["counts"]["followers"] == 0
    assert bob.me()["counts"]["following"] == 0


def test_cannot_follow_yourself(make_user):
    alice = make_user("alice")

    response = alice.post(f"/users/{alice.handle}/follow")

    assert response.status_code == 400
    assert error_code(response) == "cannot_target_self"


def test_following_needs_a_profile_first(make_user, signed_in):
    alice = make_user("alice")

    response = signed_in("nobody").post(f"/users/{alice.handle}/follow")

    assert response.status_code == 403
    assert error_code(response) == "profile_required"


def test_followers_and_following_lists_are_newest_first(make_user):
    alice = make_user("alice")
    fans = [make_user(f"fan{i}") for i in range(3)]
    for fan in fans:
        fan.post(f"/users/{alice.handle}/follow")
    fans[0].post(f"/users/{fans[1].handle}/follow")

    followers = alice.get(f"/users/{alice.handle}/followers").json()
    following = alice.get(f"/users/{fans[0].handle}/following").json()

    assert handles(followers) == [f.handle for f in reversed(fans)]
    assert handles(following) == [fans[1].handle, alice.handle]


def test_lists_page_with_cursors_without_repeats_or_gaps(make_user):
    alice = make_user("alice")
    fans = [make_user(f"fan{i}") for i in range(5)]
    for fan in fans:
        fan.post(f"/users/{alice.handle}/follow")

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = alice.get(f"/users/{alice.handle}/followers", params=params).json()
        seen += handles(page)
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [f.handle for f in reversed(fans)]
    assert pages == 3


def test_50_concurrent_follows_count_exactly_50(make_user):
    star = make_user("star")
    fans = [make_user(f"fan{i}") for i in range(50)]

    with ThreadPoolExecutor(max_workers=25) as pool:
        responses = list(pool.map(lambda fan: fan.post(f"/users/{star.handle}/follow"), fans))

    assert [r.status_code for r in responses] == [200] * 50, [r.text for r in responses if not r.ok]
    assert star.me()["counts"]["followers"] == 50
    listed = star.get(f"/users/{star.handle}/followers", params={"limit": 100}).json()
    assert len(listed["items"]) == 50


def test_concurrent_follows_and_unfollows_keep_the_count_equal_to_the_list(make_user):
    star = make_user("star")
    fans = [make_user(f"fan{i}") for i in range(20)]
    for fan in fans[:10]:
        fan.post(f"/users/{star.handle}/follow")

    def churn(fan):
        # The first ten unfollow, the other ten follow, twice over, all at once.
        for _ in range(2):
            if fans.index(fan) < 10:
                fan.delete(f"/users/{star.handle}/follow")
            else:
                fan.post(f"/users/{star.handle}/follow")

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(churn, fans))

    listed = star.get(f"/users/{star.handle}/followers", params={"limit": 100}).json()
    assert star.me()["counts"]["followers"] == len(listed["items"]) == 10
