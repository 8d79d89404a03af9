"""Posts: creation (idempotent), visibility everywhere, changes and deletion."""

import io
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from tests.support import error_code, start_upload, upload


def tag(name):
    """A hashtag no other test uses (tests share one runtime)."""
    return f"{name}{uuid.uuid4().hex[:10]}"


def photo(color):
    out = io.BytesIO()
    Image.new("RGB", (400, 300), color).save(out, "JPEG")
    return out.getvalue()


def ready_media(client, color=(200, 100, 50)):
    media = upload(client, photo(color), "image/jpeg")
    assert media["status"] == "READY", media
    return media["media_id"]


def post(client, caption="", **extra):
    body = {"media_ids": [ready_media(client)], "caption": caption, **extra}
    response = client.post("/posts", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def test_a_post_renders_in_one_response(alice):
    media_id = ready_media(alice)

    response = alice.post(
        "/posts",
        json={
            "media_ids": [media_id],
            "caption": f"Sunset at sea #Sunset #sea @{alice.handle}",
            "alt_texts": ["orange sky"],
            "location": {"name": "Lisbon", "latitude": 38.7, "longitude": -9.1},
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["author"]["handle"] == alice.handle
    assert body["hashtags"] == ["sunset", "sea"]
    assert body["mentions"] == [alice.handle]
    assert body["media"][0]["alt_text"] == "orange sky"
    assert set(body["media"][0]["variants"]) == {
        "thumbnail",
        "small",
        "medium",
        "large",
        "original",
    }
    assert alice.me()["counts"]["posts"] == 1


def test_mentions_keep_only_existing_users(alice):
    body = post(alice, "hi @nobody_by_that_name_xyz")

    assert body["mentions"] == []


def test_the_same_idempotency_key_returns_the_same_post(alice):
    body = {"media_ids": [ready_media(alice)], "caption": "once"}
    headers = {"Idempotency-Key": "retry-1"}

    first = alice.post("/posts", json=body, headers=headers)
    second = alice.post("/posts", json=body, headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["post_id"] == second.json()["post_id"]
    assert alice.me()["counts"]["posts"] == 1


def test_concurrent_retries_with_one_key_create_one_post(alice):
    body = {"media_ids": [ready_media(alice)], "caption": "storm"}

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(
            pool.map(
                lambda _: alice.post("/posts", json=body, headers={"Idempotency-Key": "storm"}),
                range(6),
            )
        )

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["post_id"] for r in responses}) == 1
    assert alice.me()["counts"]["posts"] == 1


def test_reusing_a_key_for_another_request_is_409(alice):
    alice.post(
        "/posts",
        json={"media_ids": [ready_media(alice)], "caption": "a"},
        headers={"Idempotency-Key": "k"},
    )

    response = alice.post(
        "/posts",
        json={"media_ids": [ready_media(alice)], "caption": "b"},
        headers={"Idempotency-Key": "k"},
    )

    assert response.status_code == 409
    assert error_code(response) == "idempotency_key_reused"


def test_a_media_item_is_published_once(alice):
    media_id = ready_media(alice)
    alice.post("/posts", json={"media_ids": [media_id]})

    response = alice.post("/posts", json={"media_ids": [media_id]})

    assert response.status_code == 409
    assert error_code(response) == "media_in_use"


def test_someone_elses_media_cannot_be_posted(alice, make_user):
    media_id = ready_media(alice)

    response = make_user("thief").post("/posts", json={"media_ids": [media_id]})

    assert response.status_code == 404
    assert error_code(response) == "media_not_found"


def test_media_still_processing_cannot_be_posted(alice):
    started = start_upload(alice, "image/jpeg", 1000)

    response = alice.post("/posts", json={"media_ids": [started["media_id"]]})

    assert response.status_code == 409
    assert error_code(response) == "media_not_ready"


@pytest.mark.parametrize(
    "body",
    [
        {"media_ids": []},
        {"media_ids": [f"m{i}" for i in range(11)]},
        {"media_ids": ["a", "a"]},
        {"media_ids": ["a"], "caption": "x" * 2201},
        {"media_ids": ["a"], "caption": " ".join(f"#t{i}" for i in range(31))},
        {"media_ids": ["a"], "author_id": "someone"},
    ],
    ids=["no-media", "eleven", "duplicate", "long-caption", "31-tags", "unknown-field"],
)
def test_invalid_posts_are_422(alice, body):
    assert alice.post("/posts", json=body).status_code == 422


def test_captions_and_comments_with_a_bidi_override_are_422(alice):
    spoof = "invoice \u202efdp.exe"
    post_id = post(alice)["post_id"]

    answers = [
        alice.post("/posts", json={"media_ids": ["a"], "caption": spoof}),
        alice.patch(f"/posts/{post_id}", json={"caption": spoof}),
        alice.post(f"/posts/{post_id}/comments", json={"text": spoof}),
    ]

    for response in answers:
        assert response.status_code == 422 and error_code(response) == "invalid_request"
        assert [d["type"] for d in response.json()["error"]["details"]] == ["bidi_control"]


# --- visibility -----------------------------------------------------------------------------


@pytest.fixture
def private_author(make_user):
    carol = make_user("carol", is_private=True)
    private_tag = tag("private")
    return carol, post(carol, f"secret #{private_tag}"), private_tag


def test_a_private_authors_post_is_404_to_strangers_and_visible_to_followers(
    private_author, make_user
):
    carol, body, _ = private_author
    stranger, follower = make_user("stranger"), make_user("follower")
    follower.post(f"/users/{carol.handle}/follow")
    carol.post(f"/me/follow-requests/{follower.handle}/approve")

    assert stranger.get(f"/posts/{body['post_id']}").status_code == 404
    assert stranger.get(f"/users/{carol.handle}/posts").status_code == 403
    assert follower.get(f"/posts/{body['post_id']}").status_code == 200
    assert [p["post_id"] for p in follower.get(f"/users/{carol.handle}/posts").json()["items"]] == [
        body["post_id"]
    ]


def test_hashtag_lists_leave_out_posts_i_may_not_see(private_author, make_user):
    _, _, private_tag = private_author
    stranger = make_user("stranger")
    mine = post(stranger, f"mine too #{private_tag}")

    listed = stranger.get(f"/hashtags/{private_tag}/posts").json()["items"]

    assert [p["post_id"] for p in listed] == [mine["post_id"]]


@pytest.mark.parametrize("who_blocks", ["author", "viewer"])
def test_blocks_hide_posts_both_ways(alice, make_user, who_blocks):
    bob = make_user("bob")
    block_tag = tag("block")
    body = post(alice, f"#{block_tag}")
    blocker, blocked = (alice, bob) if who_blocks == "author" else (bob, alice)
    blocker.post(f"/users/{blocked.handle}/block")

    assert bob.get(f"/posts/{body['post_id']}").status_code == 404
    assert bob.get(f"/users/{alice.handle}/posts").status_code == 404
    assert bob.get(f"/hashtags/{block_tag}/posts").json()["items"] == []


# --- change and delete ---------------------------------------------------------------------------


def test_editing_the_caption_moves_the_post_between_hashtags(alice):
    before, after = tag("before"), tag("after")
    body = post(alice, f"#{before}")

    changed = alice.request("PATCH", f"/posts/{body['post_id']}", json={"caption": f"#{after}"})

    assert changed.json()["hashtags"] == [after]
    assert alice.get(f"/hashtags/{before}/posts").json()["items"] == []
    listed = alice.get(f"/hashtags/{after}/posts").json()["items"]
    assert [p["post_id"] for p in listed] == [body["post_id"]]


def test_only_the_author_edits_or_deletes(alice, make_user):
    body = post(alice, "mine")
    bob = make_user("bob")

    assert (
        bob.request("PATCH", f"/posts/{body['post_id']}", json={"caption": "pwned"}).status_code
        == 403
    )
    assert bob.delete(f"/posts/{body['post_id']}").status_code == 403
    assert alice.get(f"/posts/{body['post_id']}").json()["caption"] == "mine"


def test_deleting_a_post_removes_it_everywhere(alice):
    gone = tag("gone")
    body = post(alice, f"#{gone}")
    variant_url = body["media"][0]["variants"]["large"]["url"]

    assert alice.delete(f"/posts/{body['post_id']}").status_code == 204

    assert alice.get(f"/posts/{body['post_id']}").status_code == 404
    assert alice.get(f"/hashtags/{gone}/posts").json()["items"] == []
    assert alice.get(f"/users/{alice.handle}/posts").json()["items"] == []
    assert alice.me()["counts"]["posts"] == 0
    assert alice.session.get(variant_url).status_code == 403


def test_profile_grid_is_newest_first_and_pages(alice):
    ids = [post(alice, f"post {i}")["post_id"] for i in range(3)]

    first = alice.get(f"/users/{alice.handle}/posts", params={"limit": 2}).json()
    second = alice.get(
        f"/users/{alice.handle}/posts", params={"cursor": first["next_cursor"]}
    ).json()

    assert [p["post_id"] for p in first["items"] + second["items"]] == list(reversed(ids))
    assert second["next_cursor"] is None
