"""Stories: posting, the tray (own first, unseen before seen, then newest), views
counted once, viewers for the author alone, close friends, private accounts and
blocks, and expiry on a moved clock (the read filter first, then TTL cleanup)."""

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from PIL import Image

from photogram import changes, clock
from photogram.media import repository as media_repo
from photogram.settings import settings
from photogram.stories import consumers
from photogram.stories import repository as stories_repo
from tests.support import error_code, eventually, must_exist, upload


def story_media(client, color=(200, 60, 90)):
    out = io.BytesIO()
    Image.new("RGB", (180, 320), color).save(out, "JPEG")
    return upload(client, out.getvalue(), "image/jpeg", purpose="story")


def post_story(client, audience="followers"):
    media = story_media(client)
    response = client.post("/stories", json={"media_id": media["media_id"], "audience": audience})
    assert response.status_code == 201, response.text
    return response.json()


def tray_handles(client):
    response = client.get("/stories/tray")
    assert response.status_code == 200, response.text
    return [(e["user"]["handle"], e["all_seen"]) for e in response.json()["items"]]


def ring_of(client, handle):
    return next(
        (e for e in client.get("/stories/tray").json()["items"] if e["user"]["handle"] == handle),
        None,
    )


@pytest.fixture
def author_and_fan(make_user):
    author, fan = make_user("author"), make_user("fan")
    assert fan.post(f"/users/{author.handle}/follow").status_code == 200
    return author, fan


def test_a_story_lives_24_hours_and_has_its_variants(author_and_fan):
    author, fan = author_and_fan

    story = post_story(author)

    assert story["expires_at"] - clock.epoch() in range(86_390, 86_401)
    assert story["author"]["handle"] == author.handle and story["view_count"] == 0
    assert {"thumbnail", "small", "medium"} <= set(story["media"]["variants"])
    assert story["media"]["blur_placeholder"]
    listed = fan.get(f"/users/{author.handle}/stories").json()["items"]
    assert [s["story_id"] for s in listed] == [story["story_id"]]
    assert listed[0]["has_seen"] is False and listed[0]["view_count"] is None


def test_posting_the_same_media_again_returns_the_same_story(make_user):
    author = make_user("author")
    media = story_media(author)

    first = author.post("/stories", json={"media_id": media["media_id"]}).json()
    again = author.post("/stories", json={"media_id": media["media_id"]})

    assert again.status_code == 201 and again.json()["story_id"] == first["story_id"]
    assert len(author.get(f"/users/{author.handle}/stories").json()["items"]) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"media_id": "nope"}, 404, "media_not_found"),
        ({"media_id": "x", "audience": "everyone"}, 422, "invalid_request"),
        ({"media_id": "x", "extra": 1}, 422, "invalid_request"),
    ],
)
def test_bad_story_requests_are_refused(make_user, body, status, code):
    author = make_user("author")

    response = author.post("/stories", json=body)

    assert response.status_code == status and error_code(response) == code


def test_a_post_upload_cannot_become_a_story(make_user):
    author = make_user("author")
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, "JPEG")
    media = upload(author, out.getvalue(), "image/jpeg", purpose="post")

    response = author.post("/stories", json={"media_id": media["media_id"]})

    assert error_code(response) == "media_wrong_purpose"


def test_someone_elses_media_is_not_found(make_user):
    author, thief = make_user("author"), make_user("thief")
    media = story_media(author)

    response = thief.post("/stories", json={"media_id": media["media_id"]})

    assert response.status_code == 404 and error_code(response) == "media_not_found"


def test_tray_orders_own_first_then_unseen_then_newest(make_user):
    me = make_user("me")
    old, new, seen = make_user("old"), make_user("new"), make_user("seen")
    for other in (old, new, seen):
        me.post(f"/users/{other.handle}/follow")
    first = post_story(seen)
    post_story(old)
    post_story(new)
    post_story(me)
    assert eventually(lambda: len(tray_handles(me)) == 4)

    me.post(f"/stories/{first['story_id']}/view")

    # My own ring too stays unseen until I watch my story, as on the phone.
    assert tray_handles(me) == [
        (me.handle, False),
        (new.handle, False),
        (old.handle, False),
        (seen.handle, True),
    ]


