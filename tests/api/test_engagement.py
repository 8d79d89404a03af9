"""Likes, saves and comments: exact sharded counters, idempotency, visibility."""

import io
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from tests.support import error_code, upload


def new_post(client, caption="a post"):
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (random.randrange(256), 90, 30)).save(out, "JPEG")
    media = upload(client, out.getvalue(), "image/jpeg")
    response = client.post("/posts", json={"media_ids": [media["media_id"]], "caption": caption})
    assert response.status_code == 201, response.text
    return response.json()["post_id"]


@pytest.fixture
def author(make_user):
    return make_user("author")


@pytest.fixture
def post_id(author):
    return new_post(author)


def counts(client, post_id):
    return client.get(f"/posts/{post_id}").json()["counts"]


def test_like_twice_counts_once_and_shows_as_mine(author, post_id, make_user):
    fan = make_user("fan")

    fan.put(f"/posts/{post_id}/like")
    response = fan.put(f"/posts/{post_id}/like")

    assert response.json() == {"post_id": post_id, "liked": True, "likes": 1}
    assert fan.get(f"/posts/{post_id}").json()["viewer"] == {"liked": True, "saved": False}
    assert author.get(f"/posts/{post_id}").json()["viewer"]["liked"] is False


def test_200_concurrent_likes_count_exactly_200(post_id, make_user, author):
    fans = [make_user(f"fan{i}") for i in range(200)]

    with ThreadPoolExecutor(max_workers=32) as pool:
        responses = list(pool.map(lambda fan: fan.put(f"/posts/{post_id}/like"), fans))

    assert [r.status_code for r in responses] == [200] * 200, [
        r.text for r in responses if not r.ok
    ]
    assert counts(author, post_id)["likes"] == 200
    likers = author.get(f"/posts/{post_id}/likes", params={"limit": 100}).json()
    assert len(likers["items"]) == 100 and likers["next_cursor"] is not None


def test_a_like_unlike_storm_leaves_the_count_equal_to_the_likers(post_id, make_user, author):
    fans = [make_user(f"fan{i}") for i in range(30)]
    rng = random.Random(7)
    actions = [(fan, rng.choice(["PUT", "DELETE"])) for fan in fans for _ in range(4)]
    rng.shuffle(actions)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda a: a[0].request(a[1], f"/posts/{post_id}/like"), actions))

    likers = sum(fan.get(f"/posts/{post_id}").json()["viewer"]["liked"] for fan in fans)
    assert counts(author, post_id)["likes"] == likers


def test_unlike(post_id, make_user, author):
    fan = make_user("fan")
    fan.put(f"/posts/{post_id}/like")

    assert fan.delete(f"/posts/{post_id}/like").json()["likes"] == 0
    assert fan.delete(f"/posts/{post_id}/like").json()["likes"] == 0


def test_saves_are_private_to_me(author, post_id, make_user):
    fan, other = make_user("fan"), make_user("other")

    fan.put(f"/posts/{post_id}/save")

    assert [p["post_id"] for p in fan.get("/me/saved").json()["items"]] == [post_id]
    assert other.get("/me/saved").json()["items"] == []
    assert counts(author, post_id)["saves"] == 1
    fan.delete(f"/posts/{post_id}/save")
    assert fan.get("/me/saved").json()["items"] == []


def test_comments_oldest_first_with_one_level_of_replies(author, post_id, make_user):
    fan = make_user("fan")
    first = fan.post(f"/posts/{post_id}/comments", json={"text": f"nice @{author.handle}"}).json()
    reply = author.post(
        f"/posts/{post_id}/comments", json={"text": "thanks", "reply_to": first["comment_id"]}
    )

    deeper = fan.post(
        f"/posts/{post_id}/comments", json={"text": "x", "reply_to": reply.json()["comment_id"]}
    )
    listed = fan.get(f"/posts/{post_id}/comments").json()["items"]

    assert [c["text"] for c in listed] == [f"nice @{author.handle}", "thanks"]
    assert listed[0]["mentions"] == [author.handle]
    assert listed[1]["reply_to"] == first["comment_id"]
    assert deeper.status_code == 403
    assert counts(author, post_id)["comments"] == 2


def test_comments_are_deleted_by_their_author_or_the_posts_author_only(author, post_id, make_user):
    fan, stranger = make_user("fan"), make_user("stranger")
    one = fan.post(f"/posts/{post_id}/comments", json={"text": "one"}).json()["comment_id"]
    two = fan.post(f"/posts/{post_id}/comments", json={"text": "two"}).json()["comment_id"]

    assert stranger.delete(f"/posts/{post_id}/comments/{one}").status_code == 403
    assert fan.delete(f"/posts/{post_id}/comments/{one}").status_code == 204
    assert author.delete(f"/posts/{post_id}/comments/{two}").status_code == 204
    assert counts(author, post_id)["comments"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/posts/{p}/like", None),
        ("PUT", "/posts/{p}/save", None),
        ("POST", "/posts/{p}/comments", {"text": "hi"}),
        ("GET", "/posts/{p}/comments", None),
        ("GET", "/posts/{p}/likes", None),
    ],
)
def test_nobody_acts_on_a_post_they_cannot_see(make_user, method, path, body):
    carol = make_user("carol", is_private=True)
    post_id = new_post(carol)
    stranger = make_user("stranger")

    response = stranger.request(method, path.format(p=post_id), json=body)

    assert response.status_code == 404
    assert error_code(response) == "post_not_found"
    assert counts(carol, post_id) == {"likes": 0, "comments": 0, "saves": 0}


def test_a_blocked_users_comments_and_likes_are_hidden_from_me(author, post_id, make_user):
    fan, viewer = make_user("fan"), make_user("viewer")
    fan.put(f"/posts/{post_id}/like")
    fan.post(f"/posts/{post_id}/comments", json={"text": "from fan"})
    viewer.post(f"/users/{fan.handle}/block")

    assert viewer.get(f"/posts/{post_id}/comments").json()["items"] == []
    assert viewer.get(f"/posts/{post_id}/likes").json()["items"] == []
