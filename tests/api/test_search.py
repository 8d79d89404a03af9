"""Search through the API, against the local engine (osmem-server, or the SQLite index
where osmem has no build), indexed from the table stream. Each test names its users
with a stem of its own, so results from other tests never match its queries."""

import uuid

import pytest

from photogram.search import indexer
from tests.support import error_code, eventually, publish


@pytest.fixture
def stem():
    return "s" + uuid.uuid4().hex[:7]


@pytest.fixture
def person(make_user):
    def make(handle, name="", *, is_private=False):
        return make_user(handle, handle=handle, display_name=name, is_private=is_private)

    return make


def handles(client, q, **params):
    response = client.get("/search/users", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [card["handle"] for card in response.json()["items"]]


def test_the_exact_handle_comes_first_then_the_rest_by_followers(person, stem):
    # Mastodon PR #26623: a name match ranked above the exact handle.
    exact = person(f"{stem}ali")
    popular = person(f"{stem}alice", f"{stem}ali {stem}ali")
    fan = person(f"{stem}fan")
    viewer = person(f"{stem}zz")
    assert fan.post(f"/users/{popular.handle}/follow").status_code == 200
    by_followers = [popular.handle, exact.handle, fan.handle, viewer.handle]

    assert eventually(lambda: handles(viewer, stem) == by_followers)
    assert handles(viewer, exact.handle) == [exact.handle, popular.handle]
    assert handles(viewer, exact.handle.upper()) == [exact.handle, popular.handle]


@pytest.mark.parametrize("typed", ["{s} bob jones", "{s}bobjones", "{s}_bob_jones", "{S}.Bob-J"])
def test_separators_and_case_in_a_handle_are_optional(person, stem, typed):
    # Pixelfed #784, Bluesky social-app #7511.
    bob = person(f"{stem}_bob_jones")

    assert eventually(lambda: bob.handle in handles(bob, typed.format(s=stem, S=stem.upper())))


def test_a_partial_last_name_finds_the_person(person, stem):
    # elk #635.
    bob = person("x" + uuid.uuid4().hex[:10], f"Bob {stem}jones")

    assert eventually(lambda: bob.handle in handles(bob, f"{stem}jo"))
    assert eventually(lambda: bob.handle in handles(bob, f"bob {stem}j"))


def test_accents_and_one_typo(person, stem):
    zoe = person("x" + uuid.uuid4().hex[:10], f"Zoë {stem}ørsted")

    assert eventually(lambda: zoe.handle in handles(zoe, f"zoe {stem}orsted"))
    # One typo from four characters on: the stem with two letters swapped.
    typo = stem[0] + stem[2] + stem[1] + stem[3:]
    assert eventually(lambda: zoe.handle in handles(zoe, f"{typo}orsted"))


def test_people_i_follow_then_people_they_follow_come_before_strangers(person, stem):
    viewer = person(f"{stem}viewer")
    stranger = person(f"{stem}_a_stranger")
    friend_of_friend = person(f"{stem}_b_fof")
    followed = person(f"{stem}_c_followed")
    # The stranger has the most followers; the viewer follows `followed`, who follows
    # `friend_of_friend`.
    for fan in (person(f"{stem}fan1"), person(f"{stem}fan2")):
        fan.post(f"/users/{stranger.handle}/follow")
    viewer.post(f"/users/{followed.handle}/follow")
    followed.post(f"/users/{friend_of_friend.handle}/follow")
    wanted = [followed.handle, friend_of_friend.handle, stranger.handle]

    def ranked():
        found = handles(viewer, f"{stem}_")
        return found if found[:3] == wanted else None

    assert eventually(ranked) is not None


def test_results_are_profile_cards_with_my_relationship(person, stem):
    viewer = person(f"{stem}me")
    other = person(f"{stem}other", "Other One", is_private=True)
    viewer.post(f"/users/{other.handle}/follow")  # a request: the account is private

    def card():
        items = viewer.get("/search/users", params={"q": other.handle}).json()["items"]
        return items[0] if items and items[0]["handle"] == other.handle else None

    found = eventually(card)
    assert found["display_name"] == "Other One"
    assert found["is_private"] is True  # private accounts are found, as profiles
    assert found["follower_count"] == 0
    assert found["relationship"]["is_requested"] is True
    assert found["relationship"]["is_following"] is False


def test_blocked_users_never_appear_either_way_from_the_moment_of_the_block(person, stem):
    viewer = person(f"{stem}viewer")
    blocker = person(f"{stem}blocker")
    assert eventually(lambda: blocker.handle in handles(viewer, stem))

    assert blocker.post(f"/users/{viewer.handle}/block").status_code == 200

    assert blocker.handle not in handles(viewer, stem)
    assert viewer.handle not in handles(blocker, stem)
    assert handles(viewer, blocker.handle) == [] or blocker.handle not in handles(
        viewer, blocker.handle
    )


def test_a_changed_handle_is_found_by_the_new_one_only(person, stem):
    user = person(f"{stem}old")
    assert eventually(lambda: user.handle in handles(user, f"{stem}old"))

    assert user.put("/me", json={"handle": f"{stem}new"}).status_code == 200

    assert eventually(lambda: handles(user, f"{stem}new") == [f"{stem}new"])
    assert eventually(lambda: handles(user, f"{stem}old") == [])


def test_a_re_delivered_old_change_does_not_bring_back_the_old_handle(runtime, person, stem):
    from photogram.changes import Change

    user = person(f"{stem}first")
    old_image = {"type": "profile", "user_id": user.user_id, "handle": user.handle, "revision": 1}
    assert user.put("/me", json={"handle": f"{stem}second"}).status_code == 200
    assert eventually(lambda: handles(user, f"{stem}second") == [f"{stem}second"])

    # The first version of the profile, delivered again after the change (a retried
    # batch), and a removal that arrives before an insert (reordered).
    indexer.index_changes([Change("INSERT", "profile", old_image, None)])

    assert handles(user, f"{stem}first") == []
    assert handles(user, f"{stem}second") == [f"{stem}second"]


def test_a_deleted_account_leaves_the_results(runtime, person, stem):
    from photogram.users.repository import get_profile

    user = person(f"{stem}gone")
    viewer = person(f"{stem}viewer")
    assert eventually(lambda: user.handle in handles(viewer, stem))

    profile = get_profile(user.user_id)
    assert profile is not None
    profile.delete()

    assert user.handle not in handles(viewer, stem)  # at once: the table decides
    assert runtime.streams.wait_idle()
    from photogram.adapters.search import search_index

    assert user.user_id not in [h.doc_id for h in search_index().users(user.handle, [], 10)]


def tags(client, q):
    response = client.get("/search/hashtags", params={"q": q})
    assert response.status_code == 200, response.text
    return [(t["tag"], t["post_count"]) for t in response.json()["items"]]


def test_hashtags_by_prefix_with_counts_that_follow_posts_and_deletes(person, stem):
    user = person(f"{stem}tagger")
    publish(user, f"one #{stem}cats")
    second = publish(user, f"two #{stem}cats #{stem}cat")

    assert eventually(lambda: tags(user, f"#{stem}cat") == [(f"{stem}cat", 1), (f"{stem}cats", 2)])

    assert user.delete(f"/posts/{second}").status_code == 204
    assert eventually(lambda: tags(user, f"{stem}ca") == [(f"{stem}cats", 1)])


def test_a_re_delivered_batch_does_not_count_a_tag_twice(runtime, person, stem):
    from photogram.changes import Change
    from photogram.posts import hashtags

    user = person(f"{stem}tagger")
    publish(user, f"#{stem}once")
    assert eventually(lambda: tags(user, stem) == [(f"{stem}once", 1)])
    image = {"PK": f"TAG#{stem}once", "SK": "2026-12-01T00:00:00.000Z#p1", "type": "hashtag_post"}

    # The same INSERT again, as a retried batch delivers it: its sequence number is
    # not newer than what the stats item has applied.
    hashtags.count_uses([Change("INSERT", "hashtag_post", image, None, sequence="0" * 40)])

    assert runtime.streams.wait_idle()
    assert tags(user, stem) == [(f"{stem}once", 1)]


def test_hashtag_search_needs_tags_before_it_finds_any(person, stem):
    user = person(f"{stem}tagger")

    response = user.get("/search/hashtags", params={"q": stem})

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_the_search_box_shows_the_top_of_each_kind(person, stem):
    user = person(f"{stem}box")

    def top():
        body = user.get("/search", params={"q": stem}).json()
        return body if [u["handle"] for u in body["users"]] == [user.handle] else None

    body = eventually(top)
    assert body["hashtags"] == []


def test_pages_walk_the_results_without_repeats(person, stem):
    people = [person(f"{stem}p{i}") for i in range(5)]
    viewer = people[0]
    assert eventually(lambda: len(handles(viewer, stem)) == 5)

    seen, cursor = [], None
    while True:
        params = {"q": stem, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = viewer.get("/search/users", params=params).json()
        seen += [card["handle"] for card in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(p.handle for p in people)
    # A cursor is for the query it came from.
    first = viewer.get("/search/users", params={"q": stem, "limit": 2}).json()["next_cursor"]
    other = viewer.get("/search/users", params={"q": stem + "x", "cursor": first})
    assert other.status_code == 400 and error_code(other) == "invalid_cursor"


@pytest.mark.parametrize("q", ["", "   ", "@", "#", "x" * 65])
def test_an_empty_or_overlong_query_is_422(person, stem, q):
    user = person(f"{stem}q")

    for path in ("/search/users", "/search/hashtags", "/search"):
        response = user.get(path, params={"q": q})
        assert response.status_code == 422, (path, response.text)
        assert error_code(response) == "invalid_request"


def test_search_needs_a_signed_in_caller(anonymous):
    assert anonymous.get("/search/users", params={"q": "alice"}).status_code == 401


def test_a_rebuild_from_the_table_brings_back_what_the_engine_lost(runtime, person, stem):
    # `make reindex` (POST /_local/reindex): the engine is emptied, then rebuilt.
    import requests

    from photogram.adapters.search import search_index

    user = person(f"{stem}kept")
    publish(
        user, f"#{stem}kept", location={"name": f"{stem} Kept Place", "latitude": 1, "longitude": 2}
    )
    assert eventually(lambda: tags(user, stem) == [(f"{stem}kept", 1)])
    assert runtime.streams.wait_idle()
    search_index().reset()
    assert handles(user, stem) == []

    response = requests.post(runtime.info["api_url"] + "/_local/reindex", timeout=120)

    assert response.status_code == 200, response.text
    written = response.json()["written"]
    assert written["users"] >= 1 and written["hashtags"] >= 1 and written["places"] >= 1
    assert handles(user, stem) == [user.handle]
    assert tags(user, stem) == [(f"{stem}kept", 1)]
    found = user.get("/search/places", params={"q": f"{stem} kept"}).json()["items"]
    assert [p["name"] for p in found] == [f"{stem} Kept Place"]


def test_a_stack_without_search_answers_503_and_everything_else_works(
    runtime, person, stem, monkeypatch
):
    # What `search=off` deploys: the functions' settings say PHOTOGRAM_SEARCH_ENGINE=off.
    from photogram.adapters import search as adapter
    from photogram.settings import settings

    user = person(f"{stem}off")
    assert runtime.streams.wait_idle()
    monkeypatch.setenv("PHOTOGRAM_SEARCH_ENGINE", "off")
    settings.cache_clear()
    adapter.search_index.cache_clear()
    try:
        for path in ("/search", "/search/users", "/search/hashtags", "/search/places"):
            response = user.get(path, params={"q": stem})
            assert response.status_code == 503, (path, response.text)
            assert error_code(response) == "search_unavailable"
        # Everything else works, the stream consumer included (it skips indexing).
        assert user.put("/me", json={"display_name": "Offline"}).status_code == 200
        at = {"name": f"{stem} Off", "latitude": 1, "longitude": 2}
        post_id = publish(user, f"#{stem}off", location=at)
        assert runtime.streams.wait_idle()
        page = user.get(f"/hashtags/{stem}off").json()
        assert page["post_count"] == 1 and [p["post_id"] for p in page["top_posts"]] == [post_id]
    finally:
        monkeypatch.undo()
        settings.cache_clear()
        adapter.search_index.cache_clear()
