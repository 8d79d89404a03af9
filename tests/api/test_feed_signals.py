"""The feed's signals: stats kept from the counter shards, interests from my likes,
comments and saves, discovery from strangers' popular posts, what I was shown
pushed down, and the DynamoDB call budget per page."""

import threading

import botocore.client
import pytest

from photogram.changes import Change
from photogram.feed import aggregates, keys, repository
from photogram.feed import service as feed_service
from photogram.posts import keys as post_keys
from photogram.posts.repository import CounterRow
from tests.api.test_fanout import eventually
from tests.api.test_feed import publish, wait_for_timeline


def listed():
    return {e["post_id"] for e in aggregates.discovery()}


def feed_ids(client):
    return [p["post_id"] for p in client.get("/feed").json()["items"]]


def every_feed_id(client):
    """Every page of the feed: the global discovery list is shared with other tests'
    popular posts, so a stranger's post may rank below the first page."""
    ids, cursor = [], None
    while True:
        page = client.get("/feed", params={"limit": 50, **({"cursor": cursor} if cursor else {})})
        ids += [p["post_id"] for p in page.json()["items"]]
        cursor = page.json().get("next_cursor")
        if not cursor:
            return ids


def totals(post_id):
    found = repository.stats([post_id])
    return found[post_id].totals() if post_id in found else None


def interests_of(user_id):
    key = keys.affinity_key(user_id)
    return aggregates.interests(repository.read_many([key]).get(key))


def test_engagement_reaches_the_feed_through_the_stats_item(runtime, make_user):
    author, viewer, fan = make_user("author"), make_user("viewer"), make_user("fan")
    viewer.post(f"/users/{author.handle}/follow")
    post_id = publish(author)
    fan.put(f"/posts/{post_id}/like")
    fan.post(f"/posts/{post_id}/comments", json={"text": "nice"})

    assert eventually(lambda: totals(post_id) == {"likes": 1, "comments": 1, "saves": 0})
    wait_for_timeline(runtime, viewer.user_id, [post_id])
    item = next(p for p in viewer.get("/feed").json()["items"] if p["post_id"] == post_id)
    assert item["counts"] == {"likes": 1, "comments": 1, "saves": 0}


def test_a_redelivered_counter_batch_changes_no_total(make_user):
    author, fan = make_user("author"), make_user("fan")
    post_id = publish(author)
    fan.put(f"/posts/{post_id}/like")
    assert eventually(lambda: totals(post_id) == {"likes": 1, "comments": 0, "saves": 0})
    shards = [
        r
        for r in CounterRow.batch_get(post_keys.counter_keys(post_id))
        if isinstance(r, CounterRow)
    ]
    batch = [
        Change(
            "MODIFY",
            "post_counter",
            {"PK": r.PK, "SK": r.SK, "type": "post_counter", "likes": r.likes, "comments": 0},
            None,
        )
        for r in shards
    ]

    aggregates.on_counters(batch)
    aggregates.on_counters(batch)

    assert totals(post_id) == {"likes": 1, "comments": 0, "saves": 0}


def test_my_likes_comments_and_saves_become_interests(make_user):
    author, viewer = make_user("author"), make_user("viewer")
    post_id = publish(author, "at sea #sailing")
    viewer.put(f"/posts/{post_id}/like")
    viewer.put(f"/posts/{post_id}/save")
    viewer.post(f"/posts/{post_id}/comments", json={"text": "wow"})

    assert eventually(lambda: interests_of(viewer.user_id).authors.get(author.user_id, 0) > 5.9)
    interests = interests_of(viewer.user_id)
    assert interests.tags["sailing"] == pytest.approx(interests.authors[author.user_id])

    viewer.delete(f"/posts/{post_id}/like")  # taking a like back takes its weight back
    assert eventually(lambda: interests_of(viewer.user_id).authors[author.user_id] < 5.1)


def test_a_post_on_a_topic_i_engage_with_ranks_above_a_newer_one(runtime, make_user):
    stranger, viewer = make_user("stranger"), make_user("viewer")
    a, b = make_user("a"), make_user("b")
    for followee in (a, b):
        viewer.post(f"/users/{followee.handle}/follow")
    liked = publish(stranger, "#kitesurf at dawn")
    viewer.put(f"/posts/{liked}/like")
    assert eventually(lambda: interests_of(viewer.user_id).tags.get("kitesurf", 0) > 0)
    on_topic = publish(a, "more #kitesurf")
    newer = publish(b, "lunch")
    wait_for_timeline(runtime, viewer.user_id, [on_topic, newer])

    ids = feed_ids(viewer)

    assert ids.index(on_topic) < ids.index(newer)