def test_a_new_story_makes_a_seen_ring_unseen_again(author_and_fan):
    author, fan = author_and_fan
    first = post_story(author)
    assert eventually(lambda: ring_of(fan, author.handle))
    fan.post(f"/stories/{first['story_id']}/view")
    assert ring_of(fan, author.handle)["all_seen"] is True

    post_story(author)

    assert eventually(lambda: ring_of(fan, author.handle)["all_seen"] is False)


def test_strangers_and_unfollowers_have_no_ring(author_and_fan, make_user):
    author, fan = author_and_fan
    stranger = make_user("stranger")
    post_story(author)
    assert eventually(lambda: ring_of(fan, author.handle))

    fan.delete(f"/users/{author.handle}/follow")

    assert eventually(lambda: ring_of(fan, author.handle) is None)
    assert ring_of(stranger, author.handle) is None


def test_following_someone_with_live_stories_brings_their_ring(make_user):
    author, late = make_user("author"), make_user("late")
    post_story(author)

    late.post(f"/users/{author.handle}/follow")

    assert eventually(lambda: ring_of(late, author.handle))


def test_a_muted_author_leaves_my_tray(author_and_fan):
    author, fan = author_and_fan
    post_story(author)
    assert eventually(lambda: ring_of(fan, author.handle))

    fan.post(f"/users/{author.handle}/mute")

    assert eventually(lambda: ring_of(fan, author.handle) is None)
    fan.delete(f"/users/{author.handle}/mute")
    assert eventually(lambda: ring_of(fan, author.handle))


def test_50_concurrent_views_by_one_viewer_count_once(author_and_fan):
    author, fan = author_and_fan
    story = post_story(author)

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(
            pool.map(
                lambda _: fan.post(f"/stories/{story['story_id']}/view").status_code, range(50)
            )
        )

    assert codes == [200] * 50
    viewers = author.get(f"/stories/{story['story_id']}/viewers").json()
    assert viewers["view_count"] == 1
    assert [v["user"]["handle"] for v in viewers["items"]] == [fan.handle]


def test_concurrent_viewers_are_each_counted_once(make_user):
    author = make_user("author")
    viewers = [make_user(f"v{i}") for i in range(12)]
    for viewer in viewers:
        viewer.post(f"/users/{author.handle}/follow")
    story = post_story(author)
    path = f"/stories/{story['story_id']}/view"

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda v: [v.post(path) for _ in range(3)], viewers))

    assert author.get(f"/stories/{story['story_id']}/viewers").json()["view_count"] == 12
    mine = author.get(f"/users/{author.handle}/stories").json()["items"]
    assert [s["view_count"] for s in mine] == [12]


def test_viewers_are_listed_newest_first_and_paginated(author_and_fan, make_user):
    author, fan = author_and_fan
    others = [make_user(f"v{i}") for i in range(3)]
    story = post_story(author)
    for viewer in [fan, *others]:
        viewer.post(f"/users/{author.handle}/follow")
        viewer.post(f"/stories/{story['story_id']}/view")

    first = author.get(f"/stories/{story['story_id']}/viewers", params={"limit": 2}).json()
    rest = author.get(
        f"/stories/{story['story_id']}/viewers", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()

    handles = [v["user"]["handle"] for v in first["items"] + rest["items"]]
    assert handles == [v.handle for v in reversed([fan, *others])]
    assert first["view_count"] == 4 and rest["next_cursor"] is None


def test_only_the_author_sees_viewers(author_and_fan, make_user):
    author, fan = author_and_fan
    stranger = make_user("stranger")
    story = post_story(author)
    path = f"/stories/{story['story_id']}/viewers"

    assert fan.get(path).status_code == 403 and error_code(fan.get(path)) == "not_your_story"
    assert author.get(path).status_code == 200
    assert stranger.get(path).status_code == 403
    assert fan.delete(f"/stories/{story['story_id']}").status_code == 403


def test_a_viewer_who_blocks_the_author_leaves_the_viewer_list(author_and_fan):
    author, fan = author_and_fan
    story = post_story(author)
    fan.post(f"/stories/{story['story_id']}/view")

    fan.post(f"/users/{author.handle}/block")

    assert author.get(f"/stories/{story['story_id']}/viewers").json()["items"] == []


def test_a_late_unfollow_record_leaves_a_refollowed_ring(author_and_fan):
    author, fan = author_and_fan
    post_story(author)
    assert eventually(lambda: ring_of(fan, author.handle))
    fan.delete(f"/users/{author.handle}/follow")
    assert eventually(lambda: ring_of(fan, author.handle) is None)
    fan.post(f"/users/{author.handle}/follow")
    assert eventually(lambda: ring_of(fan, author.handle))
    edge = {"owner_id": fan.user_id, "other_id": author.user_id, "type": "following"}

    consumers.on_following(changes.Change("REMOVE", "following", new=None, old=edge))

    assert ring_of(fan, author.handle) is not None


def test_own_views_are_not_counted(make_user):
    author = make_user("author")
    story = post_story(author)

    author.post(f"/stories/{story['story_id']}/view")

    assert author.get(f"/stories/{story['story_id']}/viewers").json()["view_count"] == 0


def test_close_friends_stories_reach_close_friends_who_follow(make_user):
    author, friend, follower = make_user("author"), make_user("friend"), make_user("follower")
    for user in (friend, follower):
        user.post(f"/users/{author.handle}/follow")
    assert author.put(f"/me/close-friends/{friend.handle}").json()["is_close_friend"] is True

    story = post_story(author, audience="close_friends")

    assert eventually(lambda: ring_of(friend, author.handle))
    assert [
        s["story_id"] for s in friend.get(f"/users/{author.handle}/stories").json()["items"]
    ] == [story["story_id"]]
    assert follower.get(f"/users/{author.handle}/stories").json()["items"] == []
    assert ring_of(follower, author.handle) is None
    assert error_code(follower.post(f"/stories/{story['story_id']}/view")) == "story_not_found"


def test_the_close_friends_list_is_private_and_editable(make_user):
    author, friend = make_user("author"), make_user("friend")
    author.put(f"/me/close-friends/{friend.handle}")
    author.put(f"/me/close-friends/{friend.handle}")

    listed = author.get("/me/close-friends").json()["items"]
    assert [u["user"]["handle"] for u in listed] == [friend.handle]
    assert friend.get("/me/close-friends").json()["items"] == []
    author.delete(f"/me/close-friends/{friend.handle}")
    assert author.get("/me/close-friends").json()["items"] == []
    assert error_code(author.put(f"/me/close-friends/{author.handle}")) == "cannot_target_self"


def test_private_authors_stories_are_for_approved_followers(make_user):
    author, asker = make_user("author", is_private=True), make_user("asker")
    story = post_story(author)
    asker.post(f"/users/{author.handle}/follow")

    assert error_code(asker.get(f"/users/{author.handle}/stories")) == "private_account"
    assert error_code(asker.post(f"/stories/{story['story_id']}/view")) == "story_not_found"

    author.post(f"/me/follow-requests/{asker.handle}/approve")

    assert len(asker.get(f"/users/{author.handle}/stories").json()["items"]) == 1
    assert eventually(lambda: ring_of(asker, author.handle))


def test_a_block_hides_stories_both_ways(author_and_fan):
    author, fan = author_and_fan
    story = post_story(author)
    assert eventually(lambda: ring_of(fan, author.handle))

    author.post(f"/users/{fan.handle}/block")

    assert fan.get(f"/users/{author.handle}/stories").status_code == 404
    assert error_code(fan.post(f"/stories/{story['story_id']}/view")) == "story_not_found"
    assert eventually(lambda: ring_of(fan, author.handle) is None)


def test_deleting_a_story_removes_it_its_ring_and_its_media(author_and_fan):
    author, fan = author_and_fan
    story = post_story(author)
    assert eventually(lambda: ring_of(fan, author.handle))
    media_id = must_exist(stories_repo.get_story(story["story_id"])).media_id

    assert author.delete(f"/stories/{story['story_id']}").status_code == 204

    assert fan.get(f"/users/{author.handle}/stories").json()["items"] == []
    assert error_code(fan.post(f"/stories/{story['story_id']}/view")) == "story_not_found"
    assert eventually(lambda: ring_of(fan, author.handle) is None)
    assert eventually(lambda: media_repo.get(media_id) is None)


def test_an_earlier_story_keeps_the_ring_when_the_latest_is_deleted(author_and_fan):
    author, fan = author_and_fan
    first = post_story(author)
    second = post_story(author)
    assert eventually(
        lambda: (ring_of(fan, author.handle) or {}).get("latest_story_at") == second["created_at"]
    )

    author.delete(f"/stories/{second['story_id']}")

    assert eventually(
        lambda: (ring_of(fan, author.handle) or {}).get("latest_story_at") == first["created_at"]
    )


def test_expiry_read_filter_then_ttl_cleanup_keeping_highlighted_media(runtime, author_and_fan):
    author, fan = author_and_fan
    kept, gone = post_story(author), post_story(author)
    assert eventually(lambda: ring_of(fan, author.handle))
    highlight = author.post("/highlights", json={"title": "Trip", "story_ids": [kept["story_id"]]})
    assert highlight.status_code == 201, highlight.text
    kept_media = must_exist(stories_repo.get_story(kept["story_id"])).media_id
    gone_media = must_exist(stories_repo.get_story(gone["story_id"])).media_id

    with clock.FrozenClock(clock.now() + timedelta(hours=24, seconds=1)):
        # Before any sweep: reads already leave them out.
        assert fan.get(f"/users/{author.handle}/stories").json()["items"] == []
        assert ring_of(fan, author.handle) is None
        assert fan.post(f"/stories/{kept['story_id']}/view").status_code == 404
        runtime.ttl.sweep()

        assert eventually(lambda: media_repo.get(gone_media) is None)
        highlights = fan.get(f"/users/{author.handle}/highlights").json()["items"]
        assert [s["story_id"] for s in highlights[0]["stories"]] == [kept["story_id"]]
        assert media_repo.get(kept_media) is not None

    # Deleting the highlight lets the kept media go too.
    author.delete(f"/highlights/{highlight.json()['highlight_id']}")
    assert eventually(lambda: media_repo.get(kept_media) is None)


def test_a_large_accounts_story_is_one_star_row_merged_into_followers_trays(make_user, monkeypatch):
    star, stranger = make_user("star"), make_user("stranger")
    fans = [make_user(f"fan{i}") for i in range(3)]
    for fan in fans:
        fan.post(f"/users/{star.handle}/follow")
    monkeypatch.setenv("PHOTOGRAM_FANOUT_MAX_FOLLOWERS", "3")
    settings.cache_clear()
    try:
        post_story(star)

        assert eventually(lambda: star.user_id in {s.author_id for s in stories_repo.stars()})
        rings = [
            r
            for f in fans
            for r in stories_repo.tray_items(f.user_id)
            if isinstance(r, stories_repo.RingRow)
        ]
        assert rings == []
        assert all(ring_of(f, star.handle)["all_seen"] is False for f in fans)
        assert ring_of(stranger, star.handle) is None
    finally:
        monkeypatch.undo()
        settings.cache_clear()


def test_the_tray_comes_in_pages_without_repeats(make_user):
    me = make_user("me")
    authors = [make_user(f"a{i}") for i in range(3)]
    for author in authors:
        me.post(f"/users/{author.handle}/follow")
        post_story(author)
    post_story(me)
    assert eventually(lambda: len(tray_handles(me)) == 4)

    pages, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        body = me.get("/stories/tray", params=params).json()
        pages.append([e["user"]["handle"] for e in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == [[me.handle]] + [[a.handle] for a in reversed(authors)]
    assert error_code(me.get("/stories/tray", params={"cursor": "forged"})) == "invalid_cursor"


def view_events(user_id, author_id):
    from photogram.db import batch_get
    from photogram.feed.keys import affinity_key

    row = batch_get([affinity_key(user_id)]).get(affinity_key(user_id))
    events = getattr(row, "events", None) or []
    return [e for e in events if e["kind"] == "story_view" and e["author_id"] == author_id]


def test_a_story_view_is_recorded_for_the_feed_once(author_and_fan):
    author, fan = author_and_fan
    story = post_story(author)

    fan.post(f"/stories/{story['story_id']}/view")

    assert eventually(lambda: len(view_events(fan.user_id, author.user_id)) == 1)
    view = stories_repo.StoryViewRow.get(
        *stories_repo.keys.view_key(story["story_id"], fan.user_id)
    )
    image = {k: next(iter(v.values())) for k, v in view.serialize().items()}
    from photogram.feed import aggregates

    aggregates.on_story_views([changes.Change("INSERT", "story_view", new=image, old=None)])

    assert len(view_events(fan.user_id, author.user_id)) == 1