def test_discovery_brings_strangers_popular_posts_but_never_blocked_or_private(
    runtime, make_user, monkeypatch
):
    # Other tests' popular posts share the global list: let this viewer see all of it.
    monkeypatch.setattr(feed_service, "MIN_DISCOVERY", aggregates.DISCOVERY_SIZE)
    viewer, friend, fan = make_user("viewer"), make_user("friend"), make_user("fan")
    popular, blocked = make_user("popular"), make_user("blocked")
    hidden = make_user("hidden", is_private=True)
    viewer.post(f"/users/{friend.handle}/follow")
    wait_for_timeline(runtime, viewer.user_id, [publish(friend)])
    posts = {who.handle: publish(who) for who in (popular, blocked, hidden)}
    for post_id in posts.values():
        fan.put(f"/posts/{post_id}/like")
    viewer.post(f"/users/{blocked.handle}/block")
    assert eventually(lambda: posts[popular.handle] in listed())

    ids = every_feed_id(viewer)

    assert posts[popular.handle] in ids
    assert posts[blocked.handle] not in ids
    assert posts[hidden.handle] not in listed()


def test_what_i_was_shown_goes_below_what_i_was_not(runtime, make_user):
    viewer, prolific, quiet = make_user("viewer"), make_user("prolific"), make_user("quiet")
    for author in (prolific, quiet):
        viewer.post(f"/users/{author.handle}/follow")
    posts = [publish(prolific) for _ in range(8)] + [publish(quiet) for _ in range(4)]
    wait_for_timeline(runtime, viewer.user_id, posts)
    shown = set(feed_ids(viewer))  # page one only
    fresh = publish(quiet, "new")
    wait_for_timeline(runtime, viewer.user_id, [fresh])

    refreshed = feed_ids(viewer)

    assert refreshed[0] == fresh
    assert refreshed[1] in set(posts) - shown


class DynamoCalls:
    """DynamoDB calls made by this thread (the feed runs in-process here)."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        original = botocore.client.BaseClient._make_api_call
        me = threading.get_ident()

        def counting(client, operation, params):
            if client.meta.service_model.service_name == "dynamodb" and (
                threading.get_ident() == me
            ):
                self.calls.append(operation)
            return original(client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)

    def during(self, action):
        self.calls.clear()
        result = action()
        return result, list(self.calls)


def test_pages_stay_within_the_call_budget(runtime, make_user, monkeypatch):
    viewer = make_user("viewer")
    authors = [make_user(f"a{i}") for i in range(6)]
    posts = []
    for author in authors:
        viewer.post(f"/users/{author.handle}/follow")
        posts += [publish(author) for _ in range(4)]
    wait_for_timeline(runtime, viewer.user_id, posts)
    counter = DynamoCalls(monkeypatch)

    cold, cold_calls = counter.during(lambda: feed_service.get_feed(viewer.user_id, None))
    warm, warm_calls = counter.during(lambda: feed_service.get_feed(viewer.user_id, None))
    _, next_calls = counter.during(lambda: feed_service.get_feed(viewer.user_id, cold.next_cursor))

    assert cold.next_cursor and [p.post_id for p in warm.items] == [p.post_id for p in cold.items]
    assert len(cold_calls) <= 12, cold_calls
    assert len(warm_calls) <= 3, warm_calls
    assert len(next_calls) <= 3, next_calls


def test_deleting_a_post_removes_its_likes_comments_and_their_interest(make_user):
    from photogram.posts import keys as pk
    from photogram.posts import repository as posts_repo

    author, fan = make_user("author"), make_user("fan")
    post_id = publish(author, "#gone")
    fan.put(f"/posts/{post_id}/like")
    fan.post(f"/posts/{post_id}/comments", json={"text": "bye"})
    assert eventually(lambda: interests_of(fan.user_id).tags.get("gone", 0) > 0)

    author.delete(f"/posts/{post_id}")

    assert eventually(lambda: posts_repo.delete_engagement(post_id) == 0)
    assert eventually(lambda: interests_of(fan.user_id).tags.get("gone", 0) == 0)
    assert not list(posts_repo.Row.query(pk.comments_pk(post_id)))


def test_a_like_and_an_unlike_in_one_batch_leave_no_interest(make_user):
    author, fan = make_user("author"), make_user("fan")
    post_id = publish(author, "#sailing")
    like = {
        "PK": f"LIKE#{post_id}#{fan.user_id}",
        "SK": "LIKE",
        "type": "like",
        "post_id": post_id,
        "user_id": fan.user_id,
        "created_at": "2026-11-25T12:00:00.000Z",
    }

    aggregates.on_engagement(
        [Change("INSERT", "like", new=like, old=None), Change("REMOVE", "like", new=None, old=like)]
    )

    assert author.user_id not in interests_of(fan.user_id).authors
